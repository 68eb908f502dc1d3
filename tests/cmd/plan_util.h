// Test helper: the plan of a configuration given as YAML text, as main.cc makes it.
#pragma once

#include <memory>
#include <string>

#include "cmd/eveflow/app.h"
#include "cmd/eveflow/plan.h"

namespace eveflow::testing {

/// Reads the process keys into `ctx`, makes the plan and reports unknown keys into `diag`
/// (created here, named eveflow.yaml).
inline cmd::Plan plan_from_yaml(const std::string& yaml, Context& ctx,
                                std::shared_ptr<ConfigDiagnostics>& diag) {
    diag = std::make_shared<ConfigDiagnostics>("eveflow.yaml");
    ConfigNode root(YAML::Load(yaml), "", diag);
    std::string level;
    cmd::read_process_keys(root, ctx, level);
    cmd::Plan plan = cmd::make_plan(root, ctx);
    diag->report_unknown();
    return plan;
}

}  // namespace eveflow::testing
