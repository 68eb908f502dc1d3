// Tests of the rotating jsonl output: bins by the (fake) wall clock, .part until complete,
// zstd/gzip, retention by age and size that spares other files, and config errors.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <regex>
#include <sstream>
#include <vector>

#include "output/jsonl/jsonl_sink.h"
#include "tests/output/test_util.h"

namespace eveflow::output {
namespace {

using eveflow::testing::OutputSection;
using eveflow::testing::read_file;
using eveflow::testing::TempDir;
using eveflow::testing::write_file;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t k1000 = 1714557600'000'000;  // 2024-05-01T10:00:00Z
constexpr int64_t kMinute = 60'000'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

struct Fixture {
    Fixture(const TempDir& dir, const std::string& keys, int64_t start_us = k1000 + 10 * kMinute)
        : clock(start_us),
          ctx{stats, clock, "s"},
          section("{type: jsonl, path: " + (dir / "agg-%Y%m%d-%H%M.jsonl") + ", " + keys + "}") {
        sink = std::make_unique<JsonlSink>(parse_jsonl_config(section.node), ctx);
        EXPECT_THAT(section.errors(), ElementsAre());
    }
    Status write(std::vector<std::string> lines) {
        std::vector<Record> batch;
        for (auto& l : lines) {
            RawEvent e;
            e.line = l;
            batch.push_back(std::move(e));
        }
        return sink->write(batch);
    }
    Stats stats;
    FakeClock clock;
    Context ctx;
    OutputSection section;
    std::unique_ptr<Sink> sink;
};

std::vector<std::string> files_in(const TempDir& dir) {
    std::vector<std::string> out;
    DIR* d = opendir(dir.path.c_str());
    while (const dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") out.push_back(n);
    }
    closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

std::string zstd_decompress(const std::string& data) {
    std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    std::string out;
    std::vector<char> buf(ZSTD_DStreamOutSize());
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    while (in.pos < in.size) {
        ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
        size_t r = ZSTD_decompressStream(dctx.get(), &ob, &in);
        if (ZSTD_isError(r)) return "zstd error: " + std::string(ZSTD_getErrorName(r));
        out.append(buf.data(), ob.pos);
    }
    return out;
}

std::string gzip_decompress(const std::string& path) {
    gzFile gz = gzopen(path.c_str(), "rb");
    if (gz == nullptr) return "cannot open";
    std::string out;
    char buf[4096];
    int n;
    while ((n = gzread(gz, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    gzclose(gz);
    return out;
}

TEST(JsonlRotation, ThreeBinsGiveThreeFilesWithTheirRecords) {
    TempDir dir;
    Fixture fx(dir, "rotate: 1h");
    fx.sink->open();
    ASSERT_TRUE(fx.write({"{\"a\":1}", "{\"a\":2}"}).ok());
    fx.clock.advance(std::chrono::minutes(49));  // 10:59, still the 10:00 bin
    ASSERT_TRUE(fx.write({"{\"a\":3}"}).ok());
    fx.sink->idle();
    EXPECT_THAT(files_in(dir), ElementsAre("agg-20240501-1000.jsonl.part"));
    fx.clock.advance(std::chrono::minutes(1));  // 11:00: a new bin
    ASSERT_TRUE(fx.write({"{\"b\":1}"}).ok());
    EXPECT_THAT(files_in(dir),
                ElementsAre("agg-20240501-1000.jsonl", "agg-20240501-1100.jsonl.part"));
    EXPECT_EQ(read_file(dir / "agg-20240501-1000.jsonl"), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
    fx.clock.advance(std::chrono::minutes(75));  // 12:15
    ASSERT_TRUE(fx.write({"{\"c\":1}", "{\"c\":2}"}).ok());
    ASSERT_TRUE(fx.sink->close().ok());
    EXPECT_THAT(files_in(dir), ElementsAre("agg-20240501-1000.jsonl", "agg-20240501-1100.jsonl",
                                           "agg-20240501-1200.jsonl"));
    EXPECT_EQ(read_file(dir / "agg-20240501-1100.jsonl"), "{\"b\":1}\n");
    EXPECT_EQ(read_file(dir / "agg-20240501-1200.jsonl"), "{\"c\":1}\n{\"c\":2}\n");
}

TEST(JsonlRotation, IdleCompletesTheFileOfAQuietSensor) {
    TempDir dir;
    Fixture fx(dir, "rotate: 15m");  // started 10:10: the 10:00 bin ends at 10:15
    fx.sink->open();
    ASSERT_TRUE(fx.write({"{\"q\":1}"}).ok());
    fx.clock.advance(std::chrono::minutes(4));
    fx.sink->idle();
    EXPECT_THAT(files_in(dir), ElementsAre("agg-20240501-1000.jsonl.part"));
    fx.clock.advance(std::chrono::minutes(1));
    fx.sink->idle();
    EXPECT_THAT(files_in(dir), ElementsAre("agg-20240501-1000.jsonl"));
    EXPECT_EQ(read_file(dir / "agg-20240501-1000.jsonl"), "{\"q\":1}\n");
    fx.clock.advance(std::chrono::hours(2));  // no records: no more files
    fx.sink->idle();
    ASSERT_TRUE(fx.sink->close().ok());
    EXPECT_THAT(files_in(dir), ElementsAre("agg-20240501-1000.jsonl"));
}

TEST(JsonlRotation, ReopenKeepsWritingTheOpenBin) {
    TempDir dir;
    Fixture fx(dir, "rotate: 1h");
    fx.sink->open();
    ASSERT_TRUE(fx.write({"{\"r\":1}"}).ok());
    fx.sink->reopen();
    ASSERT_TRUE(fx.write({"{\"r\":2}"}).ok());
    ASSERT_TRUE(fx.sink->close().ok());
    EXPECT_THAT(files_in(dir), ElementsAre("agg-20240501-1000.jsonl"));
    EXPECT_EQ(read_file(dir / "agg-20240501-1000.jsonl"), "{\"r\":1}\n{\"r\":2}\n");
}

TEST(JsonlRotation, AppendContinuesTheBinOfAnEarlierRun) {
    TempDir dir;
    for (const char* line : {"{\"run\":1}", "{\"run\":2}"}) {
        Fixture fx(dir, "rotate: 1h, append: true");
        fx.sink->open();
        ASSERT_TRUE(fx.write({line}).ok());
        ASSERT_TRUE(fx.sink->close().ok());
    }
    EXPECT_EQ(read_file(dir / "agg-20240501-1000.jsonl"), "{\"run\":1}\n{\"run\":2}\n");
    Fixture fx(dir, "rotate: 1h, append: false");  // replaces it, once everything opened
    fx.sink->open();
    fx.sink->begin();
    ASSERT_TRUE(fx.write({"{\"run\":3}"}).ok());
    ASSERT_TRUE(fx.sink->close().ok());
    EXPECT_EQ(read_file(dir / "agg-20240501-1000.jsonl"), "{\"run\":3}\n");
}

void check_compressed(const std::string& compress, const std::string& suffix) {
    TempDir dir;
    Fixture fx(dir, "rotate: 1h, compress: " + compress);
    fx.sink->open();
    std::vector<std::string> first, second;
    std::string want1, want2;
    for (int i = 0; i < 3000; ++i) {
        first.push_back("{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(i % 50, 'x') +
                        "\"}");
        want1 += first.back() + "\n";
    }
    ASSERT_TRUE(fx.write(first).ok());
    fx.clock.advance(std::chrono::hours(1));
    second = {"{\"last\":1}"};
    want2 = "{\"last\":1}\n";
    ASSERT_TRUE(fx.write(second).ok());
    ASSERT_TRUE(fx.sink->close().ok());
    std::string f1 = "agg-20240501-1000.jsonl" + suffix, f2 = "agg-20240501-1100.jsonl" + suffix;
    ASSERT_THAT(files_in(dir), ElementsAre(f1, f2));
    if (suffix == ".zst") {
        EXPECT_EQ(zstd_decompress(read_file(dir / f1)), want1);
        EXPECT_EQ(zstd_decompress(read_file(dir / f2)), want2);
    } else {
        EXPECT_EQ(gzip_decompress(dir / f1), want1);
        EXPECT_EQ(gzip_decompress(dir / f2), want2);
    }
    EXPECT_LT(read_file(dir / f1).size(), want1.size() / 2);
}

TEST(JsonlRotation, ZstdFilesDecompressToTheRecords) { check_compressed("zstd", ".zst"); }

TEST(JsonlRotation, GzipFilesDecompressToTheRecords) { check_compressed("gzip", ".gz"); }

/// Files of earlier bins and decoys that the pattern does not give.
void seed(const TempDir& dir) {
    write_file(dir / "agg-20240420-1000.jsonl", std::string(100, 'a'));      // 11 days old
    write_file(dir / "agg-20240423-0900.jsonl.zst", std::string(100, 'b'));  // 8 days old
    write_file(dir / "agg-20240429-1000.jsonl.gz", std::string(100, 'c'));   // 2 days old
    write_file(dir / "agg-20240101-0000.jsonl.bak", "decoy");
    write_file(dir / "agg-20240101-00000.jsonl", "decoy");
    write_file(dir / "other-20240101-0000.jsonl", "decoy");
    write_file(dir / "agg-20240101-0000.jsonl.part", "decoy");
    write_file(dir / "notes.txt", std::string(10000, 'd'));
}

const std::vector<std::string> kDecoys = {
    "agg-20240101-0000.jsonl.bak", "agg-20240101-0000.jsonl.part", "agg-20240101-00000.jsonl",
    "notes.txt", "other-20240101-0000.jsonl"};

std::vector<std::string> plus_decoys(std::vector<std::string> files) {
    files.insert(files.end(), kDecoys.begin(), kDecoys.end());
    std::sort(files.begin(), files.end());
    return files;
}

TEST(JsonlRotation, RetentionByAgeRemovesOnlyOldFilesOfThePattern) {
    TempDir dir;
    seed(dir);
    Fixture fx(dir, "rotate: 1h, retention: {max_age: 7d}");
    fx.sink->open();
    ASSERT_TRUE(fx.write({"{}"}).ok());
    fx.clock.advance(std::chrono::hours(1));
    ASSERT_TRUE(fx.write({"{}"}).ok());  // completes 10:00, then applies retention
    EXPECT_EQ(files_in(dir), plus_decoys({"agg-20240429-1000.jsonl.gz", "agg-20240501-1000.jsonl",
                                          "agg-20240501-1100.jsonl.part"}));
    EXPECT_EQ(read_file(dir / "notes.txt").size(), 10000u);
    ASSERT_TRUE(fx.sink->close().ok());
}

TEST(JsonlRotation, RetentionBySizeRemovesOldestFirst) {
    TempDir dir;
    seed(dir);
    // 300 bytes seeded + 50 written = 350: over 260 until the oldest (100) goes.
    Fixture fx(dir, "rotate: 1h, retention: {max_size: 260}");
    fx.sink->open();
    ASSERT_TRUE(fx.write({std::string(49, 'x')}).ok());
    fx.clock.advance(std::chrono::hours(1));
    ASSERT_TRUE(fx.write({"{}"}).ok());
    EXPECT_EQ(files_in(dir),
              plus_decoys({"agg-20240423-0900.jsonl.zst", "agg-20240429-1000.jsonl.gz",
                           "agg-20240501-1000.jsonl", "agg-20240501-1100.jsonl.part"}));
    ASSERT_TRUE(fx.sink->close().ok());  // 100 + 100 + 50 + 3 = 253: nothing more goes
    EXPECT_EQ(files_in(dir),
              plus_decoys({"agg-20240423-0900.jsonl.zst", "agg-20240429-1000.jsonl.gz",
                           "agg-20240501-1000.jsonl", "agg-20240501-1100.jsonl"}));
}

TEST(JsonlRotation, RetentionByAgeAtOpenAndBoundaryDay) {
    TempDir dir;
    seed(dir);
    // Now 2024-05-01 10:10: the 8-day-old bin ended 7d 24h 10m ago, the 2-day one 1d 23h ago.
    Fixture fx(dir, "rotate: 1h, retention: {max_age: 2d}", k1000 + 10 * kMinute);
    fx.sink->open();
    EXPECT_EQ(files_in(dir),
              plus_decoys({"agg-20240429-1000.jsonl.gz", "agg-20240501-1000.jsonl.part"}));
    fx.clock.advance(std::chrono::microseconds(kDay));
    fx.sink->idle();  // the 04-29 10:00 bin ended 2d 10m ago now
    EXPECT_EQ(files_in(dir), plus_decoys({"agg-20240501-1000.jsonl"}));
    ASSERT_TRUE(fx.sink->close().ok());
}

std::vector<std::string> config_errors(const std::string& yaml) {
    OutputSection section(yaml);
    (void)parse_jsonl_config(section.node);
    return section.errors();
}

TEST(JsonlRotationConfig, PatternWithoutRotate) {
    EXPECT_THAT(config_errors("{type: jsonl, path: /x/a-%Y%m%d.jsonl}"),
                ElementsAre("eveflow.yaml:1: outputs[0].path: has a strftime pattern (%) but no "
                            "rotate is set (got \"/x/a-%Y%m%d.jsonl\")"));
}

TEST(JsonlRotationConfig, RotateWithoutPattern) {
    EXPECT_THAT(config_errors("{type: jsonl, path: /x/a.jsonl, rotate: 1h}"),
                ElementsAre(HasSubstr("outputs[0].rotate: needs a strftime pattern in the file "
                                      "name of path, such as aggregates-%Y%m%d-%H%M.jsonl")));
    EXPECT_THAT(config_errors("{type: jsonl, path: \"-\", rotate: 1h}"),
                ElementsAre(HasSubstr("outputs[0].rotate: stdout cannot rotate")));
    EXPECT_THAT(config_errors("{type: jsonl, path: /x/%Y/a.jsonl, rotate: 1h}"),
                ElementsAre(HasSubstr("outputs[0].rotate: needs a strftime pattern")));
}

TEST(JsonlRotationConfig, PatternInDirectory) {
    EXPECT_THAT(config_errors("{type: jsonl, path: /x/%Y/a-%m%d%H.jsonl, rotate: 1h}"),
                ElementsAre(HasSubstr("outputs[0].path: only the file name may hold a % pattern")));
}

TEST(JsonlRotationConfig, PatternMustNameEachBin) {
    EXPECT_THAT(config_errors("{type: jsonl, path: /x/a-%Y%m%d-%H.jsonl, rotate: 15m}"),
                ElementsAre(HasSubstr("outputs[0].path: the pattern must name each bin of rotate "
                                      "15m apart")));
    EXPECT_THAT(config_errors("{type: jsonl, path: /x/a-%H%M.jsonl, rotate: 1h}"),
                ElementsAre(HasSubstr("the pattern must name each bin")));
    EXPECT_THAT(config_errors("{type: jsonl, path: /x/a-%Y%m%d-%H.jsonl, rotate: 1h}"),
                ElementsAre());
}

TEST(JsonlRotationConfig, CompressAndRetentionNeedRotate) {
    EXPECT_THAT(config_errors("{type: jsonl, path: /x/a.jsonl, compress: zstd, "
                              "retention: {max_age: 7d}}"),
                ElementsAre(HasSubstr("outputs[0].compress: needs rotate"),
                            HasSubstr("outputs[0].retention: needs rotate")));
}

TEST(JsonlRotationConfig, BadValues) {
    EXPECT_THAT(
        config_errors("{type: jsonl, path: /x/a-%Y%m%d%H%M%S, rotate: 0s, compress: xz, "
                      "retention: {max_age: old, max_size: big, max_count: 3}}"),
        ElementsAre(
            HasSubstr("outputs[0].rotate: must be >= 1s (got \"0s\")"),
            HasSubstr("outputs[0].compress: must be one of none | zstd | gzip (got \"xz\")"),
            HasSubstr("outputs[0].retention.max_age: must be a duration"),
            HasSubstr("outputs[0].retention.max_size: must be a size"),
            HasSubstr("outputs[0].retention.max_count: unknown key")));
    EXPECT_THAT(config_errors("{type: jsonl, path: /x/a-%Y%m%d%H, rotate: 1h, retention: 7d}"),
                ElementsAre(HasSubstr("outputs[0].retention: must be a map of keys (got \"7d\")")));
}

/// The jsonl output of a shipped file with its commented rotation keys turned on and its
/// path made a pattern.
BinnedConfig shipped_rotation(const std::string& file, std::vector<std::string>& errors) {
    std::istringstream in(read_file(EVEFLOW_SOURCE_DIR "/" + file));
    std::string text, line;
    bool in_jsonl = false;
    const std::regex key(R"(^(\s+)# ((rotate|compress|retention|  max_age|  max_size):.*))");
    while (std::getline(in, line)) {
        if (line == "  - type: jsonl") in_jsonl = true;
        if (line.empty()) in_jsonl = false;
        std::smatch m;
        if (in_jsonl && std::regex_match(line, m, key)) line = m[1].str() + m[2].str();
        if (in_jsonl && line.find("path: /var/lib/eveflow/aggregates.jsonl") != std::string::npos)
            line = "    path: /var/lib/eveflow/aggregates-%Y%m%d-%H%M.jsonl";
        text += line + "\n";
    }
    YAML::Node root = YAML::Load(text);
    auto diag = std::make_shared<ConfigDiagnostics>(file);
    JsonlConfig c = parse_jsonl_config(ConfigNode(root["outputs"][0], "outputs[0]", diag));
    diag->report_unknown();
    errors = diag->errors();
    return c.binned;
}

TEST(JsonlRotationConfig, ShippedCommentedKeysParse) {
    for (const char* file : {"deploy/snippets/jsonl.yaml", "deploy/eveflow.yaml"}) {
        std::vector<std::string> errors;
        BinnedConfig c = shipped_rotation(file, errors);
        EXPECT_THAT(errors, ElementsAre()) << file;
        EXPECT_EQ(c.rotate, std::chrono::hours(1)) << file;
        EXPECT_EQ(c.max_age, std::chrono::hours(7 * 24)) << file;
        EXPECT_EQ(c.max_size, uint64_t{10} << 30) << file;
    }
}

}  // namespace
}  // namespace eveflow::output
