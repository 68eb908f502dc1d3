// IocConfig: the ioc handler's keys (`handlers[] {type: ioc}`) and their checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "processing/ioc/indicator.h"
#include "util/config_node.h"

namespace eveflow::processing {

struct IocListConfig {
    std::string name;
    ioc::Kind kind = ioc::Kind::kDomain;
    std::string path;           // a file, or a directory of files
    uint64_t signature_id = 0;  // 0: kDefaultSignatureBase + the list's index
    int severity = 2;
    std::string category;   // empty: the handler's
    double bloom_rate = 0;  // bloom.false_positive_rate; 0: no Bloom filter
};

struct IocConfig {
    std::string name = "ioc";
    std::string signature_prefix = "eveflow IoC";
    std::string category = "Indicator of compromise";
    std::vector<IocListConfig> lists;
    /// How often the lists' files are looked at for changes.
    std::chrono::microseconds reload_interval = std::chrono::seconds(1);
};

/// First signature_id of lists that set none: list i gets this + i.
inline constexpr uint64_t kDefaultSignatureBase = 9100000;

IocConfig parse_ioc_config(const ConfigNode& node);

}  // namespace eveflow::processing
