// Tests of the Kafka client settings shared by input and output: merging and secret masking.
#include "util/kafka_conf.h"

#include <gtest/gtest.h>

namespace eveflow::kafka {
namespace {

ConfigNode node_of(const std::string& yaml, std::shared_ptr<ConfigDiagnostics>& diag) {
    diag = std::make_shared<ConfigDiagnostics>("test.yaml");
    return ConfigNode(YAML::Load(yaml), "outputs[0]", diag);
}

TEST(KafkaConf, SecretKeysAreRecognised) {
    EXPECT_TRUE(is_secret("sasl.password"));
    EXPECT_TRUE(is_secret("ssl.key.password"));
    EXPECT_TRUE(is_secret("ssl.keystore.password"));
    EXPECT_TRUE(is_secret("sasl.oauthbearer.client.secret"));
    EXPECT_TRUE(is_secret("ssl.key.pem"));
    EXPECT_FALSE(is_secret("sasl.username"));
    EXPECT_FALSE(is_secret("compression.type"));
}

TEST(KafkaConf, DescribeMasksSecretValues) {
    Properties p = {{"sasl.username", "alice"}, {"sasl.password", "hunter2"}};
    EXPECT_EQ(describe(p), "sasl.username=alice sasl.password=***");
}

TEST(KafkaConf, MaskSecretsReplacesEveryOccurrence) {
    Properties p = {{"ssl.key.password", "pw1"}, {"client.id", "pw1x"}};
    EXPECT_EQ(mask_secrets("bad pw1 and pw1", p), "bad *** and ***");
    EXPECT_EQ(mask_secrets("nothing", p), "nothing");
}

TEST(KafkaConf, UserPropertiesOverrideDefaults) {
    std::shared_ptr<ConfigDiagnostics> diag;
    auto node = node_of("{brokers: 'a:1,b:2', properties: {linger.ms: 50}}", diag);
    ClientConfig c = parse_client(node);
    ASSERT_TRUE(diag->ok());
    Properties all = client_properties(c, {{"linger.ms", "5"}, {"acks", "all"}});
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[2], (std::pair<std::string, std::string>{"bootstrap.servers", "a:1,b:2"}));
    EXPECT_EQ(all[3], (std::pair<std::string, std::string>{"linger.ms", "50"}));
}

TEST(KafkaConf, ReservedPropertiesNameTheKeyToUse) {
    std::shared_ptr<ConfigDiagnostics> diag;
    auto node = node_of("{brokers: x, properties: {bootstrap.servers: y, group.id: g}}", diag);
    parse_client(node, {{"group.id", "group"}});
    ASSERT_EQ(diag->errors().size(), 2u);
    EXPECT_NE(diag->errors()[0].find("properties.bootstrap.servers: set by eveflow: use key "
                                     "'brokers' instead"),
              std::string::npos)
        << diag->errors()[0];
    EXPECT_NE(diag->errors()[1].find("use key 'group' instead"), std::string::npos);
}

TEST(KafkaConf, BrokersRequired) {
    std::shared_ptr<ConfigDiagnostics> diag;
    auto node = node_of("{topic: t}", diag);
    parse_client(node);
    ASSERT_EQ(diag->errors().size(), 1u);
    EXPECT_NE(diag->errors()[0].find("outputs[0].brokers"), std::string::npos) << diag->errors()[0];
}

}  // namespace
}  // namespace eveflow::kafka
