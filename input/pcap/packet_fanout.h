// PacketFanout: the reading thread's side of the meter workers; packets by flow hash.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "input/pcap/decoder.h"
#include "util/channel.h"
#include "util/stats.h"

namespace eveflow::input::pcap {

/// One captured frame in a PacketChunk (its bytes at `off` in the chunk's data), or a tick.
struct PacketSlot {
    static constexpr uint32_t kTick = UINT32_MAX;  // caplen of a tick: expiry at ts_us
    int64_t ts_us = 0;
    uint32_t off = 0;
    uint32_t caplen = 0;
    uint32_t wire_len = 0;
};

/// Frames (copied) and ticks for one worker, in reading order. `last_us` and `now_us` are the
/// reader's times when the chunk was sent (Meter::advance()).
struct PacketChunk {
    std::vector<uint8_t> data;
    std::vector<PacketSlot> slots;
    int64_t last_us = INT64_MIN, now_us = INT64_MIN;
    bool has_tick = false;
    size_t packets() const;
    void clear();
};

/// Hands each frame to the worker flow_hash() picks, batched per worker in bounded queues;
/// ticks go to every worker at their place in the packet order, so each worker expires its
/// flows exactly when a lone meter would. Files (`live` false) block while a queue is full;
/// live capture drops a full queue's chunk of frames (counted in `dropped`; its tick is
/// kept). Used by the reading thread only; the workers pop queue(i) and recycle() chunks.
class PacketFanout {
public:
    PacketFanout(const Decoder& decoder, size_t workers, bool live, Counter& dropped);
    PacketFanout(const PacketFanout&) = delete;
    PacketFanout& operator=(const PacketFanout&) = delete;

    /// `wire_len`: the frame's length on the wire (longer than caplen when cut at snaplen).
    void packet(const uint8_t* frame, uint32_t caplen, uint32_t wire_len, int64_t ts_us);
    /// Expiry at `now_us` on every worker; sends every chunk.
    void tick(int64_t now_us);
    /// Sends every chunk that holds something (live capture, after each read).
    void send_all();
    /// Sends what is left and closes the queues: the workers drain them and finish.
    void close();

    size_t workers() const { return lanes_.size(); }
    Channel<PacketChunk>& queue(size_t worker) { return lanes_[worker]->queue; }
    /// A worker hands back a chunk it is done with (any thread).
    void recycle(size_t worker, PacketChunk&& chunk);

private:
    struct Lane {
        explicit Lane(size_t depth) : queue(depth), spare(depth + 2) {}
        Channel<PacketChunk> queue;
        Channel<PacketChunk> spare;  // emptied chunks, reused for their buffers
        PacketChunk open;
    };
    void send(Lane& lane);

    Decoder decoder_;
    DecodedPacket pkt_;
    bool live_;
    Counter& dropped_;
    std::vector<std::unique_ptr<Lane>> lanes_;
    std::vector<PacketChunk> taken_;
    int64_t last_us_ = INT64_MIN, now_us_ = INT64_MIN;  // Timestamp::kNone: nothing read yet
};

}  // namespace eveflow::input::pcap
