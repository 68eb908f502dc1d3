// Test helper: writes a classic pcap file (Ethernet, IPv4, TCP or UDP) from a list of packets.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace eveflow::testing {

/// One packet of a synthetic flow: its time, whether the client sent it, its payload size.
struct SynthPacket {
    int64_t us = 0;
    bool from_client = true;
    uint16_t payload = 0;
    uint8_t tcp_flags = 0x10;   // TCP only (ACK)
    std::vector<uint8_t> data;  // payload bytes; zeros up to `payload` when shorter
};

inline SynthPacket pkt(int64_t us, bool from_client, uint16_t payload,
                       std::vector<uint8_t> data = {}) {
    SynthPacket p;
    p.us = us;
    p.from_client = from_client;
    p.payload = payload;
    p.data = std::move(data);
    return p;
}

/// One flow's endpoints and packets (IPv4 a.b.c.d as an array).
struct SynthFlow {
    std::array<uint8_t, 4> client{10, 0, 0, 1}, server{10, 0, 0, 2};
    uint16_t client_port = 40000, server_port = 80;
    uint8_t proto = 17;
    std::vector<SynthPacket> packets;
};

/// A frame's size on the wire: 14 (Ethernet) + 20 (IPv4) + 8 or 20 (UDP or TCP) + payload.
inline uint32_t frame_size(const SynthFlow& f, const SynthPacket& p) {
    return 14 + 20 + (f.proto == 6 ? 20 : 8) + p.payload;
}

namespace detail {
inline void put16(std::string& s, uint16_t v) {
    s += static_cast<char>(v >> 8);
    s += static_cast<char>(v & 0xff);
}
inline void le32(std::string& s, uint32_t v) {
    for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
inline std::string frame(const SynthFlow& f, const SynthPacket& p) {
    std::string s(12, '\x02');
    put16(s, 0x0800);
    const bool tcp = f.proto == 6;
    const uint16_t l4 = tcp ? 20 : 8;
    s += '\x45';
    s += '\0';
    put16(s, static_cast<uint16_t>(20 + l4 + p.payload));
    put16(s, 1);
    put16(s, 0);
    s += '\x40';
    s += static_cast<char>(f.proto);
    put16(s, 0);
    const auto& src = p.from_client ? f.client : f.server;
    const auto& dst = p.from_client ? f.server : f.client;
    s.append(reinterpret_cast<const char*>(src.data()), 4);
    s.append(reinterpret_cast<const char*>(dst.data()), 4);
    put16(s, p.from_client ? f.client_port : f.server_port);
    put16(s, p.from_client ? f.server_port : f.client_port);
    if (tcp) {
        s.append(8, '\0');  // seq, ack
        s += '\x50';
        s += static_cast<char>(p.tcp_flags);
        put16(s, 65535);
        s.append(4, '\0');
    } else {
        put16(s, static_cast<uint16_t>(8 + p.payload));
        put16(s, 0);
    }
    std::string payload(p.data.begin(), p.data.end());
    payload.resize(p.payload, '\0');
    return s + payload;
}
}  // namespace detail

/// Writes the packets of `flows` in time order (ties: the order given) to `path`.
inline void write_pcap(const std::string& path, const std::vector<SynthFlow>& flows) {
    struct At {
        int64_t us;
        size_t flow, pkt;
    };
    std::vector<At> order;
    for (size_t i = 0; i < flows.size(); ++i) {
        for (size_t j = 0; j < flows[i].packets.size(); ++j)
            order.push_back({flows[i].packets[j].us, i, j});
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const At& a, const At& b) { return a.us < b.us; });
    std::string out;
    detail::le32(out, 0xa1b2c3d4);
    out += '\x02';
    out += '\0';
    out += '\x04';
    out += '\0';
    detail::le32(out, 0);
    detail::le32(out, 0);
    detail::le32(out, 65535);
    detail::le32(out, 1);
    for (const At& a : order) {
        std::string fr = detail::frame(flows[a.flow], flows[a.flow].packets[a.pkt]);
        detail::le32(out, static_cast<uint32_t>(a.us / 1'000'000));
        detail::le32(out, static_cast<uint32_t>(a.us % 1'000'000));
        detail::le32(out, static_cast<uint32_t>(fr.size()));
        detail::le32(out, static_cast<uint32_t>(fr.size()));
        out += fr;
    }
    std::ofstream(path, std::ios::binary) << out;
}

}  // namespace eveflow::testing
