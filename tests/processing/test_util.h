// Helpers shared by the processing tests: a recording Emitter and config sections from text.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "processing/handler.h"
#include "tests/config_section.h"
#include "util/config_node.h"

namespace eveflow::testing {

struct RecordingEmitter : processing::Emitter {
    std::vector<std::pair<processing::SinkId, Record>> records;
    void emit(processing::SinkId sink, Record&& r) override {
        records.emplace_back(sink, std::move(r));
    }
};

/// A section of the `handlers` kind.
struct Section : ConfigSection {
    explicit Section(const std::string& yaml, const std::string& path = "handlers[0]")
        : ConfigSection(yaml, path) {}
};

/// The configuration errors of building the handler of `yaml` (a `handlers[0]` section),
/// under --check-config (nothing opened or loaded).
inline std::vector<std::string> handler_config_errors(const std::string& yaml) {
    Stats stats;
    Context ctx{stats, SystemClock::instance(), "s1"};
    ctx.check_only = true;
    Section s(yaml);
    processing::HandlerContext hctx{ctx, {}};
    auto h = processing::make_handler(s.node, hctx);
    return s.errors();
}

}  // namespace eveflow::testing
