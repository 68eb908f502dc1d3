// Test helpers: the generated captures (tests/input/pcap_fixtures.py) and their expectations.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "tests/input/pcap_test_util.h"

namespace eveflow::input::pcap::testing {

/// Generates the captures once per generator version, into the build tree; safe when several
/// test processes start at once (each generates into its own directory, then renames it).
inline const std::string& fixture_dir() {
    static std::string dir;
    static std::once_flag once;
    std::call_once(once, [] {
        namespace fs = std::filesystem;
        fs::path gen = fs::path(source_dir()) / "tests/input/pcap_fixtures.py";
        std::error_code ec;
        auto stamp = std::to_string(fs::file_size(gen, ec)) + "-" +
                     std::to_string(fs::last_write_time(gen, ec).time_since_epoch().count());
        fs::path final_dir = fs::path(EVEFLOW_BINARY_DIR) / ("pcap_fixtures-" + stamp);
        if (!fs::is_directory(final_dir)) {
            fs::path tmp = final_dir.string() + ".tmp" + std::to_string(::getpid());
            std::string cmd = "/usr/bin/python3 '" + gen.string() + "' '" + tmp.string() + "'";
            if (std::system(cmd.c_str()) != 0) return;
            fs::rename(tmp, final_dir, ec);
            if (ec) fs::remove_all(tmp, ec);
        }
        dir = final_dir.string();
    });
    return dir;
}

/// One flow, as written by the generator or as found in a meter record.
struct FlowView {
    std::string client, server;
    uint64_t client_port = 0, server_port = 0, proto = 0, vlan = 0;
    uint64_t pkts[2] = {0, 0}, bytes[2] = {0, 0};
    uint64_t ip[2] = {0, 0}, transport[2] = {0, 0}, payload[2] = {0, 0};
    std::vector<std::tuple<int, uint64_t, int64_t>> trace;  // direction, frame size, µs
    std::string reason;
    std::string raw;
    auto key() const { return std::tie(client, client_port, server, server_port, proto, vlan); }
};

struct Expectation {
    std::vector<FlowView> flows;
    std::map<std::string, uint64_t> skipped;
    uint64_t frames = 0;
};

inline Expectation load_expectation(const std::string& capture) {
    Expectation e;
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.load(fixture_dir() + "/" + capture + ".expect.json");
    for (simdjson::dom::element f : doc["flows"].get_array()) {
        FlowView v;
        v.client = std::string(f["client"].get_string().value());
        v.server = std::string(f["server"].get_string().value());
        v.client_port = f["client_port"].get_uint64();
        v.server_port = f["server_port"].get_uint64();
        v.proto = f["proto"].get_uint64();
        for (simdjson::dom::element id : f["vlan"].get_array()) v.vlan = id.get_uint64();
        auto pair = [&](const char* k, uint64_t* out) {
            int i = 0;
            for (simdjson::dom::element x : f[k].get_array()) out[i++] = x.get_uint64();
        };
        pair("pkts", v.pkts);
        pair("bytes", v.bytes);
        pair("ip", v.ip);
        pair("transport", v.transport);
        pair("payload", v.payload);
        for (simdjson::dom::element t : f["trace"].get_array()) {
            simdjson::dom::array a = t.get_array();
            v.trace.emplace_back(static_cast<int>(a.at(0).get_int64().value()),
                                 a.at(1).get_uint64().value(), a.at(2).get_int64().value());
        }
        e.flows.push_back(std::move(v));
    }
    for (auto [k, val] : doc["skipped"].get_object()) e.skipped[std::string(k)] = val.get_uint64();
    e.frames = doc["frames"].get_uint64();
    return e;
}

/// The meter's records parsed back (the fields the tests compare).
inline std::vector<FlowView> parse_records(const std::vector<std::string>& lines) {
    std::vector<FlowView> out;
    simdjson::dom::parser parser;
    for (const auto& line : lines) {
        simdjson::dom::element r = parser.parse(line);
        FlowView v;
        v.raw = line;
        v.client = std::string(r["src_ip"].get_string().value());
        v.server = std::string(r["dest_ip"].get_string().value());
        v.client_port = r["src_port"].get_uint64();
        v.server_port = r["dest_port"].get_uint64();
        std::string_view p = r["proto"].get_string();
        uint8_t proto = 0;
        EXPECT_TRUE(parse_proto(p, proto)) << p;
        v.proto = proto;
        simdjson::dom::array vlans;
        if (r["vlan"].get(vlans) == simdjson::SUCCESS) {
            for (simdjson::dom::element id : vlans) v.vlan = id.get_uint64();
        }
        simdjson::dom::element f = r["flow"];
        v.pkts[0] = f["pkts_toserver"].get_uint64();
        v.pkts[1] = f["pkts_toclient"].get_uint64();
        v.bytes[0] = f["bytes_toserver"].get_uint64();
        v.bytes[1] = f["bytes_toclient"].get_uint64();
        v.reason = std::string(f["reason"].get_string().value());
        out.push_back(std::move(v));
    }
    return out;
}

/// Normalises an address literal as the meter prints it (RFC 5952).
inline std::string canonical_ip(const std::string& text) {
    auto a = IpAddr::parse(text);
    return a ? a->to_string() : text;
}

}  // namespace eveflow::input::pcap::testing
