// Ioc: matches dns, http, tls, fileinfo and flow events against indicator lists and makes an
// EVE alert event for each match, routed like any Suricata alert.
#pragma once

#include <simdjson.h>

#include <chrono>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "processing/handler.h"
#include "processing/ioc/config.h"
#include "processing/ioc/indicator_list.h"

namespace eveflow::processing {

/// Runs on the processing thread. Lists are loaded at construction (not under
/// --check-config); afterwards a loader thread reads the lists whose files changed (looked at
/// every reload_interval from tick(), or at once after SIGHUP through Context::reload_requests)
/// and tick() swaps them in between two events: an event is matched against one version of
/// each list. A list that fails to load keeps its previous version.
class Ioc final : public Handler {
public:
    Ioc(IocConfig config, HandlerContext& hctx);
    ~Ioc() override;

    std::string_view name() const override { return config_.name; }
    std::span<const EventType> event_types() const override;
    std::span<const EventType> produced_types() const override;
    void consume(const Event& e, Emitter& out) override;
    void flush(Timestamp /*watermark*/, Emitter& /*out*/) override {}
    void tick(std::chrono::steady_clock::time_point now, Emitter& out) override;

    /// Looks at the lists' files now and loads the changed ones (all with `force`), waiting
    /// for the load; the new versions apply to the events that follow.
    void reload_now(bool force);

    /// One list's loaded version, what its files were when read, and its metrics.
    struct List;
    struct Loaded;

private:
    void check_files(bool force);
    void apply_loaded();
    void match_dns(simdjson::dom::element root, const Event& e, Emitter& out);
    void match_http(simdjson::dom::element root, const Event& e, Emitter& out);
    void match_tls(simdjson::dom::element root, const Event& e, Emitter& out);
    void match_fileinfo(simdjson::dom::element root, const Event& e, Emitter& out);
    void match_ip(const IpAddr& ip, std::string_view field, const Event& e, Emitter& out);
    /// Domain lists for a name, ip lists for an address.
    void match_host(std::string_view value, std::string_view field, const Event& e, Emitter& out);
    /// Lists of `kind` against `value` in normal form.
    void match_kind(ioc::Kind kind, std::string_view value, std::string_view field, const Event& e,
                    Emitter& out);
    void alert(size_t list, std::string_view indicator, std::string_view field,
               std::string_view value, const Event& e, Emitter& out);
    bool any(ioc::Kind kind) const;

    IocConfig config_;
    Context& ctx_;
    std::vector<std::unique_ptr<List>> lists_;
    std::vector<EventType> types_;
    simdjson::dom::parser parser_;
    std::string norm_, line_;
    std::vector<std::pair<size_t, std::string>> hits_;  // this event's (list, indicator)
    std::future<std::vector<Loaded>> loading_;
    std::chrono::steady_clock::time_point last_check_{};
    uint64_t reload_requests_seen_ = 0;
};

}  // namespace eveflow::processing
