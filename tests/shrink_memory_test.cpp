// gomap::map gives memory back: exact, deterministic byte figures.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include <gomap/gomap.hpp>

#include "support/counted.hpp"

namespace {

// Go's engine with the shrink policy (detail/hmap.hpp), which gomap::map ran
// on before it got its own engine; the flat engine's shrinking is tested in
// flat_engine_test.cpp.
template <class K, class V, class H = gomap::hash<K>, class E = std::equal_to<K>,
          class A = std::allocator<std::pair<const K, V>>>
using shrink_hmap = gomap::basic_map<K, V, H, E, A, gomap::shrink_policy>;

using u64 = std::uint64_t;
using M = shrink_hmap<u64, u64>;
using G = gomap::go_map<u64, u64>;

M filled(u64 n) {
    M m;
    for (u64 i = 0; i < n; ++i) m[i] = i;
    return m;
}

TEST(ShrinkMemory, EraseAllByKeyReturnsToEmptyFootprint) {
    const std::size_t empty = M().stats().bytes;
    EXPECT_EQ(empty, 0u);  // B = 0 allocates lazily, as Go's makemap_small
    for (u64 n : {1u, 9u, 100u, 6657u, 100000u}) {
        M m = filled(n);
        ASSERT_GT(m.stats().bytes, 0u);
        for (u64 i = 0; i < n; ++i) ASSERT_EQ(m.erase(i), 1u);
        EXPECT_EQ(m.stats().bytes, empty) << n;
        EXPECT_EQ(m.stats().B, 0) << n;
        EXPECT_FALSE(m.stats().resizing);
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

TEST(ShrinkMemory, EraseAllThroughIteratorsReturnsToEmptyFootprint) {
    M m = filled(150000);
    std::size_t n = 0;
    for (auto it = m.begin(); it != m.end();) {
        it = m.erase(it);
        ++n;
    }
    EXPECT_EQ(n, 150000u);
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.stats().bytes, 0u);
}

TEST(ShrinkMemory, EraseAllInsideRangeReturnsToEmptyFootprint) {
    M m = filled(150000);
    std::size_t n = 0;
    m.range([&](const u64& k, u64&) {
        m.erase(k);
        ++n;
    });
    EXPECT_EQ(n, 150000u);
    EXPECT_EQ(m.stats().bytes, 0u);
}

TEST(ShrinkMemory, EraseIfAndClearReturnToEmptyFootprint) {
    M m = filled(50000);
    EXPECT_EQ(gomap::erase_if(m, [](const auto&) { return true; }), 50000u);
    EXPECT_EQ(m.stats().bytes, 0u);
    m = filled(50000);
    m.clear();
    EXPECT_EQ(m.stats().bytes, 0u);
    EXPECT_EQ(m.stats().B, 0);
}

// The article's map: make(map[int]Person, 10000), filled, emptied.
TEST(ShrinkMemory, EmptyHintedMapHoldsNothing) {
    M m(10000);
    EXPECT_EQ(m.stats().B, 11);
    for (u64 i = 0; i < 100000; ++i) m[i] = i;  // grows past the hint
    for (u64 i = 0; i < 100000; ++i) m.erase(i);
    EXPECT_EQ(m.stats().bytes, 0u);
    EXPECT_EQ(m.stats().B, 0);
    EXPECT_EQ(m.stats().min_B, 11);  // still the floor for shrinking, once refilled
    for (u64 i = 0; i < 10000; ++i) m[i] = i;
    for (u64 i = 0; i < 9990; ++i) m.erase(i);
    EXPECT_EQ(m.stats().B, 11);
}

TEST(ShrinkMemory, NeverShrinksBelowReserve) {
    M m;
    m.reserve(10000);
    for (u64 i = 0; i < 10000; ++i) m[i] = i;
    for (u64 i = 0; i < 9990; ++i) m.erase(i);
    EXPECT_EQ(m.stats().B, 11);
    EXPECT_EQ(m.stats().shrinks, 0u);
}

TEST(ShrinkMemory, GoMapKeepsEveryByte) {
    G g;
    for (u64 i = 0; i < 100000; ++i) g[i] = i;
    const std::size_t full = g.stats().bytes;
    for (u64 i = 0; i < 100000; ++i) g.erase(i);
    EXPECT_EQ(g.stats().bytes, full);
    EXPECT_EQ(g.stats().shrinks, 0u);
}

TEST(ShrinkMemory, AutoShrinkCanBeSwitched) {
    M m;
    m.set_auto_shrink(false);
    EXPECT_FALSE(m.auto_shrink());
    for (u64 i = 0; i < 100000; ++i) m[i] = i;
    const std::size_t full = m.stats().bytes;
    for (u64 i = 0; i < 100000; ++i) m.erase(i);
    EXPECT_EQ(m.stats().bytes, full);
    G g;
    g.set_auto_shrink(true);
    for (u64 i = 0; i < 100000; ++i) g[i] = i;
    for (u64 i = 0; i < 100000; ++i) g.erase(i);
    EXPECT_EQ(g.stats().bytes, 0u);
}

// A copy (and a move to another allocator, and an assignment) keeps the
// setting: a go_map switched to shrinking stays shrinking when copied.
TEST(ShrinkMemory, CopiesCarryTheAutoShrinkSetting) {
    G g;
    g.set_auto_shrink(true);
    M m;
    m.set_auto_shrink(false);
    for (u64 i = 0; i < 20000; ++i) g[i] = m[i] = i;
    G g2(g);
    M m2(m);
    EXPECT_TRUE(g2.auto_shrink());
    EXPECT_FALSE(m2.auto_shrink());
    M m3;
    m3 = m;
    EXPECT_FALSE(m3.auto_shrink());
    G g3(std::move(g2));
    EXPECT_TRUE(g3.auto_shrink());
    for (u64 i = 0; i < 20000; ++i) {
        g3.erase(i);
        m3.erase(i);
    }
    EXPECT_EQ(g3.stats().bytes, 0u);  // shrinking, as the original was set
    EXPECT_GT(m3.stats().bytes, 0u);  // Go's rules, as the original was set
}

TEST(ShrinkMemory, DropFromMillionToThousandTracksTheLiveSet) {
    M m = filled(1000000);
    for (u64 i = 1000; i < 1000000; ++i) m.erase(i);
    M fresh = filled(1000);
    const auto s = m.stats();
    EXPECT_LE(s.bytes, 4 * fresh.stats().bytes);
    EXPECT_FALSE(s.resizing);
    EXPECT_EQ(m.check_invariants(), "");
    for (u64 i = 0; i < 1000; ++i) ASSERT_EQ(m.at(i), i);
}

TEST(ShrinkMemory, ShrinkToFitFinishesAndCompacts) {
    M m = filled(100000);
    m.set_auto_shrink(false);
    for (u64 i = 100; i < 100000; ++i) m.erase(i);
    EXPECT_EQ(m.stats().B, 14);
    m.shrink_to_fit();
    EXPECT_EQ(m.stats().B, 4);  // smallest B for 100 entries (Go's make(map, 100))
    EXPECT_FALSE(m.stats().resizing);
    // The array of a new make(map, 100), plus the overflow buckets the 100
    // entries need beyond its spares.
    const auto st = m.stats();
    EXPECT_LE(st.bytes, M(100).stats().bytes + st.overflow_buckets * st.bucket_size);
    for (u64 i = 0; i < 100; ++i) ASSERT_EQ(m.at(i), i);
    EXPECT_EQ(m.check_invariants(), "");
}

TEST(ShrinkMemory, ChurnAtSteadySizeHoldsAtMostTwiceTheStart) {
    std::mt19937_64 rng(7);
    std::vector<u64> live(10000);
    M m;
    for (auto& k : live) {
        k = rng();
        m[k] = k;
    }
    const std::size_t start = m.stats().bytes;
    std::size_t most = start;
    const long pairs = 10'000'000;
    for (long i = 0; i < pairs; ++i) {
        u64& slot = live[rng() % live.size()];
        ASSERT_EQ(m.erase(slot), 1u);
        slot = rng();
        m[slot] = i;
        if ((i & 1023) == 0) most = std::max(most, m.stats().bytes);
    }
    EXPECT_LE(most, 2 * start);
    EXPECT_EQ(m.size(), 10000u);
    EXPECT_EQ(m.check_invariants(), "");
}

// Inserting and erasing one entry back and forth across each size where the map
// would grow or shrink resizes at most once per boundary.
TEST(ShrinkMemory, OscillatingAroundBoundariesDoesNotThrash) {
    M m;
    u64 next = 0;
    for (std::uint8_t B = 1; B <= 16; ++B) {
        // Grow boundary: the insert that makes count > 6.5 * 2^(B-1).
        const u64 grow_at = 13 * (u64{1} << (B - 1)) / 2 + 1;
        while (m.size() < grow_at - 1) m[next++] = 0;
        const auto before = m.stats().resizes;
        for (int r = 0; r < 1000; ++r) {
            m[next] = 0;
            m.erase(next);
            ++next;
        }
        EXPECT_LE(m.stats().resizes - before, 1u) << "grow boundary B=" << int(B);
    }
    // Shrink boundaries, on the way down.
    std::vector<u64> keys;
    for (const auto& e : m) keys.push_back(e.first);
    std::size_t idx = 0;
    int shrink_boundaries = 0;
    while (m.stats().B > 1) {
        ++shrink_boundaries;
        const std::uint8_t B = m.stats().B;
        while (m.size() * 8 > 13 * (std::size_t{1} << B) + 8) m.erase(keys[idx++]);
        const auto before = m.stats().resizes;
        for (int r = 0; r < 1000; ++r) {
            m.erase(keys[idx]);
            m[keys[idx]] = 0;
        }
        EXPECT_LE(m.stats().resizes - before, 1u) << "shrink boundary B=" << int(B);
        // Step down to make the next boundary the current one.
        while (m.stats().B == B && idx < keys.size()) m.erase(keys[idx++]);
        while (m.stats().resizing && idx < keys.size()) m.erase(keys[idx++]);
    }
    EXPECT_GE(shrink_boundaries, 12);
}

TEST(ShrinkMemory, ElementsAreDestroyedExactlyOnceThroughShrinks) {
    using gomap_test::counted;
    gomap_test::counts::reset();
    {
        shrink_hmap<counted, counted, std::hash<counted>> m;
        for (int i = 0; i < 50000; ++i) m.try_emplace(i, i);
        for (int i = 0; i < 49000; ++i) m.erase(i);
        EXPECT_GT(m.stats().shrinks, 0u);
        for (int i = 49000; i < 50000; ++i) ASSERT_EQ(m.at(i).value(), i);
        EXPECT_EQ(gomap_test::counts::alive(), 2000u);
        for (int i = 49000; i < 50000; ++i) m.erase(i);
        EXPECT_EQ(gomap_test::counts::alive(), 0u);
        for (int i = 0; i < 30000; ++i) m.try_emplace(i, i);
        for (int i = 0; i < 29000; ++i) m.erase(i);  // leaves a shrink in progress or done
    }
    EXPECT_EQ(gomap_test::counts::alive(), 0u);
}

TEST(ShrinkMemory, StatsShowTheShrinkInProgress) {
    M m = filled(100000);
    bool seen = false;
    for (u64 i = 0; i < 99000 && !seen; ++i) {
        m.erase(i);
        const auto s = m.stats();
        if (s.resizing && s.direction == gomap::resize_direction::shrink) {
            seen = true;
            EXPECT_LT(s.B, s.old_B);
            EXPECT_EQ(m.check_invariants(), "");
        }
    }
    EXPECT_TRUE(seen);
}

TEST(ShrinkMemory, BytesMatchTheAllocatorsCount) {
    gomap::allocation_counter c;
    using A = gomap::counting_allocator<std::pair<const u64, u64>>;
    {
        shrink_hmap<u64, u64, gomap::hash<u64>, std::equal_to<u64>, A> m(0, {}, {}, A(&c));
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
