// Schema of the PostgreSQL sink: DDL built from validated identifiers, values as parameters.
#include "output/postgres/schema.h"

#include <ctime>
#include <functional>
#include <pqxx/pqxx>
#include <string_view>

#include "output/postgres/copy_text.h"
#include "output/postgres/dns_tables.h"
#include "types/timestamp.h"

namespace eveflow::output::postgres {
namespace {

constexpr int64_t kHourUs = 3600LL * 1000000;
constexpr int64_t kDayUs = 24 * kHourUs;
constexpr int64_t kMondayOffsetUs = 4 * kDayUs;   // 1970-01-05 was a Monday
constexpr long long kMigrationLock = 0x65766566;  // pg_advisory_xact_lock key ("evef")
constexpr long long kPartitionLock = 0x65766670;  // the same for partition DDL ("evfp")
// The aggregate table's unique key (schema version 4 on): what partial records merge on.
constexpr const char* kAggregateKey =
    "window_start, window_end, sensor_id, src_ip, dest_ip, dest_port, proto, src_port, "
    "app_proto, vlan, in_iface, src_process_name, dest_process_name, src_net, dest_net, "
    "home_direction, src_country, dest_country, src_asn, dest_asn";

std::string ts_literal(int64_t us) {
    std::string out = "'";  // built in steps: GCC 12 warns falsely on "'" + string + "'"
    append_timestamp(out, Timestamp::from_us(us));
    out += '\'';
    return out;
}

std::string aggregate_v1(pqxx::transaction_base& tx, const std::string& table) {
    const std::string t = tx.quote_name(table);
    const std::string key = tx.quote_name(table + "_key");
    return "CREATE TABLE IF NOT EXISTS " + t +
           " ("
           "window_start timestamptz NOT NULL, window_end timestamptz NOT NULL, "
           "sensor_id text NOT NULL, src_ip inet, dest_ip inet, dest_port integer, proto text, "
           "flows bigint NOT NULL, src_ports integer NOT NULL, "
           "pkts_toserver bigint NOT NULL, pkts_toclient bigint NOT NULL, "
           "bytes_toserver bigint NOT NULL, bytes_toclient bigint NOT NULL, "
           "first_seen timestamptz, last_seen timestamptz, "
           "src_port integer, app_proto text, vlan integer, in_iface text, "
           "CONSTRAINT " +
           key +
           " UNIQUE NULLS NOT DISTINCT (window_start, window_end, "
           "sensor_id, src_ip, dest_ip, dest_port, proto, src_port, app_proto, vlan, in_iface))";
}

// Version 2: the set of distinct source ports, so merged partials keep src_ports exact. Rows
// written before it have NULL (set unknown) and merge by greatest() as version 1 did.
std::string aggregate_v2(pqxx::transaction_base& tx, const std::string& table) {
    return "ALTER TABLE " + tx.quote_name(table) +
           " ADD COLUMN IF NOT EXISTS src_port_set integer[]";
}

// `CREATE INDEX IF NOT EXISTS <table><suffix> ON <table> (<cols>);`
std::string index_sql(pqxx::transaction_base& tx, const std::string& table, const char* suffix,
                      const char* cols) {
    return "CREATE INDEX IF NOT EXISTS " + tx.quote_name(table + suffix) + " ON " +
           tx.quote_name(table) + " (" + cols + ");";
}

// Version 3: the meter's process names as key columns (docs/process.md); the unique key is
// rebuilt to include them. Rows written before it have NULL, as when the key leaves them out.
std::string aggregate_v3(pqxx::transaction_base& tx, const std::string& table) {
    const std::string t = tx.quote_name(table);
    const std::string key = tx.quote_name(table + "_key");
    return "ALTER TABLE " + t +
           " ADD COLUMN IF NOT EXISTS src_process_name text,"
           " ADD COLUMN IF NOT EXISTS dest_process_name text,"
           " DROP CONSTRAINT " +
           key + ", ADD CONSTRAINT " + key +
           " UNIQUE NULLS NOT DISTINCT (window_start, window_end, sensor_id, src_ip, dest_ip, "
           "dest_port, proto, src_port, app_proto, vlan, in_iface, src_process_name, "
           "dest_process_name)";
}

// Version 4: the enrichment key fields, typed, and in the unique key (a key without them
// leaves them NULL, and NULLS NOT DISTINCT keeps such rows merging as before).
std::string aggregate_v4(pqxx::transaction_base& tx, const std::string& table) {
    const std::string t = tx.quote_name(table);
    const std::string key = tx.quote_name(table + "_key");
    return "ALTER TABLE " + t +
           " ADD COLUMN IF NOT EXISTS src_net cidr, ADD COLUMN IF NOT EXISTS dest_net cidr, "
           "ADD COLUMN IF NOT EXISTS home_direction text, "
           "ADD COLUMN IF NOT EXISTS src_country char(2), "
           "ADD COLUMN IF NOT EXISTS dest_country char(2), "
           "ADD COLUMN IF NOT EXISTS src_asn bigint, ADD COLUMN IF NOT EXISTS dest_asn bigint, "
           "DROP CONSTRAINT " +
           key + ", ADD CONSTRAINT " + key + " UNIQUE NULLS NOT DISTINCT (" + kAggregateKey + ")";
}

// Version 5: flows_active, the distinct flows with packets in the window (the meter's interim
// updates only; NULL otherwise). Partials add up, so a merged row can count a flow twice.
std::string aggregate_v5(pqxx::transaction_base& tx, const std::string& table) {
    return "ALTER TABLE " + tx.quote_name(table) + " ADD COLUMN IF NOT EXISTS flows_active bigint";
}

// Version 6: names of the key's addresses (not key columns): reverse DNS (src_host, dest_host)
// and the name the source resolved to the destination (dest_name). NULL when unknown.
std::string aggregate_v6(pqxx::transaction_base& tx, const std::string& table) {
    return "ALTER TABLE " + tx.quote_name(table) +
           " ADD COLUMN IF NOT EXISTS src_host text, ADD COLUMN IF NOT EXISTS dest_host text, "
           "ADD COLUMN IF NOT EXISTS dest_name text";
}

std::string raw_v1(pqxx::transaction_base& tx, const std::string& table) {
    const std::string t = tx.quote_name(table);
    auto index = [&](const char* suffix, const char* cols) {
        return index_sql(tx, table, suffix, cols);
    };
    return "CREATE TABLE IF NOT EXISTS " + t +
           " ("
           "ts timestamptz NOT NULL, event_type text NOT NULL, sensor_id text NOT NULL, "
           "src_ip inet, src_port integer, dest_ip inet, dest_port integer, proto text, "
           "flow_id bigint, payload jsonb) PARTITION BY RANGE (ts);" +
           index("_ts_idx", "ts") + index("_src_ip_idx", "src_ip") +
           index("_dest_idx", "dest_ip, dest_port") + index("_event_type_idx", "event_type");
}

// One row per live flow of each sensor, rewritten at every update: fillfactor leaves room in
// each page so an update can stay in its page (no index holds the columns it changes).
std::string live_v1(pqxx::transaction_base& tx, const std::string& table) {
    return "CREATE TABLE IF NOT EXISTS " + tx.quote_name(table) +
           " ("
           "sensor_id text NOT NULL, flow_id bigint NOT NULL, community_id text, "
           "src_ip inet, src_port integer, dest_ip inet, dest_port integer, proto text, "
           "app_proto text, pkts_toserver bigint NOT NULL, pkts_toclient bigint NOT NULL, "
           "bytes_toserver bigint NOT NULL, bytes_toclient bigint NOT NULL, "
           "flow_start timestamptz, last_seen timestamptz, updated timestamptz, flow jsonb, "
           "PRIMARY KEY (sensor_id, flow_id)) WITH (fillfactor = 80)";
}

// Finished flows, range-partitioned on their end like the raw events; the key makes a
// retried insert a no-op.
std::string flow_log_v1(pqxx::transaction_base& tx, const std::string& table) {
    const std::string t = tx.quote_name(table);
    auto index = [&](const char* suffix, const char* cols) {
        return index_sql(tx, table, suffix, cols);
    };
    return "CREATE TABLE IF NOT EXISTS " + t +
           " ("
           "sensor_id text NOT NULL, flow_id bigint NOT NULL, community_id text, "
           "src_ip inet, src_port integer, dest_ip inet, dest_port integer, proto text, "
           "app_proto text, pkts_toserver bigint, pkts_toclient bigint, "
           "bytes_toserver bigint, bytes_toclient bigint, flow_start timestamptz, "
           "last_seen timestamptz, flow_end timestamptz NOT NULL, flow jsonb, "
           "PRIMARY KEY (sensor_id, flow_id, flow_end)) PARTITION BY RANGE (flow_end);" +
           index("_src_ip_idx", "src_ip") + index("_dest_idx", "dest_ip, dest_port");
}

// Version 2: the Community ID of the event (its own, or computed by enrich.community_id).
std::string raw_v2(pqxx::transaction_base& tx, const std::string& table) {
    return "ALTER TABLE " + tx.quote_name(table) + " ADD COLUMN IF NOT EXISTS community_id text";
}

std::string bookkeeping_v1(pqxx::transaction_base& tx) {
    return "CREATE TABLE IF NOT EXISTS " + tx.quote_name(kBatchesTable) +
           " ("
           "sink text NOT NULL, batch_id text NOT NULL, aggregate_rows integer NOT NULL, "
           "raw_rows integer NOT NULL, committed_at timestamptz NOT NULL DEFAULT now(), "
           "PRIMARY KEY (sink, batch_id));"
           "CREATE TABLE IF NOT EXISTS " +
           tx.quote_name(kPartitionsTable) +
           " ("
           "name text PRIMARY KEY, parent text NOT NULL, range_start timestamptz NOT NULL, "
           "range_end timestamptz NOT NULL)";
}

// The next offset to read per consumer group and partition, written in the transaction of
// the aggregates built from the events before it.
std::string kafka_offsets_v1(pqxx::transaction_base& tx) {
    return "CREATE TABLE IF NOT EXISTS " + tx.quote_name(kKafkaOffsetsTable) +
           " ("
           "group_id text NOT NULL, topic text NOT NULL, partition integer NOT NULL, "
           "next_offset bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), "
           "PRIMARY KEY (group_id, topic, partition))";
}

// The position of a followed file per input (its checkpoint group), written in the transaction
// of the aggregates built from the lines before it. Unsigned values are stored bit for bit.
std::string file_positions_v1(pqxx::transaction_base& tx) {
    return "CREATE TABLE IF NOT EXISTS " + tx.quote_name(kFilePositionsTable) +
           " ("
           "group_id text PRIMARY KEY, path text NOT NULL, dev bigint NOT NULL, "
           "ino bigint NOT NULL, fp_len bigint NOT NULL, fp_hash bigint NOT NULL, "
           "next_offset bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())";
}

using Migration = std::function<std::string(pqxx::transaction_base&)>;

// Applies the versions of `object` not yet recorded, in order.
void apply(pqxx::transaction_base& tx, const std::string& object,
           const std::vector<Migration>& versions) {
    const std::string mt = tx.quote_name(kMigrationsTable);
    pqxx::result r = tx.exec_params(
        "SELECT coalesce(max(version), 0) FROM " + mt + " WHERE object = $1", object);
    const int have = r[0][0].as<int>();
    for (int v = have + 1; v <= static_cast<int>(versions.size()); ++v) {
        tx.exec(versions[static_cast<size_t>(v - 1)](tx));
        tx.exec_params("INSERT INTO " + mt + " (object, version) VALUES ($1, $2)", object, v);
    }
}

}  // namespace

void migrate(pqxx::connection_base& conn, const PostgresConfig& cfg) {
    pqxx::work tx(conn, "eveflow_migrate");
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
    tx.exec("CREATE TABLE IF NOT EXISTS " + tx.quote_name(kMigrationsTable) +
            " (object text NOT NULL, version integer NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (object, version))");
    apply(tx, "bookkeeping", {bookkeeping_v1});
    apply(tx, "kafka_offsets", {kafka_offsets_v1});
    apply(tx, "file_positions", {file_positions_v1});
    const std::string agg = cfg.table;
    apply(tx, "aggregate:" + agg,
          {[agg](auto& t) { return aggregate_v1(t, agg); },
           [agg](auto& t) { return aggregate_v2(t, agg); },
           [agg](auto& t) { return aggregate_v3(t, agg); },
           [agg](auto& t) { return aggregate_v4(t, agg); },
           [agg](auto& t) { return aggregate_v5(t, agg); },
           [agg](auto& t) { return aggregate_v6(t, agg); }});
    apply(tx, "dns_aggregate", {dns_aggregate_v1});
    apply(tx, "pdns", {pdns_v1});
    if (!cfg.raw.types.empty()) {
        const std::string raw = cfg.raw.table;
        apply(
            tx, "raw:" + raw,
            {[raw](auto& t) { return raw_v1(t, raw); }, [raw](auto& t) { return raw_v2(t, raw); }});
    }
    if (cfg.live.enabled()) {
        const std::string live = cfg.live.table, log = cfg.live.log.table;
        apply(tx, "live:" + live, {[live](auto& t) { return live_v1(t, live); }});
        apply(tx, "flow_log:" + log, {[log](auto& t) { return flow_log_v1(t, log); }});
    }
    tx.commit();
}

void create_stage(pqxx::connection_base& conn) {
    pqxx::nontransaction tx(conn, "eveflow_stage");
    std::string cols;
    const char* types[] = {
        "timestamptz", "timestamptz", "text",   "inet",    "inet",    "integer",   "text",
        "bigint",      "bigint",      "bigint", "bigint",  "bigint",  "bigint",    "timestamptz",
        "timestamptz", "integer",     "text",   "integer", "text",    "integer[]", "text",
        "text",        "cidr",        "cidr",   "text",    "char(2)", "char(2)",   "bigint",
        "bigint",      "bigint",      "text",   "text",    "text"};
    static_assert(std::size(types) == std::size(kAggregateColumns));
    for (size_t i = 0; i < std::size(types); ++i) {
        cols += (i ? ", " : "") + std::string(kAggregateColumns[i]) + " " + types[i];
    }
    tx.exec("CREATE TEMP TABLE IF NOT EXISTS " + tx.quote_name(kStageTable) + " (" + cols + ")");
}

namespace {

// Columns summed when partials merge.
constexpr const char* kSummed[] = {"flows", "pkts_toserver", "pkts_toclient", "bytes_toserver",
                                   "bytes_toclient"};
// Names (not in the key): a partial's known name replaces the row's, an unknown one keeps it.
constexpr const char* kNames[] = {"src_host", "dest_host", "dest_name"};

// Sums the stage rows of one key. Each row is joined with its ports (one row per port, or one
// with p NULL when it has none), so the counters count only each row's first port row, and
// the union of the sets is array_agg(DISTINCT p). A row without a set (unknown) makes the
// union unknown (NULL) and src_ports a lower bound: the greatest count seen.
std::string grouped_select(const std::string& key) {
    const std::string known = "bool_and(src_port_set IS NOT NULL)";
    std::string sql = "SELECT " + key;
    for (const char* c : kSummed) {
        sql += std::string(", sum(") + c + ") FILTER (WHERE i IS NULL OR i = 1)::bigint";
    }
    sql += ", min(first_seen), max(last_seen)";
    sql += ", sum(flows_active) FILTER (WHERE i IS NULL OR i = 1)::bigint";
    for (const char* c : kNames) sql += std::string(", max(") + c + ")";
    sql += ", CASE WHEN " + known +
           " THEN count(DISTINCT p) ELSE greatest(max(src_ports), count(DISTINCT p)) END::integer";
    sql +=
        ", CASE WHEN " + known +
        " THEN coalesce(array_agg(DISTINCT p ORDER BY p) FILTER (WHERE p IS NOT NULL), '{}') END";
    sql += " FROM " + std::string(kStageTable) +
           " LEFT JOIN LATERAL unnest(src_port_set) WITH ORDINALITY AS u(p, i) ON true";
    return sql + " GROUP BY " + key;
}

// The union of the row's and the partial's port sets and its size; when either set is unknown
// (a row from before schema version 2), NULL and the greater count (a lower bound). OFFSET 0
// keeps the planner from inlining the union into both columns (computing it twice).
std::string merged_ports() {
    return "(src_port_set, src_ports) = (SELECT u.s, "
           "coalesce(cardinality(u.s), greatest(t.src_ports, excluded.src_ports)) "
           "FROM (SELECT CASE WHEN t.src_port_set IS NULL OR excluded.src_port_set IS NULL "
           "THEN NULL ELSE ARRAY(SELECT DISTINCT p "
           "FROM unnest(t.src_port_set || excluded.src_port_set) AS p ORDER BY 1) END AS s "
           "OFFSET 0) AS u)";
}

}  // namespace

std::string merge_sql(const std::string& table, bool grouped) {
    // Quoting is not needed: `table` passed valid_identifier() (lower case, [a-z0-9_]).
    const std::string key = kAggregateKey;
    std::string values;
    for (const char* c : kSummed) values += std::string(", ") + c;
    values += ", first_seen, last_seen, flows_active";
    for (const char* c : kNames) values += std::string(", ") + c;
    values += ", src_ports, src_port_set";
    std::string sql = "INSERT INTO " + table + " AS t (" + key + values + ") ";
    if (grouped) {
        sql += grouped_select(key);
    } else {
        sql += "SELECT " + key + values + " FROM " + std::string(kStageTable);
    }
    sql += " ON CONFLICT ON CONSTRAINT " + table + "_key DO UPDATE SET ";
    for (const char* c : kSummed) sql += std::string(c) + " = t." + c + " + excluded." + c + ", ";
    sql +=
        "first_seen = least(t.first_seen, excluded.first_seen), "
        "last_seen = greatest(t.last_seen, excluded.last_seen), "
        "flows_active = CASE WHEN t.flows_active IS NULL AND excluded.flows_active IS NULL "
        "THEN NULL ELSE coalesce(t.flows_active, 0) + coalesce(excluded.flows_active, 0) END, ";
    for (const char* c : kNames)
        sql += std::string(c) + " = coalesce(excluded." + c + ", t." + c + "), ";
    sql += merged_ports();
    return sql;
}

int64_t partition_period_us(PartitionPeriod p) {
    switch (p) {
        case PartitionPeriod::kHour:
            return kHourUs;
        case PartitionPeriod::kWeek:
            return 7 * kDayUs;
        case PartitionPeriod::kDay:
            break;
    }
    return kDayUs;
}

int64_t partition_start(PartitionPeriod p, int64_t ts_us) {
    if (p == PartitionPeriod::kWeek) {
        return floor_to(ts_us - kMondayOffsetUs, 7 * kDayUs) + kMondayOffsetUs;
    }
    return floor_to(ts_us, partition_period_us(p));
}

int64_t partition_end(PartitionPeriod p, int64_t start_us) {
    return start_us + partition_period_us(p);
}

std::string partition_name(const std::string& table, PartitionPeriod p, int64_t start_us) {
    std::time_t secs = static_cast<std::time_t>(floor_to(start_us, 1000000) / 1000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    const char* fmt = p == PartitionPeriod::kHour ? "%Y%m%d%H" : "%Y%m%d";
    std::strftime(buf, sizeof buf, fmt, &tm);
    return table + "_p" + buf;
}

int64_t retention_cutoff(const RawEventsConfig& raw, int64_t now_us) {
    return partition_start(raw.partition, now_us - raw.retention.count());
}

void create_partition(pqxx::connection_base& conn, const RawEventsConfig& raw, int64_t start_us) {
    const int64_t end_us = partition_end(raw.partition, start_us);
    const std::string name = partition_name(raw.table, raw.partition, start_us);
    pqxx::work tx(conn, "eveflow_partition");
    // Several connections may need the same partition at once: without the lock, the second
    // CREATE ... IF NOT EXISTS can still fail on the catalog's unique index.
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kPartitionLock) + ")");
    tx.exec("CREATE TABLE IF NOT EXISTS " + tx.quote_name(name) + " PARTITION OF " +
            tx.quote_name(raw.table) + " FOR VALUES FROM (" + ts_literal(start_us) + ") TO (" +
            ts_literal(end_us) + ")");
    tx.exec_params("INSERT INTO " + tx.quote_name(kPartitionsTable) +
                       " (name, parent, range_start, range_end) VALUES ($1, $2, $3, $4) "
                       "ON CONFLICT (name) DO NOTHING",
                   name, raw.table, format_timestamp(Timestamp::from_us(start_us)),
                   format_timestamp(Timestamp::from_us(end_us)));
    tx.commit();
}

std::vector<std::string> drop_expired_partitions(pqxx::connection_base& conn,
                                                 const RawEventsConfig& raw, int64_t now_us) {
    const int64_t cutoff = retention_cutoff(raw, now_us);
    pqxx::work tx(conn, "eveflow_retention");
    pqxx::result r =
        tx.exec_params("SELECT name FROM " + tx.quote_name(kPartitionsTable) +
                           " WHERE parent = $1 AND range_end <= $2 ORDER BY range_start",
                       raw.table, format_timestamp(Timestamp::from_us(cutoff)));
    std::vector<std::string> dropped;
    for (const auto& row : r) {
        const std::string name = row[0].as<std::string>();
        tx.exec("DROP TABLE IF EXISTS " + tx.quote_name(name));
        tx.exec_params("DELETE FROM " + tx.quote_name(kPartitionsTable) + " WHERE name = $1", name);
        dropped.push_back(name);
    }
    tx.commit();
    return dropped;
}

void prune_batches(pqxx::connection_base& conn, const std::string& sink) {
    pqxx::work tx(conn, "eveflow_prune");
    tx.exec_params("DELETE FROM " + tx.quote_name(kBatchesTable) +
                       " WHERE sink = $1 AND committed_at < now() - interval '7 days'",
                   sink);
    tx.commit();
}

}  // namespace eveflow::output::postgres
