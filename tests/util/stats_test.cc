// Stats: series identity by name and labels, sums, histograms.
#include "util/stats.h"

#include <gtest/gtest.h>

namespace eveflow {
namespace {

TEST(Stats, SameNameAndLabelsIsTheSameSeries) {
    Stats s;
    Counter& a = s.counter("x_total", "h", {{"input", "a"}});
    Counter& a2 = s.counter("x_total", "h", {{"input", "a"}});
    Counter& b = s.counter("x_total", "h", {{"input", "b"}});
    EXPECT_EQ(&a, &a2);
    EXPECT_NE(&a, &b);
    a.inc(3);
    a2.inc();
    b.inc(10);
    EXPECT_EQ(s.sum("x_total"), 14);
    EXPECT_EQ(s.sum("x_total", {{"input", "a"}}), 4);
    EXPECT_EQ(s.sum("nope"), 0);
}

TEST(Stats, HistogramBucketsAreCumulative) {
    Stats s;
    Histogram& h = s.histogram("t_seconds", "h", {}, {0.1, 1, 10});
    for (double v : {0.05, 0.1, 0.5, 5.0, 50.0}) h.observe(v);
    auto snap = h.snapshot();
    EXPECT_EQ(snap.cumulative, (std::vector<uint64_t>{2, 3, 4, 5}));
    EXPECT_EQ(snap.count, 5u);
    EXPECT_DOUBLE_EQ(snap.sum, 55.65);
}

TEST(Stats, GaugeFunctionIsReadAtCollection) {
    Stats s;
    int v = 1;
    s.gauge_fn("q_length", "h", {{"queue", "events"}}, [&] { return double(v); });
    v = 7;
    auto fams = s.collect();
    ASSERT_EQ(fams.size(), 1u);
    EXPECT_EQ(fams[0].kind, MetricKind::kGauge);
    EXPECT_EQ(fams[0].samples[0].value, 7);
}

}  // namespace
}  // namespace eveflow
