// BinnedFile: the file of a rotating jsonl output, one per wall-clock bin, named by a
// strftime pattern; completed by a rename, optionally compressed, old ones removed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "output/jsonl/file_compress.h"
#include "util/config_node.h"
#include "util/stats.h"

namespace eveflow::output {

struct BinnedConfig {
    std::chrono::microseconds rotate{0};  // 0: not rotating, one plain file
    Compression compress = Compression::kNone;
    std::chrono::microseconds max_age{0};  // retention.max_age; 0: no limit
    uint64_t max_size = 0;                 // retention.max_size; 0: no limit
};

/// Reads `rotate`, `compress` and `retention` of a jsonl output section and checks them
/// against its `path`: a `%` in the path needs rotate and rotate needs one; the pattern is in
/// the file name only and names every bin apart; compress and retention need rotate.
BinnedConfig parse_binned_config(const ConfigNode& node, const std::string& path);

/// The name `pattern` gives the bin starting at `bin_start_us`, formatted in UTC.
std::string format_bin(const std::string& pattern, int64_t bin_start_us);
/// The bin start a name was formatted from, if `name` is exactly what `pattern` gives for it.
std::optional<int64_t> parse_bin(const std::string& pattern, const std::string& name);

/// One file per bin of `rotate`, bins aligned to the Unix epoch in UTC. The open bin is
/// written as NAME.part; finish() fsyncs it, renames it to NAME, compresses it (NAME.zst or
/// NAME.gz, on the calling thread) and applies retention. Times are the caller's wall clock
/// (the time of writing, not the records' time). Not thread-safe: the sink's thread only.
class BinnedFile {
public:
    /// `path` is the output's path (directory plus pattern). Failures are logged and
    /// counted in `errors`.
    BinnedFile(const std::string& path, BinnedConfig config, std::string sink_name,
               Counter& errors);
    ~BinnedFile();
    BinnedFile(const BinnedFile&) = delete;
    BinnedFile& operator=(const BinnedFile&) = delete;

    int64_t bin_of(int64_t now_us) const;
    /// The completed name (directory included) of a bin.
    std::string name_of(int64_t bin_start_us) const;
    int fd() const { return fd_; }
    /// True when a file is open and `now_us` is past its bin.
    bool due(int64_t now_us) const { return fd_ >= 0 && bin_of(now_us) != bin_; }
    /// Opens NAME.part of now's bin: truncated, or appended to (an uncompressed NAME of this
    /// bin left by an earlier run becomes NAME.part again). Returns an error message or "".
    std::string open(int64_t now_us, bool truncate);
    /// Completes the open file (see the class comment); false if a step failed. The file
    /// is closed either way.
    bool finish(int64_t now_us);
    /// Removes the oldest completed files of this output beyond max_age / max_size.
    void apply_retention(int64_t now_us);

    struct Completed {
        int64_t bin_start_us;
        std::string path;
        uint64_t size;
    };
    /// Files in the directory whose name the pattern gives (plus .zst/.gz), oldest first.
    std::vector<Completed> completed() const;

private:
    void fail(const std::string& what, const std::string& why);

    std::string dir_;
    std::string pattern_;
    BinnedConfig config_;
    std::string sink_name_;
    Counter& errors_;
    int fd_ = -1;
    int64_t bin_ = 0;
};

}  // namespace eveflow::output
