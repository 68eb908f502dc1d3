// Thread names: what `top -H`, `ps -L`, gdb and perf show for each of eveflow's threads.
#pragma once

#include <string_view>

namespace eveflow {

/// Names the calling thread. Linux keeps 15 bytes of a name: a longer one is cut there.
void name_this_thread(std::string_view name);

}  // namespace eveflow
