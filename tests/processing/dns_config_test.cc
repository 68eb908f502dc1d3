// Tests of the dns_aggregate and pdns config sections: defaults and every error message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "processing/dns/config.h"
#include "tests/processing/test_util.h"

namespace eveflow::processing::dns {
namespace {

using eveflow::testing::Section;
using ::testing::ElementsAre;

TEST(DnsConfig, Defaults) {
    Section a("{type: dns_aggregate}");
    DnsHandlerConfig c = parse_dns_aggregate_config(a.node);
    EXPECT_TRUE(a.errors().empty());
    EXPECT_EQ(c.name, "dns_aggregate");
    EXPECT_EQ(c.period, std::chrono::seconds(60));
    EXPECT_EQ(c.allowed_lateness, std::chrono::seconds(30));
    EXPECT_EQ(c.max_answers, 64u);
    Section p("{type: pdns, period: 5m}");
    EXPECT_EQ(parse_pdns_config(p.node).name, "pdns");
    EXPECT_EQ(parse_pdns_config(p.node).period, std::chrono::minutes(5));
    EXPECT_TRUE(p.errors().empty());
}

TEST(DnsConfig, ZeroPeriod) {
    Section s("{type: pdns, period: 0s}");
    parse_pdns_config(s.node);
    EXPECT_THAT(s.errors(),
                ElementsAre("eveflow.yaml:1: handlers[0].period: must be > 0 (got \"0s\")"));
}

TEST(DnsConfig, MaxAnswersIsNotAPdnsKey) {
    Section s("{type: pdns, max_answers: 3}");
    parse_pdns_config(s.node);
    EXPECT_THAT(s.errors(), ElementsAre("eveflow.yaml:1: handlers[0].max_answers: unknown key "
                                        "(known: allowed_lateness, idle_flush, name, period, "
                                        "type)"));
}

TEST(DnsConfig, NegativeMaxAnswers) {
    Section s("{type: dns_aggregate, max_answers: -1}");
    parse_dns_aggregate_config(s.node);
    ASSERT_EQ(s.errors().size(), 1u);
    EXPECT_THAT(s.errors()[0], ::testing::HasSubstr("handlers[0].max_answers: "));
}

}  // namespace
}  // namespace eveflow::processing::dns
