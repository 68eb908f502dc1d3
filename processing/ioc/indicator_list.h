// IndicatorList: one loaded list of indicators (a file or a directory of files) and the
// lookups the ioc handler runs against it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "processing/ioc/bloom.h"
#include "processing/ioc/indicator.h"
#include "processing/ioc/ip_ranges.h"
#include "processing/ioc/string_set.h"
#include "util/status.h"

namespace eveflow::processing::ioc {

/// What identifies the files of a list as they are on disk: for each regular file (the path
/// itself, or the entries of a directory, dot files skipped) its name, inode, size and
/// modification time. Equal stamps: nothing to reload.
struct ListStamp {
    struct File {
        std::string path;
        uint64_t dev = 0, ino = 0, size = 0;
        int64_t mtime_ns = 0;
        bool operator==(const File&) const = default;
    };
    std::vector<File> files;
    bool operator==(const ListStamp&) const = default;
};

/// The files of `path` now; an error if it is neither a readable file nor a directory.
Status stamp_list(const std::string& path, ListStamp& out);

/// Read-only once built; shared between the handler and a loader thread by shared_ptr.
class IndicatorList {
public:
    /// `bloom_rate` > 0 keeps a domain list as a Bloom filter at that false-positive rate.
    IndicatorList(Kind kind, double bloom_rate = 0);

    /// Adds the entries of `text` (a list file's contents; reads it twice in Bloom mode, to
    /// size the filter first). Gives the number of invalid lines.
    size_t add_text(std::string_view text);
    /// Adds the entries of the files of `stamp`; an error if one cannot be read.
    Status add_files(const ListStamp& stamp, size_t& invalid);
    /// Call once after the last add.
    void build();

    Kind kind() const { return kind_; }
    bool bloom() const { return bloom_.has_value(); }
    /// Domain lists: the entry matching `name` or its nearest parent domain (the name itself
    /// first); other lists: the entry equal to `name`. `name` in normal form. In Bloom mode
    /// the match is the matching part of `name` (the entries' texts are not kept).
    std::optional<std::string_view> match(std::string_view name) const;
    std::optional<std::string_view> match_ip(const IpAddr& ip) const { return ips_.find(ip); }
    size_t size() const { return entries_; }
    size_t memory_bytes() const;

private:
    std::optional<std::string_view> match_one(std::string_view key) const;
    void add(const Indicator& ind);

    Kind kind_;
    double bloom_rate_;
    StringSet set_;
    IpRanges ips_;
    std::optional<BloomFilter> bloom_;
    size_t entries_ = 0;
    std::vector<std::string> pending_texts_;  // Bloom mode: texts until build() sizes the filter
};

}  // namespace eveflow::processing::ioc
