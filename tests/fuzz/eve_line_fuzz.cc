// libFuzzer target: the EVE line parser, the batcher, field normalisation (timestamps, IPs)
// and the PostgreSQL sink's rewrite of payloads into jsonb's key order.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "input/eve/eve_batcher.h"
#include "input/eve/eve_parser.h"
#include "output/postgres/jsonb_order.h"
#include "types/ip_addr.h"
#include "types/timestamp.h"

namespace {

using namespace eveflow;
using namespace eveflow::input;

void check(bool ok) {
    if (!ok) std::abort();
}

bool inside(std::string_view v, const char* begin, const char* end) {
    return v.empty() || (v.data() >= begin && v.data() + v.size() <= end);
}

// Normalised forms read back to the same value.
void round_trips(std::string_view text) {
    if (auto ts = parse_timestamp(text)) {
        auto again = parse_timestamp(format_timestamp(*ts));
        check(again && again->us == ts->us);
    }
    if (auto ip = IpAddr::parse(text)) {
        auto again = IpAddr::parse(ip->to_string());
        check(again && *again == *ip);
    }
}

void parse_line(const uint8_t* data, size_t size) {
    static EveParser parser;
    std::vector<char> buf(size + kEvePadding);
    std::memcpy(buf.data(), data, size);
    const char* end = buf.data() + size;
    Event ev;
    DecodedStrings decoded;
    if (parser.parse(buf.data(), size, buf.size(), ev, decoded) != ParseResult::kOk) return;
    check(ev.raw.data() == buf.data() && ev.raw.size() == size);
    // A view leaves the line only for a decoded string, which needs an escape in the line.
    const bool escapes = std::memchr(buf.data(), '\\', size) != nullptr;
    for (std::string_view v : {ev.type_name, ev.fields.app_proto, ev.fields.in_iface}) {
        check(inside(v, buf.data(), end) || (escapes && decoded.size() > 0));
    }
    check(!ev.aggregatable ||
          (ev.type == EventType::kFlow && ev.fields.ts.valid() && ev.fields.has_src_ip &&
           ev.fields.has_dest_ip && ev.fields.has_proto));
    if (ev.fields.has_src_ip) round_trips(ev.fields.src_ip.to_string());
}

// The batcher gives the same events whatever the read boundaries.
void batch(const uint8_t* data, size_t size) {
    static Stats stats;
    static EveCounters counters(stats, "fuzz");
    std::string_view text(reinterpret_cast<const char*>(data), size);
    size_t cut = size == 0 ? 0 : data[0] % (size + 1);
    EveBatcher::Options opt;
    opt.max_line = 4096;
    opt.read_chunk = 1024;
    opt.buffer_bytes = 4096;
    EveBatcher whole(counters, opt), split(counters, opt);
    whole.feed(text);
    whole.finish();
    split.feed(text.substr(0, cut));
    split.feed(text.substr(cut));
    split.finish();
    auto drain = [](EveBatcher& batcher) {
        std::vector<std::string> raws;
        EventBatch b;
        while (batcher.pop(b)) {
            for (const auto& ev : b.events) {
                raws.emplace_back(ev.raw);
                raws.emplace_back(ev.type_name);  // maybe decoded: must live with its batch
            }
        }
        return raws;
    };
    check(drain(whole) == drain(split));
}

}  // namespace

// A rewrite never grows the text, and a document simdjson accepts stays one it accepts.
void jsonb_order(const uint8_t* data, size_t size) {
    static simdjson::dom::parser dom;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::string out(output::postgres::in_jsonb_order(text));
    check(out.size() <= text.size());
    simdjson::dom::element doc;
    if (dom.parse(text).get(doc) == simdjson::SUCCESS) {
        check(dom.parse(out).get(doc) == simdjson::SUCCESS);
    }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    round_trips(std::string_view(reinterpret_cast<const char*>(data), size));
    parse_line(data, size);
    batch(data, size);
    jsonb_order(data, size);
    return 0;
}
