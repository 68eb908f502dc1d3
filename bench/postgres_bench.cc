// PostgreSQL sink throughput into a local server: aggregate rows/s, raw events/s and live
// table operations/s by batch size, with client and server CPU per row. Needs EVEFLOW_TEST_PG_DSN
// and EVEFLOW_TEST_PG_DATA (eval $(scripts/start-postgres.sh DIR)).
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "output/postgres/jsonb_order.h"
#include "output/postgres/postgres_sink.h"

namespace eveflow {
namespace {

constexpr int kRowsPerIteration = 200000;
constexpr size_t kWriteBatch = 1024;  // records per write(), as the sink runner hands them

double self_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU seconds of each of the server's processes (children of the postmaster): the backends
// doing the work.
std::map<long, double> server_cpu() {
    std::map<long, double> out;
    const char* data = std::getenv("EVEFLOW_TEST_PG_DATA");
    if (!data) return out;
    std::ifstream pidfile(std::string(data) + "/postmaster.pid");
    long pm = 0;
    pidfile >> pm;
    const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    DIR* d = opendir("/proc");
    while (dirent* e = d ? readdir(d) : nullptr) {
        std::ifstream st(std::string("/proc/") + e->d_name + "/stat");
        std::string line;
        if (!std::getline(st, line)) continue;
        std::istringstream rest(line.substr(line.rfind(')') + 2));
        std::string f;
        long ppid = 0;
        unsigned long long utime = 0, stime = 0;
        rest >> f >> ppid;
        for (int i = 0; i < 9; ++i) rest >> f;
        rest >> utime >> stime;
        if (ppid == pm) out[std::atol(e->d_name)] = (utime + stime) / tick;
    }
    if (d) closedir(d);
    return out;
}

// Server CPU spent between two samples by the processes alive at the second (a backend of an
// earlier benchmark that exits meanwhile must not count negative).
double server_cpu_since(const std::map<long, double>& before) {
    double total = 0;
    for (const auto& [pid, cpu] : server_cpu()) {
        auto it = before.find(pid);
        total += cpu - (it == before.end() ? 0 : it->second);
    }
    return total;
}

struct Bench {
    Bench(benchmark::State& state, const std::string& extra) : ctx{stats, clock, "bench"} {
        const char* dsn = std::getenv("EVEFLOW_TEST_PG_DSN");
        if (!dsn) return;
        schema = "bench_" + std::to_string(getpid()) + "_" + std::to_string(state.range(0)) + "_" +
                 std::to_string(state.range(1));
        exec(dsn, "DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
        base = dsn;
        const std::string yaml = "{type: postgres, dsn: \"" + base +
                                 " options='-csearch_path=" + schema +
                                 "'\", batch_size: " + std::to_string(state.range(0)) +
                                 ", flush_interval: 200ms, max_buffer: 1GiB" + extra + "}";
        auto diag = std::make_shared<ConfigDiagnostics>("bench.yaml");
        ConfigNode node(YAML::Load(yaml), "outputs[0]", diag);
        sink = std::make_unique<output::postgres::PostgresSink>(
            output::postgres::parse_config(node), ctx);
        sink->open();
    }
    ~Bench() {
        if (!sink) return;
        (void)sink->close();
        exec(base, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
    static void exec(const std::string& dsn, const std::string& sql) {
        pqxx::connection c(dsn);
        pqxx::nontransaction tx(c);
        tx.exec(sql);
    }
    void drain() {
        while (stats.sum("eveflow_postgres_buffer_bytes") > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    void run(benchmark::State& state, const std::function<Record(int64_t)>& make) {
        if (!sink) {
            state.SkipWithError("EVEFLOW_TEST_PG_DSN not set");
            return;
        }
        int64_t next = 0;
        double cpu = 0, server = 0;
        std::vector<Record> batch;
        for (auto _ : state) {
            const double c0 = self_cpu_seconds();
            const auto s0 = server_cpu();
            for (int i = 0; i < kRowsPerIteration; ++i) {
                batch.push_back(make(next++));
                if (batch.size() == kWriteBatch) {
                    (void)sink->write(batch);
                    batch.clear();
                }
            }
            (void)sink->write(batch);
            batch.clear();
            drain();
            cpu += self_cpu_seconds() - c0;
            server += server_cpu_since(s0);
        }
        const double rows = static_cast<double>(state.iterations()) * kRowsPerIteration;
        state.SetItemsProcessed(static_cast<int64_t>(rows));
        state.counters["client_us_per_row"] = cpu / rows * 1e6;
        state.counters["server_us_per_row"] = server / rows * 1e6;
        state.counters["rejected"] = stats.sum("eveflow_postgres_rows_rejected_total");
    }

    Stats stats;
    const SystemClock& clock = SystemClock::instance();
    Context ctx;
    std::string base, schema;
    std::unique_ptr<output::Sink> sink;
};

// Distinct keys (no merge), as a busy sensor's windows give: 200k keys a window.
Record aggregate_row(int64_t n) {
    Record r;
    AggregateRecord& a = std::get<AggregateRecord>(r);
    const int64_t window = (n / kRowsPerIteration) * 60000000;
    a.window_start = Timestamp::from_us(1700000000000000 + window);
    a.window_end = Timestamp::from_us(a.window_start.us + 60000000);
    a.src_ip = IpAddr::v4(0x0a000000u + static_cast<uint32_t>(n % kRowsPerIteration));
    a.dest_ip = IpAddr::v4(0xc0000201u + static_cast<uint32_t>(n % 7));
    a.dest_port = static_cast<uint16_t>(443 + n % 3);
    a.proto = 6;
    a.flows = 3;
    a.src_ports = 2;
    a.pkts_toserver = 12;
    a.pkts_toclient = 10;
    a.bytes_toserver = 1500;
    a.bytes_toclient = 64000;
    a.first_seen = a.window_start;
    a.last_seen = a.window_end;
    return r;
}

// Real-sized EVE lines (a dns, an alert, a flow and a tls record of Suricata 6 shape).
const std::vector<std::string>& sample_lines() {
    static const std::vector<std::string> lines = {
        R"({"timestamp":"2024-05-01T10:00:00.123456+0000","flow_id":1234567890123456,"in_iface":"eth0","event_type":"dns","src_ip":"10.0.0.5","src_port":53124,"dest_ip":"10.0.0.1","dest_port":53,"proto":"UDP","dns":{"type":"query","id":41211,"rrname":"www.example.com","rrtype":"A","tx_id":0,"opcode":0}})", R"({"timestamp":"2024-05-01T10:00:00.223456+0000","flow_id":1234567890123457,"in_iface":"eth0","event_type":"alert","src_ip":"10.0.0.5","src_port":41000,"dest_ip":"93.184.216.34","dest_port":80,"proto":"TCP","tx_id":0,"alert":{"action":"allowed","gid":1,"signature_id":2013028,"rev":7,"signature":"ET POLICY curl User-Agent Outbound","category":"Attempted Information Leak","severity":2},"http":{"hostname":"example.com","url":"/","http_user_agent":"curl/8.0","http_method":"GET","protocol":"HTTP/1.1","length":0},"app_proto":"http","flow":{"pkts_toserver":4,"pkts_toclient":3,"bytes_toserver":350,"bytes_toclient":1200,"start":"2024-05-01T10:00:00.100000+0000"}})", R"({"timestamp":"2024-05-01T10:00:01.000000+0000","flow_id":1234567890123458,"in_iface":"eth0","event_type":"flow","src_ip":"10.0.0.5","src_port":41002,"dest_ip":"93.184.216.34","dest_port":443,"proto":"TCP","app_proto":"tls","flow":{"pkts_toserver":12,"pkts_toclient":14,"bytes_toserver":1800,"bytes_toclient":24000,"start":"2024-05-01T09:59:58.000000+0000","end":"2024-05-01T10:00:00.900000+0000","age":2,"state":"closed","reason":"timeout","alerted":false},"tcp":{"tcp_flags":"1b","tcp_flags_ts":"1b","tcp_flags_tc":"1b","syn":true,"fin":true,"psh":true,"ack":true,"state":"closed"}})", R"({"timestamp":"2024-05-01T10:00:01.500000+0000","flow_id":1234567890123459,"in_iface":"eth0","event_type":"tls","src_ip":"10.0.0.5","src_port":41004,"dest_ip":"93.184.216.34","dest_port":443,"proto":"TCP","tls":{"subject":"CN=www.example.org","issuerdn":"C=US, O=DigiCert Inc, CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1","serial":"0F:BE:08:B0:85:4D:05:73:8A:B0:CC:E1:C9:AF:EE:C9","fingerprint":"45:46:3a:4f:33:ad:21:aa:8c:ee:64:1a:7e:a5:c7:01:2b:73:b5:f5","sni":"www.example.org","version":"TLS 1.3","notbefore":"2024-01-30T00:00:00","notafter":"2025-03-01T23:59:59","ja3":{"hash":"e7d705a3286e19ea42f587b344ee6865","string":"771,4865-4866-4867,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-21,29-23-24,0"}}})"};
    return lines;
}

Record raw_row(int64_t n) {
    static const char* kTypes[] = {"dns", "alert", "flow", "tls"};
    Record r;
    r = RawEvent{};
    const size_t i = static_cast<size_t>(n % 4);
    std::get<RawEvent>(r).type_name = kTypes[i];
    std::get<RawEvent>(r).type = event_type_from_name(kTypes[i]);
    std::get<RawEvent>(r).line = sample_lines()[i];
    FlowEntry& f = std::get<RawEvent>(r).fields;
    f.ts = Timestamp::from_us(SystemClock::instance().now_us() - 3600000000LL + n % 3600000000LL);
    f.src_ip = IpAddr::v4(0x0a000005u);
    f.dest_ip = IpAddr::v4(0x5db8d822u);
    f.has_src_ip = f.has_dest_ip = f.has_src_port = f.has_dest_port = f.has_proto = true;
    f.src_port = static_cast<uint16_t>(40000 + n % 20000);
    f.dest_port = 443;
    f.proto = 6;
    f.flow_id = static_cast<uint64_t>(n + 1);
    return r;
}

// Arguments: batch_size, raw_events.connections.
// As raw_row, with the address spread of real traffic (65,536 sources, 4,096 destinations,
// any port) and time in order, as a sensor's stream is: what the e2e input looks like to the
// indexes. raw_row's single address pair keeps the src_ip and dest indexes unrealistically
// cheap; its random times within an hour make the ts index dearer.
Record varied_raw_row(int64_t n) {
    Record r = raw_row(n);
    FlowEntry& f = std::get<RawEvent>(r).fields;
    const auto h = static_cast<uint32_t>((static_cast<uint64_t>(n) * 0x9E3779B97F4A7C15ull) >> 32);
    f.src_ip = IpAddr::v4(0x0a000000u + (h & 0xffffu));
    f.dest_ip = IpAddr::v4(0xcb000000u + ((h >> 16) & 0xfffu));
    f.dest_port = static_cast<uint16_t>(h >> 20);
    f.ts = Timestamp::from_us(SystemClock::instance().now_us() - 3600000000LL + n * 10);
    return r;
}

void BM_AggregateRows(benchmark::State& state) {
    Bench b(state, "");
    b.run(state, aggregate_row);
}

void BM_RawEvents(benchmark::State& state) {
    Bench b(state,
            ", raw_events: {types: [all], connections: " + std::to_string(state.range(1)) + "}");
    b.run(state, raw_row);
}

void BM_RawEventsVaried(benchmark::State& state) {
    Bench b(state,
            ", raw_events: {types: [all], connections: " + std::to_string(state.range(1)) + "}");
    b.run(state, varied_raw_row);
}

// Flow lifecycle operations as a meter with updates on sends them: kLiveFlows flows alive at
// any time, each reported once per round; a flow lives kLiveRounds rounds (an insert, updates,
// a remove), then its slot takes a new flow. 80% updates, 10% inserts, 10% removes.
constexpr int64_t kLiveFlows = 20000, kLiveRounds = 10;
Record live_op(int64_t n) {
    const int64_t slot = n % kLiveFlows, round = n / kLiveFlows, age = round % kLiveRounds;
    Record r{std::in_place_type<FlowLifecycle>};
    FlowLifecycle& f = std::get<FlowLifecycle>(r);
    f.op = age == 0 ? FlowOp::kInsert : age == kLiveRounds - 1 ? FlowOp::kRemove : FlowOp::kUpdate;
    f.flow_id = static_cast<uint64_t>(slot + kLiveFlows * (round / kLiveRounds) + 1);
    const int64_t now = SystemClock::instance().now_us();
    f.at = Timestamp::from_us(now);
    FlowEntry& e = f.fields;
    e.src_ip = IpAddr::v4(0x0a000000u + static_cast<uint32_t>(slot));
    e.dest_ip = IpAddr::v4(0x5db8d822u);
    e.has_src_ip = e.has_dest_ip = e.has_src_port = e.has_dest_port = e.has_proto = true;
    e.src_port = static_cast<uint16_t>(20000 + slot % 40000);
    e.dest_port = 443;
    e.proto = 6;
    e.start = Timestamp::from_us(now - age * 1000000);
    e.end = f.at;
    e.pkts_toserver = static_cast<uint64_t>(10 * (age + 1));
    e.pkts_toclient = static_cast<uint64_t>(12 * (age + 1));
    e.bytes_toserver = static_cast<uint64_t>(1500 * (age + 1));
    e.bytes_toclient = static_cast<uint64_t>(24000 * (age + 1));
    if (f.op == FlowOp::kRemove) return r;
    f.json =
        R"({"flow_id":)" + std::to_string(f.flow_id) +
        R"(,"community_id":"1:wCb3OG7yAFWelaUydu0D+125CLM=","src_ip":"10.0.0.5","src_port":)" +
        std::to_string(e.src_port) +
        R"(,"dest_ip":"93.184.216.34","dest_port":443,"proto":"TCP","app_proto":"tls",)"
        R"("flow":{"pkts_toserver":)" +
        std::to_string(e.pkts_toserver) + R"(,"bytes_toserver":)" +
        std::to_string(e.bytes_toserver) +
        R"(,"start":"2026-12-06T10:00:00.000000+0000","state":"established","reason":"update"}})";
    return r;
}

// Arguments: batch_size, unused (1). Operations/s into the live table and flow_log.
void BM_LiveUpserts(benchmark::State& state) {
    Bench b(state, ", live_table: flow_live");
    b.run(state, live_op);
}

// The sink's rewrite of a raw payload into jsonb's key order (no server needed): the client
// CPU it adds per row, against the server CPU it saves (BM_RawEvents' server_us_per_row).
void BM_JsonbOrder(benchmark::State& state) {
    const auto& lines = sample_lines();
    size_t i = 0, bytes = 0;
    for (auto _ : state) {
        const std::string_view line = lines[i++ % lines.size()];
        benchmark::DoNotOptimize(output::postgres::in_jsonb_order(line).data());
        bytes += line.size();
    }
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

BENCHMARK(BM_JsonbOrder);
BENCHMARK(BM_AggregateRows)
    ->ArgNames({"batch", "conns"})
    ->Args({1000, 1})
    ->Args({5000, 1})
    ->Args({10000, 1})
    ->Args({50000, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK(BM_RawEvents)
    ->ArgNames({"batch", "conns"})
    ->Args({1000, 2})
    ->Args({5000, 2})
    ->Args({10000, 2})
    ->Args({50000, 2})
    ->Args({10000, 1})
    ->Args({10000, 3})
    ->Args({10000, 4})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK(BM_LiveUpserts)
    ->ArgNames({"batch", "conns"})
    ->Args({1000, 1})
    ->Args({10000, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK(BM_RawEventsVaried)
    ->ArgNames({"batch", "conns"})
    ->Args({10000, 1})
    ->Args({10000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace
}  // namespace eveflow
