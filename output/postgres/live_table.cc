// Live flow table: staging rows of lifecycle operations, upsert, flow_log and delete SQL.
#include "output/postgres/live_table.h"

#include <limits>
#include <pqxx/pqxx>

#include "util/json_writer.h"

namespace eveflow::output::postgres {
namespace {

// The columns the live table and flow_log share after (sensor_id, flow_id, community_id).
constexpr const char* kTuple[] = {"src_ip", "src_port", "dest_ip", "dest_port", "proto"};
constexpr const char* kCounters[] = {"pkts_toserver", "pkts_toclient", "bytes_toserver",
                                     "bytes_toclient"};

constexpr char op_letter(FlowOp op) {
    return op == FlowOp::kInsert ? 'i' : op == FlowOp::kUpdate ? 'u' : 'r';
}

void tab(std::string& out) { out += '\t'; }

void append_port(std::string& out, bool present, uint16_t port) {
    present ? json::append_uint(out, port) : void(out += "\\N");
}

// Each flow's last insert or update of the staged part (none later: a hash anti-join, which
// unlike DISTINCT ON sorts no row with its JSON), upserted; the result is the number of rows
// the table did not hold (xmax is 0 for a row inserted, not updated).
std::string upsert_sql(const std::string& table) {
    std::string cols = "sensor_id, flow_id, community_id", values = "sensor_id, flow_id, ";
    std::string set = "community_id = coalesce(excluded.community_id, t.community_id), ";
    values += "flow->>'community_id'";
    auto add = [&](const char* c, const std::string& value) {
        cols += std::string(", ") + c;
        values += ", " + value;
        set += std::string(c) + " = excluded." + c + ", ";
    };
    for (const char* c : kTuple) add(c, c);
    add("app_proto", "coalesce(app_proto, flow->>'app_proto')");
    for (const char* c : kCounters) add(c, c);
    for (const char* c : {"flow_start", "last_seen", "updated", "flow"}) add(c, c);
    set.resize(set.size() - 2);
    const std::string stage = kLiveStageTable;
    return "WITH up AS (INSERT INTO " + table + " AS t (" + cols + ") SELECT " + values + " FROM " +
           stage + " s WHERE op <> 'r' AND NOT EXISTS (SELECT 1 FROM " + stage +
           " n WHERE n.sensor_id = s.sensor_id AND n.flow_id = s.flow_id AND n.op <> 'r' AND "
           "n.seq > s.seq) ON CONFLICT (sensor_id, flow_id) DO UPDATE SET " +
           set + " RETURNING xmax = 0 AS inserted) SELECT count(*) FILTER (WHERE inserted) FROM up";
}

// Removed flows with their last known values (the live row, which holds any insert or
// update of the same part already) and what the remove itself carries: counters are
// cumulative, so the greater one is the later. A retried insert finds its key and does
// nothing.
std::string log_sql(const std::string& live, const std::string& log) {
    std::string cols = "sensor_id, flow_id, community_id",
                values = "r.sensor_id, r.flow_id, l.community_id";
    auto add = [&](const char* c, const std::string& value) {
        cols += std::string(", ") + c;
        values += ", " + value;
    };
    for (const char* c : kTuple) add(c, std::string("coalesce(l.") + c + ", r." + c + ")");
    add("app_proto", "coalesce(r.app_proto, l.app_proto)");
    for (const char* c : kCounters) add(c, std::string("greatest(l.") + c + ", r." + c + ")");
    add("flow_start", "coalesce(l.flow_start, r.flow_start)");
    add("last_seen", "greatest(l.last_seen, r.last_seen)");
    add("flow_end", "r.flow_end");
    add("flow", "l.flow");
    return "INSERT INTO " + log + " (" + cols + ") SELECT " + values + " FROM " + kLiveStageTable +
           " r LEFT JOIN " + live +
           " l ON l.sensor_id = r.sensor_id AND l.flow_id = r.flow_id"
           " WHERE r.op = 'r' AND r.flow_end IS NOT NULL ON CONFLICT DO NOTHING";
}

}  // namespace

Timestamp log_time(const FlowLifecycle& f) { return f.fields.end.valid() ? f.fields.end : f.at; }

bool append_live_row(std::string& out, const FlowLifecycle& f, uint64_t seq,
                     std::string_view sensor_id, Timestamp log_end, Sanitised& fixed) {
    if (f.flow_id > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    const FlowEntry& e = f.fields;
    json::append_uint(out, seq);
    tab(out);
    out += op_letter(f.op);
    tab(out);
    append_text_field(out, sensor_of(f.sensor_id, sensor_id), fixed);
    tab(out);
    json::append_uint(out, f.flow_id);
    tab(out);
    append_ip(out, e.has_src_ip, e.src_ip);
    tab(out);
    append_port(out, e.has_src_port, e.src_port);
    tab(out);
    append_ip(out, e.has_dest_ip, e.dest_ip);
    tab(out);
    append_port(out, e.has_dest_port, e.dest_port);
    tab(out);
    e.has_proto ? append_text_field(out, proto_text(e.proto), fixed) : void(out += "\\N");
    tab(out);
    e.app_proto.empty() ? void(out += "\\N") : append_text_field(out, e.app_proto, fixed);
    for (uint64_t v : {e.pkts_toserver, e.pkts_toclient, e.bytes_toserver, e.bytes_toclient}) {
        tab(out);
        append_counter(out, v, fixed);
    }
    for (Timestamp t : {e.start, e.end, log_end, f.at}) {
        tab(out);
        append_ts(out, t);
    }
    tab(out);
    f.json.empty() ? void(out += "\\N") : append_json_field(out, f.json, fixed);
    out += '\n';
    return true;
}

LiveSql live_sql(const LiveConfig& live) {
    // Quoting is not needed: the names passed valid_identifier() (lower case, [a-z0-9_]).
    return {upsert_sql(live.table), log_sql(live.table, live.log.table),
            "DELETE FROM " + live.table + " t USING " + kLiveStageTable +
                " r WHERE r.op = 'r' AND t.sensor_id = r.sensor_id AND t.flow_id = r.flow_id"};
}

void create_live_stage(pqxx::connection_base& conn) {
    pqxx::nontransaction tx(conn, "eveflow_live_stage");
    const char* types[] = {"bigint",      "text",        "text",        "bigint", "inet",
                           "integer",     "inet",        "integer",     "text",   "text",
                           "bigint",      "bigint",      "bigint",      "bigint", "timestamptz",
                           "timestamptz", "timestamptz", "timestamptz", "jsonb"};
    static_assert(std::size(types) == std::size(kLiveStageColumns));
    std::string cols;
    for (size_t i = 0; i < std::size(types); ++i) {
        cols += (i ? ", " : "") + std::string(kLiveStageColumns[i]) + " " + types[i];
    }
    tx.exec("CREATE TEMP TABLE IF NOT EXISTS " + tx.quote_name(kLiveStageTable) + " (" + cols +
            ")");
}

uint64_t clear_live(pqxx::connection_base& conn, const LiveConfig& live,
                    const std::string& sensor_id) {
    pqxx::work tx(conn, "eveflow_live_clear");
    pqxx::result r = tx.exec_params(
        "DELETE FROM " + tx.quote_name(live.table) + " WHERE sensor_id = $1", sensor_id);
    tx.commit();
    return r.affected_rows();
}

}  // namespace eveflow::output::postgres
