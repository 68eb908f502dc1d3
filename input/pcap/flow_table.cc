// Flow table: chained hash over a slot pool (no allocation per packet), LRU list by last packet.
#include "input/pcap/flow_table.h"

#include <sys/mman.h>

#include <bit>
#include <cstring>
#include <new>
#include <random>
#include <type_traits>

#include "util/hash.h"

namespace eveflow::input::pcap {
namespace {

uint64_t mix(uint64_t h) { return mix64(h); }

// memcmp's order (bytes as unsigned, first byte most significant), compared a word at a time.
uint64_t be64(const uint8_t* p) {
    uint64_t v = load64(p);
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
    return v;
}

bool endpoint_less(const std::array<uint8_t, 16>& ia, uint16_t pa,
                   const std::array<uint8_t, 16>& ib, uint16_t pb) {
    const uint64_t a0 = be64(ia.data()), b0 = be64(ib.data());
    if (a0 != b0) return a0 < b0;
    const uint64_t a1 = be64(ia.data() + 8), b1 = be64(ib.data() + 8);
    if (a1 != b1) return a1 < b1;
    return pa < pb;
}

// Asks for a flow's cache lines ahead of its export (which copies it whole).
void prefetch_flow(const Flow& f) {
    const auto* p = reinterpret_cast<const char*>(&f);
    for (size_t off = 0; off < sizeof(Flow); off += 64) __builtin_prefetch(p + off);
}

}  // namespace

std::string_view expiry_reason_name(ExpiryReason r) {
    switch (r) {
        case ExpiryReason::kIdle:
            return "idle_timeout";
        case ExpiryReason::kActive:
            return "active_timeout";
        case ExpiryReason::kTcpClose:
            return "tcp_close";
        case ExpiryReason::kEvicted:
            return "evicted";
        case ExpiryReason::kEnd:
            return "end";
        case ExpiryReason::kCount:
            break;
    }
    return "unknown";
}

void DirStats::add(uint32_t size, int64_t ts_us, uint8_t tcp_flags) {
    if (packets == 0) {
        first_us = ts_us;
    } else {
        piat.add(static_cast<double>(ts_us - last_us));
    }
    last_us = ts_us;
    ++packets;
    bytes += size;
    ps.add(size);
    if (tcp_flags) {
        static constexpr uint8_t kBits[kTcpFlagCount] = {0x02, 0x10, 0x08, 0x04,
                                                         0x01, 0x20, 0x40, 0x80};
        for (int i = 0; i < kTcpFlagCount; ++i) flags[i] += (tcp_flags & kBits[i]) ? 1 : 0;
    }
}

FlowKey make_key(const DecodedPacket& p, bool& src_is_a) {
    FlowKey k;
    src_is_a = !endpoint_less(p.dst, p.dport, p.src, p.sport);
    k.a = src_is_a ? p.src : p.dst;
    k.b = src_is_a ? p.dst : p.src;
    k.port_a = src_is_a ? p.sport : p.dport;
    k.port_b = src_is_a ? p.dport : p.sport;
    k.vlan = p.inner_vlan;
    k.proto = p.proto;
    return k;
}

FlowTable::FlowTable(const FlowTableConfig& config, ExportFn on_export)
    : config_(config), on_export_(std::move(on_export)) {
    if (config_.max_flows == 0) config_.max_flows = 1;
    size_t n = std::bit_ceil(std::min<size_t>(config_.max_flows, size_t{1} << 22));
    buckets_.assign(std::max<size_t>(n, 1024), kNil);
    mask_ = buckets_.size() - 1;
    std::random_device rd;
    seed_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

uint64_t FlowTable::hash(const FlowKey& k) const {
    uint64_t h =
        seed_ ^ (static_cast<uint64_t>(k.port_a) << 40 | static_cast<uint64_t>(k.port_b) << 24 |
                 static_cast<uint64_t>(k.vlan) << 8 | k.proto);
    h = mix(h ^ load64(k.a.data()));
    h = mix(h ^ load64(k.a.data() + 8));
    h = mix(h ^ load64(k.b.data()));
    return mix(h ^ load64(k.b.data() + 8));
}

Flow& FlowTable::lookup(const DecodedPacket& p, int64_t ts_us, int& direction, bool& created) {
    bool src_is_a = false;
    FlowKey key = make_key(p, src_is_a);
    uint64_t h = hash(key);
    uint32_t idx = buckets_[h & mask_];
    while (idx != kNil && !(slot(idx).hash == h && slot(idx).key == key)) {
        idx = slot(idx).hash_next;
    }
    if (idx != kNil && config_.expiry) {
        Flow& f = slot(idx);
        bool new_syn = p.proto == 6 && (p.tcp_flags & 0x12) == 0x02;
        if (ts_us - f.bidir.last_us >= config_.idle_us) {  // before the next expiry tick ran
            release(idx, ExpiryReason::kIdle);
            idx = kNil;
        } else if (ts_us - f.bidir.first_us >= config_.active_us) {
            release(idx, ExpiryReason::kActive);
            idx = kNil;
        } else if (f.closed && new_syn) {  // port reuse after a close
            release(idx, ExpiryReason::kTcpClose);
            idx = kNil;
        }
    }
    created = idx == kNil;
    if (created) idx = create(key, h, p, src_is_a);
    Flow& f = slot(idx);
    if (lru_head_ != idx) {
        lru_unlink(idx);
        lru_push_front(idx);
    }
    bool src_is_client = f.client_port == p.sport && f.client == p.src;
    if (f.client_port == f.server_port && f.client == f.server) src_is_client = true;
    direction = src_is_client ? 0 : 1;
    return f;
}

uint32_t FlowTable::create(const FlowKey& key, uint64_t h, const DecodedPacket& p, bool) {
    if (size_ >= config_.max_flows && lru_tail_ != kNil) {
        ++evicted_;
        release(lru_tail_, ExpiryReason::kEvicted);
    }
    uint32_t idx = allocate();
    Flow& f = slot(idx);
    f = Flow{};
    f.generation = ++generations_;
    f.slot = idx;
    f.used = true;
    f.key = key;
    f.hash = h;
    f.client = p.src;
    f.server = p.dst;
    f.client_port = p.sport;
    f.server_port = p.dport;
    f.proto = p.proto;
    f.ip_version = p.ip_version;
    f.vlan_count = p.vlan_count;
    f.vlans = p.vlans;
    f.icmp_type = p.icmp_type;
    f.icmp_code = p.icmp_code;
    f.has_icmp = p.has_icmp;
    f.hash_next = buckets_[h & mask_];
    buckets_[h & mask_] = idx;
    f.lru_prev = f.lru_next = kNil;
    lru_push_front(idx);
    age_push_back(idx);
    ++size_;
    return idx;
}

void FlowTable::account(Flow& f, int direction, uint32_t size, int64_t ts_us, uint8_t tcp_flags) {
    f.dir[direction].add(size, ts_us, tcp_flags);
    f.bidir.add(size, ts_us, tcp_flags);
    if (f.proto != 6 || !config_.expiry || f.closed) return;
    if (tcp_flags & 0x01) f.fin[direction] = true;
    if (tcp_flags & 0x04) f.rst = true;
    if (f.rst || (f.fin[0] && f.fin[1])) {
        f.closed = true;
        f.closed_us = ts_us;
        closed_.push_back({f.slot, f.generation, ts_us});
    }
}

bool FlowTable::expire(int64_t now_us, size_t max) {
    if (!config_.expiry) return false;
    size_t n = 0;
    while (!closed_.empty() && now_us - closed_.front().at_us >= config_.close_linger_us) {
        if (n == max) return true;
        Closed c = closed_.front();
        closed_.pop_front();
        const Flow* f = at(c.idx, c.generation);
        if (f != nullptr && f->closed) {
            release(c.idx, ExpiryReason::kTcpClose);
            ++n;
        }
    }
    while (lru_tail_ != kNil && now_us - slot(lru_tail_).bidir.last_us >= config_.idle_us) {
        if (n++ == max) return true;
        if (slot(lru_tail_).lru_prev != kNil) prefetch_flow(slot(slot(lru_tail_).lru_prev));
        release(lru_tail_, ExpiryReason::kIdle);
    }
    return false;
}

bool FlowTable::flush(ExpiryReason reason, size_t max) {
    flushing_ = true;
    for (size_t n = 0; n < max && lru_tail_ != kNil; ++n) {
        if (slot(lru_tail_).lru_prev != kNil) prefetch_flow(slot(slot(lru_tail_).lru_prev));
        release(lru_tail_, reason);
    }
    if (lru_tail_ != kNil) return true;
    closed_.clear();
    return false;
}

FlowTable::Chunk FlowTable::new_chunk() {
    void* p = ::mmap(nullptr, sizeof(Flow) * kChunkSlots, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    auto* flows = static_cast<Flow*>(p);
    for (uint32_t i = 0; i < kChunkSlots; ++i) new (flows + i) Flow();
    return Chunk(flows);
}

void FlowTable::ChunkFree::operator()(Flow* chunk) const {
    static_assert(std::is_trivially_destructible_v<Flow>);
    ::munmap(chunk, sizeof(Flow) * kChunkSlots);
}

uint32_t FlowTable::allocate() {
    uint32_t idx = 0;
    if (!free_.empty()) {
        idx = free_.back();
        free_.pop_back();
    } else {
        if ((slot_count_ & (kChunkSlots - 1)) == 0) {
            chunks_.emplace_back();
            chunk_used_.push_back(0);
        }
        idx = slot_count_++;
    }
    Chunk& chunk = chunks_[idx >> kChunkBits];
    if (!chunk) chunk = new_chunk();
    ++chunk_used_[idx >> kChunkBits];
    flushing_ = false;
    return idx;
}

void FlowTable::release(uint32_t idx, ExpiryReason reason) {
    {  // what the unlinking below reads, fetched while the flow is exported
        const Flow& g = slot(idx);
        __builtin_prefetch(&buckets_[g.hash & mask_]);
        if (g.lru_prev != kNil) __builtin_prefetch(&slot(g.lru_prev).lru_next);
        if (g.lru_next != kNil) __builtin_prefetch(&slot(g.lru_next).lru_prev);
        __builtin_prefetch(&age_[idx]);
    }
    on_export_(slot(idx), reason);
    Flow& f = slot(idx);
    uint32_t* link = &buckets_[f.hash & mask_];
    while (*link != idx) link = &slot(*link).hash_next;
    *link = f.hash_next;
    lru_unlink(idx);
    age_unlink(idx);
    f.used = false;
    f.dpi = nullptr;
    free_.push_back(idx);
    --size_;
    uint32_t c = idx >> kChunkBits;
    if (--chunk_used_[c] == 0 && flushing_) chunks_[c].reset();
}

void FlowTable::lru_unlink(uint32_t idx) {
    Flow& f = slot(idx);
    if (f.lru_prev != kNil) slot(f.lru_prev).lru_next = f.lru_next;
    if (f.lru_next != kNil) slot(f.lru_next).lru_prev = f.lru_prev;
    if (lru_head_ == idx) lru_head_ = f.lru_next;
    if (lru_tail_ == idx) lru_tail_ = f.lru_prev;
    f.lru_prev = f.lru_next = kNil;
}

void FlowTable::age_push_back(uint32_t idx) {
    if (age_.size() < slot_count_) age_.resize(slot_count_);
    age_[idx] = {age_tail_, kNil};
    if (age_tail_ != kNil) age_[age_tail_].next = idx;
    age_tail_ = idx;
    if (age_head_ == kNil) age_head_ = idx;
}

void FlowTable::age_unlink(uint32_t idx) {
    AgeLink a = age_[idx];
    if (a.prev != kNil) age_[a.prev].next = a.next;
    if (a.next != kNil) age_[a.next].prev = a.prev;
    if (age_head_ == idx) age_head_ = a.next;
    if (age_tail_ == idx) age_tail_ = a.prev;
}

void FlowTable::lru_push_front(uint32_t idx) {
    Flow& f = slot(idx);
    f.lru_prev = kNil;
    f.lru_next = lru_head_;
    if (lru_head_ != kNil) slot(lru_head_).lru_prev = idx;
    lru_head_ = idx;
    if (lru_tail_ == kNil) lru_tail_ = idx;
}

}  // namespace eveflow::input::pcap
