// PostgreSQL sink configuration: keys, defaults and every check, in one place.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/config_node.h"
#include "util/on_full.h"

namespace eveflow::output::postgres {

enum class PartitionPeriod { kHour, kDay, kWeek };

struct RawEventsConfig {
    std::vector<std::string> types;  // empty: no raw events table traffic
    std::string table = "eve_raw";
    PartitionPeriod partition = PartitionPeriod::kDay;
    std::chrono::microseconds retention = std::chrono::hours(24 * 14);
    int partitions_ahead = 2;
    int connections = 2;  // connections writing raw event batches in parallel
};

/// The live flow table (`live_table`) and the log of finished flows (`flow_log`), whose
/// partitioning and retention work as the raw events' do (its `types` and `connections` are
/// unused).
struct LiveConfig {
    std::string table;  // empty: no live flow table, no lifecycle records
    RawEventsConfig log{{}, "flow_log"};
    bool enabled() const { return !table.empty(); }
};

struct PostgresConfig {
    std::string name = "postgres";
    std::string dsn;            // libpq conninfo or URI, as given (may hold a password)
    std::string password_file;  // empty: none
    std::string table = "flow_aggregate";
    RawEventsConfig raw;
    LiveConfig live;
    size_t batch_size = 10000;
    std::chrono::microseconds flush_interval = std::chrono::seconds(1);
    uint64_t max_buffer_bytes = 256ull << 20;
    uint64_t max_buffer_records = 0;          // 0: bounded by bytes only
    std::string spill_dir;                    // empty: no spill to disk
    std::string spill_dir_key = "spill_dir";  // its config key path, for messages
    uint64_t spill_max_bytes = 1ull << 30;
    OnFull on_full = OnFull::kBlock;
    std::chrono::microseconds reconnect_backoff_max = std::chrono::seconds(30);
};

/// Reads and checks an `outputs[i]` section of type postgres; problems go to the node's
/// diagnostics (the returned config then holds defaults for the bad keys).
PostgresConfig parse_config(const ConfigNode& node);

/// Lower-case SQL identifier of at most 48 characters (room for partition suffixes).
bool valid_identifier(std::string_view name);

/// The DSN with any password replaced by `***`, for log lines; "<invalid dsn>" if unparsable.
std::string mask_dsn(std::string_view dsn);
/// The DSN in keyword form with `password` set (quoted for libpq); `error` set if unparsable.
std::string dsn_with_password(std::string_view dsn, std::string_view password, std::string& error);
/// The DSN with connect_timeout=10 and TCP keepalives (30s idle, 10s interval, 3 probes) added
/// where it sets none, so a silent network cannot stall a reconnect or the shutdown for long.
std::string dsn_with_timeouts(std::string_view dsn, std::string& error);
/// Checks the DSN's syntax with libpq; empty when valid, else libpq's message.
std::string check_dsn(std::string_view dsn);

}  // namespace eveflow::output::postgres
