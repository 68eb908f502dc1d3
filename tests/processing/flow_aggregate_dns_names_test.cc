// flow_aggregate's dest_name: the shared name table looked up at emission, for keys holding
// both addresses.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "processing/flow_aggregate/flow_aggregate.h"
#include "tests/processing/test_util.h"
#include "types/dns_names.h"

namespace eveflow::processing {
namespace {

Event flow(const char* src, const char* dst) {
    Event e;
    e.type = EventType::kFlow;
    e.type_name = "flow";
    e.aggregatable = true;
    e.fields.ts = Timestamp::from_us(1714557600LL * 1'000'000);
    e.fields.src_ip = *IpAddr::parse(src);
    e.fields.dest_ip = *IpAddr::parse(dst);
    e.fields.has_src_ip = e.fields.has_dest_ip = true;
    e.fields.dest_port = 443;
    e.fields.has_dest_port = true;
    e.fields.proto = 6;
    e.fields.has_proto = true;
    return e;
}

// dest_ip -> dest_name of the records of `yaml` over two flows; the table is filled with one
// name before the flows and another (which replaces it) after them, before emission.
std::map<std::string, std::string> run(const std::string& yaml) {
    Stats stats;
    FakeClock clock{1'000'000'000'000};
    Context ctx{stats, clock, "s1"};
    ctx.dns_names = std::make_shared<DnsNameTable>(100, 3'600'000'000, clock, stats);
    HandlerContext hctx{ctx, {0}};
    eveflow::testing::Section section(yaml);
    FlowAggregate agg(parse_flow_aggregate_config(section.node), hctx);
    eveflow::testing::RecordingEmitter out;
    const IpAddr client = *IpAddr::parse("10.0.0.1"), server = *IpAddr::parse("192.0.2.7");
    ctx.dns_names->insert(client, server, "first.example", 60);
    agg.consume(flow("10.0.0.1", "192.0.2.7"), out);
    agg.consume(flow("10.0.0.1", "198.51.100.9"), out);  // nothing resolved to it
    ctx.dns_names->insert(client, server, "second.example", 60);
    agg.flush(Timestamp::max(), out);
    std::map<std::string, std::string> names;
    for (const auto& [sink, r] : out.records) {
        const auto& a = std::get<AggregateRecord>(r);
        names[a.dest_ip.to_string()] = a.dest_name;
    }
    return names;
}

TEST(FlowAggregateDnsNames, MostRecentNameAtEmission) {
    auto names = run("{key: [src_ip, dest_ip, dest_port, proto]}");
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names["192.0.2.7"], "second.example");
    EXPECT_EQ(names["198.51.100.9"], "");
}

TEST(FlowAggregateDnsNames, KeyWithoutTheSourceHasNone) {
    auto names = run("{key: [dest_ip, dest_port, proto]}");
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names["192.0.2.7"], "");
}

}  // namespace
}  // namespace eveflow::processing
