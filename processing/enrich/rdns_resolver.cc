// RdnsResolver: the poll loop around a c-ares channel.
#include "processing/enrich/rdns_resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "util/status.h"
#include "util/thread_name.h"

namespace eveflow::processing {

struct RdnsResolver::Lookup {
    RdnsResolver* self;
    IpAddr ip;
};

namespace {

Counter& rdns_counter(Context& ctx, const char* what, const char* help) {
    return ctx.stats.counter(std::string("eveflow_enrich_rdns_") + what + "_total", help);
}

Counter& refused_counter(Context& ctx, const char* reason) {
    return ctx.stats.counter("eveflow_enrich_rdns_refused_total",
                             "Reverse lookups not started, by reason (queue: the request queue "
                             "was full; inflight: max_inflight lookups were in flight)",
                             {{"reason", reason}});
}

}  // namespace

RdnsResolver::RdnsResolver(const RdnsConfig& config, RdnsCache& cache, Context& ctx)
    : config_(config),
      cache_(cache),
      started_(rdns_counter(ctx, "lookups", "Reverse lookups sent to the name servers")),
      names_(rdns_counter(ctx, "answers", "Reverse lookups answered with a name")),
      nxdomain_(rdns_counter(ctx, "nxdomain", "Reverse lookups answered without a name")),
      failed_(rdns_counter(ctx, "failures", "Reverse lookups failed (not a timeout)")),
      timeouts_(rdns_counter(ctx, "timeouts", "Reverse lookups without an answer in time")),
      refused_queue_(refused_counter(ctx, "queue")),
      refused_inflight_(refused_counter(ctx, "inflight")),
      entries_(ctx.stats.gauge("eveflow_enrich_rdns_cache_entries",
                               "Answers (names and negative ones) in the reverse DNS cache")) {}

RdnsResolver::~RdnsResolver() {
    stop();
    if (wake_fd_ >= 0) ::close(wake_fd_);
    if (library_) ares_library_cleanup();
}

void RdnsResolver::start() {
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
        throw StartupError("enrich.rdns: c-ares library initialisation failed");
    library_ = true;
    ares_options opts{};
    opts.timeout = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(config_.timeout).count());
    opts.tries = 1;
    const int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    int rc = ares_init_options(&channel_, &opts, mask);
    if (rc != ARES_SUCCESS)
        throw StartupError(std::string("enrich.rdns: c-ares: ") + ares_strerror(rc));
    if (!config_.servers.empty()) {
        std::string csv;
        for (const RdnsServer& s : config_.servers) csv += (csv.empty() ? "" : ",") + s.text();
        rc = ares_set_servers_ports_csv(channel_, csv.c_str());
        if (rc != ARES_SUCCESS)
            throw StartupError("enrich.rdns.servers: " + csv + ": " + ares_strerror(rc));
    }
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw StartupError("enrich.rdns: eventfd: " + std::string(strerror(errno)));
    thread_ = std::thread([this] {
        name_this_thread("rdns");
        run();
    });
    log::info("enrich: rdns resolver started servers={} private_only={}",
              config_.servers.empty() ? "resolv.conf" : std::to_string(config_.servers.size()),
              config_.private_only);
}

void RdnsResolver::stop() {
    if (thread_.joinable()) {
        stopping_.store(true);
        const uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
        thread_.join();
    }
    if (channel_) {
        ares_destroy(channel_);  // answers on_answer of what is left with ARES_EDESTRUCTION
        channel_ = nullptr;
    }
}

bool RdnsResolver::request(const IpAddr& ip) {
    bool was_empty = false;
    {
        std::lock_guard lock(mu_);
        if (queue_.size() >= config_.max_inflight) {
            refuse(ip, refused_queue_, "queue");
            return false;
        }
        was_empty = queue_.empty();
        queue_.push_back(ip);
    }
    if (was_empty) {
        const uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
    }
    return true;
}

void RdnsResolver::refuse(const IpAddr& ip, Counter& counter, const char* reason) {
    counter.inc();
    uint64_t held = 0;
    if (refused_log_.allow(held)) {
        log::warn("enrich: rdns lookup refused address={} reason={} held_back={}", ip.to_string(),
                  reason, held);
    }
}

void RdnsResolver::run() {
    while (!stopping_.load()) poll_once();
    ares_cancel(channel_);  // answers on_answer with ARES_ECANCELLED
}

void RdnsResolver::poll_once() {
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    const int bits = ares_getsock(channel_, socks, ARES_GETSOCK_MAXNUM);
    pollfd fds[ARES_GETSOCK_MAXNUM + 1];
    fds[0] = {wake_fd_, POLLIN, 0};
    nfds_t n = 1;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
        short ev = 0;
        if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
        if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
        if (ev) fds[n++] = {socks[i], ev, 0};
    }
    timeval max{1, 0}, tv{};
    const timeval* t = ares_timeout(channel_, &max, &tv);
    const int ms = static_cast<int>(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
    if (::poll(fds, n, ms) < 0 && errno != EINTR) return;
    if (fds[0].revents & POLLIN) {
        uint64_t v;
        [[maybe_unused]] auto r = ::read(wake_fd_, &v, sizeof v);
        take_requests();
    }
    for (nfds_t i = 1; i < n; ++i) {
        const bool rd = fds[i].revents & (POLLIN | POLLERR | POLLHUP);
        const bool wr = fds[i].revents & POLLOUT;
        ares_process_fd(channel_, rd ? fds[i].fd : ARES_SOCKET_BAD,
                        wr ? fds[i].fd : ARES_SOCKET_BAD);
    }
    ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
    entries_.set(static_cast<double>(cache_.size()));
}

void RdnsResolver::take_requests() {
    {
        std::lock_guard lock(mu_);
        taken_.swap(queue_);
    }
    for (const IpAddr& ip : taken_) {
        if (in_flight_.count(ip) || cache_.fresh(ip)) continue;
        if (in_flight_.size() >= config_.max_inflight) {
            refuse(ip, refused_inflight_, "inflight");
            continue;
        }
        start_lookup(ip);
    }
    taken_.clear();
}

namespace {

// `4.3.2.1.in-addr.arpa` or the 32 nibbles of an IPv6 address under ip6.arpa.
std::string reverse_name(const IpAddr& ip) {
    std::string out;
    const auto& b = ip.bytes();
    if (ip.is_v4()) {
        for (int i = 15; i >= 12; --i) out += std::to_string(b[static_cast<size_t>(i)]) + ".";
        return out + "in-addr.arpa";
    }
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
        const uint8_t v = b[static_cast<size_t>(i)];
        out += {kHex[v & 15], '.', kHex[v >> 4], '.'};
    }
    return out + "ip6.arpa";
}

// The PTR name of an answer, without its trailing dot; "" when it holds none.
std::string ptr_name(const IpAddr& ip, const unsigned char* abuf, int alen) {
    hostent* host = nullptr;
    const int family = ip.is_v4() ? AF_INET : AF_INET6;
    const uint32_t a = htonl(ip.v4_host_order());
    const void* addr = ip.is_v4() ? static_cast<const void*>(&a) : ip.bytes().data();
    const int len = ip.is_v4() ? 4 : 16;
    if (ares_parse_ptr_reply(abuf, alen, addr, len, family, &host) != ARES_SUCCESS) return "";
    std::string name = host->h_name ? host->h_name : "";
    ares_free_hostent(host);
    while (!name.empty() && name.back() == '.') name.pop_back();
    return name;
}

}  // namespace

void RdnsResolver::start_lookup(const IpAddr& ip) {
    in_flight_.insert(ip);
    started_.inc();
    ares_query(channel_, reverse_name(ip).c_str(), 1 /* C_IN */, 12 /* T_PTR */, &on_answer,
               new Lookup{this, ip});
}

void RdnsResolver::on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf,
                             int alen) {
    std::unique_ptr<Lookup> lookup(static_cast<Lookup*>(arg));
    lookup->self->answered(lookup->ip, status, abuf, alen);
}

void RdnsResolver::answered(const IpAddr& ip, int status, const unsigned char* abuf, int alen) {
    in_flight_.erase(ip);
    std::string name;
    switch (status) {
        case ARES_SUCCESS:
            name = ptr_name(ip, abuf, alen);
            name.empty() ? nxdomain_.inc() : names_.inc();
            break;
        case ARES_ENOTFOUND:  // NXDOMAIN
        case ARES_ENODATA:    // the name exists without a PTR record
            nxdomain_.inc();
            break;
        case ARES_ETIMEOUT:
            timeouts_.inc();
            break;
        case ARES_ECANCELLED:
        case ARES_EDESTRUCTION:
            return;  // shutting down
        default:
            failed_.inc();
            log::debug("enrich: rdns lookup failed address={} error={}", ip.to_string(),
                       ares_strerror(status));
    }
    cache_.put(ip, std::move(name));
}

}  // namespace eveflow::processing
