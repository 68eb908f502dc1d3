// SocketTable: exact and wildcard endpoints, owners over time, the bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "input/process/socket_table.h"

namespace eveflow::input::process {
namespace {

Addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return Addr{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
}

SocketOwner owner(uint32_t pid, const char* comm, int64_t seen_us) {
    SocketOwner o;
    o.pid = pid;
    o.uid = 1000;
    std::memcpy(o.comm.data(), comm, std::min<size_t>(std::strlen(comm), 15));
    o.seen_us = seen_us;
    return o;
}

constexpr int64_t kSlack = 250'000;

TEST(SocketTable, ExactEndpointBeforeWildcard) {
    SocketTable t(16);
    t.put(17, v4(0, 0, 0, 0), 53, owner(10, "resolver", 0));
    t.put(17, v4(127, 0, 0, 1), 53, owner(11, "stub", 0));
    EXPECT_EQ(t.find(17, v4(127, 0, 0, 1), 53, 1, kSlack)->pid, 11u);
    EXPECT_EQ(t.find(17, v4(10, 0, 0, 1), 53, 1, kSlack)->pid, 10u);  // any address: wildcard
    EXPECT_EQ(t.find(6, v4(10, 0, 0, 1), 53, 1, kSlack), nullptr);    // other protocol
    EXPECT_EQ(t.find(17, v4(10, 0, 0, 1), 54, 1, kSlack), nullptr);
}

TEST(SocketTable, Ipv6AnyIsTheWildcardToo) {
    SocketTable t(16);
    t.put(6, Addr{}, 8080, owner(7, "python3", 0));
    EXPECT_EQ(t.find(6, v4(192, 0, 2, 1), 8080, 1, kSlack)->name(), "python3");
}

TEST(SocketTable, SameProcessKeepsItsFirstReport) {
    // A listening port: accepts at 1 s, 5 s and 9 s; a flow that ended at 2 s is still its.
    SocketTable t(16);
    for (int64_t s : {1, 5, 9}) t.put(6, v4(127, 0, 0, 1), 80, owner(20, "srv", s * 1'000'000));
    EXPECT_EQ(t.find(6, v4(127, 0, 0, 1), 80, 2'000'000, kSlack)->pid, 20u);
    EXPECT_EQ(t.find(6, v4(127, 0, 0, 1), 80, 500'000, kSlack), nullptr);  // before it
}

TEST(SocketTable, ReusedPortKeepsThePreviousOwner) {
    SocketTable t(16);
    t.put(6, v4(127, 0, 0, 1), 40000, owner(30, "curl", 1'000'000));
    t.put(6, v4(127, 0, 0, 1), 40000, owner(31, "wget", 9'000'000));
    EXPECT_EQ(t.find(6, v4(127, 0, 0, 1), 40000, 2'000'000, kSlack)->name(), "curl");
    EXPECT_EQ(t.find(6, v4(127, 0, 0, 1), 40000, 9'500'000, kSlack)->name(), "wget");
    // A report arriving just after a single-datagram flow's only packet still counts.
    EXPECT_EQ(t.find(6, v4(127, 0, 0, 1), 40000, 8'900'000, kSlack)->name(), "wget");
}

TEST(SocketTable, LeastRecentlyReportedGoFirst) {
    SocketTable t(3);
    for (uint16_t port = 1; port <= 3; ++port)
        t.put(6, v4(127, 0, 0, 1), port, owner(port, "p", 0));
    t.put(6, v4(127, 0, 0, 1), 1, owner(1, "p", 0));  // port 1 reported again: 2 is the oldest
    t.put(6, v4(127, 0, 0, 1), 4, owner(4, "p", 0));
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.evicted(), 1u);
    EXPECT_EQ(t.find(6, v4(127, 0, 0, 1), 2, 1, kSlack), nullptr);
    for (uint16_t port : {1, 3, 4})
        EXPECT_NE(t.find(6, v4(127, 0, 0, 1), port, 1, kSlack), nullptr);
}

TEST(SocketTable, NameIsTheCommUpToItsNul) {
    EXPECT_EQ(owner(1, "curl", 0).name(), "curl");
    SocketOwner full = owner(1, "a-very-long-name-indeed", 0);
    EXPECT_EQ(full.name(), "a-very-long-nam");  // 15 bytes, as the kernel keeps it
}

}  // namespace
}  // namespace eveflow::input::process
