// FlowBatcher: one JSON line and one flow Event per exported flow.
#include "input/pcap/flow_batcher.h"

#include <algorithm>

#include "input/pcap/flow_render.h"

namespace eveflow::input::pcap {
namespace {

template <size_t N>
uint8_t copy_into(std::array<char, N>& dst, std::string_view src) {
    size_t n = std::min(src.size(), N);
    std::copy_n(src.data(), n, dst.data());
    return static_cast<uint8_t>(n);
}

}  // namespace

void ExportedFlow::set_dpi(const DpiInfo& info) {
    has_dpi = true;
    dpi = info;
    hostname_len = copy_into(hostname, info.hostname);
    ja3c_len = copy_into(ja3c, info.ja3c);
    ja3s_len = copy_into(ja3s, info.ja3s);
    dpi.hostname = dpi.ja3c = dpi.ja3s = {};
}

DpiInfo ExportedFlow::dpi_view() const {
    DpiInfo d = dpi;
    d.hostname = std::string_view(hostname.data(), hostname_len);
    d.ja3c = std::string_view(ja3c.data(), ja3c_len);
    d.ja3s = std::string_view(ja3s.data(), ja3s_len);
    return d;
}

namespace {

// The event's typed fields, straight from the exported flow (the batch's vector holds it: no
// temporary of the event's size is built and copied).
void fill_entry(FlowEntry& fe, const ExportedFlow& x, std::string_view in_iface) {
    const Flow& f = x.flow;
    fe.ts = Timestamp::from_us(f.bidir.last_us);
    fe.start = Timestamp::from_us(f.bidir.first_us);
    fe.end = fe.ts;
    fe.src_ip = IpAddr::v6(f.client.data());
    fe.dest_ip = IpAddr::v6(f.server.data());
    fe.has_src_ip = fe.has_dest_ip = true;
    fe.src_port = f.client_port;
    fe.dest_port = f.server_port;
    fe.has_src_port = fe.has_dest_port = true;
    fe.proto = f.proto;
    fe.has_proto = true;
    fe.icmp_type = f.icmp_type;
    fe.icmp_code = f.icmp_code;
    fe.has_icmp = f.has_icmp;
    fe.vlan = f.vlan_count ? f.vlans[0] : 0;
    fe.flow_id = x.id;
    fe.in_iface = in_iface;
    fe.pkts_toserver = f.dir[0].packets;
    fe.pkts_toclient = f.dir[1].packets;
    fe.bytes_toserver = f.dir[0].bytes;
    fe.bytes_toclient = f.dir[1].bytes;
    fe.report = x.kind;
    fe.has_delta = x.has_delta;
    fe.delta = x.delta;
    fe.live = f.live;
    fe.reported_at = Timestamp::from_us(x.at_us);
}

}  // namespace

void FlowBatcher::add(const ExportedFlow& x) {
    if (!processes_) {  // no FlowProcesses (four strings a side) to build per flow
        add(x, nullptr);
        return;
    }
    const Flow& f = x.flow;
    const process::FlowProcesses procs = processes_->lookup(
        f.proto, f.client, f.client_port, f.server, f.server_port, f.bidir.last_us);
    add(x, &procs);
}

void FlowBatcher::add(const ExportedFlow& x, const process::FlowProcesses* procs) {
    const Flow& f = x.flow;
    const bool insert = x.kind == FlowReport::kInsert;
    const bool no_line = insert || !lines_;
    // Read by the flow's line, raw rows and forwarding (all with lines on) and by lifecycle
    // records (inserted or live flows only); nothing else reads a meter flow's Community ID.
    CommunityIdText id;
    if (!no_line || insert || f.live) id = flow_community_id(f);
    Pending p{};
    p.raw_off = batch_.buffer.size();
    if (no_line) {  // no line of its own: app_proto alone, as a JSON string
        std::string_view proto = x.has_dpi ? x.dpi.protocol : std::string_view();
        batch_.buffer.push_back('"');
        batch_.buffer.insert(batch_.buffer.end(), proto.begin(), proto.end());
        batch_.buffer.push_back('"');
        p.app_off = p.raw_off + 1;
        p.app_len = proto.size();
    } else {
        append_line(x, procs, id, p);
    }
    batch_.buffer.push_back('\n');

    Event& e = batch_.events.emplace_back();
    e.type = EventType::kFlow;
    e.aggregatable = !insert;
    FlowEntry& fe = e.fields;
    fill_entry(fe, x, in_iface_);
    if (procs) {
        fe.src_process_name = keep(procs->src.name);
        fe.dest_process_name = keep(procs->dest.name);
    }
    // The rendered line carries it too; the fixed copy outlives the line's views.
    fe.enrich.community_id = id;
    pending_.push_back(p);
}

void FlowBatcher::append_line(const ExportedFlow& x, const process::FlowProcesses* procs,
                              const CommunityIdText& id, Pending& p) {
    DpiInfo info;
    const DpiInfo* dpi = nullptr;
    if (x.has_dpi) {
        info = x.dpi_view();
        dpi = &info;
    }
    line_.clear();
    std::string_view reason =
        x.kind == FlowReport::kUpdate ? "update" : expiry_reason_name(x.reason);
    render_flow(line_, x.flow, reason, dpi, x.id, in_iface_, procs, &id);
    // app_proto views its value inside the line (protocol names need no JSON escaping),
    // so the buffer stays plain JSON lines.
    constexpr std::string_view kApp = "\"app_proto\":\"";
    size_t at = dpi ? line_.find(kApp) : std::string::npos;
    p.app_off = at == std::string::npos ? p.raw_off : p.raw_off + at + kApp.size();
    p.app_len = at == std::string::npos ? 0 : dpi->protocol.size();
    batch_.buffer.insert(batch_.buffer.end(), line_.begin(), line_.end());
    p.raw_len = line_.size();
}

std::string_view FlowBatcher::keep(const std::string& name) {
    if (name.empty()) return {};
    char* p = batch_.decoded.allocate(name.size());
    std::copy(name.begin(), name.end(), p);
    return {p, name.size()};
}

EventBatch FlowBatcher::take() {
    EventBatch out = std::move(batch_);
    batch_ = EventBatch{};
    batch_.buffer.reserve(out.buffer.capacity());
    batch_.events.reserve(out.events.capacity());
    const char* base = out.buffer.data();
    for (size_t i = 0; i < out.events.size(); ++i) {
        const Pending& p = pending_[i];
        out.events[i].type_name = "flow";
        out.events[i].raw = std::string_view(base + p.raw_off, p.raw_len);
        FlowEntry& f = out.events[i].fields;
        f.app_proto = std::string_view(base + p.app_off, p.app_len);
        f.app_proto_words = NameWords::of(f.app_proto);  // just written: in cache
    }
    pending_.clear();
    return out;
}

}  // namespace eveflow::input::pcap
