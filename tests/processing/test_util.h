// Helpers shared by the processing tests: a recording Emitter and config sections from text.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "processing/handler.h"
#include "util/config_node.h"

namespace eveflow::testing {

struct RecordingEmitter : processing::Emitter {
    std::vector<std::pair<processing::SinkId, Record>> records;
    void emit(processing::SinkId sink, Record&& r) override {
        records.emplace_back(sink, std::move(r));
    }
};

/// A config section parsed from YAML text, with its diagnostics.
struct Section {
    explicit Section(const std::string& yaml, const std::string& path = "handlers[0]")
        : diag(std::make_shared<ConfigDiagnostics>("eveflow.yaml")),
          node(YAML::Load(yaml), path, diag) {}
    std::vector<std::string> errors() {
        diag->report_unknown();
        return diag->errors();
    }
    std::shared_ptr<ConfigDiagnostics> diag;
    ConfigNode node;
};

}  // namespace eveflow::testing
