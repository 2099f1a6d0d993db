// Checked mode (GOMAP_CHECKED, on in Debug builds) catches the use of an
// iterator that an operation has invalidated, as Abseil's iterator
// generations do; the operations that leave iterators valid do not trip it.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include <gomap/gomap.hpp>

static_assert(GOMAP_CHECKED, "this test is built with the checker on");

namespace {

using G = gomap::go_map<std::uint64_t, std::uint64_t>;
// gomap::map: the flat engine (detail/flat_table.hpp).
using F = gomap::map<std::uint64_t, std::uint64_t>;

// The tests written for the maps that give memory back (gomap::map).
template <class T>
class IteratorCheckEnginesDeathTest : public testing::Test {};
template <class T>
class IteratorCheckEngines : public testing::Test {};
using ShrinkingMaps = testing::Types<F>;
TYPED_TEST_SUITE(IteratorCheckEnginesDeathTest, ShrinkingMaps);
TYPED_TEST_SUITE(IteratorCheckEngines, ShrinkingMaps);

template <class Map>
Map filled(std::uint64_t n) {
    Map m;
    for (std::uint64_t i = 0; i < n; ++i) m[i] = i;
    return m;
}

constexpr const char* kStale = "fatal error: gomap: use of an invalidated iterator";

TYPED_TEST(IteratorCheckEnginesDeathTest, InsertOfANewKeyInvalidates) {
    using M = TypeParam;
    EXPECT_DEATH(
        {
            M m = filled<M>(100);
            auto it = m.begin();
            m[1000] = 1;
            (void)it->second;
        },
        kStale);
}

TEST(IteratorCheckDeathTest, EraseByKeyInvalidates) {
    EXPECT_DEATH(
        {
            G m = filled<G>(100);
            auto it = m.find(5);
            m.erase(6);
            ++it;
        },
        kStale);
}

// go_map, during a grow: erase(key) of an absent key runs growWork too (Go's
// mapdelete), which moves entries.
TEST(IteratorCheckDeathTest, GoMapEraseOfAnAbsentKeyDuringAGrowInvalidates) {
    EXPECT_DEATH(
        {
            G m = filled<G>(6657);  // the last insert started the grow to B = 11
            if (!m.stats().resizing) std::abort();
            auto it = m.find(5);
            m.erase(1000000);
            ++it;
        },
        kStale);
}

TYPED_TEST(IteratorCheckEnginesDeathTest, ClearReserveShrinkSwapInvalidate) {
    using M = TypeParam;
    auto use_after = [](int what) {
        M m = filled<M>(100), o = filled<M>(3);
        auto it = m.begin();
        switch (what) {
            case 0: m.clear(); break;
            case 1: m.reserve(10000); break;
            case 2: m.shrink_to_fit(); break;
            default: m.swap(o); break;
        }
        (void)*it;
    };
    for (int what = 0; what < 4; ++what) EXPECT_DEATH(use_after(what), kStale) << what;
}

TYPED_TEST(IteratorCheckEnginesDeathTest, EmptyingTheMapThroughIteratorsInvalidatesTheRest) {
    using M = TypeParam;
    // The last erase frees the arrays; an old copy of an iterator is caught
    // before it reads them.
    EXPECT_DEATH(
        {
            M m = filled<M>(3);
            auto first = m.begin();
            auto copy = first;
            for (auto it = m.begin(); it != m.end();) it = m.erase(it);
            (void)copy->first;
        },
        kStale);
}

TEST(IteratorCheckDeathTest, DereferencingAnErasedEntry) {
    EXPECT_DEATH(
        {
            G m = filled<G>(100);
            auto it = m.find(7);
            auto copy = it;
            m.erase(it);
            (void)copy->second;
        },
        "fatal error: gomap: dereferencing an erased entry");
}

TEST(IteratorCheckDeathTest, FlatEngineEraseByKeyAndErasedEntry) {
    EXPECT_DEATH(
        {
            F m = filled<F>(100);
            auto it = m.find(5);
            m.erase(6);
            ++it;
        },
        kStale);
    EXPECT_DEATH(
        {
            F m = filled<F>(100);
            auto it = m.find(7);
            auto copy = it;
            m.erase(it);
            (void)copy->second;
        },
        "fatal error: gomap: dereferencing an erased entry");
    EXPECT_DEATH({ F m = filled<F>(3); auto it = m.end(); ++it; }, "incrementing an end or singular iterator");
}

TEST(IteratorCheckDeathTest, IncrementingEnd) {
    EXPECT_DEATH({ G m = filled<G>(3); auto it = m.end(); ++it; }, "incrementing an end or singular iterator");
}

// What the rules allow must not trip the checker.
TYPED_TEST(IteratorCheckEngines, ValidUsesPass) {
    using M = TypeParam;
    for (int policy = 0; policy < 2; ++policy) {
        M m = filled<M>(1000);
        m.set_auto_shrink(policy == 1);
        // Lookups, assignment to existing keys, const access.
        auto it = m.find(10);
        m[10] = 11;
        m.insert_or_assign(20, 21);
        m.try_emplace(30, 0);
        EXPECT_TRUE(m.contains(40));
        EXPECT_EQ(it->second, 11u);
        // erase(iterator) keeps the others valid, and returns a valid one.
        auto a = m.find(1), b = m.find(2);
        auto next = m.erase(a);
        EXPECT_EQ(b->second, 2u);
        if (next != m.end()) (void)next->first;
        // The erase-all idiom.
        std::size_t n = 0;
        for (auto e = m.begin(); e != m.end(); ++n) e = m.erase(e);
        EXPECT_EQ(n, 999u);
        EXPECT_TRUE(m.empty());
    }
    // range() may insert and erase.
    M r = filled<M>(500);
    r.range([&](const std::uint64_t& k, std::uint64_t&) {
        if (k % 2) r.erase(k);
        else r[k + 100000] = 1;
    });
    EXPECT_EQ(r.check_invariants(), "");
}

}  // namespace
