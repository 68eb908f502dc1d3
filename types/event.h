// Event: what every input produces; EventBatch: events plus the bytes their views point into.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "types/checkpoint.h"
#include "types/flow_entry.h"

namespace eveflow {

/// EVE event types, interned. kOther stands for any type not listed (its name stays in the
/// event's `type_name`).
enum class EventType : uint8_t {
    kFlow,
    kNetflow,
    kAlert,
    kAnomaly,
    kDns,
    kHttp,
    kTls,
    kSsh,
    kSmtp,
    kFileinfo,
    kStats,
    kDhcp,
    kNfs,
    kSmb,
    kKrb5,
    kSnmp,
    kSip,
    kRdp,
    kRfb,
    kMqtt,
    kFtp,
    kFtpData,
    kTftp,
    kIke,
    kQuic,
    kHttp2,
    kDnp3,
    kModbus,
    kArp,
    kPgsql,
    kDrop,
    kOther,
};
constexpr size_t kEventTypeCount = static_cast<size_t>(EventType::kOther) + 1;

std::string_view event_type_name(EventType t);
/// kOther for names not in the list.
EventType event_type_from_name(std::string_view name);

/// Event types by name as written (`kOther` types included), or all of them.
struct EventTypeSet {
    bool all = false;
    std::vector<std::string> names;  // when !all; no repeats

    bool empty() const { return !all && names.empty(); }
    bool contains(std::string_view name) const {
        return all || std::find(names.begin(), names.end(), name) != names.end();
    }
    void add(const EventTypeSet& other) {
        all = all || other.all;
        for (const auto& n : other.names) {
            if (!contains(n)) names.push_back(n);
        }
    }
};

/// Where an event came from, for per-input metrics; index into the pipeline's input list.
using SourceId = uint16_t;

/// One event. The views point into the EventBatch that holds it: an Event never outlives
/// its batch and is never copied out of it (handlers copy what they keep).
///
/// Design note: STYLE.md's Event owns `std::string raw`. At millions of events a second one
/// allocation per event costs more than the parsing, so the batch owns one buffer of lines and
/// events point into it.
struct Event {
    EventType type = EventType::kOther;
    bool aggregatable = false;   // a flow (or meter flow) with valid timestamp, src_ip, dest_ip
    std::string_view type_name;  // the event_type string as written
    std::string_view raw;        // the line as received, without its newline
    FlowEntry fields;            // common fields; counters for flows
};

/// An allocator whose value-initialisation is default-initialisation: growing a byte buffer
/// that read() is about to fill does not clear it first (nor touch pages never written).
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = DefaultInitAllocator<U>;
    };
    DefaultInitAllocator() noexcept = default;
    template <class U>
    DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}

    template <class U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
    template <class U>
    bool operator==(const DefaultInitAllocator<U>&) const noexcept {
        return true;
    }
};

/// The bytes of a batch: a vector (resize() leaves new bytes uninitialised).
using ByteBuffer = std::vector<char, DefaultInitAllocator<char>>;

/// Bytes that events' views point into besides the batch buffer: the decoded text of string
/// fields written with JSON escapes (rare; EVE writes none in the fields read). Each piece is
/// its own allocation, so adding one or moving the store never moves what is stored.
class DecodedStrings {
public:
    /// Room for `n` bytes, valid as long as the store (and never moved).
    char* allocate(size_t n) {
        pieces_.push_back(std::make_unique_for_overwrite<char[]>(n));
        return pieces_.back().get();
    }
    size_t size() const { return pieces_.size(); }
    /// Drops the pieces added after size() was `n` (what a line that failed left).
    void truncate(size_t n) {
        if (n < pieces_.size()) pieces_.resize(n);
    }
    void clear() { pieces_.clear(); }

private:
    std::vector<std::unique_ptr<char[]>> pieces_;
};

/// Event-time progress of a source that knows which flows it still holds (the pcap meter):
/// every event it publishes after the batch carrying this has a flow start at or after
/// `first` and a timestamp (its flow end) at or after `last`. Timestamp::max() once the
/// source has ended.
struct SourceProgress {
    Timestamp first = Timestamp::none();
    Timestamp last = Timestamp::none();
    /// The bounds of a source that publishes nothing more.
    static constexpr SourceProgress ended() { return {Timestamp::max(), Timestamp::max()}; }
    bool operator==(const SourceProgress&) const = default;
};

/// A batch of events from one source, moved whole through the channels. Its buffer is a
/// vector so moving the batch never moves the bytes the views point into.
struct EventBatch {
    SourceId source = 0;
    ByteBuffer buffer;
    std::vector<Event> events;
    /// Decoded strings the events' views may point into (see DecodedStrings).
    DecodedStrings decoded;
    /// Lines cut from `buffer` but not parsed yet, for a source that parses them on other
    /// threads (the EVE socket's parse pool); the parser turns them into `events`.
    std::vector<std::string_view> lines;
    /// Set on a batch (usually without events) that acknowledges, once done, everything the
    /// same source published before it (see Checkpoint).
    std::shared_ptr<const Checkpoint> checkpoint;
    /// Set by sources that publish event-time progress, valid once this batch's events are
    /// consumed (the batch may have no events).
    std::optional<SourceProgress> progress;
};

}  // namespace eveflow
