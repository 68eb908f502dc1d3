// MappedPcap: records read in place, then libpcap from where the mapping stops, must equal what
// libpcap alone reads (every record's time, lengths and bytes, and the error at the end), on
// every shared capture and on generated files with each oddity the mapping leaves to libpcap.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "input/pcap/mapped_pcap.h"
#include "tests/input/pcap_fixture_util.h"

namespace eveflow::input::pcap {
namespace {

namespace fs = std::filesystem;

struct Rec {
    int64_t ts_us;
    uint32_t caplen, len;
    std::vector<uint8_t> bytes;
    bool operator==(const Rec&) const = default;
};

struct Read {
    std::vector<Rec> recs;
    std::string error;  // empty: clean end of file
    size_t mapped = 0;  // records the mapping gave
};

pcap_t* open_nano(const std::string& path, std::string& error) {
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* pc =
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
    if (!pc) error = err;
    return pc;
}

void read_rest(pcap_t* pc, Read& out) {
    pcap_pkthdr* h = nullptr;
    const u_char* d = nullptr;
    int rc;
    while ((rc = pcap_next_ex(pc, &h, &d)) == 1) {
        int64_t ts = int64_t{h->ts.tv_sec} * 1'000'000 + h->ts.tv_usec / 1000;
        out.recs.push_back({ts, h->caplen, h->len, {d, d + h->caplen}});
    }
    if (rc != PCAP_ERROR_BREAK) out.error = pcap_geterr(pc);
}

Read by_libpcap(const std::string& path) {
    Read out;
    pcap_t* pc = open_nano(path, out.error);
    if (!pc) return out;
    read_rest(pc, out);
    pcap_close(pc);
    return out;
}

// As PcapSource reads a file without a filter.
Read by_mapping(const std::string& path) {
    Read out;
    pcap_t* pc = open_nano(path, out.error);
    if (!pc) return out;
    auto m = MappedPcap::map(path);
    if (m) {
        MappedPcap::Record r;
        while (m->next(r)) {
            out.recs.push_back({r.ts_us, r.caplen, r.len, {r.data, r.data + r.caplen}});
            ++out.mapped;
        }
        if (m->at_end()) {
            pcap_close(pc);
            return out;
        }
        EXPECT_EQ(std::fseek(pcap_file(pc), static_cast<long>(m->offset()), SEEK_SET), 0);
    }
    read_rest(pc, out);
    pcap_close(pc);
    return out;
}

void expect_same(const std::string& path) {
    SCOPED_TRACE(path);
    Read want = by_libpcap(path), got = by_mapping(path);
    EXPECT_EQ(got.error, want.error);
    ASSERT_EQ(got.recs.size(), want.recs.size());
    for (size_t i = 0; i < want.recs.size(); ++i) ASSERT_EQ(got.recs[i], want.recs[i]) << i;
}

// A classic pcap file written byte by byte: header fields in the chosen byte order.
class Writer {
public:
    Writer(bool swapped, bool nanos, uint32_t snaplen, uint32_t linktype, uint16_t minor = 4)
        : swapped_(swapped) {
        u32(nanos ? 0xa1b23c4d : 0xa1b2c3d4);
        u16(2);
        u16(minor);
        u32(0);
        u32(0);
        u32(snaplen);
        u32(linktype);
    }
    Writer& record(uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len, size_t bytes) {
        u32(sec);
        u32(frac);
        u32(caplen);
        u32(len);
        for (size_t i = 0; i < bytes; ++i) out_.push_back(static_cast<uint8_t>(i * 7 + len));
        return *this;
    }
    Writer& raw(std::initializer_list<uint8_t> b) {
        out_.insert(out_.end(), b);
        return *this;
    }
    std::string save(const std::string& name) const {
        std::string path = (fs::temp_directory_path() / ("eveflow-mapped-" + name)).string();
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(out_.data()), static_cast<long>(out_.size()));
        return path;
    }

private:
    void u32(uint32_t v) {
        if (swapped_) v = __builtin_bswap32(v);
        uint8_t b[4];
        std::memcpy(b, &v, 4);
        out_.insert(out_.end(), b, b + 4);
    }
    void u16(uint16_t v) {
        if (swapped_) v = __builtin_bswap16(v);
        uint8_t b[2];
        std::memcpy(b, &v, 2);
        out_.insert(out_.end(), b, b + 2);
    }
    bool swapped_;
    std::vector<uint8_t> out_;
};

TEST(MappedPcap, EqualsLibpcapOnEverySharedCapture) {
    const std::string dir = testing::shared_data() + "/pcap";
    if (!fs::is_directory(dir)) GTEST_SKIP() << "shared test data absent: " << dir;
    size_t files = 0, mapped = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        const std::string p = e.path().string();
        if (!e.is_regular_file() || (!p.ends_with(".pcap") && !p.ends_with(".pcapng"))) continue;
        expect_same(p);
        ++files;
        mapped += by_mapping(p).mapped;
    }
    EXPECT_GT(files, 40u);
    EXPECT_GT(mapped, 10000u);  // the mapping, not libpcap, read most records
}

TEST(MappedPcap, EqualsLibpcapOnEachOddity) {
    struct Case {
        std::string name;
        Writer w;
        bool mapped_all;  // the mapping reads every record itself
    };
    std::vector<Case> cases;
    for (bool swapped : {false, true}) {
        for (bool nanos : {false, true}) {
            Writer w(swapped, nanos, 65535, 1);
            w.record(1700000000, nanos ? 999'999'999 : 999'999, 60, 60, 60)
                .record(1700000000, 5, 20, 1500, 20)
                .record(1700000001, 0, 0, 0, 0);
            const std::string tag = std::to_string(swapped) + std::to_string(nanos);
            cases.push_back({"order" + tag, w, true});
            // Seconds from 2038 on: libpcap's reading depends on the byte order.
            w.record(0x80000001u, 5, 20, 1500, 20).record(1700000002, 0, 10, 10, 10);
            cases.push_back({"y2038-" + tag, w, false});
        }
    }
    // Left to libpcap from the odd record on.
    cases.push_back(
        {"cut-body",
         Writer(false, false, 65535, 1).record(1, 0, 60, 60, 60).record(2, 0, 100, 100, 40),
         false});
    cases.push_back({"cut-header",
                     Writer(false, false, 65535, 1).record(1, 0, 60, 60, 60).raw({1, 2, 3}),
                     false});
    cases.push_back({"over-snaplen",
                     Writer(false, false, 64, 1)
                         .record(1, 0, 60, 60, 60)
                         .record(2, 0, 100, 100, 100)
                         .record(3, 0, 10, 10, 10),
                     false});
    cases.push_back(
        {"over-max", Writer(false, false, 0, 1).record(1, 0, 300000, 300000, 300000), false});
    cases.push_back(
        {"bad-fraction",
         Writer(false, false, 65535, 1).record(1, 0, 10, 10, 10).record(2, 3'000'000, 10, 10, 10),
         false});
    // Not taken at all: pseudo-headers, FCS bits, old layout.
    cases.push_back({"usb", Writer(false, false, 65535, 189).record(1, 0, 64, 64, 64), false});
    cases.push_back(
        {"fcs-bits", Writer(false, false, 65535, 0x14000001).record(1, 0, 64, 64, 64), false});
    cases.push_back({"minor2", Writer(false, false, 65535, 1, 2).record(1, 0, 64, 60, 64), false});
    for (const Case& c : cases) {
        std::string path = c.w.save(c.name);
        expect_same(path);
        auto m = MappedPcap::map(path);
        EXPECT_EQ(
            m != nullptr &&
                [&] {
                    MappedPcap::Record r;
                    while (m->next(r)) {
                    }
                    return m->at_end();
                }(),
            c.mapped_all)
            << c.name;
        fs::remove(path);
    }
}

TEST(MappedPcap, RefusesWhatIsNotAClassicPcapFile) {
    EXPECT_EQ(MappedPcap::map("/nonexistent/x.pcap"), nullptr);
    EXPECT_EQ(MappedPcap::map(fs::temp_directory_path().string()), nullptr);  // a directory
    const uint8_t ng[28] = {0x0a, 0x0d, 0x0d, 0x0a};
    EXPECT_EQ(MappedPcap::view(ng, sizeof ng), nullptr);
    EXPECT_EQ(MappedPcap::view(ng, 3), nullptr);
}

// The file-backed part of this process's resident set (the mapping's pages; not the heap, nor
// a sanitizer's shadow memory), in MiB.
double rss_file_mib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("RssFile:", 0) == 0) return std::stod(line.substr(8)) / 1024;
    }
    return -1;
}

TEST(MappedPcap, ReadersKeepOnlyTheirPagesMappedIn) {
    // 192 MiB of 64 KiB records (a native-order file, written record by record).
    constexpr uint32_t kRecords = 3072, kBytes = 65536 - 16, kSideBySide = 1024;
    const std::string path =
        Writer(false, false, 65535, 1).save("pages-" + std::to_string(::getpid()));
    {
        std::ofstream out(path, std::ios::binary | std::ios::app);
        std::vector<char> rec(16 + kBytes, 'x');
        for (uint32_t i = 0; i < kRecords; ++i) {
            const uint32_t head[4] = {1700000000 + i, 0, kBytes, kBytes};
            std::memcpy(rec.data(), head, sizeof head);
            out.write(rec.data(), static_cast<std::streamsize>(rec.size()));
        }
    }
    const double before = rss_file_mib();
    ASSERT_GE(before, 0);
    auto first = MappedPcap::map(path);
    ASSERT_TRUE(first);
    auto second = first->rewound();
    MappedPcap::Record r;
    auto read = [&](MappedPcap& m, size_t n) {
        size_t got = 0;
        uint64_t sum = 0;
        while (got < n && m.next(r)) {
            sum += r.data[0] + r.data[r.caplen - 1];  // touch the record's first and last page
            ++got;
        }
        EXPECT_GT(sum + 1, 0u);
        return got;
    };
    // Side by side: pages both are past are let go; at most a few MiB stay mapped in.
    double most = 0;
    for (size_t done = 0; done < kSideBySide; done += 16) {
        ASSERT_EQ(read(*first, 16), 16u);
        ASSERT_EQ(read(*second, 16), 16u);
        most = std::max(most, rss_file_mib() - before);
    }
    EXPECT_LT(most, 24) << "MiB mapped in while two readers go side by side";
    // One reader stays where it is and the other reads 128 MiB on: it keeps at most the allowed
    // lag (16 MiB) mapped in behind itself, not everything from the slower reader on.
    most = 0;
    while (read(*first, 16) == 16u) most = std::max(most, rss_file_mib() - before);
    EXPECT_TRUE(first->at_end());
    EXPECT_GT(most, 12) << "the slower reader's pages stay mapped in, up to the lag";
    EXPECT_LT(most, 16 + 16) << "MiB mapped in with one reader far behind";
    // The slower reader reads on, through pages let go of already: every record is still there
    // as the file has it, and the pages it faults in again do not stay mapped in behind it.
    size_t rest = 0;
    most = 0;
    while (second->next(r)) {
        ASSERT_EQ(r.caplen, kBytes);
        ASSERT_EQ(r.ts_us, (1700000000 + static_cast<int64_t>(kSideBySide + rest)) * 1'000'000);
        ASSERT_EQ(r.data[kBytes - 1], 'x');
        if (++rest % 16 == 0) most = std::max(most, rss_file_mib() - before);
    }
    EXPECT_EQ(rest, kRecords - kSideBySide);
    EXPECT_LT(most, 16 + 16) << "MiB mapped in while the slower reader catches up";
    first.reset();
    second.reset();
    fs::remove(path);
}

}  // namespace
}  // namespace eveflow::input::pcap
