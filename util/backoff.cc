// StateLog: the two log lines of a resource's state changes.
#include "util/backoff.h"

#include "util/log.h"

namespace eveflow {

bool StateLog::failed(std::string_view reason) {
    ++attempts_;
    if (!up_) return false;
    up_ = false;
    log::warn("{}: down, retrying: {}", subject_, reason);
    return true;
}

bool StateLog::succeeded() {
    if (up_) return false;
    log::info("{}: up again attempts={}", subject_, attempts_);
    up_ = true;
    attempts_ = 0;
    return true;
}

}  // namespace eveflow
