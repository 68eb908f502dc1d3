// EveBatcher: splits EVE bytes into lines, parses them in place and packs EventBatches.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "input/eve/eve_parser.h"
#include "types/event.h"
#include "util/log.h"
#include "util/stats.h"

namespace eveflow::input {

/// Why a line was not delivered (or, for kInvalidFlow, delivered but not aggregatable).
enum class Malformed : uint8_t {
    kNotJson,
    kNotObject,
    kTooLong,
    kPartial,
    kTorn,
    kInvalidFlow,
    kNoEventType,
};
inline constexpr size_t kMalformedReasons = 7;
/// The `reason` label: not_json, not_object, too_long, partial, torn, invalid_flow,
/// no_event_type (a JSON object without a non-empty string `event_type`: not an event).
std::string_view malformed_reason_name(Malformed r);

inline constexpr size_t kDefaultMaxLine = size_t{16} << 20;

/// The shared metrics of one EVE input (all its connections): eveflow_input_bytes_total and
/// eveflow_input_malformed_total{input,reason}, plus the rate limit of malformed-line logs.
/// Create once per input at set-up; batchers add to it once per batch.
class EveCounters {
public:
    EveCounters(Stats& stats, std::string input);
    const std::string& input() const { return input_; }
    Counter& bytes() { return *bytes_; }
    Counter& malformed(Malformed r) { return *malformed_[static_cast<size_t>(r)]; }
    /// Logs `input: malformed line reason=... snippet` for the first few a minute.
    void log_malformed(Malformed r, std::string_view line);

private:
    std::string input_;
    Counter* bytes_;
    std::array<Counter*, kMalformedReasons> malformed_{};
    log::RateLimit log_limit_{5};
};

/// Parses complete lines into Events and counts the lines that are not valid events; recovers
/// records glued onto a torn one. One per thread (it owns an EveParser).
class EveLineParser {
public:
    explicit EveLineParser(EveCounters& counters) : counters_(counters) {}

    /// Parses the line [p, p + len) (`capacity` readable bytes from p, >= len + kEvePadding)
    /// and appends its event, or the events glued in it, to `out` (their decoded strings to
    /// `decoded`); a line that gives none is counted with `fail_reason` (or not_object).
    void parse_line(const char* p, size_t len, size_t capacity, Malformed fail_reason,
                    std::vector<Event>& out, DecodedStrings& decoded);
    /// Parses a batch of cut lines (EveBatcher::pop_lines): its `lines` become its `events`;
    /// the last line counts as `partial` rather than not_json if `last_partial`.
    void parse_batch(EventBatch& batch, bool last_partial);
    /// Counts a malformed line (logged rate-limited); added to the shared counters by
    /// publish_counts().
    void count(Malformed r, const char* p, size_t len);
    void publish_counts();

private:
    bool recover_glued(const char* p, size_t len, size_t capacity, std::vector<Event>& out,
                       DecodedStrings& decoded);
    void accept_or_count(const char* p, size_t len, std::vector<Event>& out);

    EveCounters& counters_;
    EveParser parser_;
    std::vector<Event> spare_;
    std::array<uint64_t, kMalformedReasons> local_malformed_{};
};

/// Turns a byte stream (or a series of messages) into EventBatches with no copy per event:
/// bytes are read straight into a buffer that becomes the batch's buffer, and events point
/// into it. Lines are split on '\n' ('\r' before it is dropped, blank lines skipped); a line
/// longer than max_line is counted (too_long) and skipped without being held in memory; a
/// line torn by Suricata's 4 KiB write boundary with the next record glued on is recovered.
///
/// Single-threaded: one batcher per stream (per connection). Typical use:
///   auto area = b.write_area(); n = read(fd, area.data(), area.size()); b.commit(n);
///   while (b.pop(batch)) publisher.publish(std::move(batch));
///   on EAGAIN: b.flush(); at EOF: b.finish(); then pop the rest.
class EveBatcher {
public:
    struct Options {
        size_t max_line = kDefaultMaxLine;
        size_t max_events = 1024;               // events per batch (a read may overshoot a little)
        size_t buffer_bytes = size_t{1} << 20;  // bytes per batch buffer, ~1 MiB
        size_t read_chunk = size_t{64} << 10;   // most bytes write_area() offers at once
        /// false: only cut lines (pop_lines()); another thread parses them (EveLineParser).
        bool parse = true;
    };

    explicit EveBatcher(EveCounters& counters);
    EveBatcher(EveCounters& counters, Options options);

    /// Writable room for the next read; valid until the next call of a non-const method.
    std::span<char> write_area();
    /// `n` bytes were written at the start of write_area(): split, parse and batch them.
    void commit(size_t n);
    /// Copies bytes in (message sources). Same splitting as commit().
    void feed(std::string_view bytes);
    /// Feeds one message as one complete record (a '\n' is appended): Kafka messages.
    void feed_record(std::string_view message);
    /// End of stream or orderly close: a last line without newline is delivered if it
    /// parses, else counted (partial). The batcher can be used again afterwards.
    void finish();
    /// Readies the batch being built even if small (a read would block: keep latency low)
    /// and adds the local counts to the shared counters.
    void flush();
    /// Takes the next ready batch; false if there is none.
    bool pop(EventBatch& out);
    /// With Options::parse false: the next batch of cut lines for EveLineParser::parse_batch;
    /// `last_partial` is set if its last line ended without a newline at finish().
    bool pop_lines(EventBatch& out, bool& last_partial);

    /// Events (or cut lines) in the batch being built.
    size_t building_events() const { return opt_.parse ? events_.size() : cut_.size(); }
    /// Bytes currently held for an unfinished line.
    size_t partial_bytes() const { return data_end_ - line_start_; }

private:
    struct Ready {
        EventBatch batch;
        bool last_partial = false;
    };

    void scan();
    void handle_line(size_t start, size_t end, Malformed fail_reason);
    void rotate(size_t min_room);
    void publish_counts();

    EveCounters& counters_;
    Options opt_;
    EveLineParser lines_;
    ByteBuffer buf_;  // [0, data_end_) data, then free room, then kEvePadding
    size_t data_end_ = 0;
    size_t line_start_ = 0;              // start of the line not yet complete
    size_t scan_ = 0;                    // where the search for '\n' goes on
    bool discarding_ = false;            // skipping the rest of a too long line
    bool last_partial_ = false;          // cut mode: the last line of cut_ ended at finish()
    std::vector<Event> events_;          // parse mode
    DecodedStrings decoded_;             // parse mode: what events_ may point into
    std::vector<std::string_view> cut_;  // cut mode
    std::deque<Ready> ready_;
    uint64_t local_bytes_ = 0;
};

}  // namespace eveflow::input
