// PcapConfig: the `pcap` input's settings, parsed and checked in one place.
#pragma once

#include <cstdint>
#include <string>

#include "input/pcap/meter.h"
#include "input/pcap/ndpi_adapter.h"
#include "input/process/process_attributor.h"
#include "util/config_node.h"

namespace eveflow::input::pcap {

struct PcapConfig {
    std::string name = "pcap";
    std::string file;       // a capture file (pcap µs/ns or pcapng), or
    std::string interface;  // a live interface
    std::string bpf;
    int snaplen = 0;  // 0: from the interface's MTU at start (snaplen.h)
    uint64_t buffer_size = 64ull << 20;
    bool promisc = true;
    size_t batch_size = 1024;  // flows per published batch
    size_t workers = 1;        // meter threads, packets by flow hash (config default: the CPUs)
    MeterConfig meter;
    NdpiFiles ndpi_files;
    process::ProcessConfig process;  // process_visibility, process_cmdline (docs/process.md)
};

/// Reads every key of an `inputs[i]` section of type pcap; errors go to the node's
/// diagnostics (all reported at once).
PcapConfig parse_pcap_config(const ConfigNode& node);

}  // namespace eveflow::input::pcap
