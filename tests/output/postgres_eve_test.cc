// PostgreSQL sink over the real EVE files: rows compared with tests/e2e/reference.py.
#include <simdjson.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "input/eve/eve_batcher.h"
#include "output/postgres/copy_text.h"
#include "output/postgres/jsonb_order.h"
#include "processing/flow_aggregate/flow_aggregate.h"
#include "tests/output/postgres_test_util.h"

namespace eveflow::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> eve_files() {
    std::vector<std::string> files;
    const fs::path dir = fs::path(EVEFLOW_SHARED_DATA) / "eve";
    if (!fs::exists(dir)) return files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        const std::string p = e.path().string();
        if (e.is_regular_file() && p.size() > 5 && p.substr(p.size() - 5) == ".json") {
            files.push_back(p);
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    return out;
}

std::vector<std::string> lines_of(const std::string& text, char tag) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string line = text.substr(pos, nl - pos);
        if (!line.empty() && line[0] == tag) out.push_back(line.substr(2));
        pos = nl == std::string::npos ? text.size() : nl + 1;
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The reference's aggregates and event counts as sorted tab-separated lines; counters times
// `times` (the sink gets every aggregate that many times).
std::string reference(const std::vector<std::string>& files, int times) {
    std::string cmd =
        "/usr/bin/python3 " EVEFLOW_SOURCE_DIR "/tests/e2e/reference.py --sensor-id sensor-a";
    for (const auto& f : files) cmd += " '" + f + "'";
    cmd +=
        " | /usr/bin/python3 -c '\nimport json, sys\nd = json.load(sys.stdin)\nt = " +
        std::to_string(times) +
        "\nfor k, n in d[\"events\"].items(): print(\"E\\t%s\\t%d\" % (k, n))\n"
        "for k, n in d[\"events_by_sensor\"].items(): print(\"S\\t%s\\t%d\" % (k, n))\n"
        "for a in d[\"aggregates\"]:\n"
        "    print(\"A\\t\" + \"\\t\".join(str(x) for x in [a[\"window_start\"], a[\"window_end\"],"
        " a[\"sensor_id\"],"
        " a[\"src_ip\"], a[\"dest_ip\"], a[\"dest_port\"], a[\"proto\"], a[\"flows\"] * t,"
        " a[\"src_ports\"], a[\"pkts_toserver\"] * t, a[\"pkts_toclient\"] * t,"
        " a[\"bytes_toserver\"] * t, a[\"bytes_toclient\"] * t, a[\"first_seen\"],"
        " a[\"last_seen\"]]))\n'";
    return run(cmd);
}

struct Collect : processing::Emitter {
    std::vector<Record> records;
    void emit(processing::SinkId, Record&& r) override { records.push_back(std::move(r)); }
};

// Reads the files with eveflow's EVE reader, aggregates flows with its handler (no lateness,
// so each window is emitted whole), and returns the aggregates followed by every raw event.
// With `shards` > 1, flows are dealt round-robin to that many handlers, as consumers of one
// Kafka topic would see them: each emits partial aggregates of the same windows and keys.
std::vector<Record> records_of(const std::vector<std::string>& files, size_t shards = 1) {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "sensor-a"};
    processing::HandlerContext hctx{ctx, {0}};
    OutputSection section(
        "{type: flow_aggregate, allowed_lateness: 3650000d, "
        "max_keys: 10000000}",
        "handlers[0]");
    std::vector<std::unique_ptr<processing::Handler>> handlers;
    for (size_t i = 0; i < shards; ++i) {
        handlers.push_back(std::make_unique<processing::FlowAggregate>(
            processing::parse_flow_aggregate_config(section.node), hctx));
    }
    size_t next = 0;
    input::EveCounters counters(stats, "eve_file");
    Collect out;
    std::vector<Record> raw;
    for (const auto& f : files) {
        input::EveBatcher batcher(counters);
        batcher.feed(read_file(f));
        batcher.finish();
        EventBatch batch;
        while (batcher.pop(batch)) {
            for (const Event& e : batch.events) {
                if (e.type == EventType::kFlow && e.aggregatable) {
                    handlers[next++ % shards]->consume(e, out);
                }
                RawEvent r;
                r.type = e.type;
                r.type_name = std::string(e.type_name);
                r.line = std::string(e.raw);
                r.fields = e.fields;
                r.fields.app_proto = {};
                r.fields.in_iface = {};
                r.fields.host = {};
                r.sensor_id = std::string(e.fields.host);
                raw.push_back(std::move(r));
            }
        }
    }
    for (auto& h : handlers) h->flush(Timestamp::max(), out);
    std::vector<Record> all = std::move(out.records);
    for (auto& r : raw) all.push_back(std::move(r));
    return all;
}

const char* kAggregateQuery =
    "SELECT to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "to_char(window_end AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), sensor_id, "
    "host(src_ip), "
    "host(dest_ip), dest_port, proto, flows, src_ports, pkts_toserver, pkts_toclient, "
    "bytes_toserver, bytes_toclient, "
    "to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
    "FROM flow_aggregate";

void run_over_eve_files(int times, size_t shards = 1) {
    auto files = eve_files();
    if (files.empty()) GTEST_SKIP() << "no EVE files under " EVEFLOW_SHARED_DATA "/eve";
    const std::string ref = reference(files, times);
    ASSERT_FALSE(lines_of(ref, 'A').empty()) << "reference.py gave no aggregates";
    std::vector<Record> records = records_of(files, shards);
    PgSchema db;
    PgSinkHarness h(
        "{type: postgres, dsn: {dsn}, batch_size: 3000,"
        " raw_events: {types: [all], retention: 36500d}}",
        db.dsn);
    h.sink->open();
    for (int t = 0; t < times; ++t) {
        std::vector<Record> part;
        for (const Record& r : records) {
            if (t > 0 && std::holds_alternative<RawEvent>(r)) continue;
            part.push_back(r);
            if (t > 0) std::get<AggregateRecord>(part.back()).late = true;
            if (part.size() == 1000) {
                ASSERT_TRUE(h.sink->write(part).ok());
                part.clear();
            }
        }
        ASSERT_TRUE(h.sink->write(part).ok());
    }
    ASSERT_TRUE(h.sink->close().ok());
    EXPECT_EQ(h.metric("eveflow_postgres_rows_rejected_total"), 0);

    std::vector<std::string> rows = db.rows(kAggregateQuery);
    std::sort(rows.begin(), rows.end());
    std::vector<std::string> want = lines_of(ref, 'A');
    EXPECT_EQ(rows.size(), want.size());
    std::vector<std::string> missing, extra;
    std::set_difference(want.begin(), want.end(), rows.begin(), rows.end(),
                        std::back_inserter(missing));
    std::set_difference(rows.begin(), rows.end(), want.begin(), want.end(),
                        std::back_inserter(extra));
    EXPECT_TRUE(missing.empty() && extra.empty())
        << missing.size() << " reference rows missing, e.g. " << (missing.empty() ? "" : missing[0])
        << "\n"
        << extra.size() << " unexpected rows, e.g. " << (extra.empty() ? "" : extra[0]);

    std::vector<std::string> counts =
        db.rows("SELECT event_type, count(*) FROM eve_raw GROUP BY 1");
    std::sort(counts.begin(), counts.end());
    EXPECT_EQ(counts, lines_of(ref, 'E'));
    counts = db.rows("SELECT sensor_id, count(*) FROM eve_raw GROUP BY 1");
    std::sort(counts.begin(), counts.end());
    EXPECT_EQ(counts, lines_of(ref, 'S'));
}

TEST(PostgresEve, RowsEqualTheReferenceAggregatesAndEventCounts) {
    EVEFLOW_REQUIRE_PG();
    run_over_eve_files(1);
}

// Each aggregate is sent twice, the second time as a late partial: the merge must add every
// counter (reference times two) and keep flows' first/last times and src_ports (the union of
// a set with itself).
TEST(PostgresEve, LatePartialsOfRealAggregatesAddUp) {
    EVEFLOW_REQUIRE_PG();
    run_over_eve_files(2);
}

// Flows dealt to three aggregators: their partial records of one (window, key) overlap in
// source ports, and the merged rows must still equal the reference, src_ports included.
TEST(PostgresEve, PartialsOfSeveralAggregatorsMergeToTheReference) {
    EVEFLOW_REQUIRE_PG();
    run_over_eve_files(1, 3);
}

// The payloads the sink sends are rewritten into jsonb's key order: the server, not this
// project's code, says each has the value of the line as received.
TEST(PostgresEve, PayloadsInJsonbOrderHaveTheValueOfTheLine) {
    EVEFLOW_REQUIRE_PG();
    const auto files = eve_files();
    if (files.empty()) GTEST_SKIP() << "no EVE files under " EVEFLOW_SHARED_DATA "/eve";
    PgSchema schema;
    PgSchema::exec(schema.dsn, "CREATE TABLE pairs (line text, sent text)");
    simdjson::dom::parser parser;
    int64_t lines = 0;
    {
        pqxx::connection c(schema.dsn);
        pqxx::work tx(c);
        for (const auto& f : files) {
            std::ifstream in(f);
            for (std::string line; std::getline(in, line);) {
                simdjson::dom::element doc;
                if (parser.parse(line).get(doc) != simdjson::SUCCESS) continue;
                // What jsonb refuses (\u0000, invalid UTF-8) made safe in both, as the sink does.
                output::postgres::Sanitised fixed;
                std::string safe, sent;
                output::postgres::append_json_field(safe, line, fixed,
                                                    output::postgres::Escaping::kNone);
                output::postgres::append_json_field(sent, output::postgres::in_jsonb_order(line),
                                                    fixed, output::postgres::Escaping::kNone);
                tx.exec_params("INSERT INTO pairs VALUES ($1, $2)", safe, sent);
                ++lines;
            }
        }
        tx.commit();
    }
    ASSERT_GT(lines, 1000);
    EXPECT_EQ(schema.scalar("SELECT count(*) FROM pairs WHERE line::jsonb = sent::jsonb"), lines);
    // And the rewrite did reorder: most lines differ as text.
    EXPECT_GT(schema.scalar("SELECT count(*) FROM pairs WHERE line <> sent"), lines / 2);
}

}  // namespace
}  // namespace eveflow::testing
