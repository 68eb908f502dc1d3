// OffsetStore: where a consumer's offsets are kept when they must move with its results.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace eveflow {

/// A (topic, partition) of a Kafka topic.
using TopicPartition = std::pair<std::string, int32_t>;
/// Next offset to read per (topic, partition): what a commit or a checkpoint stores.
using Offsets = std::map<TopicPartition, int64_t>;

/// Implemented by an output that stores a consumer's offsets in the same transaction as the
/// results of the events they cover (PostgreSQL), so a restart resumes exactly after what was
/// stored. Registered in the Context by that output's open(), before the inputs open.
/// Thread-safe: load() runs on the consumer's thread, the rest is called at set-up.
class OffsetStore {
public:
    virtual ~OffsetStore() = default;
    /// Called by a consumer in its open(), before any record is written: from then on the
    /// output applies results only together with the checkpoints that cover them.
    virtual void attach(const std::string& group) = 0;
    /// Fills `out` with the stored next offsets of `group` for those of `partitions` that
    /// have one. Blocks for one round trip; an error when the store cannot be reached (the
    /// caller retries: guessing an offset would lose or double events).
    virtual Status load(const std::string& group, const std::vector<TopicPartition>& partitions,
                        Offsets& out) = 0;
};

}  // namespace eveflow
