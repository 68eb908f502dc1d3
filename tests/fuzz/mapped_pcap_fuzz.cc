// libFuzzer target: MappedPcap over any bytes, against libpcap reading the same bytes. Every
// record the mapping gives must lie inside the bytes and equal libpcap's record at that place.
#include <pcap/pcap.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "input/pcap/mapped_pcap.h"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using eveflow::input::pcap::MappedPcap;
    // A copy of exactly `size` bytes, so a read past the end is seen by ASan.
    std::vector<uint8_t> bytes(data, data + size);
    auto m = MappedPcap::view(bytes.data(), bytes.size());
    if (!m) return 0;
    FILE* f = fmemopen(bytes.data(), bytes.size(), "rb");
    if (!f) return 0;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
    check(pc != nullptr);  // the mapping takes only headers libpcap takes
    MappedPcap::Record r;
    uint64_t prev = m->offset();
    while (m->next(r)) {
        check(r.data >= bytes.data() && r.data + r.caplen <= bytes.data() + bytes.size());
        check(m->offset() > prev && m->offset() <= bytes.size());
        prev = m->offset();
        pcap_pkthdr* h = nullptr;
        const u_char* d = nullptr;
        check(pcap_next_ex(pc, &h, &d) == 1);
        const int64_t ts = int64_t{h->ts.tv_sec} * 1'000'000 + h->ts.tv_usec / 1000;
        check(ts == r.ts_us && h->caplen == r.caplen && h->len == r.len);
        check(std::memcmp(d, r.data, r.caplen) == 0);
    }
    if (m->at_end()) {  // libpcap sees the end there too
        pcap_pkthdr* h = nullptr;
        const u_char* d = nullptr;
        check(pcap_next_ex(pc, &h, &d) == PCAP_ERROR_BREAK);
    }
    pcap_close(pc);  // closes f
    return 0;
}
