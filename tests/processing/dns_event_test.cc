// Tests of the DNS event reader: each layout Suricata writes, read from lines of real shapes.
#include "processing/dns/dns_event.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace eveflow::processing::dns {
namespace {

using ::testing::ElementsAre;

// "rrname rrtype rdata" of each record, to compare lists at a glance.
std::vector<std::string> texts(const std::vector<DnsRecord>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs) {
        out.push_back(std::string(r.rrname) + " " + std::string(r.rrtype) + " " +
                      std::string(r.rdata));
    }
    return out;
}

std::vector<std::string> questions(const DnsMessage& m) {
    std::vector<std::string> out;
    for (const auto& q : m.queries)
        out.push_back(std::string(q.rrname) + " " + std::string(q.rrtype));
    return out;
}

// The lines of the v3 fixture file, by number from 1.
std::string fixture_line(int n) {
    std::ifstream in(EVEFLOW_SOURCE_DIR "/tests/data/eve/dns_layouts.jsonl");
    std::string line;
    for (int i = 0; i < n && std::getline(in, line); ++i) {
    }
    return line;
}

TEST(DnsEvent, V1QueryAndOneEventPerAnswer) {
    DnsEventReader reader;
    DnsMessage m;
    ASSERT_TRUE(reader.read(
        R"({"event_type":"dns","dns":{"type":"query","id":24440,"rrname":"www.google.com","rrtype":"A","tx_id":0}})",
        m));
    EXPECT_EQ(m.layout, DnsLayout::kV1);
    EXPECT_FALSE(m.response);
    EXPECT_EQ(m.id, 24440);
    EXPECT_THAT(questions(m), ElementsAre("www.google.com A"));
    ASSERT_TRUE(reader.read(
        R"({"dns":{"type":"answer","id":24440,"rcode":"NOERROR","rrname":"www.google.com","rrtype":"A","ttl":8,"rdata":"216.197.242.244"}})",
        m));
    EXPECT_TRUE(m.response);
    EXPECT_EQ(m.rcode, "NOERROR");
    EXPECT_TRUE(m.queries.empty());
    EXPECT_THAT(texts(m.answers), ElementsAre("www.google.com A 216.197.242.244"));
    EXPECT_EQ(m.answers[0].ttl, 8u);
}

TEST(DnsEvent, V1AnswerWithoutRecordsGivesTheQuestionName) {
    DnsEventReader reader;
    DnsMessage m;
    ASSERT_TRUE(reader.read(
        R"({"dns":{"type":"answer","id":13786,"rcode":"NXDOMAIN","rrname":"_http._tcp.security.debian.org"}})",
        m));
    EXPECT_TRUE(m.answers.empty());
    EXPECT_THAT(questions(m), ElementsAre("_http._tcp.security.debian.org "));
    EXPECT_EQ(m.rcode, "NXDOMAIN");
    // A record without rrname (logged so for SRV) is still a record.
    ASSERT_TRUE(reader.read(
        R"({"dns":{"type":"answer","id":1,"rcode":"NOERROR","rrtype":"SRV","ttl":300,"rdata":""}})",
        m));
    EXPECT_THAT(texts(m.answers), ElementsAre(" SRV "));
}

TEST(DnsEvent, V2AnswersCountedOnceThoughGroupedToo) {
    DnsEventReader reader;
    DnsMessage m;
    ASSERT_TRUE(reader.read(
        R"({"dns":{"version":2,"type":"answer","id":25783,"rrname":"static.programme-tv.net","rrtype":"AAAA","rcode":"NOERROR","answers":[{"rrname":"static.programme-tv.net","rrtype":"CNAME","ttl":630,"rdata":"programme-tv.net.edgesuite.net"},{"rrname":"programme-tv.net.edgesuite.net","rrtype":"CNAME","ttl":20432,"rdata":"a1859.g.akamai.net"}],"grouped":{"CNAME":["programme-tv.net.edgesuite.net","a1859.g.akamai.net"]},"authorities":[{"rrname":"g.akamai.net","rrtype":"SOA","ttl":1000,"soa":{"mname":"n0g.akamai.net","rname":"hostmaster.akamai.com","serial":1,"refresh":2,"retry":3,"expire":4,"minimum":5}}]}})",
        m));
    EXPECT_EQ(m.layout, DnsLayout::kV2);
    EXPECT_TRUE(m.response);
    EXPECT_THAT(questions(m), ElementsAre("static.programme-tv.net AAAA"));
    EXPECT_THAT(texts(m.answers),
                ElementsAre("static.programme-tv.net CNAME programme-tv.net.edgesuite.net",
                            "programme-tv.net.edgesuite.net CNAME a1859.g.akamai.net"));
    EXPECT_THAT(texts(m.authorities),
                ElementsAre("g.akamai.net SOA n0g.akamai.net hostmaster.akamai.com 1 2 3 4 5"));
}

TEST(DnsEvent, V2GroupedOnlyGetsOwnerNamesWhenTheChainIsKnown) {
    DnsEventReader reader;
    DnsMessage m;
    ASSERT_TRUE(reader.read(fixture_line(11), m));
    EXPECT_THAT(texts(m.answers),
                ElementsAre("cdn.example CNAME edge.cdn.example", "edge.cdn.example A 198.51.100.1",
                            "edge.cdn.example A 198.51.100.2"));
    ASSERT_TRUE(reader.read(
        R"({"dns":{"version":2,"type":"answer","rrname":"a.example","rrtype":"A","grouped":{"CNAME":["b.example","c.example"],"A":["192.0.2.1"]}}})",
        m));
    EXPECT_THAT(texts(m.answers),
                ElementsAre(" CNAME b.example", " CNAME c.example", " A 192.0.2.1"));
}

TEST(DnsEvent, V3RequestResponseAndAuthorities) {
    DnsEventReader reader;
    DnsMessage m;
    ASSERT_TRUE(reader.read(fixture_line(1), m));
    EXPECT_EQ(m.layout, DnsLayout::kV3);
    EXPECT_FALSE(m.response);
    EXPECT_THAT(questions(m), ElementsAre("www.suricata.io A"));
    ASSERT_TRUE(reader.read(fixture_line(2), m));
    EXPECT_TRUE(m.response);
    EXPECT_EQ(m.id, 100);
    EXPECT_THAT(texts(m.answers),
                ElementsAre("www.suricata.io CNAME suricata.io", "suricata.io A 35.212.0.44"));
    ASSERT_TRUE(reader.read(fixture_line(6), m));
    EXPECT_EQ(m.rcode, "NXDOMAIN");
    EXPECT_TRUE(m.answers.empty());
    EXPECT_THAT(texts(m.authorities),
                ElementsAre("example SOA ns.example hostmaster.example 2025031001 7200 3600 "
                            "1209600 900"));
}

TEST(DnsEvent, V3GroupedSrvIsPresented) {
    DnsEventReader reader;
    DnsMessage m;
    ASSERT_TRUE(reader.read(fixture_line(10), m));
    EXPECT_THAT(texts(m.answers), ElementsAre("_sip._udp.example SRV 10 5 5060 sip.example"));
}

TEST(DnsEvent, InsideAlerts) {
    DnsEventReader reader;
    DnsMessage m;
    ASSERT_TRUE(reader.read(fixture_line(7), m));  // v3
    EXPECT_EQ(m.layout, DnsLayout::kV3);
    EXPECT_THAT(questions(m), ElementsAre("evil.example A"));
    // Suricata 6 and 7: query[] and an answer object.
    ASSERT_TRUE(reader.read(
        R"({"event_type":"alert","dns":{"query":[{"type":"query","id":48293,"rrname":"api.github.com","rrtype":"A","tx_id":0}]}})",
        m));
    EXPECT_FALSE(m.response);
    EXPECT_EQ(m.id, 48293);
    EXPECT_THAT(questions(m), ElementsAre("api.github.com A"));
    ASSERT_TRUE(reader.read(
        R"({"event_type":"alert","dns":{"answer":{"version":2,"type":"answer","id":7,"rrname":"x.example","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":"x.example","rrtype":"A","ttl":5,"rdata":"192.0.2.7"}]}}})",
        m));
    EXPECT_TRUE(m.response);
    EXPECT_THAT(texts(m.answers), ElementsAre("x.example A 192.0.2.7"));
}

TEST(DnsEvent, NotDns) {
    DnsEventReader reader;
    DnsMessage m;
    EXPECT_FALSE(reader.read(R"({"event_type":"flow"})", m));
    EXPECT_FALSE(reader.read(R"({"dns":"x"})", m));
    EXPECT_FALSE(reader.read(R"({"dns":{"type":"query")", m));
    EXPECT_FALSE(reader.read("", m));
}

TEST(DnsEvent, ClientIsTheEndpointNotOnPort53) {
    FlowEntry f;
    f.src_ip = *IpAddr::parse("10.0.0.1");
    f.dest_ip = *IpAddr::parse("10.0.0.9");
    f.has_src_ip = f.has_dest_ip = f.has_src_port = f.has_dest_port = true;
    f.src_port = 53;
    f.dest_port = 40000;
    IpAddr c;
    ASSERT_TRUE(dns_client(f, c));
    EXPECT_EQ(c.to_string(), "10.0.0.9");  // a response logged in packet direction
    f.src_port = 40000;
    f.dest_port = 53;
    ASSERT_TRUE(dns_client(f, c));
    EXPECT_EQ(c.to_string(), "10.0.0.1");
    f.src_port = f.dest_port = 5353;  // neither or both: the source
    ASSERT_TRUE(dns_client(f, c));
    EXPECT_EQ(c.to_string(), "10.0.0.1");
    f.has_src_ip = false;
    EXPECT_FALSE(dns_client(f, c));
}

}  // namespace
}  // namespace eveflow::processing::dns
