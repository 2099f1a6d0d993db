// shrink_trigger_test.cpp — every way of removing entries lets gomap::map give
// the memory back (issue #12, defect 3).
//
// A shrink is due when the size falls below a quarter of the array's max load
// (7/8 of its slots). erase(key) starts it at once; gomap::erase_if and
// range() start it when they end; erase(iterator) and erase(first, last)
// start none (they keep every other iterator valid, as std requires), and the
// next insert does. After any of these a map that is not resizing holds at
// least a quarter of its max load (or is at its floor: 2 groups, or the
// reserve).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <iterator>

#include <gomap/gomap.hpp>

namespace {

using u64 = std::uint64_t;
using M = gomap::map<u64, u64>;

constexpr u64 kN = 200000;       // 16,384 groups (B = 14): max load 215,040
constexpr u64 kKeep = kN / 100;  // keep 1%
constexpr u64 kInserts = 1500;   // enough writes to finish a shrink from 16,384 groups

// Entries an array of `groups` groups holds before it grows.
constexpr std::size_t max_load(std::size_t groups) {
    return groups * 15 * 7 / 8;
}

M full() {
    M m;
    for (u64 k = 0; k < kN; ++k) m[k] = k;
    EXPECT_EQ(m.stats().B, 14);
    return m;
}

// B of a map built by inserting n keys.
unsigned fresh_B(u64 n) {
    M f;
    for (u64 k = 0; k < n; ++k) f[k] = k;
    return f.stats().B;
}

// A map not resizing holds at least a quarter of its max load (or is at its floor).
void expect_dense_or_resizing(const M& m, const char* when) {
    const auto s = m.stats();
    if (s.resizing) return;
    if (s.B <= 1 || s.B <= s.min_B) return;
    EXPECT_GE(s.count, max_load(s.buckets) / 4) << when << ": B=" << int(s.B) << " count=" << s.count;
}

// Inserts after the erase path: the shrink runs and ends, and the map has at
// most twice the groups of a fresh map of its size.
void expect_given_back_after_inserts(M& m) {
    for (u64 k = 0; k < kInserts; ++k) {
        m[kN + k] = k;
        expect_dense_or_resizing(m, "during the inserts");
    }
    EXPECT_FALSE(m.stats().resizing);
    EXPECT_EQ(m.size(), kKeep + kInserts);
    EXPECT_LE(m.stats().B, fresh_B(m.size()) + 1) << "the map kept its big array";
    EXPECT_EQ(m.check_invariants(), "");
}

TEST(ShrinkTrigger, EraseKeyStartsTheShrink) {
    M m = full();
    for (u64 k = kKeep; k < kN; ++k) {
        m.erase(k);
        expect_dense_or_resizing(m, "erase(key)");
    }
    EXPECT_GT(m.stats().shrinks, 0u);
    expect_given_back_after_inserts(m);
}

TEST(ShrinkTrigger, EraseIfStartsTheShrinkWhenItEnds) {
    M m = full();
    EXPECT_EQ(gomap::erase_if(m, [](const auto& e) { return e.first >= kKeep; }), kN - kKeep);
    EXPECT_EQ(m.stats().direction, gomap::resize_direction::shrink);
    EXPECT_EQ(m.stats().shrinks, 1u);
    expect_given_back_after_inserts(m);
}

TEST(ShrinkTrigger, RangeThatErasesStartsTheShrinkWhenItEnds) {
    M m = full();
    m.range([&](const u64& k, u64&) {
        if (k >= kKeep) m.erase(k);
    });
    EXPECT_EQ(m.size(), kKeep);
    EXPECT_EQ(m.stats().direction, gomap::resize_direction::shrink);
    EXPECT_EQ(m.stats().shrinks, 1u) << "nothing moves while the loop runs";
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
    EXPECT_EQ(m.stats().B, 14);
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
    EXPECT_EQ(m.stats().B, 14);
    m[kN + 5000] = 1;
    EXPECT_EQ(m.stats().direction, gomap::resize_direction::shrink);
    m.erase(kN + 5000);
    expect_given_back_after_inserts(m);
}

// reserve() sets a floor that no trigger goes below.
TEST(ShrinkTrigger, NeverBelowTheReservedSize) {
    M m;
    m.reserve(kN);
    const auto B = m.stats().B;
    EXPECT_EQ(m.stats().min_B, B);
    for (u64 k = 0; k < kN; ++k) m[k] = k;
    gomap::erase_if(m, [](const auto& e) { return e.first >= 10; });
    m.range([&](const u64& k, u64&) {
        if (k >= 5) m.erase(k);
    });
    for (u64 k = 0; k < 1000; ++k) m[kN + k] = k;
    EXPECT_EQ(m.stats().B, B);
    EXPECT_EQ(m.stats().shrinks, 0u);
    EXPECT_FALSE(m.stats().resizing);
}

}  // namespace
