// Checkpoint: the one acknowledgement that events are safely handled, with the consumer offsets
// it covers, and the OffsetStore that keeps offsets together with the records.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace eveflow {

/// A (topic, partition) of a Kafka topic.
using TopicPartition = std::pair<std::string, int32_t>;
/// Next offset to read per (topic, partition): what a commit or a checkpoint stores.
using Offsets = std::map<TopicPartition, int64_t>;

/// Where a followed file was read to: the file (device, inode, and a hash of its first `fp_len`
/// bytes against inode reuse) and the offset just after the last line whose records are in.
struct FilePosition {
    uint64_t dev = 0;
    uint64_t ino = 0;
    uint64_t offset = 0;
    uint64_t fp_len = 0;
    uint64_t fp_hash = 0;
    bool operator==(const FilePosition&) const = default;
};

/// A file input's position as an OffsetStore keeps it, with the path it was taken on.
struct StoredFilePosition {
    std::string path;
    FilePosition pos;
};

/// Published by a source in an EventBatch of its own, behind the events it covers (a source's
/// batches keep their order through the event channel). `on_done` runs once, when the covered
/// events are as safe as `until` says; a source keeps its position (commits offsets) only then.
struct Checkpoint {
    enum class Until : uint8_t {
        /// The processing stage has consumed every covered event and handed the records made
        /// so far to the output queues: at least once (records of open windows are still in
        /// memory). The processing stage itself calls on_done(true).
        kConsumed,
        /// Stored with the records: every handler first emits its open state (partial
        /// records), then the output that stores offsets (the registered OffsetStore) writes
        /// `offsets` in the transaction of the records before it and calls on_done(true), or
        /// on_done(false) when it refuses them (another consumer moved a partition on). Not
        /// called when that output gave the batch up at the shutdown bound; the source then
        /// stops waiting at its own bound.
        kStored,
        /// Written by every output: every handler first emits its open state (partial
        /// records), every sink queue gets the mark behind those records, and each sink's
        /// runner acknowledges it once the batch that held it is written and pushed out of the
        /// sink's buffers (Sink::sync). on_done(true) once every sink acknowledged; false if
        /// one of them gave a batch up. A source without an offset store keeps its position
        /// only then (the file input's state directory).
        kWritten,
    };
    Until until = Until::kConsumed;
    std::string group;
    Offsets offsets;  // next offset to read per partition, after the covered events
    /// kStored: per partition of `offsets`, the offset the previous checkpoint stored, -1 for
    /// none (the consumer started from Kafka's committed offset). The store refuses the
    /// checkpoint when it holds another value.
    Offsets expected;
    /// kStored by a file input: its position, stored per `group` instead of `offsets`, and
    /// the position the previous checkpoint stored (nullopt: none); the store refuses the
    /// checkpoint when it holds another one.
    std::optional<StoredFilePosition> file;
    std::optional<FilePosition> file_expected;
    std::function<void(bool ok)> on_done;
};

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
    /// Sets `out` to the stored position of the file input `group`, nullopt if none. Blocks
    /// for one round trip; an error when the store cannot be reached (the caller retries).
    virtual Status load_file(const std::string& group, std::optional<StoredFilePosition>& out) = 0;
};

}  // namespace eveflow
