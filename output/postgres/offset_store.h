// PostgreSQL offset store: Kafka consumer offsets kept in the transaction of the aggregates.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "output/postgres/config.h"
#include "types/checkpoint.h"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace eveflow::output::postgres {

/// Writes the checkpoint's offsets (or file position) in `tx`, each only if the stored row still
/// holds what the checkpoint expects (none for -1): a compare-and-set, so a consumer that lost its
/// partitions cannot move them back. False if any row differs; the caller must not commit `tx`
/// then. Throws pqxx exceptions.
bool store_offsets(pqxx::dbtransaction& tx, const Checkpoint& cp);

/// The sink's OffsetStore. load() runs on the consumer's thread over a connection of its own
/// (made on first use, remade after a failure), so loading never waits behind a batch.
class PgOffsetStore final : public OffsetStore {
public:
    PgOffsetStore(const PostgresConfig& cfg, std::string dsn);
    ~PgOffsetStore() override;

    void attach(const std::string& group) override;
    Status load(const std::string& group, const std::vector<TopicPartition>& partitions,
                Offsets& out) override;
    Status load_file(const std::string& group, std::optional<StoredFilePosition>& out) override;
    /// True once a consumer has attached: aggregates are then sealed only at checkpoints.
    bool attached() const { return attached_.load(); }

private:
    struct Connection;
    template <typename Read>
    Status with_connection(Read&& read);

    const PostgresConfig& cfg_;
    std::string dsn_;
    std::mutex mu_;
    std::unique_ptr<Connection> conn_;
    std::atomic<bool> attached_{false};
};

}  // namespace eveflow::output::postgres
