// The per-flow record: one EVE-flow-like JSON line per exported flow.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "input/pcap/flow_table.h"
#include "input/pcap/ndpi_adapter.h"
#include "input/process/process_attributor.h"
#include "types/community_id.h"

namespace eveflow::input::pcap {

/// Appends the JSON object (no newline) for `f` to `out`: EVE flow fields, `ndpi` (when
/// `dpi` is set), `src_process` / `dest_process` (when `procs` is set; docs/process.md) and
/// `stats` (NFStream's feature names; times in µs). See docs/pcap.md.
/// `reason` is flow.reason: an expiry reason's name, or "update" for an interim update.
/// `community_id`: flow_community_id(f) when the caller has it already.
void render_flow(std::string& out, const Flow& f, std::string_view reason, const DpiInfo* dpi,
                 uint64_t flow_id, std::string_view in_iface = {},
                 const process::FlowProcesses* procs = nullptr,
                 const CommunityIdText* community_id = nullptr);

/// The flow's Community ID (v1, seed 0): client to server, ICMP by its first packet's type
/// and code.
CommunityIdText flow_community_id(const Flow& f);

}  // namespace eveflow::input::pcap
