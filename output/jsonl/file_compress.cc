// compress_file(): streams a completed file through libzstd or zlib into NAME.zst / NAME.gz.
#include "output/jsonl/file_compress.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace eveflow::output {
namespace {

constexpr size_t kChunk = 1 << 17;

/// Closes a descriptor when it goes out of scope.
struct Fd {
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int fd;
};

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::string write_all(int fd, const char* data, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, data, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return w < 0 ? errno_text("write") : "write: wrote nothing";
        data += w;
        n -= static_cast<size_t>(w);
    }
    return {};
}

/// Reads up to kChunk bytes; returns the count, or -1 with errno set.
ssize_t read_chunk(int fd, std::vector<char>& buf) {
    ssize_t n;
    do {
        n = ::read(fd, buf.data(), buf.size());
    } while (n < 0 && errno == EINTR);
    return n;
}

std::string zstd_stream(int in, int out) {
    std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
    if (!cctx) return "zstd: cannot create a context";
    std::vector<char> src(kChunk), dst(ZSTD_CStreamOutSize());
    for (;;) {
        ssize_t n = read_chunk(in, src);
        if (n < 0) return errno_text("read");
        ZSTD_EndDirective mode = n == 0 ? ZSTD_e_end : ZSTD_e_continue;
        ZSTD_inBuffer ib{src.data(), static_cast<size_t>(n), 0};
        size_t left;
        do {
            ZSTD_outBuffer ob{dst.data(), dst.size(), 0};
            left = ZSTD_compressStream2(cctx.get(), &ob, &ib, mode);
            if (ZSTD_isError(left)) return std::string("zstd: ") + ZSTD_getErrorName(left);
            std::string err = write_all(out, dst.data(), ob.pos);
            if (!err.empty()) return err;
        } while (mode == ZSTD_e_end ? left != 0 : ib.pos < ib.size);
        if (n == 0) return {};
    }
}

std::string gzip_stream(int in, int out) {
    int dup_fd = ::dup(out);  // gzclose closes its descriptor; the caller still fsyncs `out`
    if (dup_fd < 0) return errno_text("dup");
    gzFile gz = gzdopen(dup_fd, "wb");
    if (gz == nullptr) {
        ::close(dup_fd);
        return "gzip: cannot open the stream";
    }
    std::vector<char> src(kChunk);
    std::string err;
    for (;;) {
        ssize_t n = read_chunk(in, src);
        if (n < 0) err = errno_text("read");
        if (n <= 0) break;
        if (gzwrite(gz, src.data(), static_cast<unsigned>(n)) != static_cast<int>(n)) {
            int zerr = 0;
            err = std::string("gzip: ") + gzerror(gz, &zerr);
            break;
        }
    }
    if (gzclose(gz) != Z_OK && err.empty()) err = "gzip: close failed";
    return err;
}

}  // namespace

const char* compression_suffix(Compression c) {
    switch (c) {
        case Compression::kZstd:
            return ".zst";
        case Compression::kGzip:
            return ".gz";
        case Compression::kNone:
            break;
    }
    return "";
}

std::string compress_file(const std::string& src, Compression c) {
    if (c == Compression::kNone) return {};
    const std::string dst = src + compression_suffix(c);
    const std::string tmp = dst + ".part";
    Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.fd < 0) return errno_text(("open " + src).c_str());
    std::string err;
    {
        Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (out.fd < 0) return errno_text(("open " + tmp).c_str());
        err = c == Compression::kZstd ? zstd_stream(in.fd, out.fd) : gzip_stream(in.fd, out.fd);
        if (err.empty() && ::fsync(out.fd) != 0) err = errno_text("fsync");
    }
    if (err.empty() && std::rename(tmp.c_str(), dst.c_str()) != 0) err = errno_text("rename");
    if (!err.empty()) {
        ::unlink(tmp.c_str());
        return tmp + ": " + err;
    }
    if (::unlink(src.c_str()) != 0) return errno_text(("remove " + src).c_str());
    return {};
}

}  // namespace eveflow::output
