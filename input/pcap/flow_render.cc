// The per-flow record renderer (format documented in docs/pcap.md).
#include "input/pcap/flow_render.h"

#include <cmath>
#include <string>
#include <vector>

#include "types/flow_entry.h"
#include "types/json_values.h"

namespace eveflow::input::pcap {
namespace {

using json::append_key;
using json::append_uint;

void append_fixed3(std::string& out, double v) {  // 3 decimals, as "%.3f"
    if (!std::isfinite(v)) v = 0;
    if (v < 0) {
        out += '-';
        v = -v;
    }
    auto milli = static_cast<uint64_t>(std::llround(v * 1000.0));
    append_uint(out, milli / 1000);
    char frac[4] = {'.', static_cast<char>('0' + milli / 100 % 10),
                    static_cast<char>('0' + milli / 10 % 10), static_cast<char>('0' + milli % 10)};
    out.append(frac, 4);
}

void num(std::string& out, std::string_view k, uint64_t v) {
    append_key(out, k);
    append_uint(out, v);
    out += ',';
}

// `quoted` is the complete `"name":` text.
void num_q(std::string& out, const std::string& quoted, uint64_t v) {
    out += quoted;
    append_uint(out, v);
    out += ',';
}

void real_q(std::string& out, const std::string& quoted, double v) {
    out += quoted;
    append_fixed3(out, v);
    out += ',';
}

void str(std::string& out, std::string_view k, std::string_view v) {
    append_key(out, k);
    json::append_string(out, v);
    out += ',';
}

void ip(std::string& out, std::string_view k, const std::array<uint8_t, 16>& a) {
    append_key(out, k);
    json::append_ip(out, IpAddr::v6(a.data()));
    out += ',';
}

void ts(std::string& out, std::string_view k, int64_t us) {
    append_key(out, k);
    json::append_time(out, Timestamp::from_us(us));
    out += ',';
}

void close_object(std::string& out) {
    if (out.back() == ',') out.pop_back();
    out += '}';
}

std::string_view state_of(const Flow& f) {
    if (f.closed) return "closed";
    return (f.dir[0].packets && f.dir[1].packets) ? "established" : "new";
}

// NFStream's per-direction features, prefixed bidirectional_ / src2dst_ / dst2src_.
enum Feature {
    kPackets,
    kBytes,
    kFirstSeen,
    kLastSeen,
    kDuration,
    kMinPs,
    kMeanPs,
    kStddevPs,
    kMaxPs,
    kMinPiat,
    kMeanPiat,
    kStddevPiat,
    kMaxPiat,
    kFlag0,
    kFeatureCount = kFlag0 + kTcpFlagCount
};

// The quoted key texts, built once: `"bidirectional_packets":`, ...
const std::string& feature_key(int prefix, int feature) {
    static const auto kNames = [] {
        static constexpr std::string_view kPrefixes[] = {"bidirectional", "src2dst", "dst2src"};
        static constexpr std::string_view kFeatures[] = {
            "packets",      "bytes",          "first_seen_us", "last_seen_us", "duration_us",
            "min_ps",       "mean_ps",        "stddev_ps",     "max_ps",       "min_piat_us",
            "mean_piat_us", "stddev_piat_us", "max_piat_us",   "syn_packets",  "ack_packets",
            "psh_packets",  "rst_packets",    "fin_packets",   "urg_packets",  "ece_packets",
            "cwr_packets"};
        std::vector<std::string> names;
        for (auto p : kPrefixes) {
            for (auto f : kFeatures) {
                std::string k;
                k.reserve(p.size() + f.size() + 4);
                k.append("\"").append(p).append("_").append(f).append("\":");
                names.push_back(std::move(k));
            }
        }
        return names;
    }();
    return kNames[static_cast<size_t>(prefix * kFeatureCount + feature)];
}

void features(std::string& out, int prefix, const DirStats& d) {
    auto k = [&](int feature) -> const std::string& { return feature_key(prefix, feature); };
    num_q(out, k(kPackets), d.packets);
    num_q(out, k(kBytes), d.bytes);
    num_q(out, k(kFirstSeen), static_cast<uint64_t>(d.first_us));
    num_q(out, k(kLastSeen), static_cast<uint64_t>(d.last_us));
    num_q(out, k(kDuration), static_cast<uint64_t>(d.packets ? d.last_us - d.first_us : 0));
    real_q(out, k(kMinPs), d.ps.min);
    real_q(out, k(kMeanPs), d.ps.mean);
    real_q(out, k(kStddevPs), d.ps.stddev());
    real_q(out, k(kMaxPs), d.ps.max);
    real_q(out, k(kMinPiat), d.piat.min);
    real_q(out, k(kMeanPiat), d.piat.mean);
    real_q(out, k(kStddevPiat), d.piat.stddev());
    real_q(out, k(kMaxPiat), d.piat.max);
    for (int i = 0; i < kTcpFlagCount; ++i) num_q(out, k(kFlag0 + i), d.flags[i]);
}

void ndpi_object(std::string& out, const DpiInfo& d) {
    append_key(out, "ndpi");
    out += '{';
    str(out, "protocol", d.protocol);
    str(out, "master", d.master);
    str(out, "app", d.app);
    str(out, "category", d.category);
    str(out, "confidence", d.confidence);
    if (!d.hostname.empty()) str(out, "hostname", d.hostname);
    if (!d.ja3c.empty()) str(out, "ja3c", d.ja3c);
    if (!d.ja3s.empty()) str(out, "ja3s", d.ja3s);
    append_key(out, "risks");
    out += '[';
    for (int i = 1; i < NdpiModule::kMaxRisk; ++i) {
        if (!(d.risk & (uint64_t{1} << i))) continue;
        json::append_string(out, NdpiModule::risk_name(i));
        out += ',';
    }
    if (out.back() == ',') out.pop_back();
    out += "],";
    append_key(out, "guessed");
    out += d.guessed ? "true," : "false,";
    append_key(out, "encrypted");
    out += d.encrypted ? "true" : "false";
    out += "},";
}

// `"src_process":{"pid":..,"name":..,"user":..[,"cmdline":..]},` for a found local end,
// `"src_process_unknown":"not_seen",` for a local end without one, nothing for a remote end.
void process_object(std::string& out, std::string_view side, const process::EndpointProcess& p) {
    using Kind = process::EndpointProcess::Kind;
    if (p.kind == Kind::kRemote) return;
    std::string key(side);
    if (p.kind == Kind::kUnknown) {
        str(out, key + "_process_unknown", process::unknown_reason_name(p.reason));
        return;
    }
    append_key(out, key + "_process");
    out += '{';
    num(out, "pid", p.pid);
    str(out, "name", p.name);
    str(out, "user", p.user);
    if (!p.cmdline.empty()) str(out, "cmdline", p.cmdline);
    close_object(out);
    out += ',';
}

}  // namespace

CommunityIdText flow_community_id(const Flow& f) {
    CommunityTuple t{IpAddr::v6(f.client.data()), IpAddr::v6(f.server.data()), f.proto,
                     f.client_port, f.server_port};
    if (f.has_icmp) {
        t.src_port = f.icmp_type;
        t.dest_port = f.icmp_code;
    }
    return community_id_v1(t);
}

void render_flow(std::string& out, const Flow& f, std::string_view reason, const DpiInfo* dpi,
                 uint64_t flow_id, std::string_view in_iface, const process::FlowProcesses* procs,
                 const CommunityIdText* community_id) {
    out += '{';
    ts(out, "timestamp", f.bidir.last_us);
    num(out, "flow_id", flow_id);
    if (!in_iface.empty()) str(out, "in_iface", in_iface);
    str(out, "event_type", "flow");
    ip(out, "src_ip", f.client);
    num(out, "src_port", f.client_port);
    ip(out, "dest_ip", f.server);
    num(out, "dest_port", f.server_port);
    const char* pn = proto_name(f.proto);
    str(out, "proto", pn ? std::string_view(pn) : std::string_view(std::to_string(f.proto)));
    if (f.has_icmp) {
        num(out, "icmp_type", f.icmp_type);
        num(out, "icmp_code", f.icmp_code);
    }
    str(out, "community_id", (community_id ? *community_id : flow_community_id(f)).text());
    if (f.vlan_count) {
        append_key(out, "vlan");
        out += '[';
        for (int i = 0; i < f.vlan_count; ++i) {
            if (i) out += ',';
            append_uint(out, f.vlans[i]);
        }
        out += "],";
    }
    if (dpi) str(out, "app_proto", dpi->protocol);
    if (procs) {
        process_object(out, "src", procs->src);
        process_object(out, "dest", procs->dest);
    }
    append_key(out, "flow");
    out += '{';
    num(out, "pkts_toserver", f.dir[0].packets);
    num(out, "pkts_toclient", f.dir[1].packets);
    num(out, "bytes_toserver", f.dir[0].bytes);
    num(out, "bytes_toclient", f.dir[1].bytes);
    ts(out, "start", f.bidir.first_us);
    ts(out, "end", f.bidir.last_us);
    num(out, "age", static_cast<uint64_t>((f.bidir.last_us - f.bidir.first_us) / 1'000'000));
    str(out, "state", state_of(f));
    str(out, "reason", reason);
    close_object(out);
    out += ',';
    if (dpi) ndpi_object(out, *dpi);
    append_key(out, "stats");
    out += '{';
    features(out, 0, f.bidir);
    features(out, 1, f.dir[0]);
    features(out, 2, f.dir[1]);
    close_object(out);
    out += '}';
}

}  // namespace eveflow::input::pcap
