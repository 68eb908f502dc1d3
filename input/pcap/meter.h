// Meter: decoded packets into flows, flows classified by nDPI and rendered as flow events.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "input/pcap/decoder.h"
#include "input/pcap/dns_wire.h"
#include "input/pcap/flow_batcher.h"
#include "input/pcap/flow_ids.h"
#include "input/pcap/flow_table.h"
#include "input/pcap/ndpi_adapter.h"
#include "types/dns_names.h"
#include "types/event.h"

namespace eveflow::input::pcap {

/// What a flow's byte counters and packet sizes measure (NFStream's accounting_mode).
enum class Accounting : uint8_t { kLink, kIp, kTransport, kPayload };

struct MeterConfig {
    FlowTableConfig table;
    Accounting accounting = Accounting::kLink;
    bool dpi = true;
    uint32_t dpi_packets_tcp = 80;
    uint32_t dpi_packets_udp = 24;
    uint32_t dpi_packets_other = 24;
    bool decapsulate = true;
    /// Interim updates: at each boundary of a grid of this step aligned to the epoch, in
    /// packet time (0: off), and after every this many packets of a flow (0: off).
    int64_t update_us = 0;
    uint64_t update_every_packets = 0;
    /// Lifecycle signals (kInsert events, `live` flags) for lifecycle outputs: a flow is
    /// inserted once it has this many packets, or (insert_after_dpi) once nDPI classified it.
    bool lifecycle = false;
    uint64_t insert_after_packets = 1;
    bool insert_after_dpi = false;
    /// Live capture: silent flows are swept at each tick (see Meter::tick).
    bool sweep = false;
    bool updates() const { return update_us > 0 || update_every_packets > 0; }
    /// Live capture: the interface, as `in_iface` (views storage that outlives the meter).
    std::string_view in_iface;
    /// enrich.dns_names (null: off): fed with the DNS responses the meter sees and with the
    /// TLS SNI / HTTP Host nDPI finds. Outlives the meter; shared by all meter threads.
    DnsNameTable* names = nullptr;
};

/// Counters kept locally in the hot loop; the source adds them to Stats once per batch.
struct MeterCounters {
    uint64_t packets = 0, bytes = 0;
    std::array<uint64_t, static_cast<size_t>(SkipReason::kCount)> skipped{};
    std::array<uint64_t, static_cast<size_t>(ExpiryReason::kCount)> expired{};
    uint64_t updates = 0, inserts = 0;
};

/// One meter per capture thread. Single-threaded. Finished flows accumulate in an
/// EventBatch that take_batch() hands out (views fixed up then, so the buffer may grow).
class Meter {
public:
    /// `ndpi` may be null when config.dpi is false.
    Meter(const MeterConfig& config, int dlt, bool strict_length, std::unique_ptr<NdpiModule> ndpi);
    ~Meter();
    Meter(const Meter&) = delete;
    Meter& operator=(const Meter&) = delete;

    /// One captured frame at `ts_us`.
    void packet(const uint8_t* frame, uint32_t caplen, int64_t ts_us) {
        packet(frame, caplen, caplen, ts_us);
    }
    /// A live frame cut at the snapshot length: `wire_len` (pcap_pkthdr.len) is what
    /// link accounting counts, and what the IP and transport lengths fall back to.
    void packet(const uint8_t* frame, uint32_t caplen, uint32_t wire_len, int64_t ts_us) {
        packet_decoded(decode(frame, caplen, wire_len), caplen, wire_len, ts_us);
    }
    /// packet() in two steps, for a reader that picks a meter by the decoded packet
    /// (flow_hash()): decode() decodes the frame into this meter's packet (decoded()), then
    /// packet_decoded() meters it with decode()'s result while the frame is still valid.
    SkipReason decode(const uint8_t* frame, uint32_t caplen, uint32_t wire_len) {
        return decoder_.decode(frame, caplen, pkt_, wire_len);
    }
    const DecodedPacket& decoded() const { return pkt_; }
    void packet_decoded(SkipReason r, uint32_t caplen, uint32_t wire_len, int64_t ts_us);
    /// Runs expiry at `now_us` (packet time for files, wall clock for live capture). With
    /// `sweep` (live capture) it first reports the flows whose unreported traffic lies in a grid
    /// cell that ended by then (silent flows; in files a flow's next packet or its final record
    /// reports that traffic, so no sweep is needed).
    /// With `max`: exports at most that many flows; true while expired flows are left (call
    /// again with the same time, after publishing).
    bool tick(int64_t now_us, size_t max = std::numeric_limits<size_t>::max());
    /// A meter fed by a reader that hands packets to several meters: the reader's time of the
    /// last packet it read (`last_us`, any meter's) and its latest packet or tick time
    /// (`now_us`), after this meter got every packet the reader read before. The meter then
    /// stands as a lone meter that had read them all (progress, the time of final records).
    void advance(int64_t last_us, int64_t now_us) {
        last_us_ = last_us;
        now_us_ = now_us;
    }
    /// Exports every flow (end of input, shutdown); with `max`, at most that many per call
    /// (publish between calls). True while flows remain.
    bool flush(size_t max = std::numeric_limits<size_t>::max()) {
        return table_.flush(ExpiryReason::kEnd, max);
    }

    /// Flows exported and not yet taken.
    size_t pending() const { return exported_.size(); }
    /// The exported flows, for rendering on another thread (FlowBatcher). `spare` (a vector
    /// the render thread is done with) takes their place, so its memory is reused.
    std::vector<ExportedFlow> take_exported(std::vector<ExportedFlow> spare = {});
    /// The exported flows rendered here, as one batch (single-threaded use).
    EventBatch take_batch();
    /// Counters since the last call (then reset).
    MeterCounters take_counters();
    size_t active_flows() const { return table_.size(); }
    /// Bounds on the flows still to come, once the exported ones are published: the oldest
    /// open flow's first and last packet times, or the time of the last packet read when that
    /// is older (new flows start with a later packet). None before the first packet.
    SourceProgress progress() const {
        if (last_us_ == Timestamp::kNone) return {};
        return {Timestamp::from_us(std::min(table_.oldest_first_us(), last_us_)),
                Timestamp::from_us(std::min(table_.oldest_last_us(), last_us_))};
    }

private:
    void on_export(Flow& f, ExpiryReason reason);
    /// A report of `f` (update, final or insert) at `at_us`, counters as they stand.
    ExportedFlow& report(Flow& f, FlowReport kind, int64_t at_us);
    void update(Flow& f, int64_t at_us);
    /// Interim-update bookkeeping around counting a packet at `ts_us`.
    void before_packet(Flow& f, int64_t ts_us);
    void after_packet(Flow& f, int64_t ts_us, bool open_span);
    void sweep(int64_t now_us);
    void maybe_insert(Flow& f, int64_t ts_us);
    uint32_t size_of(const DecodedPacket& p, uint32_t frame_len) const;
    /// Names seen: a DNS response's addresses, a classified flow's SNI / Host.
    void dns_response(const DecodedPacket& p);
    void flow_name(const Flow& f, const DpiInfo& info);
    void dpi(Flow& f, bool created, int64_t ts_us);

    MeterConfig config_;
    Decoder decoder_;
    std::unique_ptr<NdpiModule> ndpi_;
    FlowTable table_;
    MeterCounters counters_;
    DecodedPacket pkt_;
    std::vector<ExportedFlow> exported_;
    FlowBatcher batcher_;
    FlowIds ids_;
    DnsWireMessage dns_;  // the last DNS response parsed (buffers kept)
    std::vector<NameRecord> dns_records_;
    struct SweepEntry {
        uint32_t idx, generation;
    };
    std::vector<SweepEntry> sweep_;       // flows with unreported traffic (update_us > 0)
    int64_t now_us_ = Timestamp::kNone;   // the latest packet or tick time
    int64_t last_us_ = Timestamp::kNone;  // time of the last packet read
};

}  // namespace eveflow::input::pcap
