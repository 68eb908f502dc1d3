// Parsing and checking of the ioc handler's config section.
#include "processing/ioc/config.h"

#include <cstdlib>
#include <set>

namespace eveflow::processing {
namespace {

double parse_rate(const ConfigNode& bloom) {
    std::string text = bloom.str("false_positive_rate", "0.001");
    char* end = nullptr;
    double rate = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(rate > 0 && rate < 0.5)) {
        bloom.error("false_positive_rate", "must be a number in (0, 0.5) (got \"" + text + "\")");
        return 0.001;
    }
    return rate;
}

IocListConfig parse_list(const ConfigNode& node, size_t index) {
    IocListConfig l;
    l.name = node.required_str("name");
    std::vector<std::string> kinds(std::begin(ioc::kKindNames), std::end(ioc::kKindNames));
    std::string kind = node.choice("kind", "", kinds);
    if (kind.empty() && !node.has("kind")) node.error("kind", "missing");
    l.kind = ioc::kind_from_name(kind).value_or(ioc::Kind::kDomain);
    l.path = node.required_str("path");  // may appear later: read when it does
    l.signature_id = static_cast<uint64_t>(node.integer(
        "signature_id", static_cast<int64_t>(kDefaultSignatureBase + index), 1, UINT32_MAX));
    l.severity = static_cast<int>(node.integer("severity", 2, 1, 255));
    l.category = node.str("category", "");
    if (node.has("bloom")) {
        if (l.kind != ioc::Kind::kDomain)
            node.error("bloom", "only domain lists take a Bloom filter");
        l.bloom_rate = parse_rate(node.child("bloom"));
    }
    return l;
}

}  // namespace

IocConfig parse_ioc_config(const ConfigNode& node) {
    IocConfig c;
    node.touch("type");
    c.name = node.str("name", c.name);
    if (c.name.empty()) node.error("name", "must not be empty");
    c.signature_prefix = node.str("signature_prefix", c.signature_prefix);
    c.category = node.str("category", c.category);
    c.reload_interval = node.duration("reload_interval", c.reload_interval,
                                      std::chrono::milliseconds(100), /*allow_zero=*/false);
    std::set<std::string> names;
    for (const auto& item : node.items("lists")) {
        c.lists.push_back(parse_list(item, c.lists.size()));
        if (!c.lists.back().name.empty() && !names.insert(c.lists.back().name).second) {
            item.error("name", "repeats the name of another list");
        }
    }
    if (c.lists.empty()) node.error("lists", "must list at least one list");
    return c;
}

}  // namespace eveflow::processing
