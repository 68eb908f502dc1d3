// MappedPcap: classic pcap records in place; anything unusual is left to libpcap.
#include "input/pcap/mapped_pcap.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <mutex>

namespace eveflow::input::pcap {
namespace {

constexpr size_t kFileHeader = 24, kRecordHeader = 16;
constexpr uint32_t kMaxCaplen = 262144;    // libpcap's per-record maximum for these link types
constexpr size_t kReleaseBytes = 8 << 20;  // a reader tells where it is after this many bytes
constexpr uint64_t kMaxLag = 16 << 20;     // pages further behind a reader are let go anyway
constexpr uint32_t kMagicMicros = 0xa1b2c3d4, kMagicNanos = 0xa1b23c4d;

uint32_t bswap(uint32_t v) { return __builtin_bswap32(v); }

// Link types libpcap hands over as stored (no pseudo-header swapped or fixed up).
bool plain_linktype(uint32_t lt) {
    switch (lt) {
        case 0:    // NULL
        case 1:    // ETHERNET
        case 9:    // PPP
        case 50:   // PPP_HDLC
        case 101:  // RAW
        case 104:  // C_HDLC
        case 108:  // LOOP
        case 113:  // LINUX_SLL
        case 228:  // IPV4
        case 229:  // IPV6
            return true;
        default:
            return false;
    }
}

}  // namespace

// The pages of a mapped file and where each of its readers is: pages are let go of once every
// reader is past them (or once they lie kMaxLag behind the reader that lets go), so readers on
// several threads do not unmap and fault in the same pages in turn.
struct MappedPcap::Mapping {
    Mapping(void* b, size_t n) : base(b), size(n) {}
    ~Mapping() { ::munmap(base, size); }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;

    void* base;
    size_t size;
    std::mutex mu;
    std::deque<std::atomic<uint64_t>> places;  // one per reader; UINT64_MAX once it is gone
    size_t released = 0;                       // bytes before this are let go (page-aligned)
};

MappedPcap::~MappedPcap() {
    if (place_) place_->store(UINT64_MAX, std::memory_order_relaxed);
}

uint32_t MappedPcap::u32(size_t at) const {
    uint32_t v;
    std::memcpy(&v, bytes_ + at, sizeof v);
    return swapped_ ? bswap(v) : v;
}

std::unique_ptr<MappedPcap> MappedPcap::view(const uint8_t* bytes, size_t size) {
    if (size < kFileHeader) return nullptr;
    std::unique_ptr<MappedPcap> m(new MappedPcap(bytes, size));
    uint32_t magic = m->u32(0);
    if (magic == bswap(kMagicMicros) || magic == bswap(kMagicNanos)) {
        m->swapped_ = true;
        magic = bswap(magic);
    }
    if (magic != kMagicMicros && magic != kMagicNanos) return nullptr;  // pcapng, others
    m->nanos_ = magic == kMagicNanos;
    uint16_t major, minor;  // two 16-bit fields in the file's byte order
    std::memcpy(&major, bytes + 4, 2);
    std::memcpy(&minor, bytes + 6, 2);
    if (m->swapped_) {
        major = __builtin_bswap16(major);
        minor = __builtin_bswap16(minor);
    }
    if (major != 2 || minor != 4) return nullptr;  // older layouts: libpcap's quirks
    uint32_t snaplen = m->u32(16), linktype = m->u32(20);
    if (!plain_linktype(linktype)) return nullptr;  // FCS bits, pseudo-headers: libpcap
    // libpcap's snapshot: the header's, unless 0 or past the maximum.
    m->snaplen_ = snaplen == 0 || snaplen > kMaxCaplen ? kMaxCaplen : snaplen;
    m->off_ = kFileHeader;
    return m;
}

std::unique_ptr<MappedPcap> MappedPcap::map(const std::string& path) {
    // Non-blocking: a FIFO given as the file does not wait for a writer (fstat turns it down).
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return nullptr;
    void* p = MAP_FAILED;
    size_t size = 0;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0) {
        size = static_cast<size_t>(st.st_size);
        if (size >= kFileHeader) p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    ::close(fd);
    if (p == MAP_FAILED) return nullptr;
    ::madvise(p, size, MADV_SEQUENTIAL);
    auto* bytes = static_cast<const uint8_t*>(p);
    std::unique_ptr<MappedPcap> m = view(bytes, size);
    if (!m) {
        ::munmap(p, size);
        return nullptr;
    }
    m->mapping_ = std::make_shared<Mapping>(p, size);
    return m;
}

std::unique_ptr<MappedPcap> MappedPcap::rewound() const {
    std::unique_ptr<MappedPcap> m(new MappedPcap(*this));
    m->off_ = kFileHeader;
    m->told_ = 0;
    m->place_ = nullptr;  // a place of its own from its first record on
    return m;
}

void MappedPcap::let_go() {
    const uint64_t from = told_;  // what this reader read since it last told
    told_ = off_;
    Mapping& map = *mapping_;
    std::lock_guard lock(map.mu);
    if (!place_) place_ = &map.places.emplace_back(off_);
    place_->store(off_, std::memory_order_relaxed);
    uint64_t past = off_;  // where every reader is past
    for (const auto& p : map.places) past = std::min(past, p.load(std::memory_order_relaxed));
    if (off_ > kMaxLag) past = std::max(past, off_ - kMaxLag);
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    auto* base = static_cast<uint8_t*>(map.base);
    const size_t upto = past / page * page;
    if (upto > map.released) {
        ::madvise(base + map.released, upto - map.released, MADV_DONTNEED);
        map.released = upto;
    }
    // A reader more than kMaxLag behind read pages let go of already, faulting them in again:
    // it lets go of those itself.
    const size_t lo = from / page * page, hi = std::min<size_t>(off_ / page * page, map.released);
    if (hi > lo) ::madvise(base + lo, hi - lo, MADV_DONTNEED);
}

bool MappedPcap::next(Record& r) {
    // The previous record is done with: pages every reader is past leave the process's memory
    // (they stay in the page cache), so a large capture does not add its size to the resident
    // set. A reader more than kMaxLag behind faults its pages in again from the page cache (the
    // mapping is private and read-only: the bytes are the file's either way).
    if (mapping_ && (off_ - told_ >= kReleaseBytes || !place_)) let_go();
    if (size_ - off_ < kRecordHeader) return false;  // the end, or a cut header: libpcap's
    const uint32_t sec = u32(off_), frac = u32(off_ + 4);
    const uint32_t caplen = u32(off_ + 8), len = u32(off_ + 12);
    if (caplen > snaplen_ || caplen > size_ - off_ - kRecordHeader) return false;
    if (frac >= (nanos_ ? 1'000'000'000u : 1'000'000u)) return false;
    // Seconds from 2038 on: libpcap 1.10 extends them by sign or not by byte order, left to it.
    if (sec > INT32_MAX) return false;
    r.ts_us = static_cast<int64_t>(sec) * 1'000'000 + (nanos_ ? frac / 1000 : frac);
    r.caplen = caplen;
    r.len = len;
    r.data = bytes_ + off_ + kRecordHeader;
    off_ += kRecordHeader + caplen;
    return true;
}

}  // namespace eveflow::input::pcap
