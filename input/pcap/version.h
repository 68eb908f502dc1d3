// The versions of libpcap and nDPI the flow meter runs with.
#pragma once

#include <vector>

#include "util/library_version.h"

namespace eveflow::input::pcap {

/// libpcap's and nDPI's versions, asked of the loaded libraries. Any thread.
std::vector<LibraryVersion> library_versions();

}  // namespace eveflow::input::pcap
