// PcapSource: libpcap reading (files and live), metrics and batching around the Meter.
#include "input/pcap/pcap_source.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>
#include <utility>

#include "input/pcap/snaplen.h"
#include "types/dns_names.h"
#include "util/log.h"
#include "util/thread_name.h"

namespace eveflow::input::pcap {
namespace {

constexpr int kPollMs = 100;  // live: longest wait for a packet

int64_t ts_us(const ::pcap_pkthdr* h) {  // handles opened with nanosecond precision
    return static_cast<int64_t>(h->ts.tv_sec) * 1'000'000 +
           static_cast<int64_t>(h->ts.tv_usec) / 1000;
}

}  // namespace

PcapSource::PcapSource(PcapConfig config, Context& ctx)
    : config_(std::move(config)),
      ctx_(ctx),
      packets_(ctx.stats.counter("eveflow_pcap_packets_total", "Packets read by the flow meter",
                                 {{"source", config_.name}})),
      bytes_(ctx.stats.counter("eveflow_pcap_bytes_total", "Captured bytes read by the flow meter",
                               {{"source", config_.name}})),
      input_bytes_(ctx.stats.counter("eveflow_input_bytes_total", "Bytes read by an input",
                                     {{"input", config_.name}})),
      kernel_dropped_(ctx.stats.counter("eveflow_pcap_kernel_dropped_total",
                                        "Packets the kernel dropped (pcap_stats ps_drop)",
                                        {{"source", config_.name}})),
      if_dropped_(ctx.stats.counter("eveflow_pcap_if_dropped_total",
                                    "Packets the interface dropped (pcap_stats ps_ifdrop)",
                                    {{"source", config_.name}})),
      evicted_(ctx.stats.counter("eveflow_flows_evicted_total",
                                 "Flows expired early because the flow table was full")),
      updates_(ctx.stats.counter("eveflow_flow_updates_total",
                                 "Interim flow updates emitted by the meter",
                                 {{"source", config_.name}})),
      queue_dropped_(
          ctx.stats.counter("eveflow_pcap_queue_dropped_total",
                            "Packets live capture dropped because a meter worker's queue was full",
                            {{"source", config_.name}})),
      active_(ctx.stats.gauge("eveflow_flows_active", "Flows in the meters' flow tables")) {
    config_.meter.names = ctx.dns_names.get();  // the plan made it before the inputs
    for (size_t i = 1; i < skipped_.size(); ++i) {
        std::string reason(skip_reason_name(static_cast<SkipReason>(i)));
        skipped_[i] = &ctx.stats.counter("eveflow_pcap_skipped_packets_total",
                                         "Packets not counted in any flow, by reason",
                                         {{"source", config_.name}, {"reason", reason}});
    }
    for (size_t i = 0; i < expired_.size(); ++i) {
        std::string reason(expiry_reason_name(static_cast<ExpiryReason>(i)));
        expired_[i] = &ctx.stats.counter("eveflow_flows_expired_total",
                                         "Flows exported by the meter, by expiry reason",
                                         {{"reason", reason}});
    }
}

PcapSource::~PcapSource() {
    for (Lane& lane : lanes_) active_.add(-lane.active_reported);
    lanes_.clear();
    processes_.reset();
    if (pc_) pcap_close(pc_);
}

void PcapSource::open() {
    // One nDPI module per meter: each worker classifies its flows on its own. Made in
    // parallel, one thread each (most of the start-up time).
    std::vector<std::unique_ptr<NdpiModule>> ndpi(config_.workers);
    if (config_.meter.dpi) {
        std::vector<std::string> errors(ndpi.size());
        {
            std::vector<std::jthread> makers;
            for (size_t i = 1; i < ndpi.size(); ++i) {
                makers.emplace_back(
                    [&, i] { ndpi[i] = NdpiModule::create(config_.ndpi_files, errors[i]); });
            }
            ndpi[0] = NdpiModule::create(config_.ndpi_files, errors[0]);
        }
        for (size_t i = 0; i < ndpi.size(); ++i) {
            if (!ndpi[i]) throw StartupError(config_.name + ": " + errors[i]);
        }
    }
    if (config_.file.empty()) {
        open_live();
        if (config_.process.enabled) {
            processes_ = std::make_unique<process::ProcessAttributor>(config_.process, ctx_.stats,
                                                                      config_.name);
        }
    } else {
        open_file();
    }
    if (pc_) {
        int dlt = pcap_datalink(pc_);
        if (!datalink_supported(dlt)) {
            const char* n = pcap_datalink_val_to_name(dlt);
            open_error_ =
                "unsupported link type " + std::to_string(dlt) + " (" + (n ? n : "?") + ")";
            if (config_.file.empty()) throw StartupError(config_.interface + ": " + open_error_);
        }
        config_.meter.in_iface = config_.interface;  // empty for files
        config_.meter.sweep = config_.file.empty();
        MeterConfig mc = config_.meter;  // max_flows bounds the input: each worker its share
        mc.table.max_flows = std::max<size_t>(1, mc.table.max_flows / ndpi.size());
        lanes_.resize(ndpi.size());
        for (size_t i = 0; i < lanes_.size(); ++i) {
            lanes_[i].index = i;
            lanes_[i].meter =
                std::make_unique<Meter>(mc, dlt, !config_.file.empty(), std::move(ndpi[i]));
        }
        if (lanes_.size() > 1) {
            fanout_ =
                std::make_unique<PacketFanout>(Decoder(dlt, mc.decapsulate, !config_.file.empty()),
                                               lanes_.size(), config_.file.empty(), queue_dropped_);
        }
    }
}

void PcapSource::open_file() {
    char err[PCAP_ERRBUF_SIZE] = {};
    struct stat st {};
    if (::stat(config_.file.c_str(), &st) == 0) total_bytes_ = static_cast<uint64_t>(st.st_size);
    pc_ = pcap_open_offline_with_tstamp_precision(config_.file.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                  err);
    if (!pc_) {
        open_error_ = err;
        return;
    }
    apply_bpf();
    // Without a filter, records are read in place from a mapping of the file.
    if (config_.bpf.empty() && config_.file != "-") mapped_ = MappedPcap::map(config_.file);
}

// The configured filter on the open handle; StartupError when libpcap refuses it.
void PcapSource::apply_bpf() {
    if (config_.bpf.empty()) return;
    bpf_program prog{};
    if (pcap_compile(pc_, &prog, config_.bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 ||
        pcap_setfilter(pc_, &prog) != 0) {
        std::string e = pcap_geterr(pc_);
        pcap_freecode(&prog);
        throw StartupError(config_.name + ": bpf '" + config_.bpf + "': " + e);
    }
    pcap_freecode(&prog);
}

void PcapSource::open_live() {
    char err[PCAP_ERRBUF_SIZE] = {};
    const std::string& dev = config_.interface;
    pc_ = pcap_create(dev.c_str(), err);
    if (!pc_) throw StartupError(dev + ": " + err);
    config_.snaplen = live_snaplen(dev, config_.snaplen);
    pcap_set_snaplen(pc_, config_.snaplen);
    pcap_set_promisc(pc_, config_.promisc ? 1 : 0);
    pcap_set_immediate_mode(pc_, 1);
    pcap_set_buffer_size(pc_, static_cast<int>(std::min<uint64_t>(config_.buffer_size, 1u << 30)));
    pcap_set_tstamp_precision(pc_, PCAP_TSTAMP_PRECISION_NANO);
    int rc = pcap_activate(pc_);
    if (rc < 0) {
        std::string e = pcap_geterr(pc_);
        throw StartupError(dev + ": cannot capture: " + e);
    }
    if (rc > 0) log::warn("pcap: {}: {}", dev, pcap_geterr(pc_));
    if (pcap_setnonblock(pc_, 1, err) != 0) throw StartupError(dev + ": " + err);
    apply_bpf();
}

Status PcapSource::run(std::stop_token stop, Publisher& out) {
    if (!pc_ || !open_error_.empty()) {
        // Nothing will come from here: windows need not wait for this input.
        EventBatch none;
        none.progress = SourceProgress::ended();
        out.publish(std::move(none));
        // The pipeline logs the returned error (one line, with this input's name).
        return Status::error(config_.file + ": " +
                             (open_error_.empty() ? "not opened" : open_error_));
    }
    // Capture on this thread, flows and DPI too with one worker (else on the worker threads);
    // rendering and publishing on one more.
    Channel<ExportedChunk> handoff(8 * lanes_.size());
    handoff_ = &handoff;
    closed_.store(false);
    std::thread renderer([&] {
        name_this_thread("meter-records");
        render_loop(handoff, out);
    });
    start_workers(stop);
    Status st = config_.file.empty() ? run_live(stop) : run_file(stop);
    join_workers();  // when reading stopped early
    handoff.close();
    renderer.join();
    handoff_ = nullptr;
    return st;
}

void PcapSource::render_loop(Channel<ExportedChunk>& in, Publisher& out) {
    FlowBatcher batcher(config_.interface, lines_, processes_.get());
    std::vector<ExportedChunk> got;
    // The progress of a chunk holds once all its flows are published: a batch that ends
    // within the next chunk carries it too (that chunk's flows were open then, so they are
    // within its bounds). With several meters the source's progress is their minimum.
    std::optional<SourceProgress> progress;
    std::vector<SourceProgress> latest(lanes_.size());
    auto send = [&] {  // once the channel is closed, flows are dropped here
        EventBatch batch = batcher.take();
        batch.progress = std::exchange(progress, std::nullopt);
        if (!closed_.load() && !out.publish(std::move(batch))) closed_.store(true);
    };
    while (!in.drained()) {
        got.clear();
        in.pop_batch(got, 4, std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
        if (processes_ && !got.empty()) processes_->sync();
        for (auto& chunk : got) {
            for (const auto& f : chunk.flows) {
                batcher.add(f);
                if (batcher.size() >= config_.batch_size) send();
            }
            give_spare(std::move(chunk.flows));
            latest[chunk.worker] = chunk.progress;
            progress = SourceProgress::ended();
            for (const auto& p : latest) {
                progress->first = std::min(progress->first, p.first);
                progress->last = std::min(progress->last, p.last);
            }
        }
        if (batcher.size() || progress) send();
    }
}

void PcapSource::on_packet(unsigned char* user, const ::pcap_pkthdr* h, const unsigned char* d) {
    auto* self = reinterpret_cast<PcapSource*>(user);
    self->feed(d, h->caplen, h->len, ts_us(h));
}

Status PcapSource::run_file(std::stop_token& stop) {
    FileTicks ticks;
    uint64_t since_publish = 0;
    std::string error;
    FILE* f = pcap_file(pc_);
    // One record; false once the event channel is closed.
    auto record = [&](const uint8_t* data, uint32_t caplen, int64_t t) {
        // Expire before counting: the packet may start a new flow for an expired key.
        if (ticks.due(t)) tick_all(t);
        feed(data, caplen, caplen, t);  // files: cut frames stay skipped
        if (++since_publish >= kPublishPackets ||
            (!fanout_ && lanes_[0].meter->pending() >= config_.batch_size)) {
            if (mapped_) {
                done_bytes_.store(mapped_->offset());
            } else if (f) {
                done_bytes_.store(static_cast<uint64_t>(std::max<long>(ftell(f), 0)));
            }
            since_publish = 0;
            return publish_own();
        }
        return true;
    };
    bool rest = true;  // records left for libpcap
    if (mapped_) {
        Walked w;
        if (fanout_) {
            // The workers read the mapping themselves: the first tells where it stopped.
            w = walked_.get_future().get();
            if (!w.open) return {};
            ticks = w.ticks;
        } else {
            MappedPcap::Record r;
            while (!stop.stop_requested() && mapped_->next(r)) {
                if (!record(r.data, r.caplen, r.ts_us)) return {};
            }
            w.at_end = mapped_->at_end();
            w.offset = mapped_->offset();
        }
        rest = !w.at_end && !stop.stop_requested();
        // libpcap reads on from the first record the mapping left, with its own checks.
        if (rest && (!f || std::fseek(f, static_cast<long>(w.offset), SEEK_SET) != 0)) {
            error = "cannot seek to offset " + std::to_string(w.offset);
            rest = false;
        }
        mapped_.reset();
    }
    ::pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    while (rest && !stop.stop_requested()) {
        int rc = pcap_next_ex(pc_, &h, &data);
        if (rc == PCAP_ERROR_BREAK) break;  // end of file
        if (rc != 1) {
            error = pcap_geterr(pc_);
            break;
        }
        if (!record(data, h->caplen, ts_us(h))) return {};
    }
    done_bytes_.store(error.empty() ? total_bytes_ : done_bytes_.load());
    finish_meters();
    log::info("pcap: {}: read packets={} flows={} workers={}", config_.file, total_packets_.load(),
              total_flows_.load(), lanes_.size());
    if (!error.empty()) return Status::error(config_.file + ": " + error);
    return {};
}

Status PcapSource::run_live(std::stop_token& stop) {
    pollfd pfd{pcap_get_selectable_fd(pc_), POLLIN, 0};
    log::info("pcap: capturing interface={} snaplen={} bpf=\"{}\"", config_.interface,
              config_.snaplen, config_.bpf);
    int64_t last_tick = ctx_.clock.now_us();
    std::string error;
    while (!stop.stop_requested()) {
        int pr = ::poll(&pfd, 1, kPollMs);
        if (pr > 0) {
            int n =
                pcap_dispatch(pc_, 4096, &PcapSource::on_packet, reinterpret_cast<u_char*>(this));
            if (n == PCAP_ERROR) {
                error = pcap_geterr(pc_);
                break;
            }
            if (fanout_) fanout_->send_all();
        }
        int64_t now = ctx_.clock.now_us();
        bool tick = now - last_tick >= kTickUs;
        if (tick) {
            tick_all(now);
            read_kernel_stats();
            last_tick = now;
        }
        bool due = tick || (!fanout_ && lanes_[0].meter->pending() >= config_.batch_size);
        if (due && !publish_own()) return {};
    }
    read_kernel_stats();
    finish_meters();
    if (!error.empty()) {
        log::error("pcap: {}: {}", config_.interface, error);
        return Status::error(config_.interface + ": " + error);
    }
    return {};
}

void PcapSource::read_kernel_stats() {
    pcap_stat ps{};
    if (pcap_stats(pc_, &ps) != 0) return;
    // 32-bit counters in libpcap; deltas handle a wrap once.
    auto delta = [](uint64_t now, uint64_t& last) {
        uint64_t d = now >= last ? now - last : now + (uint64_t{1} << 32) - last;
        last = now;
        return d;
    };
    uint64_t kernel = delta(ps.ps_drop, last_kernel_drop_);
    uint64_t iface = delta(ps.ps_ifdrop, last_if_drop_);
    kernel_dropped_.inc(kernel);
    if_dropped_.inc(iface);
    uint64_t suppressed = 0;
    if ((kernel || iface) && drop_log_.allow(suppressed)) {
        log::warn(
            "pcap: {}: dropped kernel={} interface={} (totals {} {}; try a larger "
            "buffer_size or a smaller snaplen)",
            config_.interface, kernel, iface, kernel_dropped_.value(), if_dropped_.value());
    }
}

bool PcapSource::publish(Lane& lane, bool ended) {
    Meter& meter = *lane.meter;
    MeterCounters c = meter.take_counters();
    total_packets_ += c.packets;
    for (uint64_t n : c.expired) total_flows_ += n;
    packets_.inc(c.packets);
    bytes_.inc(c.bytes);
    input_bytes_.inc(c.bytes);
    for (size_t i = 1; i < c.skipped.size(); ++i) {
        if (c.skipped[i]) skipped_[i]->inc(c.skipped[i]);
    }
    for (size_t i = 0; i < c.expired.size(); ++i) {
        if (c.expired[i]) expired_[i]->inc(c.expired[i]);
    }
    evicted_.inc(c.expired[static_cast<size_t>(ExpiryReason::kEvicted)]);
    updates_.inc(c.updates);
    auto active = static_cast<double>(meter.active_flows());
    active_.add(active - lane.active_reported);
    lane.active_reported = active;
    SourceProgress now = ended ? SourceProgress::ended() : meter.progress();
    if (meter.pending() == 0 && now == lane.handed) return !closed_.load();
    lane.handed = now;
    handoff_->push(ExportedChunk{meter.take_exported(take_spare()), now, lane.index});
    return !closed_.load();
}

}  // namespace eveflow::input::pcap
