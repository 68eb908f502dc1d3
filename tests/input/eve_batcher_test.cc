// Tests of the EVE line splitter and batcher: newlines, long lines, chunking, glued records.
#include "input/eve/eve_batcher.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace eveflow::input {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string fixture(const std::string& name) {
    return read_file(std::string(EVEFLOW_SOURCE_DIR) + "/tests/data/eve/" + name);
}

constexpr const char* kFlow =
    R"({"timestamp":"2024-05-01T10:00:00Z","event_type":"flow","src_ip":"10.0.0.1",)"
    R"("dest_ip":"10.0.0.2","proto":"TCP","dest_port":80,"flow":{"pkts_toserver":1}})";

// Runs bytes through a batcher and keeps what comes out.
struct Feed {
    explicit Feed(EveBatcher::Options opt = {}) : batcher(counters, opt) {}

    void drain() {
        EventBatch batch;
        while (batcher.pop(batch)) {
            ++batches;
            max_batch_events = std::max(max_batch_events, batch.events.size());
            for (const Event& ev : batch.events) {
                // Every view lies inside the batch's own buffer.
                EXPECT_GE(ev.raw.data(), batch.buffer.data());
                EXPECT_LE(ev.raw.data() + ev.raw.size(), batch.buffer.data() + batch.buffer.size());
                raws.emplace_back(ev.raw);
                ++types[std::string(ev.type_name)];
            }
        }
    }
    void feed_chunks(std::string_view data, size_t chunk) {
        while (!data.empty()) {
            auto area = batcher.write_area();
            size_t n = std::min({chunk, area.size(), data.size()});
            std::copy_n(data.data(), n, area.data());
            batcher.commit(n);
            data.remove_prefix(n);
            drain();
        }
        batcher.finish();
        drain();
    }
    uint64_t malformed(std::string_view reason) {
        return static_cast<uint64_t>(
            stats.sum("eveflow_input_malformed_total", {{"reason", std::string(reason)}}));
    }

    Stats stats;
    EveCounters counters{stats, "test"};
    EveBatcher batcher;
    std::vector<std::string> raws;
    std::map<std::string, int> types;
    size_t batches = 0;
    size_t max_batch_events = 0;
};

TEST(EveBatcher, CrlfAndBlankLines) {
    Feed r;
    r.feed_chunks(std::string(kFlow) + "\r\n\r\n\n   \n\t\r\n" + kFlow + "\r\r\n", 1 << 20);
    ASSERT_EQ(r.raws.size(), 2u);
    EXPECT_EQ(r.raws[0], kFlow);
    EXPECT_EQ(r.raws[1], kFlow);
    EXPECT_EQ(r.stats.sum("eveflow_input_malformed_total"), 0);
}

TEST(EveBatcher, LastLineWithoutNewlineAcceptedIfItParses) {
    Feed r;
    r.feed_chunks(std::string(kFlow) + "\n" + kFlow, 7);
    EXPECT_EQ(r.raws.size(), 2u);
    EXPECT_EQ(r.malformed("partial"), 0u);
}

TEST(EveBatcher, CutLastLineCountedPartial) {
    Feed r;
    std::string cut(kFlow);
    cut.resize(cut.size() / 2);
    r.feed_chunks(std::string(kFlow) + "\n" + cut, 5);
    EXPECT_EQ(r.raws.size(), 1u);
    EXPECT_EQ(r.malformed("partial"), 1u);
    EXPECT_EQ(r.malformed("not_json"), 0u);
}

TEST(EveBatcher, LongLinesSkippedWithoutMemoryGrowth) {
    EveBatcher::Options opt;
    opt.max_line = 4096;
    Feed r(opt);
    std::string big = "{\"event_type\":\"x\",\"pad\":\"" + std::string(3 << 20, 'a') + "\"}";
    std::string data = std::string(kFlow) + "\n" + big + "\n" + kFlow + "\n" + big;
    size_t max_partial = 0;
    for (size_t off = 0; off < data.size();) {
        auto area = r.batcher.write_area();
        size_t n = std::min(area.size(), data.size() - off);
        std::copy_n(data.data() + off, n, area.data());
        r.batcher.commit(n);
        off += n;
        max_partial = std::max(max_partial, r.batcher.partial_bytes());
        r.drain();
    }
    r.batcher.finish();
    r.drain();
    EXPECT_EQ(r.raws.size(), 2u);
    EXPECT_EQ(r.malformed("too_long"), 2u);
    EXPECT_LE(max_partial, opt.max_line + opt.read_chunk);
}

TEST(EveBatcher, LineOfExactlyMaxLineIsKept) {
    EveBatcher::Options opt;
    opt.max_line = std::string_view(kFlow).size();
    Feed r(opt);
    r.feed_chunks(std::string(kFlow) + "\n" + kFlow + " \n", 3);
    EXPECT_EQ(r.raws.size(), 1u);
    EXPECT_EQ(r.malformed("too_long"), 1u);
}

TEST(EveBatcher, GluedRecordRecoveredAndPointsToItsSubstring) {
    std::string torn =
        R"({"timestamp":"2024-05-01T10:00:00Z","event_type":"http","http":{"url":"/t)";
    Feed r;
    r.feed_chunks(torn + kFlow + "\n", 1 << 20);
    ASSERT_EQ(r.raws.size(), 1u);
    EXPECT_EQ(r.raws[0], kFlow);
    EXPECT_EQ(r.malformed("torn"), 1u);
    EXPECT_EQ(r.malformed("not_json"), 0u);
}

TEST(EveBatcher, NotJsonWithoutGlueCountedOnce) {
    Feed r;
    r.feed_chunks(fixture("broken.jsonl"), 1 << 20);
    EXPECT_EQ(r.raws.size(), 0u);
    EXPECT_EQ(r.malformed("not_object"), 2u);
    EXPECT_EQ(r.malformed("not_json"), 4u);
}

TEST(EveBatcher, InvalidFlowIsDeliveredAndCounted) {
    Feed r;
    r.feed_chunks(fixture("fields.jsonl"), 1 << 20);
    EXPECT_EQ(r.raws.size(), 8u);
    EXPECT_EQ(r.malformed("invalid_flow"), 2u);  // empty src_ip; null timestamp
    EXPECT_EQ(r.types["flow"], 5);
}

// tests/data/eve/coercion.jsonl: what each line is, counted by hand.
TEST(EveBatcher, BadProtocolsAndCountersAreInvalidFlowsStillDelivered) {
    Feed r;
    r.feed_chunks(fixture("coercion.jsonl"), 1 << 20);
    EXPECT_EQ(r.types["flow"], 16);               // line 8's "\u0066low" included
    EXPECT_EQ(r.types["dns"], 2);                 // with a bad and a missing proto: still forwarded
    EXPECT_EQ(r.malformed("invalid_flow"), 10u);  // lines 1-4 (proto), 9-13 (counters), 14
    EXPECT_EQ(r.malformed("not_json"), 1u);
    EXPECT_EQ(r.malformed("no_event_type"), 1u);
    EXPECT_EQ(r.stats.sum("eveflow_input_malformed_total", {}), 12.0);
}

// Decoded strings live in the batch, however it is moved, whichever way it was parsed.
TEST(EveBatcher, DecodedStringsTravelWithTheirBatch) {
    const std::string line =
        R"({"event_type":"\u0066low","app_proto":"\u0068ttp","host":"h\u00e9"})"
        "\n";
    for (bool parse_while_cutting : {true, false}) {
        Stats stats;
        EveCounters counters(stats, "test");
        EveBatcher::Options opt;
        opt.parse = parse_while_cutting;
        EveBatcher batcher(counters, opt);
        for (int i = 0; i < 3; ++i) batcher.feed(line);
        batcher.finish();
        EventBatch batch;
        bool last_partial = false;
        ASSERT_TRUE(batcher.pop_lines(batch, last_partial));
        if (!parse_while_cutting) {
            EveLineParser parser(counters);
            parser.parse_batch(batch, last_partial);
        }
        EventBatch moved = std::move(batch);
        ASSERT_EQ(moved.events.size(), 3u);
        for (const Event& ev : moved.events) {
            EXPECT_EQ(ev.type, EventType::kFlow);
            EXPECT_EQ(ev.type_name, "flow");
            EXPECT_EQ(ev.fields.app_proto, "http");
            EXPECT_EQ(ev.fields.host, "h\xC3\xA9");
        }
        EXPECT_EQ(moved.decoded.size(), 9u);
    }
}

TEST(EveBatcher, BatchesAreBoundedAndCountBytes) {
    EveBatcher::Options opt;
    opt.read_chunk = 4096;
    Feed r(opt);
    std::string data;
    for (int i = 0; i < 5000; ++i) data += std::string(kFlow) + "\n";
    r.feed_chunks(data, 1 << 20);
    EXPECT_EQ(r.raws.size(), 5000u);
    EXPECT_GE(r.batches, 5u);
    EXPECT_LE(r.max_batch_events, 1024u + 4096 / std::string_view(kFlow).size() + 1);
    EXPECT_EQ(r.stats.sum("eveflow_input_bytes_total"), static_cast<double>(data.size()));
}

TEST(EveBatcher, FeedRecordTreatsMessageAsCompleteLine) {
    Feed r;
    r.batcher.feed_record(kFlow);
    r.batcher.feed_record("nope");
    r.batcher.flush();
    r.drain();
    EXPECT_EQ(r.raws.size(), 1u);
    EXPECT_EQ(r.malformed("not_json"), 1u);
}

// Every chunk size gives the same events and counts as one big read.
TEST(EveBatcher, SameResultAtEveryChunkBoundary) {
    std::string torn = R"({"timestamp":"2024-05-01T10:00:00Z","event_type":"dns","dns":{"x":"t)";
    std::string data = fixture("fields.jsonl") + fixture("broken.jsonl") + "\r\n" + torn + kFlow +
                       "\r\n" + std::string(300, 'z') + "\n" + kFlow;
    EveBatcher::Options opt;
    opt.max_line = 1200;
    opt.read_chunk = 512;
    opt.buffer_bytes = 2048;
    opt.max_events = 3;
    Feed whole(opt);
    whole.feed_chunks(data, data.size());
    ASSERT_EQ(whole.raws.size(), 10u);
    for (size_t chunk = 1; chunk <= 700; ++chunk) {
        Feed r(opt);
        r.feed_chunks(data, chunk);
        ASSERT_EQ(r.raws, whole.raws) << "chunk " << chunk;
        auto a = r.stats.collect();
        auto b = whole.stats.collect();
        ASSERT_EQ(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            for (size_t j = 0; j < a[i].samples.size(); ++j) {
                ASSERT_EQ(a[i].samples[j].value, b[i].samples[j].value)
                    << a[i].name << " chunk " << chunk;
            }
        }
    }
}

// Cut-only batches (Options::parse false) parsed afterwards by an EveLineParser, as the socket
// input's parse threads do, give the same events and counts as parsing while cutting.
TEST(EveBatcher, CutThenParseEqualsParseWhileCutting) {
    std::string torn =
        R"({"timestamp":"2024-05-01T10:00:00Z","event_type":"http","http":{"url":"/t)";
    std::string text = fixture("fields.jsonl") + fixture("broken.jsonl") + torn + kFlow + "\n" +
                       std::string(3000, 'x') + "\n" + kFlow + "\n" + kFlow;
    text.pop_back();  // the last line ends without newline and does not parse: partial
    EveBatcher::Options opt;
    opt.read_chunk = 1024;
    opt.max_line = 2048;
    opt.max_events = 3;
    Feed inline_feed(opt);
    inline_feed.feed_chunks(text, 700);

    opt.parse = false;
    Stats stats;
    EveCounters counters(stats, "test");
    EveBatcher cutter(counters, opt);
    EveLineParser parser(counters);
    std::vector<std::string> raws;
    auto drain = [&] {
        EventBatch batch;
        bool last_partial = false;
        while (cutter.pop_lines(batch, last_partial)) {
            parser.parse_batch(batch, last_partial);
            for (const Event& ev : batch.events) raws.emplace_back(ev.raw);
        }
        parser.publish_counts();
    };
    for (std::string_view rest = text; !rest.empty();) {
        auto area = cutter.write_area();
        size_t n = std::min({size_t{700}, area.size(), rest.size()});
        std::copy_n(rest.data(), n, area.data());
        cutter.commit(n);
        rest.remove_prefix(n);
        drain();
    }
    cutter.finish();
    drain();

    EXPECT_EQ(raws, inline_feed.raws);
    EXPECT_GT(raws.size(), 8u);
    for (const char* reason :
         {"not_json", "not_object", "too_long", "partial", "torn", "invalid_flow"}) {
        EXPECT_EQ(stats.sum("eveflow_input_malformed_total", {{"reason", reason}}),
                  inline_feed.stats.sum("eveflow_input_malformed_total", {{"reason", reason}}))
            << reason;
    }
    EXPECT_EQ(inline_feed.malformed("partial"), 1u);
    EXPECT_EQ(inline_feed.malformed("too_long"), 1u);
    EXPECT_EQ(inline_feed.malformed("torn"), 1u);
}

}  // namespace
}  // namespace eveflow::input
