// Tests of the flow_aggregate handler against a reference computed by straightforward code.
#include "processing/flow_aggregate/flow_aggregate.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "processing/flow_aggregate/port_set.h"
#include "tests/processing/test_util.h"

namespace eveflow::processing {
namespace {

using eveflow::testing::RecordingEmitter;
using eveflow::testing::Section;
constexpr int64_t kSec = 1'000'000;
constexpr int64_t kBase = 1714557600LL * kSec;  // 2024-05-01T10:00:00Z

// IP text via inet_ntop, independent of IpAddr's printer.
std::string ip_text(const IpAddr& ip) {
    char buf[INET6_ADDRSTRLEN];
    if (ip.is_v4()) {
        uint32_t n = htonl(ip.v4_host_order());
        return inet_ntop(AF_INET, &n, buf, sizeof buf);
    }
    return inet_ntop(AF_INET6, ip.bytes().data(), buf, sizeof buf);
}

Event flow_event(const std::string& src, const std::string& dst, int sport, int dport,
                 uint8_t proto, int64_t ts) {
    Event e;
    e.type = EventType::kFlow;
    e.type_name = "flow";
    e.aggregatable = true;
    FlowEntry& f = e.fields;
    f.ts = Timestamp::from_us(ts);
    f.src_ip = *IpAddr::parse(src);
    f.dest_ip = *IpAddr::parse(dst);
    f.has_src_ip = f.has_dest_ip = true;
    if (sport >= 0) f.src_port = static_cast<uint16_t>(sport), f.has_src_port = true;
    if (dport >= 0) f.dest_port = static_cast<uint16_t>(dport), f.has_dest_port = true;
    f.proto = proto;
    f.has_proto = true;
    f.pkts_toserver = 1;
    f.pkts_toclient = 2;
    f.bytes_toserver = 100;
    f.bytes_toclient = 200;
    return e;
}

struct Fixture {
    explicit Fixture(const std::string& yaml = "{}", std::vector<SinkId> sinks = {7},
                     bool sensor_id_from_host = true)
        : ctx{stats, clock, "s1"}, hctx{ctx, std::move(sinks)}, section(yaml) {
        ctx.sensor_id_from_host = sensor_id_from_host;
        handler = std::make_unique<FlowAggregate>(parse_flow_aggregate_config(section.node), hctx);
        EXPECT_TRUE(section.errors().empty());
    }
    FlowAggregate& agg() { return static_cast<FlowAggregate&>(*handler); }
    std::vector<AggregateRecord> records() const {
        std::vector<AggregateRecord> out;
        for (const auto& [sink, r] : emitter.records) out.push_back(std::get<AggregateRecord>(r));
        return out;
    }
    Stats stats;
    FakeClock clock{0};
    Context ctx;
    HandlerContext hctx;
    Section section;
    std::unique_ptr<Handler> handler;
    RecordingEmitter emitter;
};

// Reference: per (window, printed key) the truth, by plain code.
using RefKey = std::tuple<int64_t, std::string, std::string, int, int>;
struct RefAgg {
    uint64_t flows = 0, pkts_ts = 0, pkts_tc = 0, bytes_ts = 0, bytes_tc = 0;
    std::set<int> ports;   // reference side: the ports fed; emitted side: union of the lists
    uint64_t n_ports = 0;  // emitted side: sum of src_ports
    int64_t first = INT64_MAX, last = INT64_MIN;
};

int64_t plain_floor(int64_t t, int64_t p) {
    int64_t q = t / p;
    if (t % p < 0) q -= 1;
    return q * p;
}

void add_to_reference(std::map<RefKey, RefAgg>& ref, const Event& e, int64_t period) {
    const FlowEntry& f = e.fields;
    RefKey k{plain_floor(f.ts.us, period), ip_text(f.src_ip), ip_text(f.dest_ip), f.dest_port,
             f.proto};
    RefAgg& a = ref[k];
    a.flows += 1;
    a.pkts_ts += f.pkts_toserver;
    a.pkts_tc += f.pkts_toclient;
    a.bytes_ts += f.bytes_toserver;
    a.bytes_tc += f.bytes_toclient;
    if (f.has_src_port) a.ports.insert(f.src_port);
    a.first = std::min(a.first, f.ts.us);
    a.last = std::max(a.last, f.ts.us);
}

// Sums the emitted records per (window, key); checks window bounds on the way.
std::map<RefKey, RefAgg> sum_records(const std::vector<AggregateRecord>& recs, int64_t period,
                                     std::map<RefKey, int>& records_per_key) {
    std::map<RefKey, RefAgg> got;
    for (const auto& r : recs) {
        EXPECT_EQ(r.window_end.us - r.window_start.us, period);
        RefKey k{r.window_start.us, ip_text(r.src_ip), ip_text(r.dest_ip), r.dest_port, r.proto};
        RefAgg& a = got[k];
        a.flows += r.flows;
        a.pkts_ts += r.pkts_toserver;
        a.pkts_tc += r.pkts_toclient;
        a.bytes_ts += r.bytes_toserver;
        a.bytes_tc += r.bytes_toclient;
        a.first = std::min(a.first, r.first_seen.us);
        a.last = std::max(a.last, r.last_seen.us);
        a.n_ports += r.src_ports;
        EXPECT_EQ(r.src_port_list.size(), r.src_ports);
        EXPECT_TRUE(std::adjacent_find(r.src_port_list.begin(), r.src_port_list.end(),
                                       std::greater_equal<>()) == r.src_port_list.end())
            << "src_port_list not ascending and distinct";
        a.ports.insert(r.src_port_list.begin(), r.src_port_list.end());
        records_per_key[k] += 1;
    }
    return got;
}

void expect_matches(const std::map<RefKey, RefAgg>& ref, const std::map<RefKey, RefAgg>& got,
                    const std::map<RefKey, int>& records_per_key) {
    ASSERT_EQ(ref.size(), got.size());
    for (const auto& [k, want] : ref) {
        auto it = got.find(k);
        ASSERT_NE(it, got.end()) << std::get<1>(k) << " -> " << std::get<2>(k);
        const RefAgg& have = it->second;
        EXPECT_EQ(have.flows, want.flows);
        EXPECT_EQ(have.pkts_ts, want.pkts_ts);
        EXPECT_EQ(have.pkts_tc, want.pkts_tc);
        EXPECT_EQ(have.bytes_ts, want.bytes_ts);
        EXPECT_EQ(have.bytes_tc, want.bytes_tc);
        EXPECT_EQ(have.first, want.first);
        EXPECT_EQ(have.last, want.last);
        // The union of the records' port lists is what a merging sink keeps: always exact.
        EXPECT_EQ(have.ports, want.ports);
        // Distinct ports do not add across records: exact where the key has one record.
        if (records_per_key.at(k) == 1) {
            EXPECT_EQ(have.n_ports, want.ports.size());
        } else {
            EXPECT_GE(have.n_ports, want.ports.size());
        }
    }
}

struct KeyPool {
    explicit KeyPool(std::mt19937_64& rng, int n) {
        std::uniform_int_distribution<int> octet(0, 255);
        for (int i = 0; i < n; ++i) {
            bool v6 = i % 5 == 0;
            auto addr = [&] {
                if (v6)
                    return "2001:db8::" + std::to_string(octet(rng)) + ":" +
                           std::to_string(octet(rng));
                return "10." + std::to_string(octet(rng)) + "." + std::to_string(octet(rng)) + "." +
                       std::to_string(octet(rng));
            };
            uint8_t proto = i % 7 == 0 ? (v6 ? 58 : 1) : (i % 3 == 0 ? 17 : 6);
            keys.push_back({addr(), addr(), proto == 1 || proto == 58 ? 0 : 1 + octet(rng), proto});
        }
    }
    struct K {
        std::string src, dst;
        int dport;
        uint8_t proto;
    };
    std::vector<K> keys;
};

// Random stream: mostly increasing time with jitter, some events minutes late.
std::vector<Event> random_stream(uint64_t seed, int n, int64_t jitter, int late_pct) {
    std::mt19937_64 rng(seed);
    KeyPool pool(rng, 60);
    std::uniform_int_distribution<size_t> pick(0, pool.keys.size() - 1);
    std::uniform_int_distribution<int64_t> jit(-jitter, jitter);
    std::uniform_int_distribution<int> pct(0, 99), port(1024, 1100);
    std::vector<Event> out;
    for (int i = 0; i < n; ++i) {
        const auto& k = pool.keys[pick(rng)];
        int64_t ts = kBase + i * 50'000 + jit(rng);
        if (pct(rng) < late_pct) ts -= 240 * kSec;
        bool icmp = k.proto == 1 || k.proto == 58;
        Event e = flow_event(k.src, k.dst, icmp ? -1 : port(rng), icmp ? -1 : k.dport, k.proto, ts);
        e.fields.pkts_toserver = pct(rng);
        e.fields.bytes_toclient = static_cast<uint64_t>(pct(rng)) * 1000;
        out.push_back(e);
    }
    return out;
}

void run_and_compare(Fixture& fx, const std::vector<Event>& events, int64_t period) {
    std::map<RefKey, RefAgg> ref;
    for (const auto& e : events) {
        fx.handler->consume(e, fx.emitter);
        add_to_reference(ref, e, period);
    }
    fx.handler->flush(Timestamp::max(), fx.emitter);
    std::map<RefKey, int> per_key;
    auto got = sum_records(fx.records(), period, per_key);
    expect_matches(ref, got, per_key);
    EXPECT_EQ(fx.agg().open_keys(), 0u);
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_flows_total"), static_cast<double>(events.size()));
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_records_total"),
              static_cast<double>(fx.emitter.records.size()));
}

TEST(FlowAggregate, MatchesReferenceInOrder) {
    Fixture fx("{period: 60s}");
    run_and_compare(fx, random_stream(42, 20000, 0, 0), 60 * kSec);
    for (const auto& r : fx.records()) EXPECT_FALSE(r.late);
    EXPECT_EQ(fx.stats.sum("eveflow_late_events_total"), 0);
}

TEST(FlowAggregate, MatchesReferenceOutOfOrderWithLateEvents) {
    Fixture fx("{period: 60s, allowed_lateness: 10s}");
    auto events = random_stream(7, 30000, 20 * kSec, 3);
    run_and_compare(fx, events, 60 * kSec);
    uint64_t late_flows = 0;
    for (const auto& r : fx.records()) late_flows += r.late ? r.flows : 0;
    EXPECT_GT(late_flows, 0u);
    EXPECT_EQ(fx.stats.sum("eveflow_late_events_total"), static_cast<double>(late_flows));
}

TEST(FlowAggregate, MatchesReferenceWithTinyMaxKeys) {
    Fixture fx("{period: 10s, max_keys: 17}");
    run_and_compare(fx, random_stream(9, 5000, 5 * kSec, 1), 10 * kSec);
    // Early records are some of the records; at most max_keys entries remain at the end.
    const double early = fx.stats.sum("eveflow_aggregate_early_flushes_total");
    EXPECT_GT(early, 0);
    EXPECT_LE(early, fx.stats.sum("eveflow_aggregate_records_total"));
}

// Windows of very different sizes in turn, each key fed about three times: a window's table
// grows over many chunks of entries, is reused for a window of a few keys (and shrinks), then
// grows again.
TEST(FlowAggregate, MatchesReferenceWhenWindowSizesSwing) {
    Fixture fx("{period: 10s, allowed_lateness: 0s}");
    std::mt19937_64 rng(11);
    KeyPool pool(rng, 30000);
    std::uniform_int_distribution<int> port(1024, 65535);
    const int kKeys[] = {25000, 5, 12000, 3, 30000, 9000};
    std::vector<Event> events;
    for (int w = 0; w < 6; ++w) {
        const int n = kKeys[w] * 3;
        for (int i = 0; i < n; ++i) {
            const auto& k = pool.keys[static_cast<size_t>(i % kKeys[w])];
            const bool icmp = k.proto == 1 || k.proto == 58;
            const int64_t ts = kBase + w * 10 * kSec + i * (10 * kSec / n);
            Event e =
                flow_event(k.src, k.dst, icmp ? -1 : port(rng), icmp ? -1 : k.dport, k.proto, ts);
            e.fields.pkts_toserver = static_cast<uint64_t>(i % 13);
            events.push_back(e);
        }
    }
    run_and_compare(fx, events, 10 * kSec);
    for (const auto& r : fx.records()) EXPECT_FALSE(r.late);
}

TEST(FlowAggregate, CheckpointsEmitPartialsThatAddUpToTheReference) {
    Fixture fx("{period: 60s, allowed_lateness: 10s}");
    auto events = random_stream(11, 20000, 20 * kSec, 3);
    std::map<RefKey, RefAgg> ref;
    size_t before = 0;
    for (size_t i = 0; i < events.size(); ++i) {
        fx.handler->consume(events[i], fx.emitter);
        add_to_reference(ref, events[i], 60 * kSec);
        if (i % 1500 == 1499) {
            fx.handler->checkpoint(fx.emitter);
            EXPECT_EQ(fx.agg().open_keys(), 0u) << "open state left after a checkpoint";
            EXPECT_GT(fx.emitter.records.size(), before);
            before = fx.emitter.records.size();
        }
    }
    fx.handler->flush(Timestamp::max(), fx.emitter);
    std::map<RefKey, int> per_key;
    auto got = sum_records(fx.records(), 60 * kSec, per_key);
    expect_matches(ref, got, per_key);
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_flows_total"), static_cast<double>(events.size()));
}

TEST(FlowAggregate, CheckpointKeepsTheWindowOpen) {
    Fixture fx("{period: 60s}");
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1000, 443, 6, kBase + 10 * kSec),
                        fx.emitter);
    fx.handler->checkpoint(fx.emitter);
    ASSERT_EQ(fx.records().size(), 1u);
    EXPECT_FALSE(fx.records()[0].late);
    EXPECT_EQ(fx.records()[0].flows, 1u);
    // The same window again: not late (its window is still open), a second partial.
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1001, 443, 6, kBase + 20 * kSec),
                        fx.emitter);
    EXPECT_EQ(fx.records().size(), 1u);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    ASSERT_EQ(fx.records().size(), 2u);
    EXPECT_FALSE(fx.records()[0].after_checkpoint);
    EXPECT_FALSE(fx.records()[1].late);
    EXPECT_TRUE(fx.records()[1].after_checkpoint);  // a partial of it went out before
    EXPECT_EQ(fx.records()[1].src_port_list, std::vector<uint16_t>{1001});
    EXPECT_EQ(fx.stats.sum("eveflow_late_events_total"), 0);
}

TEST(FlowAggregate, WindowEmittedWhenWatermarkPassesItsEnd) {
    Fixture fx("{period: 60s, allowed_lateness: 30s}");
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1000, 443, 6, kBase + 10 * kSec),
                        fx.emitter);
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1001, 443, 6, kBase + 89 * kSec),
                        fx.emitter);
    EXPECT_TRUE(fx.emitter.records.empty());  // watermark 10:00:59 < window end 10:01:00
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1002, 443, 6, kBase + 90 * kSec),
                        fx.emitter);
    auto recs = fx.records();
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].window_start.us, kBase);
    EXPECT_EQ(recs[0].window_end.us, kBase + 60 * kSec);
    EXPECT_EQ(recs[0].flows, 1u);
    EXPECT_EQ(fx.emitter.records[0].first, 7u);
    EXPECT_EQ(fx.agg().open_keys(), 1u);
}

TEST(FlowAggregate, FlushEmitsWindowsEndingAtOrBeforeWatermark) {
    Fixture fx("{period: 60s}");
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, kBase + kSec), fx.emitter);
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, kBase + 61 * kSec),
                        fx.emitter);
    fx.handler->flush(Timestamp::from_us(kBase + 60 * kSec), fx.emitter);
    ASSERT_EQ(fx.records().size(), 1u);
    EXPECT_EQ(fx.records()[0].window_start.us, kBase);
}

TEST(FlowAggregate, LateEventBecomesSeparateLateRecord) {
    Fixture fx("{period: 60s, allowed_lateness: 0s}");
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1000, 443, 6, kBase + 5 * kSec),
                        fx.emitter);
    fx.handler->consume(flow_event("10.0.0.9", "10.0.0.2", 1000, 443, 6, kBase + 61 * kSec),
                        fx.emitter);
    ASSERT_EQ(fx.records().size(), 1u);
    auto late = flow_event("10.0.0.1", "10.0.0.2", 1001, 443, 6, kBase + 6 * kSec);
    late.fields.bytes_toserver = 5;
    fx.handler->consume(late, fx.emitter);
    ASSERT_EQ(fx.records().size(), 1u);  // held until the next emission opportunity
    fx.handler->tick(fx.clock.steady_now(), fx.emitter);
    auto recs = fx.records();
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_TRUE(recs[1].late);
    EXPECT_EQ(recs[1].window_start.us, kBase);
    EXPECT_EQ(recs[1].flows, 1u);
    EXPECT_EQ(recs[1].bytes_toserver, 5u);
    EXPECT_EQ(recs[0].bytes_toserver + recs[1].bytes_toserver, 105u);
    EXPECT_EQ(fx.stats.sum("eveflow_late_events_total"), 1);
}

TEST(FlowAggregate, IdleFlushDrivenByFakeClock) {
    Fixture fx("{idle_flush: 60s}");
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, kBase), fx.emitter);
    fx.handler->tick(fx.clock.steady_now(), fx.emitter);
    fx.clock.advance(std::chrono::seconds(59));
    fx.handler->tick(fx.clock.steady_now(), fx.emitter);
    EXPECT_TRUE(fx.emitter.records.empty());
    fx.clock.advance(std::chrono::seconds(1));
    fx.handler->tick(fx.clock.steady_now(), fx.emitter);
    ASSERT_EQ(fx.records().size(), 1u);
    EXPECT_FALSE(fx.records()[0].late);
    EXPECT_EQ(fx.agg().open_keys(), 0u);
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_open_keys"), 0);
}

TEST(FlowAggregate, IdleFlushRestartsOnActivity) {
    Fixture fx("{idle_flush: 60s}");
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, kBase), fx.emitter);
    fx.handler->tick(fx.clock.steady_now(), fx.emitter);
    fx.clock.advance(std::chrono::seconds(40));
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 2, 80, 6, kBase + kSec), fx.emitter);
    fx.handler->tick(fx.clock.steady_now(), fx.emitter);
    fx.clock.advance(std::chrono::seconds(40));
    fx.handler->tick(fx.clock.steady_now(), fx.emitter);
    EXPECT_TRUE(fx.emitter.records.empty());
}

TEST(FlowAggregate, IdleFlushZeroDisables) {
    Fixture fx("{idle_flush: 0s}");
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, kBase), fx.emitter);
    fx.handler->tick(fx.clock.steady_now(), fx.emitter);
    fx.clock.advance(std::chrono::hours(5));
    fx.handler->tick(fx.clock.steady_now(), fx.emitter);
    EXPECT_TRUE(fx.emitter.records.empty());
}

TEST(FlowAggregate, MaxKeysEmitsOldestWindowEarly) {
    Fixture fx("{period: 60s, allowed_lateness: 1h, max_keys: 2}");
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, kBase), fx.emitter);
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.3", 1, 80, 6, kBase), fx.emitter);
    EXPECT_TRUE(fx.emitter.records.empty());
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.4", 1, 80, 6, kBase + 60 * kSec),
                        fx.emitter);
    auto recs = fx.records();
    ASSERT_EQ(recs.size(), 2u);
    for (const auto& r : recs) EXPECT_EQ(r.window_start.us, kBase);
    EXPECT_EQ(fx.agg().open_keys(), 1u);
    // The counter counts records emitted early: both of the window's records.
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_early_flushes_total"), 2);
}

// All in one window: after the early emission the window is closed, so the later keys go to
// late entries, which max_keys also emits early. Every record here leaves before the end,
// and every flow is counted even though nothing is left to emit at the end.
TEST(FlowAggregate, MaxKeysInOneWindowCountsEveryFlowAndEveryEarlyRecord) {
    Fixture fx("{period: 60s, max_keys: 2}");
    const int kKeys = 6;
    for (int i = 0; i < kKeys; ++i) {
        std::string dst = "10.0.0." + std::to_string(10 + i);
        fx.handler->consume(flow_event("10.0.0.1", dst, 1, 80, 6, kBase + i * kSec), fx.emitter);
    }
    const size_t before_end = fx.emitter.records.size();
    fx.handler->flush(Timestamp::max(), fx.emitter);
    EXPECT_EQ(before_end, static_cast<size_t>(kKeys));
    EXPECT_EQ(fx.emitter.records.size(), before_end);
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_flows_total"), kKeys);
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_early_flushes_total"), kKeys);
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_records_total"), kKeys);
}

TEST(FlowAggregate, CustomKeyFieldsZeroTheOthers) {
    Fixture fx("{key: [src_port, app_proto, vlan, in_iface]}");
    auto a = flow_event("10.0.0.1", "10.0.0.2", 5000, 80, 6, kBase);
    a.fields.app_proto = "http";
    a.fields.vlan = 12;
    a.fields.in_iface = "eth0";
    auto b = a;
    b.fields.dest_ip = *IpAddr::parse("10.9.9.9");  // not in the key: merges with a
    auto c = a;
    c.fields.app_proto = "tls";  // in the key: separate
    for (const auto* e : {&a, &b, &c}) fx.handler->consume(*e, fx.emitter);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    auto recs = fx.records();
    ASSERT_EQ(recs.size(), 2u);
    std::sort(recs.begin(), recs.end(),
              [](const auto& x, const auto& y) { return x.app_proto < y.app_proto; });
    EXPECT_EQ(recs[0].app_proto, "http");
    EXPECT_EQ(recs[0].flows, 2u);
    EXPECT_EQ(recs[1].app_proto, "tls");
    for (const auto& r : recs) {
        EXPECT_EQ(r.key_fields, kKeySrcPort | kKeyAppProto | kKeyVlan | kKeyInIface);
        EXPECT_EQ(r.src_port, 5000);
        EXPECT_EQ(r.vlan, 12);
        EXPECT_EQ(r.in_iface, "eth0");
        EXPECT_EQ(r.src_ip, IpAddr());
        EXPECT_EQ(r.dest_ip, IpAddr());
        EXPECT_EQ(r.dest_port, 0);
        EXPECT_EQ(r.proto, 0);
    }
}

// Bytes per program: the meter's process names as key fields (docs/process.md).
TEST(FlowAggregate, ProcessNamesAreKeyFields) {
    Fixture fx("{key: [dest_ip, dest_port, proto, src_process_name, dest_process_name]}");
    auto curl = flow_event("10.0.0.1", "10.0.0.2", 5000, 80, 6, kBase);
    curl.fields.src_process_name = "curl";
    curl.fields.bytes_toserver = 100;
    auto curl2 = curl;
    curl2.fields.src_port = 5001;  // not in the key: merges
    auto wget = curl;
    wget.fields.src_process_name = "wget";  // in the key: separate
    auto remote = curl;
    remote.fields.src_process_name = {};  // no process: its own record, name empty
    for (const auto* e : {&curl, &curl2, &wget, &remote}) fx.handler->consume(*e, fx.emitter);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    auto recs = fx.records();
    ASSERT_EQ(recs.size(), 3u);
    std::sort(recs.begin(), recs.end(),
              [](const auto& x, const auto& y) { return x.src_process_name < y.src_process_name; });
    EXPECT_EQ(recs[0].src_process_name, "");
    EXPECT_EQ(recs[1].src_process_name, "curl");
    EXPECT_EQ(recs[1].flows, 2u);
    EXPECT_EQ(recs[1].bytes_toserver, 200u);
    EXPECT_EQ(recs[2].src_process_name, "wget");
    for (const auto& r : recs) EXPECT_EQ(r.dest_process_name, "");
}

Event timed_event(int64_t ts, int64_t start, int64_t end) {
    auto e = flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, ts);
    e.fields.start = start ? Timestamp::from_us(start) : Timestamp::none();
    e.fields.end = end ? Timestamp::from_us(end) : Timestamp::none();
    return e;
}

int64_t window_of(const std::string& time_field, const Event& e) {
    Fixture fx("{time_field: " + time_field + "}");
    fx.handler->consume(e, fx.emitter);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    EXPECT_EQ(fx.records().size(), 1u);
    return fx.records().empty() ? 0 : fx.records()[0].window_start.us;
}

TEST(FlowAggregate, TimeFieldPicksTheEventTime) {
    // Logged at 10:05, flow from 10:01:30 to 10:02:30.
    auto e = timed_event(kBase + 300 * kSec, kBase + 90 * kSec, kBase + 150 * kSec);
    EXPECT_EQ(window_of("timestamp", e), kBase + 300 * kSec);
    EXPECT_EQ(window_of("flow_start", e), kBase + 60 * kSec);
    EXPECT_EQ(window_of("flow_end", e), kBase + 120 * kSec);
    auto bare = timed_event(kBase + 300 * kSec, 0, 0);  // falls back to timestamp
    EXPECT_EQ(window_of("flow_start", bare), kBase + 300 * kSec);
    EXPECT_EQ(window_of("flow_end", bare), kBase + 300 * kSec);
}

TEST(FlowAggregate, FirstAndLastSeenFromFlowTimesElseTimestamp) {
    Fixture fx;
    fx.handler->consume(timed_event(kBase + 50 * kSec, kBase + 10 * kSec, kBase + 20 * kSec),
                        fx.emitter);
    fx.handler->consume(timed_event(kBase + 55 * kSec, kBase + 5 * kSec, kBase + 30 * kSec),
                        fx.emitter);
    fx.handler->consume(timed_event(kBase + 40 * kSec, 0, 0), fx.emitter);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    ASSERT_EQ(fx.records().size(), 1u);
    EXPECT_EQ(fx.records()[0].first_seen.us, kBase + 5 * kSec);
    EXPECT_EQ(fx.records()[0].last_seen.us, kBase + 40 * kSec);
}

TEST(FlowAggregate, TimesBefore1970FloorDownward) {
    Fixture fx("{period: 60s}");
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, -1), fx.emitter);
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, -61 * kSec), fx.emitter);
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, -60 * kSec), fx.emitter);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    std::map<int64_t, uint64_t> flows;
    for (const auto& r : fx.records()) flows[r.window_start.us] += r.flows;
    EXPECT_EQ(flows, (std::map<int64_t, uint64_t>{{-120 * kSec, 1}, {-60 * kSec, 2}}));
}

TEST(FlowAggregate, FeverCollisionExampleStaysApart) {
    Fixture fx("{key: [src_ip, dest_ip, dest_port]}");
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.12", 1, 3, 6, kBase), fx.emitter);
    fx.handler->consume(flow_event("10.0.0.11", "0.0.0.12", 1, 3, 6, kBase), fx.emitter);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    auto recs = fx.records();
    ASSERT_EQ(recs.size(), 2u);
    std::set<std::string> srcs{ip_text(recs[0].src_ip), ip_text(recs[1].src_ip)};
    EXPECT_EQ(srcs, (std::set<std::string>{"10.0.0.1", "10.0.0.11"}));
    EXPECT_EQ(recs[0].flows + recs[1].flows, 2u);
    EXPECT_EQ(recs[0].flows, 1u);
}

TEST(FlowAggregate, ProtoKeptApart) {
    Fixture fx;
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 53, 6, kBase), fx.emitter);
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 53, 17, kBase), fx.emitter);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    auto recs = fx.records();
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_NE(recs[0].proto, recs[1].proto);
}

// Events from three sensors (two by EVE `host`, one without) with one key: one record per
// sensor, each with the flows it sent; host strings live in a buffer that is overwritten, as
// an EventBatch's would be.
TEST(FlowAggregate, SensorsFromHostFieldStayApart) {
    Fixture fx;
    const std::vector<std::pair<std::string, int>> sent{{"sensor-a", 3}, {"sensor-b", 2}, {"", 4}};
    std::string buffer;
    for (int round = 0; round < 4; ++round) {
        for (const auto& [host, n] : sent) {
            if (round >= n) continue;
            auto e = flow_event("10.0.0.1", "10.0.0.2", 1000 + round, 443, 6, kBase + round);
            buffer = host;
            e.fields.host = buffer;
            fx.handler->consume(e, fx.emitter);
            buffer.assign(buffer.size(), 'x');
        }
    }
    fx.handler->flush(Timestamp::max(), fx.emitter);
    std::map<std::string, uint64_t> flows;
    for (const auto& r : fx.records()) flows[r.sensor_id] += r.flows;
    EXPECT_EQ(flows, (std::map<std::string, uint64_t>{{"sensor-a", 3}, {"sensor-b", 2}, {"", 4}}));
}

TEST(FlowAggregate, SensorFromHostCanBeTurnedOff) {
    Fixture fx("{}", {7}, /*sensor_id_from_host=*/false);
    for (const char* host : {"sensor-a", "sensor-b", ""}) {
        auto e = flow_event("10.0.0.1", "10.0.0.2", 1000, 443, 6, kBase);
        e.fields.host = host;
        fx.handler->consume(e, fx.emitter);
    }
    fx.handler->flush(Timestamp::max(), fx.emitter);
    ASSERT_EQ(fx.records().size(), 1u);
    EXPECT_EQ(fx.records()[0].flows, 3u);
    EXPECT_EQ(fx.records()[0].sensor_id, "");
}

TEST(FlowAggregate, IcmpOnlyKeyHasZeroSrcPorts) {
    Fixture fx;
    for (int i = 0; i < 3; ++i) {
        fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", -1, -1, 1, kBase + i), fx.emitter);
    }
    fx.handler->flush(Timestamp::max(), fx.emitter);
    ASSERT_EQ(fx.records().size(), 1u);
    EXPECT_EQ(fx.records()[0].flows, 3u);
    EXPECT_EQ(fx.records()[0].src_ports, 0u);
}

TEST(FlowAggregate, NonAggregatableEventsIgnored) {
    Fixture fx;
    auto e = flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, kBase);
    e.aggregatable = false;
    fx.handler->consume(e, fx.emitter);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    EXPECT_TRUE(fx.emitter.records.empty());
}

TEST(FlowAggregate, RecordsGoToEverySink) {
    Fixture fx("{}", {3, 5});
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, kBase), fx.emitter);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    ASSERT_EQ(fx.emitter.records.size(), 2u);
    EXPECT_EQ(fx.emitter.records[0].first, 3u);
    EXPECT_EQ(fx.emitter.records[1].first, 5u);
    EXPECT_EQ(std::get<AggregateRecord>(fx.emitter.records[0].second).flows, 1u);
    EXPECT_EQ(std::get<AggregateRecord>(fx.emitter.records[1].second).flows, 1u);
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_records_total"), 1);
}

TEST(FlowAggregate, OpenKeysGaugeAndFlushHistogram) {
    Fixture fx;
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, kBase), fx.emitter);
    fx.handler->consume(flow_event("10.0.0.1", "10.0.0.3", 1, 80, 6, kBase), fx.emitter);
    fx.handler->tick(fx.clock.steady_now(), fx.emitter);
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_open_keys"), 2);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_open_keys"), 0);
    bool found = false;
    for (const auto& fam : fx.stats.collect()) {
        if (fam.name != "eveflow_window_flush_seconds") continue;
        found = true;
        EXPECT_GE(fam.samples.at(0).histogram.count, 1u);
    }
    EXPECT_TRUE(found);
}

TEST(FlowAggregate, OpenKeysGaugeSumsOverHandlersOfOneName) {
    Fixture fx;
    HandlerContext hctx{fx.ctx, {1}};
    {
        FlowAggregate shard(FlowAggregateConfig{}, hctx);
        fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", 1, 80, 6, kBase), fx.emitter);
        shard.consume(flow_event("10.0.0.1", "10.0.0.3", 1, 80, 6, kBase), fx.emitter);
        shard.consume(flow_event("10.0.0.1", "10.0.0.4", 1, 80, 6, kBase), fx.emitter);
        fx.handler->tick(fx.clock.steady_now(), fx.emitter);
        shard.tick(fx.clock.steady_now(), fx.emitter);
        EXPECT_EQ(fx.stats.sum("eveflow_aggregate_open_keys"), 3);
    }
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_open_keys"), 1);
}

TEST(PortSet, CountsDistinctPortsExactly) {
    std::mt19937_64 rng(1);
    for (int range : {3, 10, 300, 5000, 65536}) {
        PortSet ps;
        std::set<uint16_t> ref;
        std::uniform_int_distribution<int> port(0, range - 1);
        for (int i = 0; i < 40000; ++i) {
            auto p = static_cast<uint16_t>(port(rng));
            ps.add(p);
            ref.insert(p);
            if (i % 9973 == 0) {
                EXPECT_EQ(ps.count(), ref.size());
            }
        }
        EXPECT_EQ(ps.count(), ref.size()) << "range " << range;
        std::vector<uint16_t> list = {7};  // appended to, not replaced
        ps.append_sorted(list);
        EXPECT_EQ(list.front(), 7);
        EXPECT_EQ(std::vector<uint16_t>(list.begin() + 1, list.end()),
                  std::vector<uint16_t>(ref.begin(), ref.end()))
            << "range " << range;
    }
}

// One key fed ports through every PortSet state (inline, vector, bitmap): the record's list is
// exactly the distinct ports fed, ascending.
TEST(FlowAggregate, SrcPortListIsTheDistinctPortsFed) {
    std::mt19937_64 rng(5);
    for (int range : {2, 4, 5, 40, 3000, 65536}) {
        Fixture fx("{period: 60s}");
        std::set<uint16_t> fed;
        std::uniform_int_distribution<int> port(0, range - 1);
        for (int i = 0; i < 3 * range && i < 20000; ++i) {
            int p = port(rng);
            fed.insert(static_cast<uint16_t>(p));
            fx.handler->consume(flow_event("10.0.0.1", "10.0.0.2", p, 443, 6, kBase + i),
                                fx.emitter);
        }
        fx.handler->consume(flow_event("10.0.0.3", "10.0.0.2", -1, 443, 6, kBase), fx.emitter);
        fx.handler->flush(Timestamp::max(), fx.emitter);
        auto recs = fx.records();
        ASSERT_EQ(recs.size(), 2u);
        if (recs[0].src_ports == 0) std::swap(recs[0], recs[1]);
        EXPECT_EQ(recs[0].src_port_list, std::vector<uint16_t>(fed.begin(), fed.end()))
            << "range " << range;
        EXPECT_EQ(recs[0].src_ports, fed.size());
        EXPECT_TRUE(recs[1].src_port_list.empty());  // no port seen
        EXPECT_EQ(recs[1].src_ports, 0u);
    }
}

// Sums stop at 2^64-1 instead of wrapping; each sum that stops is counted.
TEST(FlowAggregate, SumsSaturateAndCountIt) {
    Fixture fx;
    constexpr uint64_t kMax = UINT64_MAX;
    Event a = flow_event("10.0.0.1", "10.0.0.2", 1000, 80, 6, kBase);
    a.fields.bytes_toserver = kMax - 10;
    a.fields.pkts_toclient = kMax;
    Event b = a;
    b.fields.bytes_toserver = 11;  // kMax - 10 + 11: one past the top
    b.fields.pkts_toclient = 1;
    Event c = a;
    c.fields.bytes_toserver = 0;  // at the top already: adding 0 does not saturate
    c.fields.pkts_toclient = 0;
    for (const Event* e : {&a, &b, &c}) fx.handler->consume(*e, fx.emitter);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    auto recs = fx.records();
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].flows, 3u);
    EXPECT_EQ(recs[0].bytes_toserver, kMax);
    EXPECT_EQ(recs[0].pkts_toclient, kMax);
    EXPECT_EQ(recs[0].pkts_toserver, 3u);
    EXPECT_EQ(recs[0].bytes_toclient, 600u);
    EXPECT_EQ(fx.stats.sum("eveflow_aggregate_saturated_total"), 2.0);  // b's bytes and pkts
}

// Subnets with configured prefixes: addresses that share the network share a record, printed
// as the network's CIDR text (prefixes that do not end on a byte boundary included).
TEST(FlowAggregate, SubnetKeysUseTheConfiguredPrefixes) {
    Fixture fx("{key: [src_net, dest_net, proto], net_prefix_v4: 20, net_prefix_v6: 52}");
    for (const char* src : {"10.1.16.1", "10.1.31.255", "10.1.32.1"}) {
        fx.handler->consume(flow_event(src, "2001:db8:1:ffff::1", 1, 80, 6, kBase), fx.emitter);
    }
    fx.handler->consume(flow_event("10.1.17.2", "2001:db8:1:1000::1", 1, 80, 6, kBase), fx.emitter);
    fx.handler->flush(Timestamp::max(), fx.emitter);
    std::map<std::string, uint64_t> flows;
    for (const auto& r : fx.records()) {
        std::string key;
        append_cidr(key, r.src_net, r.src_net_prefix);
        key += ' ';
        append_cidr(key, r.dest_net, r.dest_net_prefix);
        flows[key] += r.flows;
    }
    std::map<std::string, uint64_t> want = {{"10.1.16.0/20 2001:db8:1:f000::/52", 2},
                                            {"10.1.32.0/20 2001:db8:1:f000::/52", 1},
                                            {"10.1.16.0/20 2001:db8:1:1000::/52", 1}};
    EXPECT_EQ(flows, want);
}

}  // namespace
}  // namespace eveflow::processing
