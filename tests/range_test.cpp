// range_test.cpp — range(fn), Go's for-range contract (map.hpp, top comment):
//   * every key present for the whole loop is visited exactly once;
//   * a key erased before it is reached is not visited;
//   * a key inserted during the loop is visited at most once;
//   * fn returning false stops the loop; the const overload is read-only;
//   * each call starts at a random bucket and slot (no code may rely on an order).
// Plus the erase(iterator) loop and erase_if, also while a grow is in progress,
// and (gomap::map) all of it again while a shrink is in progress.
// erase(first, last) with `last` at a chain's tail (a regression: it crashed
// gomap::map) runs in a child process.
//
// "While a grow is in progress" is reached deliberately: keys are inserted
// until stats().resizing becomes true (at a chosen B), and the tests assert it.

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

using u64 = std::uint64_t;

template <class M>
class RangeTest : public ::testing::Test {};
using MapTypes = ::testing::Types<gomap::go_map<u64, u64>, gomap::map<u64, u64>, gomap::node_map<u64, u64>>;
template <class M>
constexpr bool is_flat = !std::is_same_v<typename M::policy_type, gomap::go_policy>;  // map, node_map
TYPED_TEST_SUITE(RangeTest, MapTypes);

u64 value_of(u64 k) { return k * 3 + 1; }

template <class M>
void fill(M& m, u64 from, u64 to) {
    for (u64 k = from; k < to; ++k) m.insert_or_assign(k, value_of(k));
}

// Inserts keys from `next` on until a grow to `B` is in progress; returns the
// next unused key. Fails the test if that state is never reached.
template <class M>
u64 fill_until_growing(M& m, u64 next, unsigned B) {
    for (;; ++next) {
        const auto s = m.stats();
        if (s.resizing && s.B == B) return next;
        if (s.B > B || next > (u64{1} << 24)) {
            ADD_FAILURE() << "never saw a grow to B=" << B << " in progress";
            return next;
        }
        m.insert_or_assign(next, value_of(next));
    }
}

template <class M>
std::unordered_map<u64, u64> snapshot(const M& m) {
    std::unordered_map<u64, u64> r;
    for (const auto& e : m) EXPECT_TRUE(r.emplace(e.first, e.second).second) << "key " << e.first << " twice";
    return r;
}

template <class M>
void expect_equal(const M& m, const std::unordered_map<u64, u64>& ref) {
    EXPECT_EQ(m.size(), ref.size());
    EXPECT_EQ(snapshot(m), ref);
    EXPECT_EQ(m.check_invariants(), "");
}

// Visits of one loop: key -> number of visits.
struct visits {
    std::unordered_map<u64, int> n;
    void see(u64 k) { ++n[k]; }
    int of(u64 k) const {
        auto it = n.find(k);
        return it == n.end() ? 0 : it->second;
    }
    std::size_t distinct() const { return n.size(); }
};

// ---------------------------------------------------------------------------

TYPED_TEST(RangeTest, VisitsEveryKeyExactlyOnceWithoutMutation) {
    for (u64 n : {0, 1, 7, 8, 9, 13, 14, 27, 100, 1000, 50000}) {
        TypeParam m;
        fill(m, 0, n);
        const auto before = m.stats();
        visits v;
        std::size_t calls = 0;
        m.range([&](const u64& k, u64& val) {
            ++calls;
            v.see(k);
            EXPECT_EQ(val, value_of(k));
        });
        EXPECT_EQ(calls, n);
        EXPECT_EQ(v.distinct(), n);
        for (u64 k = 0; k < n; ++k) ASSERT_EQ(v.of(k), 1) << "n=" << n << " key " << k;
        const auto after = m.stats();
        EXPECT_EQ(after.nevacuate, before.nevacuate);
        EXPECT_EQ(after.resizes, before.resizes);
        EXPECT_EQ(m.check_invariants(), "");
    }
}

TYPED_TEST(RangeTest, ValuesCanBeAssignedThroughTheReference) {
    TypeParam m;
    fill(m, 0, 3000);
    m.range([](const u64& k, u64& v) { v = k + 7; });
    for (u64 k = 0; k < 3000; ++k) ASSERT_EQ(m.at(k), k + 7);
}

TYPED_TEST(RangeTest, EmptyAndMovedFromMapsCallNothing) {
    TypeParam m;
    int calls = 0;
    m.range([&](const u64&, u64&) { ++calls; });
    fill(m, 0, 10);
    TypeParam other(std::move(m));
    m.range([&](const u64&, u64&) { ++calls; });  // NOLINT: moved-from is empty
    other.clear();
    other.range([&](const u64&, u64&) { ++calls; });
    EXPECT_EQ(calls, 0);
}

TYPED_TEST(RangeTest, FnErasingEveryKeyAsItGoes) {
    for (u64 n : {1, 8, 9, 100, 5000}) {
        TypeParam m;
        fill(m, 0, n);
        visits v;
        m.range([&](const u64& k, u64&) {
            v.see(k);
            const u64 key = k;  // k dies with the entry
            EXPECT_EQ(m.erase(key), 1u);
        });
        EXPECT_TRUE(m.empty()) << "n=" << n;
        EXPECT_EQ(m.size(), 0u);
        EXPECT_EQ(m.begin(), m.end());
        for (u64 k = 0; k < n; ++k) ASSERT_EQ(v.of(k), 1) << "n=" << n << " key " << k;
        EXPECT_EQ(m.check_invariants(), "");
        // Still a working map.
        fill(m, 0, n);
        expect_equal(m, snapshot(m));
        EXPECT_EQ(m.size(), n);
    }
}

TYPED_TEST(RangeTest, FnErasingEveryKeyAtTheFirstVisit) {
    TypeParam m;
    fill(m, 0, 2000);
    int calls = 0;
    m.range([&](const u64& k, u64&) {
        ++calls;
        const u64 first = k;
        for (u64 j = 0; j < 2000; ++j)
            if (j != first) m.erase(j);
        m.erase(first);
    });
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.check_invariants(), "");
}

TYPED_TEST(RangeTest, FnClearingTheMapStopsFurtherVisits) {
    TypeParam m;
    fill(m, 0, 500);
    int calls = 0;
    m.range([&](const u64&, u64&) {
        ++calls;
        m.clear();
    });
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.check_invariants(), "");
    fill(m, 0, 500);
    EXPECT_EQ(m.size(), 500u);
    EXPECT_EQ(m.check_invariants(), "");
}

// Erasing keys that have not been reached yet: they are never visited; every
// key not erased is visited exactly once.
TYPED_TEST(RangeTest, KeysErasedBeforeTheyAreReachedAreNotVisited) {
    std::mt19937_64 rng(42);
    for (u64 n : {20, 200, 3000, 40000}) {
        TypeParam m;
        fill(m, 0, n);
        visits v;
        std::unordered_set<u64> erased;
        m.range([&](const u64& k, u64& val) {
            ASSERT_FALSE(erased.count(k)) << "visited key " << k << " after erasing it";
            EXPECT_EQ(val, value_of(k));
            v.see(k);
            // Erase up to three keys not visited yet (and not this one).
            for (int t = 0; t < 3; ++t) {
                const u64 x = rng() % n;
                if (x == k || v.of(x) > 0 || erased.count(x)) continue;
                EXPECT_EQ(m.erase(x), 1u);
                erased.insert(x);
            }
        });
        EXPECT_GT(erased.size(), 0u);
        for (u64 k = 0; k < n; ++k) {
            if (erased.count(k)) {
                ASSERT_EQ(v.of(k), 0) << "n=" << n << " erased key " << k << " was visited";
            } else {
                ASSERT_EQ(v.of(k), 1) << "n=" << n << " key " << k;
            }
        }
        EXPECT_EQ(m.size(), n - erased.size());
        EXPECT_EQ(m.check_invariants(), "");
    }
}

// fn inserts many keys: far past the load factor. Pre-existing keys are
// visited once, inserted keys at most once; nothing grows during the loop
// (evacuation pauses), the map is whole afterwards, and growth resumes with
// the next inserts.
TYPED_TEST(RangeTest, InsertingManyKeysDuringTheLoop) {
    for (u64 n : {5, 100, 1000}) {
        TypeParam m;
        fill(m, 0, n);
        std::unordered_map<u64, u64> ref = snapshot(m);
        const auto before = m.stats();
        ASSERT_FALSE(before.resizing);
        u64 next = 1'000'000;
        std::unordered_set<u64> inserted;
        visits v;
        // Where every pre-existing entry lives: nothing may move while the loop runs.
        std::unordered_map<u64, const u64*> where;
        for (const auto& e : m) where[e.first] = &e.second;
        std::size_t checked = 0;
        m.range([&](const u64& k, u64& val) {
            v.see(k);
            EXPECT_EQ(val, ref.at(k));
            // Only visits of the original keys insert (visits of inserted keys
            // inserting too would feed the loop without bound).
            if (k >= n) return;
            for (int t = 0; t < 6; ++t, ++next) {
                auto r = m.try_emplace(next, value_of(next));
                EXPECT_TRUE(r.second);
                EXPECT_EQ(r.first->first, next);
                inserted.insert(next);
                ref.emplace(next, value_of(next));
            }
            // Nothing moves while the loop runs.
            for (u64 x = (k * 7) % n, i = 0; i < 16 && i < n; ++i, x = (x + 1) % n, ++checked)
                ASSERT_EQ(&m.find(x)->second, where.at(x)) << "entry " << x << " moved during range()";
            if constexpr (!is_flat<TypeParam>) {
                // Go's engine: the inserts chain overflow buckets; no grow starts.
                const auto s = m.stats();
                EXPECT_EQ(s.B, before.B);
                EXPECT_EQ(s.resizes, before.resizes);
            }
        });
        EXPECT_GT(checked, 0u);
        ASSERT_GE(inserted.size(), 6 * n);
        for (u64 k = 0; k < n; ++k) ASSERT_EQ(v.of(k), 1) << "pre-existing key " << k;
        for (u64 k : inserted) ASSERT_LE(v.of(k), 1) << "inserted key " << k;
        for (const auto& [k, c] : v.n) ASSERT_TRUE(k < n || inserted.count(k)) << "visited unknown key " << k;
        expect_equal(m, ref);
        const auto after = m.stats();
        u64 k = 2'000'000;
        if constexpr (is_flat<TypeParam>) {
            // The inserts that found no room opened larger arrays; the entries
            // of the earlier ones wait for migration, which resumes with the
            // next writes and empties every old array.
            EXPECT_GT(after.B, before.B);
            EXPECT_TRUE(after.resizing);
            for (int i = 0; i < 5000 && m.stats().resizing; ++i, ++k) {
                m.insert_or_assign(k, value_of(k));
                ref.emplace(k, value_of(k));
            }
            EXPECT_FALSE(m.stats().resizing) << "migration did not resume after the loop";
            EXPECT_LE(m.size(), m.bucket_count() / 8 * 7);
        } else {
            // The loop wanted a grow (count is far over 6.5 * 2^B) but did not start one.
            EXPECT_EQ(after.B, before.B);
            EXPECT_GT(static_cast<double>(after.count), 6.5 * static_cast<double>(std::size_t{1} << after.B));
            // Growth resumes: the next inserts grow B, step by step, until it fits.
            const unsigned B0 = after.B;
            m.insert_or_assign(k, value_of(k));
            ref.emplace(k, value_of(k));
            ++k;
            EXPECT_TRUE(m.stats().resizing || m.stats().B > B0) << "the first insert after the loop must grow";
            for (int i = 0; i < 5000; ++i, ++k) {
                m.insert_or_assign(k, value_of(k));
                ref.emplace(k, value_of(k));
            }
            const auto grown = m.stats();
            EXPECT_GT(grown.B, B0);
            EXPECT_LE(static_cast<double>(grown.count), 6.5 * static_cast<double>(std::size_t{1} << grown.B));
        }
        expect_equal(m, ref);
    }
}

// Mixed inserts and erases in the loop body, checked against the contract
// with a reference, many random rounds (small maps: keys collide often).
TYPED_TEST(RangeTest, RandomMutationsFollowTheContract) {
    std::mt19937_64 rng(7);
    for (int round = 0; round < 300; ++round) {
        const u64 space = 16 + rng() % 300;
        TypeParam m;
        std::unordered_map<u64, u64> ref;
        for (u64 i = 0, n = rng() % space; i < n; ++i) {
            const u64 k = rng() % space;
            m[k] = value_of(k);
            ref[k] = value_of(k);
        }
        const std::unordered_map<u64, u64> initial = ref;
        std::unordered_set<u64> touched;   // erased or inserted during the loop
        std::unordered_map<u64, int> seen;  // visits since the key's last insertion
        m.range([&](const u64& k, u64& v) {
            ASSERT_TRUE(ref.count(k)) << "visited key " << k << " which is not in the map";
            ASSERT_EQ(v, ref.at(k));
            ASSERT_EQ(++seen[k], 1) << "key " << k << " visited twice";
            const u64 key = k;
            switch (rng() % 4) {
                case 0: {
                    const u64 x = rng() % space;
                    if (m.erase(x)) touched.insert(x);
                    ref.erase(x);
                    break;
                }
                case 1: {
                    const u64 x = rng() % space;
                    if (m.try_emplace(x, value_of(x)).second) {
                        touched.insert(x);
                        seen.erase(x);  // a new entry: may be produced once more
                        ref.emplace(x, value_of(x));
                    }
                    break;
                }
                case 2:
                    if (rng() % 2) {
                        m.erase(key);
                        ref.erase(key);
                        touched.insert(key);
                    }
                    break;
                default:
                    break;
            }
        });
        for (const auto& [k, v] : initial) {
            if (!touched.count(k)) {
                ASSERT_EQ(seen[k], 1) << "round " << round << " key " << k;
            }
        }
        expect_equal(m, ref);
    }
}

// A range started while a grow is in progress (found by inserting until
// stats().resizing is true) visits each key once, with or without mutations,
// and the grow completes afterwards.
TYPED_TEST(RangeTest, RangeStartedWhileGrowing) {
    for (unsigned B : {3u, 5u, 8u, 12u}) {
        TypeParam m;
        const u64 n = fill_until_growing(m, 0, B);
        const auto s0 = m.stats();
        ASSERT_TRUE(s0.resizing) << "B=" << B;
        ASSERT_EQ(s0.direction, gomap::resize_direction::grow);
        ASSERT_LT(s0.nevacuate, std::size_t{1} << s0.old_B);

        // 1. No mutation: every key once.
        visits v;
        m.range([&](const u64& k, u64& val) {
            v.see(k);
            EXPECT_EQ(val, value_of(k));
        });
        for (u64 k = 0; k < n; ++k) ASSERT_EQ(v.of(k), 1) << "B=" << B << " key " << k;
        EXPECT_EQ(v.distinct(), n);
        EXPECT_TRUE(m.stats().resizing);
        EXPECT_EQ(m.stats().nevacuate, s0.nevacuate);

        // 2. Erase every third key (maybe not reached yet), insert new keys.
        std::unordered_map<u64, u64> ref = snapshot(m);
        std::unordered_set<u64> erased, inserted;
        visits w;
        u64 next = 1u << 30;
        m.range([&](const u64& key, u64& val) {
            const u64 k = key;  // a copy: the body may erase this very key
            ASSERT_FALSE(erased.count(k)) << "visited erased key " << k;
            EXPECT_EQ(val, ref.at(k));
            w.see(k);
            const u64 victim = (k * 7 + 3) % n;
            if (victim % 3 == 0 && !erased.count(victim) && !inserted.count(victim) && ref.count(victim)) {
                EXPECT_EQ(m.erase(victim), 1u);
                erased.insert(victim);
                ref.erase(victim);
            }
            if (k < n && k % 2 == 0) {
                m.insert_or_assign(next, value_of(next));
                ref.emplace(next, value_of(next));
                inserted.insert(next);
                ++next;
            }
        });
        EXPECT_TRUE(m.stats().resizing) << "the loop must not finish the grow";
        for (u64 k = 0; k < n; ++k) {
            if (erased.count(k)) continue;
            ASSERT_EQ(w.of(k), 1) << "B=" << B << " key " << k;
        }
        for (u64 k : inserted) ASSERT_LE(w.of(k), 1);
        expect_equal(m, ref);

        // 3. Writes after the loop complete the grow.
        for (u64 k = 5u << 28; m.stats().resizing; ++k) {
            m.insert_or_assign(k, value_of(k));
            ref.emplace(k, value_of(k));
        }
        expect_equal(m, ref);
    }
}

TYPED_TEST(RangeTest, FnReturningFalseStopsEarly) {
    TypeParam m;
    fill(m, 0, 1000);
    for (int stop_at : {1, 2, 500, 999, 1000}) {
        int calls = 0;
        m.range([&](const u64&, u64&) { return ++calls < stop_at; });
        EXPECT_EQ(calls, stop_at);
    }
    int calls = 0;
    m.range([&](const u64&, u64&) -> bool {
        ++calls;
        return true;
    });
    EXPECT_EQ(calls, 1000);
    // Also while growing, and on the const overload.
    TypeParam g;
    fill_until_growing(g, 0, 9);
    calls = 0;
    g.range([&](const u64&, u64&) { return ++calls < 17; });
    EXPECT_EQ(calls, 17);
    calls = 0;
    std::as_const(g).range([&](const u64&, const u64&) { return ++calls < 5; });
    EXPECT_EQ(calls, 5);
}

TYPED_TEST(RangeTest, ConstRange) {
    TypeParam m;
    fill(m, 0, 777);
    const TypeParam& cm = m;
    visits v;
    cm.range([&](const auto& k, auto& val) {
        static_assert(std::is_const_v<std::remove_reference_t<decltype(k)>>);
        static_assert(std::is_const_v<std::remove_reference_t<decltype(val)>>, "const range gives const V&");
        v.see(k);
        EXPECT_EQ(val, value_of(k));
    });
    for (u64 k = 0; k < 777; ++k) ASSERT_EQ(v.of(k), 1);
    EXPECT_EQ(v.distinct(), 777u);
    // Non-const range gives V&.
    m.range([&](const auto&, auto& val) { static_assert(!std::is_const_v<std::remove_reference_t<decltype(val)>>); });
    // A const range of a growing map.
    TypeParam g;
    const u64 n = fill_until_growing(g, 0, 10);
    visits w;
    std::as_const(g).range([&](const u64& k, const u64&) { w.see(k); });
    for (u64 k = 0; k < n; ++k) ASSERT_EQ(w.of(k), 1);
    EXPECT_TRUE(g.stats().resizing);
}

// Go's TestMapIterOrder: the order must not be the same every time.
TYPED_TEST(RangeTest, RandomStart) {
    auto order = [](TypeParam& m) {
        std::vector<u64> o;
        m.range([&](const u64& k, u64&) { o.push_back(k); });
        return o;
    };
    for (u64 n : {3, 7, 9, 15, 100, 1000}) {
        TypeParam m;
        fill(m, 0, n);
        const auto first = order(m);
        bool differs = false;
        for (int i = 0; i < 1000 && !differs; ++i) differs = order(m) != first;
        EXPECT_TRUE(differs) << "n=" << n << ": range() gave the same order 1000 times";
    }
    // 8 keys fit the smallest array (go_map: one bucket, B = 0; gomap::map:
    // two groups, B = 1): the random slot offset must let every one of them
    // come first.
    {
        TypeParam m;
        fill(m, 0, 8);
        ASSERT_EQ(m.stats().B, is_flat<TypeParam> ? 1 : 0);
        std::set<u64> firsts;
        for (int i = 0; i < 2000; ++i) m.range([&](const u64& k, u64&) { return firsts.insert(k), false; });
        EXPECT_EQ(firsts.size(), 8u);
    }
    // A big map: the first key is spread over the buckets.
    {
        TypeParam m;
        fill(m, 0, 5000);
        std::set<u64> firsts;
        for (int i = 0; i < 300; ++i) m.range([&](const u64& k, u64&) { return firsts.insert(k), false; });
        EXPECT_GE(firsts.size(), 150u);
    }
    // begin()/end() is bucket order: the same for an unchanged map (not random).
    {
        TypeParam m;
        fill(m, 0, 300);
        std::vector<u64> a, b;
        for (const auto& e : m) a.push_back(e.first);
        for (const auto& e : m) b.push_back(e.first);
        EXPECT_EQ(a, b);
    }
}

// `for (it = m.begin(); it != m.end();) it = m.erase(it);` empties the map,
// also while a grow is in progress; so does erase_if, which keeps the rest.
TYPED_TEST(RangeTest, EraseIteratorLoopWhileGrowing) {
    for (unsigned B : {3u, 6u, 10u, 13u}) {
        TypeParam m;
        const u64 n = fill_until_growing(m, 0, B);
        ASSERT_TRUE(m.stats().resizing);
        std::size_t steps = 0;
        std::unordered_set<u64> gone;
        for (auto it = m.begin(); it != m.end();) {
            ASSERT_TRUE(gone.insert(it->first).second) << "B=" << B << " key " << it->first << " twice";
            ASSERT_EQ(it->second, value_of(it->first));
            it = m.erase(it);
            ++steps;
            ASSERT_LE(steps, n);
        }
        EXPECT_EQ(steps, n) << "B=" << B;
        EXPECT_TRUE(m.empty());
        EXPECT_EQ(m.begin(), m.end());
        EXPECT_EQ(m.check_invariants(), "");
        // Still usable: refill and check.
        fill(m, 0, n);
        std::unordered_map<u64, u64> ref;
        for (u64 k = 0; k < n; ++k) ref.emplace(k, value_of(k));
        expect_equal(m, ref);
    }
    for (unsigned B : {4u, 9u, 12u}) {
        TypeParam m;
        const u64 n = fill_until_growing(m, 0, B);
        ASSERT_TRUE(m.stats().resizing);
        const auto erased = gomap::erase_if(m, [](const auto& e) { return e.first % 2 == 1; });
        EXPECT_EQ(erased, n / 2) << "B=" << B;
        std::unordered_map<u64, u64> ref;
        for (u64 k = 0; k < n; k += 2) ref.emplace(k, value_of(k));
        expect_equal(m, ref);
        // erase(first, last) of everything left.
        auto it = m.erase(m.cbegin(), m.cend());
        EXPECT_EQ(it, m.end());
        EXPECT_TRUE(m.empty());
        EXPECT_EQ(m.check_invariants(), "");
    }
}

// Iteration with begin()/end() of a growing map also sees every key once.
TYPED_TEST(RangeTest, IteratorsWhileGrowing) {
    for (unsigned B : {3u, 7u, 11u}) {
        TypeParam m;
        const u64 n = fill_until_growing(m, 0, B);
        visits v;
        for (const auto& e : m) v.see(e.first);
        for (u64 k = 0; k < n; ++k) ASSERT_EQ(v.of(k), 1);
        EXPECT_EQ(v.distinct(), n);
        EXPECT_EQ(static_cast<std::size_t>(std::distance(m.begin(), m.end())), n);
    }
}

// ---------------------------------------------------------------------------
// gomap::map gives memory back: a map whose load falls to a quarter of the grow
// threshold shrinks incrementally. The same contracts hold while it does.

// m holds keys [0, n) and no resize is running. Erases keys from 0 up until a
// shrink is in progress; returns the first key still present.
template <class M>
u64 erase_until_shrinking(M& m, u64 n) {
    for (u64 k = 0; k < n; ++k) {
        const auto s = m.stats();
        if (s.resizing && s.direction == gomap::resize_direction::shrink) return k;
        EXPECT_EQ(m.erase(k), 1u);
    }
    ADD_FAILURE() << "never saw a shrink in progress";
    return n;
}

// A map of keys [0, n) with no resize running (inserts past n finish a grow).
u64 settled_map(gomap::map<u64, u64>& m, u64 n) {
    fill(m, 0, n);
    for (; m.stats().resizing; ++n) m.insert_or_assign(n, value_of(n));
    return n;
}

TEST(RangeShrinkTest, RangeStartedWhileShrinking) {
    for (u64 want : {200, 3000, 60000}) {
        gomap::map<u64, u64> m;
        const u64 n = settled_map(m, want);
        const u64 lo = erase_until_shrinking(m, n);
        const auto s0 = m.stats();
        ASSERT_TRUE(s0.resizing);
        ASSERT_EQ(s0.direction, gomap::resize_direction::shrink);
        visits v;
        m.range([&](const u64& k, u64& val) {
            v.see(k);
            EXPECT_EQ(val, value_of(k));
        });
        for (u64 k = lo; k < n; ++k) ASSERT_EQ(v.of(k), 1) << "n=" << n << " key " << k;
        EXPECT_EQ(v.distinct(), n - lo);
        EXPECT_TRUE(m.stats().resizing);
        // With mutations: erase keys not reached yet, insert new ones.
        std::unordered_map<u64, u64> ref = snapshot(m);
        std::unordered_set<u64> erased, inserted;
        visits w;
        u64 next = 1u << 30;
        m.range([&](const u64& k, u64& val) {
            ASSERT_FALSE(erased.count(k));
            EXPECT_EQ(val, ref.at(k));
            w.see(k);
            const u64 victim = lo + (k * 13 + 5) % (n - lo);
            if (victim % 4 == 0 && ref.count(victim) && !erased.count(victim)) {
                EXPECT_EQ(m.erase(victim), 1u);
                erased.insert(victim);
                ref.erase(victim);
            }
            if (k < n && k % 3 == 0) {
                m.insert_or_assign(next, value_of(next));
                ref.emplace(next, value_of(next));
                inserted.insert(next++);
            }
        });
        for (u64 k = lo; k < n; ++k) {
            if (!erased.count(k)) {
                ASSERT_EQ(w.of(k), 1) << "key " << k;
            }
        }
        for (u64 k : inserted) ASSERT_LE(w.of(k), 1);
        expect_equal(m, ref);
        // Writes complete the shrink.
        for (u64 k = 0; m.stats().resizing && k < lo; ++k) m.erase(k);  // absent keys: no work
        for (u64 k = 5u << 28; m.stats().resizing; ++k) {
            m.insert_or_assign(k, value_of(k));
            ref.emplace(k, value_of(k));
        }
        expect_equal(m, ref);
    }
}

TEST(RangeShrinkTest, IteratorsAndEraseLoopsWhileShrinking) {
    for (u64 want : {300, 5000, 80000}) {
        gomap::map<u64, u64> m;
        const u64 n = settled_map(m, want);
        const u64 lo = erase_until_shrinking(m, n);
        ASSERT_EQ(m.stats().direction, gomap::resize_direction::shrink);
        visits v;
        for (const auto& e : m) v.see(e.first);
        for (u64 k = lo; k < n; ++k) ASSERT_EQ(v.of(k), 1);
        EXPECT_EQ(v.distinct(), n - lo);
        // erase_if of odd keys, then the erase(iterator) loop, still mid-shrink.
        const auto odd = gomap::erase_if(m, [](const auto& e) { return e.first % 2 == 1; });
        std::unordered_map<u64, u64> ref;
        std::size_t want_odd = 0;
        for (u64 k = lo; k < n; ++k) {
            if (k % 2 == 0)
                ref.emplace(k, value_of(k));
            else
                ++want_odd;
        }
        EXPECT_EQ(odd, want_odd);
        expect_equal(m, ref);
        std::size_t steps = 0;
        std::unordered_set<u64> gone;
        for (auto it = m.begin(); it != m.end();) {
            ASSERT_TRUE(gone.insert(it->first).second) << "key " << it->first << " twice";
            it = m.erase(it);
            ASSERT_LE(++steps, ref.size());
        }
        EXPECT_EQ(steps, ref.size());
        EXPECT_TRUE(m.empty());
        EXPECT_EQ(m.check_invariants(), "");
        EXPECT_EQ(m.stats().bytes, 0u) << "an emptied gomap::map holds nothing";
    }
}

// ---------------------------------------------------------------------------
// erase(first, last) stops at `last`, whatever the chain layout. Regression
// (found by lifetime_test, fixed in 8441855): gomap::map's erase(it), on Go's
// buckets with the shrink rules it had then, moved the chain's last entry
// into the hole; when that entry was `last`, the loop
//   while (it != last) it = erase(it);
// never met `last` again, erased the rest of the map, then erase(end()): a
// null dereference. Checked in a child process (exit code 0 = correct), so a
// crash fails only this test.
TEST(EraseRangeTest, StopsAtLastEvenWhenLastIsAChainTail) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    auto minimal = [] {
        gomap::map<int, int> m{{1, 1}, {2, 2}};  // one bucket, one chain
        auto first = m.cbegin();
        auto last = std::next(first);  // the chain's last entry
        const int kept = last->first;
        auto r = m.erase(first, last);
        std::_Exit(m.size() == 1 && m.contains(kept) && r != m.end() && r->first == kept ? 0 : 1);
    };
    EXPECT_EXIT(minimal(), ::testing::ExitedWithCode(0), "");
    auto random_ranges = [] {
        std::mt19937_64 rng(99);
        for (int round = 0; round < 400; ++round) {
            gomap::map<u64, u64> m;
            if (round % 2) m.set_auto_shrink(false);  // no shrink on the way
            std::unordered_map<u64, u64> ref;
            const u64 n = 1 + rng() % 400;
            for (u64 k = 0; k < n; ++k) m[k] = ref[k] = value_of(k);
            auto first = m.cbegin();
            for (u64 s = rng() % n; s > 0; --s) ++first;
            auto last = first;
            for (u64 s = rng() % 10; s > 0 && last != m.cend(); --s, ++last) ref.erase(last->first);
            m.erase(first, last);
            if (m.size() != ref.size() || !m.check_invariants().empty()) std::_Exit(1);
            for (const auto& [k, v] : ref)
                if (!m.contains(k)) std::_Exit(1);
        }
        std::_Exit(0);
    };
    EXPECT_EXIT(random_ranges(), ::testing::ExitedWithCode(0), "");
}

// std::string keys: the same contract (hashing by string, moves of heap keys).
TEST(RangeStringTest, InsertAndEraseDuringRange) {
    gomap::map<std::string, int> m;
    for (int i = 0; i < 3000; ++i) m.emplace("key-" + std::to_string(i) + std::string(i % 40, 'x'), i);
    std::unordered_map<std::string, int> ref(m.begin(), m.end());
    const auto initial = ref;
    std::unordered_set<std::string> touched;
    std::unordered_map<std::string, int> seen;
    int next = 100000;
    m.range([&](const std::string& k, int& v) {
        ASSERT_TRUE(ref.count(k));
        ASSERT_EQ(v, ref.at(k));
        ASSERT_EQ(++seen[k], 1);
        if (v % 5 == 0) {
            const std::string key = k;
            m.erase(key);
            ref.erase(key);
            touched.insert(key);
        } else if (v % 5 == 1 && v < 100000) {
            const std::string nk = "new-" + std::to_string(next) + std::string(next % 33, 'y');
            m.emplace(nk, next);
            ref.emplace(nk, next);
            touched.insert(nk);
            ++next;
        }
    });
    for (const auto& [k, v] : initial) {
        if (!touched.count(k)) {
            ASSERT_EQ(seen[k], 1) << k;
        }
    }
    EXPECT_EQ(m.size(), ref.size());
    const std::unordered_map<std::string, int> after(m.begin(), m.end());
    EXPECT_EQ(after, ref);
    EXPECT_EQ(m.check_invariants(), "");
}

}  // namespace
