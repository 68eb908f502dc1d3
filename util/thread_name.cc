// Thread names through pthread_setname_np (a comm of at most 15 bytes).
#include "util/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <array>

namespace eveflow {

void name_this_thread(std::string_view name) {
    std::array<char, 16> comm{};  // 15 bytes and the terminating NUL
    std::copy_n(name.begin(), std::min(name.size(), comm.size() - 1), comm.begin());
    (void)pthread_setname_np(pthread_self(), comm.data());
}

}  // namespace eveflow
