// EVEFLOW_ASSERT: invariants that, when broken, mean a bug; the process aborts with a message.
#pragma once

#include <cstdio>
#include <cstdlib>

#define EVEFLOW_ASSERT(cond, why)                                                           \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            std::fprintf(stderr, "eveflow: assertion failed at %s:%d: %s (%s)\n", __FILE__, \
                         __LINE__, #cond, why);                                             \
            std::abort();                                                                   \
        }                                                                                   \
    } while (false)
