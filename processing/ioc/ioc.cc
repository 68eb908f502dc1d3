// Ioc: field extraction per event type, list lookups, alert events, list reloading.
#include "processing/ioc/ioc.h"

#include <algorithm>

#include "processing/ioc/dns_values.h"
#include "processing/ioc/ioc_alert.h"
#include "util/log.h"

namespace eveflow::processing {

using ioc::Kind;

struct Ioc::List {
    IocListConfig cfg;
    std::shared_ptr<const ioc::IndicatorList> data;
    ioc::ListStamp stamp;
    Counter* matches;
    Counter* loads_ok;
    Counter* loads_failed;
    Gauge* entries;
    Gauge* invalid;
    Gauge* bytes;
};

/// The outcome of loading one list on the loader thread.
struct Ioc::Loaded {
    size_t list = 0;
    ioc::ListStamp stamp;
    std::shared_ptr<const ioc::IndicatorList> data;
    Status status;
    size_t invalid = 0;
};

namespace {

constexpr EventType kTypes[] = {EventType::kDns, EventType::kHttp, EventType::kTls,
                                EventType::kFileinfo, EventType::kFlow};
constexpr EventType kProduced[] = {EventType::kAlert};

Ioc::Loaded load_list(size_t index, const IocListConfig& cfg, ioc::ListStamp stamp) {
    Ioc::Loaded r;
    r.list = index;
    r.stamp = std::move(stamp);
    auto data = std::make_shared<ioc::IndicatorList>(cfg.kind, cfg.bloom_rate);
    r.status = data->add_files(r.stamp, r.invalid);
    if (r.status) {
        data->build();
        r.data = std::move(data);
    }
    return r;
}

std::string_view str_at(simdjson::dom::element parent, const char* key) {
    std::string_view v;
    if (parent[key].get(v) != simdjson::SUCCESS) return {};
    return v;
}

}  // namespace

Ioc::Ioc(IocConfig config, HandlerContext& hctx) : config_(std::move(config)), ctx_(hctx.ctx) {
    for (const auto& c : config_.lists) {
        auto l = std::make_unique<List>();
        l->cfg = c;
        if (l->cfg.category.empty()) l->cfg.category = config_.category;
        const Labels labels{{"list", c.name}};
        Stats& s = ctx_.stats;
        l->matches =
            &s.counter("eveflow_ioc_matches_total", "Indicator matches (alerts made)", labels);
        l->loads_ok = &s.counter("eveflow_ioc_list_loads_total", "Indicator list loads",
                                 {{"list", c.name}, {"result", "ok"}});
        l->loads_failed = &s.counter("eveflow_ioc_list_loads_total", "Indicator list loads",
                                     {{"list", c.name}, {"result", "error"}});
        l->entries = &s.gauge("eveflow_ioc_list_entries", "Indicators in the list", labels);
        l->invalid = &s.gauge("eveflow_ioc_list_invalid_lines",
                              "Lines of the list's files that were no valid indicator", labels);
        l->bytes = &s.gauge("eveflow_ioc_list_bytes", "Memory the loaded list takes", labels);
        l->data = std::make_shared<ioc::IndicatorList>(c.kind, c.bloom_rate);
        lists_.push_back(std::move(l));
    }
    auto wanted = [&](EventType t) {
        switch (t) {
            case EventType::kDns:
                return any(Kind::kDomain) || any(Kind::kIp);
            case EventType::kHttp:
                return any(Kind::kDomain) || any(Kind::kUrl);
            case EventType::kTls:
                return any(Kind::kDomain) || any(Kind::kSni) || any(Kind::kJa3);
            case EventType::kFileinfo:
                return any(Kind::kHash);
            default:
                return any(Kind::kIp);
        }
    };
    for (EventType t : kTypes) {
        if (wanted(t)) types_.push_back(t);
    }
    reload_requests_seen_ = ctx_.reload_requests.load();
    if (!ctx_.check_only) reload_now(true);
}

Ioc::~Ioc() {
    if (loading_.valid()) loading_.wait();
}

std::span<const EventType> Ioc::event_types() const { return types_; }
std::span<const EventType> Ioc::produced_types() const { return kProduced; }

bool Ioc::any(Kind kind) const {
    return std::any_of(lists_.begin(), lists_.end(),
                       [kind](const auto& l) { return l->cfg.kind == kind; });
}

void Ioc::check_files(bool force) {
    std::vector<std::pair<size_t, ioc::ListStamp>> changed;
    for (size_t i = 0; i < lists_.size(); ++i) {
        List& l = *lists_[i];
        ioc::ListStamp now;
        Status s = ioc::stamp_list(l.cfg.path, now);
        if (!s) {
            if (force || !l.stamp.files.empty()) {
                log::error("ioc: list {} cannot be read, keeping entries={}: {}", l.cfg.name,
                           l.data->size(), s.message());
                l.loads_failed->inc();
                l.stamp = {};
            }
            continue;
        }
        if (force || !(now == l.stamp)) changed.emplace_back(i, std::move(now));
    }
    if (changed.empty()) return;
    std::vector<IocListConfig> cfgs;
    for (const auto& c : changed) cfgs.push_back(lists_[c.first]->cfg);
    loading_ = std::async(std::launch::async, [changed = std::move(changed), cfgs]() mutable {
        std::vector<Loaded> out;
        for (size_t i = 0; i < changed.size(); ++i) {
            out.push_back(load_list(changed[i].first, cfgs[i], std::move(changed[i].second)));
        }
        return out;
    });
}

void Ioc::apply_loaded() {
    for (Loaded& r : loading_.get()) {
        List& l = *lists_[r.list];
        l.stamp = std::move(r.stamp);
        if (!r.status) {
            log::error("ioc: list {} failed to load, keeping entries={}: {}", l.cfg.name,
                       l.data->size(), r.status.message());
            l.loads_failed->inc();
            continue;
        }
        l.data = std::move(r.data);
        l.loads_ok->inc();
        l.entries->set(static_cast<double>(l.data->size()));
        l.invalid->set(static_cast<double>(r.invalid));
        l.bytes->set(static_cast<double>(l.data->memory_bytes()));
        log::info("ioc: list {} loaded kind={} entries={} invalid_lines={} files={} bytes={}",
                  l.cfg.name, ioc::kind_name(l.cfg.kind), l.data->size(), r.invalid,
                  l.stamp.files.size(), l.data->memory_bytes());
    }
}

void Ioc::reload_now(bool force) {
    if (loading_.valid()) loading_.wait();
    if (loading_.valid()) apply_loaded();
    check_files(force);
    if (loading_.valid()) apply_loaded();
}

void Ioc::tick(std::chrono::steady_clock::time_point now, Emitter& /*out*/) {
    if (loading_.valid()) {
        if (loading_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
        apply_loaded();
    }
    const uint64_t requests = ctx_.reload_requests.load();
    if (requests != reload_requests_seen_) {
        reload_requests_seen_ = requests;
        log::info("ioc: reloading every list (SIGHUP)");
        check_files(true);
    } else if (now - last_check_ >= config_.reload_interval) {
        last_check_ = now;
        check_files(false);
    }
}

void Ioc::consume(const Event& e, Emitter& out) {
    hits_.clear();
    if (e.type == EventType::kFlow) {
        if (e.fields.has_src_ip) match_ip(e.fields.src_ip, "src_ip", e, out);
        if (e.fields.has_dest_ip) match_ip(e.fields.dest_ip, "dest_ip", e, out);
        return;
    }
    simdjson::dom::element root;
    if (parser_.parse(e.raw.data(), e.raw.size(), true).get(root) != simdjson::SUCCESS) return;
    switch (e.type) {
        case EventType::kDns:
            match_dns(root, e, out);
            break;
        case EventType::kHttp:
            match_http(root, e, out);
            break;
        case EventType::kTls:
            match_tls(root, e, out);
            break;
        case EventType::kFileinfo:
            match_fileinfo(root, e, out);
            break;
        default:
            break;
    }
}

void Ioc::match_dns(simdjson::dom::element root, const Event& e, Emitter& out) {
    simdjson::dom::element dns;
    if (root["dns"].get(dns) != simdjson::SUCCESS) return;
    ioc::dns_values(dns, [&](std::string_view value, std::string_view field) {
        match_host(value, field, e, out);
    });
}

void Ioc::match_http(simdjson::dom::element root, const Event& e, Emitter& out) {
    simdjson::dom::element http;
    if (root["http"].get(http) != simdjson::SUCCESS) return;
    std::string_view host = str_at(http, "hostname");
    if (!host.empty()) match_host(host, "http.hostname", e, out);
    std::string_view url = str_at(http, "url");
    if (url.empty() || !any(Kind::kUrl)) return;
    std::string full;
    if (url.front() == '/') {
        if (host.empty()) return;
        full.assign(host).append(url);
        url = full;
    }
    ioc::normalize_url(url, norm_);
    match_kind(Kind::kUrl, norm_, "http.url", e, out);
}

void Ioc::match_tls(simdjson::dom::element root, const Event& e, Emitter& out) {
    simdjson::dom::element tls;
    if (root["tls"].get(tls) != simdjson::SUCCESS) return;
    std::string_view sni = str_at(tls, "sni");
    if (!sni.empty()) {
        ioc::normalize_name(sni, norm_);
        match_kind(Kind::kDomain, norm_, "tls.sni", e, out);
        match_kind(Kind::kSni, norm_, "tls.sni", e, out);
    }
    for (const char* key : {"ja3", "ja3s"}) {
        simdjson::dom::element fp;
        if (tls[key].get(fp) != simdjson::SUCCESS) continue;
        std::string_view hash = str_at(fp, "hash");
        if (hash.empty()) continue;
        ioc::normalize_name(hash, norm_);
        match_kind(Kind::kJa3, norm_, key[3] ? "tls.ja3s.hash" : "tls.ja3.hash", e, out);
    }
}

void Ioc::match_fileinfo(simdjson::dom::element root, const Event& e, Emitter& out) {
    simdjson::dom::element fi;
    if (root["fileinfo"].get(fi) != simdjson::SUCCESS) return;
    static constexpr std::pair<const char*, std::string_view> kHashes[] = {
        {"md5", "fileinfo.md5"}, {"sha1", "fileinfo.sha1"}, {"sha256", "fileinfo.sha256"}};
    for (const auto& [key, field] : kHashes) {
        std::string_view hash = str_at(fi, key);
        if (hash.empty()) continue;
        ioc::normalize_name(hash, norm_);
        match_kind(Kind::kHash, norm_, field, e, out);
    }
}

void Ioc::match_host(std::string_view value, std::string_view field, const Event& e, Emitter& out) {
    if (auto ip = IpAddr::parse(value)) {
        match_ip(*ip, field, e, out);
        return;
    }
    ioc::normalize_name(value, norm_);
    if (!norm_.empty()) match_kind(Kind::kDomain, norm_, field, e, out);
}

void Ioc::match_kind(Kind kind, std::string_view value, std::string_view field, const Event& e,
                     Emitter& out) {
    for (size_t i = 0; i < lists_.size(); ++i) {
        const List& l = *lists_[i];
        if (l.cfg.kind != kind) continue;
        if (auto m = l.data->match(value)) alert(i, *m, field, value, e, out);
    }
}

void Ioc::match_ip(const IpAddr& ip, std::string_view field, const Event& e, Emitter& out) {
    for (size_t i = 0; i < lists_.size(); ++i) {
        const List& l = *lists_[i];
        if (l.cfg.kind != Kind::kIp) continue;
        if (auto m = l.data->match_ip(ip)) alert(i, *m, field, ip.to_string(), e, out);
    }
}

void Ioc::alert(size_t list, std::string_view indicator, std::string_view field,
                std::string_view value, const Event& e, Emitter& out) {
    for (const auto& h : hits_) {
        if (h.first == list && h.second == indicator) return;  // once per event
    }
    hits_.emplace_back(list, std::string(indicator));
    const List& l = *lists_[list];
    line_.clear();
    ioc::render_alert(line_, e,
                      {config_.signature_prefix, l.cfg.category, l.cfg.name, l.cfg.signature_id,
                       l.cfg.severity, indicator, field, value});
    l.matches->inc();
    Event a;
    a.type = EventType::kAlert;
    a.type_name = "alert";
    a.raw = line_;
    a.fields = e.fields;
    out.emit_event(a);
}

}  // namespace eveflow::processing
