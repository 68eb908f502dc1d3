// ForwardConfig: a forwarding rule's keys (`forward[]` items) and their checks.
#pragma once

#include <string>
#include <vector>

#include "util/config_node.h"

namespace eveflow::processing {

/// One field of add_fields.
struct AddedField {
    std::string key;     // as configured (not escaped)
    std::string value;   // as JSON
    std::string member;  // `,"key":value`
};

struct ForwardConfig {
    std::string name;
    bool all_types = true;
    std::vector<std::string> type_names;  // when !all_types: matched against Event::type_name
    std::vector<AddedField> added;        // add_fields, in the configured order
    /// The `member`s of `added`, joined: what is spliced when the line has none of the keys.
    std::string splice;
};

/// Reads one item of the top-level `forward:` list (no `type` key needed). Its `outputs` belong
/// to the plan, which builds them.
ForwardConfig parse_forward_config(const ConfigNode& node);

}  // namespace eveflow::processing
