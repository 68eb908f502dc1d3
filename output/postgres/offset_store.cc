// PostgreSQL offset store: compare-and-set of the offsets, and loading them at assignment.
#include "output/postgres/offset_store.h"

#include <pqxx/pqxx>

#include "output/postgres/schema.h"
#include "util/log.h"

namespace eveflow::output::postgres {

bool store_offsets(pqxx::dbtransaction& tx, const Checkpoint& cp) {
    const std::string sql = "INSERT INTO " + tx.quote_name(kKafkaOffsetsTable) +
                            " AS o (group_id, topic, partition, next_offset) "
                            "VALUES ($1, $2, $3, $4) ON CONFLICT (group_id, topic, partition) "
                            "DO UPDATE SET next_offset = excluded.next_offset, updated_at = now() "
                            "WHERE o.next_offset = $5";
    for (const auto& [tp, next] : cp.offsets) {
        auto it = cp.expected.find(tp);
        const int64_t expected = it == cp.expected.end() ? -1 : it->second;
        pqxx::result r = tx.exec_params(sql, cp.group, tp.first, tp.second, next, expected);
        if (r.affected_rows() != 1) return false;
    }
    return true;
}

struct PgOffsetStore::Connection {
    explicit Connection(const std::string& dsn) : c(dsn) {}
    pqxx::connection c;
};

PgOffsetStore::PgOffsetStore(const PostgresConfig& cfg, std::string dsn)
    : cfg_(cfg), dsn_(std::move(dsn)) {}

PgOffsetStore::~PgOffsetStore() = default;

void PgOffsetStore::attach(const std::string& group) {
    attached_.store(true);
    log::info("postgres: {}: storing the offsets of consumer group {} with the aggregates",
              cfg_.name, group);
}

Status PgOffsetStore::load(const std::string& group, const std::vector<TopicPartition>& partitions,
                           Offsets& out) {
    std::lock_guard lock(mu_);
    try {
        if (!conn_) {
            conn_ = std::make_unique<Connection>(dsn_);
            migrate(conn_->c, cfg_);  // the table may not exist yet on a first start
        }
        pqxx::read_transaction tx(conn_->c, "eveflow_offsets_load");
        pqxx::result r =
            tx.exec_params("SELECT topic, partition, next_offset FROM " +
                               tx.quote_name(kKafkaOffsetsTable) + " WHERE group_id = $1",
                           group);
        Offsets stored;
        for (const auto& row : r) {
            stored[{row[0].as<std::string>(), row[1].as<int32_t>()}] = row[2].as<int64_t>();
        }
        for (const auto& tp : partitions) {
            auto it = stored.find(tp);
            if (it != stored.end()) out.insert(*it);
        }
        return {};
    } catch (const std::exception& e) {
        conn_.reset();
        std::string what = e.what();
        return Status::error(what.substr(0, what.find('\n')));
    }
}

}  // namespace eveflow::output::postgres
