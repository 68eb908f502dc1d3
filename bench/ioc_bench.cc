// Per-event cost of the ioc handler (101k indicators: 50k domains, 50k addresses and ranges,
// 1k hashes)
// on dns, http, tls, fileinfo and flow events that match nothing, and of the list lookups.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "input/eve/eve_parser.h"
#include "processing/ioc/ioc.h"
#include "util/log.h"

namespace {

using namespace eveflow;

class NullEmitter final : public processing::Emitter {
public:
    void emit(processing::SinkId, Record&&) override {}
    void emit_event(const Event&) override { ++alerts; }
    uint64_t alerts = 0;
};

std::string random_name(std::mt19937& rng) {
    std::string s;
    for (int i = 0; i < 10; ++i) s += static_cast<char>('a' + rng() % 26);
    return s + (rng() % 2 ? ".com" : ".example.net");
}

// Writes the two lists of 50k entries each; gives their directory.
std::string write_lists() {
    std::string dir = std::filesystem::temp_directory_path() / "eveflow_ioc_bench";
    std::filesystem::create_directories(dir);
    std::mt19937 rng(5);
    std::ofstream d(dir + "/domains"), ip(dir + "/ips"), h(dir + "/hashes");
    for (int i = 0; i < 1000; ++i) {
        char md5[40];
        std::snprintf(md5, sizeof md5, "%08x%08x%08x%08x", static_cast<unsigned>(rng()),
                      static_cast<unsigned>(rng()), static_cast<unsigned>(rng()),
                      static_cast<unsigned>(rng()));
        h << md5 << "\n";
    }
    for (int i = 0; i < 50000; ++i) d << random_name(rng) << "\n";
    for (int i = 0; i < 50000; ++i) {
        ip << IpAddr::v4(0x0B000000u + static_cast<uint32_t>(rng() % 0x40000000u)).to_string()
           << (i % 10 == 0 ? "/24" : "") << "\n";
    }
    return dir;
}

// Events of one type, parsed as the inputs parse them.
struct Events {
    explicit Events(const std::string& type) {
        std::mt19937 rng(9);
        for (int i = 0; i < 1024; ++i) {
            std::string body;
            if (type == "dns") {
                std::string n = "www." + random_name(rng);
                body = R"("dns":{"version":2,"type":"answer","rrname":")" + n +
                       R"(","answers":[{"rrname":")" + n + R"(","rdata":"cdn.)" + random_name(rng) +
                       R"("},{"rrname":"cdn.x","rdata":"10.1.2.3"}]})";
            } else if (type == "http") {
                body = R"("http":{"hostname":")" + random_name(rng) + R"(","url":"/a/b?c=1"})";
            } else if (type == "tls") {
                body = R"("tls":{"sni":")" + random_name(rng) +
                       R"(","ja3":{"hash":"e7d705a3286e19ea42f587b344ee6865"}})";
            } else if (type == "fileinfo") {
                body = R"("fileinfo":{"md5":"d41d8cd98f00b204e9800998ecf8427e"})";
            } else {
                body = R"("flow":{"pkts_toserver":1})";
            }
            add(R"({"timestamp":"2024-05-01T10:00:00.000000Z","flow_id":1,"event_type":")" + type +
                R"(","src_ip":"10.0.0.1","src_port":1000,"dest_ip":"192.0.2.)" +
                std::to_string(i % 250) + R"(","dest_port":443,"proto":"TCP",)" + body + "}");
        }
    }
    void add(const std::string& line) {
        auto& buf = bufs.emplace_back(line);
        buf.resize(line.size() + input::kEvePadding);
        Event e;
        parser.parse(buf.data(), line.size(), buf.size(), e, decoded);
        events.push_back(e);
    }
    input::EveParser parser;
    DecodedStrings decoded;
    std::deque<std::string> bufs;
    std::vector<Event> events;
};

void BM_IocConsume(benchmark::State& state, const std::string& type) {
    static const std::string dir = write_lists();
    spdlog::set_level(spdlog::level::warn);
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s1"};
    processing::IocConfig c;
    using processing::ioc::Kind;
    for (auto [name, kind, file] :
         {std::tuple{"domains", Kind::kDomain, "/domains"}, std::tuple{"ips", Kind::kIp, "/ips"},
          std::tuple{"hashes", Kind::kHash, "/hashes"}}) {
        processing::IocListConfig l;
        l.name = name;
        l.kind = kind;
        l.path = dir + file;
        c.lists.push_back(l);
    }
    processing::HandlerContext hctx{ctx, {}};
    processing::Ioc h(c, hctx);
    Events ev(type);
    NullEmitter out;
    size_t i = 0;
    for (auto _ : state) {
        h.consume(ev.events[i++ & 1023], out);
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["alerts"] = static_cast<double>(out.alerts);
}
BENCHMARK_CAPTURE(BM_IocConsume, dns, std::string("dns"));
BENCHMARK_CAPTURE(BM_IocConsume, http, std::string("http"));
BENCHMARK_CAPTURE(BM_IocConsume, tls, std::string("tls"));
BENCHMARK_CAPTURE(BM_IocConsume, fileinfo, std::string("fileinfo"));
BENCHMARK_CAPTURE(BM_IocConsume, flow, std::string("flow"));

}  // namespace
