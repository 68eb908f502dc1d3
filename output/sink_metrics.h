// The metrics every sink has, spelled once: errors by kind, drops, retries, reachability.
#pragma once

#include <string>
#include <string_view>

#include "util/stats.h"

namespace eveflow::output {

/// Finds or creates the series of sink `sink` (the registry returns the same series for the
/// same name and labels, so a sink and its runner may both take them).
class SinkMetrics {
public:
    SinkMetrics(Stats& stats, std::string_view sink) : stats_(stats), sink_(sink) {}

    /// eveflow_sink_errors_total{sink, kind}
    Counter& errors(std::string_view kind) {
        return stats_.counter("eveflow_sink_errors_total", "Sink errors by kind",
                              {{"sink", sink_}, {"kind", std::string(kind)}});
    }
    /// eveflow_sink_dropped_total{sink}: records given up (queue full with on_full: drop, a
    /// batch the sink could not write, the shutdown bound).
    Counter& dropped() { return counter("dropped", "Records a sink dropped or gave up"); }
    /// eveflow_sink_retries_total{sink}
    Counter& retries() { return counter("retries", "Write attempts a sink repeated"); }
    /// eveflow_sink_records_total{sink}: records written.
    Counter& records() { return counter("records", "Records written by the sink"); }
    /// eveflow_sink_up{sink}: 1 while the destination is reachable.
    Gauge& up() {
        return stats_.gauge("eveflow_sink_up", "1 while the sink's destination is reachable",
                            {{"sink", sink_}});
    }

private:
    Counter& counter(std::string_view what, std::string_view help) {
        return stats_.counter("eveflow_sink_" + std::string(what) + "_total", help,
                              {{"sink", sink_}});
    }

    Stats& stats_;
    std::string sink_;
};

}  // namespace eveflow::output
