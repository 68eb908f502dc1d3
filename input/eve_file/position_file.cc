// PositionFile: fingerprints, finding a rotated file, and the atomic state file.
#include "input/eve_file/position_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/log.h"

namespace eveflow::input {
namespace {

std::string safe_name(const std::string& name) {
    std::string out = name;
    for (char& c : out) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
            c = '_';
        }
    }
    return out;
}

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Opens `file` if it is a regular file whose identity `want` accepts.
template <typename Want>
int open_if(const std::string& file, Want&& want) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st {};
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && want(fd, st)) return fd;
    ::close(fd);
    return -1;
}

bool write_all(int fd, const std::string& text) {
    size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(fd, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

std::optional<uint64_t> fingerprint(int fd, uint64_t len) {
    char buf[kFingerprintBytes];
    if (len > sizeof buf) len = sizeof buf;
    uint64_t got = 0;
    while (got < len) {
        ssize_t n = ::pread(fd, buf + got, len - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        got += static_cast<uint64_t>(n);
    }
    uint64_t h = 14695981039346656037ULL;
    for (uint64_t i = 0; i < len; ++i) {
        h ^= static_cast<unsigned char>(buf[i]);
        h *= 1099511628211ULL;
    }
    return h;
}

bool same_content(int fd, const FilePosition& pos) {
    struct stat st {};
    if (fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) < pos.offset) return false;
    auto h = fingerprint(fd, pos.fp_len);
    return h && *h == pos.fp_hash;
}

int open_rotated(const std::string& path, const FilePosition& pos) {
    const std::string dir = dir_of(path), base = base_of(path);
    DIR* d = ::opendir(dir.c_str());
    if (!d) return -1;
    int by_inode = -1, by_content = -1;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == ".." || name == base) continue;
        const std::string file = dir + "/" + name;
        if (by_inode < 0) {
            by_inode = open_if(file, [&](int fd, const struct stat& st) {
                return st.st_dev == pos.dev && st.st_ino == pos.ino && same_content(fd, pos);
            });
        }
        if (by_content < 0 && pos.fp_len > 0 && name.rfind(base, 0) == 0) {
            by_content =
                open_if(file, [&](int fd, const struct stat&) { return same_content(fd, pos); });
        }
    }
    ::closedir(d);
    if (by_inode >= 0) {
        if (by_content >= 0) ::close(by_content);
        return by_inode;
    }
    return by_content;
}

std::vector<std::string> rotated_after(const std::string& path, int fd) {
    struct stat mine {};
    if (fstat(fd, &mine) != 0) return {};
    const std::string dir = dir_of(path), base = base_of(path);
    auto later = [&](const struct stat& st) {
        return st.st_mtim.tv_sec != mine.st_mtim.tv_sec ? st.st_mtim.tv_sec > mine.st_mtim.tv_sec
                                                        : st.st_mtim.tv_nsec > mine.st_mtim.tv_nsec;
    };
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == base || name.rfind(base, 0) != 0) continue;
        struct stat st {};
        if (::stat((dir + "/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if ((st.st_dev == mine.st_dev && st.st_ino == mine.st_ino) || !later(st)) continue;
        out.push_back(name);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

PositionFile::PositionFile(const std::string& state_dir, const std::string& input, std::string path)
    : dir_(state_dir),
      file_(state_dir + "/" + safe_name(input) + ".position"),
      path_(std::move(path)) {}

std::optional<std::string> PositionFile::prepare() const {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return "cannot create " + dir_ + ": " + ec.message();
    if (::access(dir_.c_str(), W_OK | X_OK) != 0) {
        return "cannot write to " + dir_ + ": " + std::strerror(errno);
    }
    return std::nullopt;
}

std::optional<FilePosition> PositionFile::load() const {
    std::ifstream in(file_);
    if (!in) return std::nullopt;
    std::string path_line, fields;
    std::getline(in, path_line);
    std::getline(in, fields);
    FilePosition p;
    if (path_line != "path=" + path_) {
        log::warn("eve_file: {} is the state of another path ({}); starting without it", file_,
                  path_line);
        return std::nullopt;
    }
    if (std::sscanf(fields.c_str(),
                    "dev=%" SCNu64 " ino=%" SCNu64 " offset=%" SCNu64 " fp_len=%" SCNu64
                    " fp_hash=%" SCNu64,
                    &p.dev, &p.ino, &p.offset, &p.fp_len, &p.fp_hash) != 5) {
        log::warn("eve_file: {} is damaged; starting without it", file_);
        return std::nullopt;
    }
    return p;
}

void PositionFile::save(uint64_t seq, const FilePosition& pos) {
    std::lock_guard lock(mu_);
    if (seq < saved_seq_) return;
    std::ostringstream text;
    text << "path=" << path_ << "\ndev=" << pos.dev << " ino=" << pos.ino
         << " offset=" << pos.offset << " fp_len=" << pos.fp_len << " fp_hash=" << pos.fp_hash
         << "\n";
    const std::string tmp = file_ + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && write_all(fd, text.str()) && ::fsync(fd) == 0;
    if (fd >= 0) ok = ::close(fd) == 0 && ok;
    ok = ok && ::rename(tmp.c_str(), file_.c_str()) == 0;
    if (!ok) {
        log::warn("eve_file: cannot save the position in {}: {}", file_, std::strerror(errno));
        return;
    }
    int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
    }
    saved_seq_ = seq;
}

}  // namespace eveflow::input
