// EveBatcher: line splitting, glued-record recovery, batching and malformed-line counting.
#include "input/eve/eve_batcher.h"

#include <algorithm>
#include <cstring>

namespace eveflow::input {
namespace {

constexpr std::array<std::string_view, kMalformedReasons> kReasonNames = {
    "not_json", "not_object", "too_long", "partial", "torn", "invalid_flow", "no_event_type",
};
constexpr std::string_view kGlueMark = "{\"timestamp\"";
constexpr size_t kLogBytes = 256;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

}  // namespace

std::string_view malformed_reason_name(Malformed r) { return kReasonNames[static_cast<size_t>(r)]; }

EveCounters::EveCounters(Stats& stats, std::string input) : input_(std::move(input)) {
    bytes_ =
        &stats.counter("eveflow_input_bytes_total", "Bytes read by an input", {{"input", input_}});
    for (size_t i = 0; i < kMalformedReasons; ++i) {
        malformed_[i] =
            &stats.counter("eveflow_input_malformed_total",
                           "Input lines that were not valid EVE events, by reason",
                           {{"input", input_}, {"reason", std::string(kReasonNames[i])}});
    }
}

void EveCounters::log_malformed(Malformed r, std::string_view line) {
    uint64_t suppressed = 0;
    if (!log_limit_.allow(suppressed)) return;
    if (suppressed > 0) {
        log::warn("{}: malformed lines not logged in the last minute count={}", input_, suppressed);
    }
    log::warn("{}: malformed line reason={} bytes={} line=\"{}\"", input_, malformed_reason_name(r),
              line.size(), log::snippet(line));
}

EveBatcher::EveBatcher(EveCounters& counters) : EveBatcher(counters, Options{}) {}

EveBatcher::EveBatcher(EveCounters& counters, Options options)
    : counters_(counters), opt_(options), lines_(counters) {
    opt_.read_chunk = std::max<size_t>(opt_.read_chunk, 1);
    opt_.buffer_bytes = std::max(opt_.buffer_bytes, opt_.read_chunk);
    opt_.max_events = std::max<size_t>(opt_.max_events, 1);
    buf_.resize(opt_.buffer_bytes + kEvePadding);
    if (opt_.parse) {
        events_.reserve(opt_.max_events);
    } else {
        cut_.reserve(opt_.max_events);
    }
}

std::span<char> EveBatcher::write_area() {
    size_t room = buf_.size() - kEvePadding - data_end_;
    if (room < opt_.read_chunk) {
        rotate(opt_.read_chunk);
        room = buf_.size() - kEvePadding - data_end_;
    }
    return {buf_.data() + data_end_, std::min(room, opt_.read_chunk)};
}

void EveBatcher::commit(size_t n) {
    data_end_ += n;
    local_bytes_ += n;
    // The parser may look at the bytes just after a line that is not valid JSON: make them the
    // same whatever the read boundaries were (stale bytes would make results chunk-dependent).
    std::memset(buf_.data() + data_end_, ' ', kEvePadding);
    scan();
    if (building_events() >= opt_.max_events) rotate(opt_.read_chunk);
}

void EveBatcher::feed(std::string_view bytes) {
    while (!bytes.empty()) {
        std::span<char> area = write_area();
        size_t n = std::min(area.size(), bytes.size());
        std::memcpy(area.data(), bytes.data(), n);
        commit(n);
        bytes.remove_prefix(n);
    }
}

void EveBatcher::feed_record(std::string_view message) {
    feed(message);
    feed("\n");
}

// Splits [scan_, data_end_) into lines; the unfinished rest stays for the next commit.
void EveBatcher::scan() {
    char* base = buf_.data();
    while (scan_ < data_end_) {
        auto* nl = static_cast<char*>(std::memchr(base + scan_, '\n', data_end_ - scan_));
        if (discarding_) {
            if (nl == nullptr) {
                data_end_ = scan_ = line_start_;  // drop the bytes of the too long line
                return;
            }
            discarding_ = false;
            line_start_ = scan_ = static_cast<size_t>(nl - base) + 1;
            continue;
        }
        if (nl == nullptr) {
            scan_ = data_end_;
            if (data_end_ - line_start_ > opt_.max_line) {
                lines_.count(Malformed::kTooLong, base + line_start_, data_end_ - line_start_);
                discarding_ = true;
                data_end_ = scan_ = line_start_;
            }
            return;
        }
        size_t end = static_cast<size_t>(nl - base);
        handle_line(line_start_, end, Malformed::kNotJson);
        line_start_ = scan_ = end + 1;
    }
}

void EveBatcher::handle_line(size_t start, size_t end, Malformed fail_reason) {
    const char* p = buf_.data() + start;
    size_t len = end - start;
    while (len > 0 && p[len - 1] == '\r') --len;
    size_t i = 0;
    while (i < len && is_space(p[i])) ++i;
    if (i == len) return;  // blank line
    if (len > opt_.max_line) {
        lines_.count(Malformed::kTooLong, p, len);
        return;
    }
    if (!opt_.parse) {
        cut_.emplace_back(p, len);
        last_partial_ = fail_reason == Malformed::kPartial;
        return;
    }
    lines_.parse_line(p, len, buf_.data() + buf_.size() - p, fail_reason, events_, decoded_);
}

void EveLineParser::parse_line(const char* p, size_t len, size_t capacity, Malformed fail_reason,
                               std::vector<Event>& out, DecodedStrings& decoded) {
    ParseResult r = parser_.parse(p, len, capacity, out.emplace_back(), decoded);
    if (r == ParseResult::kOk) {
        accept_or_count(p, len, out);
        return;
    }
    out.pop_back();
    if (r == ParseResult::kNotObject) {
        count(Malformed::kNotObject, p, len);
    } else if (!recover_glued(p, len, capacity, out, decoded)) {
        count(fail_reason, p, len);
    }
}

// A parsed object is an event only with a string event_type; a flow event without a valid
// timestamp or addresses is still an event (it may be forwarded) but is counted.
void EveLineParser::accept_or_count(const char* p, size_t len, std::vector<Event>& out) {
    const Event& ev = out.back();
    if (ev.type_name.empty()) {
        out.pop_back();
        count(Malformed::kNoEventType, p, len);
    } else if (ev.type == EventType::kFlow && !ev.aggregatable) {
        count(Malformed::kInvalidFlow, p, len);
    }
}

void EveLineParser::parse_batch(EventBatch& batch, bool last_partial) {
    spare_.clear();
    spare_.reserve(batch.lines.size() + 16);
    const char* buf_end = batch.buffer.data() + batch.buffer.size();
    size_t n = batch.lines.size();
    for (size_t i = 0; i < n; ++i) {
        std::string_view line = batch.lines[i];
        Malformed reason = last_partial && i + 1 == n ? Malformed::kPartial : Malformed::kNotJson;
        parse_line(line.data(), line.size(), static_cast<size_t>(buf_end - line.data()), reason,
                   spare_, batch.decoded);
    }
    std::swap(batch.events, spare_);
    batch.lines = {};
}

// A line that is not JSON may be a record torn at Suricata's 4 KiB write boundary with the
// next record glued on: split it before every later `{"timestamp"` and parse each piece.
// The pieces that parse are delivered; the others count as torn. False if none parses.
bool EveLineParser::recover_glued(const char* p, size_t len, size_t capacity,
                                  std::vector<Event>& out, DecodedStrings& decoded) {
    std::string_view line(p, len);
    size_t next = line.find(kGlueMark, 1);
    if (next == std::string_view::npos) return false;
    size_t start = 0;
    size_t delivered = 0;
    size_t torn = 0;
    while (start < len) {
        size_t end = next == std::string_view::npos ? len : next;
        const char* s = p + start;
        Event& ev = out.emplace_back();
        if (parser_.parse(s, end - start, capacity - start, ev, decoded) == ParseResult::kOk) {
            ++delivered;
            accept_or_count(s, end - start, out);
        } else {
            out.pop_back();
            ++torn;
        }
        start = end;
        next = end < len ? line.find(kGlueMark, end + 1) : std::string_view::npos;
    }
    if (delivered == 0) return false;
    if (torn > 0) {
        local_malformed_[static_cast<size_t>(Malformed::kTorn)] += torn;
        counters_.log_malformed(Malformed::kTorn, line.substr(0, kLogBytes));
    }
    return true;
}

void EveLineParser::count(Malformed r, const char* p, size_t len) {
    ++local_malformed_[static_cast<size_t>(r)];
    counters_.log_malformed(r, std::string_view(p, std::min(len, kLogBytes)));
}

void EveLineParser::publish_counts() {
    for (size_t i = 0; i < kMalformedReasons; ++i) {
        if (local_malformed_[i] > 0) {
            counters_.malformed(static_cast<Malformed>(i)).inc(local_malformed_[i]);
        }
        local_malformed_[i] = 0;
    }
}

void EveBatcher::finish() {
    if (discarding_) {
        discarding_ = false;
        data_end_ = scan_ = line_start_;
    } else if (line_start_ < data_end_) {
        std::memset(buf_.data() + data_end_, ' ', kEvePadding);
        handle_line(line_start_, data_end_, Malformed::kPartial);
        line_start_ = scan_ = data_end_;
    }
    flush();
}

void EveBatcher::flush() {
    if (building_events() > 0) rotate(0);
    publish_counts();
}

bool EveBatcher::pop(EventBatch& out) {
    bool last_partial = false;
    return pop_lines(out, last_partial);
}

bool EveBatcher::pop_lines(EventBatch& out, bool& last_partial) {
    if (ready_.empty()) return false;
    out = std::move(ready_.front().batch);
    last_partial = ready_.front().last_partial;
    ready_.pop_front();
    return true;
}

// Makes room for `min_room` more bytes. With events built, the buffer goes out as a batch and
// the unfinished line moves to a fresh buffer; without, the line moves to the front (or to a
// bigger buffer: a long line in progress, bounded by max_line).
void EveBatcher::rotate(size_t min_room) {
    size_t partial = data_end_ - line_start_;
    size_t need = partial + min_room + kEvePadding;
    const bool built = building_events() > 0;
    if (!built && need <= buf_.size()) {
        std::memmove(buf_.data(), buf_.data() + line_start_, partial);
    } else {
        // After a small batch (a flush when the reader would block) the next buffer starts
        // small too, so frequent flushes do not allocate and clear 1 MiB each.
        size_t used = built ? line_start_ : buf_.size();
        size_t size = std::min(opt_.buffer_bytes, std::max(2 * used, 2 * opt_.read_chunk));
        size = std::max(size + kEvePadding, need);
        if (!built) {
            // Doubling keeps a growing long line linear; max_line bounds it.
            size_t cap = opt_.max_line + opt_.read_chunk + kEvePadding + 1;
            size = std::max(size, std::min(2 * buf_.size(), cap));
        }
        ByteBuffer next(size);
        std::memcpy(next.data(), buf_.data() + line_start_, partial);
        if (built) {
            Ready& r = ready_.emplace_back();
            r.batch.buffer = std::move(buf_);
            r.last_partial = last_partial_;
            last_partial_ = false;
            if (opt_.parse) {
                r.batch.events = std::move(events_);
                r.batch.decoded = std::move(decoded_);
                events_ = {};
                decoded_.clear();
                events_.reserve(opt_.max_events);
            } else {
                r.batch.lines = std::move(cut_);
                cut_ = {};
                cut_.reserve(opt_.max_events);
            }
        }
        buf_ = std::move(next);
    }
    scan_ -= line_start_;
    line_start_ = 0;
    data_end_ = partial;
    publish_counts();
}

void EveBatcher::publish_counts() {
    if (local_bytes_ > 0) counters_.bytes().inc(local_bytes_);
    local_bytes_ = 0;
    lines_.publish_counts();
}

}  // namespace eveflow::input
