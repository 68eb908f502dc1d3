// EveSocket: a unix stream socket server that Suricata's `filetype: unix_stream` writes to.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "input/eve/eve_batcher.h"
#include "input/eve/parse_pool.h"
#include "input/eve_socket/config.h"
#include "input/source.h"
#include "util/config_node.h"
#include "util/context.h"

namespace eveflow::input {

/// Input type `eve_socket`: many concurrent writers, each connection split into lines on its
/// own (a writer that disconnects mid-line loses only that line, counted `partial`).
/// open() binds on the main thread (replacing a stale socket file, refusing a live one), or
/// takes the listening socket a service manager passed for the same path (socket activation);
/// run() serves every connection from one poll loop on the calling thread. On stop it accepts
/// what is waiting in the backlog, stops accepting, removes the socket file (unless passed),
/// and shuts each connection for reading (shutdown SHUT_RD: the writer's later writes fail
/// with EPIPE) once its last line is complete or kLineGrace has passed; it reads what the
/// kernel holds to its end (unless ctx.aborting) and returns.
class EveSocket final : public Source {
public:
    EveSocket(EveSocketConfig config, Context& ctx);
    ~EveSocket() override;

    std::string_view name() const override { return config_.name; }
    bool finite() const override { return false; }
    std::vector<OwnedPath> paths() const override {
        return {{config_.path_key, config_.path, false}};
    }
    void open() override;
    Status run(std::stop_token stop, Publisher& out) override;

    /// How long a stop waits for a writer to complete the line it is in the middle of.
    static constexpr std::chrono::milliseconds kLineGrace{100};

private:
    struct Connection;
    using Connections = std::vector<std::unique_ptr<Connection>>;
    void remove_stale_socket() const;
    void bind_and_listen();
    void adopt_listener(int fd);
    void accept_all(Connections& conns);
    bool serve(Connection& c, Publisher& out, ParsePool* pool);
    void hand_on(Connection& c, Publisher& out, ParsePool* pool);
    Status poll_loop(std::stop_token stop, Publisher& out, ParsePool* pool, Connections& conns);
    void begin_stop(Connections& conns, Publisher& out, ParsePool* pool);
    void shut_reading(Connections& conns);
    int poll_timeout_ms(const Connections& conns) const;
    void close_listener();

    EveSocketConfig config_;
    Context& ctx_;
    std::unique_ptr<EveCounters> counters_;
    Gauge* connections_ = nullptr;
    int listen_fd_ = -1;
    int wake_fd_ = -1;
    bool bound_ = false;  // we created the socket file: removed at stop
    bool stopping_ = false;
    std::chrono::steady_clock::time_point grace_end_{};
    bool channel_closed_ = false;
};

}  // namespace eveflow::input
