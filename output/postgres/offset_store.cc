// PostgreSQL offset store: compare-and-set of the offsets, and loading them at assignment.
#include "output/postgres/offset_store.h"

#include <pqxx/pqxx>

#include "output/postgres/schema.h"
#include "util/log.h"

namespace eveflow::output::postgres {

namespace {

int64_t as_bigint(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t from_bigint(const pqxx::field& f) { return static_cast<uint64_t>(f.as<int64_t>()); }

// The file input's position, compare-and-set against the one its previous checkpoint stored.
bool store_file(pqxx::dbtransaction& tx, const Checkpoint& cp) {
    const StoredFilePosition& f = *cp.file;
    const FilePosition& e = cp.file_expected.value_or(FilePosition{});
    const std::string sql =
        "INSERT INTO " + tx.quote_name(kFilePositionsTable) +
        " AS o (group_id, path, dev, ino, fp_len, fp_hash, next_offset) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (group_id) DO UPDATE SET "
        "path = excluded.path, dev = excluded.dev, ino = excluded.ino, fp_len = excluded.fp_len, "
        "fp_hash = excluded.fp_hash, next_offset = excluded.next_offset, updated_at = now() "
        "WHERE $8 AND (o.dev, o.ino, o.fp_len, o.fp_hash, o.next_offset) = "
        "($9, $10, $11, $12, $13)";
    pqxx::result r =
        tx.exec_params(sql, cp.group, f.path, as_bigint(f.pos.dev), as_bigint(f.pos.ino),
                       as_bigint(f.pos.fp_len), as_bigint(f.pos.fp_hash), as_bigint(f.pos.offset),
                       cp.file_expected.has_value(), as_bigint(e.dev), as_bigint(e.ino),
                       as_bigint(e.fp_len), as_bigint(e.fp_hash), as_bigint(e.offset));
    return r.affected_rows() == 1;
}

}  // namespace

bool store_offsets(pqxx::dbtransaction& tx, const Checkpoint& cp) {
    if (cp.file && !store_file(tx, cp)) return false;
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

// Runs `read` in a read-only transaction on the store's own connection, made (and the tables
// migrated, as on a first start) when needed and dropped after a failure.
template <typename Read>
Status PgOffsetStore::with_connection(Read&& read) {
    std::lock_guard lock(mu_);
    try {
        if (!conn_) {
            conn_ = std::make_unique<Connection>(dsn_);
            migrate(conn_->c, cfg_);
        }
        pqxx::read_transaction tx(conn_->c, "eveflow_offsets_load");
        read(tx);
        return {};
    } catch (const std::exception& e) {
        conn_.reset();
        std::string what = e.what();
        return Status::error(what.substr(0, what.find('\n')));
    }
}

Status PgOffsetStore::load(const std::string& group, const std::vector<TopicPartition>& partitions,
                           Offsets& out) {
    return with_connection([&](pqxx::read_transaction& tx) {
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
    });
}

Status PgOffsetStore::load_file(const std::string& group, std::optional<StoredFilePosition>& out) {
    return with_connection([&](pqxx::read_transaction& tx) {
        pqxx::result r =
            tx.exec_params("SELECT path, dev, ino, fp_len, fp_hash, next_offset FROM " +
                               tx.quote_name(kFilePositionsTable) + " WHERE group_id = $1",
                           group);
        out.reset();
        if (r.empty()) return;
        const auto& row = r[0];
        out = StoredFilePosition{row[0].as<std::string>(),
                                 {from_bigint(row[1]), from_bigint(row[2]), from_bigint(row[5]),
                                  from_bigint(row[3]), from_bigint(row[4])}};
    });
}

}  // namespace eveflow::output::postgres
