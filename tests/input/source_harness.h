// Test harness for sources: a real channel and publisher, and a consumer that keeps the lines.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "input/source.h"
#include "util/channel.h"
#include "util/clock.h"
#include "util/config_node.h"
#include "util/context.h"
#include "util/stats.h"

namespace eveflow::input::testing {

class SourceHarness {
public:
    SourceHarness() : consumer_([this] { consume(); }) {}
    ~SourceHarness() {
        channel.close();
        consumer_.join();
    }

    /// The raw lines received so far, in arrival order.
    std::vector<std::string> lines() {
        std::lock_guard lock(mu_);
        return lines_;
    }
    size_t count() {
        std::lock_guard lock(mu_);
        return lines_.size();
    }
    /// Waits until at least `n` lines arrived; false on timeout.
    bool wait_for(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        auto end = std::chrono::steady_clock::now() + timeout;
        while (count() < n) {
            if (std::chrono::steady_clock::now() > end) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return true;
    }
    /// The checkpoints received so far, each with the number of lines received before it.
    std::vector<std::pair<size_t, std::shared_ptr<const Checkpoint>>> checkpoints() {
        std::lock_guard lock(mu_);
        return checkpoints_;
    }
    uint64_t malformed(const std::string& reason) {
        return static_cast<uint64_t>(
            stats.sum("eveflow_input_malformed_total", {{"reason", reason}}));
    }

    Stats stats;
    Context ctx{stats, SystemClock::instance(), "test", std::chrono::milliseconds(10000), {false},
                false};
    Channel<EventBatch> channel{64};
    Counter dropped;
    Publisher publisher{channel, OnFull::kBlock, 0, dropped};
    /// Milliseconds the consumer sleeps per batch (a slow pipeline).
    std::atomic<int> consume_delay_ms{0};

private:
    void consume() {
        std::vector<EventBatch> got;
        for (;;) {
            got.clear();
            size_t n = channel.pop_batch(
                got, 16, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
            if (n == 0 && channel.drained()) return;
            if (int ms = consume_delay_ms.load(); ms > 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(ms) * n);
            }
            std::lock_guard lock(mu_);
            for (const auto& b : got) {
                for (const auto& ev : b.events) lines_.emplace_back(ev.raw);
                if (b.checkpoint) checkpoints_.emplace_back(lines_.size(), b.checkpoint);
            }
        }
    }

    std::mutex mu_;
    std::vector<std::string> lines_;
    std::vector<std::pair<size_t, std::shared_ptr<const Checkpoint>>> checkpoints_;
    std::thread consumer_;
};

inline ConfigNode config(const std::string& yaml) {
    return ConfigNode(YAML::Load(yaml), "inputs[0]",
                      std::make_shared<ConfigDiagnostics>("test.yaml"));
}

/// A valid EVE flow line with a unique marker in it.
inline std::string flow_line(const std::string& id) {
    return R"({"timestamp":"2024-05-01T10:00:00Z","event_type":"flow","src_ip":"10.0.0.1",)"
           R"("dest_ip":"10.0.0.2","proto":"TCP","id":")" +
           id + R"(","flow":{"pkts_toserver":1}})";
}

}  // namespace eveflow::input::testing
