// Record helpers: proto names.
#include "types/record.h"

#include <gtest/gtest.h>

namespace eveflow {
namespace {

TEST(ProtoText, SuricataNamesElseNumber) {
    EXPECT_EQ(proto_text(6), "TCP");
    EXPECT_EQ(proto_text(58), "IPv6-ICMP");
    EXPECT_EQ(proto_text(132), "SCTP");
    EXPECT_EQ(proto_text(253), "253");
    uint8_t p = 0;
    EXPECT_TRUE(parse_proto("ipv6-icmp", p));
    EXPECT_EQ(p, 58);
    EXPECT_TRUE(parse_proto("17", p));
    EXPECT_EQ(p, 17);
    EXPECT_FALSE(parse_proto("256", p));
    EXPECT_FALSE(parse_proto("tcpx", p));
}

}  // namespace
}  // namespace eveflow
