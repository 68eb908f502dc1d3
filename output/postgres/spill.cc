// SpillDir: a header line, the partitions, then the aggregates' COPY text and the raw rows.
#include "output/postgres/spill.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "output/postgres/copy_text.h"
#include "util/status.h"

namespace eveflow::output::postgres {
namespace {

namespace fs = std::filesystem;
// Version 5: aggregate rows end with the name columns src_host, dest_host and dest_name.
// Version 4: aggregate rows end with the process name columns, the seven enrichment columns
// and flows_active, raw rows with community_id. Version 3: raw rows in binary COPY format. Versions
// 1 and 2 hold them as COPY text, and files of version 1 lack the src_port_set column too. Columns
// a file's version lacks are read as NULL.
constexpr const char* kMagic = "eveflow-postgres-batch-5";
constexpr const char* kMagicV4 = "eveflow-postgres-batch-4";
constexpr const char* kMagicV3 = "eveflow-postgres-batch-3";
constexpr const char* kMagicV2 = "eveflow-postgres-batch-2";
constexpr const char* kMagicV1 = "eveflow-postgres-batch-1";
constexpr const char* kSuffix = ".batch";

constexpr int kV4Columns = 10;  // src_process_name .. flows_active, added by version 4
constexpr int kV5Columns = 3;   // src_host, dest_host, dest_name, added by version 5

// Appends `n` empty (NULL) last fields to every line of COPY text.
std::string add_null_columns(const std::string& lines, int n) {
    std::string out;
    out.reserve(lines.size() + lines.size() / 8);
    for (char ch : lines) {
        if (ch == '\n') {
            for (int i = 0; i < n; ++i) out += "\t\\N";
        }
        out += ch;
    }
    return out;
}

// Appends a NULL last field to every binary COPY row (raw rows of version 3).
std::string add_null_field_binary(const std::string& rows) {
    std::string out;
    out.reserve(rows.size() + rows.size() / 16);
    size_t pos = 0;
    while (pos < rows.size()) {
        const size_t size = binary_rows_size(std::string_view(rows).substr(pos), 1);
        if (size == std::string_view::npos || size < 2) break;
        const auto fields = static_cast<uint16_t>((static_cast<unsigned char>(rows[pos]) << 8 |
                                                   static_cast<unsigned char>(rows[pos + 1])) +
                                                  1);
        out += static_cast<char>(fields >> 8);
        out += static_cast<char>(fields);
        out.append(rows, pos + 2, size - 2);
        out.append("\xff\xff\xff\xff", 4);
        pos += size;
    }
    return out;
}

}  // namespace

void SpillDir::open() {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) throw StartupError("postgres: spill_dir: cannot create " + dir_ + ": " + ec.message());
    std::lock_guard lock(mu_);
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
        if (e.path().extension() != kSuffix) continue;
        bytes_ += e.file_size(ec);
        ++files_;
    }
}

bool SpillDir::write(const Chunk& c) {
    std::lock_guard lock(mu_);
    if (bytes_ + c.bytes() > max_bytes_) return false;
    char prefix[24];
    std::snprintf(prefix, sizeof prefix, "%012llu-", static_cast<unsigned long long>(seq_++));
    const fs::path final_path = fs::path(dir_) / (prefix + c.batch_id + kSuffix);
    const fs::path tmp = final_path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << kMagic << ' ' << c.batch_id << ' ' << c.aggregate_rows << ' ' << c.raw_rows << ' '
            << c.has_late << ' ' << c.aggregates.size() << ' ' << c.raw.size() << ' '
            << c.partitions.size();
        for (int64_t p : c.partitions) out << ' ' << p;
        out << '\n' << c.aggregates << c.raw;
        if (!out.flush()) {
            std::error_code ec;
            fs::remove(tmp, ec);
            return false;
        }
    }
    std::error_code ec;
    fs::rename(tmp, final_path, ec);
    if (ec) return false;
    bytes_ += fs::file_size(final_path, ec);
    ++files_;
    return true;
}

std::optional<std::string> SpillDir::oldest() {
    std::lock_guard lock(mu_);
    if (files_ == 0) return std::nullopt;
    std::error_code ec;
    std::optional<std::string> best;
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
        if (e.path().extension() != kSuffix) continue;
        std::string p = e.path().string();
        if (!best || p < *best) best = p;
    }
    return best;
}

bool SpillDir::read(const std::string& path, Chunk& c) {
    std::ifstream in(path, std::ios::binary);
    std::string header;
    std::getline(in, header);
    std::istringstream h(header);
    std::string magic;
    size_t agg_bytes = 0, raw_bytes = 0, parts = 0;
    h >> magic >> c.batch_id >> c.aggregate_rows >> c.raw_rows >> c.has_late >> agg_bytes >>
        raw_bytes >> parts;
    c.partitions.resize(h ? parts : 0);
    for (auto& p : c.partitions) h >> p;
    c.aggregates.resize(agg_bytes);
    c.raw.resize(raw_bytes);
    in.read(c.aggregates.data(), static_cast<std::streamsize>(agg_bytes));
    in.read(c.raw.data(), static_cast<std::streamsize>(raw_bytes));
    if ((magic == kMagicV1 || magic == kMagicV2 || magic == kMagicV3) && h && in) {
        const bool v1 = magic == kMagicV1;
        c.aggregates = add_null_columns(c.aggregates, kV4Columns + kV5Columns + (v1 ? 1 : 0));
        c.raw_text = magic != kMagicV3;
        c.raw = c.raw_text ? add_null_columns(c.raw, 1) : add_null_field_binary(c.raw);
        return true;
    }
    if (magic == kMagicV4 && h && in) {
        c.aggregates = add_null_columns(c.aggregates, kV5Columns);
        return true;
    }
    if (magic == kMagic && h && in) return true;
    std::error_code ec;
    fs::rename(path, path + ".bad", ec);
    std::lock_guard lock(mu_);
    --files_;
    return false;
}

void SpillDir::remove(const std::string& path) {
    std::error_code ec;
    const uint64_t size = fs::file_size(path, ec);
    if (!fs::remove(path, ec)) return;
    std::lock_guard lock(mu_);
    bytes_ -= std::min(bytes_, size);
    --files_;
}

uint64_t SpillDir::bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
}

size_t SpillDir::files() const {
    std::lock_guard lock(mu_);
    return files_;
}

}  // namespace eveflow::output::postgres
