// PcapSource with meter workers: each reads a mapped file itself, or the reading thread feeds
// their queues.
#include <chrono>

#include "input/pcap/flow_hash.h"
#include "input/pcap/pcap_source.h"
#include "util/thread_name.h"

namespace eveflow::input::pcap {
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

void PcapSource::start_workers(std::stop_token stop) {
    if (!fanout_) return;
    walked_ = {};
    for (Lane& lane : lanes_) {
        std::shared_ptr<MappedPcap> file;
        if (mapped_) file = mapped_->rewound();
        workers_.emplace_back([this, &lane, stop, file] {
            name_this_thread("meter" + std::to_string(lane.index));
            if (file) walk(lane, *file, stop);
            work(lane);
        });
    }
}

void PcapSource::join_workers() {
    if (!fanout_) return;
    fanout_->close();
    for (auto& t : workers_) t.join();
    workers_.clear();
}

void PcapSource::walk(Lane& lane, MappedPcap& file, const std::stop_token& stop) {
    Meter& meter = *lane.meter;
    const size_t lanes = lanes_.size();
    Walked w;
    uint64_t since_publish = 0;
    MappedPcap::Record r;
    while (w.open && !stop.stop_requested() && file.next(r)) {
        const int64_t t = r.ts_us;
        // As the lone meter: expiry before the packet, which may start a new flow for an
        // expired key.
        if (w.ticks.due(t)) {
            expire(lane, t);
            since_publish = kPublishPackets;
        }
        // Files: cut frames stay skipped (wire length = captured length). Skipped frames (not
        // IP, fragments) go by whatever addresses the decoder found, as through the fan-out.
        SkipReason why = meter.decode(r.data, r.caplen, r.caplen);
        if (worker_of(flow_hash(meter.decoded()), lanes) == lane.index) {
            meter.packet_decoded(why, r.caplen, r.caplen, t);
        } else {
            meter.advance(t, t);  // another worker's packet: its time all the same
        }
        if (++since_publish >= kPublishPackets || meter.pending() >= config_.batch_size) {
            if (lane.index == 0) done_bytes_.store(file.offset());
            since_publish = 0;
            w.open = publish(lane);
        }
    }
    w.at_end = file.at_end();
    w.offset = file.offset();
    if (lane.index == 0) walked_.set_value(w);
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
