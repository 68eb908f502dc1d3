// Flow lifecycle routing: the plan sends the meter's insert / update / remove records to the
// lifecycle outputs only, in order per flow; checked with a sink of this test's own.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "cmd/eveflow/app.h"
#include "cmd/eveflow/pipeline.h"
#include "cmd/eveflow/plan.h"
#include "tests/cmd/plan_util.h"
#include "tests/input/pcap_writer.h"
#include "types/community_id.h"

namespace eveflow {
namespace {

using eveflow::testing::pkt;
using eveflow::testing::SynthFlow;

/// Everything the test sinks were given, in order.
struct Received {
    std::mutex mu;
    std::vector<Record> records;
};
Received& received() {
    static Received r;
    return r;
}

class LifecycleTestSink final : public output::Sink {
public:
    std::string_view name() const override { return "lifecycle_test"; }
    Status write(std::span<const Record> batch) override {
        std::lock_guard lock(received().mu);
        for (const Record& r : batch) received().records.push_back(r);
        return {};
    }
};

std::unique_ptr<output::Sink> make_test_sink(const ConfigNode& /*node*/, Context& /*ctx*/) {
    return std::make_unique<LifecycleTestSink>();
}

void register_test_sink() {
    static std::once_flag once;
    std::call_once(once, [] {
        output::register_sink_type({"lifecycle_test", &make_test_sink},
                                   output::LifecycleRoute::kOnly);
    });
}

struct Planned {
    std::vector<std::string> errors, routes;
    bool lifecycle = false;
};

Planned plan_of(const std::string& yaml) {
    register_test_sink();
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s"};
    ctx.check_only = true;
    std::shared_ptr<ConfigDiagnostics> diag;
    cmd::Plan plan = eveflow::testing::plan_from_yaml(yaml, ctx, diag);
    return {diag->errors(), plan.describe(), plan.lifecycle};
}

bool has_line(const std::vector<std::string>& lines, const std::string& want) {
    return std::find(lines.begin(), lines.end(), want) != lines.end();
}

TEST(FlowLifecycleRoute, TheOneFunctionDecidesByTypeAndSection) {
    auto diag = std::make_shared<ConfigDiagnostics>("eveflow.yaml");
    auto node = [&](const char* yaml) { return ConfigNode(YAML::Load(yaml), "outputs[0]", diag); };
    using R = output::LifecycleRoute;
    EXPECT_EQ(output::takes_lifecycle("redis", node("{type: redis}")), R::kOnly);
    EXPECT_EQ(output::takes_lifecycle("postgres", node("{type: postgres, live_table: flow_live}")),
              R::kAlso);
    EXPECT_EQ(output::takes_lifecycle("postgres", node("{type: postgres}")), R::kNone);
    EXPECT_EQ(output::takes_lifecycle("jsonl", node("{type: jsonl, path: x}")), R::kNone);
}

TEST(FlowLifecyclePlan, LifecycleOutputsGetLifecycleRecordsOnly) {
    auto p = plan_of(
        "inputs: [{type: pcap, file: /dev/null}]\n"
        "outputs: [{type: jsonl, path: /tmp/eveflow-plan-a.jsonl}, {type: lifecycle_test}]\n"
        "forward: [{types: [flow], outputs: [{type: jsonl, path: /tmp/eveflow-plan-f.jsonl}]}]\n");
    ASSERT_TRUE(p.errors.empty()) << p.errors[0];
    EXPECT_TRUE(p.lifecycle);
    EXPECT_TRUE(has_line(p.routes, "handler flow_lifecycle -> output lifecycle_test[1]"));
    EXPECT_TRUE(has_line(p.routes, "handler flow_aggregate -> output jsonl[0]"));
    for (const auto& l : p.routes) {
        bool to_lifecycle = l.find("lifecycle_test[1]") != std::string::npos;
        bool from_lifecycle = l.rfind("handler flow_lifecycle ", 0) == 0;
        EXPECT_EQ(to_lifecycle, from_lifecycle) << l;
    }
}

TEST(FlowLifecyclePlan, NoLifecycleOutputNoLifecycleHandler) {
    auto p = plan_of(
        "inputs: [{type: pcap, file: /dev/null}]\n"
        "outputs: [{type: jsonl, path: /tmp/eveflow-plan-a.jsonl}]\n");
    ASSERT_TRUE(p.errors.empty()) << p.errors[0];
    EXPECT_FALSE(p.lifecycle);
    for (const auto& l : p.routes) EXPECT_EQ(l.find("flow_lifecycle"), std::string::npos) << l;
}

constexpr int64_t kBase = 1'700'000'000'000'000;

// Flows with 1 to 9 packets, one every 1.5 s, started 0.1 s apart.
std::vector<SynthFlow> flows_of_every_length() {
    std::vector<SynthFlow> flows(9);
    for (size_t i = 0; i < flows.size(); ++i) {
        flows[i].client_port = static_cast<uint16_t>(30000 + i);
        for (size_t k = 0; k <= i; ++k) {
            int64_t t =
                kBase + static_cast<int64_t>(i) * 100'000 + static_cast<int64_t>(k) * 1'500'000;
            flows[i].packets.push_back(pkt(t, k % 2 == 0, 20));
        }
    }
    return flows;
}

// From the flow records file: flow_id -> (packets of the final record, update lines seen
// after the flow had `min_packets`), by a scan of the lines.
struct FlowLines {
    std::map<uint64_t, uint64_t> final_packets;
    std::map<uint64_t, uint64_t> updates_after;
    uint64_t updates_total = 0;
};

uint64_t number_after(const std::string& line, const std::string& key) {
    size_t at = line.find("\"" + key + "\":");
    return at == std::string::npos ? 0 : std::stoull(line.substr(at + key.size() + 3));
}

FlowLines read_flow_lines(const std::string& path, uint64_t min_packets) {
    FlowLines out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        uint64_t id = number_after(line, "flow_id");
        uint64_t pkts = number_after(line, "pkts_toserver") + number_after(line, "pkts_toclient");
        if (line.find("\"reason\":\"update\"") != std::string::npos) {
            ++out.updates_total;
            if (pkts >= min_packets) ++out.updates_after[id];
        } else {
            out.final_packets[id] = pkts;
        }
    }
    return out;
}

TEST(FlowLifecyclePipeline, EachInsertedFlowIsInsertedUpdatedAndRemovedOnceInOrder) {
    register_test_sink();
    {
        std::lock_guard lock(received().mu);
        received().records.clear();
    }
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("eveflow-lifecycle-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string cap = (dir / "c.pcap").string(), flows = (dir / "flows.jsonl").string();
    eveflow::testing::write_pcap(cap, flows_of_every_length());
    const std::string yaml = "inputs: [{type: pcap, file: '" + cap +
                             "', dpi: false, update_interval: 2s, insert_after_packets: 3}]\n"
                             "outputs: [{type: jsonl, path: '" +
                             (dir / "agg.jsonl").string() +
                             "'}, {type: lifecycle_test}]\n"
                             "forward: [{types: [flow], outputs: [{type: jsonl, path: '" +
                             flows + "'}]}]\n";
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s"};
    std::shared_ptr<ConfigDiagnostics> diag;
    cmd::Plan plan = eveflow::testing::plan_from_yaml(yaml, ctx, diag);
    ASSERT_TRUE(diag->ok()) << diag->errors()[0];
    double sent_total = 0, removes_total = 0, updates_total = 0;
    {
        cmd::Pipeline pipeline(ctx);
        pipeline.build(std::move(plan));
        ASSERT_EQ(pipeline.run(), 0);
        // Read while the pipeline lives: its gauges read its queues.
        sent_total = stats.sum("eveflow_lifecycle_records_total");
        removes_total = stats.sum("eveflow_lifecycle_records_total", {{"op", "remove"}});
        updates_total = stats.sum("eveflow_flow_updates_total");
    }
    const FlowLines lines = read_flow_lines(flows, 3);
    fs::remove_all(dir);
    ASSERT_EQ(lines.final_packets.size(), 9u);

    std::map<uint64_t, std::vector<FlowOp>> ops;
    std::lock_guard lock(received().mu);
    for (const Record& r : received().records) {
        if (std::holds_alternative<CheckpointMark>(r)) continue;
        ASSERT_TRUE(std::holds_alternative<FlowLifecycle>(r)) << "a record that is not lifecycle";
        const auto& l = std::get<FlowLifecycle>(r);
        ops[l.flow_id].push_back(l.op);
        if (l.op == FlowOp::kRemove) {
            EXPECT_TRUE(l.json.empty());
        } else {
            EXPECT_EQ(l.json.rfind("{\"flow_id\":" + std::to_string(l.flow_id) + ",", 0), 0u)
                << l.json;
            EXPECT_NE(l.json.find("\"src_ip\":\"10.0.0.1\""), std::string::npos) << l.json;
        }
    }
    size_t total_updates = 0;
    for (const auto& [id, n] : lines.updates_after) total_updates += n;
    EXPECT_GT(total_updates, 7u);  // the longer flows span several 2 s cells
    std::set<uint64_t> removed, passed;
    for (const auto& [id, pkts] : lines.final_packets) {
        if (pkts >= 3) passed.insert(id);
    }
    for (const auto& [id, seq] : ops) {
        ASSERT_GE(seq.size(), 2u);
        EXPECT_EQ(seq.front(), FlowOp::kInsert);
        EXPECT_EQ(seq.back(), FlowOp::kRemove);
        size_t updates = 0;
        for (size_t i = 1; i + 1 < seq.size(); ++i) {
            EXPECT_EQ(seq[i], FlowOp::kUpdate);
            ++updates;
        }
        EXPECT_EQ(updates, lines.updates_after.count(id) ? lines.updates_after.at(id) : 0u);
        removed.insert(id);
    }
    EXPECT_EQ(removed, passed);  // flows under the policy's 3 packets: nothing at all
    size_t sent = 0;
    for (const auto& [id, seq] : ops) sent += seq.size();
    EXPECT_EQ(sent_total, static_cast<double>(sent));
    EXPECT_EQ(removes_total, static_cast<double>(passed.size()));
    EXPECT_EQ(updates_total, static_cast<double>(lines.updates_total));
    EXPECT_EQ(passed.size(), 7u);
}

// Without flow records (no forwarding, so the meter renders no line), lifecycle records still
// carry each flow's Community ID, the one its 5-tuple gives.
TEST(FlowLifecyclePipeline, CommunityIdWithoutFlowRecords) {
    register_test_sink();
    {
        std::lock_guard lock(received().mu);
        received().records.clear();
    }
    namespace fs = std::filesystem;
    fs::path dir =
        fs::temp_directory_path() / ("eveflow-lifecycle-id-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string cap = (dir / "c.pcap").string();
    eveflow::testing::write_pcap(cap, flows_of_every_length());
    const std::string yaml = "inputs: [{type: pcap, file: '" + cap +
                             "', dpi: false, update_interval: 2s, insert_after_packets: 3}]\n"
                             "outputs: [{type: jsonl, path: '" +
                             (dir / "agg.jsonl").string() + "'}, {type: lifecycle_test}]\n";
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s"};
    std::shared_ptr<ConfigDiagnostics> diag;
    cmd::Plan plan = eveflow::testing::plan_from_yaml(yaml, ctx, diag);
    ASSERT_TRUE(diag->ok()) << diag->errors()[0];
    {
        cmd::Pipeline pipeline(ctx);
        pipeline.build(std::move(plan));
        ASSERT_EQ(pipeline.run(), 0);
    }
    fs::remove_all(dir);
    size_t checked = 0;
    std::lock_guard lock(received().mu);
    for (const Record& r : received().records) {
        const auto* l = std::get_if<FlowLifecycle>(&r);
        if (l == nullptr || l->op == FlowOp::kRemove) continue;
        CommunityTuple t{*IpAddr::parse("10.0.0.1"), *IpAddr::parse("10.0.0.2"), 17,
                         static_cast<uint16_t>(number_after(l->json, "src_port")), 80};
        const std::string want = "\"community_id\":\"" + std::string(community_id_v1(t).text());
        EXPECT_NE(l->json.find(want + "\""), std::string::npos) << l->json;
        ++checked;
    }
    EXPECT_GE(checked, 14u);  // 7 inserts and their updates
}

}  // namespace
}  // namespace eveflow
