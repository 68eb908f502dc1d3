// PortSet spill handling and the string interner of aggregation keys.
#include "processing/flow_aggregate/port_set.h"

#include <algorithm>
#include <bit>
#include <cstddef>

#include "processing/flow_aggregate/flow_key.h"

namespace eveflow::processing {
namespace {
constexpr size_t kBitmapAt = 4096;  // distinct ports beyond which the bitmap is smaller
constexpr size_t kBitmapWords = 65536 / 64;
}  // namespace

PortSet::Spill::Spill(const uint16_t* first, uint8_t n) : ports_(first, first + n) {
    ports_.reserve(limit_);
}

void PortSet::Spill::compact() {
    std::sort(ports_.begin(), ports_.end());
    ports_.erase(std::unique(ports_.begin(), ports_.end()), ports_.end());
    if (ports_.size() > kBitmapAt) {
        bits_ = std::make_unique<uint64_t[]>(kBitmapWords);  // zeroed
        for (uint16_t p : ports_) bits_[p >> 6] |= uint64_t{1} << (p & 63);
        bit_count_ = static_cast<uint32_t>(ports_.size());
        std::vector<uint16_t>().swap(ports_);
        return;
    }
    limit_ = std::max<size_t>(16, ports_.size() * 2);
}

uint64_t PortSet::count() {
    if (!spill_) return n_inline_;
    if (spill_->bits_) return spill_->bit_count_;
    spill_->compact();
    if (spill_->bits_) return spill_->bit_count_;
    return spill_->ports_.size();
}

void PortSet::append_sorted(std::vector<uint16_t>& out) {
    const size_t n = count();  // compacts: the vector is sorted and distinct afterwards
    out.reserve(out.size() + n);
    if (!spill_) {
        const size_t at = out.size();
        out.insert(out.end(), inline_, inline_ + n_inline_);
        std::sort(out.begin() + static_cast<std::ptrdiff_t>(at), out.end());
        return;
    }
    if (!spill_->bits_) {
        out.insert(out.end(), spill_->ports_.begin(), spill_->ports_.end());
        return;
    }
    for (size_t w = 0; w < kBitmapWords; ++w) {
        for (uint64_t bits = spill_->bits_[w]; bits != 0; bits &= bits - 1) {
            out.push_back(
                static_cast<uint16_t>(w * 64 + static_cast<size_t>(std::countr_zero(bits))));
        }
    }
}

uint16_t StringInterner::intern(std::string_view s) {
    if (s.empty()) return 0;
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    if (names_.size() >= kMaxStrings) {
        if (overflow_id_ == 0) {
            overflow_id_ = static_cast<uint16_t>(names_.size());
            names_.emplace_back("other");
        }
        return overflow_id_;
    }
    auto id = static_cast<uint16_t>(names_.size());
    names_.emplace_back(s);
    ids_.emplace(std::string(s), id);
    return id;
}

}  // namespace eveflow::processing
