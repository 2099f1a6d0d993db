// safe_map_test — gomap::safe_map keeps go-zero's SafeMap semantics (its tests,
// ported), the go-zero policy follows go-zero's algorithm step for step, and
// both give memory back after deletes. Multi-threaded behaviour is in
// concurrent_map_test.cpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <gomap/concurrent_map.hpp>
#include <gomap/safe_map.hpp>

#include "support/concurrency.hpp"

namespace {

using shrink_map = gomap::safe_map<int, int>;
using gozero_map = gomap::gozero_safe_map<int, int>;
using sharded_map = gomap::concurrent_map<int, int>;

template <class M>
class GoZeroPorted : public ::testing::Test {};
using AllThreadSafe = ::testing::Types<shrink_map, gozero_map, sharded_map>;
TYPED_TEST_SUITE(GoZeroPorted, AllThreadSafe);

// go-zero's testSafeMapWithParameters(size, exception).
template <class M>
void with_parameters(int size, int exception) {
    M m;
    for (int i = 0; i < size; ++i) m.set(i, i);
    for (int i = 0; i < size; ++i)
        if (i % exception != 0) m.del(i);
    EXPECT_EQ(static_cast<std::size_t>(size / exception), m.size());

    for (int i = size; i < size << 1; ++i) m.set(i, i);
    for (int i = size; i < size << 1; ++i)
        if (i % exception != 0) m.del(i);

    for (int i = 0; i < size << 1; ++i) {
        auto v = m.get(i);
        if (i % exception == 0) {
            ASSERT_TRUE(v.has_value()) << i;
            EXPECT_EQ(i, *v);
        } else {
            ASSERT_FALSE(v.has_value()) << i;
        }
    }
}

TYPED_TEST(GoZeroPorted, SafeMap) {
    with_parameters<TypeParam>(100000, 2000);
    with_parameters<TypeParam>(100000, 50);
}

// go-zero's TestSafeMap_CopyNew, and the Range test built on the same data.
template <class M>
void fill_copy_new(M& m) {
    constexpr int size = 100000, exception1 = 5, exception2 = 500;
    for (int i = 0; i < size; ++i) m.set(i, i);
    for (int i = 0; i < size; ++i)
        if (i % exception1 == 0) m.del(i);
    for (int i = size; i < size << 1; ++i) m.set(i, i);
    for (int i = size; i < size << 1; ++i)
        if (i % exception2 != 0) m.del(i);
}

TYPED_TEST(GoZeroPorted, CopyNew) {
    TypeParam m;
    fill_copy_new(m);
    constexpr int size = 100000, exception1 = 5, exception2 = 500;
    for (int i = 0; i < size; ++i) {
        auto v = m.get(i);
        ASSERT_EQ(i % exception1 != 0, v.has_value()) << i;
        if (v) {
            EXPECT_EQ(i, *v);
        }
    }
    for (int i = size; i < size << 1; ++i) {
        auto v = m.get(i);
        ASSERT_EQ(i % exception2 == 0, v.has_value()) << i;
        if (v) {
            EXPECT_EQ(i, *v);
        }
    }
    EXPECT_EQ(std::size_t{size - size / exception1 + size / exception2}, m.size());
}

TYPED_TEST(GoZeroPorted, Range) {
    TypeParam m, copy;
    fill_copy_new(m);
    std::size_t count = 0;
    std::map<int, int> seen;
    m.range([&](const int& k, const int& v) {
        ++count;
        copy.set(k, v);
        EXPECT_TRUE(seen.emplace(k, v).second) << "visited twice: " << k;
        return true;
    });
    EXPECT_EQ(count, m.size());
    EXPECT_EQ(copy.size(), m.size());
    for (auto [k, v] : seen) EXPECT_EQ(m.get(k), std::optional<int>(v));
}

TYPED_TEST(GoZeroPorted, RangeStopsWhenFnReturnsFalse) {
    TypeParam m;
    for (int i = 0; i < 5000; ++i) m.set(i, i);
    int calls = 0;
    EXPECT_FALSE(m.range([&](const int&, const int&) { return ++calls < 10; }));
    EXPECT_EQ(10, calls);
    calls = 0;
    EXPECT_TRUE(m.range([&](const int&, const int&) { ++calls; }));
    EXPECT_EQ(5000, calls);
}

TYPED_TEST(GoZeroPorted, SetOverwritesAndDelReportsPresence) {
    TypeParam m;
    m.set(1, 10);
    m.set(1, 11);
    EXPECT_EQ(std::optional<int>(11), m.get(1));
    EXPECT_EQ(1u, m.size());
    EXPECT_TRUE(m.contains(1));
    EXPECT_TRUE(m.del(1));
    EXPECT_FALSE(m.del(1));
    EXPECT_FALSE(m.get(1).has_value());
    EXPECT_TRUE(m.empty());
    m.set(2, 2);
    m.clear();
    EXPECT_EQ(0u, m.size());
    EXPECT_EQ(0u, m.bytes());
}

// Memory comes back: after deleting every key the map holds what a new one holds.
TYPED_TEST(GoZeroPorted, DeleteAllGivesMemoryBack) {
    TypeParam m;
    for (int i = 0; i < 200000; ++i) m.set(i, i);
    const std::size_t full = m.bytes();
    EXPECT_GT(full, 200000u * 8);
    for (int i = 0; i < 200000; ++i) ASSERT_TRUE(m.del(i));
    EXPECT_EQ(0u, m.size());
    if constexpr (std::is_same_v<TypeParam, gozero_map>) {
        // go-zero's last copy left the final 999 keys in a small fresh map,
        // which (a Go map) keeps its buckets when they are deleted.
        EXPECT_LT(m.bytes() * 100, full);
        EXPECT_GT(m.bytes(), 0u);
    } else {
        EXPECT_EQ(0u, m.bytes());  // gomap::map holds nothing at count 0
    }
}

// Deleting down to a few keys: the shrink policy follows the live count down
// without any copy.
TEST(SafeMapShrink, FollowsTheLiveCountDown) {
    shrink_map m;
    for (int i = 0; i < 100000; ++i) m.set(i, i);
    const auto full = m.stats();
    for (int i = 0; i < 99000; ++i) m.del(i);
    const auto after = m.stats();
    EXPECT_EQ(1000u, after.count);
    EXPECT_LT(after.B, full.B);
    EXPECT_GE(after.shrinks, 1u);
    m.shrink_to_fit();
    EXPECT_LE(m.bytes() * 20, full.bytes);
}

// ---- go-zero's algorithm, step by step --------------------------------------

TEST(SafeMapGoZero, WritesGoToDirtyOldUntilMaxDeletion) {
    gozero_map m;
    for (int i = 0; i < 20000; ++i) m.set(i, i);
    auto s = m.gozero();
    EXPECT_EQ(20000u, s.dirty_old);
    EXPECT_EQ(0u, s.dirty_new);
    // 10,001 deletions: deletionOld > maxDeletion, dirtyOld still has 9,999
    // entries (>= copyThreshold), so no copy.
    for (int i = 0; i < 10001; ++i) m.del(i);
    s = m.gozero();
    EXPECT_EQ(9999u, s.dirty_old);
    EXPECT_EQ(10001u, s.deletion_old);
    EXPECT_EQ(0u, s.swaps);
    // Now Set writes into dirtyNew, and a key moved there leaves dirtyOld
    // (counted as a deletion of dirtyOld).
    m.set(100000, 1);
    m.set(19999, 7);
    s = m.gozero();
    EXPECT_EQ(9998u, s.dirty_old);
    EXPECT_EQ(2u, s.dirty_new);
    EXPECT_EQ(10002u, s.deletion_old);
    EXPECT_EQ(std::optional<int>(7), m.get(19999));
}

TEST(SafeMapGoZero, CopiesDirtyOldIntoNewBelowCopyThreshold) {
    gozero_map m;
    for (int i = 0; i < 20000; ++i) m.set(i, i);
    // Delete until dirtyOld has 1,000 entries: no copy yet (len < 1000 is false).
    for (int i = 0; i < 19000; ++i) m.del(i);
    auto s = m.gozero();
    EXPECT_EQ(1000u, s.dirty_old);
    EXPECT_EQ(0u, s.swaps);
    // One more: len(dirtyOld) = 999 < 1000 with deletionOld >= 10000 — the
    // 999 entries are copied into dirtyNew, which becomes dirtyOld.
    m.del(19000);
    s = m.gozero();
    EXPECT_EQ(999u, s.dirty_old);
    EXPECT_EQ(0u, s.dirty_new);
    EXPECT_EQ(0u, s.deletion_old);
    EXPECT_EQ(0u, s.deletion_new);
    EXPECT_EQ(1u, s.swaps);
    for (int i = 19001; i < 20000; ++i) ASSERT_EQ(std::optional<int>(i), m.get(i));
    EXPECT_EQ(999u, m.size());
}

TEST(SafeMapGoZero, MirrorRuleCopiesDirtyNewBack) {
    gozero_map m;
    // Get deletionOld above maxDeletion while dirtyOld stays large, so that
    // writes go to dirtyNew.
    for (int i = 0; i < 30000; ++i) m.set(i, i);
    for (int i = 0; i < 10001; ++i) m.del(i);
    for (int i = 100000; i < 111000; ++i) m.set(i, i);  // into dirtyNew
    auto s = m.gozero();
    EXPECT_EQ(11000u, s.dirty_new);
    // Delete from dirtyNew until it holds 999 with 10,001 deletions.
    for (int i = 100000; i < 110001; ++i) m.del(i);
    s = m.gozero();
    EXPECT_EQ(0u, s.dirty_new);
    EXPECT_EQ(0u, s.deletion_new);
    EXPECT_EQ(1u, s.swaps);
    EXPECT_EQ(19999u + 999u, s.dirty_old);
    for (int i = 110001; i < 111000; ++i) ASSERT_EQ(std::optional<int>(i), m.get(i));
}

TEST(SafeMapGoZero, MatchesAReferenceModelUnderRandomOps) {
    gozero_map m;
    shrink_map s;
    std::map<int, int> ref;
    std::uint64_t x = 12345;
    auto next = [&] { return x = x * 6364136223846793005ULL + 1442695040888963407ULL; };
    for (int step = 0; step < 300000; ++step) {
        const int k = static_cast<int>((next() >> 33) % 20000);
        const int phase = (step / 50000) % 2;  // alternate insert-heavy and delete-heavy
        if ((next() >> 40) % 10 < (phase ? 2u : 7u)) {
            m.set(k, step);
            s.set(k, step);
            ref[k] = step;
        } else {
            const bool had = ref.erase(k) != 0;
            ASSERT_EQ(had, m.del(k));
            ASSERT_EQ(had, s.del(k));
        }
    }
    ASSERT_EQ(ref.size(), m.size());
    ASSERT_EQ(ref.size(), s.size());
    for (auto [k, v] : ref) {
        ASSERT_EQ(std::optional<int>(v), m.get(k));
        ASSERT_EQ(std::optional<int>(v), s.get(k));
    }
    EXPECT_GT(m.gozero().swaps, 0u);
}

TEST(SafeMap, StringKeysAndMoveOnlyValues) {
    gomap::safe_map<std::string, std::unique_ptr<int>> m;
    m.set("a", std::make_unique<int>(1));
    EXPECT_TRUE(m.contains("a"));
    int seen = 0;
    m.range([&](const std::string& k, const std::unique_ptr<int>& v) {
        EXPECT_EQ("a", k);
        seen = *v;
    });
    EXPECT_EQ(1, seen);
    EXPECT_TRUE(m.del("a"));
}

TEST(SafeMap, ElementsAreDestroyedExactlyOnce) {
    using gomap_test::counted_value;
    const long before = counted_value::alive();
    {
        gomap::safe_map<int, counted_value> a;
        gomap::gozero_safe_map<int, counted_value> b;
        gomap::concurrent_map<int, counted_value> c;
        for (int i = 0; i < 30000; ++i) {
            a.set(i, counted_value(i));
            b.set(i, counted_value(i));
            c.set(i, counted_value(i));
        }
        for (int i = 0; i < 29500; ++i) {
            a.del(i);
            b.del(i);
            c.del(i);
        }
        EXPECT_EQ(before + 3 * 500, counted_value::alive());
    }
    EXPECT_EQ(before, counted_value::alive());
}

}  // namespace
