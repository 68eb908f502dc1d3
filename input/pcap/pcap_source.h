// PcapSource: the `pcap` input, a flow meter over one capture file or one live interface.
#pragma once

#include <array>
#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "input/pcap/config.h"
#include "input/pcap/mapped_pcap.h"
#include "input/pcap/meter.h"
#include "input/pcap/packet_fanout.h"
#include "input/process/process_attributor.h"
#include "input/source.h"
#include "util/channel.h"
#include "util/config_node.h"
#include "util/context.h"
#include "util/log.h"

struct pcap;
struct pcap_pkthdr;

namespace eveflow::input::pcap {

/// Reads packets with libpcap into a Meter and publishes finished flows as `flow` events.
/// Files: read to the end with packet-time expiry, then every flow is flushed. Live:
/// non-blocking reads under poll(), expiry on a wall-clock tick, flush on stop. With
/// `workers` > 1 each of that many worker threads has its own Meter and meters the packets
/// whose flow hash picks it: a capture file read in place (MappedPcap) is read by every worker
/// itself; what libpcap reads (live capture, pipes, filtered files, the rest of a file after a
/// record the mapping leaves to libpcap) the reading thread hands over (PacketFanout). With 1
/// worker the reading thread meters every packet itself.
class PcapSource final : public Source {
public:
    PcapSource(PcapConfig config, Context& ctx);
    ~PcapSource() override;

    std::string_view name() const override { return config_.name; }
    bool finite() const override { return !config_.file.empty(); }
    OnFull default_on_full() const override { return finite() ? OnFull::kBlock : OnFull::kDrop; }
    /// Loads nDPI and opens the capture. A live interface that cannot be opened throws
    /// StartupError; a capture file that cannot be opened makes run() return the error,
    /// so the other inputs still run.
    void open() override;
    Status run(std::stop_token stop, Publisher& out) override;
    bool publishes_progress() const override { return true; }
    void set_lifecycle(bool wanted) override { config_.meter.lifecycle = wanted; }
    void set_raw_types(const EventTypeSet& types) override { lines_ = types.contains("flow"); }
    Progress progress() const override { return {done_bytes_.load(), total_bytes_}; }

private:
    void open_file();
    void open_live();
    void apply_bpf();
    Status run_file(std::stop_token& stop);
    Status run_live(std::stop_token& stop);
    /// The render thread: exported flows into batches, published downstream.
    /// Each batch carries the progress of the last chunk whose flows it completes.
    void render_loop(Channel<ExportedChunk>& in, Publisher& out);
    static void on_packet(unsigned char* user, const ::pcap_pkthdr* h, const unsigned char* d);
    /// One meter and what was last reported of it (the render thread keeps the minimum of
    /// the meters' progress).
    struct Lane {
        std::unique_ptr<Meter> meter;
        size_t index = 0;
        SourceProgress handed;  // the progress last handed over
        double active_reported = 0;
    };
    /// Adds the meter's local counters to Stats and hands pending flows and the meter's
    /// progress to the render thread (progress alone when it moved); `ended`: the meter
    /// exports nothing more, its progress is Timestamp::max(). False once the event channel
    /// is closed. Called by the lane's own thread.
    bool publish(Lane& lane, bool ended = false);
    void read_kernel_stats();
    /// The reading thread's packet and tick, to its own meter or to the workers.
    void feed(const uint8_t* frame, uint32_t caplen, uint32_t wire_len, int64_t ts_us);
    void tick_all(int64_t now_us);
    /// Publishes from the reading thread's meter; with workers (which publish themselves)
    /// only tells whether the event channel is still open.
    bool publish_own();
    /// End of input: every meter flushes and publishes its end.
    void finish_meters();
    /// Expiry at `now_us` and the end-of-input flush, `batch_size` flows at a time, each
    /// batch published (behind the handoff's backpressure) before the next is exported.
    void expire(Lane& lane, int64_t now_us);
    void drain(Lane& lane);
    /// Export vectors the render thread is done with, handed back to the meters (their memory
    /// stays mapped and warm instead of being allocated per batch).
    std::vector<ExportedFlow> take_spare();
    void give_spare(std::vector<ExportedFlow>&& v);
    /// With a mapped capture file each worker first reads it itself (walk()), then meters
    /// the chunks of its queue (work()): what libpcap reads after the mapping stopped.
    void start_workers(std::stop_token stop);
    /// Closes the workers' queues and waits for the workers (each flushes its meter).
    void join_workers();
    static constexpr int64_t kTickUs = 1'000'000;       // expiry and stats cadence
    static constexpr uint64_t kPublishPackets = 65536;  // files: publish at least this often
    /// A capture file's expiry ticks, in packet time: at the first packet, then once a packet
    /// is a second past the last tick or earlier than it. The lone meter's reading and every
    /// worker's walk() tick alike through this, so their flows expire at the same times.
    struct FileTicks {
        int64_t last = 0;  // capture times are after 1970: the first packet ticks
        /// True when the packet at `t` comes with a tick (expiry at `t` before the packet).
        bool due(int64_t t) {
            if (t - last < kTickUs && t >= last) return false;
            last = t;
            return true;
        }
    };
    /// Where the workers' reading of the mapping stopped.
    struct Walked {
        bool open = true;    // false: the event channel closed
        bool at_end = true;  // every record read: nothing left to libpcap
        uint64_t offset = 0;
        FileTicks ticks;
    };
    /// A worker's reading of the whole mapped file: it decodes every record and meters those
    /// whose flow_hash() picks it, with the expiry, progress and publishing of a lone meter
    /// (every worker sees every record's time). The first worker reports where it stopped.
    void walk(Lane& lane, MappedPcap& file, const std::stop_token& stop);
    /// A worker thread: meters the chunks of its queue, publishing as it goes.
    void work(Lane& lane);

    PcapConfig config_;
    Context& ctx_;
    ::pcap* pc_ = nullptr;
    std::unique_ptr<MappedPcap> mapped_;  // files without a filter: records read in place
    std::string open_error_;
    std::vector<Lane> lanes_;                    // one per worker (the first: the only one)
    std::unique_ptr<PacketFanout> fanout_;       // set with more than one worker
    std::promise<Walked> walked_;                // set by the first worker's walk()
    std::vector<std::thread> workers_;           // running while run() runs
    Channel<ExportedChunk>* handoff_ = nullptr;  // set while run() runs
    std::atomic<bool> closed_{false};            // the event channel closed
    std::mutex spare_mu_;
    std::vector<std::vector<ExportedFlow>> spare_;  // guarded by spare_mu_
    bool lines_ = true;                             // some handler reads the flow records' lines
    std::atomic<uint64_t> done_bytes_{0};
    uint64_t total_bytes_ = 0;
    uint64_t last_kernel_drop_ = 0, last_if_drop_ = 0;
    // This source's, for the end-of-file log.
    std::atomic<uint64_t> total_packets_{0}, total_flows_{0};
    log::RateLimit drop_log_{5};
    /// Set when `process_visibility` is on (live interfaces only).
    std::unique_ptr<process::ProcessAttributor> processes_;

    Counter& packets_;
    Counter& bytes_;
    Counter& input_bytes_;
    Counter& kernel_dropped_;
    Counter& if_dropped_;
    Counter& evicted_;
    Counter& updates_;
    Counter& queue_dropped_;
    Gauge& active_;
    std::array<Counter*, static_cast<size_t>(SkipReason::kCount)> skipped_{};
    std::array<Counter*, static_cast<size_t>(ExpiryReason::kCount)> expired_{};
};

}  // namespace eveflow::input::pcap
