// BatchQueue: sealing by size, time and checkpoint; taking per lane; the buffer bound.
#include "output/postgres/batch_queue.h"

#include <algorithm>

namespace eveflow::output::postgres {
namespace {

// What the lanes other than 0 may take: raw events only, and no checkpoint (those keep their
// place behind the aggregates).
bool raw_only(const Chunk& c) {
    return c.aggregate_part_rows() == 0 && c.live_rows == 0 && !c.checkpoint;
}

size_t part_rows(const Chunk& c, int part) {
    const size_t rows[] = {c.aggregate_part_rows(), c.raw_rows, c.live_rows};
    return rows[part];
}

// Moves the live rows of `piece` to the end of `o`.
void append_live(Chunk& o, const Chunk& piece) {
    o.live += piece.live;
    o.live_rows += piece.live_rows;
    for (size_t i = 0; i < std::size(o.live_ops); ++i) o.live_ops[i] += piece.live_ops[i];
    o.log_partitions.insert(o.log_partitions.end(), piece.log_partitions.begin(),
                            piece.log_partitions.end());
}

void sort_unique(std::vector<int64_t>& p) {
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
}

}  // namespace

BatchQueue::BatchQueue(const PostgresConfig& cfg, const Clock& clock,
                       std::function<bool()> checkpointing, std::string run_id)
    : cfg_(cfg),
      clock_(clock),
      checkpointing_(std::move(checkpointing)),
      run_id_(std::move(run_id)) {
    for (Part part : kParts) open_since_[part] = clock_.steady_now();
}

bool BatchQueue::fits(const Chunk& piece) const {
    const bool bytes_ok = bytes_ + piece.bytes() <= cfg_.max_buffer_bytes;
    const bool rows_ok =
        cfg_.max_buffer_records == 0 || rows_ + piece.rows() <= cfg_.max_buffer_records;
    const Chunk& open = open_[kAggregatePart];
    return rows_ == 0 || (bytes_ok && rows_ok) ||
           (checkpointing_() && rows_ == open.rows() && bytes_ == open.bytes());
}

bool BatchQueue::below_half() const {
    return bytes_ <= cfg_.max_buffer_bytes / 2 &&
           (cfg_.max_buffer_records == 0 || rows_ <= cfg_.max_buffer_records / 2);
}

void BatchQueue::add(Chunk& piece) {
    bytes_ += piece.bytes();
    rows_ += piece.rows();
    append(kAggregatePart, piece);
    append(kRawPart, piece);
    append(kLivePart, piece);
    piece = Chunk{};
}

void BatchQueue::append(Part part, Chunk& piece) {
    Chunk& o = open_[part];
    const size_t rows = part_rows(piece, part);
    if (rows == 0) return;
    // Aggregates between two checkpoints stay one batch, however many rows they are.
    const bool by_size = part != kAggregatePart || !checkpointing_();
    if (by_size && o.rows() + rows > cfg_.batch_size) seal(part);
    if (o.rows() == 0) open_since_[part] = clock_.steady_now();
    if (part == kRawPart) {
        o.raw += piece.raw;
        o.raw_rows += piece.raw_rows;
        o.partitions.insert(o.partitions.end(), piece.partitions.begin(), piece.partitions.end());
    } else if (part == kLivePart) {
        append_live(o, piece);
    } else {
        o.aggregates += piece.aggregates;
        o.aggregate_rows += piece.aggregate_rows;
        o.has_late = o.has_late || piece.has_late;
        o.dns.append(std::move(piece.dns));
    }
    if (by_size && o.rows() >= cfg_.batch_size) seal(part);
}

void BatchQueue::seal(Part part) {
    Chunk& o = open_[part];
    if (o.rows() == 0 && !o.checkpoint) return;
    sort_unique(o.partitions);
    sort_unique(o.log_partitions);
    o.batch_id = next_batch_id();
    sealed_.push_back(std::move(o));
    o = Chunk{};
}

void BatchQueue::seal_checkpoint(std::shared_ptr<const Checkpoint> cp) {
    if (!cp) return;
    open_[kAggregatePart].checkpoint = std::move(cp);
    seal(kAggregatePart);
}

void BatchQueue::seal_all() {
    if (!checkpointing_()) seal(kAggregatePart);
    seal(kRawPart);
    seal(kLivePart);
}

bool BatchQueue::flush_due() const {
    const auto now = clock_.steady_now();
    for (Part part : kParts) {
        if (part == kAggregatePart && checkpointing_()) continue;
        if (open_[part].rows() > 0 && now - open_since_[part] >= cfg_.flush_interval) return true;
    }
    return false;
}

size_t BatchQueue::drop_uncovered() {
    Chunk& o = open_[kAggregatePart];
    if (!checkpointing_() || o.rows() == 0) return 0;
    const size_t dropped = o.aggregate_part_rows();
    bytes_ -= o.bytes();
    rows_ -= o.rows();
    o = Chunk{};
    return dropped;
}

bool BatchQueue::has_work(size_t lane) const {
    if (lane == 0) return !sealed_.empty();
    return std::any_of(sealed_.begin(), sealed_.end(), raw_only);
}

bool BatchQueue::take(size_t lane, Chunk& c) {
    auto it = lane == 0 ? sealed_.begin() : std::find_if(sealed_.begin(), sealed_.end(), raw_only);
    if (it == sealed_.end()) return false;
    c = std::move(*it);
    sealed_.erase(it);
    return true;
}

void BatchQueue::release(const Chunk& c) {
    bytes_ -= c.bytes();
    rows_ -= c.rows();
}

std::string BatchQueue::next_batch_id() { return run_id_ + "-" + std::to_string(next_batch_++); }

}  // namespace eveflow::output::postgres
