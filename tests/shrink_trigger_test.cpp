// shrink_trigger_test.cpp — every way of removing entries lets gomap::map give
// the memory back (issue #12, defect 3).
//
// A shrink is due when the load falls to 1/4 of the grow threshold. erase(key)
// starts it at once; gomap::erase_if and range() start it when they end;
// erase(iterator) and erase(first, last) start none (they keep every other
// iterator valid, as std requires), and the next insert does. After any of
// these a map that is not shrinking holds more than 13/8 entries per bucket.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <utility>

#include <gomap/gomap.hpp>

namespace {

// Go's engine with the shrink policy (detail/hmap.hpp), which gomap::map ran
// on before it got its own engine; the flat engine's shrinking is tested in
// flat_engine_test.cpp.
template <class K, class V, class H = gomap::hash<K>, class E = std::equal_to<K>,
          class A = std::allocator<std::pair<const K, V>>>
using shrink_hmap = gomap::basic_map<K, V, H, E, A, gomap::shrink_policy>;

using u64 = std::uint64_t;
using M = shrink_hmap<u64, u64>;

constexpr u64 kN = 200000;
constexpr u64 kKeep = kN / 100;  // keep 1%

M full() {
    M m;
    for (u64 k = 0; k < kN; ++k) m[k] = k;
    EXPECT_EQ(m.stats().B, 15);
    return m;
}

// B of a map built by inserting n keys (Go's growth rule).
unsigned fresh_B(u64 n) {
    unsigned b = 0;
    while (gomap::detail::overLoadFactor(n, static_cast<std::uint8_t>(b))) ++b;
    return b;
}

// A map not shrinking holds more than 13/8 entries per bucket (or is at its floor).
void expect_dense_or_shrinking(const M& m, const char* when) {
    const auto s = m.stats();
    if (s.direction == gomap::resize_direction::shrink) return;
    if (s.B <= s.min_B) return;
    EXPECT_GT(s.count * 8, 13 * (std::size_t{1} << s.B)) << when << ": B=" << int(s.B) << " count=" << s.count;
}

// 1,000 inserts after the erase path: the shrink runs and ends, and the map
// has at most twice the buckets of a fresh map of its size.
void expect_given_back_after_inserts(M& m) {
    for (u64 k = 0; k < 1000; ++k) {
        m[kN + k] = k;
        expect_dense_or_shrinking(m, "during the inserts");
    }
    EXPECT_FALSE(m.stats().resizing);
    EXPECT_EQ(m.size(), kKeep + 1000);
    EXPECT_LE(m.stats().B, fresh_B(m.size()) + 1) << "the map kept its big array";
    EXPECT_EQ(m.check_invariants(), "");
}

TEST(ShrinkTrigger, EraseKeyStartsTheShrink) {
    M m = full();
    for (u64 k = kKeep; k < kN; ++k) {
        m.erase(k);
        expect_dense_or_shrinking(m, "erase(key)");
    }
    EXPECT_GT(m.stats().shrinks, 0u);
    expect_given_back_after_inserts(m);
}

TEST(ShrinkTrigger, EraseIfStartsTheShrinkWhenItEnds) {
    M m = full();
    EXPECT_EQ(gomap::erase_if(m, [](const auto& e) { return e.first >= kKeep; }), kN - kKeep);
    EXPECT_EQ(m.stats().direction, gomap::resize_direction::shrink);
    expect_dense_or_shrinking(m, "erase_if");
    expect_given_back_after_inserts(m);
}

TEST(ShrinkTrigger, RangeThatErasesStartsTheShrinkWhenItEnds) {
    M m = full();
    m.range([&](const u64& k, u64&) {
        if (k >= kKeep) m.erase(k);
    });
    EXPECT_EQ(m.size(), kKeep);
    EXPECT_EQ(m.stats().direction, gomap::resize_direction::shrink);
    expect_given_back_after_inserts(m);
}

// erase(iterator) keeps other iterators valid, so it starts nothing; the next
// insert starts the shrink.
TEST(ShrinkTrigger, EraseIteratorLeavesTheShrinkToTheNextInsert) {
    M m = full();
    for (auto it = m.begin(); it != m.end();) {
        if (it->first >= kKeep)
            it = m.erase(it);
        else
            ++it;
    }
    EXPECT_EQ(m.size(), kKeep);
    EXPECT_FALSE(m.stats().resizing) << "erase(iterator) must start no resize";
    EXPECT_EQ(m.stats().B, 15);
    m[kN + 5000] = 1;
    EXPECT_EQ(m.stats().direction, gomap::resize_direction::shrink) << "the insert starts it";
    m.erase(kN + 5000);
    expect_given_back_after_inserts(m);
}

TEST(ShrinkTrigger, EraseRangeLeavesTheShrinkToTheNextInsert) {
    M m = full();
    auto first = std::next(m.cbegin(), static_cast<std::ptrdiff_t>(kKeep));
    EXPECT_EQ(m.erase(first, m.cend()), m.end());
    EXPECT_EQ(m.size(), kKeep);
    EXPECT_FALSE(m.stats().resizing);
    m[kN + 5000] = 1;
    EXPECT_EQ(m.stats().direction, gomap::resize_direction::shrink);
    m.erase(kN + 5000);
    expect_given_back_after_inserts(m);
}

// The trigger keeps its hysteresis: a map at the shrink threshold that takes
// inserts and erases in turn shrinks once, then must double to grow again.
TEST(ShrinkTrigger, NoThrashAtTheBoundary) {
    M m = full();
    // Down to just above the threshold of B = 15 (13/8 per bucket).
    const u64 threshold = 13 * (u64{1} << 15) / 8;
    u64 k = 0;
    while (m.size() > threshold + 1) m.erase(k++);
    ASSERT_FALSE(m.stats().resizing);
    const auto resizes = m.stats().resizes;
    for (int i = 0; i < 100000; ++i) {
        m.erase(k++);
        m[kN + static_cast<u64>(i)] = 1;
    }
    // One shrink (to where twice the entries fit), and nothing after it.
    EXPECT_EQ(m.stats().resizes, resizes + 1);
    EXPECT_EQ(m.stats().shrinks, 1u);
    EXPECT_EQ(m.check_invariants(), "");
}

// reserve() sets a floor that no trigger goes below.
TEST(ShrinkTrigger, NeverBelowTheReservedSize) {
    M m;
    m.reserve(kN);
    const auto B = m.stats().B;
    for (u64 k = 0; k < kN; ++k) m[k] = k;
    gomap::erase_if(m, [](const auto& e) { return e.first >= 10; });
    for (u64 k = 0; k < 1000; ++k) m[kN + k] = k;
    EXPECT_EQ(m.stats().B, B);
    EXPECT_FALSE(m.stats().resizing);
}

}  // namespace
