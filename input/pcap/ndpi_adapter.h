// nDPI adapter: the meter's only door to nDPI 4.2 (whose API later releases changed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace eveflow::input::pcap {

class DpiFlow;

/// nDPI's configuration files (empty path: not loaded).
struct NdpiFiles {
    std::string protos, categories, risky_domains, ja3_fingerprints, sha1_fingerprints;
};

/// What nDPI found about a flow. Views point into the module or into the flow's nDPI state:
/// valid until that flow is released.
struct DpiInfo {
    std::string_view protocol;     // as ndpiReader prints it after '/': "TLS.Google", "Unknown"
    std::string_view master, app;  // "TLS", "Google"; "Unknown" when none
    std::string_view category, confidence;
    std::string_view hostname, ja3c, ja3s;
    uint64_t risk = 0;     // bit i set: risk i (risk_name(i))
    bool guessed = false;  // the protocol came from nDPI's guess at give-up
    bool encrypted = false;
};

/// One nDPI detection module. Not thread-safe: one per meter thread.
class NdpiModule {
public:
    /// Loads the given files; a file nDPI refuses is a set-up error (message in `error`).
    /// Thread-safe: modules can be made in parallel.
    static std::unique_ptr<NdpiModule> create(const NdpiFiles& files, std::string& error);
    ~NdpiModule();
    NdpiModule(const NdpiModule&) = delete;
    NdpiModule& operator=(const NdpiModule&) = delete;

    DpiFlow* new_flow();
    /// Feeds one packet (`l3` = IP header, `len` captured bytes from it). `flow_packets` is
    /// the flow's packet count including this one, `cap` the DPI packet budget for its L4
    /// protocol. Returns true once detection is complete (feed no more packets).
    bool process(DpiFlow* flow, const uint8_t* l3, uint32_t len, int64_t ts_us,
                 uint64_t flow_packets, uint32_t cap);
    /// Gives up (with guessing) if detection is not complete, then describes the flow.
    void finish(DpiFlow* flow, DpiInfo& out);
    /// Describes the flow as detection stands, without giving up (interim updates).
    void describe(DpiFlow* flow, DpiInfo& out);
    void release(DpiFlow* flow);

    static std::string_view risk_name(int bit);
    static constexpr int kMaxRisk = 64;

private:
    NdpiModule() = default;
    std::string_view name_of(uint16_t master, uint16_t app);

    struct Impl;
    Impl* impl_ = nullptr;
    std::unordered_map<uint32_t, std::string> names_;  // interned "Master.App" names
};

/// nDPI's version as the loaded library reports it (ndpi_revision()).
std::string ndpi_library_version();

}  // namespace eveflow::input::pcap
