// PostgreSQL sink configuration parsing and DSN helpers (libpq's own conninfo parser).
#include "output/postgres/config.h"

#include <libpq-fe.h>

#include <charconv>
#include <memory>

namespace eveflow::output::postgres {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr uint64_t kMaxBuffer = 64ull << 30;

// Quotes a conninfo value: single quotes, with \ and ' backslash-escaped (libpq's rule).
std::string conninfo_quote(std::string_view v) {
    std::string out = "'";
    for (char c : v) {
        if (c == '\\' || c == '\'') out += '\\';
        out += c;
    }
    out += '\'';
    return out;
}

using OptionsPtr = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

OptionsPtr parse_dsn(std::string_view dsn, std::string& error) {
    char* err = nullptr;
    std::string text(dsn);
    OptionsPtr opts(PQconninfoParse(text.c_str(), &err), &PQconninfoFree);
    if (!opts) {
        error = err ? err : "out of memory";
        while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
    }
    if (err) PQfreemem(err);
    return opts;
}

// Rebuilds keyword form from parsed options, with `password` replaced when `password` is set.
std::string rebuild(const PQconninfoOption* o, const std::string* password) {
    std::string out;
    bool has_password = false;
    for (; o->keyword; ++o) {
        std::string_view key = o->keyword;
        const char* val = o->val;
        if (key == "password") {
            has_password = true;
            if (password) val = password->c_str();
        }
        if (!val) continue;
        if (!out.empty()) out += ' ';
        out += key;
        out += '=';
        out += conninfo_quote(val);
    }
    if (password && !has_password) out += " password=" + conninfo_quote(*password);
    return out;
}

void parse_max_buffer(const ConfigNode& node, PostgresConfig& c) {
    auto text = node.str_opt("max_buffer");
    if (!text) return;
    std::string_view t = *text;
    constexpr std::string_view kRecords = "records";
    if (t.size() > kRecords.size() && t.substr(t.size() - kRecords.size()) == kRecords) {
        std::string_view num = t.substr(0, t.size() - kRecords.size());
        while (!num.empty() && num.back() == ' ') num.remove_suffix(1);
        uint64_t n = 0;
        auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
        if (ec == std::errc() && p == num.data() + num.size() && n >= 1 && n <= (1ull << 32)) {
            c.max_buffer_records = n;
            return;
        }
    } else if (auto bytes = parse_size(t); bytes && *bytes >= (1u << 20) && *bytes <= kMaxBuffer) {
        c.max_buffer_bytes = *bytes;
        return;
    }
    node.error("max_buffer",
               "must be a size from 1MiB to 64GiB such as 256MiB, or a record "
               "count such as \"500000 records\" (got \"" +
                   *text + "\")");
}

// The section's `key` (default `def`), checked to be a plain SQL identifier.
std::string table_name(const ConfigNode& node, const std::string& def, const char* key = "table") {
    std::string table = node.str(key, def);
    if (!valid_identifier(table)) {
        node.error(key,
                   "must be a lower-case SQL identifier [a-z_][a-z0-9_]*, at most 48 "
                   "characters (got \"" +
                       table + "\")");
    }
    return table;
}

// The keys a time-partitioned table has: raw events and the flow log alike.
void parse_partitioned(const ConfigNode& node, RawEventsConfig& r) {
    r.table = table_name(node, r.table);
    std::string p = node.choice("partition", "day", {"hour", "day", "week"});
    r.partition = p == "hour"   ? PartitionPeriod::kHour
                  : p == "week" ? PartitionPeriod::kWeek
                                : PartitionPeriod::kDay;
    r.retention = node.duration("retention", r.retention, hours(1), false);
    r.partitions_ahead = static_cast<int>(node.integer("partitions_ahead", 2, 0, 400));
}

void parse_raw_events(const ConfigNode& raw, RawEventsConfig& r) {
    r.types = raw.strings("types");
    parse_partitioned(raw, r);
    r.connections = static_cast<int>(raw.integer("connections", r.connections, 1, 16));
}

// `live_table` and `flow_log`: four tables that must all differ.
void parse_live(const ConfigNode& node, PostgresConfig& c) {
    if (node.has("live_table")) c.live.table = table_name(node, "", "live_table");
    if (node.has("flow_log")) {
        if (!c.live.enabled()) node.error("flow_log", "needs live_table");
        parse_partitioned(node.child("flow_log"), c.live.log);
    }
    if (!c.live.enabled()) return;
    const std::string taken = c.raw.types.empty() ? "" : c.raw.table;
    if (c.live.table == c.table || c.live.table == taken) {
        node.error("live_table", "must differ from the aggregate and raw events tables");
    }
    const std::string& log = c.live.log.table;
    if (log == c.table || log == taken || log == c.live.table) {
        node.error("flow_log", "table must differ from the aggregate, raw events and live tables");
    }
}

}  // namespace

bool valid_identifier(std::string_view name) {
    if (name.empty() || name.size() > 48) return false;
    if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) return false;
    for (char c : name) {
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    }
    return true;
}

std::string check_dsn(std::string_view dsn) {
    std::string error;
    auto opts = parse_dsn(dsn, error);
    return opts ? std::string() : error;
}

std::string mask_dsn(std::string_view dsn) {
    std::string error;
    auto opts = parse_dsn(dsn, error);
    if (!opts) return "<invalid dsn>";
    bool has_password = false;
    for (const PQconninfoOption* o = opts.get(); o->keyword; ++o) {
        if (std::string_view(o->keyword) == "password" && o->val) has_password = true;
    }
    const std::string masked = "***";
    return rebuild(opts.get(), has_password ? &masked : nullptr);
}

std::string dsn_with_password(std::string_view dsn, std::string_view password, std::string& error) {
    auto opts = parse_dsn(dsn, error);
    if (!opts) return {};
    const std::string pw(password);
    return rebuild(opts.get(), &pw);
}

std::string dsn_with_timeouts(std::string_view dsn, std::string& error) {
    auto opts = parse_dsn(dsn, error);
    if (!opts) return {};
    std::string out = rebuild(opts.get(), nullptr);
    const std::pair<const char*, const char*> defaults[] = {{"connect_timeout", "10"},
                                                            {"keepalives_idle", "30"},
                                                            {"keepalives_interval", "10"},
                                                            {"keepalives_count", "3"}};
    for (const auto& [key, value] : defaults) {
        bool set = false;
        for (const PQconninfoOption* o = opts.get(); o->keyword; ++o) {
            if (std::string_view(o->keyword) == key && o->val) set = true;
        }
        if (!set) out += std::string(" ") + key + "=" + value;
    }
    return out;
}

PostgresConfig parse_config(const ConfigNode& node) {
    PostgresConfig c;
    node.touch("type");
    c.name = node.str("name", "postgres");
    c.dsn = node.required_str("dsn");
    if (!c.dsn.empty()) {
        if (std::string err = check_dsn(c.dsn); !err.empty()) {
            node.error("dsn", "not a valid libpq connection string: " + err);
        }
    }
    c.password_file = node.str("password_file", "");
    c.table = table_name(node, c.table);
    if (node.has("raw_events")) parse_raw_events(node.child("raw_events"), c.raw);
    if (!c.raw.types.empty() && c.raw.table == c.table) {
        node.error("raw_events", "table must differ from the aggregate table \"" + c.table + "\"");
    }
    parse_live(node, c);
    c.batch_size = static_cast<size_t>(node.integer("batch_size", 10000, 1, 1000000));
    c.flush_interval = node.duration("flush_interval", c.flush_interval, milliseconds(10), false);
    parse_max_buffer(node, c);
    c.spill_dir = node.str("spill_dir", "");
    c.spill_dir_key = node.path() + ".spill_dir";
    c.spill_max_bytes = node.size("spill_max", c.spill_max_bytes, 1u << 20, 1ull << 40);
    c.on_full = parse_on_full(node, OnFull::kBlock);
    c.reconnect_backoff_max =
        node.duration("reconnect_backoff_max", c.reconnect_backoff_max, milliseconds(100), false);
    return c;
}

}  // namespace eveflow::output::postgres
