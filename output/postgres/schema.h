// Schema of the PostgreSQL sink: versioned migrations, partition naming, bounds and retention.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "output/postgres/config.h"

namespace pqxx {
class connection_base;
class transaction_base;
}  // namespace pqxx

namespace eveflow::output::postgres {

/// Bookkeeping tables, in the DSN's search_path like the data tables.
inline constexpr const char* kMigrationsTable = "eveflow_schema_migrations";
inline constexpr const char* kBatchesTable = "eveflow_batches";
inline constexpr const char* kPartitionsTable = "eveflow_partitions";
/// Consumer offsets stored with the aggregates they cover (Kafka input, exactly once).
inline constexpr const char* kKafkaOffsetsTable = "eveflow_kafka_offsets";
inline constexpr const char* kFilePositionsTable = "eveflow_file_positions";
/// Per-connection staging table for aggregate rows (temporary, so per session).
inline constexpr const char* kStageTable = "eveflow_stage_aggregate";

/// Creates or upgrades every table (aggregates, raw events when configured, bookkeeping) in one
/// transaction under an advisory lock, so sensors starting together do not race. Idempotent.
/// Throws pqxx exceptions.
void migrate(pqxx::connection_base& conn, const PostgresConfig& cfg);
/// Creates this session's staging table. Throws pqxx exceptions.
void create_stage(pqxx::connection_base& conn);

/// The SQL that merges the staged rows into the aggregate table. `grouped` first sums rows of
/// the same key within the stage (needed when the stage holds a key twice).
std::string merge_sql(const std::string& table, bool grouped);

/// Partition arithmetic (UTC).
int64_t partition_period_us(PartitionPeriod p);
int64_t partition_start(PartitionPeriod p, int64_t ts_us);
int64_t partition_end(PartitionPeriod p, int64_t start_us);
/// `<table>_p20261123` (day, week: the Monday) or `<table>_p2026112314` (hour).
std::string partition_name(const std::string& table, PartitionPeriod p, int64_t start_us);
/// Events before this time are past retention: their partitions are dropped.
int64_t retention_cutoff(const RawEventsConfig& raw, int64_t now_us);

/// Creates the partition starting at `start_us` if missing, in its own transaction.
void create_partition(pqxx::connection_base& conn, const RawEventsConfig& raw, int64_t start_us);
/// Drops partitions that end at or before the cutoff; returns their names.
std::vector<std::string> drop_expired_partitions(pqxx::connection_base& conn,
                                                 const RawEventsConfig& raw, int64_t now_us);
/// Forgets batch ids older than a week (retries never come that late).
void prune_batches(pqxx::connection_base& conn, const std::string& sink);

}  // namespace eveflow::output::postgres
