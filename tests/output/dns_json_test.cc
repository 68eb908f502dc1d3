// The DNS records as JSON lines: their exact text, and record_json / record_event_type.
#include <gtest/gtest.h>

#include "output/aggregate_json.h"

namespace eveflow::output {
namespace {

DnsAggregateRecord dns_record() {
    DnsAggregateRecord r;
    r.window_start = Timestamp::from_us(1741594500000000);
    r.window_end = Timestamp::from_us(1741594560000000);
    r.rrname = "www.suricata.io";
    r.rrtype = "A";
    r.queries = 2;
    r.responses = 3;
    r.clients = {"10.0.0.5", "2001:db8::7"};
    r.rcodes = {{"NOERROR", 2}, {"SERVFAIL", 1}};
    r.answers = {"35.212.0.44", "suricata.io"};
    r.answers_overflow = 4;
    return r;
}

TEST(DnsJson, AggregateRecord) {
    std::string out;
    append_dns_aggregate_json(out, dns_record(), "s1");
    EXPECT_EQ(out,
              R"({"event_type":"dns_aggregate","window_start":"2025-03-10T08:15:00.000000Z",)"
              R"("window_end":"2025-03-10T08:16:00.000000Z","rrname":"www.suricata.io",)"
              R"("rrtype":"A","queries":2,"responses":3,"clients":2,)"
              R"("client_ips":["10.0.0.5","2001:db8::7"],"rcodes":{"NOERROR":2,"SERVFAIL":1},)"
              R"("answers":["35.212.0.44","suricata.io"],"answers_overflow":4,"sensor_id":"s1"})");
}

TEST(DnsJson, PdnsRecordWithNegativeTimesAndEscapes) {
    PdnsRecord p;
    p.rrname = "we\"ird\\name";
    p.rrtype = "TXT";
    p.rdata = "a\tb";
    p.count = 7;
    p.time_first = -28800;  // 1969-12-31T16:00:00-0800, as one shared file has it
    p.time_last = 5;
    p.sensor_id = "sensor-b";
    std::string out;
    append_pdns_json(out, p, "s1");
    EXPECT_EQ(out, R"({"event_type":"pdns","rrname":"we\"ird\\name","rrtype":"TXT",)"
                   R"("rdata":"a\tb","count":7,"time_first":-28800,"time_last":5,)"
                   R"("sensor_id":"sensor-b"})");
}

TEST(DnsJson, RecordJsonAndEventType) {
    std::string scratch, direct;
    Record r = dns_record();
    append_dns_aggregate_json(direct, dns_record(), "s1");
    EXPECT_EQ(record_json(r, scratch, "s1"), direct);
    EXPECT_EQ(record_event_type(r), "dns_aggregate");
    EXPECT_EQ(record_event_type(Record(PdnsRecord{})), "pdns");
    EXPECT_EQ(record_event_type(Record(AggregateRecord{})), "flow_aggregate");
    EXPECT_EQ(record_event_type(Record(FlowLifecycle{})), "");
    EXPECT_EQ(record_json(Record(FlowLifecycle{}), scratch, "s1"), "");
}

}  // namespace
}  // namespace eveflow::output
