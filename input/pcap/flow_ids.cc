// FlowIds: prefixes drawn from the system's random source, none used twice in a process (a
// prefix stays taken after its meter is gone).
#include "input/pcap/flow_ids.h"

#include <mutex>
#include <random>
#include <set>

namespace eveflow::input::pcap {
namespace {

std::mutex& prefixes_mutex() {
    static std::mutex m;
    return m;
}

std::set<uint64_t>& prefixes_in_use() {
    static std::set<uint64_t> s;
    return s;
}

}  // namespace

void FlowIds::draw() {
    std::random_device rd;
    std::uniform_int_distribution<uint64_t> pick(1, (uint64_t{1} << kPrefixBits) - 1);
    std::lock_guard lock(prefixes_mutex());
    auto& used = prefixes_in_use();
    uint64_t p = pick(rd);
    while (used.count(p) != 0) p = pick(rd);
    used.insert(p);
    prefix_ = p;
    counter_ = 0;
}

}  // namespace eveflow::input::pcap
