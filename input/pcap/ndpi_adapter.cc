// nDPI adapter: the one file that includes ndpi_api.h (nDPI 4.2 call sequence, INFRA.md 3).
#include "input/pcap/ndpi_adapter.h"

#include <ndpi_api.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace eveflow::input::pcap {

struct NdpiModule::Impl {
    ndpi_detection_module_struct* nd = nullptr;
};

class DpiFlow {
public:
    ndpi_flow_struct* flow = nullptr;
    ndpi_protocol proto{};
    bool completed = false;
    bool guessed = false;
};

namespace {

bool load(int rc, const std::string& path, const char* what, std::string& error) {
    if (rc >= 0) return true;
    error = std::string("cannot load nDPI ") + what + " file '" + path + "'";
    return false;
}

bool is_tls_like(const ndpi_protocol& p) {
    for (uint16_t id : {p.master_protocol, p.app_protocol}) {
        switch (id) {
            case NDPI_PROTOCOL_TLS:
            case NDPI_PROTOCOL_QUIC:
            case NDPI_PROTOCOL_DTLS:
            case NDPI_PROTOCOL_MAIL_SMTPS:
            case NDPI_PROTOCOL_MAIL_IMAPS:
            case NDPI_PROTOCOL_MAIL_POPS:
                return true;
            default:
                break;
        }
    }
    return false;
}

std::string_view bounded(const char* s, size_t cap) { return {s, strnlen(s, cap)}; }

// Making a module writes no global state of nDPI 4.2 but an atomic memory total and a count of
// patricia trees that nothing reads, except: the first ndpi_init_detection_module() sets
// libgcrypt up (gcry_check_version, not reentrant), and the protocols file parser uses
// strtok(), whose position libc keeps in one static for the process. Both run under this
// lock; the rest of a module's making runs in parallel.
std::mutex serial_mu;
std::atomic<bool> crypto_ready{false};

ndpi_detection_module_struct* init_module() {
    if (crypto_ready.load(std::memory_order_acquire))
        return ndpi_init_detection_module(ndpi_no_prefs);
    std::lock_guard lock(serial_mu);
    ndpi_detection_module_struct* nd = ndpi_init_detection_module(ndpi_no_prefs);
    if (nd) crypto_ready.store(true, std::memory_order_release);
    return nd;
}

int load_protocols(ndpi_detection_module_struct* nd, const std::string& path) {
    std::lock_guard lock(serial_mu);
    return ndpi_load_protocols_file(nd, path.c_str());
}

}  // namespace

std::unique_ptr<NdpiModule> NdpiModule::create(const NdpiFiles& files, std::string& error) {
    std::unique_ptr<NdpiModule> m(new NdpiModule());
    m->impl_ = new Impl();
    ndpi_detection_module_struct* nd = init_module();
    if (!nd) {
        error = "nDPI initialisation failed";
        return nullptr;
    }
    m->impl_->nd = nd;
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(nd, &all);
    // Same order as ndpiReader: protocols, categories, risky domains, JA3, SHA1.
    if (!files.protos.empty() &&
        !load(load_protocols(nd, files.protos), files.protos, "protocols", error))
        return nullptr;
    if (!files.categories.empty() && !load(ndpi_load_categories_file(nd, files.categories.c_str()),
                                           files.categories, "categories", error))
        return nullptr;
    if (!files.risky_domains.empty() &&
        !load(ndpi_load_risk_domain_file(nd, files.risky_domains.c_str()), files.risky_domains,
              "risky domains", error))
        return nullptr;
    if (!files.ja3_fingerprints.empty() &&
        !load(ndpi_load_malicious_ja3_file(nd, files.ja3_fingerprints.c_str()),
              files.ja3_fingerprints, "JA3 fingerprints", error))
        return nullptr;
    if (!files.sha1_fingerprints.empty() &&
        !load(ndpi_load_malicious_sha1_file(nd, files.sha1_fingerprints.c_str()),
              files.sha1_fingerprints, "SHA1 fingerprints", error))
        return nullptr;
    ndpi_finalize_initialization(nd);
    return m;
}

NdpiModule::~NdpiModule() {
    if (impl_ && impl_->nd) ndpi_exit_detection_module(impl_->nd);
    delete impl_;
}

DpiFlow* NdpiModule::new_flow() {
    auto* d = new DpiFlow();
    size_t size = ndpi_detection_get_sizeof_ndpi_flow_struct();
    d->flow = static_cast<ndpi_flow_struct*>(ndpi_flow_malloc(size));
    if (!d->flow) {
        delete d;
        return nullptr;
    }
    std::memset(d->flow, 0, size);
    return d;
}

bool NdpiModule::process(DpiFlow* d, const uint8_t* l3, uint32_t len, int64_t ts_us,
                         uint64_t flow_packets, uint32_t cap) {
    if (d->completed) return true;
    auto l3len = static_cast<unsigned short>(len > 0xFFFF ? 0xFFFF : len);
    d->proto = ndpi_detection_process_packet(impl_->nd, d->flow, l3, l3len,
                                             static_cast<u_int64_t>(ts_us / 1000));
    bool enough = flow_packets > cap;
    if (!enough && d->proto.app_protocol == NDPI_PROTOCOL_UNKNOWN) return false;
    // Detected: keep feeding while nDPI still wants packets (certificates, JA3S).
    if (!enough && ndpi_extra_dissection_possible(impl_->nd, d->flow)) return false;
    d->completed = true;
    if (d->proto.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
        u_int8_t guessed = 0;
        d->proto = ndpi_detection_giveup(impl_->nd, d->flow, 1, &guessed);
        d->guessed = guessed != 0;
    }
    return true;
}

void NdpiModule::finish(DpiFlow* d, DpiInfo& out) {
    if (!d->completed) {
        u_int8_t guessed = 0;
        d->proto = ndpi_detection_giveup(impl_->nd, d->flow, 1, &guessed);
        d->guessed = guessed != 0;
        d->completed = true;
    }
    describe(d, out);
}

void NdpiModule::describe(DpiFlow* d, DpiInfo& out) {
    ndpi_detection_module_struct* nd = impl_->nd;
    const ndpi_protocol& p = d->proto;
    out = DpiInfo{};
    out.protocol = name_of(p.master_protocol, p.app_protocol);
    out.master = ndpi_get_proto_name(nd, p.master_protocol);
    out.app = ndpi_get_proto_name(nd, p.app_protocol);
    out.category = ndpi_category_get_name(nd, p.category);
    out.confidence = ndpi_confidence_get_name(d->flow->confidence);
    out.hostname = bounded(reinterpret_cast<const char*>(d->flow->host_server_name),
                           sizeof d->flow->host_server_name);
    if (is_tls_like(p)) {
        out.ja3c = bounded(d->flow->protos.tls_quic.ja3_client,
                           sizeof d->flow->protos.tls_quic.ja3_client);
        out.ja3s = bounded(d->flow->protos.tls_quic.ja3_server,
                           sizeof d->flow->protos.tls_quic.ja3_server);
    }
    out.risk = d->flow->risk;
    out.guessed = d->guessed;
    out.encrypted = ndpi_is_encrypted_proto(nd, p) != 0;
}

void NdpiModule::release(DpiFlow* d) {
    if (!d) return;
    if (d->flow) ndpi_free_flow(d->flow);
    delete d;
}

std::string_view NdpiModule::risk_name(int bit) {
    const char* s = ndpi_risk2str(static_cast<ndpi_risk_enum>(bit));
    return s ? std::string_view(s) : std::string_view("unknown");
}

std::string_view NdpiModule::name_of(uint16_t master, uint16_t app) {
    uint32_t key = static_cast<uint32_t>(master) << 16 | app;
    auto it = names_.find(key);
    if (it != names_.end()) return it->second;
    char buf[128];
    ndpi_protocol p{};
    p.master_protocol = master;
    p.app_protocol = app;
    ndpi_protocol2name(impl_->nd, p, buf, sizeof buf);
    return names_.emplace(key, std::string(buf)).first->second;
}

std::string ndpi_library_version() { return ndpi_revision(); }

}  // namespace eveflow::input::pcap
