// Channel: the bounded queue between stages; its bound is the pipeline's backpressure.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

namespace eveflow {

/// Multi-producer, multi-consumer bounded FIFO. Producers either block while it is full
/// (`push`, for files and replays) or drop and count (`try_push`, for live sources). Items
/// are moved, never copied. After `close()` pushes fail and consumers drain what is left.
/// All members are thread-safe.
template <typename T>
class Channel {
public:
    explicit Channel(size_t capacity) : capacity_(capacity ? capacity : 1) {}
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    /// Blocks while full. Returns false (item not taken) once the channel is closed.
    bool push(T&& item) {
        std::unique_lock lock(mu_);
        not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
        if (closed_) return false;
        items_.push_back(std::move(item));
        lock.unlock();
        not_empty_.notify_one();
        return true;
    }

    /// Takes the item only if there is room now; the caller counts what it drops.
    bool try_push(T&& item) {
        std::unique_lock lock(mu_);
        if (closed_ || items_.size() >= capacity_) return false;
        items_.push_back(std::move(item));
        lock.unlock();
        not_empty_.notify_one();
        return true;
    }

    /// Moves up to `max` items into `out` (appending), waiting until `deadline` for the first.
    /// Returns the number taken; 0 on timeout or once closed and drained (see `drained()`).
    template <typename Clock, typename Duration>
    size_t pop_batch(std::vector<T>& out, size_t max,
                     std::chrono::time_point<Clock, Duration> deadline) {
        std::unique_lock lock(mu_);
        not_empty_.wait_until(lock, deadline, [&] { return closed_ || !items_.empty(); });
        size_t n = 0;
        while (n < max && !items_.empty()) {
            out.push_back(std::move(items_.front()));
            items_.pop_front();
            ++n;
        }
        lock.unlock();
        if (n) not_full_.notify_all();
        return n;
    }

    /// Producers are done: wakes every waiter; later pushes fail.
    void close() {
        {
            std::lock_guard lock(mu_);
            closed_ = true;
        }
        not_full_.notify_all();
        not_empty_.notify_all();
    }

    /// True once closed and empty: the consumer has seen everything.
    bool drained() const {
        std::lock_guard lock(mu_);
        return closed_ && items_.empty();
    }
    bool closed() const {
        std::lock_guard lock(mu_);
        return closed_;
    }
    size_t size() const {
        std::lock_guard lock(mu_);
        return items_.size();
    }
    size_t capacity() const { return capacity_; }

private:
    const size_t capacity_;
    mutable std::mutex mu_;
    std::condition_variable not_full_, not_empty_;
    std::deque<T> items_;
    bool closed_ = false;
};

}  // namespace eveflow
