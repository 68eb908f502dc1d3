// Reorders JSON object members into jsonb's key order in one pass: each object's members are
// written as they come, and put in order once the object is closed if they were not. Scalars
// are copied as they are, once util/json_bytes.h has checked them against JSON's grammar and
// found where they end.
#include "output/postgres/jsonb_order.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "util/json_bytes.h"

namespace eveflow::output::postgres {
namespace {

constexpr size_t kFail = static_cast<size_t>(-1);
// Deeper documents are sent as they are (EVE nests three or four levels).
constexpr int kMaxDepth = 64;

using json_bytes::Bounds;

// One object member: its key (between the quotes, in the input) and the bytes it was written
// to (`"key":value`, in the output).
struct Member {
    uint32_t key = 0;
    uint32_t key_len = 0;
    uint32_t out = 0;
    uint32_t out_len = 0;
};

struct Scratch {
    std::vector<Member> members;
    std::string moved;  // an object's members while they are put in order
};

// Writes the rewrite to `w`, which has room for the whole input: the output is the input
// without whitespace between tokens, so it is never longer.
class Reorderer {
public:
    Reorderer(std::string_view json, char* w, Scratch& scratch)
        : s_(json.data()), n_(json.size()), w_(w), base_(w), scratch_(scratch) {
        scratch_.members.clear();
    }

    /// Bytes written, or kFail.
    size_t run() {
        size_t i = value(skip_ws(0), 0);
        if (i == kFail || skip_ws(i) != n_) return kFail;
        return static_cast<size_t>(w_ - base_);
    }

private:
    size_t skip_ws(size_t i) const {
        return static_cast<size_t>(json_bytes::skip_ws<Bounds::kExact>(s_ + i, s_ + n_) - s_);
    }

    // The index of `p`, a token's end, or kFail for nullptr.
    size_t index(const char* p) const { return p ? static_cast<size_t>(p - s_) : kFail; }

    void put(size_t from, size_t to) {
        const size_t len = to - from;
        // Most tokens are short: one fixed 16-byte copy. The output never runs ahead of the
        // input, so 16 bytes that fit in the input fit in the output.
        if (len <= 16 && from + 16 <= n_) {
            std::memcpy(w_, s_ + from, 16);
        } else {
            std::memcpy(w_, s_ + from, len);
        }
        w_ += len;
    }

    size_t value(size_t i, int depth) {
        if (i >= n_) return kFail;
        const char c = s_[i];
        if (c == '{') return object(i, depth + 1);
        if (c == '[') return array(i, depth + 1);
        bool escaped = false;
        const size_t end = index(json_bytes::scalar_end<Bounds::kExact>(s_ + i, s_ + n_, escaped));
        if (end == kFail) return kFail;
        put(i, end);
        return end;
    }

    size_t array(size_t i, int depth) {
        if (depth > kMaxDepth) return kFail;
        *w_++ = '[';
        i = skip_ws(i + 1);
        if (i < n_ && s_[i] == ']') {
            *w_++ = ']';
            return i + 1;
        }
        for (;;) {
            i = value(i, depth);
            if (i == kFail) return kFail;
            i = skip_ws(i);
            if (i >= n_) return kFail;
            if (s_[i] == ']') break;
            if (s_[i] != ',') return kFail;
            *w_++ = ',';
            i = skip_ws(i + 1);
        }
        *w_++ = ']';
        return i + 1;
    }

    size_t object(size_t i, int depth) {
        if (depth > kMaxDepth) return kFail;
        auto& members = scratch_.members;
        const size_t first = members.size();
        bool escaped = false;
        *w_++ = '{';
        i = skip_ws(i + 1);
        if (i < n_ && s_[i] == '}') {
            *w_++ = '}';
            return i + 1;
        }
        for (;;) {
            if (i >= n_ || s_[i] != '"') return kFail;
            const size_t key_end =
                index(json_bytes::string_end<Bounds::kExact>(s_ + i, s_ + n_, escaped));
            if (key_end == kFail) return kFail;
            const size_t colon = skip_ws(key_end);
            if (colon >= n_ || s_[colon] != ':') return kFail;
            const auto key = static_cast<uint32_t>(i + 1);
            const auto key_len = static_cast<uint32_t>(key_end - i - 2);
            const auto at = static_cast<uint32_t>(w_ - base_);
            put(i, key_end);
            *w_++ = ':';
            i = value(skip_ws(colon + 1), depth);
            if (i == kFail) return kFail;
            members.push_back({key, key_len, at, static_cast<uint32_t>(w_ - base_) - at});
            i = skip_ws(i);
            if (i >= n_) return kFail;
            if (s_[i] == '}') break;
            if (s_[i] != ',') return kFail;
            *w_++ = ',';
            i = skip_ws(i + 1);
        }
        *w_++ = '}';
        if (!escaped) order(first);
        members.resize(first);
        return i + 1;
    }

    // Puts the members from `first` on, written already, in jsonb's order. Stable, so
    // duplicate keys keep their order.
    void order(size_t first) {
        auto& members = scratch_.members;
        const auto begin = members.begin() + static_cast<std::ptrdiff_t>(first);
        const char* s = s_;
        auto less = [s](const Member& a, const Member& b) {
            if (a.key_len != b.key_len) return a.key_len < b.key_len;
            return std::memcmp(s + a.key, s + b.key, a.key_len) < 0;
        };
        if (std::is_sorted(begin, members.end(), less)) return;
        const uint32_t from = begin->out;
        const uint32_t to = members.back().out + members.back().out_len;
        scratch_.moved.assign(base_ + from, to - from);
        if (members.end() - begin > 64) {
            std::stable_sort(begin, members.end(), less);
        } else {
            for (auto it = begin + 1; it < members.end(); ++it) {
                const Member m = *it;
                auto hole = it;
                for (; hole > begin && less(m, *(hole - 1)); --hole) *hole = *(hole - 1);
                *hole = m;
            }
        }
        char* w = base_ + from;
        for (auto it = begin; it < members.end(); ++it) {
            if (it != begin) *w++ = ',';
            std::memcpy(w, scratch_.moved.data() + (it->out - from), it->out_len);
            w += it->out_len;
        }
    }

    const char* s_;
    size_t n_;
    char* w_;
    char* base_;
    Scratch& scratch_;
};

}  // namespace

// The per-thread buffers keep their size from one line to the next, up to this: a single
// huge event (lines go up to max_line, 16 MiB) must not pin its memory for good.
constexpr size_t kKeepBytes = size_t{1} << 20;

bool append_in_jsonb_order(std::string& out, std::string_view json) {
    if (json.size() >= UINT32_MAX) return false;
    thread_local Scratch scratch;
    const size_t before = out.size();
    out.resize(before + json.size());
    const size_t n = Reorderer(json, out.data() + before, scratch).run();
    out.resize(n == kFail ? before : before + n);
    if (scratch.moved.capacity() > kKeepBytes) std::string().swap(scratch.moved);
    if (scratch.members.capacity() > kKeepBytes / sizeof(Member)) {
        std::vector<Member>().swap(scratch.members);
    }
    return n != kFail;
}

std::string_view in_jsonb_order(std::string_view json) {
    thread_local std::string buffer;
    if (buffer.capacity() > kKeepBytes) std::string().swap(buffer);
    buffer.clear();
    return append_in_jsonb_order(buffer, json) ? std::string_view(buffer) : json;
}

}  // namespace eveflow::output::postgres
