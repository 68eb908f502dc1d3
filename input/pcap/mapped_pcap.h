// MappedPcap: the well-formed records of a classic pcap file, read from a memory mapping.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace eveflow::input::pcap {

/// A view of classic pcap bytes (header and records) that hands out records in place, without
/// the copy and the per-packet stdio call of pcap_next_ex. It takes only what libpcap would
/// read the same way: the two standard magics (microsecond and nanosecond, either byte order),
/// link types that libpcap passes through untouched, and records whose captured length fits
/// the header's snapshot length, libpcap's per-record maximum and the bytes left. At the first
/// other record it stops and tells the offset, so libpcap reads the rest with its own checks,
/// errors and fix-ups: together they read what libpcap alone reads.
class MappedPcap {
public:
    struct Record {
        const uint8_t* data = nullptr;
        uint32_t caplen = 0;
        uint32_t len = 0;  // length on the wire, as recorded
        int64_t ts_us = 0;
    };

    /// Over `size` bytes at `bytes` (not owned); null when they are not a classic pcap file
    /// this reader takes (then libpcap reads all of it).
    static std::unique_ptr<MappedPcap> view(const uint8_t* bytes, size_t size);
    /// Maps the regular file at `path`; null when it cannot, or when view() would say no.
    static std::unique_ptr<MappedPcap> map(const std::string& path);
    /// Another reader of the same bytes, from the first record (the mapping is shared: it
    /// lasts as long as any of its readers). Readers are independent and each may run on a
    /// thread of its own.
    std::unique_ptr<MappedPcap> rewound() const;
    ~MappedPcap();
    MappedPcap& operator=(const MappedPcap&) = delete;

    /// The next record; false at the end of the bytes or at a record left to libpcap. A
    /// record's bytes stay valid until the next call.
    bool next(Record& r);
    /// Where the next record starts (after next() returned false: the record left to libpcap).
    uint64_t offset() const { return off_; }
    /// True once every byte was read as records (nothing left to libpcap).
    bool at_end() const { return off_ == size_; }

private:
    struct Mapping;
    MappedPcap(const uint8_t* bytes, size_t size) : bytes_(bytes), size_(size) {}
    MappedPcap(const MappedPcap&) = default;
    uint32_t u32(size_t at) const;
    /// Tells the mapping how far this reader got; pages every reader is past are let go.
    void let_go();

    const uint8_t* bytes_;
    size_t size_;
    std::shared_ptr<Mapping> mapping_;        // a mapping of our own, unmapped with its last reader
    std::atomic<uint64_t>* place_ = nullptr;  // this reader's offset, as the mapping sees it
    bool swapped_ = false;
    bool nanos_ = false;
    uint32_t snaplen_ = 0;
    uint64_t off_ = 0;
    uint64_t told_ = 0;  // off_ when let_go() last ran
};

}  // namespace eveflow::input::pcap
