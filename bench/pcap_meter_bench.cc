// Micro-benchmarks of the flow meter's hot path: frame decoding and flow accounting (no DPI).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "input/pcap/decoder.h"
#include "input/pcap/meter.h"

namespace {

using namespace eveflow::input::pcap;

// An Ethernet/IPv4/TCP frame with 64 bytes of payload; `i` varies the client address and port.
std::vector<uint8_t> tcp_frame(uint32_t i) {
    std::vector<uint8_t> f(14 + 20 + 20 + 64, 0);
    f[12] = 0x08;  // IPv4
    uint8_t* ip = f.data() + 14;
    ip[0] = 0x45;
    ip[2] = 0;
    ip[3] = 20 + 20 + 64;  // total length
    ip[8] = 64;
    ip[9] = 6;  // TCP
    ip[12] = 10, ip[13] = static_cast<uint8_t>(i >> 16), ip[14] = static_cast<uint8_t>(i >> 8);
    ip[15] = static_cast<uint8_t>(i);
    ip[16] = 192, ip[17] = 0, ip[18] = 2, ip[19] = 1;
    uint8_t* tcp = ip + 20;
    tcp[0] = static_cast<uint8_t>(0x80 | (i & 0x3F)), tcp[1] = static_cast<uint8_t>(i >> 6);
    tcp[2] = 0x01, tcp[3] = 0xBB;  // :443
    tcp[12] = 0x50;
    tcp[13] = 0x18;  // PSH ACK
    return f;
}

void BM_DecodeTcp(benchmark::State& state) {
    auto frame = tcp_frame(1);
    Decoder d(1, true, true);
    DecodedPacket p;
    for (auto _ : state) {
        benchmark::DoNotOptimize(d.decode(frame.data(), static_cast<uint32_t>(frame.size()), p));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeTcp);

// Packets spread over `flows` distinct flows, DPI off, expiry on (packet time).
void BM_MeterNoDpi(benchmark::State& state) {
    auto flows = static_cast<uint32_t>(state.range(0));
    std::vector<std::vector<uint8_t>> frames;
    for (uint32_t i = 0; i < flows; ++i) frames.push_back(tcp_frame(i));
    MeterConfig config;
    config.dpi = false;
    Meter meter(config, 1, true, nullptr);
    int64_t ts = 1'700'000'000'000'000;
    size_t n = 0;
    for (auto _ : state) {
        const auto& f = frames[n++ % flows];
        meter.packet(f.data(), static_cast<uint32_t>(f.size()), ts += 10);
        if (meter.pending() >= 1024) benchmark::DoNotOptimize(meter.take_batch());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MeterNoDpi)->Arg(1000)->Arg(100000);

}  // namespace
