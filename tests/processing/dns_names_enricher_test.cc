// DnsNamesEnricher: EVE dns answers of each layout into the name table, with the client found
// from the ports and CNAME chains followed back to the name asked.
#include "processing/enrich/dns_names_enricher.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "tests/input/eve_line.h"

namespace eveflow::processing {
namespace {

IpAddr ip(const char* text) { return *IpAddr::parse(text); }

// An EVE line: the common fields in `head`, then the `dns` object.
std::string line(const char* head, const std::string& dns) { return head + dns + "}"; }

struct Feed {
    FakeClock clock{1'000'000'000'000};
    Stats stats;
    std::shared_ptr<DnsNameTable> table =
        std::make_shared<DnsNameTable>(100, 3'600'000'000, clock, stats);
    DnsNamesEnricher enricher{table};
    input::EveParser parser;
    std::deque<input::Line> lines;

    void feed(const std::string& text) {
        Event e;
        ASSERT_EQ(lines.emplace_back(text).parse(parser, e), input::ParseResult::kOk);
        enricher.enrich(e);
    }
};

const char* kV1Head =
    R"({"timestamp":"2017-01-30T16:12:27.027213+0100","event_type":"dns","src_ip":"172.21.3.254",)"
    R"("src_port":53,"dest_ip":"172.17.0.2","dest_port":47719,"proto":"UDP","dns":)";

TEST(DnsNamesEnricher, V1ChainsAcrossEventsOfOneAnswer) {
    Feed r;
    // Packet direction: the client is the destination. One event per record.
    r.feed(line(kV1Head,
                R"({"type":"answer","id":7,"rrname":"deb.debian.org","rrtype":"CNAME","ttl":30,)"
                R"("rdata":"prod.debian.map.fastly.net"})"));
    r.feed(line(kV1Head,
                R"({"type":"answer","id":7,"rrname":"prod.debian.map.fastly.net","rrtype":"A",)"
                R"("ttl":30,"rdata":"151.101.12.204"})"));
    // Another id: the chain of id 7 does not apply.
    r.feed(line(kV1Head,
                R"({"type":"answer","id":8,"rrname":"prod.debian.map.fastly.net","rrtype":"AAAA",)"
                R"("ttl":30,"rdata":"2a04:4e42::204"})"));
    EXPECT_EQ(r.table->lookup(ip("172.17.0.2"), ip("151.101.12.204")), "deb.debian.org");
    EXPECT_EQ(r.table->lookup(ip("172.17.0.2"), ip("2a04:4e42::204")),
              "prod.debian.map.fastly.net");
    EXPECT_EQ(r.table->lookup(ip("172.21.3.254"), ip("151.101.12.204")), "");
    // Queries add nothing.
    r.feed(line(kV1Head, R"({"type":"query","id":9,"rrname":"x.org","rrtype":"A"})"));
    EXPECT_EQ(r.table->size(), 2u);
}

const char* kV2Head =
    R"({"timestamp":"2021-06-06T16:26:27.442512+0200","event_type":"dns","src_ip":"192.168.1.129",)"
    R"("src_port":35790,"dest_ip":"192.168.1.1","dest_port":53,"proto":"UDP","dns":)";

TEST(DnsNamesEnricher, V2AnswersAndGroupedResolveToTheQuestion) {
    Feed r;
    // Flow direction: the client is the source.
    r.feed(line(kV2Head,
                R"({"version":2,"type":"answer","id":2,"rrname":"www.Google.com","rrtype":"A",)"
                R"("rcode":"NOERROR","answers":[)"
                R"({"rrname":"www.Google.com","rrtype":"CNAME","ttl":91,"rdata":"a.gl.com"},)"
                R"({"rrname":"a.gl.com","rrtype":"CNAME","ttl":91,"rdata":"b.gl.com"},)"
                R"({"rrname":"b.gl.com","rrtype":"A","ttl":91,"rdata":"172.217.23.196"},)"
                R"({"rrname":"elsewhere.com","rrtype":"A","ttl":91,"rdata":"10.9.9.9"}]})"));
    // grouped only, several CNAMEs: owners unknown, every address is the question's.
    r.feed(
        line(kV2Head,
             R"({"version":2,"type":"answer","id":3,"rrname":"api.github.com","rrtype":"A",)"
             R"("rcode":"NOERROR","grouped":{"CNAME":["x.net","y.net"],"A":["20.205.243.168"]}})"));
    const IpAddr client = ip("192.168.1.129");
    EXPECT_EQ(r.table->lookup(client, ip("172.217.23.196")), "www.google.com");
    EXPECT_EQ(r.table->lookup(client, ip("10.9.9.9")), "");
    EXPECT_EQ(r.table->lookup(client, ip("20.205.243.168")), "api.github.com");
    EXPECT_EQ(r.table->size(), 2u);
}

TEST(DnsNamesEnricher, OtherEventsAreIgnored) {
    Feed r;
    r.feed(R"({"timestamp":"2021-06-06T16:26:27.442512+0200","event_type":"flow",)"
           R"("src_ip":"192.168.1.129","src_port":1,"dest_ip":"1.1.1.1","dest_port":53,)"
           R"("proto":"UDP","flow":{"pkts_toserver":1}})");
    r.feed(line(kV2Head, R"({"version":2,"type":"answer","id":4,"rrname":"n.x",)"
                         R"("rrtype":"A","rcode":"NXDOMAIN"})"));
    EXPECT_EQ(r.table->size(), 0u);
}

}  // namespace
}  // namespace eveflow::processing
