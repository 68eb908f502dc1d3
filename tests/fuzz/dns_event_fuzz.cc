// libFuzzer target: the DNS event reader over any bytes, checking what it gives back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "processing/dns/dns_event.h"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

volatile size_t g_sink;  // keeps the reads of touch() from being optimised away

// Every view the reader hands out is readable (ASan checks the bytes).
size_t touch(std::string_view v) {
    size_t sum = 0;
    for (char c : v) sum += static_cast<unsigned char>(c);
    return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static eveflow::processing::dns::DnsEventReader reader;
    eveflow::processing::dns::DnsMessage m;
    const std::string line(reinterpret_cast<const char*>(data), size);
    if (!reader.read(line, m)) {
        check(m.queries.empty() && m.answers.empty() && m.authorities.empty());
        return 0;
    }
    size_t sum = touch(m.rcode);
    for (const auto& q : m.queries) sum += touch(q.rrname) + touch(q.rrtype);
    for (const auto* section : {&m.answers, &m.authorities}) {
        for (const auto& r : *section) sum += touch(r.rrname) + touch(r.rrtype) + touch(r.rdata);
    }
    // A second read of the same bytes gives the same message.
    eveflow::processing::dns::DnsMessage again;
    check(reader.read(line, again));
    check(again.answers.size() == m.answers.size() && again.queries.size() == m.queries.size() &&
          again.authorities.size() == m.authorities.size() && again.response == m.response);
    g_sink = sum;
    return 0;
}
