// Flow table of the meter: bidirectional flows in a bounded hash table with LRU and expiry.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <string_view>
#include <vector>

#include "input/pcap/decoder.h"

namespace eveflow::input::pcap {

class DpiFlow;  // owned by the meter's nDPI adapter; the table only carries the pointer

/// Online min/mean/sample-stddev/max (Welford): one pass, no stored samples.
struct RunningStats {
    uint64_t n = 0;
    double mean = 0, m2 = 0;
    double min = 0, max = 0;
    void add(double x) {
        ++n;
        if (n == 1) min = max = x;
        min = x < min ? x : min;
        max = x > max ? x : max;
        double d = x - mean;
        mean += d / static_cast<double>(n);
        m2 += d * (x - mean);
    }
    /// Sample standard deviation (n - 1), 0 for fewer than two values.
    double stddev() const { return n > 1 ? std::sqrt(m2 / static_cast<double>(n - 1)) : 0.0; }
};

/// TCP flag counters in NFStream's order: SYN, ACK, PSH, RST, FIN, URG, ECE, CWR.
enum TcpFlagIndex { kSyn, kAck, kPsh, kRst, kFin, kUrg, kEce, kCwr, kTcpFlagCount };

/// Counters of one direction, or of both (bidirectional).
struct DirStats {
    uint64_t packets = 0, bytes = 0;
    int64_t first_us = 0, last_us = 0;
    RunningStats ps;    // packet size per the accounting mode
    RunningStats piat;  // inter-arrival time, µs
    std::array<uint32_t, kTcpFlagCount> flags{};
    void add(uint32_t size, int64_t ts_us, uint8_t tcp_flags);
};

/// Normalised key: endpoint a <= endpoint b, so both directions meet.
struct FlowKey {
    std::array<uint8_t, 16> a{}, b{};
    uint16_t port_a = 0, port_b = 0;
    uint16_t vlan = 0;
    uint8_t proto = 0;
    bool operator==(const FlowKey&) const = default;
};

enum class ExpiryReason : uint8_t { kIdle, kActive, kTcpClose, kEvicted, kEnd, kCount };
std::string_view expiry_reason_name(ExpiryReason r);

struct Flow {
    FlowKey key;
    std::array<uint8_t, 16> client{}, server{};  // client = sender of the first packet
    uint16_t client_port = 0, server_port = 0;
    uint8_t proto = 0, ip_version = 0;
    uint8_t vlan_count = 0;
    std::array<uint16_t, kMaxVlans> vlans{};
    DirStats dir[2];  // 0: client to server (src2dst), 1: server to client
    DirStats bidir;
    int64_t closed_us = 0;
    DpiFlow* dpi = nullptr;
    // The meter's reports: the flow's id, what the previous report counted (per direction),
    // the last packet time it covered, and the unreported span's first packet and grid cell.
    uint64_t id = 0;
    uint64_t rep_pkts[2] = {0, 0}, rep_bytes[2] = {0, 0};
    int64_t rep_last_us = std::numeric_limits<int64_t>::min();  // none before the first report
    int64_t span_first_us = 0;
    int64_t span_cell_end_us = std::numeric_limits<int64_t>::max();
    bool live = false;                     // passed the insert policy (lifecycle outputs hold it)
    bool dpi_done = false;                 // nDPI's detection completed
    bool swept = false;                    // in the meter's list of flows with unreported traffic
    uint8_t icmp_type = 0, icmp_code = 0;  // of the first packet (ICMP, ICMPv6)
    bool has_icmp = false;
    // TCP close (FIN per direction, RST) and the table's own flags, packed beside the ones
    // above so the links below start without padding.
    bool fin[2] = {false, false};
    bool rst = false, closed = false;
    bool used = false;
    // table links (slot indices; kNil when none) and this flow's own slot
    uint32_t hash_next = 0, lru_prev = 0, lru_next = 0, generation = 0;
    uint32_t slot = 0;
    uint64_t hash = 0;
};

struct FlowTableConfig {
    int64_t idle_us = 120'000'000;
    int64_t active_us = 1'800'000'000;
    bool expiry = true;  // false: no idle/active/TCP-close expiry (one record per key)
    size_t max_flows = 1'000'000;
    int64_t close_linger_us = 1'000'000;  // packets after FIN+FIN/RST still join the flow
};

/// The table. Single-threaded: one per meter thread. Exported flows go to `on_export`
/// (called inline; the flow is released right after it returns).
class FlowTable {
public:
    using ExportFn = std::function<void(Flow&, ExpiryReason)>;
    FlowTable(const FlowTableConfig& config, ExportFn on_export);

    /// The flow this packet belongs to (created if new) and its direction (0 = from the
    /// client). May export other flows first (active timeout, eviction, port reuse).
    Flow& lookup(const DecodedPacket& p, int64_t ts_us, int& direction, bool& created);
    /// Counts the packet into the flow and tracks TCP close.
    void account(Flow& f, int direction, uint32_t size, int64_t ts_us, uint8_t tcp_flags);
    /// Exports flows idle since `now_us - idle` and closed flows past their linger; with `max`,
    /// at most that many. True while some are left (call again with the same time).
    bool expire(int64_t now_us, size_t max = std::numeric_limits<size_t>::max());
    /// Exports every flow (end of input or shutdown); with `max`, at most that many, the least
    /// recently seen first. True while flows remain.
    bool flush(ExpiryReason reason = ExpiryReason::kEnd,
               size_t max = std::numeric_limits<size_t>::max());

    size_t size() const { return size_; }
    /// A flow's slot and generation, and the flow they name if it is still there (else null).
    uint32_t index_of(const Flow& f) const { return f.slot; }
    Flow* at(uint32_t idx, uint32_t generation) {
        Flow* chunk = chunks_[idx >> kChunkBits].get();
        if (chunk == nullptr) return nullptr;  // unmapped during a flush
        Flow& f = chunk[idx & (kChunkSlots - 1)];
        return f.used && f.generation == generation ? &f : nullptr;
    }
    /// First-packet time of the oldest open flow, INT64_MAX when none. While packet times do
    /// not go back this is the smallest first-packet time in the table (creation order).
    int64_t oldest_first_us() const {
        return age_head_ == kNil ? kNoFlow : slot(age_head_).bidir.first_us;
    }
    /// Last-packet time of the least recently seen open flow, INT64_MAX when none: the
    /// smallest last-packet time in the table while packet times do not go back (LRU order).
    int64_t oldest_last_us() const {
        return lru_tail_ == kNil ? kNoFlow : slot(lru_tail_).bidir.last_us;
    }
    static constexpr int64_t kNoFlow = std::numeric_limits<int64_t>::max();
    uint64_t evicted() const { return evicted_; }

private:
    static constexpr uint32_t kNil = std::numeric_limits<uint32_t>::max();
    // Slots live in fixed-size chunks mapped on their own: the pool grows a chunk at a time,
    // never moving or copying flows (a doubling vector would hold the old and the new array at
    // once), and a flush unmaps each chunk it empties, so the memory goes back as it goes.
    static constexpr uint32_t kChunkBits = 11;
    static constexpr uint32_t kChunkSlots = uint32_t{1} << kChunkBits;
    struct ChunkFree {
        void operator()(Flow* chunk) const;
    };
    using Chunk = std::unique_ptr<Flow, ChunkFree>;
    static Chunk new_chunk();
    Flow& slot(uint32_t idx) { return chunks_[idx >> kChunkBits].get()[idx & (kChunkSlots - 1)]; }
    const Flow& slot(uint32_t idx) const {
        return chunks_[idx >> kChunkBits].get()[idx & (kChunkSlots - 1)];
    }
    uint64_t hash(const FlowKey& k) const;
    uint32_t allocate();
    void release(uint32_t idx, ExpiryReason reason);
    void lru_unlink(uint32_t idx);
    void lru_push_front(uint32_t idx);
    void age_push_back(uint32_t idx);
    void age_unlink(uint32_t idx);
    uint32_t create(const FlowKey& key, uint64_t h, const DecodedPacket& p, bool client_is_a);

    FlowTableConfig config_;
    ExportFn on_export_;
    std::vector<Chunk> chunks_;
    std::vector<uint32_t> chunk_used_;  // flows in use per chunk
    uint32_t slot_count_ = 0;           // slots handed out so far (free or in use)
    uint32_t generations_ = 0;          // flows created (a flow's generation: unique per table)
    bool flushing_ = false;             // in a flush: emptied chunks are unmapped
    std::vector<uint32_t> free_;
    std::vector<uint32_t> buckets_;
    uint64_t mask_ = 0;
    uint64_t seed_ = 0;
    uint32_t lru_head_ = kNil, lru_tail_ = kNil;
    // Creation order, oldest first: links per slot, kept apart from the slots so the flows
    // the packet path touches stay as small as they were.
    struct AgeLink {
        uint32_t prev, next;
    };
    std::vector<AgeLink> age_;
    uint32_t age_head_ = kNil, age_tail_ = kNil;
    size_t size_ = 0;
    uint64_t evicted_ = 0;
    struct Closed {
        uint32_t idx, generation;
        int64_t at_us;
    };
    std::deque<Closed> closed_;
};

/// The key of a decoded packet, and whether its source is endpoint a.
FlowKey make_key(const DecodedPacket& p, bool& src_is_a);

}  // namespace eveflow::input::pcap
