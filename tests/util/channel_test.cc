// Channel: bounded FIFO semantics, blocking, dropping, closing, and many threads at once.
#include "util/channel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace eveflow {
namespace {

using namespace std::chrono_literals;

TEST(Channel, KeepsOrderAndBound) {
    Channel<int> ch(3);
    EXPECT_TRUE(ch.try_push(1));
    EXPECT_TRUE(ch.try_push(2));
    EXPECT_TRUE(ch.try_push(3));
    EXPECT_FALSE(ch.try_push(4));  // full: the caller counts the drop
    std::vector<int> out;
    EXPECT_EQ(ch.pop_batch(out, 2, std::chrono::steady_clock::now()), 2u);
    EXPECT_EQ(out, (std::vector<int>{1, 2}));
    EXPECT_TRUE(ch.try_push(5));
    out.clear();
    EXPECT_EQ(ch.pop_batch(out, 10, std::chrono::steady_clock::now()), 2u);
    EXPECT_EQ(out, (std::vector<int>{3, 5}));
}

TEST(Channel, PopTimesOutWhenEmpty) {
    Channel<int> ch(1);
    std::vector<int> out;
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(ch.pop_batch(out, 1, t0 + 30ms), 0u);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 30ms);
    EXPECT_FALSE(ch.drained());
}

TEST(Channel, PushBlocksUntilRoomThenCloseReleasesProducers) {
    Channel<int> ch(1);
    ASSERT_TRUE(ch.push(1));
    std::atomic<int> pushed{0};
    std::thread producer([&] {
        if (ch.push(2)) ++pushed;
        if (!ch.push(3)) pushed += 10;  // rejected after close
    });
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(pushed.load(), 0);  // still blocked: the channel is full
    std::vector<int> out;
    ch.pop_batch(out, 1, std::chrono::steady_clock::now() + 1s);
    while (pushed.load() == 0) std::this_thread::yield();
    ch.close();
    producer.join();
    EXPECT_EQ(pushed.load(), 11);
    out.clear();
    EXPECT_EQ(ch.pop_batch(out, 10, std::chrono::steady_clock::now()), 1u);  // 2 still drains
    EXPECT_EQ(out[0], 2);
    EXPECT_TRUE(ch.drained());
}

TEST(Channel, ManyProducersManyConsumersLoseNothing) {
    constexpr int kProducers = 4, kItems = 20000;
    Channel<int> ch(64);
    std::atomic<long long> sum{0};
    std::atomic<int> count{0};
    std::vector<std::thread> consumers;
    for (int c = 0; c < 2; ++c) {
        consumers.emplace_back([&] {
            std::vector<int> out;
            for (;;) {
                out.clear();
                size_t n = ch.pop_batch(out, 16, std::chrono::steady_clock::now() + 10ms);
                for (int v : out) sum += v;
                count += static_cast<int>(n);
                if (n == 0 && ch.drained()) return;
            }
        });
    }
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p) {
        producers.emplace_back([&] {
            for (int i = 1; i <= kItems; ++i) ASSERT_TRUE(ch.push(int{i}));
        });
    }
    for (auto& t : producers) t.join();
    ch.close();
    for (auto& t : consumers) t.join();
    EXPECT_EQ(count.load(), kProducers * kItems);
    EXPECT_EQ(sum.load(), static_cast<long long>(kProducers) * kItems * (kItems + 1) / 2);
}

}  // namespace
}  // namespace eveflow
