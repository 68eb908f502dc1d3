// Live flow table: lifecycle operations as staging rows, and the SQL that applies them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "output/postgres/config.h"
#include "output/postgres/copy_text.h"
#include "types/record.h"

namespace pqxx {
class connection_base;
}  // namespace pqxx

namespace eveflow::output::postgres {

/// Per-connection staging table of lifecycle operations (temporary, so per session).
inline constexpr const char* kLiveStageTable = "eveflow_stage_live";

/// Columns of the live staging table, in COPY order. `seq` orders the operations of a batch;
/// `flow_end` is set on removes whose flow goes to flow_log (its partition key).
inline constexpr const char* kLiveStageColumns[] = {"seq",
                                                    "op",
                                                    "sensor_id",
                                                    "flow_id",
                                                    "src_ip",
                                                    "src_port",
                                                    "dest_ip",
                                                    "dest_port",
                                                    "proto",
                                                    "app_proto",
                                                    "pkts_toserver",
                                                    "pkts_toclient",
                                                    "bytes_toserver",
                                                    "bytes_toclient",
                                                    "flow_start",
                                                    "last_seen",
                                                    "flow_end",
                                                    "updated",
                                                    "flow"};

/// The time a removed flow is logged under: its end, else the time of the remove.
Timestamp log_time(const FlowLifecycle& f);

/// Appends one operation as a staging line (with newline). `log_end`: for a remove whose
/// flow is logged, log_time(f); none() when it is not (past retention). False (nothing
/// appended) if it cannot be stored (a flow_id beyond bigint).
bool append_live_row(std::string& out, const FlowLifecycle& f, uint64_t seq,
                     std::string_view sensor_id, Timestamp log_end, Sanitised& fixed);

/// The statements that apply the staged operations, in this order: `upsert` writes each
/// flow's last insert or update of the part (its result: the rows new to the table),
/// `log` copies removed flows to flow_log with their last known values, `remove` deletes them.
struct LiveSql {
    std::string upsert, log, remove;
};
LiveSql live_sql(const LiveConfig& live);

/// Creates this session's staging table. Throws pqxx exceptions.
void create_live_stage(pqxx::connection_base& conn);
/// Deletes the rows of `sensor_id` from the live table (left by a run that did not end
/// cleanly); returns how many. Throws pqxx exceptions.
uint64_t clear_live(pqxx::connection_base& conn, const LiveConfig& live,
                    const std::string& sensor_id);

}  // namespace eveflow::output::postgres
