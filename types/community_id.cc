// Community ID v1: ICMP type mapping, endpoint ordering, SHA-1 (libcrypto), base64.
#include "types/community_id.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>
#include <utility>

namespace eveflow {
namespace {

constexpr uint8_t kIcmp = 1, kTcp = 6, kUdp = 17, kIcmp6 = 58, kSctp = 132;

// The message types that have a reply (Zeek's two-way ICMP): the reply's type stands in for
// the destination port, so a request and its reply share one ID.
struct TypePair {
    uint8_t request, reply;
};
// echo, timestamp, information, router solicitation/advertisement, address mask
constexpr TypePair kIcmpPairs[] = {{8, 0}, {13, 14}, {15, 16}, {10, 9}, {17, 18}};
// echo, multicast listener query/report, router and neighbour solicitation/advertisement,
// node information query/reply, home agent address discovery
constexpr TypePair kIcmp6Pairs[] = {{128, 129}, {130, 131}, {133, 134},
                                    {135, 136}, {139, 140}, {144, 145}};

// The counterpart of `type` in `pairs`, or 0xffff when it has none (a one-way message).
template <size_t N>
uint16_t counterpart(const TypePair (&pairs)[N], uint8_t type) {
    for (const TypePair& p : pairs) {
        if (p.request == type) return p.reply;
        if (p.reply == type) return p.request;
    }
    return 0xffff;
}

// Appends the address in network order: 4 bytes for IPv4, 16 for IPv6.
size_t put_addr(uint8_t* at, const IpAddr& a) {
    if (a.is_v4()) {
        std::memcpy(at, a.bytes().data() + 12, 4);
        return 4;
    }
    std::memcpy(at, a.bytes().data(), 16);
    return 16;
}

// OpenSSL 3's one-shot SHA1() looks the algorithm up on every call (most of its cost for a
// 40-byte input): the algorithm is fetched once and each thread keeps its own context.
void sha1(const uint8_t* data, size_t n, unsigned char* digest) {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    thread_local std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(),
                                                                        &EVP_MD_CTX_free);
    if (!md || !ctx || !EVP_DigestInit_ex2(ctx.get(), md, nullptr) ||
        !EVP_DigestUpdate(ctx.get(), data, n) || !EVP_DigestFinal_ex(ctx.get(), digest, nullptr)) {
        SHA1(data, n, digest);  // not expected; the one-shot call still gives the right value
    }
}

}  // namespace

bool community_id_has_ports(uint8_t proto) {
    return proto == kTcp || proto == kUdp || proto == kSctp || proto == kIcmp || proto == kIcmp6;
}

CommunityIdText community_id_v1(const CommunityTuple& t) {
    IpAddr src = t.src, dest = t.dest;
    uint16_t sp = t.src_port, dp = t.dest_port;
    bool one_way = false;
    if (t.proto == kIcmp || t.proto == kIcmp6) {
        const auto type = static_cast<uint8_t>(sp);
        const uint16_t other =
            t.proto == kIcmp ? counterpart(kIcmpPairs, type) : counterpart(kIcmp6Pairs, type);
        one_way = other == 0xffff;
        if (!one_way) dp = other;
    }
    // The smaller (address, port) endpoint goes first; a one-way ICMP message keeps its order.
    if (!one_way && (dest < src || (dest == src && dp < sp))) {
        std::swap(src, dest);
        std::swap(sp, dp);
    }
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    size_t n = 0;
    buf[n++] = 0;  // seed 0, network order
    buf[n++] = 0;
    n += put_addr(buf + n, src);
    n += put_addr(buf + n, dest);
    buf[n++] = t.proto;
    buf[n++] = 0;
    if (community_id_has_ports(t.proto)) {
        for (uint16_t p : {sp, dp}) {
            buf[n++] = static_cast<uint8_t>(p >> 8);
            buf[n++] = static_cast<uint8_t>(p);
        }
    }
    unsigned char digest[SHA_DIGEST_LENGTH];
    sha1(buf, n, digest);
    CommunityIdText out;
    unsigned char b64[32];
    EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);  // 28 characters and a NUL
    out.c[0] = '1';
    out.c[1] = ':';
    std::memcpy(out.c.data() + 2, b64, CommunityIdText::kSize - 2);
    return out;
}

}  // namespace eveflow
