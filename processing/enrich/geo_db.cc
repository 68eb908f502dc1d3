// GeoDb over libloc (IPFire's location database) and libmaxminddb.
#include "processing/enrich/geo_db.h"

// libloc 0.9's headers declare no C linkage of their own.
extern "C" {
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
}
#include <maxminddb.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace eveflow::processing {
namespace {

constexpr std::string_view kLibLocMagic = "LOCDBXX";
// The MaxMind DB format puts its metadata after this marker, within the last 128 KiB.
constexpr std::string_view kMaxMindMarker = "\xab\xcd\xefMaxMind.com";
constexpr std::streamoff kMaxMindTail = 128 * 1024;

CountryCode country_of(const char* code, size_t n) {
    CountryCode c;
    if (n == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z') {
        c.c = {code[0], code[1]};
    }
    return c;
}

class LibLocDb final : public GeoDb {
public:
    explicit LibLocDb(const std::string& path) {
        if (loc_new(&ctx_) != 0) throw StartupError("enrich.geo: libloc: cannot initialise");
        file_ = std::fopen(path.c_str(), "r");
        if (!file_ || loc_database_new(ctx_, &db_, file_) != 0) {
            const int err = errno;
            close();
            throw StartupError("enrich.geo.database: " + path +
                               ": cannot read as a libloc "
                               "database (" +
                               std::strerror(err) + ")");
        }
    }
    ~LibLocDb() override { close(); }
    std::string_view format() const override { return "libloc"; }

    GeoInfo lookup(const IpAddr& ip) override {
        GeoInfo out;
        in6_addr a;
        std::memcpy(&a, ip.bytes().data(), 16);  // IPv4 as v4-mapped, as libloc wants it
        loc_network* net = nullptr;
        if (loc_database_lookup(db_, &a, &net) != 0 || !net) return out;
        if (const char* cc = loc_network_get_country_code(net)) {
            out.country = country_of(cc, std::strlen(cc));
        }
        out.asn = loc_network_get_asn(net);
        loc_network_unref(net);
        return out;
    }

private:
    void close() {
        if (db_) loc_database_unref(db_);
        if (file_) std::fclose(file_);
        if (ctx_) loc_unref(ctx_);
        db_ = nullptr;
        file_ = nullptr;
        ctx_ = nullptr;
    }

    loc_ctx* ctx_ = nullptr;
    loc_database* db_ = nullptr;
    FILE* file_ = nullptr;
};

class MaxMindDb final : public GeoDb {
public:
    explicit MaxMindDb(const std::string& path) {
        int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db_);
        if (rc != MMDB_SUCCESS) {
            throw StartupError("enrich.geo.database: " + path + ": " + MMDB_strerror(rc));
        }
    }
    ~MaxMindDb() override { MMDB_close(&db_); }
    std::string_view format() const override { return "maxmind"; }

    GeoInfo lookup(const IpAddr& ip) override {
        GeoInfo out;
        sockaddr_storage ss{};
        if (ip.is_v4()) {
            auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
            sin->sin_family = AF_INET;
            std::memcpy(&sin->sin_addr, ip.bytes().data() + 12, 4);
        } else {
            auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
            sin6->sin6_family = AF_INET6;
            std::memcpy(&sin6->sin6_addr, ip.bytes().data(), 16);
        }
        int err = 0;
        MMDB_lookup_result_s r =
            MMDB_lookup_sockaddr(&db_, reinterpret_cast<const sockaddr*>(&ss), &err);
        if (err != MMDB_SUCCESS || !r.found_entry) return out;
        MMDB_entry_data_s d;
        if (MMDB_get_value(&r.entry, &d, "country", "iso_code", nullptr) == MMDB_SUCCESS &&
            d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING) {
            out.country = country_of(d.utf8_string, d.data_size);
        }
        if (MMDB_get_value(&r.entry, &d, "autonomous_system_number", nullptr) == MMDB_SUCCESS &&
            d.has_data && d.type == MMDB_DATA_TYPE_UINT32) {
            out.asn = d.uint32;
        }
        return out;
    }

private:
    MMDB_s db_{};
};

bool has_maxmind_marker(std::ifstream& in) {
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    const std::streamoff from = size > kMaxMindTail ? size - kMaxMindTail : 0;
    in.seekg(from);
    std::vector<char> tail(static_cast<size_t>(size - from));
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    return std::string_view(tail.data(), tail.size()).rfind(kMaxMindMarker) !=
           std::string_view::npos;
}

}  // namespace

std::unique_ptr<GeoDb> open_geo_db(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw StartupError("enrich.geo.database: " + path + ": " + std::strerror(errno));
    }
    char head[7] = {};
    in.read(head, sizeof head);
    if (std::string_view(head, static_cast<size_t>(in.gcount())) == kLibLocMagic) {
        return std::make_unique<LibLocDb>(path);
    }
    in.clear();
    if (has_maxmind_marker(in)) return std::make_unique<MaxMindDb>(path);
    throw StartupError("enrich.geo.database: " + path +
                       ": neither a libloc database nor a MaxMind DB file");
}

}  // namespace eveflow::processing
