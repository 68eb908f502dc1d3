// PostgreSQL sink: partial aggregates of one (window, key) merge to the exact distinct source
// ports, on every write path, and rows from before the port-set column still merge.
#include <map>
#include <random>
#include <set>

#include "output/postgres/batch_writer.h"
#include "output/postgres/copy_text.h"
#include "tests/output/postgres_test_util.h"

namespace eveflow::testing {
namespace {

using output::postgres::BatchWriter;
using output::postgres::Chunk;
using Outcome = BatchWriter::Outcome;

std::string joined(const std::set<uint16_t>& ports) {
    std::string out;
    for (uint16_t p : ports) {
        if (!out.empty()) out += ',';
        out += std::to_string(p);
    }
    return out;
}

// Random port lists drawn from a range that partials of one key share, so they overlap.
std::vector<uint16_t> random_ports(std::mt19937_64& rng, int lo, int hi, int n) {
    std::uniform_int_distribution<int> port(lo, hi);
    std::set<uint16_t> s;
    for (int i = 0; i < n; ++i) s.insert(static_cast<uint16_t>(port(rng)));
    return {s.begin(), s.end()};
}

struct Writer {
    explicit Writer(const std::string& dsn)
        : w(config(dsn), dsn, {&c, &c, &c, &c, &c, &c, &c, &c, {&c, &c, &c}, &c, &g}) {}
    const output::postgres::PostgresConfig& config(const std::string& dsn) {
        cfg.dsn = dsn;
        return cfg;
    }
    // One chunk of `recs`; `late` sends it straight to the merge (the sink's has_late).
    Outcome deliver(const std::vector<AggregateRecord>& recs, bool late) {
        Chunk chunk;
        chunk.batch_id = "b";
        chunk.batch_id += std::to_string(next_id++);
        output::postgres::Sanitised fixed;
        for (const auto& r : recs) {
            EXPECT_TRUE(append_aggregate_row(chunk.aggregates, r, "s", fixed));
        }
        chunk.aggregate_rows = static_cast<uint32_t>(recs.size());
        chunk.has_late = late;
        return w.deliver(chunk);
    }
    output::postgres::PostgresConfig cfg;  // before w, which keeps a reference
    Stats stats;
    Counter& c = stats.counter("c", "c");
    Gauge& g = stats.gauge("g", "g");
    BatchWriter w;
    int next_id = 0;
};

// Four partials per key, through the three ways a chunk lands: COPY straight into the table
// (all rows new), COPY into the stage then a merge that sums duplicate keys first (two
// partials of a key in one chunk), and the direct merge of a late chunk. Expected: per key
// the union of the lists, computed here with std::set.
TEST(PostgresMerge, OverlappingPartialsMergeToTheExactDistinctCount) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    Writer w(db.dsn);
    std::mt19937_64 rng(11);
    // Per key: the range its ports come from and the ports per partial (up to a scan's size).
    struct Shape {
        int lo, hi, n;
    };
    const Shape shapes[] = {{1024, 1030, 3}, {0, 65535, 2000}, {40000, 43000, 1500},
                            {53, 53, 1},     {1, 200, 0},      {30000, 30100, 50}};
    std::map<std::string, std::set<uint16_t>> want;
    std::map<std::string, uint64_t> want_flows;
    std::map<std::string, uint64_t> want_active;  // flows_active: summed; keys without: NULL
    std::vector<AggregateRecord> chunks[3];
    for (size_t k = 0; k < std::size(shapes); ++k) {
        const std::string src = "10.0.0." + std::to_string(k + 1);
        for (int part = 0; part < 4; ++part) {
            AggregateRecord r = std::get<AggregateRecord>(aggregate(0, src.c_str(), 443, 1 + part));
            r.src_port_list = random_ports(rng, shapes[k].lo, shapes[k].hi, shapes[k].n);
            r.src_ports = r.src_port_list.size();
            want[src].insert(r.src_port_list.begin(), r.src_port_list.end());
            want_flows[src] += r.flows;
            // Every other key as meter records with interim updates (flows_active set).
            r.has_flows_active = k % 2 == 0;
            r.flows_active = r.has_flows_active ? 2 + part : 0;
            if (r.has_flows_active) want_active[src] += r.flows_active;
            chunks[part == 0 ? 0 : part < 3 ? 1 : 2].push_back(std::move(r));
        }
    }
    EXPECT_EQ(w.deliver(chunks[0], false), Outcome::kCommitted);
    EXPECT_EQ(w.deliver(chunks[1], false), Outcome::kCommitted);
    EXPECT_EQ(w.deliver(chunks[2], true), Outcome::kCommitted);

    std::vector<std::string> expected;
    for (const auto& [src, ports] : want) {
        const auto active = want_active.find(src);
        expected.push_back(src + "\t" + std::to_string(want_flows[src]) + "\t" +
                           std::to_string(ports.size()) + "\t" + joined(ports) + "\t" +
                           (active == want_active.end() ? "none" : std::to_string(active->second)));
    }
    EXPECT_EQ(db.rows("SELECT host(src_ip), flows, src_ports, array_to_string(src_port_set, ','), "
                      "coalesce(flows_active::text, 'none') FROM flow_aggregate ORDER BY 1"),
              expected);
    EXPECT_EQ(w.stats.sum("c"), 0);  // no error, no rejected row, no duplicate
}

// src_host, dest_host and dest_name (schema version 6) are not key columns: partials of a key
// with and without names merge into one row, on every write path; a known name replaces the
// row's, an unknown (NULL) one keeps it; a key that never had one stays NULL.
TEST(PostgresMerge, NamesAreNotKeyColumns) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    Writer w(db.dsn);
    auto rec = [](const char* src, const char* src_host, const char* dest_host,
                  const char* dest_name) {
        AggregateRecord r = std::get<AggregateRecord>(aggregate(0, src, 443, 1));
        r.src_host = src_host;
        r.dest_host = dest_host;
        r.dest_name = dest_name;
        return r;
    };
    EXPECT_EQ(w.deliver({rec("10.0.0.1", "old.lan", "", ""), rec("10.0.0.2", "", "", "")}, false),
              Outcome::kCommitted);
    EXPECT_EQ(
        w.deliver({rec("10.0.0.1", "a.lan", "", ""), rec("10.0.0.1", "", "b.lan", "")}, false),
        Outcome::kCommitted);
    EXPECT_EQ(w.deliver({rec("10.0.0.1", "", "", "www.example.org")}, true), Outcome::kCommitted);
    EXPECT_EQ(db.rows("SELECT host(src_ip), flows, coalesce(src_host, 'none'), "
                      "coalesce(dest_host, 'none'), coalesce(dest_name, 'none') "
                      "FROM flow_aggregate ORDER BY 1"),
              (std::vector<std::string>{"10.0.0.1\t4\ta.lan\tb.lan\twww.example.org",
                                        "10.0.0.2\t1\tnone\tnone\tnone"}));
    EXPECT_EQ(db.rows("SELECT max(version) FROM eveflow_schema_migrations "
                      "WHERE object = 'aggregate:flow_aggregate'"),
              std::vector<std::string>{"6"});
    EXPECT_EQ(w.stats.sum("c"), 0);
}

// A table of schema version 1 (no port sets) is upgraded at start; its rows have no set, so a
// partial merged into one keeps the greater count (a lower bound) and no set, while new rows
// get exact sets.
TEST(PostgresMerge, RowsFromBeforeThePortSetColumnMergeByGreatest) {
    EVEFLOW_REQUIRE_PG();
    PgSchema db;
    {
        Writer w(db.dsn);
        ASSERT_TRUE(w.w.connect());
    }
    // Back to version 1, with one row written then.
    PgSchema::exec(db.dsn,
                   "ALTER TABLE flow_aggregate DROP COLUMN src_port_set;"
                   "DELETE FROM eveflow_schema_migrations WHERE version >= 2 AND "
                   "object = 'aggregate:flow_aggregate';"
                   "INSERT INTO flow_aggregate (window_start, window_end, sensor_id, src_ip, "
                   "dest_ip, dest_port, proto, flows, src_ports, pkts_toserver, pkts_toclient, "
                   "bytes_toserver, bytes_toclient) VALUES ('1970-01-01Z', '1970-01-01 00:01Z', "
                   "'s', '10.0.0.1', '192.0.2.1', 443, 'TCP', 7, 6, 0, 0, 0, 0)");
    Writer w(db.dsn);
    AggregateRecord small = std::get<AggregateRecord>(aggregate(0, "10.0.0.1", 443, 2));
    small.src_port_list = {1, 2, 3};
    small.src_ports = 3;
    AggregateRecord big = small;
    big.src_port_list = {1, 2, 3, 4, 5, 6, 7, 8};
    big.src_ports = 8;
    AggregateRecord fresh = std::get<AggregateRecord>(aggregate(0, "10.0.0.2", 443, 2));
    fresh.src_port_list = {9, 10};
    fresh.src_ports = 2;
    EXPECT_EQ(w.deliver({small, fresh}, true), Outcome::kCommitted);
    EXPECT_EQ(w.deliver({big}, true), Outcome::kCommitted);
    EXPECT_EQ(db.rows("SELECT host(src_ip), flows, src_ports, array_to_string(src_port_set, ',') "
                      "FROM flow_aggregate ORDER BY 1"),
              (std::vector<std::string>{"10.0.0.1\t11\t8\t\\N", "10.0.0.2\t2\t2\t9,10"}));
    EXPECT_EQ(db.scalar("SELECT max(version) FROM eveflow_schema_migrations WHERE object = "
                        "'aggregate:flow_aggregate'"),
              6);
}

}  // namespace
}  // namespace eveflow::testing
