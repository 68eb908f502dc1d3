// Context: what every component may use at set-up and run time, owned by the pipeline.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "util/clock.h"
#include "util/stats.h"

namespace eveflow {

class OffsetStore;  // types/checkpoint.h

class DnsNameTable;  // types/dns_names.h

struct Context {
    Stats& stats;
    const Clock& clock;
    std::string sensor_id;
    /// Graceful shutdown bound: after SIGTERM, sources drain and sinks flush within this.
    std::chrono::milliseconds shutdown_timeout{10000};
    /// Set when the shutdown bound has passed: everything still blocked gives up now.
    std::atomic<bool> aborting{false};
    /// True under --check-config: build and validate, open nothing.
    bool check_only = false;
    /// An event's EVE `host` field (Suricata's sensor-name), when present, is its sensor_id.
    bool sensor_id_from_host = true;
    /// The output that stores consumer offsets with its results (set by its open(), before
    /// the inputs open); null when there is none, and consumers are at-least-once.
    OffsetStore* offset_store = nullptr;
    /// Top-level `state_dir`: where inputs keep their position across restarts (a followed
    /// file's); empty: no state is kept.
    std::string state_dir{};
    /// Bumped on SIGHUP: handlers that read files (indicator lists) read them again.
    std::atomic<uint64_t> reload_requests{0};
    /// enrich.dns_names: the names each client resolved, shared by the meters (which feed it),
    /// the enrichment stage (EVE dns answers) and flow_aggregate (dest_name); null when off.
    /// Set while the plan is built, before handlers and inputs are created.
    std::shared_ptr<DnsNameTable> dns_names{};
};

}  // namespace eveflow
