// PacketFanout: per-worker chunks of copied frames, sent when full, on ticks and at the end.
#include "input/pcap/packet_fanout.h"

#include <chrono>
#include <cstring>
#include <utility>

#include "input/pcap/flow_hash.h"

namespace eveflow::input::pcap {
namespace {

constexpr size_t kChunkBytes = 256 * 1024;  // frame bytes per chunk before it is sent
constexpr size_t kChunkSlots = 1024;
constexpr size_t kQueueDepth = 8;  // chunks waiting per worker

}  // namespace

size_t PacketChunk::packets() const {
    size_t n = 0;
    for (const auto& s : slots) n += s.caplen != PacketSlot::kTick;
    return n;
}

void PacketChunk::clear() {
    data.clear();
    slots.clear();
    has_tick = false;
}

PacketFanout::PacketFanout(const Decoder& decoder, size_t workers, bool live, Counter& dropped)
    : decoder_(decoder), live_(live), dropped_(dropped) {
    for (size_t i = 0; i < workers; ++i) lanes_.push_back(std::make_unique<Lane>(kQueueDepth));
}

void PacketFanout::packet(const uint8_t* frame, uint32_t caplen, uint32_t wire_len, int64_t ts_us) {
    last_us_ = now_us_ = ts_us;
    // Skipped frames (not IP, fragments) go by whatever addresses the decoder found.
    (void)decoder_.decode(frame, caplen, pkt_);
    Lane& lane = *lanes_[worker_of(flow_hash(pkt_), lanes_.size())];
    PacketChunk& c = lane.open;
    if (!c.slots.empty() && (c.data.size() + caplen > kChunkBytes || c.slots.size() >= kChunkSlots))
        send(lane);
    if (c.data.capacity() == 0) c.data.reserve(kChunkBytes);
    c.slots.push_back({ts_us, static_cast<uint32_t>(c.data.size()), caplen, wire_len});
    c.data.insert(c.data.end(), frame, frame + caplen);
}

void PacketFanout::tick(int64_t now_us) {
    now_us_ = now_us;
    for (auto& lane : lanes_) {
        lane->open.slots.push_back({now_us, 0, PacketSlot::kTick});
        lane->open.has_tick = true;
        send(*lane);
    }
}

void PacketFanout::send_all() {
    for (auto& lane : lanes_) {
        if (!lane->open.slots.empty()) send(*lane);
    }
}

void PacketFanout::close() {
    send_all();
    for (auto& lane : lanes_) lane->queue.close();
}

void PacketFanout::recycle(size_t worker, PacketChunk&& chunk) {
    chunk.clear();
    (void)lanes_[worker]->spare.try_push(std::move(chunk));
}

void PacketFanout::send(Lane& lane) {
    PacketChunk& c = lane.open;
    c.last_us = last_us_;
    c.now_us = now_us_;
    bool tick = c.has_tick;
    int64_t tick_us = 0;
    for (const auto& s : c.slots) {
        if (s.caplen == PacketSlot::kTick) tick_us = s.ts_us;
    }
    if (live_) {
        size_t frames = c.packets();
        if (!lane.queue.try_push(std::move(c))) {
            // The worker is behind: its frames go, its expiry tick stays for the next chunk.
            dropped_.inc(frames);
            c.clear();
            if (tick) {
                c.slots.push_back({tick_us, 0, PacketSlot::kTick});
                c.has_tick = true;
            }
            return;
        }
    } else {
        (void)lane.queue.push(std::move(c));
    }
    taken_.clear();
    lane.spare.pop_batch(taken_, 1, std::chrono::steady_clock::now());
    c = taken_.empty() ? PacketChunk{} : std::move(taken_.front());
    c.clear();
}

}  // namespace eveflow::input::pcap
