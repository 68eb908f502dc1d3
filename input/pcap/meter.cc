// Meter: per packet decode, flow lookup, counters, DPI; per exported flow one event.
#include "input/pcap/meter.h"

namespace eveflow::input::pcap {

Meter::Meter(const MeterConfig& config, int dlt, bool strict_length,
             std::unique_ptr<NdpiModule> ndpi)
    : config_(config),
      decoder_(dlt, config.decapsulate, strict_length),
      ndpi_(config.dpi ? std::move(ndpi) : nullptr),
      table_(config.table, [this](Flow& f, ExpiryReason r) { on_export(f, r); }),
      batcher_(config.in_iface) {}

Meter::~Meter() {
    // Flows still in the table hold nDPI state: release it without exporting.
    if (ndpi_) table_.flush(ExpiryReason::kEnd);
}

uint32_t Meter::size_of(const DecodedPacket& p, uint32_t caplen) const {
    switch (config_.accounting) {
        case Accounting::kLink:
            return caplen;
        case Accounting::kIp:
            return p.ip_bytes;
        case Accounting::kTransport:
            return p.transport_bytes;
        case Accounting::kPayload:
            return p.payload_bytes;
    }
    return caplen;
}

void Meter::packet(const uint8_t* frame, uint32_t caplen, int64_t ts_us) {
    ++counters_.packets;
    counters_.bytes += caplen;
    last_us_ = ts_us;
    SkipReason r = decoder_.decode(frame, caplen, pkt_);
    if (r != SkipReason::kNone) {
        ++counters_.skipped[static_cast<size_t>(r)];
        return;
    }
    int dir = 0;
    bool created = false;
    Flow& f = table_.lookup(pkt_, ts_us, dir, created);
    table_.account(f, dir, size_of(pkt_, caplen), ts_us, pkt_.has_tcp_header ? pkt_.tcp_flags : 0);
    if (!ndpi_) return;
    if (created) f.dpi = ndpi_->new_flow();
    if (!f.dpi) return;
    uint32_t cap = f.proto == 6    ? config_.dpi_packets_tcp
                   : f.proto == 17 ? config_.dpi_packets_udp
                                   : config_.dpi_packets_other;
    // A flow whose detection is complete returns at once (no nDPI call).
    ndpi_->process(f.dpi, pkt_.l3, pkt_.l3_caplen, ts_us, f.bidir.packets, cap);
}

void Meter::on_export(Flow& f, ExpiryReason reason) {
    ++counters_.expired[static_cast<size_t>(reason)];
    ExportedFlow& x = exported_.emplace_back();
    x.flow = f;
    x.flow.dpi = nullptr;
    x.reason = reason;
    x.id = next_flow_id_++;
    if (ndpi_ && f.dpi) {
        DpiInfo info;
        ndpi_->finish(f.dpi, info);
        x.set_dpi(info);
        ndpi_->release(f.dpi);
    }
    f.dpi = nullptr;
}

std::vector<ExportedFlow> Meter::take_exported() {
    std::vector<ExportedFlow> out;
    out.reserve(exported_.capacity());
    out.swap(exported_);
    return out;
}

EventBatch Meter::take_batch() {
    for (const auto& x : exported_) batcher_.add(x);
    exported_.clear();
    return batcher_.take();
}

MeterCounters Meter::take_counters() {
    MeterCounters c = counters_;
    counters_ = MeterCounters{};
    return c;
}

}  // namespace eveflow::input::pcap
