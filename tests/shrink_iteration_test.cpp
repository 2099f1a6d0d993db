// Iteration stays correct while gomap::map shrinks: range() keeps Go's
// for-range contract and iterators visit every entry once, with a shrink
// in progress, started, or finished around the loop.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

#include <gomap/gomap.hpp>

namespace {

using u64 = std::uint64_t;
using M = gomap::map<u64, u64>;

// A map caught in the middle of a shrink, with its expected contents.
M shrinking_map(std::set<u64>& keys, u64 n = 200000, u64 keep = 10000) {
    M m;
    for (u64 i = 0; i < n; ++i) m[i] = i;
    u64 i = keep;
    for (; i < n; ++i) {
        m.erase(i);
        const auto st = m.stats();
        if (m.size() < 20000 && st.direction == gomap::resize_direction::shrink && st.nevacuate > 0) break;
    }
    for (const auto& e : m) keys.insert(e.first);
    return m;
}

TEST(ShrinkIteration, FixtureReallyIsMidShrink) {
    std::set<u64> keys;
    M m = shrinking_map(keys);
    const auto s = m.stats();
    EXPECT_TRUE(s.resizing);
    EXPECT_EQ(s.direction, gomap::resize_direction::shrink);
    EXPECT_GT(s.nevacuate, 0u);
    EXPECT_LT(s.nevacuate, std::size_t{1} << s.old_B);
    EXPECT_EQ(keys.size(), m.size());
}

TEST(ShrinkIteration, IteratorsVisitEachEntryOnceMidShrink) {
    std::set<u64> keys;
    const M m = shrinking_map(keys);
    std::multiset<u64> seen;
    for (const auto& e : m) seen.insert(e.first);
    EXPECT_EQ(seen.size(), keys.size());
    EXPECT_TRUE(std::equal(seen.begin(), seen.end(), keys.begin(), keys.end()));
    // find() gives an iterator that continues the same walk.
    std::size_t from_find = 0;
    for (auto it = m.find(*keys.begin()); it != m.end(); ++it) ++from_find;
    EXPECT_GE(from_find, 1u);
    EXPECT_LE(from_find, keys.size());
}

TEST(ShrinkIteration, RangeMidShrinkVisitsEachKeyOnce) {
    std::set<u64> keys;
    M m = shrinking_map(keys);
    std::map<u64, int> visits;
    m.range([&](const u64& k, u64&) { ++visits[k]; });
    EXPECT_EQ(visits.size(), keys.size());
    for (auto& [k, n] : visits) ASSERT_EQ(n, 1) << k;
}

TEST(ShrinkIteration, RangeErasingEverythingMidShrink) {
    std::set<u64> keys;
    M m = shrinking_map(keys);
    std::size_t n = 0;
    m.range([&](const u64& k, u64&) {
        EXPECT_EQ(m.erase(k), 1u);
        ++n;
    });
    EXPECT_EQ(n, keys.size());
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.stats().bytes, 0u);
}

TEST(ShrinkIteration, RangeErasingUnreachedKeysNeverVisitsThem) {
    std::set<u64> keys;
    M m = shrinking_map(keys);
    std::set<u64> erased, visited;
    std::mt19937_64 rng(3);
    std::vector<u64> all(keys.begin(), keys.end());
    m.range([&](const u64& k, u64&) {
        EXPECT_FALSE(erased.count(k)) << "visited a key erased before it was reached";
        EXPECT_TRUE(visited.insert(k).second);
        for (int j = 0; j < 2; ++j) {
            u64 victim = all[rng() % all.size()];
            if (!visited.count(victim) && m.erase(victim) == 1) erased.insert(victim);
        }
    });
    EXPECT_EQ(visited.size() + erased.size(), keys.size());
    EXPECT_EQ(m.check_invariants(), "");
}

TEST(ShrinkIteration, RangeInsertingMidShrinkVisitsNewKeysAtMostOnce) {
    std::set<u64> keys;
    M m = shrinking_map(keys);
    std::map<u64, int> visits;
    u64 next = 1u << 30;
    std::size_t calls = 0;
    m.range([&](const u64& k, u64&) {
        ++visits[k];
        ++calls;
        m[next++] = 1;  // enough inserts to want a grow and to go on shrinking
    });
    for (u64 k : keys) ASSERT_EQ(visits[k], 1) << k;
    for (auto& [k, n] : visits) ASSERT_LE(n, 1) << k;
    EXPECT_EQ(m.size(), keys.size() + calls);
    EXPECT_EQ(m.check_invariants(), "");
    // The resize resumes after the loop.
    for (int i = 0; i < 100000 && m.stats().resizing; ++i) m[next++] = 1;
    EXPECT_FALSE(m.stats().resizing);
    EXPECT_EQ(m.check_invariants(), "");
}

TEST(ShrinkIteration, EraseThroughIteratorsMidShrink) {
    std::set<u64> keys;
    M m = shrinking_map(keys);
    std::multiset<u64> seen;
    for (auto it = m.begin(); it != m.end();) {
        seen.insert(it->first);
        if (it->first % 3 == 0)
            it = m.erase(it);
        else
            ++it;
    }
    EXPECT_TRUE(std::equal(seen.begin(), seen.end(), keys.begin(), keys.end()));
    for (u64 k : keys) ASSERT_EQ(m.contains(k), k % 3 != 0) << k;
    EXPECT_EQ(m.check_invariants(), "");
}

// Differential run that spends many operations with a shrink in progress.
TEST(ShrinkIteration, DifferentialAcrossGrowAndShrinkCycles) {
    std::mt19937_64 rng(11);
    M m;
    std::unordered_map<u64, u64> ref;
    std::size_t ops_mid_shrink = 0, ops_mid_grow = 0;
    for (int round = 0; round < 16; ++round) {
        const std::size_t target = round % 2 == 0 ? 60000 : 300;
        while (ref.size() != target) {
            const u64 k = rng() % 200000;
            const auto dir = m.stats().direction;
            ops_mid_shrink += dir == gomap::resize_direction::shrink;
            ops_mid_grow += dir == gomap::resize_direction::grow;
            switch (rng() % 8) {
                case 0: {  // erase through an iterator
                    auto it = m.find(k);
                    ASSERT_EQ(it != m.end(), ref.count(k) == 1);
                    if (it != m.end()) {
                        m.erase(it);
                        ref.erase(k);
                    }
                    break;
                }
                case 1:
                    ASSERT_EQ(m.contains(k), ref.count(k) == 1);
                    break;
                default:
                    if (ref.size() < target) {
                        m[k] = k * 3;
                        ref[k] = k * 3;
                    } else {
                        ASSERT_EQ(m.erase(k), ref.erase(k));
                    }
            }
        }
        ASSERT_EQ(m.size(), ref.size());
        std::size_t n = 0;
        for (const auto& e : m) {
            ASSERT_EQ(ref.at(e.first), e.second);
            ++n;
        }
        ASSERT_EQ(n, ref.size());
        ASSERT_EQ(m.check_invariants(), "");
    }
    EXPECT_GT(ops_mid_shrink, 10000u);
    EXPECT_GT(ops_mid_grow, 10000u);
}

}  // namespace
