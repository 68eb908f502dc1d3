// Tests of the dns_aggregate and pdns handlers: partial records at checkpoints add up to the
// whole, late events, v1 responses spread over several events.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "processing/dns/dns_aggregate.h"
#include "processing/dns/pdns.h"
#include "tests/input/eve_line.h"
#include "tests/processing/test_util.h"
#include "util/clock.h"

namespace eveflow::processing::dns {
namespace {

using eveflow::testing::RecordingEmitter;
using eveflow::testing::Section;

std::vector<std::string> fixture_lines() {
    std::ifstream in(EVEFLOW_SOURCE_DIR "/tests/data/eve/dns_layouts.jsonl");
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// Parsed events of the fixture, each with its line (events point into them).
struct Events {
    explicit Events(const std::vector<std::string>& texts) {
        input::EveParser parser;
        lines.reserve(texts.size());
        for (const auto& t : texts) {
            lines.emplace_back(t);
            Event e;
            EXPECT_EQ(lines.back().parse(parser, e), input::ParseResult::kOk);
            if (e.type == EventType::kDns) events.push_back(e);
        }
    }
    std::vector<input::Line> lines;
    std::vector<Event> events;
};

template <class H>
struct HandlerRun {
    HandlerRun(const std::string& yaml, DnsHandlerConfig (*parse)(const ConfigNode&))
        : ctx{stats, clock, "s1"},
          hctx{ctx, {0}},
          section(yaml),
          handler(parse(section.node), hctx) {
        EXPECT_TRUE(section.errors().empty());
    }
    // Feeds `events`, with a checkpoint after every `every` events (0: none), then flushes.
    void feed(const std::vector<Event>& events, size_t every) {
        for (size_t i = 0; i < events.size(); ++i) {
            handler.consume(events[i], emitter);
            if (every && (i + 1) % every == 0) handler.checkpoint(emitter);
        }
        handler.flush(Timestamp::max(), emitter);
    }
    template <class R>
    std::vector<R> records() const {
        std::vector<R> out;
        for (const auto& [sink, r] : emitter.records) out.push_back(std::get<R>(r));
        return out;
    }
    Stats stats;
    FakeClock clock{0};
    Context ctx;
    HandlerContext hctx;
    Section section;
    H handler;
    RecordingEmitter emitter;
};

using AggKey = std::tuple<int64_t, std::string, std::string, std::string>;
struct AggSum {
    uint64_t queries = 0, responses = 0, rcodes = 0;
    std::set<std::string> clients, answers;
    bool operator==(const AggSum&) const = default;
};

std::map<AggKey, AggSum> merged(const std::vector<DnsAggregateRecord>& recs) {
    std::map<AggKey, AggSum> out;
    for (const auto& r : recs) {
        AggSum& s = out[{r.window_start.us, r.sensor_id, r.rrname, r.rrtype}];
        s.queries += r.queries;
        s.responses += r.responses;
        for (const auto& [code, n] : r.rcodes) s.rcodes += n;
        s.clients.insert(r.clients.begin(), r.clients.end());
        s.answers.insert(r.answers.begin(), r.answers.end());
    }
    return out;
}

TEST(DnsAggregate, CheckpointPartialsAddUpToTheWhole) {
    Events ev(fixture_lines());
    HandlerRun<DnsAggregate> whole("{type: dns_aggregate, allowed_lateness: 0s}",
                                   parse_dns_aggregate_config);
    whole.feed(ev.events, 0);
    HandlerRun<DnsAggregate> split("{type: dns_aggregate, allowed_lateness: 0s}",
                                   parse_dns_aggregate_config);
    split.feed(ev.events, 1);
    auto a = whole.records<DnsAggregateRecord>();
    auto b = split.records<DnsAggregateRecord>();
    EXPECT_EQ(a.size(), 8u);  // the fixture's keys, each once
    EXPECT_GT(b.size(), a.size());
    EXPECT_EQ(merged(a), merged(b));
    // chain.example's v1 answer came as two events: one response, even across a checkpoint.
    AggSum chain = merged(b)[{1741594560000000, "", "chain.example", "A"}];
    EXPECT_EQ(chain.queries, 1u);
    EXPECT_EQ(chain.responses, 1u);
    EXPECT_EQ(chain.answers, (std::set<std::string>{"203.0.113.9", "next.example"}));
}

TEST(DnsAggregate, LateEventGivesALateRecord) {
    auto lines = fixture_lines();
    Events ev({lines[15], lines[0]});  // 09:17:30, then 09:15:01
    HandlerRun<DnsAggregate> run("{type: dns_aggregate, allowed_lateness: 0s}",
                                 parse_dns_aggregate_config);
    run.feed(ev.events, 0);
    auto recs = run.records<DnsAggregateRecord>();
    ASSERT_EQ(recs.size(), 2u);
    std::map<int64_t, bool> late;
    for (const auto& r : recs) late[r.window_start.us] = r.late;
    EXPECT_EQ(late, (std::map<int64_t, bool>{{1741594500000000, true},      // 08:15Z, came late
                                             {1741594620000000, false}}));  // 08:17Z
}

TEST(DnsAggregate, AnswersBeyondMaxAreCounted) {
    Events ev(fixture_lines());
    HandlerRun<DnsAggregate> run("{type: dns_aggregate, max_answers: 1}",
                                 parse_dns_aggregate_config);
    run.feed(ev.events, 0);
    for (const auto& r : run.records<DnsAggregateRecord>()) {
        if (r.rrname == "www.suricata.io" && r.window_start.us == 1741594500000000) {
            EXPECT_EQ(r.answers, std::vector<std::string>{"suricata.io"});
            // 35.212.0.44 in the first response; 35.212.0.44 and .45 in the second.
            EXPECT_EQ(r.answers_overflow, 3u);
        }
    }
}

TEST(Pdns, CheckpointPartialsAddUpToTheWhole) {
    Events ev(fixture_lines());
    HandlerRun<Pdns> whole("{type: pdns}", parse_pdns_config);
    whole.feed(ev.events, 0);
    HandlerRun<Pdns> split("{type: pdns}", parse_pdns_config);
    split.feed(ev.events, 1);
    using Key = std::tuple<std::string, std::string, std::string, std::string>;
    auto sum = [](const std::vector<PdnsRecord>& recs) {
        std::map<Key, std::tuple<uint64_t, int64_t, int64_t>> out;
        for (const auto& r : recs) {
            auto [it, fresh] = out.try_emplace({r.sensor_id, r.rrname, r.rrtype, r.rdata}, 0,
                                               r.time_first, r.time_last);
            auto& [count, first, last] = it->second;
            count += r.count;
            first = std::min(first, r.time_first);
            last = std::max(last, r.time_last);
        }
        return out;
    };
    auto a = whole.records<PdnsRecord>();
    auto b = split.records<PdnsRecord>();
    EXPECT_GT(b.size(), sum(b).size());
    EXPECT_EQ(sum(a), sum(b));
    // suricata.io A 35.212.0.44: responses at 09:15:01.12, 09:15:02.03 and 09:17:30 (+0100).
    auto t = sum(b)[{"", "suricata.io", "A", "35.212.0.44"}];
    EXPECT_EQ(t, std::make_tuple(uint64_t{3}, int64_t{1741594501}, int64_t{1741594650}));
}

}  // namespace
}  // namespace eveflow::processing::dns
