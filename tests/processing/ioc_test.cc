// Tests of the ioc handler: what each event type is matched on (DNS in its three layouts), the
// alert events it makes, list reloads (file change, failure, SIGHUP) and config errors.
#include "processing/ioc/ioc.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "input/eve/eve_parser.h"
#include "tests/input/eve_line.h"
#include "tests/processing/test_util.h"

namespace eveflow::processing {
namespace {

using eveflow::testing::Section;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

struct EventEmitter : Emitter {
    std::vector<std::string> alerts;
    void emit(SinkId /*sink*/, Record&& /*r*/) override {}
    void emit_event(const Event& e) override {
        EXPECT_EQ(e.type, EventType::kAlert);
        alerts.emplace_back(e.raw);
    }
};

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
}

struct Fixture {
    Fixture() : ctx{stats, clock, "s1"} {
        dir = ::testing::TempDir() + "/ioc_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    std::string list(const std::string& name, const std::string& text) {
        write_file(dir + "/" + name, text);
        return dir + "/" + name;
    }
    void make(const std::string& yaml) {
        section = std::make_unique<Section>(yaml);
        HandlerContext hctx{ctx, {}};
        handler = make_handler(section->node, hctx);
        ASSERT_THAT(section->errors(), ElementsAre());
        ioc = dynamic_cast<Ioc*>(handler.get());
        ASSERT_NE(ioc, nullptr);
    }
    // The (field, indicator) of the alerts `line` makes.
    std::vector<std::string> feed(std::string_view line) {
        input::Line l(line);
        Event e;
        EXPECT_EQ(l.parse(parser, e), input::ParseResult::kOk) << line;
        out.alerts.clear();
        handler->consume(e, out);
        std::vector<std::string> got;
        for (const auto& a : out.alerts) {
            simdjson::dom::parser p;
            simdjson::dom::element doc = p.parse(a);
            got.push_back(std::string(doc["ioc"]["field"].get_string().value()) + " " +
                          std::string(doc["ioc"]["indicator"].get_string().value()));
        }
        return got;
    }
    Stats stats;
    FakeClock clock{0};
    Context ctx;
    std::string dir;
    std::unique_ptr<Section> section;
    std::unique_ptr<Handler> handler;
    Ioc* ioc = nullptr;
    input::EveParser parser;
    EventEmitter out;
};

constexpr const char* kHead =
    R"({"timestamp":"2024-05-01T10:00:00.250000+0200","flow_id":42,"in_iface":"eth0",)"
    R"("src_ip":"10.0.0.5","src_port":5353,"dest_ip":"10.0.0.1","dest_port":53,"proto":"UDP",)";

std::string ev(const std::string& type, const std::string& body) {
    return std::string(kHead) + R"("event_type":")" + type + R"(",)" + body + "}";
}

TEST(Ioc, DnsNamesAndAnswersInEveryLayout) {
    Fixture fx;
    fx.make("{type: ioc, lists: [{name: d, kind: domain, path: " +
            fx.list("d.txt", "Evil.Example\ncname.test\n") +
            "}, {name: i, kind: ip, path: " + fx.list("i.txt", "203.0.113.0/24\n") + "}]}");
    // v1: one query or one answer per event.
    EXPECT_THAT(fx.feed(ev("dns", R"("dns":{"type":"query","rrname":"WWW.EVIL.EXAMPLE."})")),
                ElementsAre("dns.rrname Evil.Example"));
    EXPECT_THAT(
        fx.feed(ev("dns", R"("dns":{"type":"answer","rrname":"a.test","rdata":"203.0.113.9"})")),
        ElementsAre("dns.rdata 203.0.113.0/24"));
    // v2: answers[] and grouped; the answers count, grouped is not read again.
    EXPECT_THAT(
        fx.feed(ev("dns", R"("dns":{"version":2,"type":"answer","rrname":"x.test","answers":[)"
                          R"({"rrname":"x.test","rrtype":"CNAME","rdata":"cname.test"},)"
                          R"({"rrname":"cname.test","rrtype":"A","rdata":"203.0.113.7"}],)"
                          R"("grouped":{"A":["198.51.100.1"]}})")),
        ElementsAre("dns.answers.rdata cname.test", "dns.answers.rdata 203.0.113.0/24"));
    EXPECT_THAT(
        fx.feed(ev("dns", R"("dns":{"version":2,"type":"answer","rrname":"y.test",)"
                          R"("grouped":{"CNAME":["q.evil.example"],"A":["203.0.113.1"]}})")),
        ElementsAre("dns.grouped.CNAME Evil.Example", "dns.grouped.A 203.0.113.0/24"));
    // v3: queries[] and answers[], request and response.
    EXPECT_THAT(fx.feed(ev("dns", R"("dns":{"version":3,"type":"request","queries":[)"
                                  R"({"rrname":"evil.example","rrtype":"A"}]})")),
                ElementsAre("dns.queries.rrname Evil.Example"));
    EXPECT_THAT(fx.feed(ev("dns", R"("dns":{"version":3,"type":"response","queries":[)"
                                  R"({"rrname":"ok.test"}],"answers":[{"rrname":"ok.test",)"
                                  R"("rdata":"203.0.113.200"},{"rrname":"cname.test"}]})")),
                ElementsAre("dns.answers.rdata 203.0.113.0/24", "dns.answers.rrname cname.test"));
    EXPECT_THAT(fx.feed(ev("dns", R"("dns":{"type":"query","rrname":"notevil.example"})")),
                ElementsAre());
    EXPECT_EQ(fx.stats.sum("eveflow_ioc_matches_total"), 9);
}

TEST(Ioc, HttpTlsFileinfoAndFlowFields) {
    Fixture fx;
    fx.make("{type: ioc, lists: [{name: d, kind: domain, path: " + fx.list("d", "evil.example\n") +
            "}, {name: u, kind: url, path: " + fx.list("u", "http://Host.Test/dl/x.exe\n") +
            "}, {name: s, kind: sni, path: " + fx.list("s", "login.test\n") +
            "}, {name: j, kind: ja3, path: " +
            fx.list("j", "e7d705a3286e19ea42f587b344ee6865\n0123456789ABCDEF0123456789abcdef\n") +
            "}, {name: h, kind: hash, path: " + fx.list("h", "d41d8cd98f00b204e9800998ecf8427e\n") +
            "}, {name: i, kind: ip, path: " + fx.list("i", "10.0.0.1\n") + "}]}");
    EXPECT_THAT(fx.feed(ev("http", R"("http":{"hostname":"cdn.Evil.Example","url":"/a"})")),
                ElementsAre("http.hostname evil.example"));
    EXPECT_THAT(fx.feed(ev("http", R"("http":{"hostname":"HOST.test","url":"/dl/x.exe"})")),
                ElementsAre("http.url http://Host.Test/dl/x.exe"));
    EXPECT_THAT(
        fx.feed(ev("http", R"("http":{"hostname":"proxy","url":"http://host.test/dl/x.exe"})")),
        ElementsAre("http.url http://Host.Test/dl/x.exe"));
    EXPECT_THAT(
        fx.feed(
            ev("tls",
               R"("tls":{"sni":"Login.Test.","ja3":{"hash":"e7d705a3286e19ea42f587b344ee6865"},)"
               R"("ja3s":{"hash":"0123456789abcdef0123456789ABCDEF"}})")),
        ElementsAre("tls.sni login.test", "tls.ja3.hash e7d705a3286e19ea42f587b344ee6865",
                    "tls.ja3s.hash 0123456789ABCDEF0123456789abcdef"));
    EXPECT_THAT(fx.feed(ev("tls", R"("tls":{"sni":"a.login.test"})")), ElementsAre());
    EXPECT_THAT(fx.feed(ev("tls", R"("tls":{"sni":"www.evil.example"})")),
                ElementsAre("tls.sni evil.example"));
    EXPECT_THAT(fx.feed(ev("fileinfo", R"("fileinfo":{"md5":"D41D8CD98F00B204E9800998ECF8427E"})")),
                ElementsAre("fileinfo.md5 d41d8cd98f00b204e9800998ecf8427e"));
    EXPECT_THAT(fx.feed(ev("flow", R"("flow":{"pkts_toserver":1})")),
                ElementsAre("dest_ip 10.0.0.1"));
    // Events carrying the address but not of type flow are not matched on it.
    EXPECT_THAT(fx.feed(ev("http", R"("http":{"hostname":"ok.test","url":"/"})")), ElementsAre());
}

TEST(Ioc, TheAlertIsAnEveAlertOfTheMatchedEvent) {
    Fixture fx;
    fx.make(
        "{type: ioc, signature_prefix: \"Test IoC\", category: Bad, lists: [{name: "
        "bad-domains, kind: domain, path: " +
        fx.list("d", "Evil.Example.\n") + ", signature_id: 77, severity: 1}]}");
    fx.feed(ev("dns", R"("dns":{"type":"query","rrname":"x.evil.example"},"host":"sensor-9")"));
    ASSERT_EQ(fx.out.alerts.size(), 1u);
    EXPECT_EQ(fx.out.alerts[0],
              R"({"timestamp":"2024-05-01T08:00:00.250000Z","flow_id":42,"in_iface":"eth0",)"
              R"("event_type":"alert","src_ip":"10.0.0.5","src_port":5353,"dest_ip":"10.0.0.1",)"
              R"("dest_port":53,"proto":"UDP","alert":{"action":"allowed","gid":1,)"
              R"("signature_id":77,"rev":1,"signature":"Test IoC bad-domains: Evil.Example.",)"
              R"("category":"Bad","severity":1},"ioc":{"list":"bad-domains",)"
              R"("indicator":"Evil.Example.","field":"dns.rrname","value":"x.evil.example",)"
              R"("event_type":"dns"},"host":"sensor-9"})");
    // Valid JSON, and the same indicator twice in one event makes one alert.
    fx.feed(ev(
        "dns",
        R"("dns":{"version":3,"queries":[{"rrname":"evil.example"}],"answers":[{"rrname":"evil.example"}]})"));
    EXPECT_EQ(fx.out.alerts.size(), 1u);
}

// Waits (bounded) until the list has been loaded `n` times.
bool wait_loads(Fixture& fx, double n, const char* result = "ok") {
    for (int i = 0; i < 500; ++i) {
        fx.clock.advance(std::chrono::seconds(2));
        fx.handler->tick(fx.clock.steady_now(), fx.out);
        if (fx.stats.sum("eveflow_ioc_list_loads_total", {{"list", "d"}, {"result", result}}) >= n)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

TEST(Ioc, AChangedListFileIsReloadedAndAppliesToTheEventsAfter) {
    Fixture fx;
    std::string path = fx.list("d.txt", "old.test\n");
    fx.make("{type: ioc, lists: [{name: d, kind: domain, path: " + path + "}]}");
    const std::string q_old = ev("dns", R"("dns":{"type":"query","rrname":"old.test"})");
    const std::string q_new = ev("dns", R"("dns":{"type":"query","rrname":"new.test"})");
    EXPECT_THAT(fx.feed(q_old), ElementsAre("dns.rrname old.test"));
    EXPECT_THAT(fx.feed(q_new), ElementsAre());
    // Replaced the way list updaters do: a new file renamed over the old one.
    write_file(path + ".tmp", "# new version\nnew.test\n");
    std::filesystem::rename(path + ".tmp", path);
    ASSERT_TRUE(wait_loads(fx, 2));
    EXPECT_THAT(fx.feed(q_old), ElementsAre());
    EXPECT_THAT(fx.feed(q_new), ElementsAre("dns.rrname new.test"));
    EXPECT_EQ(fx.stats.sum("eveflow_ioc_list_entries", {{"list", "d"}}), 1);
}

TEST(Ioc, AListThatFailsToLoadKeepsItsPreviousVersion) {
    Fixture fx;
    std::string path = fx.list("d.txt", "old.test\n");
    fx.make("{type: ioc, lists: [{name: d, kind: domain, path: " + path + "}]}");
    std::filesystem::remove(path);
    ASSERT_TRUE(wait_loads(fx, 1, "error"));
    const std::string q_old = ev("dns", R"("dns":{"type":"query","rrname":"old.test"})");
    EXPECT_THAT(fx.feed(q_old), ElementsAre("dns.rrname old.test"));
    write_file(path, "new.test\n");
    ASSERT_TRUE(wait_loads(fx, 2));
    EXPECT_THAT(fx.feed(q_old), ElementsAre());
}

TEST(Ioc, AListMissingAtStartIsReadWhenItAppears) {
    Fixture fx;
    const std::string path = fx.dir + "/later.txt";
    fx.make("{type: ioc, lists: [{name: d, kind: domain, path: " + path + "}]}");
    EXPECT_EQ(fx.stats.sum("eveflow_ioc_list_loads_total", {{"result", "error"}}), 1);
    const std::string q = ev("dns", R"("dns":{"type":"query","rrname":"late.test"})");
    EXPECT_THAT(fx.feed(q), ElementsAre());
    write_file(path, "late.test\n");
    ASSERT_TRUE(wait_loads(fx, 1));
    EXPECT_THAT(fx.feed(q), ElementsAre("dns.rrname late.test"));
}

TEST(Ioc, SighupReloadsEveryListEvenUnchanged) {
    Fixture fx;
    fx.make("{type: ioc, lists: [{name: d, kind: domain, path: " + fx.list("d", "a.test\n") +
            "}]}");
    fx.handler->tick(fx.clock.steady_now(), fx.out);
    EXPECT_EQ(fx.stats.sum("eveflow_ioc_list_loads_total", {{"list", "d"}, {"result", "ok"}}), 1);
    fx.ctx.reload_requests.fetch_add(1);
    ASSERT_TRUE(wait_loads(fx, 2));
}

TEST(Ioc, OnlyTheEventTypesSomeListNeedsAreTaken) {
    Fixture fx;
    fx.make("{type: ioc, lists: [{name: h, kind: hash, path: " + fx.list("h", "") + "}]}");
    EXPECT_THAT(fx.handler->event_types(), ElementsAre(EventType::kFileinfo));
    EXPECT_THAT(fx.handler->produced_types(), ElementsAre(EventType::kAlert));
}

TEST(Ioc, ConfigErrors) {
    EXPECT_THAT(testing::handler_config_errors("{type: ioc}"),
                ElementsAre(HasSubstr("handlers[0].lists: must list at least one list")));
    EXPECT_THAT(
        testing::handler_config_errors("{type: ioc, lists: [{name: a, kind: domian, path: /}]}"),
        ElementsAre(HasSubstr("handlers[0].lists[0].kind: must be one of domain | ip | "
                              "url | sni | ja3 | hash (got \"domian\")")));
    EXPECT_THAT(testing::handler_config_errors("{type: ioc, lists: [{name: a, kind: ip}]}"),
                ElementsAre(HasSubstr("handlers[0].lists[0].path: missing")));
    EXPECT_THAT(testing::handler_config_errors(
                    "{type: ioc, lists: [{name: a, kind: ip, path: /, bloom: {}}]}"),
                ElementsAre(HasSubstr(
                    "handlers[0].lists[0].bloom: only domain lists take a Bloom filter")));
    EXPECT_THAT(testing::handler_config_errors(
                    "{type: ioc, lists: [{name: a, kind: domain, path: /, bloom: "
                    "{false_positive_rate: 2}}]}"),
                ElementsAre(HasSubstr("handlers[0].lists[0].bloom.false_positive_rate: must be a "
                                      "number in (0, 0.5) (got \"2\")")));
    EXPECT_THAT(testing::handler_config_errors(
                    "{type: ioc, lists: [{name: a, kind: ip, path: /}, {name: a, kind: "
                    "ip, path: /}]}"),
                ElementsAre(HasSubstr("handlers[0].lists[1].name: repeats the name")));
    EXPECT_THAT(testing::handler_config_errors(
                    "{type: ioc, lists: [{name: a, kind: ip, path: /, colour: red}]}"),
                ElementsAre(HasSubstr("handlers[0].lists[0].colour")));
    EXPECT_THAT(testing::handler_config_errors("{type: ioc, lists: [{name: a, path: /}]}"),
                ElementsAre(HasSubstr("handlers[0].lists[0].kind: missing")));
}

// The commented ioc and alert_context keys of deploy/eveflow.yaml, turned on, parse.
TEST(Ioc, ShippedCommentedKeysParse) {
    std::ifstream in(EVEFLOW_SOURCE_DIR "/deploy/eveflow.yaml");
    std::string line, text = "handlers:\n";
    bool on = false;
    const std::regex key(R"(^  # (- |  )(.*))");
    std::smatch m;
    int items = 0;
    while (std::getline(in, line)) {
        if (line == "  # - type: ioc") on = true;
        if (!on) continue;
        if (std::regex_match(line, m, key)) {
            text += "  " + m[1].str() + m[2].str() + "\n";
            items += m[1].str() == "- ";
        }
        if (line.find("max_total_bytes:") != std::string::npos) break;
    }
    ASSERT_EQ(items, 2);
    YAML::Node root = YAML::Load(text);
    for (size_t i = 0; i < root["handlers"].size(); ++i) {
        auto diag = std::make_shared<ConfigDiagnostics>("eveflow.yaml");
        ConfigNode node(root["handlers"][i], "handlers[" + std::to_string(i) + "]", diag);
        Stats stats;
        Context ctx{stats, SystemClock::instance(), "s1"};
        ctx.check_only = true;
        HandlerContext hctx{ctx, {}};
        auto h = make_handler(node, hctx);
        diag->report_unknown();
        EXPECT_THAT(diag->errors(), ElementsAre()) << text;
    }
}

}  // namespace
}  // namespace eveflow::processing
