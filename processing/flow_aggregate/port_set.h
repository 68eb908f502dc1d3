// PortSet: the exact set of distinct source ports of one aggregate, in bounded memory.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace eveflow::processing {

/// Up to four ports inline (most keys); then a vector deduplicated whenever it doubles (at
/// most 2x the distinct count); past 4096 distinct ports a 65536-bit bitmap (8 KiB). Exact in
/// every state; adding allocates only when the set grows.
class PortSet {
public:
    void add(uint16_t port) {
        if (!spill_) {
            for (uint8_t i = 0; i < n_inline_; ++i) {
                if (inline_[i] == port) return;
            }
            if (n_inline_ < kInline) {
                inline_[n_inline_++] = port;
                return;
            }
            spill_ = std::make_unique<Spill>(inline_, n_inline_);
        }
        spill_->add(port);
    }
    /// Number of distinct ports added. Compacts the spill vector.
    uint64_t count();
    /// Appends the distinct ports added, ascending, to `out` (count() of them). Compacts the
    /// spill vector. For emission, not the per-event path.
    void append_sorted(std::vector<uint16_t>& out);
    void clear() {
        n_inline_ = 0;
        spill_.reset();
    }

private:
    static constexpr uint8_t kInline = 4;
    struct Spill {
        Spill(const uint16_t* first, uint8_t n);
        void add(uint16_t port) {
            if (bits_) {
                uint64_t& w = bits_[port >> 6];
                uint64_t m = uint64_t{1} << (port & 63);
                bit_count_ += (w & m) ? 0 : 1;
                w |= m;
                return;
            }
            ports_.push_back(port);
            if (ports_.size() >= limit_) compact();
        }
        void compact();
        std::vector<uint16_t> ports_;
        size_t limit_ = 16;
        std::unique_ptr<uint64_t[]> bits_;
        uint32_t bit_count_ = 0;
    };
    uint16_t inline_[kInline] = {};
    uint8_t n_inline_ = 0;
    std::unique_ptr<Spill> spill_;
};

}  // namespace eveflow::processing
