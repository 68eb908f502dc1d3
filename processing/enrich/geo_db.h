// GeoDb: country and autonomous system of an address, from a libloc or a MaxMind DB file.
#pragma once

#include <memory>
#include <string>

#include "types/enrichment.h"
#include "types/ip_addr.h"

namespace eveflow::processing {

struct GeoInfo {
    CountryCode country;
    uint32_t asn = 0;  // 0: unknown
};

/// An open database. Not thread-safe: one thread looks up at a time.
class GeoDb {
public:
    virtual ~GeoDb() = default;
    /// "libloc" or "maxmind".
    virtual std::string_view format() const = 0;
    virtual GeoInfo lookup(const IpAddr& ip) = 0;
};

/// Opens `path`, telling the format by its content: libloc's magic at the start, MaxMind's
/// metadata marker near the end. Throws StartupError naming the path when it cannot.
std::unique_ptr<GeoDb> open_geo_db(const std::string& path);

}  // namespace eveflow::processing
