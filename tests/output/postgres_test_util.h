// Helpers of the PostgreSQL sink tests: the test server's DSN, a schema per test, queries.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "output/postgres/postgres_sink.h"
#include "tests/output/test_util.h"
#include "util/clock.h"
#include "util/context.h"
#include "util/stats.h"

namespace eveflow::testing {

/// The server from scripts/start-postgres.sh, or "" (the caller skips, or fails when
/// EVEFLOW_REQUIRE_SERVICES=1).
inline std::string pg_base_dsn() {
    const char* d = std::getenv("EVEFLOW_TEST_PG_DSN");
    return d ? d : "";
}
inline bool services_required() {
    const char* r = std::getenv("EVEFLOW_REQUIRE_SERVICES");
    return r && std::string(r) == "1";
}

#define EVEFLOW_REQUIRE_PG()                                                               \
    do {                                                                                   \
        if (::eveflow::testing::pg_base_dsn().empty()) {                                   \
            if (::eveflow::testing::services_required()) {                                 \
                FAIL() << "EVEFLOW_TEST_PG_DSN is not set but EVEFLOW_REQUIRE_SERVICES=1"; \
            }                                                                              \
            GTEST_SKIP() << "EVEFLOW_TEST_PG_DSN is not set: start a server with "         \
                            "`eval $(scripts/start-postgres.sh DIR)`";                     \
        }                                                                                  \
    } while (0)

/// A fresh schema for one test; the DSN it gives sets search_path to it, as a user's would.
struct PgSchema {
    explicit PgSchema(std::string base = pg_base_dsn()) : base_dsn(std::move(base)) {
        std::random_device rd;
        name = "t_" + std::to_string(rd()) + std::to_string(rd() % 1000);
        exec(base_dsn, "CREATE SCHEMA " + name);
        dsn = base_dsn + " options='-csearch_path=" + name + "'";
    }
    ~PgSchema() {
        try {
            exec(base_dsn, "DROP SCHEMA IF EXISTS " + name + " CASCADE");
        } catch (...) {
        }
    }
    static void exec(const std::string& dsn, const std::string& sql) {
        pqxx::connection c(dsn);
        pqxx::nontransaction tx(c);
        tx.exec(sql);
    }
    /// Every row of `sql`, fields joined by tabs (NULL as \N).
    std::vector<std::string> rows(const std::string& sql) const {
        pqxx::connection c(dsn);
        pqxx::nontransaction tx(c);
        std::vector<std::string> out;
        for (const auto& row : tx.exec(sql)) {
            std::string line;
            for (const auto& f : row) {
                if (!line.empty() || f.num() > 0) line += '\t';
                line += f.is_null() ? "\\N" : f.c_str();
            }
            out.push_back(line);
        }
        return out;
    }
    int64_t scalar(const std::string& sql) const {
        pqxx::connection c(dsn);
        pqxx::nontransaction tx(c);
        return tx.exec1(sql)[0].as<int64_t>();
    }
    std::string base_dsn, name, dsn;
};

/// The partitions of `parent`, by name.
inline std::vector<std::string> partitions_of(const PgSchema& db, const std::string& parent) {
    return db.rows(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = '" +
        parent + "'::regclass ORDER BY 1");
}

/// Runs scripts/start-postgres.sh into `dir`/pg (a server of the test's own, so stopping it
/// disturbs no other test) and returns its exports: EVEFLOW_TEST_PG_DSN, EVEFLOW_TEST_PG_CTL.
inline std::map<std::string, std::string> start_private_server(const TempDir& dir) {
    // The server runs as user postgres, which must reach its directory.
    std::filesystem::permissions(dir.path, std::filesystem::perms::owner_all |
                                               std::filesystem::perms::group_exec |
                                               std::filesystem::perms::others_exec);
    std::map<std::string, std::string> env;
    FILE* p = popen(
        (EVEFLOW_SOURCE_DIR "/scripts/start-postgres.sh '" + (dir / "pg") + "'").c_str(), "r");
    if (!p) return env;
    char line[1024];
    while (fgets(line, sizeof line, p)) {
        std::string s(line);
        if (s.rfind("export ", 0) != 0) continue;
        auto eq = s.find('=');
        std::string value = s.substr(eq + 1);
        while (!value.empty() && (value.back() == '\n' || value.back() == '\'')) value.pop_back();
        if (!value.empty() && value.front() == '\'') value.erase(0, 1);
        env[s.substr(7, eq - 7)] = value;
    }
    pclose(p);
    return env;
}

/// A server of the test's own (start_private_server), so stopping it disturbs no other test;
/// stopped and removed at the end.
struct PrivateServer {
    PrivateServer() : env(start_private_server(dir)) {}
    ~PrivateServer() {
        std::system(
            (EVEFLOW_SOURCE_DIR "/scripts/stop-postgres.sh '" + (dir / "pg") + "'").c_str());
    }
    bool started() const {
        return env.count("EVEFLOW_TEST_PG_DSN") && env.count("EVEFLOW_TEST_PG_CTL");
    }
    std::string dsn() const { return env.at("EVEFLOW_TEST_PG_DSN"); }
    /// Stops the server, waits `down`, starts it again; false if pg_ctl failed.
    bool stop_and_start(std::chrono::milliseconds down) const {
        const std::string ctl = env.at("EVEFLOW_TEST_PG_CTL");
        if (std::system((ctl + " stop").c_str()) != 0) return false;
        std::this_thread::sleep_for(down);
        return std::system((ctl + " start").c_str()) == 0;
    }
    TempDir dir;
    std::map<std::string, std::string> env;
};

/// A sink built from YAML (`{dsn}` replaced by the schema's DSN) with its own metrics.
/// Ends one session of application `app` while it runs a COPY, once `running` such COPYs run
/// at the same time; tries for 20 s. True when it ended one.
inline bool kill_running_copy(const std::string& base_dsn, const std::string& app,
                              int running = 1) {
    pqxx::connection admin(base_dsn);
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < end) {
        pqxx::nontransaction tx(admin);
        auto r = tx.exec(
            "SELECT pg_terminate_backend(min(pid)) FROM pg_stat_activity WHERE "
            "application_name = " +
            tx.quote(app) + " AND state = 'active' AND query LIKE 'COPY%' HAVING count(*) >= " +
            std::to_string(running));
        if (!r.empty()) return true;
    }
    return false;
}

struct PgSinkHarness {
    PgSinkHarness(const std::string& yaml, const std::string& dsn,
                  const Clock& clock = SystemClock::instance())
        : ctx{stats, clock, "sensor-a"} {
        std::string text = yaml;
        auto at = text.find("{dsn}");
        if (at != std::string::npos) text.replace(at, 5, "\"" + dsn + "\"");
        section = std::make_unique<OutputSection>(text);
        sink = std::make_unique<output::postgres::PostgresSink>(
            output::postgres::parse_config(section->node), ctx);
        auto errors = section->errors();
        EXPECT_TRUE(errors.empty()) << errors[0];
    }
    double metric(const std::string& name, const Labels& match = {}) const {
        return stats.sum(name, match);
    }
    Stats stats;
    Context ctx;
    std::unique_ptr<OutputSection> section;
    std::unique_ptr<output::Sink> sink;
};

inline Record raw_record(std::string type, std::string line, int64_t ts_us, uint64_t flow_id = 0) {
    Record rec{std::in_place_type<RawEvent>};
    auto& r = std::get<RawEvent>(rec);
    r.type = event_type_from_name(type);
    r.type_name = std::move(type);
    r.line = std::move(line);
    r.fields.ts = Timestamp::from_us(ts_us);
    r.fields.flow_id = flow_id;
    return rec;
}

constexpr int64_t kUs = 1000000;

inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = std::chrono::seconds(15)) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

inline Record aggregate(int64_t window_us, const char* src, uint16_t dport, uint64_t flows,
                        uint64_t bytes = 100) {
    Record r{std::in_place_type<AggregateRecord>};
    auto& a = std::get<AggregateRecord>(r);
    a.window_start = Timestamp::from_us(window_us);
    a.window_end = Timestamp::from_us(window_us + 60 * kUs);
    a.src_ip = *IpAddr::parse(src);
    a.dest_ip = *IpAddr::parse("192.0.2.1");
    a.dest_port = dport;
    a.proto = 6;
    a.flows = flows;
    a.src_ports = flows;
    a.pkts_toserver = flows;
    a.bytes_toserver = bytes;
    a.first_seen = Timestamp::from_us(window_us + flows * kUs);
    a.last_seen = Timestamp::from_us(window_us + 2 * flows * kUs);
    return r;
}

}  // namespace eveflow::testing
