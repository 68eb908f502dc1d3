// Pipeline: inputs -> event channel -> dispatcher (handlers) -> sink queues -> sinks.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cmd/eveflow/plan.h"
#include "input/source.h"
#include "output/sink.h"
#include "output/sink_runner.h"
#include "processing/dispatcher.h"
#include "util/context.h"
#include "util/path_lock.h"

namespace eveflow::cmd {

/// Built from the configuration tree by build(); run() once. request_stop() and
/// request_reopen() may be called from any thread (the signal thread).
class Pipeline {
public:
    explicit Pipeline(Context& ctx);
    ~Pipeline();

    /// Takes the stages of a complete plan (make_plan without errors).
    void build(Plan plan);
    /// Opens everything (StartupError), runs until the inputs end or a stop is requested,
    /// drains and closes. Returns the process exit code.
    int run();
    void request_stop();
    void request_reopen();

    /// Bytes done / total over the finite sources, for the progress line.
    std::pair<uint64_t, uint64_t> progress() const;
    size_t source_count() const { return sources_.size(); }

private:
    struct SourceSlot {
        std::unique_ptr<input::Source> source;
        std::string name;
        OnFull on_full = OnFull::kBlock;
        std::unique_ptr<input::Publisher> publisher;
        std::jthread thread;
        bool failed = false;
    };

    void start_sources();
    void wait_for_sources();
    void watchdog();

    Context& ctx_;
    std::vector<OwnedPath> owned_;
    std::vector<PathLock> locks_;  // held until the pipeline is gone, after the sinks closed
    std::vector<SourceSlot> sources_;
    std::vector<std::unique_ptr<output::SinkRunner>> sinks_;
    std::vector<std::unique_ptr<processing::Handler>> handlers_;
    std::vector<std::unique_ptr<output::Service>> services_;
    std::unique_ptr<processing::EnrichStage> enrich_;
    std::unique_ptr<Channel<EventBatch>> events_;
    size_t queue_events_ = 65536;
    size_t sink_queue_batches_ = 1024;

    std::mutex mu_;
    std::condition_variable cv_;
    size_t sources_running_ = 0;
    bool stop_requested_ = false;
    bool finished_ = false;
    std::thread watchdog_;
};

}  // namespace eveflow::cmd
