// File compression for completed jsonl files: zstd or gzip, through a temporary name.
#pragma once

#include <string>

namespace eveflow::output {

enum class Compression { kNone, kZstd, kGzip };

/// The file name suffix of a compressed file: ".zst", ".gz", or "" for kNone.
const char* compression_suffix(Compression c);

/// Compresses `src` into `src + suffix`: written to `src + suffix + ".part"`, fsynced, renamed,
/// then `src` is removed. On failure the temporary file is removed, `src` is kept, and the
/// error is returned; empty on success. Blocking: runs on the caller's thread.
std::string compress_file(const std::string& src, Compression c);

}  // namespace eveflow::output
