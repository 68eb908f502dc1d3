// LibraryVersion: the name and version of a library eveflow uses, for `eveflow --version`.
#pragma once

#include <string>
#include <vector>

namespace eveflow {

struct LibraryVersion {
    std::string name;     // nDPI, libpcap, librdkafka, ...
    std::string version;  // as the library reports it
    bool runtime = true;  // read from the loaded library; false: from its headers at build time
};

}  // namespace eveflow
