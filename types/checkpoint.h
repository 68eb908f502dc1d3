// Checkpoint: consumed offsets that travel behind the events they cover, through every stage.
#pragma once

#include <functional>
#include <string>

#include "util/offset_store.h"

namespace eveflow {

/// Published by a consumer (Kafka) after the events it covers. The processing stage emits all
/// open state before handing it to the sinks, so every record built from those events comes
/// before it in each sink's queue. The sink that stores offsets (the registered OffsetStore)
/// writes `offsets` in the transaction of the records before it; the others ignore it.
struct Checkpoint {
    std::string group;
    Offsets offsets;  // next offset to read per partition, after the covered events
    /// Per partition of `offsets`: the offset the previous checkpoint stored, -1 for none
    /// (the consumer started from Kafka's committed offset). The store refuses the checkpoint
    /// when it holds another value: another consumer has moved the partition on.
    Offsets expected;
    /// Called once by the storing sink, on its thread: true once the transaction holding the
    /// offsets has committed, false when the store refused them. Not called when the sink gave
    /// the batch up (shutdown bound); the consumer then stops waiting at its own bound.
    std::function<void(bool stored)> on_stored;
};

}  // namespace eveflow
