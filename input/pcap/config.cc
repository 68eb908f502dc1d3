// PcapConfig parsing: keys, defaults and ranges of the `pcap` input (docs/pcap.md).
#include "input/pcap/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "input/pcap/snaplen.h"

namespace eveflow::input::pcap {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

bool is_file(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The online CPUs, 1 to 64: the default number of meter workers.
int64_t online_cpus() {
    long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    return std::clamp<int64_t>(n, 1, 64);
}

bool is_dir(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// One nDPI file: its own key wins; else `dir/default_name` when that file exists.
std::string ndpi_file(const ConfigNode& node, const char* key, const std::string& dir,
                      const char* default_name) {
    std::string path = node.str(key, "");
    if (!path.empty()) {
        if (!is_file(path)) node.error(key, "no such file '" + path + "'");
        return path;
    }
    if (dir.empty()) return {};
    std::string candidate = dir + "/" + default_name;
    return is_file(candidate) ? candidate : std::string();
}

// Interim updates and the insert policy of lifecycle outputs.
void parse_reports(const ConfigNode& node, MeterConfig& m) {
    m.update_us = node.duration("update_interval", microseconds(0), microseconds(1000)).count();
    m.update_every_packets =
        static_cast<uint64_t>(node.integer("update_every_packets", 0, 0, int64_t{1} << 40));
    m.insert_after_packets =
        static_cast<uint64_t>(node.integer("insert_after_packets", 1, 1, int64_t{1} << 40));
    m.insert_after_dpi = node.choice("insert_after", "packets", {"packets", "dpi"}) == "dpi";
    if (m.insert_after_dpi && node.has("insert_after_packets")) {
        node.error("insert_after_packets", "cannot be combined with insert_after: dpi");
    }
    if (m.insert_after_dpi && !node.boolean("dpi", true)) {
        node.error("insert_after", "'dpi' needs dpi: true");
    }
}

void parse_meter(const ConfigNode& node, MeterConfig& m) {
    FlowTableConfig& t = m.table;
    t.idle_us = node.duration("idle_timeout", seconds(120), microseconds(1'000'000), false).count();
    t.active_us =
        node.duration("active_timeout", seconds(1800), microseconds(1'000'000), false).count();
    t.expiry = node.boolean("expiry", true);
    t.max_flows = static_cast<size_t>(node.integer("max_flows", 1'000'000, 1, 100'000'000));
    std::string acc = node.choice("accounting", "link", {"link", "ip", "transport", "payload"});
    m.accounting = acc == "ip"          ? Accounting::kIp
                   : acc == "transport" ? Accounting::kTransport
                   : acc == "payload"   ? Accounting::kPayload
                                        : Accounting::kLink;
    m.dpi = node.boolean("dpi", true);
    m.dpi_packets_tcp = static_cast<uint32_t>(node.integer("dpi_packets_tcp", 80, 1, 65535));
    m.dpi_packets_udp = static_cast<uint32_t>(node.integer("dpi_packets_udp", 24, 1, 65535));
    m.decapsulate = node.boolean("decapsulate", true);
    parse_reports(node, m);
}

}  // namespace

PcapConfig parse_pcap_config(const ConfigNode& node) {
    PcapConfig c;
    c.name = node.str("name", "pcap");
    c.file = node.str("file", "");
    c.interface = node.str("interface", "");
    if (c.file.empty() == c.interface.empty()) {
        node.error("", "exactly one of 'file' or 'interface' is required");
    }
    c.bpf = node.str("bpf", "");
    c.snaplen = static_cast<int>(node.integer("snaplen", 0, kMinSnaplen, kMaxSnaplen));
    c.buffer_size = node.size("buffer_size", 64ull << 20, 1ull << 20, 4ull << 30);
    c.promisc = node.boolean("promisc", true);
    c.batch_size = static_cast<size_t>(node.integer("batch_size", 1024, 1, 1'000'000));
    c.workers = static_cast<size_t>(node.integer("workers", online_cpus(), 1, 64));
    parse_meter(node, c.meter);
    std::string dir = node.str("ndpi_config_dir", "");
    if (!dir.empty() && !is_dir(dir))
        node.error("ndpi_config_dir", "no such directory '" + dir + "'");
    c.ndpi_files.protos = ndpi_file(node, "ndpi_protos", dir, "protos.txt");
    c.ndpi_files.categories = ndpi_file(node, "ndpi_categories", dir, "categories.txt");
    c.ndpi_files.risky_domains = ndpi_file(node, "ndpi_risky_domains", dir, "risky_domains.txt");
    c.ndpi_files.ja3_fingerprints =
        ndpi_file(node, "ndpi_ja3_fingerprints", dir, "ja3_fingerprints.csv");
    c.ndpi_files.sha1_fingerprints =
        ndpi_file(node, "ndpi_sha1_fingerprints", dir, "sha1_fingerprints.csv");
    c.process.enabled = node.boolean("process_visibility", false);
    c.process.cmdline = node.boolean("process_cmdline", false);
    if (c.process.enabled && !c.file.empty()) {
        node.error("process_visibility",
                   "applies to a live interface only: a capture file's processes are gone");
    }
    if (c.process.cmdline && !c.process.enabled)
        node.error("process_cmdline", "needs process_visibility: true");
    return c;
}

}  // namespace eveflow::input::pcap
