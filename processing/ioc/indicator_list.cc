// IndicatorList: loading list files into the set of the list's kind, and the lookups.
#include "processing/ioc/indicator_list.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace eveflow::processing::ioc {
namespace {

Status stat_file(const std::string& path, ListStamp::File& f, bool& regular) {
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0) return Status::error(path + ": " + std::strerror(errno));
    regular = S_ISREG(sb.st_mode);
    f = {path, static_cast<uint64_t>(sb.st_dev), static_cast<uint64_t>(sb.st_ino),
         static_cast<uint64_t>(sb.st_size),
         static_cast<int64_t>(sb.st_mtim.tv_sec) * 1000000000 + sb.st_mtim.tv_nsec};
    return {};
}

Status read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::error(path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return Status::error(path + ": read error");
    out = std::move(ss).str();
    return {};
}

}  // namespace

Status stamp_list(const std::string& path, ListStamp& out) {
    out.files.clear();
    ListStamp::File top;
    bool regular = false;
    if (Status s = stat_file(path, top, regular); !s) return s;
    if (regular) {
        out.files.push_back(std::move(top));
        return {};
    }
    DIR* dir = ::opendir(path.c_str());
    if (!dir) return Status::error(path + ": not a file or a readable directory");
    while (const dirent* d = ::readdir(dir)) {
        if (d->d_name[0] == '.') continue;
        ListStamp::File f;
        if (stat_file(path + "/" + d->d_name, f, regular) && regular) out.files.push_back(f);
    }
    ::closedir(dir);
    std::sort(out.files.begin(), out.files.end(),
              [](const auto& a, const auto& b) { return a.path < b.path; });
    return {};
}

IndicatorList::IndicatorList(Kind kind, double bloom_rate) : kind_(kind), bloom_rate_(bloom_rate) {}

void IndicatorList::add(const Indicator& ind) {
    if (kind_ == Kind::kIp) {
        ips_.add(ind.ip, ind.bits, ind.original);
        ++entries_;
    } else if (bloom_) {
        bloom_->add(ind.key);
        ++entries_;
    } else if (set_.insert(ind.key, ind.original)) {
        ++entries_;
    }
}

size_t IndicatorList::add_text(std::string_view text) {
    if (bloom_rate_ > 0 && kind_ == Kind::kDomain) {
        pending_texts_.emplace_back(text);
        return for_each_indicator(kind_, text, [](const Indicator&) {});
    }
    return for_each_indicator(kind_, text, [this](const Indicator& ind) { add(ind); });
}

Status IndicatorList::add_files(const ListStamp& stamp, size_t& invalid) {
    std::string text;
    for (const auto& f : stamp.files) {
        if (Status s = read_file(f.path, text); !s) return s;
        invalid += add_text(text);
    }
    return {};
}

void IndicatorList::build() {
    if (kind_ == Kind::kIp) ips_.build();
    if (pending_texts_.empty()) return;
    size_t n = 0;
    for (const auto& t : pending_texts_) {
        for_each_indicator(kind_, t, [&n](const Indicator&) { ++n; });
    }
    bloom_.emplace(n, bloom_rate_);
    for (const auto& t : pending_texts_) {
        for_each_indicator(kind_, t, [this](const Indicator& ind) { add(ind); });
    }
    pending_texts_.clear();
    pending_texts_.shrink_to_fit();
}

std::optional<std::string_view> IndicatorList::match_one(std::string_view key) const {
    if (bloom_) {
        if (bloom_->maybe_contains(key)) return key;
        return std::nullopt;
    }
    if (auto e = set_.find(key)) return set_.original(*e);
    return std::nullopt;
}

std::optional<std::string_view> IndicatorList::match(std::string_view name) const {
    if (kind_ != Kind::kDomain) return match_one(name);
    for (;;) {
        if (auto m = match_one(name)) return m;
        size_t dot = name.find('.');
        if (dot == std::string_view::npos) return std::nullopt;
        name.remove_prefix(dot + 1);
    }
}

size_t IndicatorList::memory_bytes() const {
    return set_.memory_bytes() + ips_.memory_bytes() + (bloom_ ? bloom_->memory_bytes() : 0);
}

}  // namespace eveflow::processing::ioc
