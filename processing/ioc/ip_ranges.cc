// IpRanges: laminar CIDR ranges flattened into disjoint segments with a stack.
#include "processing/ioc/ip_ranges.h"

#include <algorithm>

namespace eveflow::processing::ioc {
namespace {

using U128 = IpRanges::U128;

U128 to_u128(const IpAddr& ip) {
    U128 v;
    for (int i = 0; i < 8; ++i) v.hi = v.hi << 8 | ip.bytes()[static_cast<size_t>(i)];
    for (int i = 8; i < 16; ++i) v.lo = v.lo << 8 | ip.bytes()[static_cast<size_t>(i)];
    return v;
}

// The last address of the range: host bits set.
U128 last_of(U128 v, uint8_t bits) {
    if (bits < 64) {
        v.hi |= bits == 0 ? ~uint64_t{0} : ~uint64_t{0} >> bits;
        v.lo = ~uint64_t{0};
    } else if (bits < 128) {
        v.lo |= ~uint64_t{0} >> (bits - 64);
    }
    return v;
}

U128 next(U128 v) {
    if (++v.lo == 0) ++v.hi;
    return v;
}

U128 prev(U128 v) {
    if (v.lo-- == 0) --v.hi;
    return v;
}

constexpr U128 kAllOnes{~uint64_t{0}, ~uint64_t{0}};

}  // namespace

void IpRanges::add(const IpAddr& network, uint8_t bits, std::string_view original) {
    U128 lo = to_u128(network);
    nets_.push_back({lo, last_of(lo, bits), bits, static_cast<uint32_t>(arena_.size()),
                     static_cast<uint32_t>(original.size())});
    arena_.append(original);
}

void IpRanges::emit(const U128& lo, const U128& hi, uint32_t net) {
    if (!segments_.empty() && segments_.back().net == net && next(segments_.back().hi) == lo) {
        segments_.back().hi = hi;
        return;
    }
    segments_.push_back({lo, hi, net});
}

// Ranges sorted by start, wider first, nest or are disjoint (CIDR blocks). Walking them with
// a stack of the open ranges, each address goes to the innermost range holding it.
void IpRanges::build() {
    std::vector<uint32_t> order(nets_.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        if (nets_[a].lo != nets_[b].lo) return nets_[a].lo < nets_[b].lo;
        return nets_[a].bits < nets_[b].bits;
    });
    segments_.clear();
    std::vector<uint32_t> open;
    U128 cursor{};
    bool done = false;  // the cursor went past the last address
    auto close_until = [&](const U128* start) {
        while (!open.empty() && (!start || nets_[open.back()].hi < *start)) {
            const Net& top = nets_[open.back()];
            if (!done && cursor <= top.hi) emit(cursor, top.hi, open.back());
            done = done || top.hi == kAllOnes;
            if (!done) cursor = std::max(cursor, next(top.hi));
            open.pop_back();
        }
    };
    for (uint32_t i : order) {
        const Net& n = nets_[i];
        if (!open.empty() && nets_[open.back()].lo == n.lo && nets_[open.back()].bits == n.bits) {
            continue;  // the same range again: the first one written stays
        }
        close_until(&n.lo);
        if (!open.empty() && cursor < n.lo) emit(cursor, prev(n.lo), open.back());
        cursor = n.lo;
        done = false;
        open.push_back(i);
    }
    close_until(nullptr);
}

std::optional<std::string_view> IpRanges::find(const IpAddr& ip) const {
    const U128 v = to_u128(ip);
    auto it = std::upper_bound(segments_.begin(), segments_.end(), v,
                               [](const U128& x, const Segment& s) { return x < s.lo; });
    if (it == segments_.begin()) return std::nullopt;
    --it;
    if (v > it->hi) return std::nullopt;
    const Net& n = nets_[it->net];
    return std::string_view(arena_.data() + n.off, n.len);
}

size_t IpRanges::memory_bytes() const {
    return nets_.capacity() * sizeof(Net) + segments_.capacity() * sizeof(Segment) +
           arena_.capacity();
}

}  // namespace eveflow::processing::ioc
