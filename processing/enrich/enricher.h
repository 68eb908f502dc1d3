// Enricher and EnrichStage: what the dispatcher runs on every event before the handlers.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "processing/enrich/config.h"
#include "processing/enrich/host_names.h"
#include "types/event.h"
#include "util/context.h"

namespace eveflow::processing {

/// One kind of enrichment (home direction, country and AS, Community ID): fills its part of
/// the `fields.enrich` of the events that use it (direction, country and AS: flow events,
/// which the handlers aggregate and count). enrich() and tick() run on the processing thread only;
/// open() once before the first event; request_reopen() from any thread (SIGHUP).
class Enricher {
public:
    virtual ~Enricher() = default;
    virtual std::string_view name() const = 0;
    /// Opens what it reads (a database file); throws StartupError.
    virtual void open() {}
    /// Hot path: no I/O, no throw. Lookups that cost are cached per address.
    virtual void enrich(Event& e) = 0;
    /// Loads again what the system may have replaced (a database file). Any thread; the
    /// processing thread takes the new state over at its next enrich().
    virtual void request_reopen() {}
    /// Wall-clock timer from the dispatcher, a few times a second.
    virtual void tick() {}
};

/// The enrichers the configuration asks for, in a fixed order. Owned by the pipeline; the
/// dispatcher calls enrich() for every batch before any handler sees it.
class EnrichStage {
public:
    explicit EnrichStage(std::vector<std::unique_ptr<Enricher>> enrichers);
    /// The stage for `config`, or null when it enables nothing.
    static std::unique_ptr<EnrichStage> create(const EnrichConfig& config, Context& ctx);

    /// Which raw lines some handler reads (forwarding, raw rows): what a Community ID is
    /// computed for.
    void set_raw_types(const EventTypeSet& types);
    /// The reverse DNS names (enrich.rdns), for handlers to read at emission; null without.
    HostNames* host_names();
    void open();
    void request_reopen();
    void enrich(EventBatch& batch);
    void tick();

private:
    std::vector<std::unique_ptr<Enricher>> enrichers_;
};

}  // namespace eveflow::processing
