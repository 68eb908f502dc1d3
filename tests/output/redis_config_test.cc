// The keys of the redis input and the redis output: one parser for the connection keys, every
// error message with its key path.
#include <gtest/gtest.h>

#include "input/redis/config.h"
#include "output/redis/config.h"
#include "tests/config_section.h"

namespace eveflow {
namespace {

using testing::ConfigSection;

TEST(RedisConfig, InputDefaultsAreSuricatasListMode) {
    ConfigSection s("{type: redis, address: \"10.0.0.1:6380\"}", "inputs[0]");
    s.node.touch("type");
    auto c = input::parse_redis_source_config(s.node);
    EXPECT_TRUE(s.errors().empty());
    EXPECT_EQ(c.endpoint.host, "10.0.0.1");
    EXPECT_EQ(c.endpoint.port, 6380);
    EXPECT_EQ(c.key, "suricata");
    EXPECT_EQ(c.mode, input::RedisMode::kLpush);
}

TEST(RedisConfig, InputModes) {
    for (auto [text, mode] : {std::pair{"rpush", input::RedisMode::kRpush},
                              std::pair{"channel", input::RedisMode::kChannel}}) {
        ConfigSection s(std::string("{mode: ") + text + ", unix: /run/redis.sock, db: 3}",
                        "inputs[0]");
        auto c = input::parse_redis_source_config(s.node);
        EXPECT_TRUE(s.errors().empty());
        EXPECT_EQ(c.mode, mode);
        EXPECT_EQ(c.endpoint.unix_path, "/run/redis.sock");
        EXPECT_EQ(c.endpoint.db, 3);
    }
}

TEST(RedisConfig, InputErrors) {
    ConfigSection s("{address: \"nohost\", mode: list, key: \"\"}", "inputs[0]");
    input::parse_redis_source_config(s.node);
    auto e = s.errors();
    ASSERT_EQ(e.size(), 3u);
    EXPECT_EQ(e[0],
              "eveflow.yaml:1: inputs[0].address: must be HOST:PORT with a port of 1-65535 (got "
              "\"nohost\")");
    EXPECT_NE(e[1].find("inputs[0].key: must not be empty"), std::string::npos) << e[1];
    EXPECT_NE(e[2].find("inputs[0].mode:"), std::string::npos) << e[2];
}

TEST(RedisConfig, OutputKeysAndErrors) {
    ConfigSection ok("{address: \"[::1]:7000\", top_key: top, on_full: drop, password_file: /p}",
                     "outputs[0]");
    auto c = output::parse_redis_sink_config(ok.node);
    EXPECT_TRUE(ok.errors().empty());
    EXPECT_EQ(c.endpoint.host, "::1");
    EXPECT_EQ(c.endpoint.describe(), "[::1]:7000");
    EXPECT_EQ(c.key, "eveflow:flows:{sensor_id}");
    EXPECT_EQ(c.on_full, OnFull::kDrop);
    EXPECT_EQ(c.endpoint.password_file, "/p");

    ConfigSection bad("{address: \"h:0\", unix: relative, on_full: wait, colour: red}",
                      "outputs[1]");
    output::parse_redis_sink_config(bad.node);
    auto e = bad.errors();
    ASSERT_EQ(e.size(), 5u);
    EXPECT_NE(e[0].find("outputs[1].unix: give either address or unix"), std::string::npos);
    EXPECT_NE(e[1].find("outputs[1].address: must be HOST:PORT"), std::string::npos);
    EXPECT_NE(e[2].find("outputs[1].unix: must be an absolute socket path"), std::string::npos);
    EXPECT_NE(e[3].find("outputs[1].on_full:"), std::string::npos);
    EXPECT_NE(e[4].find("outputs[1].colour"), std::string::npos);
}

}  // namespace
}  // namespace eveflow
