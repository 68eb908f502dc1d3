// PostgreSQL sink, without a server: config checks, DSN masking, COPY text, partition names.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>

#include "output/postgres/config.h"
#include "output/postgres/copy_text.h"
#include "output/postgres/schema.h"
#include "output/postgres/spill.h"
#include "tests/output/test_util.h"

namespace eveflow::output::postgres {
namespace {

using testing::OutputSection;
using testing::TempDir;

std::vector<std::string> errors_of(const std::string& yaml) {
    OutputSection s(yaml);
    parse_config(s.node);
    return s.errors();
}

TEST(PostgresConfig, DefaultsFromTheIssue) {
    OutputSection s("{type: postgres, dsn: 'host=127.0.0.1 dbname=eveflow'}");
    PostgresConfig c = parse_config(s.node);
    EXPECT_TRUE(s.errors().empty());
    EXPECT_EQ(c.table, "flow_aggregate");
    EXPECT_EQ(c.name, "postgres");
    EXPECT_EQ(c.batch_size, 10000u);
    EXPECT_EQ(c.flush_interval, std::chrono::seconds(1));
    EXPECT_EQ(c.raw.table, "eve_raw");
    EXPECT_EQ(c.raw.partition, PartitionPeriod::kDay);
    EXPECT_EQ(c.raw.retention, std::chrono::hours(24 * 14));
    EXPECT_TRUE(c.raw.types.empty());
    EXPECT_EQ(c.raw.connections, 2);
    EXPECT_EQ(c.on_full, OnFull::kBlock);
}

TEST(PostgresConfig, ReadsEveryKey) {
    OutputSection s(R"({type: postgres, name: pg1, dsn: 'dbname=x', password_file: /etc/pw,
        table: agg_1, batch_size: 500, flush_interval: 250ms, max_buffer: 1000 records,
        on_full: drop, reconnect_backoff_max: 5s, spill_dir: /var/spool/eveflow, spill_max: 2GiB,
        raw_events: {types: [alert, dns], table: raw_1, partition: hour, retention: 2d,
                     partitions_ahead: 5, connections: 4}})");
    PostgresConfig c = parse_config(s.node);
    EXPECT_TRUE(s.errors().empty()) << s.errors()[0];
    EXPECT_EQ(c.name, "pg1");
    EXPECT_EQ(c.password_file, "/etc/pw");
    EXPECT_EQ(c.table, "agg_1");
    EXPECT_EQ(c.batch_size, 500u);
    EXPECT_EQ(c.max_buffer_records, 1000u);
    EXPECT_EQ(c.on_full, OnFull::kDrop);
    EXPECT_EQ(c.spill_dir, "/var/spool/eveflow");
    EXPECT_EQ(c.spill_max_bytes, 2ull << 30);
    EXPECT_EQ(c.raw.types, (std::vector<std::string>{"alert", "dns"}));
    EXPECT_EQ(c.raw.partition, PartitionPeriod::kHour);
    EXPECT_EQ(c.raw.retention, std::chrono::hours(48));
    EXPECT_EQ(c.raw.partitions_ahead, 5);
    EXPECT_EQ(c.raw.connections, 4);
}

TEST(PostgresConfig, RawConnectionsAreBounded) {
    for (const char* n : {"0", "17", "two"}) {
        auto e = errors_of(std::string("{type: postgres, dsn: 'dbname=x', raw_events: {types: "
                                       "[dns], connections: ") +
                           n + "}}");
        ASSERT_EQ(e.size(), 1u) << n;
        EXPECT_NE(e[0].find("raw_events.connections"), std::string::npos) << e[0];
    }
}

TEST(PostgresConfig, MaxBufferAsSize) {
    OutputSection s("{type: postgres, dsn: 'dbname=x', max_buffer: 64MiB}");
    PostgresConfig c = parse_config(s.node);
    EXPECT_EQ(c.max_buffer_bytes, 64u << 20);
    EXPECT_EQ(c.max_buffer_records, 0u);
}

TEST(PostgresConfig, DsnIsRequired) {
    auto e = errors_of("{type: postgres}");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_NE(e[0].find("outputs[0].dsn"), std::string::npos) << e[0];
}

TEST(PostgresConfig, InvalidDsnIsReportedByLibpq) {
    auto e = errors_of("{type: postgres, dsn: 'host=x nosuchkey=1'}");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_NE(e[0].find("not a valid libpq connection string"), std::string::npos) << e[0];
    EXPECT_NE(e[0].find("nosuchkey"), std::string::npos) << e[0];
}

TEST(PostgresConfig, TableNamesAreValidated) {
    auto e = errors_of(
        "{type: postgres, dsn: 'dbname=x', table: 'x; DROP TABLE y',"
        " raw_events: {types: [dns], table: 'Raw\"'}}");
    ASSERT_EQ(e.size(), 2u);
    EXPECT_NE(e[0].find("outputs[0].table: must be a lower-case SQL identifier"), std::string::npos)
        << e[0];
    EXPECT_NE(e[1].find("outputs[0].raw_events.table"), std::string::npos) << e[1];
}

TEST(PostgresConfig, BadValuesAreAllReported) {
    auto e = errors_of(
        "{type: postgres, dsn: 'dbname=x', on_full: wait, batch_size: 0,"
        " max_buffer: lots, raw_events: {partition: month, retention: 5m},"
        " colour: red}");
    EXPECT_EQ(e.size(), 6u);
    std::string all;
    for (const auto& s : e) all += s + "\n";
    for (const char* key : {"on_full", "batch_size", "max_buffer", "raw_events.partition",
                            "raw_events.retention", "colour"}) {
        EXPECT_NE(all.find(key), std::string::npos) << key << " not in\n" << all;
    }
}

TEST(PostgresDsn, PasswordIsMasked) {
    EXPECT_EQ(mask_dsn("host=db password=s3cret dbname=e"),
              "password='***' dbname='e' host='db'");  // libpq's keyword order
    std::string masked = mask_dsn("postgresql://u:s3cret@db:5433/e");
    EXPECT_EQ(masked.find("s3cret"), std::string::npos) << masked;
    EXPECT_NE(masked.find("password='***'"), std::string::npos) << masked;
    EXPECT_EQ(mask_dsn("host=db"), "host='db'");
    EXPECT_EQ(mask_dsn("host='unterminated"), "<invalid dsn>");
}

TEST(PostgresDsn, PasswordFromFileIsQuoted) {
    std::string error;
    std::string dsn = dsn_with_password("host=db user=u", "it's\\x", error);
    EXPECT_TRUE(error.empty());
    EXPECT_EQ(dsn, "user='u' password='it\\'s\\\\x' host='db'");
}

TEST(PostgresDsn, TimeoutsAreAddedUnlessSet) {
    std::string error;
    EXPECT_EQ(dsn_with_timeouts("host=db connect_timeout=3", error),
              "connect_timeout='3' host='db' keepalives_idle=30 keepalives_interval=10 "
              "keepalives_count=3");
    EXPECT_TRUE(error.empty());
}

TEST(PostgresCopyText, EscapesCopyMetacharacters) {
    Sanitised f;
    std::string out;
    append_text_field(out, "a\tb\nc\\d\re", f);
    EXPECT_EQ(out, "a\\tb\\nc\\\\d\\re");
}

TEST(PostgresCopyText, RepairsInvalidUtf8AndNul) {
    Sanitised f;
    std::string out;
    append_text_field(out, std::string("ok\xC3\xA9 \xFF x\0y \xED\xA0\x80", 14), f);
    EXPECT_EQ(out, "ok\xC3\xA9 \xEF\xBF\xBD x\xEF\xBF\xBDy \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(f.invalid_utf8, 4u);  // 0xFF and the three bytes of an encoded surrogate
    EXPECT_EQ(f.nul, 1u);
}

TEST(PostgresCopyText, JsonEscapesJsonbRefuses) {
    Sanitised f;
    std::string out;
    append_json_field(out, R"({"a":"x\u0000y","b":"\\u0000","c":"\ud83d\ude00","d":"\udc00"})", f);
    // In COPY text every JSON backslash is doubled.
    EXPECT_EQ(out, R"({"a":"x\\ufffdy","b":"\\\\u0000","c":"\\ud83d\\ude00","d":"\\ufffd"})");
    EXPECT_EQ(f.nul, 1u);
    EXPECT_EQ(f.bad_escape, 1u);
}

TEST(PostgresCopyText, UnescapedFieldsForBinaryCopyKeepTheirBytes) {
    Sanitised f;
    std::string out;
    append_text_field(out, std::string("a\tb\nc\\d\re\0", 10), f, Escaping::kNone);
    EXPECT_EQ(out, "a\tb\nc\\d\re\xEF\xBF\xBD");
    EXPECT_EQ(f.nul, 1u);
    out.clear();
    append_json_field(out, R"({"a":"x\u0000y","b":"\\u0000","c":"\ud83d\ude00","d":"\udc00"})", f,
                      Escaping::kNone);
    // The JSON text itself: only what jsonb refuses is replaced.
    EXPECT_EQ(out, R"({"a":"x\ufffdy","b":"\\u0000","c":"\ud83d\ude00","d":"\ufffd"})");
    EXPECT_EQ(f.nul, 2u);
    EXPECT_EQ(f.bad_escape, 1u);
}

// The row layout of PostgreSQL's binary COPY: a field count, then each field's length (-1 for
// NULL) and bytes, in network order.
TEST(PostgresCopyBinary, RowLayoutAndRowBoundaries) {
    RawEvent e;
    e.type_name = "dns";
    e.line = R"({"x":1})";
    e.fields.src_ip = *IpAddr::parse("10.1.2.3");
    e.fields.has_src_ip = true;
    e.fields.dest_ip = *IpAddr::parse("2001:db8::1");
    e.fields.has_dest_ip = true;
    e.fields.dest_port = 53;
    e.fields.has_dest_port = true;
    e.fields.flow_id = 7;
    Sanitised f;
    std::string one;
    append_raw_row_binary(one, e, Timestamp::from_us(946684800LL * 1000000 + 1), "s", f);
    using namespace std::string_literals;
    const std::string want =
        "\0\x0b"s                        // 11 fields
        "\0\0\0\x08\0\0\0\0\0\0\0\x01"s  // ts: 1 us after 2000
        "\0\0\0\x03"
        "dns"s                                       // event_type
        "\0\0\0\x01s"s                               // sensor_id
        "\0\0\0\x08\x02\x20\0\x04\x0a\x01\x02\x03"s  // inet 10.1.2.3/32
        "\xff\xff\xff\xff"s                          // src_port NULL
        "\0\0\0\x14\x03\x80\0\x10\x20\x01\x0d\xb8"s
        "\0\0\0\0\0\0\0\0\0\0\0\x01"s    // inet 2001:db8::1/128
        "\0\0\0\x04\0\0\0\x35"s          // dest_port 53
        "\xff\xff\xff\xff"s              // proto NULL
        "\0\0\0\x08\0\0\0\0\0\0\0\x07"s  // flow_id 7
        "\0\0\0\x08\x01{\"x\":1}"s       // jsonb version 1
        "\xff\xff\xff\xff"s;             // community_id NULL
    EXPECT_EQ(one, want);
    std::string three = one + one + one;
    EXPECT_EQ(binary_rows_size(three, 0), 0u);
    EXPECT_EQ(binary_rows_size(three, 2), 2 * one.size());
    EXPECT_EQ(binary_rows_size(three, 3), three.size());
    EXPECT_EQ(binary_rows_size(three, 4), std::string_view::npos);
    EXPECT_EQ(binary_rows_size(three.substr(0, three.size() - 1), 3), std::string_view::npos);
    EXPECT_EQ(binary_row_payload(three), R"({"x":1})");
    EXPECT_EQ(binary_copy_header(), std::string_view("PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0", 19));
}

TEST(PostgresCopyText, AggregateRowOmitsFieldsOutsideTheKey) {
    AggregateRecord r;
    r.window_start = Timestamp::from_us(0);
    r.window_end = Timestamp::from_us(60000000);
    r.src_ip = *IpAddr::parse("10.0.0.1");
    r.dest_ip = *IpAddr::parse("2001:db8::1");
    r.dest_port = 53;
    r.proto = 17;
    r.flows = 2;
    r.src_ports = 1;
    r.bytes_toclient = ~0ull;
    r.first_seen = r.window_start;
    r.last_seen = r.window_end;
    Sanitised f;
    std::string out;
    ASSERT_TRUE(append_aggregate_row(out, r, "s1", f));
    EXPECT_EQ(out,
              "1970-01-01T00:00:00.000000Z\t1970-01-01T00:01:00.000000Z\ts1\t10.0.0.1\t"
              "2001:db8::1\t53\tUDP\t2\t1\t0\t0\t0\t9223372036854775807\t"
              "1970-01-01T00:00:00.000000Z\t1970-01-01T00:01:00.000000Z\t\\N\t\\N\t\\N\t\\N\t"
              "\\N"         // src_port_set unknown: the list does not hold src_ports ports
              "\t\\N\t\\N"  // no process names
              "\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N"  // no enriched field
              "\t\\N"                                // no flows_active
              "\t\\N\t\\N\t\\N\n");                  // no names
    EXPECT_EQ(f.out_of_range, 1u);
}

TEST(PostgresCopyText, AggregateRowCarriesThePortSetAsAnArray) {
    AggregateRecord r;
    r.window_start = Timestamp::from_us(0);
    r.window_end = Timestamp::from_us(60000000);
    auto last_field = [&] {
        Sanitised f;
        std::string out;
        EXPECT_TRUE(append_aggregate_row(out, r, "s1", f));
        EXPECT_EQ(std::count(out.begin(), out.end(), '\t') + 1,
                  static_cast<long>(std::size(kAggregateColumns)));
        // The src_port_set field (the process name columns follow it).
        size_t at = 0;
        for (size_t i = 0; kAggregateColumns[i] != std::string_view("src_port_set"); ++i)
            at = out.find('\t', at) + 1;
        return out.substr(at, out.find('\t', at) - at);
    };
    EXPECT_EQ(last_field(), "{}");  // no ports: the empty set
    r.src_port_list = {0, 53, 1024, 65535};
    r.src_ports = 4;
    EXPECT_EQ(last_field(), "{0,53,1024,65535}");
    r.src_ports = 5;
    EXPECT_EQ(last_field(), "\\N");
}

// A batch spilled by a version with fewer aggregate columns (version 1: without src_port_set,
// the process names and the enriched columns; versions 2 and 3: without the last two) is read with
// those columns NULL (set unknown, no process key), the way a current row without them is rendered.
void expect_old_spill_gains_null_columns(const char* magic, int missing) {
    AggregateRecord r;
    r.window_start = Timestamp::from_us(0);
    r.window_end = Timestamp::from_us(60000000);
    r.flows = r.src_ports = 1;  // no list: unknown set
    Sanitised f;
    std::string now;
    ASSERT_TRUE(append_aggregate_row(now, r, "s1", f));
    ASSERT_TRUE(append_aggregate_row(now, r, "s2", f));
    std::string before;  // the same rows without their last `missing` fields
    for (size_t pos = 0; pos < now.size();) {
        const size_t nl = now.find('\n', pos);
        size_t end = nl;
        for (int i = 0; i < missing; ++i) end = now.rfind('\t', end - 1);
        before += now.substr(pos, end - pos) + "\n";
        pos = nl + 1;
    }
    TempDir dir;
    testing::write_file(
        dir / "000000000000-old.batch",
        std::string(magic) + " old 2 0 0 " + std::to_string(before.size()) + " 0 0\n" + before);
    output::postgres::SpillDir spill(dir.path, 1 << 20);
    spill.open();
    auto path = spill.oldest();
    ASSERT_TRUE(path.has_value());
    output::postgres::Chunk c;
    ASSERT_TRUE(spill.read(*path, c));
    EXPECT_EQ(c.batch_id, "old");
    EXPECT_EQ(c.aggregate_rows, 2u);
    EXPECT_EQ(c.aggregates, now) << magic;
}

TEST(PostgresSpill, VersionOneFilesGainTheNullPortSetColumn) {
    expect_old_spill_gains_null_columns("eveflow-postgres-batch-1", 14);
}

TEST(PostgresSpill, VersionThreeFilesGainTheNullProcessAndEnrichedColumns) {
    expect_old_spill_gains_null_columns("eveflow-postgres-batch-3", 13);
}

TEST(PostgresSpill, VersionFourFilesGainTheNullNameColumns) {
    expect_old_spill_gains_null_columns("eveflow-postgres-batch-4", 3);
}

TEST(PostgresCopyText, AggregateRowCarriesTheNames) {
    AggregateRecord r;
    r.window_start = Timestamp::from_us(0);
    r.window_end = Timestamp::from_us(60000000);
    r.src_host = "host-a.lan";
    r.dest_name = "tab\there";
    Sanitised f;
    std::string out;
    ASSERT_TRUE(append_aggregate_row(out, r, "s1", f));
    const std::string tail = "\thost-a.lan\t\\N\ttab\\there\n";
    ASSERT_GE(out.size(), tail.size());
    EXPECT_EQ(out.substr(out.size() - tail.size()), tail);
    EXPECT_EQ(std::count(out.begin(), out.end(), '\t') + 1,
              static_cast<long>(std::size(kAggregateColumns)));
}

// Raw rows spilled by a version before binary COPY are COPY text: the chunk says so.
TEST(PostgresSpill, VersionTwoFilesHoldRawRowsAsText) {
    RawEvent e;
    e.type_name = "dns";
    e.line = "{}";
    Sanitised f;
    std::string text;
    append_raw_row(text, e, Timestamp::from_us(0), "s1", f);
    // Version 2 rows lack the community_id column (read as NULL).
    const std::string v2 = text.substr(0, text.rfind('\t')) + "\n";
    TempDir dir;
    testing::write_file(
        dir / "000000000000-old.batch",
        "eveflow-postgres-batch-2 old 0 1 0 0 " + std::to_string(v2.size()) + " 1 0\n" + v2);
    output::postgres::SpillDir spill(dir.path, 1 << 20);
    spill.open();
    output::postgres::Chunk c;
    ASSERT_TRUE(spill.read(*spill.oldest(), c));
    EXPECT_TRUE(c.raw_text);
    EXPECT_EQ(c.raw, text);
    EXPECT_EQ(c.partitions, std::vector<int64_t>{0});
    // A batch spilled now keeps its binary rows.
    output::postgres::Chunk now;
    now.batch_id = "new";
    append_raw_row_binary(now.raw, e, Timestamp::from_us(0), "s1", f);
    now.raw_rows = 1;
    spill.remove(*spill.oldest());
    ASSERT_TRUE(spill.write(now));
    output::postgres::Chunk back;
    ASSERT_TRUE(spill.read(*spill.oldest(), back));
    EXPECT_FALSE(back.raw_text);
    EXPECT_EQ(back.raw, now.raw);
}

// Version 3 binary rows lack the community_id field: read with it NULL, rows kept whole.
TEST(PostgresSpill, VersionThreeRowsGainTheNullCommunityId) {
    RawEvent e;
    e.type_name = "dns";
    e.line = R"({"a":1})";
    Sanitised f;
    std::string now;
    append_raw_row_binary(now, e, Timestamp::from_us(0), "s1", f);
    now += now;  // two rows
    const size_t one = now.size() / 2;
    std::string row3 = now.substr(0, one - 4);  // without the trailing NULL field
    row3[1] = static_cast<char>(row3[1] - 1);   // one field fewer
    const std::string v3 = row3 + row3;
    TempDir dir;
    testing::write_file(
        dir / "000000000000-old.batch",
        "eveflow-postgres-batch-3 old 0 2 0 0 " + std::to_string(v3.size()) + " 1 0\n" + v3);
    output::postgres::SpillDir spill(dir.path, 1 << 20);
    spill.open();
    output::postgres::Chunk c;
    ASSERT_TRUE(spill.read(*spill.oldest(), c));
    EXPECT_FALSE(c.raw_text);
    EXPECT_EQ(c.raw, now);
    EXPECT_EQ(binary_row_payload(c.raw), R"({"a":1})");
}

TEST(PostgresPartitions, NamesAndBounds) {
    // 2026-11-25T13:14:15Z, a Wednesday.
    const int64_t t = 1795612455LL * 1000000;
    EXPECT_EQ(
        partition_name("eve_raw", PartitionPeriod::kDay, partition_start(PartitionPeriod::kDay, t)),
        "eve_raw_p20261125");
    EXPECT_EQ(partition_name("eve_raw", PartitionPeriod::kHour,
                             partition_start(PartitionPeriod::kHour, t)),
              "eve_raw_p2026112513");
    EXPECT_EQ(partition_name("eve_raw", PartitionPeriod::kWeek,
                             partition_start(PartitionPeriod::kWeek, t)),
              "eve_raw_p20261123");
    // Before 1970 too: floor, not truncation.
    EXPECT_EQ(
        partition_name("r", PartitionPeriod::kDay, partition_start(PartitionPeriod::kDay, -3)),
        "r_p19691231");
    const int64_t week = partition_start(PartitionPeriod::kWeek, t);
    EXPECT_EQ(partition_end(PartitionPeriod::kWeek, week) - week, 7LL * 86400 * 1000000);
}

TEST(PostgresPartitions, RetentionCutoffIsAPartitionBoundary) {
    RawEventsConfig raw;                         // day partitions, 14 days
    const int64_t now = 1795612455LL * 1000000;  // 2026-11-25T13:14:15Z
    EXPECT_EQ(format_timestamp(Timestamp::from_us(retention_cutoff(raw, now))),
              "2026-11-11T00:00:00.000000Z");
}

}  // namespace
}  // namespace eveflow::output::postgres
