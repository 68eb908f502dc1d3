// Community ID v1 against the published values of corelight/community-id-spec (baseline/
// README.md, "Default settings", and baseline/baseline_deflt.json), both directions each.
#include "types/community_id.h"

#include <gtest/gtest.h>

#include <string>

namespace eveflow {
namespace {

struct Vector {
    uint8_t proto;
    const char* src;
    const char* dest;
    uint16_t src_port, dest_port;  // ICMP: type and code
    const char* expected;
};

std::string id_of(const Vector& v) {
    CommunityTuple t;
    t.src = *IpAddr::parse(v.src);
    t.dest = *IpAddr::parse(v.dest);
    t.proto = v.proto;
    t.src_port = v.src_port;
    t.dest_port = v.dest_port;
    return std::string(community_id_v1(t).text());
}

template <size_t N>
void check_all(const Vector (&vectors)[N]) {
    for (const Vector& v : vectors) {
        EXPECT_EQ(id_of(v), v.expected) << int(v.proto) << " " << v.src << " " << v.src_port
                                        << " -> " << v.dest << " " << v.dest_port;
    }
}

// The spec's table of default settings (seed 0, base64).
constexpr const char* kA6 = "fe80:0001:0203:0405:0607:0809:0A0B:0C0D";
constexpr const char* kB6 = "fe80:1011:1213:1415:1617:1819:1A1B:1C1D";

TEST(CommunityId, TcpUdpSctpBothDirections) {
    const Vector v[] = {
        {6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
        {6, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
        {17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
        {17, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
        {17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
        {132, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="},
        {132, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="},
        {132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
        {132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    };
    check_all(v);
}

TEST(CommunityId, IcmpRequestAndReplyShareOneId) {
    const Vector v[] = {{1, "1.2.3.4", "5.6.7.8", 8, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="},
                        {1, "5.6.7.8", "1.2.3.4", 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="},
                        {1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
                        {1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="}};
    check_all(v);
}

TEST(CommunityId, IcmpOneWayUsesTypeAndCode) {
    const Vector v[] = {{1, "1.2.3.4", "5.6.7.8", 11, 0, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk="},
                        {1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM="}};
    check_all(v);
}

TEST(CommunityId, Icmp6TypeMapping) {
    const Vector v[] = {
        {58, kA6, kB6, 128, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="},
        {58, kB6, kA6, 129, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="},
        {58, kA6, kB6, 146, 0, "1:fYC8+pz24E+EhANP1EZhpX0Dw10="},
        {58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 0,
         "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
        {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 0,
         "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
        {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 0,
         "1:zavyT/cezQr1fmImYCwYnMXbgck="},
        {58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
         "1:2ObVBgIn28oZvibYZhZMBgh7WdQ="},
        {58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
         "1:hLZd0XGWojozrvxqE0dWB1iM6R0="},
        {58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 0,
         "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
        {58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 0,
         "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
        {58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 0, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="},
        {58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 0, "1:pkvHqCL88/tg1k4cPigmZXUtL00="},
    };
    check_all(v);
}

TEST(CommunityId, TcpOverIpv6) {
    const Vector v[] = {{6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a",
                         63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
                        {6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25,
                         63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="}};
    check_all(v);
}

TEST(CommunityId, PortlessProtocolIgnoresPorts) {
    const Vector v[] = {{46, "1.2.3.4", "5.6.7.8", 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768="},
                        {46, "5.6.7.8", "1.2.3.4", 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768="},
                        {46, "10.1.12.1", "10.1.12.2", 7, 9, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
                        {46, kA6, kB6, 0, 0, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0="},
                        {46, kB6, kA6, 0, 0, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0="}};
    check_all(v);
}

}  // namespace
}  // namespace eveflow
