// libFuzzer target for the meter's packet decoder and flow table (no DPI): any bytes, any link.
// Input: byte 0 picks the datalink, byte 1 the decoder flags, the rest is one frame.
#include <cstddef>
#include <cstdint>

#include "input/pcap/decoder.h"
#include "input/pcap/meter.h"

namespace {

constexpr int kLinks[] = {0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 276};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace eveflow::input::pcap;
    if (size < 2) return 0;
    int dlt = kLinks[data[0] % (sizeof kLinks / sizeof kLinks[0])];
    bool decapsulate = data[1] & 1, strict = data[1] & 2;
    const uint8_t* frame = data + 2;
    auto len = static_cast<uint32_t>(size - 2);
    DecodedPacket p;
    Decoder decoder(dlt, decapsulate, strict);
    if (decoder.decode(frame, len, p) == SkipReason::kNone) {
        // The decoded view must lie inside the frame.
        if (p.l3 < frame || p.l3 + p.l3_caplen != frame + len) __builtin_trap();
    }
    MeterConfig config;
    config.dpi = false;
    config.decapsulate = decapsulate;
    config.table.max_flows = 2;
    Meter meter(config, dlt, strict, nullptr);
    meter.packet(frame, len, 1);
    meter.packet(frame, len, 2);
    meter.flush();
    return 0;
}
