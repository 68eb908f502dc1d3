// A config section parsed from YAML text, with its diagnostics: what component tests build
// their configuration from.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <vector>

#include "util/config_node.h"

namespace eveflow::testing {

/// `path` names the section in messages ("outputs[0]", "handlers[0]").
struct ConfigSection {
    ConfigSection(const std::string& yaml, const std::string& path)
        : diag(std::make_shared<ConfigDiagnostics>("eveflow.yaml")),
          node(YAML::Load(yaml), path, diag) {}
    /// Every error so far, unknown keys included.
    std::vector<std::string> errors() {
        diag->report_unknown();
        return diag->errors();
    }
    std::shared_ptr<ConfigDiagnostics> diag;
    ConfigNode node;
};

}  // namespace eveflow::testing
