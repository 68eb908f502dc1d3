// Meter: per packet decode, flow lookup, counters, DPI; per report (insert, interim update,
// final record) one exported flow.
#include "input/pcap/meter.h"

#include <algorithm>
#include <limits>

namespace eveflow::input::pcap {
namespace {

constexpr int64_t kNoEnd = std::numeric_limits<int64_t>::max();

// The end of the grid cell holding `t`: floor(t / step) * step + step.
int64_t cell_end(int64_t t, int64_t step) {
    int64_t q = t / step;
    if (t % step < 0) --q;
    return q * step + step;
}

bool unreported(const Flow& f) { return f.bidir.packets > f.rep_pkts[0] + f.rep_pkts[1]; }

}  // namespace

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

uint32_t Meter::size_of(const DecodedPacket& p, uint32_t frame_len) const {
    switch (config_.accounting) {
        case Accounting::kLink:
            return frame_len;
        case Accounting::kIp:
            return p.ip_bytes;
        case Accounting::kTransport:
            return p.transport_bytes;
        case Accounting::kPayload:
            return p.payload_bytes;
    }
    return frame_len;
}

void Meter::packet_decoded(SkipReason r, uint32_t caplen, uint32_t wire_len, int64_t ts_us) {
    ++counters_.packets;
    counters_.bytes += caplen;
    last_us_ = ts_us;
    now_us_ = ts_us;
    if (r != SkipReason::kNone) {
        ++counters_.skipped[static_cast<size_t>(r)];
        return;
    }
    int dir = 0;
    bool created = false;
    Flow& f = table_.lookup(pkt_, ts_us, dir, created);
    if (created) f.id = ids_.next();
    const bool updates = config_.updates();
    bool open_span = updates && unreported(f);
    if (open_span) {
        before_packet(f, ts_us);
        open_span = unreported(f);
    }
    table_.account(f, dir, size_of(pkt_, std::max(caplen, wire_len)), ts_us,
                   pkt_.has_tcp_header ? pkt_.tcp_flags : 0);
    if (updates) after_packet(f, ts_us, open_span);
    if (ndpi_) dpi(f, created, ts_us);
    if (config_.names && pkt_.proto == 17 && pkt_.sport == 53) dns_response(pkt_);
    if (config_.lifecycle && !f.live) maybe_insert(f, ts_us);
}

void Meter::dpi(Flow& f, bool created, int64_t ts_us) {
    if (created) f.dpi = ndpi_->new_flow();
    if (!f.dpi || f.dpi_done) return;  // detection complete: nDPI gets no more packets
    uint32_t cap = f.proto == 6    ? config_.dpi_packets_tcp
                   : f.proto == 17 ? config_.dpi_packets_udp
                                   : config_.dpi_packets_other;
    f.dpi_done = ndpi_->process(f.dpi, pkt_.l3, pkt_.l3_caplen, ts_us, f.bidir.packets, cap);
    if (config_.names && f.dpi_done) {
        DpiInfo info;
        ndpi_->describe(f.dpi, info);
        flow_name(f, info);
    }
}

// TLS SNI, QUIC SNI and HTTP Host name the server the client connected to.
void Meter::flow_name(const Flow& f, const DpiInfo& info) {
    if (info.hostname.empty()) return;
    auto named = [](std::string_view p) { return p == "TLS" || p == "HTTP" || p == "QUIC"; };
    if (!named(info.master) && !named(info.app)) return;
    config_.names->insert(IpAddr::v6(f.client.data()), IpAddr::v6(f.server.data()), info.hostname);
}

// A response's client is its destination; each address answered gets the name asked.
void Meter::dns_response(const DecodedPacket& p) {
    if (p.udp_payload == nullptr || !parse_dns_wire(p.udp_payload, p.udp_payload_caplen, dns_))
        return;
    if (!dns_.response || dns_.rcode != 0 || dns_.answers.empty()) return;
    dns_records_.clear();
    for (const DnsWireRecord& r : dns_.answers) {
        dns_records_.push_back({r.owner, r.type == kDnsTypeCname, r.target, r.addr, r.ttl, true});
    }
    feed_response(*config_.names, IpAddr::v6(p.dst.data()), dns_.qname, dns_records_);
}

// The packet falls in a later grid cell than the flow's unreported traffic: that cell's
// update goes first, so each update holds the packets of one cell.
void Meter::before_packet(Flow& f, int64_t ts_us) {
    if (ts_us >= f.span_cell_end_us) update(f, ts_us);
}

void Meter::after_packet(Flow& f, int64_t ts_us, bool open_span) {
    if (!open_span) {  // this packet opens the unreported span
        f.span_first_us = ts_us;
        if (config_.update_us > 0) {
            f.span_cell_end_us = cell_end(ts_us, config_.update_us);
            if (config_.sweep && !f.swept) {
                sweep_.push_back({table_.index_of(f), f.generation});
                f.swept = true;
            }
        }
    }
    const uint64_t every = config_.update_every_packets;
    if (every > 0 && f.bidir.packets - f.rep_pkts[0] - f.rep_pkts[1] >= every) update(f, ts_us);
}

void Meter::maybe_insert(Flow& f, int64_t ts_us) {
    bool pass =
        config_.insert_after_dpi ? f.dpi_done : f.bidir.packets >= config_.insert_after_packets;
    if (!pass) return;
    f.live = true;
    report(f, FlowReport::kInsert, ts_us);
    ++counters_.inserts;
}

void Meter::update(Flow& f, int64_t at_us) {
    report(f, FlowReport::kUpdate, at_us);
    ++counters_.updates;
}

bool Meter::tick(int64_t now_us, size_t max) {
    now_us_ = now_us;
    if (config_.sweep && config_.update_us > 0) sweep(now_us);
    return table_.expire(now_us, max);
}

// Flows silent since their unreported traffic's cell ended are reported now; the others
// stay listed while they have unreported traffic.
void Meter::sweep(int64_t now_us) {
    size_t kept = 0;
    for (const SweepEntry& e : sweep_) {
        Flow* f = table_.at(e.idx, e.generation);
        if (f == nullptr) continue;
        if (unreported(*f) && now_us >= f->span_cell_end_us) update(*f, now_us);
        if (!unreported(*f)) {
            f->swept = false;
            continue;
        }
        sweep_[kept++] = e;
    }
    sweep_.resize(kept);
}

ExportedFlow& Meter::report(Flow& f, FlowReport kind, int64_t at_us) {
    ExportedFlow& x = exported_.emplace_back(f);  // the flow copied once, not cleared first
    x.flow.dpi = nullptr;
    x.kind = kind;
    x.id = f.id;
    x.at_us = at_us;
    // Inserts and updates describe detection as it stands: never nDPI's give-up guess.
    if (kind != FlowReport::kFinal && ndpi_ && f.dpi) {
        DpiInfo info;
        ndpi_->describe(f.dpi, info);
        x.set_dpi(info);
    }
    if (kind == FlowReport::kInsert) return x;
    x.has_delta = config_.updates();
    FlowDelta& d = x.delta;
    d.pkts_toserver = f.dir[0].packets - f.rep_pkts[0];
    d.pkts_toclient = f.dir[1].packets - f.rep_pkts[1];
    d.bytes_toserver = f.dir[0].bytes - f.rep_bytes[0];
    d.bytes_toclient = f.dir[1].bytes - f.rep_bytes[1];
    d.prev_last = Timestamp{f.rep_last_us};
    if (d.pkts_toserver + d.pkts_toclient > 0) {
        d.first = Timestamp::from_us(f.span_first_us);
        d.last = Timestamp::from_us(f.bidir.last_us);
        f.rep_last_us = f.bidir.last_us;
    }
    for (int i = 0; i < 2; ++i) {
        f.rep_pkts[i] = f.dir[i].packets;
        f.rep_bytes[i] = f.dir[i].bytes;
    }
    f.span_cell_end_us = kNoEnd;
    return x;
}

void Meter::on_export(Flow& f, ExpiryReason reason) {
    ++counters_.expired[static_cast<size_t>(reason)];
    ExportedFlow& x = report(f, FlowReport::kFinal, now_us_);
    x.reason = reason;
    if (ndpi_ && f.dpi) {
        DpiInfo info;
        const bool was_done = f.dpi_done;
        ndpi_->finish(f.dpi, info);
        x.set_dpi(info);
        if (config_.names && !was_done) flow_name(f, info);
        ndpi_->release(f.dpi);
    }
    f.dpi = nullptr;
}

std::vector<ExportedFlow> Meter::take_exported(std::vector<ExportedFlow> spare) {
    spare.clear();
    if (spare.capacity() == 0) spare.reserve(exported_.capacity());
    spare.swap(exported_);
    return spare;
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
