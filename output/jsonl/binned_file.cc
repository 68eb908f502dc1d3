// BinnedFile: bin naming and parsing, the .part → NAME rename, compression and retention.
#include "output/jsonl/binned_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <utility>

#include "util/log.h"

namespace eveflow::output {
namespace {

constexpr int64_t kUsPerSec = 1'000'000;
constexpr const char* kPart = ".part";

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
}

std::pair<std::string, std::string> split_path(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return {".", path};
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

/// An error if the pattern cannot name the bins of `rotate` apart and read them back.
std::string check_pattern(const std::string& pattern, std::chrono::microseconds rotate) {
    const int64_t step = rotate.count();
    const int64_t first = (int64_t{1'700'000'000} * kUsPerSec) / step * step;
    for (int64_t bin : {first, first + step}) {
        std::string name = format_bin(pattern, bin);
        if (name.empty() || name.find('/') != std::string::npos) {
            return "the pattern gives no usable file name (got \"" + name + "\")";
        }
        if (parse_bin(pattern, name) != bin) {
            return "the pattern must name each bin of rotate " + format_duration(rotate) +
                   " apart, with the date (\"" + name + "\" does not say which bin it is)";
        }
    }
    return {};
}

void parse_retention(const ConfigNode& node, BinnedConfig& c) {
    ConfigNode r = node.child("retention");  // reports a value that is not a map
    if (!r.is_map()) return;
    c.max_age = r.duration("max_age", c.max_age);
    c.max_size = r.size("max_size", c.max_size, 0, uint64_t{1} << 60);
}

}  // namespace

std::string format_bin(const std::string& pattern, int64_t bin_start_us) {
    time_t s = static_cast<time_t>(bin_start_us / kUsPerSec);
    struct tm tm {};
    gmtime_r(&s, &tm);
    char buf[1024];
    size_t n = std::strftime(buf, sizeof buf, pattern.c_str(), &tm);
    return std::string(buf, n);
}

std::optional<int64_t> parse_bin(const std::string& pattern, const std::string& name) {
    struct tm tm {};
    const char* end = strptime(name.c_str(), pattern.c_str(), &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
    int64_t us = static_cast<int64_t>(timegm(&tm)) * kUsPerSec;
    if (format_bin(pattern, us) != name) return std::nullopt;
    return us;
}

BinnedConfig parse_binned_config(const ConfigNode& node, const std::string& path) {
    BinnedConfig c;
    bool rotating = node.has("rotate");
    if (rotating) c.rotate = node.duration("rotate", c.rotate, std::chrono::seconds(1), false);
    std::string compress = node.choice("compress", "none", {"none", "zstd", "gzip"});
    c.compress = compress == "zstd"   ? Compression::kZstd
                 : compress == "gzip" ? Compression::kGzip
                                      : Compression::kNone;
    parse_retention(node, c);
    auto [dir, file] = split_path(path);
    bool pattern = path.find('%') != std::string::npos;
    if (pattern && !rotating) {
        node.error("path",
                   "has a strftime pattern (%) but no rotate is set (got \"" + path + "\")");
    } else if (rotating && path == "-") {
        node.error("rotate", "stdout cannot rotate; set path to a file name pattern");
    } else if (rotating && file.find('%') == std::string::npos) {
        node.error("rotate",
                   "needs a strftime pattern in the file name of path, such as "
                   "aggregates-%Y%m%d-%H%M.jsonl (got \"" +
                       path + "\")");
    } else if (rotating && dir.find('%') != std::string::npos) {
        node.error("path", "only the file name may hold a % pattern, not the directory (got \"" +
                               path + "\")");
    } else if (rotating && c.rotate.count() > 0) {
        std::string err = check_pattern(file, c.rotate);
        if (!err.empty()) node.error("path", err);
    }
    if (!rotating && c.compress != Compression::kNone) node.error("compress", "needs rotate");
    if (!rotating && node.has("retention")) node.error("retention", "needs rotate");
    return c;
}

BinnedFile::BinnedFile(const std::string& path, BinnedConfig config, std::string sink_name,
                       Counter& errors)
    : config_(config), sink_name_(std::move(sink_name)), errors_(errors) {
    std::tie(dir_, pattern_) = split_path(path);
}

BinnedFile::~BinnedFile() {
    if (fd_ >= 0) ::close(fd_);
}

int64_t BinnedFile::bin_of(int64_t now_us) const {
    const int64_t step = config_.rotate.count();
    int64_t q = now_us / step;
    if (now_us % step < 0) --q;  // floor, also before 1970
    return q * step;
}

std::string BinnedFile::name_of(int64_t bin_start_us) const {
    return dir_ + "/" + format_bin(pattern_, bin_start_us);
}

void BinnedFile::fail(const std::string& what, const std::string& why) {
    errors_.inc();
    log::error("jsonl: {} failed sink={} error={}", what, sink_name_, why);
}

std::string BinnedFile::open(int64_t now_us, bool truncate) {
    const int64_t bin = bin_of(now_us);
    const std::string name = name_of(bin);
    const std::string part = name + kPart;
    struct stat sb {};
    if (!truncate && ::stat(part.c_str(), &sb) != 0 && ::stat(name.c_str(), &sb) == 0) {
        std::rename(name.c_str(), part.c_str());  // continue this bin's file of an earlier run
    }
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND);
    int fd = ::open(part.c_str(), flags, 0644);
    if (fd < 0) return part + ": " + std::strerror(errno);
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    bin_ = bin;
    log::debug("jsonl: opened bin sink={} path={}", sink_name_, part);
    return {};
}

bool BinnedFile::finish(int64_t now_us) {
    if (fd_ < 0) return true;
    const std::string name = name_of(bin_);
    const std::string part = name + kPart;
    bool ok = true;
    if (::fsync(fd_) != 0) {
        fail("fsync", part + ": " + std::strerror(errno));
        ok = false;
    }
    ::close(fd_);
    fd_ = -1;
    if (std::rename(part.c_str(), name.c_str()) != 0) {
        fail("rename", part + ": " + std::strerror(errno));
        return false;
    }
    std::string err = compress_file(name, config_.compress);
    if (!err.empty()) {
        fail("compress", err);  // the uncompressed file stays
        ok = false;
    }
    log::info("jsonl: completed sink={} path={}{}", sink_name_, name,
              err.empty() ? compression_suffix(config_.compress) : "");
    apply_retention(now_us);
    return ok;
}

std::vector<BinnedFile::Completed> BinnedFile::completed() const {
    std::vector<Completed> out;
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) return out;
    while (const dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        std::string stem = name;
        for (const char* sfx : {".zst", ".gz"}) {
            if (ends_with(stem, sfx)) stem.resize(stem.size() - std::strlen(sfx));
        }
        auto bin = parse_bin(pattern_, stem);
        struct stat sb {};
        std::string path = dir_ + "/" + name;
        if (!bin || ::lstat(path.c_str(), &sb) != 0 || !S_ISREG(sb.st_mode)) continue;
        out.push_back({*bin, path, static_cast<uint64_t>(sb.st_size)});
    }
    ::closedir(d);
    std::sort(out.begin(), out.end(), [](const Completed& a, const Completed& b) {
        return std::tie(a.bin_start_us, a.path) < std::tie(b.bin_start_us, b.path);
    });
    return out;
}

void BinnedFile::apply_retention(int64_t now_us) {
    if (config_.max_age.count() == 0 && config_.max_size == 0) return;
    std::vector<Completed> files = completed();
    uint64_t total = 0;
    for (const Completed& f : files) total += f.size;
    for (const Completed& f : files) {
        bool too_old = config_.max_age.count() > 0 &&
                       f.bin_start_us + config_.rotate.count() + config_.max_age.count() <= now_us;
        bool too_big = config_.max_size > 0 && total > config_.max_size;
        if (!too_old && !too_big) break;  // oldest first: the rest are newer and fit
        if (::unlink(f.path.c_str()) != 0) {
            fail("retention", f.path + ": " + std::strerror(errno));
            continue;
        }
        total -= f.size;
        log::info("jsonl: retention removed sink={} path={} reason={}", sink_name_, f.path,
                  too_old ? "max_age" : "max_size");
    }
}

}  // namespace eveflow::output
