// Helpers shared by the output tests: temp dirs, file contents, config sections from text.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/config_section.h"
#include "util/config_node.h"

namespace eveflow::testing {

struct TempDir {
    TempDir() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "eveflow-test-XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
    std::string path;
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void write_file(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

/// A section of the `outputs` kind.
struct OutputSection : ConfigSection {
    explicit OutputSection(const std::string& yaml, const std::string& path = "outputs[0]")
        : ConfigSection(yaml, path) {}
};

}  // namespace eveflow::testing
