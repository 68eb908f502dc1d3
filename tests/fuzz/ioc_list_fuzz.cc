// libFuzzer target for indicator list files: the first byte picks the kind (and Bloom mode),
// the rest is the file. Every entry the parser accepts must then be found by a lookup of its
// own normal form, and lookups of arbitrary names and addresses must stay in bounds.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "processing/ioc/indicator_list.h"

using eveflow::IpAddr;
using namespace eveflow::processing::ioc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const Kind kind = static_cast<Kind>(data[0] % std::size(kKindNames));
    const bool bloom = kind == Kind::kDomain && (data[0] & 0x80);
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    IndicatorList list(kind, bloom ? 0.01 : 0);
    list.add_text(text);
    list.build();
    for_each_indicator(kind, text, [&](const Indicator& ind) {
        const bool found =
            kind == Kind::kIp ? list.match_ip(ind.ip).has_value() : list.match(ind.key).has_value();
        if (!found) std::abort();  // an accepted entry that does not match itself
    });
    // Lookups of each line as a value.
    std::string norm;
    for_each_indicator(Kind::kSni, text, [&](const Indicator& ind) {
        normalize_url(ind.original, norm);
        (void)list.match(norm);
        (void)list.match(ind.key);
        if (auto ip = IpAddr::parse(ind.original)) (void)list.match_ip(*ip);
    });
    return 0;
}
