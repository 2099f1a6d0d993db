// concurrent_visit_test — concurrent_map's Boost-style visitation API
// (boost::concurrent_flat_map's names: visit, cvisit, visit_all,
// visit_while, insert_or_visit, emplace_or_visit, try_emplace_or_visit,
// erase_if(k, f), bulk visit): return values, which entry each call sees and
// with what constness, what is built and what is not, atomicity under
// threads, and locks released by a visitor that throws. Runs under
// ThreadSanitizer in CI (scripts/test.sh).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <forward_list>
#include <future>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <gomap/concurrent_map.hpp>

#include "support/concurrency.hpp"

namespace {

using gomap_test::run_threads;
using cmap = gomap::concurrent_map<std::int64_t, std::int64_t>;

template <class E>
constexpr bool is_const_entry = std::is_const_v<std::remove_reference_t<E>>;

// A map of 8 shards holding i -> 10 i for i < n.
struct filled : cmap {
    explicit filled(std::int64_t n) : cmap(8) {
        for (std::int64_t i = 0; i < n; ++i) set(i, i * 10);
    }
};

// The lock of k's shard is free: another thread can write k within a deadline.
void expect_unlocked(cmap& m, std::int64_t k) {
    auto f = std::async(std::launch::async, [&] { return m.set(k, 1); });
    ASSERT_EQ(std::future_status::ready, f.wait_for(std::chrono::seconds(20))) << "lock left held";
    f.get();
}

TEST(Visit, VisitsThePresentEntryAndChangesItInPlace) {
    filled m(100);
    EXPECT_EQ(1u, m.visit(7, [](auto& e) {
        static_assert(!is_const_entry<decltype(e)>);
        static_assert(std::is_same_v<std::remove_reference_t<decltype(e)>, std::pair<const std::int64_t, std::int64_t>>);
        EXPECT_EQ(7, e.first);
        e.second += 1;
    }));
    EXPECT_EQ(71, *m.get(7));
    int calls = 0;
    EXPECT_EQ(0u, m.visit(1000, [&](auto&) { ++calls; }));
    EXPECT_EQ(0, calls);
    EXPECT_EQ(100u, m.size());
}

TEST(Visit, CvisitAndConstVisitSeeAConstEntry) {
    filled m(100);
    std::int64_t seen = -1;
    EXPECT_EQ(1u, m.cvisit(9, [&](auto& e) {
        static_assert(is_const_entry<decltype(e)>);
        seen = e.second;
    }));
    EXPECT_EQ(90, seen);
    const cmap& cm = m;
    EXPECT_EQ(1u, cm.visit(8, [&](auto& e) {
        static_assert(is_const_entry<decltype(e)>);
        seen = e.second;
    }));
    EXPECT_EQ(80, seen);
    EXPECT_EQ(0u, cm.visit(-1, [&](auto&) { seen = 0; }));
    EXPECT_EQ(80, seen);
}

TEST(Visit, BulkVisitCountsEveryPresentKeyOfTheRangeInOrder) {
    filled m(1000);
    // 1,003 keys (not a multiple of the batch), a third absent, with repeats.
    std::vector<std::int64_t> keys;
    for (std::int64_t i = 0; i < 1003; ++i) keys.push_back((i * 7919) % 1500);
    std::size_t present = 0;
    for (std::int64_t k : keys) present += k < 1000;
    std::vector<std::int64_t> order;
    EXPECT_EQ(present, m.visit(keys.begin(), keys.end(), [&](auto& e) {
        static_assert(!is_const_entry<decltype(e)>);
        order.push_back(e.first);
        e.second += 1;
    }));
    std::vector<std::int64_t> want;
    for (std::int64_t k : keys)
        if (k < 1000) want.push_back(k);
    EXPECT_EQ(want, order);  // the keys' order, one visit per occurrence
    std::int64_t extra = 0;
    m.cvisit_all([&](const auto& e) { extra += e.second - e.first * 10; });
    EXPECT_EQ(static_cast<std::int64_t>(present), extra);

    // Const and cvisit forms; a forward-only range; an empty range.
    std::forward_list<std::int64_t> fl(keys.begin(), keys.begin() + 40);
    std::size_t fl_present = 0;
    for (std::int64_t k : fl) fl_present += k < 1000;
    const cmap& cm = m;
    EXPECT_EQ(fl_present, cm.visit(fl.begin(), fl.end(), [](auto& e) { static_assert(is_const_entry<decltype(e)>); }));
    EXPECT_EQ(fl_present, m.cvisit(fl.begin(), fl.end(), [](auto& e) { static_assert(is_const_entry<decltype(e)>); }));
    EXPECT_EQ(0u, m.visit(keys.begin(), keys.begin(), [](auto&) { ADD_FAILURE(); }));
}

TEST(Visit, VisitAllAndVisitWhile) {
    filled m(500);
    EXPECT_EQ(500u, m.visit_all([](auto& e) {
        static_assert(!is_const_entry<decltype(e)>);
        e.second = -e.first;
    }));
    std::int64_t sum = 0;
    EXPECT_EQ(500u, m.cvisit_all([&](auto& e) {
        static_assert(is_const_entry<decltype(e)>);
        sum += e.second;
    }));
    EXPECT_EQ(-(499 * 500 / 2), sum);
    const cmap& cm = m;
    EXPECT_EQ(500u, cm.visit_all([](auto& e) { static_assert(is_const_entry<decltype(e)>); }));

    int calls = 0;
    EXPECT_FALSE(m.visit_while([&](auto&) { return ++calls < 10; }));  // stops at the 10th
    EXPECT_EQ(10, calls);
    calls = 0;
    EXPECT_TRUE(m.cvisit_while([&](auto&) { return ++calls > 0; }));
    EXPECT_EQ(500, calls);
    calls = 0;
    EXPECT_FALSE(cm.visit_while([&](auto&) { return ++calls < 3; }));
    EXPECT_EQ(3, calls);
    cmap empty(4);
    EXPECT_EQ(0u, empty.visit_all([](auto&) { ADD_FAILURE(); }));
    EXPECT_TRUE(empty.visit_while([](auto&) { return false; }));
}

// Counts how many values are built, to check what try_emplace builds.
struct built {
    static inline int count = 0;
    std::string s;
    built(std::size_t n, char c) : s(n, c) { ++count; }
};

TEST(Visit, InsertEmplaceTryEmplaceReturnWhetherTheyInserted) {
    cmap m(4);
    EXPECT_TRUE(m.insert({1, 10}));
    EXPECT_FALSE(m.insert({1, 11}));
    const std::pair<const std::int64_t, std::int64_t> v{2, 20};
    EXPECT_TRUE(m.insert(v));
    EXPECT_TRUE(m.emplace(3, 30));
    EXPECT_FALSE(m.emplace(3, 31));
    EXPECT_TRUE(m.emplace(std::piecewise_construct, std::forward_as_tuple(4), std::forward_as_tuple(40)));
    EXPECT_TRUE(m.try_emplace(5, 50));
    EXPECT_FALSE(m.try_emplace(5, 51));
    EXPECT_FALSE(m.insert_or_assign(5, 52));  // assigns
    EXPECT_TRUE(m.insert_or_assign(6, 60));
    EXPECT_EQ(10, *m.get(1));
    EXPECT_EQ(30, *m.get(3));
    EXPECT_EQ(40, *m.get(4));
    EXPECT_EQ(52, *m.get(5));
    EXPECT_EQ(6u, m.size());

    gomap::concurrent_map<std::int64_t, built> b(4);
    built::count = 0;
    EXPECT_TRUE(b.try_emplace(1, 3, 'x'));
    EXPECT_EQ(1, built::count);
    EXPECT_FALSE(b.try_emplace(1, 4, 'y'));  // present: nothing built
    EXPECT_EQ(1, built::count);
    EXPECT_EQ("xxx", b.get(1)->s);
}

TEST(Visit, OrVisitInsertsWhenAbsentAndVisitsWhenPresent) {
    cmap m(4);
    int visits = 0;
    auto bump = [&](auto& e) {
        static_assert(!is_const_entry<decltype(e)>);
        ++visits;
        e.second += 100;
    };
    EXPECT_TRUE(m.insert_or_visit({1, 1}, bump));
    EXPECT_EQ(0, visits);
    EXPECT_FALSE(m.insert_or_visit({1, 2}, bump));
    EXPECT_EQ(1, visits);
    EXPECT_EQ(101, *m.get(1));
    const std::pair<const std::int64_t, std::int64_t> v{1, 3};
    EXPECT_FALSE(m.insert_or_visit(v, bump));
    EXPECT_EQ(201, *m.get(1));

    std::int64_t seen = 0;
    auto look = [&](auto& e) {
        static_assert(is_const_entry<decltype(e)>);
        seen = e.second;
    };
    EXPECT_FALSE(m.insert_or_cvisit({1, 4}, look));
    EXPECT_EQ(201, seen);

    // emplace_or_visit(args..., f): the last argument is the visitor.
    EXPECT_TRUE(m.emplace_or_visit(10, 5, bump));
    EXPECT_FALSE(m.emplace_or_visit(10, 6, bump));
    EXPECT_EQ(105, *m.get(10));
    EXPECT_FALSE(m.emplace_or_cvisit(std::piecewise_construct, std::forward_as_tuple(10), std::forward_as_tuple(7), look));
    EXPECT_EQ(105, seen);

    // try_emplace_or_visit(k, args..., f): V built from args only when inserting.
    gomap::concurrent_map<std::int64_t, built> b(4);
    built::count = 0;
    int bv = 0;
    EXPECT_TRUE(b.try_emplace_or_visit(1, 2, 'a', [&](auto&) { ++bv; }));
    EXPECT_FALSE(b.try_emplace_or_visit(1, 9, 'b', [&](auto& e) {
        static_assert(!is_const_entry<decltype(e)>);
        ++bv;
        e.second.s += "!";
    }));
    EXPECT_EQ(1, built::count);
    EXPECT_EQ(1, bv);
    EXPECT_EQ("aa!", b.get(1)->s);
    const std::int64_t key = 2;  // an lvalue key
    EXPECT_TRUE(b.try_emplace_or_cvisit(key, 1, 'c', [&](auto&) { ++bv; }));
    EXPECT_FALSE(b.try_emplace_or_cvisit(key, 1, 'd', [&](auto& e) {
        static_assert(is_const_entry<decltype(e)>);
        EXPECT_EQ("c", e.second.s);
    }));
    EXPECT_EQ(2, built::count);
}

TEST(Visit, EraseAndEraseIfByKeyAndWholeMap) {
    filled m(2000);
    EXPECT_EQ(1u, m.erase(5));
    EXPECT_EQ(0u, m.erase(5));
    EXPECT_EQ(0u, m.erase_if(6, [](auto& e) { return e.second != 60; }));
    EXPECT_TRUE(m.contains(6));
    EXPECT_EQ(1u, m.erase_if(6, [](auto& e) {
        static_assert(!is_const_entry<decltype(e)>);
        return e.second == 60;
    }));
    EXPECT_FALSE(m.contains(6));
    EXPECT_EQ(0u, m.erase_if(6, [](auto&) { return true; }));
    // The whole-map form takes Boost's f(value_type&) as well as (k, v).
    EXPECT_EQ(999u, m.erase_if([](auto& e) { return e.first % 2 == 1 && e.first != 5; }));  // 5 already gone
    EXPECT_EQ(999u, m.size());  // 2,000 - {5, 6} - 999 odd keys
    EXPECT_EQ(999u, m.erase_if([](const std::int64_t&, const std::int64_t&) { return true; }));
    EXPECT_EQ(0u, m.size());
    EXPECT_EQ(0u, m.bytes());  // every shard gave its memory back
}

// Every insert_or_visit adds exactly one to its key's count, whether it
// inserted or visited: the final counts are exact, and each key was inserted
// by exactly one call.
TEST(VisitThreads, InsertOrVisitIsAtomic) {
    cmap m(16);
    constexpr int kThreads = 4, kKeys = 64, kRounds = 2000;
    std::atomic<int> inserted{0};
    run_threads(kThreads, [&](int t) {
        for (int r = 0; r < kRounds; ++r) {
            const std::int64_t k = (r * 31 + t) % kKeys;
            if (m.insert_or_visit({k, 1}, [](auto& e) { ++e.second; })) inserted.fetch_add(1);
        }
    });
    EXPECT_EQ(kKeys, inserted.load());
    std::int64_t total = 0;
    m.cvisit_all([&](const auto& e) { total += e.second; });
    EXPECT_EQ(std::int64_t{kThreads} * kRounds, total);
}

TEST(VisitThreads, TryEmplaceOrVisitHasOneWinnerPerKey) {
    cmap m(16);
    constexpr int kThreads = 4, kKeys = 5000;
    std::vector<std::atomic<int>> wins(kKeys);
    std::atomic<std::int64_t> visits{0};
    run_threads(kThreads, [&](int t) {
        for (int k = 0; k < kKeys; ++k)
            if (m.try_emplace_or_visit(k, t, [&](auto&) { visits.fetch_add(1); })) wins[k].fetch_add(1);
    });
    for (int k = 0; k < kKeys; ++k) ASSERT_EQ(1, wins[k].load()) << k;
    EXPECT_EQ(std::int64_t{kThreads - 1} * kKeys, visits.load());
}

// Readers visit while writers grow and shrink the shards: a key that stays
// present is always visited, with its value.
TEST(VisitThreads, VisitorsNeverMissWhileWritersResize) {
    cmap m(4);
    constexpr std::int64_t kStable = 1000;
    for (std::int64_t i = 0; i < kStable; ++i) m.set(i, i);
    std::atomic<bool> stop{false};
    std::atomic<int> misses{0};
    run_threads(4, [&](int t) {
        if (t < 2) {  // writers: churn keys above kStable through grows and shrinks
            for (int round = 0; round < 6; ++round) {
                const std::int64_t base = kStable + t * 1'000'000;
                for (std::int64_t i = 0; i < 20000; ++i) m.try_emplace(base + i, i);
                for (std::int64_t i = 0; i < 20000; ++i) m.erase(base + i);
            }
            stop.store(true);
        } else {  // readers
            std::vector<std::int64_t> keys;
            for (std::int64_t i = 0; i < kStable; ++i) keys.push_back(i);
            while (!stop.load()) {
                std::size_t n = m.cvisit(keys.begin(), keys.end(), [&](const auto& e) {
                    if (e.second != e.first) misses.fetch_add(1);
                });
                if (n != kStable) misses.fetch_add(1);
                for (std::int64_t i = 0; i < kStable; i += 97)
                    if (m.visit(i, [](auto&) {}) != 1) misses.fetch_add(1);
            }
        }
    });
    EXPECT_EQ(0, misses.load());
    EXPECT_EQ(static_cast<std::size_t>(kStable), m.size());
}

TEST(VisitThreads, AThrowingVisitorReleasesTheLock) {
    filled m(100);
    EXPECT_THROW(m.visit(3, [](auto& e) {
        e.second = 333;  // changed before the throw: stays changed
        throw std::runtime_error("visitor");
    }), std::runtime_error);
    expect_unlocked(m, 3);
    EXPECT_THROW(m.cvisit(4, [](auto&) { throw std::runtime_error("visitor"); }), std::runtime_error);
    expect_unlocked(m, 4);
    EXPECT_THROW(m.insert_or_visit({5, 0}, [](auto&) { throw std::runtime_error("visitor"); }), std::runtime_error);
    expect_unlocked(m, 5);
    EXPECT_THROW(m.visit_all([](auto& e) {
        if (e.first == 50) throw std::runtime_error("visitor");
    }), std::runtime_error);
    expect_unlocked(m, 50);
    std::vector<std::int64_t> keys{10, 11, 12};
    EXPECT_THROW(m.visit(keys.begin(), keys.end(), [](auto& e) {
        if (e.first == 11) throw std::runtime_error("visitor");
    }), std::runtime_error);
    expect_unlocked(m, 11);
    EXPECT_THROW(m.erase_if(12, [](auto&) -> bool { throw std::runtime_error("pred"); }), std::runtime_error);
    expect_unlocked(m, 12);
    EXPECT_TRUE(m.contains(12));
    EXPECT_EQ(100u, m.size());
}

}  // namespace
