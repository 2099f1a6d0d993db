// shrink_memory_test.cpp — gomap::map gives memory back: exact, deterministic
// byte figures (go_map, Go's map, keeps every byte).
//
// gomap::map's flat engine (detail/flat_table.hpp) in numbers: an array of
// 2^B groups of 15 slots holds 7/8 of its slots (max_load below); a shrink is
// due when the size falls below a quarter of that, and goes to the smallest
// power-of-two number of groups (at least 2, at least the reserve or size
// hint) that holds twice the size. flat_engine_test.cpp covers each erase
// path, churn and anti-drift; this file the footprint figures around them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include <gomap/gomap.hpp>

namespace {

using u64 = std::uint64_t;
using M = gomap::map<u64, u64>;
using G = gomap::go_map<u64, u64>;
using A = gomap::counting_allocator<std::pair<const u64, u64>>;
using CM = gomap::map<u64, u64, gomap::hash<u64>, std::equal_to<u64>, A>;

// Entries an array of `groups` groups holds before it grows.
constexpr std::size_t max_load(std::size_t groups) {
    return groups * 15 * 7 / 8;
}

M filled(u64 n) {
    M m;
    for (u64 i = 0; i < n; ++i) m[i] = i;
    return m;
}

TEST(ShrinkMemory, EraseAllByKeyReturnsToEmptyFootprint) {
    EXPECT_EQ(M().stats().bytes, 0u);  // nothing allocated before the first insert
    for (u64 n : {1u, 9u, 100u, 6721u, 100000u}) {
        M m = filled(n);
        ASSERT_GT(m.stats().bytes, 0u);
        for (u64 i = 0; i < n; ++i) ASSERT_EQ(m.erase(i), 1u);
        EXPECT_EQ(m.stats().bytes, 0u) << n;
        EXPECT_EQ(m.stats().B, 0) << n;
        EXPECT_EQ(m.stats().buckets, 0u) << n;
        EXPECT_FALSE(m.stats().resizing) << n;
    }
}

TEST(ShrinkMemory, EraseAllInRandomOrderReturnsToEmptyFootprint) {
    std::mt19937_64 rng(42);
    std::vector<u64> keys(200000);
    for (auto& k : keys) k = rng();
    M m;
    for (u64 k : keys) m[k] = k;
    std::shuffle(keys.begin(), keys.end(), rng);
    for (u64 k : keys) ASSERT_EQ(m.erase(k), 1u);
    EXPECT_EQ(m.stats().bytes, 0u);
}

TEST(ShrinkMemory, ClearReturnsToEmptyFootprint) {
    M m = filled(50000);
    m.clear();
    EXPECT_EQ(m.stats().bytes, 0u);
    EXPECT_EQ(m.stats().B, 0);
    EXPECT_EQ(m.check_invariants(), "");
    m[1] = 1;
    EXPECT_EQ(m.at(1), 1u);
}

// The article's map: make(map[int]Person, 10000), filled, emptied. The hint
// is 1024 groups (max load 13,440; 512 hold 6,720).
TEST(ShrinkMemory, EmptyHintedMapHoldsNothing) {
    M m(10000);
    EXPECT_EQ(m.stats().B, 10);
    EXPECT_EQ(m.stats().min_B, 10);
    for (u64 i = 0; i < 100000; ++i) m[i] = i;  // grows past the hint
    EXPECT_EQ(m.stats().B, 13);
    for (u64 i = 0; i < 100000; ++i) m.erase(i);
    EXPECT_EQ(m.stats().bytes, 0u);
    EXPECT_EQ(m.stats().B, 0);
    EXPECT_EQ(m.stats().min_B, 10) << "still the floor for shrinking, once refilled";
    for (u64 i = 0; i < 10000; ++i) m[i] = i;
    EXPECT_EQ(m.stats().B, 10) << "the refill starts at the hint";
    for (u64 i = 0; i < 9990; ++i) m.erase(i);
    EXPECT_EQ(m.stats().B, 10);
    EXPECT_EQ(m.stats().bytes, M(10000).stats().bytes);
}

TEST(ShrinkMemory, GoMapKeepsEveryByte) {
    G g;
    for (u64 i = 0; i < 100000; ++i) g[i] = i;
    while (g.stats().resizing) g[g.size()] = 0;  // keys 0 .. size-1: finish the grow
    const std::size_t full = g.stats().bytes;
    for (u64 i = 0, n = g.size(); i < n; ++i) g.erase(i);
    EXPECT_TRUE(g.empty());
    EXPECT_EQ(g.stats().bytes, full);
    EXPECT_EQ(g.stats().shrinks, 0u);
    gomap::erase_if(g, [](const auto&) { return true; });
    g.clear();
    EXPECT_EQ(g.stats().bytes, full) << "Go's mapclear keeps the array too";
}

TEST(ShrinkMemory, AutoShrinkCanBeSwitchedOff) {
    M m;
    EXPECT_TRUE(m.auto_shrink());
    m.set_auto_shrink(false);
    EXPECT_FALSE(m.auto_shrink());
    for (u64 i = 0; i < 100000; ++i) m[i] = i;
    const std::size_t full = m.stats().bytes;
    for (u64 i = 0; i < 100000; ++i) m.erase(i);
    EXPECT_EQ(m.stats().bytes, full);
    EXPECT_EQ(m.stats().shrinks, 0u);
    EXPECT_FALSE(m.stats().auto_shrink);
    m.set_auto_shrink(true);
    m.clear();  // an empty map with auto-shrink on holds what a new one holds
    EXPECT_EQ(m.stats().bytes, 0u);
}

// A copy, a move to another allocator and an assignment keep the setting.
TEST(ShrinkMemory, CopiesCarryTheAutoShrinkSetting) {
    M off, on;
    off.set_auto_shrink(false);
    for (u64 i = 0; i < 20000; ++i) off[i] = on[i] = i;
    M off2(off), on2(on);
    EXPECT_FALSE(off2.auto_shrink());
    EXPECT_TRUE(on2.auto_shrink());
    M off3;
    off3 = off;
    EXPECT_FALSE(off3.auto_shrink());
    M off4(std::move(off2));
    EXPECT_FALSE(off4.auto_shrink());
    gomap::allocation_counter c1, c2;
    CM a(0, {}, {}, A(&c1));
    a.set_auto_shrink(false);
    for (u64 i = 0; i < 1000; ++i) a[i] = i;
    CM b(std::move(a), A(&c2));  // unequal allocators: the entries move one by one
    EXPECT_FALSE(b.auto_shrink());
    for (u64 i = 0; i < 20000; ++i) {
        off3.erase(i);
        on2.erase(i);
    }
    EXPECT_GT(off3.stats().bytes, 0u) << "auto-shrink off, as the original was set";
    EXPECT_EQ(on2.stats().bytes, 0u);
}

// shrink_to_fit() finishes a resize in progress and leaves one array of the
// smallest size that holds the entries: what make(map, size()) allocates.
TEST(ShrinkMemory, ShrinkToFitFinishesAndCompacts) {
    M m = filled(100000);
    EXPECT_EQ(m.stats().B, 13);  // 2^13 groups hold 107,520
    m.set_auto_shrink(false);
    for (u64 i = 100; i < 100000; ++i) m.erase(i);
    EXPECT_EQ(m.stats().B, 13);
    m.shrink_to_fit();
    EXPECT_EQ(m.stats().B, 3);  // 8 groups hold 105
    EXPECT_FALSE(m.stats().resizing);
    EXPECT_EQ(m.stats().bytes, M(100).stats().bytes);
    for (u64 i = 0; i < 100; ++i) ASSERT_EQ(m.at(i), i);
    EXPECT_EQ(m.check_invariants(), "");

    M s = filled(100000);
    u64 k = 0;
    while (!(s.stats().resizing && s.stats().direction == gomap::resize_direction::shrink)) s.erase(k++);
    s.shrink_to_fit();
    EXPECT_FALSE(s.stats().resizing);
    EXPECT_EQ(s.stats().bytes, M(s.size()).stats().bytes);
    EXPECT_EQ(s.stats().B, M(s.size()).stats().B);
    for (; k < 100000; ++k) ASSERT_EQ(s.at(k), k);
    EXPECT_EQ(s.check_invariants(), "");
}

// Inserting and erasing one entry back and forth at each size where the map
// grows (its array full) or shrinks (a quarter of that) changes the array's
// size at most once per boundary. (A same-size rebuild, which anti-drift may
// start under churn, does not change the size.)
TEST(ShrinkMemory, OscillatingAroundBoundariesDoesNotThrash) {
    M m;
    std::uint8_t B = 0;
    std::size_t changes = 0;
    auto track = [&] {
        if (m.stats().B != B) ++changes, B = m.stats().B;
    };
    u64 next = 0;
    for (std::uint8_t b = 1; b <= 12; ++b) {
        // Grow boundary: 2^b groups full; the next insert grows the map.
        while (m.size() < max_load(std::size_t{1} << b)) m[next++] = 0;
        ASSERT_EQ(m.stats().B, b);
        B = b;
        changes = 0;
        for (int r = 0; r < 1000; ++r) {
            m[next] = 0;
            track();
            m.erase(next);
            track();
            ++next;
        }
        EXPECT_LE(changes, 1u) << "grow boundary B=" << int(b);
    }
    // Shrink boundaries, on the way down.
    std::vector<u64> keys;
    for (const auto& e : m) keys.push_back(e.first);
    std::size_t idx = 0;
    int boundaries = 0;
    while (m.stats().B > 1 && idx < keys.size()) {
        const std::uint8_t at = m.stats().B;
        const std::size_t quarter = max_load(std::size_t{1} << at) / 4;  // a shrink is due below it
        while (m.size() > quarter) m.erase(keys[idx++]);
        ASSERT_EQ(m.stats().B, at);
        ++boundaries;
        B = at;
        changes = 0;
        for (int r = 0; r < 1000; ++r) {
            m.erase(keys[idx]);
            track();
            m[keys[idx]] = 0;
            track();
        }
        EXPECT_LE(changes, 1u) << "shrink boundary B=" << int(at);
        // Step down to make the next boundary the current one.
        while (m.stats().B == at && idx < keys.size()) m.erase(keys[idx++]);
        while (m.stats().resizing && idx < keys.size()) m.erase(keys[idx++]);
    }
    EXPECT_EQ(boundaries, 12);  // B = 13 down to 2
    EXPECT_EQ(m.check_invariants(), "");
}

TEST(ShrinkMemory, StatsShowTheShrinkInProgress) {
    M m = filled(100000);
    bool seen = false;
    for (u64 i = 0; i < 99000 && !seen; ++i) {
        m.erase(i);
        const auto s = m.stats();
        // (A shrink starts with its new array's metadata being zeroed; the
        // current array becomes old once that is done.)
        if (s.resizing && s.direction == gomap::resize_direction::shrink && s.old_B != 0) {
            seen = true;
            EXPECT_LT(s.B, s.old_B);
            EXPECT_EQ(s.shrinks, 1u);
            EXPECT_LE(s.count * 4, max_load(std::size_t{1} << s.old_B)) << "a shrink starts at a quarter";
            EXPECT_GE(max_load(s.buckets), 2 * s.count) << "and makes room for twice the entries";
            EXPECT_EQ(m.check_invariants(), "");
        }
    }
    EXPECT_TRUE(seen);
}

TEST(ShrinkMemory, BytesMatchTheAllocatorsCount) {
    gomap::allocation_counter c;
    {
        CM m(0, {}, {}, A(&c));
        for (u64 i = 0; i < 300000; ++i) m[i] = i;
        EXPECT_EQ(m.stats().bytes, c.bytes);
        for (u64 i = 0; i < 299000; ++i) {
            m.erase(i);
            if (i % 10007 == 0) {
                ASSERT_EQ(m.stats().bytes, c.bytes);
            }
        }
        EXPECT_EQ(m.stats().bytes, c.bytes);
        EXPECT_LT(c.bytes, c.peak / 50);
    }
    EXPECT_EQ(c.bytes, 0u);
}

}  // namespace
