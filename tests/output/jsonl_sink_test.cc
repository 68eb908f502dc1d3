// Tests of the jsonl sink: truncate/append, reopen, stdout, errors, and JSON checked by Python.
#include "output/jsonl/jsonl_sink.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <random>

#include "tests/output/test_util.h"
#include "util/log.h"

namespace eveflow::output {
namespace {

using eveflow::testing::OutputSection;
using eveflow::testing::read_file;
using eveflow::testing::TempDir;
using eveflow::testing::write_file;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Fixture {
    explicit Fixture(const std::string& yaml) : ctx{stats, clock, "sensor-1"}, section(yaml) {
        sink = std::make_unique<JsonlSink>(parse_jsonl_config(section.node), ctx);
        errors = section.errors();
    }
    Stats stats;
    FakeClock clock{1'000'000'000};
    Context ctx;
    OutputSection section;
    std::unique_ptr<Sink> sink;
    std::vector<std::string> errors;
};

Record raw(const std::string& line) {
    Record r;
    r = RawEvent{};
    std::get<RawEvent>(r).line = line;
    return r;
}

std::vector<Record> raws(std::initializer_list<const char*> lines) {
    std::vector<Record> out;
    for (const char* l : lines) out.push_back(raw(l));
    return out;
}

TEST(JsonlSink, WithoutAppendTruncatesAtBeginNotAtOpen) {
    TempDir dir;
    write_file(dir / "out.jsonl", "old line\n");
    Fixture fx("{type: jsonl, append: false, path: " + (dir / "out.jsonl") + "}");
    fx.sink->open();
    EXPECT_EQ(read_file(dir / "out.jsonl"), "old line\n") << "a start may still fail";
    fx.sink->begin();
    EXPECT_EQ(read_file(dir / "out.jsonl"), "");
    ASSERT_TRUE(fx.sink->write(raws({"{\"a\":1}"})).ok());
    ASSERT_TRUE(fx.sink->close().ok());
    EXPECT_EQ(read_file(dir / "out.jsonl"), "{\"a\":1}\n");
}

TEST(JsonlSink, AppendKeepsExistingContent) {
    TempDir dir;
    write_file(dir / "out.jsonl", "{\"old\":1}\n");
    Fixture fx("{type: jsonl, path: " + (dir / "out.jsonl") + "}");  // append by default
    fx.sink->open();
    fx.sink->begin();
    ASSERT_TRUE(fx.sink->write(raws({"{\"a\":1}", "{\"b\":2}"})).ok());
    ASSERT_TRUE(fx.sink->close().ok());
    EXPECT_EQ(read_file(dir / "out.jsonl"), "{\"old\":1}\n{\"a\":1}\n{\"b\":2}\n");
}

TEST(JsonlSink, BufferedUntilFlushIntervalThenIdleFlushes) {
    TempDir dir;
    Fixture fx("{type: jsonl, flush_interval: 2s, path: " + (dir / "o") + "}");
    fx.sink->open();
    ASSERT_TRUE(fx.sink->write(raws({"{}"})).ok());
    fx.sink->idle();
    EXPECT_EQ(read_file(dir / "o"), "");
    fx.clock.advance(std::chrono::seconds(2));
    fx.sink->idle();
    EXPECT_EQ(read_file(dir / "o"), "{}\n");
    ASSERT_TRUE(fx.sink->close().ok());
}

TEST(JsonlSink, FullBufferIsWritten) {
    TempDir dir;
    Fixture fx("{type: jsonl, buffer: 10, path: " + (dir / "o") + "}");
    fx.sink->open();
    ASSERT_TRUE(fx.sink->write(raws({"{\"abc\":1}", "{\"x\":2}"})).ok());
    EXPECT_EQ(read_file(dir / "o"), "{\"abc\":1}\n");  // 10 bytes reached after the first
    ASSERT_TRUE(fx.sink->close().ok());
}

TEST(JsonlSink, ReopenAfterRenameWritesToNewFile) {
    TempDir dir;
    Fixture fx("{type: jsonl, path: " + (dir / "out.jsonl") + "}");
    fx.sink->open();
    ASSERT_TRUE(fx.sink->write(raws({"{\"before\":1}"})).ok());
    std::rename((dir / "out.jsonl").c_str(), (dir / "out.jsonl.1").c_str());
    ASSERT_TRUE(fx.sink->write(raws({"{\"before\":2}"})).ok());
    fx.sink->reopen();
    ASSERT_TRUE(fx.sink->write(raws({"{\"after\":1}"})).ok());
    ASSERT_TRUE(fx.sink->close().ok());
    EXPECT_EQ(read_file(dir / "out.jsonl.1"), "{\"before\":1}\n{\"before\":2}\n");
    EXPECT_EQ(read_file(dir / "out.jsonl"), "{\"after\":1}\n");
}

TEST(JsonlSink, DevNullWorks) {
    Fixture fx("{type: jsonl, path: /dev/null}");
    fx.sink->open();
    EXPECT_TRUE(fx.sink->write(raws({"{}"})).ok());
    EXPECT_TRUE(fx.sink->close().ok());
}

TEST(JsonlSink, DashIsStdout) {
    ASSERT_TRUE(log::init("info"));  // logs go to stderr, as in eveflow
    TempDir dir;
    std::fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    FILE* f = std::fopen((dir / "stdout").c_str(), "w");
    dup2(fileno(f), STDOUT_FILENO);
    {
        Fixture fx("{type: jsonl, path: \"-\"}");
        fx.sink->open();
        EXPECT_TRUE(fx.sink->write(raws({"{\"s\":1}"})).ok());
        EXPECT_TRUE(fx.sink->close().ok());
    }
    dup2(saved, STDOUT_FILENO);
    ::close(saved);
    std::fclose(f);
    EXPECT_EQ(read_file(dir / "stdout"), "{\"s\":1}\n");
}

TEST(JsonlSink, OpenFailureIsStartupErrorWithPath) {
    Fixture fx("{type: jsonl, path: /nonexistent-dir/x.jsonl}");
    try {
        fx.sink->open();
        FAIL() << "no exception";
    } catch (const StartupError& e) {
        EXPECT_THAT(e.what(), HasSubstr("cannot open /nonexistent-dir/x.jsonl: No such file"));
    }
}

TEST(JsonlSink, WriteErrorIsCountedAndReturned) {
    Fixture fx("{type: jsonl, name: full, buffer: 0, path: /dev/full}");
    fx.sink->open();
    Status st = fx.sink->write(raws({"{}", "{}"}));
    EXPECT_FALSE(st.ok());
    EXPECT_THAT(st.message(), HasSubstr("No space left"));
    EXPECT_EQ(fx.stats.sum("eveflow_sink_errors_total", {{"sink", "full"}, {"kind", "write"}}), 2);
}

TEST(JsonlSink, CountsRecordsWhenTheyReachTheFileNotWhenBuffered) {
    TempDir dir;
    Fixture fx("{type: jsonl, path: " + (dir / "o") + "}");
    Counter written, dropped;
    fx.sink->set_tally(written, dropped);
    fx.sink->open();
    ASSERT_TRUE(fx.sink->write(raws({"{}", "{}", "{}"})).ok());
    EXPECT_EQ(written.value(), 0u) << "still in the buffer";
    ASSERT_TRUE(fx.sink->close().ok());
    EXPECT_EQ(written.value(), 3u);
    EXPECT_EQ(dropped.value(), 0u);
}

TEST(JsonlSink, RecordsOfAFailedFlushAreDropped) {
    Fixture fx("{type: jsonl, path: /dev/full}");
    Counter written, dropped;
    fx.sink->set_tally(written, dropped);
    fx.sink->open();
    ASSERT_TRUE(fx.sink->write(raws({"{}", "{}", "{}"})).ok());  // buffered: no error yet
    EXPECT_FALSE(fx.sink->close().ok());
    EXPECT_EQ(written.value(), 0u);
    EXPECT_EQ(dropped.value(), 3u);
}

TEST(JsonlSink, PathsAreRegularFilesOnly) {
    TempDir dir;
    Fixture file("{type: jsonl, path: " + (dir / "o") + "}");
    ASSERT_EQ(file.sink->paths().size(), 1u);
    EXPECT_EQ(file.sink->paths()[0].key, "outputs[0].path");
    EXPECT_EQ(file.sink->paths()[0].path, dir / "o");
    EXPECT_TRUE(Fixture("{type: jsonl, path: -}").sink->paths().empty());
    EXPECT_TRUE(Fixture("{type: jsonl, path: /dev/null}").sink->paths().empty());
}

std::string iso(int64_t us) {
    time_t s = static_cast<time_t>(us / 1'000'000);
    struct tm tm {};
    gmtime_r(&s, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(us % 1'000'000));
    return buf;
}

TEST(JsonlSink, OutputIsJsonEqualToTheRecords) {
    TempDir dir;
    std::mt19937_64 rng(3);
    std::vector<Record> batch;
    std::string expected;
    for (int i = 0; i < 50; ++i) {
        Record r;
        AggregateRecord& a = std::get<AggregateRecord>(r);
        a.window_start = Timestamp::from_us(1714557600'000'000 + int64_t{i} * 60'000'000);
        a.window_end = Timestamp::from_us(a.window_start.us + 60'000'000);
        a.src_ip = IpAddr::v4(static_cast<uint32_t>(rng()));
        uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                          0,    0,    0,    0,    0, 0, 0, static_cast<uint8_t>(i)};
        a.dest_ip = IpAddr::v6(v6);
        a.dest_port = static_cast<uint16_t>(rng());
        a.proto = i % 2 ? 6 : 17;
        a.flows = rng() % 1000;
        a.src_ports = rng() % 100;
        a.pkts_toserver = rng() % 100000;
        a.bytes_toclient = rng();
        a.first_seen = a.window_start;
        a.last_seen = Timestamp::from_us(a.window_end.us - 1);
        a.late = i % 7 == 0;
        batch.push_back(r);
        char src[16], dst[64];
        uint32_t n = htonl(a.src_ip.v4_host_order());
        inet_ntop(AF_INET, &n, src, sizeof src);
        inet_ntop(AF_INET6, v6, dst, sizeof dst);
        expected += iso(a.window_start.us) + " " + iso(a.window_end.us) + " " + src + " " + dst +
                    " " + std::to_string(a.dest_port) + " " + (i % 2 ? "TCP" : "UDP") + " " +
                    std::to_string(a.flows) + " " + std::to_string(a.src_ports) + " " +
                    std::to_string(a.pkts_toserver) + " 0 0 " + std::to_string(a.bytes_toclient) +
                    " " + iso(a.first_seen.us) + " " + iso(a.last_seen.us) + " " +
                    (a.late ? "True" : "False") + " sensor-1\n";
    }
    Fixture fx("{type: jsonl, path: " + (dir / "agg.jsonl") + "}");
    fx.sink->open();
    ASSERT_TRUE(fx.sink->write(batch).ok());
    ASSERT_TRUE(fx.sink->close().ok());
    std::string script =
        "import json,sys\n"
        "for l in open(sys.argv[1]):\n"
        "  o=json.loads(l)\n"
        "  assert o['event_type']=='flow_aggregate'\n"
        "  print(*[o[k] for k in ['window_start','window_end','src_ip','dest_ip','dest_port',"
        "'proto','flows','src_ports','pkts_toserver','pkts_toclient','bytes_toserver',"
        "'bytes_toclient','first_seen','last_seen']], o.get('late', False), o['sensor_id'])\n";
    write_file(dir / "check.py", script);
    std::string cmd = "/usr/bin/python3 " + (dir / "check.py") + " " + (dir / "agg.jsonl") + " > " +
                      (dir / "parsed.txt");
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    EXPECT_EQ(read_file(dir / "parsed.txt"), expected);
}

TEST(JsonlSinkConfig, PathMissing) {
    Fixture fx("{type: jsonl}");
    EXPECT_THAT(fx.errors, ElementsAre("eveflow.yaml:1: outputs[0].path: missing"));
}

TEST(JsonlSinkConfig, BadValues) {
    Fixture fx("{type: jsonl, path: x, buffer: lots, flush_interval: -1s, append: maybe}");
    EXPECT_THAT(fx.errors,
                ElementsAre(HasSubstr("outputs[0].append: must be true or false (got \"maybe\")"),
                            HasSubstr("outputs[0].buffer: must be a size such as 4096"),
                            HasSubstr("outputs[0].flush_interval: must be a duration")));
}

TEST(JsonlSinkConfig, UnknownKey) {
    Fixture fx("{type: jsonl, path: x, apend: true}");
    EXPECT_THAT(fx.errors, ElementsAre(HasSubstr("outputs[0].apend: unknown key (known: ")));
}

TEST(JsonlSinkConfig, DeploySnippetParses) {
    YAML::Node root = YAML::LoadFile(EVEFLOW_SOURCE_DIR "/deploy/snippets/jsonl.yaml");
    auto diag = std::make_shared<ConfigDiagnostics>("jsonl.yaml");
    JsonlConfig c = parse_jsonl_config(ConfigNode(root["outputs"][0], "outputs[0]", diag));
    diag->report_unknown();
    EXPECT_TRUE(diag->errors().empty());
    EXPECT_EQ(c.buffer, JsonlConfig{}.buffer);
    EXPECT_EQ(c.flush_interval, JsonlConfig{}.flush_interval);
    EXPECT_TRUE(c.append);
}

}  // namespace
}  // namespace eveflow::output
