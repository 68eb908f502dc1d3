// PcapSource with meter workers: the reading thread feeds its own meter or the workers' queues.
#include <chrono>

#include "input/pcap/pcap_source.h"

namespace eveflow::input::pcap {
namespace {

constexpr uint64_t kPublishPackets = 65536;  // a worker publishes counters at least this often

}  // namespace

void PcapSource::feed(const uint8_t* frame, uint32_t caplen, uint32_t wire_len, int64_t ts_us) {
    if (fanout_) {
        fanout_->packet(frame, caplen, wire_len, ts_us);
    } else {
        lanes_[0].meter->packet(frame, caplen, wire_len, ts_us);
    }
}

void PcapSource::tick_all(int64_t now_us) {
    if (fanout_) {
        fanout_->tick(now_us);
    } else {
        expire(lanes_[0], now_us);
    }
}

void PcapSource::expire(Lane& lane, int64_t now_us) {
    while (lane.meter->tick(now_us, config_.batch_size)) (void)publish(lane);
}

void PcapSource::drain(Lane& lane) {
    while (lane.meter->flush(config_.batch_size)) (void)publish(lane);
    (void)publish(lane, /*ended=*/true);
}

std::vector<ExportedFlow> PcapSource::take_spare() {
    std::lock_guard lock(spare_mu_);
    if (spare_.empty()) return {};
    std::vector<ExportedFlow> v = std::move(spare_.back());
    spare_.pop_back();
    return v;
}

// Kept: as many as the handoff holds and one per meter, none much larger than a batch
// (a vector grown by a burst is freed).
void PcapSource::give_spare(std::vector<ExportedFlow>&& v) {
    if (v.capacity() == 0 || v.capacity() > 4 * config_.batch_size) return;
    v.clear();
    std::lock_guard lock(spare_mu_);
    if (spare_.size() < 9 * lanes_.size()) spare_.push_back(std::move(v));
}

bool PcapSource::publish_own() { return fanout_ ? !closed_.load() : publish(lanes_[0]); }

void PcapSource::finish_meters() {
    if (fanout_) {
        join_workers();
        return;
    }
    drain(lanes_[0]);
}

void PcapSource::start_workers() {
    if (!fanout_) return;
    for (Lane& lane : lanes_) workers_.emplace_back([this, &lane] { work(lane); });
}

void PcapSource::join_workers() {
    if (!fanout_) return;
    fanout_->close();
    for (auto& t : workers_) t.join();
    workers_.clear();
}

void PcapSource::work(Lane& lane) {
    Meter& meter = *lane.meter;
    Channel<PacketChunk>& in = fanout_->queue(lane.index);
    std::vector<PacketChunk> got;
    uint64_t since_publish = 0;
    while (!in.drained()) {
        got.clear();
        in.pop_batch(got, 1, std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
        for (PacketChunk& c : got) {
            for (const PacketSlot& s : c.slots) {
                if (s.caplen == PacketSlot::kTick) {
                    expire(lane, s.ts_us);
                } else {
                    meter.packet(c.data.data() + s.off, s.caplen, s.wire_len, s.ts_us);
                    ++since_publish;
                }
            }
            meter.advance(c.last_us, c.now_us);
            // As the lone meter: on expiry ticks, when a batch is full, and now and then.
            if (c.has_tick || meter.pending() >= config_.batch_size ||
                since_publish >= kPublishPackets) {
                since_publish = 0;
                (void)publish(lane);
            }
            fanout_->recycle(lane.index, std::move(c));
        }
    }
    drain(lane);
}

}  // namespace eveflow::input::pcap
