// FlowBatcher: renders exported flows into an EventBatch (the render side of the meter).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "input/pcap/flow_table.h"
#include "input/pcap/ndpi_adapter.h"
#include "input/process/process_attributor.h"
#include "types/event.h"

namespace eveflow::input::pcap {

/// A finished flow as the capture thread hands it to the render thread: a copy of the flow
/// and of what nDPI said. Names view nDPI's or the module's storage (alive as long as the
/// meter); the per-flow strings are copied here.
struct ExportedFlow {
    ExportedFlow() = default;
    /// The flow copied in once (an explicit constructor: clang 14 has no parenthesized
    /// aggregate initialization for emplace_back).
    explicit ExportedFlow(const Flow& f) : flow(f) {}
    Flow flow;                                 // flow.dpi is null
    ExpiryReason reason = ExpiryReason::kEnd;  // of a final record
    FlowReport kind = FlowReport::kFinal;
    uint64_t id = 0;
    int64_t at_us = 0;       // when the meter made the report, packet time
    bool has_delta = false;  // interim updates on: `delta` is what this report adds
    FlowDelta delta;
    bool has_dpi = false;
    DpiInfo dpi;  // hostname, ja3c, ja3s empty: they live in the arrays below
    uint8_t hostname_len = 0, ja3c_len = 0, ja3s_len = 0;
    std::array<char, 80> hostname{};
    std::array<char, 32> ja3c{}, ja3s{};

    /// Copies `info`, keeping its per-flow strings in this object.
    void set_dpi(const DpiInfo& info);
    /// `dpi` with views into this object (valid while it is not moved).
    DpiInfo dpi_view() const;
};

/// What the capture thread hands to the render thread: the flows exported since the last
/// chunk and the meter's progress once they are published.
struct ExportedChunk {
    std::vector<ExportedFlow> flows;
    SourceProgress progress;
    size_t worker = 0;  // the meter worker whose progress this is
};

/// Builds one EventBatch at a time. Single-threaded.
class FlowBatcher {
public:
    /// `lines` false: no handler reads the flow records' lines (no `--flows-jsonl`, no forwarding
    /// of flows): events get their fields only, which saves the rendering. `processes`:
    /// attributes each flow's local ends (not owned; may be null).
    explicit FlowBatcher(std::string_view in_iface = {}, bool lines = true,
                         process::ProcessAttributor* processes = nullptr)
        : in_iface_(in_iface), lines_(lines), processes_(processes) {}
    void add(const ExportedFlow& e);
    size_t size() const { return pending_.size(); }
    /// The batch so far (views fixed up now, so the buffer could grow before).
    EventBatch take();

private:
    struct Pending {
        size_t raw_off, raw_len, app_off, app_len;
    };
    /// add() with the processes of the flow's ends (null: attribution off).
    void add(const ExportedFlow& x, const process::FlowProcesses* procs);
    /// Copies a process name into the batch (its views must outlive `line_`).
    std::string_view keep(const std::string& name);

    std::string_view in_iface_;
    bool lines_ = true;
    process::ProcessAttributor* processes_;
    EventBatch batch_;
    std::vector<Pending> pending_;
    std::string line_;
    /// Renders the flow's line into the buffer; sets p's raw_len and app_proto's place.
    void append_line(const ExportedFlow& x, const process::FlowProcesses* procs,
                     const CommunityIdText& id, Pending& p);
};

}  // namespace eveflow::input::pcap
