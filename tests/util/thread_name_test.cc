// name_this_thread: the name the kernel keeps for the thread (its comm), as ps and top read it.
#include "util/thread_name.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace eveflow {
namespace {

// The calling thread's name as /proc tells it (without the newline).
std::string comm_of_this_thread() {
    const long tid = ::syscall(SYS_gettid);
    std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/comm");
    std::string name;
    std::getline(in, name);
    return name;
}

// Names a new thread `name` and returns what the kernel then calls it.
std::string named_thread_comm(const std::string& name) {
    std::string got;
    std::thread([&] {
        name_this_thread(name);
        got = comm_of_this_thread();
    }).join();
    return got;
}

TEST(ThreadName, TheKernelKeepsTheName) { EXPECT_EQ(named_thread_comm("out:jsonl"), "out:jsonl"); }

TEST(ThreadName, ALongNameIsCutToFifteenBytes) {
    EXPECT_EQ(named_thread_comm("in:a-very-long-input-name"), "in:a-very-long-");
}

}  // namespace
}  // namespace eveflow
