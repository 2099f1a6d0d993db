// go_port_test.cpp — the behaviours Go's runtime/map_test.go checks, ported to
// gomap::go_map, plus the engine details they rest on (tophash states,
// evacuation, same-size grow, the seed, exact bucket bytes).
//
// Written from the Go 1.19 test file's intent, not its code. Where Go's test
// relies on something C++ cannot express the same way, the comment says how
// the port differs.

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using gomap::detail::emptyOne;
using gomap::detail::emptyRest;
using gomap::detail::minTopHash;

// The tophash bytes of one chain, head bucket first.
template <class Bucket>
std::vector<std::uint8_t> chain_tophash(const Bucket* head) {
    std::vector<std::uint8_t> out;
    for (const Bucket* b = head; b != nullptr; b = b->overflow)
        for (std::uint8_t t : b->tophash) out.push_back(t);
    return out;
}

// Go's MapTombstoneCheck, for every chain the map can be read from: live and
// emptyOne slots first, then only emptyRest, and the last slot before the
// emptyRest run is never emptyOne (a trailing emptyOne must have become
// emptyRest). Returns the number of chains checked.
template <class M>
std::size_t expect_tombstones_ok(const M& m) {
    std::size_t chains = 0;
    m.visit_chains([&](const auto* head, bool is_old) {
        ++chains;
        const auto th = chain_tophash(head);
        std::size_t n = 0;
        for (auto t : th)
            if (t != emptyRest) ++n;
        for (std::size_t k = 0; k < th.size(); ++k) {
            if (k < n) {
                ASSERT_NE(th[k], emptyRest) << "early emptyRest at chain slot " << k << " (old=" << is_old << ")";
                ASSERT_TRUE(th[k] == emptyOne || th[k] >= minTopHash)
                    << "evacuation mark " << int(th[k]) << " in a readable chain";
            } else {
                ASSERT_EQ(th[k], emptyRest) << "late non-emptyRest at chain slot " << k << " (old=" << is_old << ")";
            }
            if (n > 0 && k == n - 1) {
                ASSERT_NE(th[k], emptyOne) << "last non-emptyRest slot is emptyOne";
            }
        }
    });
    return chains;
}

template <class M>
void expect_all_empty_rest(const M& m) {
    std::size_t chains = 0;
    m.visit_chains([&](const auto* head, bool) {
        ++chains;
        const auto th = chain_tophash(head);
        for (std::size_t k = 0; k < th.size(); ++k) ASSERT_EQ(th[k], emptyRest) << "chain slot " << k;
    });
    EXPECT_GT(chains, 0u);
}

template <class M, class K>
std::uint64_t hash_of(const M& m, const K& k) {
    return m.hash_function()(k, m.stats().hash0);
}

// ---- TestMapTombstones ------------------------------------------------------

TEST(GoPort, MapTombstones) {
    gomap::go_map<int, int> m;
    constexpr int N = 10000;
    for (int i = 0; i < N; ++i) m[i] = i;
    expect_tombstones_ok(m);
    EXPECT_EQ(m.check_invariants(), "");

    for (int i = 0; i < N; i += 2) m.erase(i);
    expect_tombstones_ok(m);
    EXPECT_EQ(m.size(), std::size_t(N / 2));
    EXPECT_EQ(m.check_invariants(), "");

    for (int i = N; i < 3 * N / 2; ++i) m[i] = i;
    expect_tombstones_ok(m);
    EXPECT_EQ(m.check_invariants(), "");

    for (int i = 0; i < 3 * N / 2; ++i) m.erase(i);
    expect_tombstones_ok(m);
    EXPECT_TRUE(m.empty());
    // An emptied map is emptyRest everywhere: no chain keeps an emptyOne.
    expect_all_empty_rest(m);
    EXPECT_EQ(m.check_invariants(), "");
}

// The same rules while a grow is in progress (old chains are checked too).
TEST(GoPort, MapTombstonesWhileGrowing) {
    gomap::go_map<int, int> m;
    int n = 0;
    while (n < 6657) m[n++] = 0;  // the insert of 6657 starts the grow to B = 11
    ASSERT_TRUE(m.stats().resizing);
    ASSERT_EQ(m.stats().B, 11);
    bool saw_old = false;
    m.visit_chains([&](const auto*, bool is_old) { saw_old = saw_old || is_old; });
    EXPECT_TRUE(saw_old);
    for (int i = 0; i < n; i += 3) m.erase(i);
    expect_tombstones_ok(m);
    EXPECT_EQ(m.check_invariants(), "");
    for (int i = 0; i < n; ++i) m.erase(i);
    EXPECT_TRUE(m.empty());
    expect_all_empty_rest(m);
}

// One bucket (B = 0): key i sits in slot i, so the states can be checked slot by slot.
TEST(GoPort, TombstoneStatesInOneBucket) {
    gomap::go_map<int, int> m;
    for (int i = 0; i < 8; ++i) m[i] = i;
    ASSERT_EQ(m.stats().B, 0);
    auto head_tophash = [&] {
        std::vector<std::uint8_t> th;
        m.visit_chains([&](const auto* head, bool) { th = chain_tophash(head); });
        return th;
    };
    auto th = head_tophash();
    ASSERT_EQ(th.size(), 8u);  // no overflow bucket
    for (int i = 0; i < 8; ++i) {
        EXPECT_GE(th[i], minTopHash);
        EXPECT_EQ(th[i], gomap::detail::tophash(hash_of(m, i))) << "slot " << i;
    }

    m.erase(3);  // live entries follow: emptyOne
    th = head_tophash();
    EXPECT_EQ(th[3], emptyOne);
    m.erase(7);  // the last slot: emptyRest at once
    th = head_tophash();
    EXPECT_EQ(th[7], emptyRest);
    m.erase(5);  // slot 6 is live: emptyOne
    th = head_tophash();
    EXPECT_EQ(th[5], emptyOne);
    m.erase(6);  // 6 becomes the tail: 5 and 6 become emptyRest; 4 is live, so the walk stops
    th = head_tophash();
    EXPECT_EQ(th[6], emptyRest);
    EXPECT_EQ(th[5], emptyRest);
    EXPECT_GE(th[4], minTopHash);
    EXPECT_EQ(th[3], emptyOne);
    m.erase(4);  // the trailing run now reaches back over the emptyOne at 3
    th = head_tophash();
    for (int i = 3; i < 8; ++i) EXPECT_EQ(th[i], emptyRest) << "slot " << i;
    for (int i = 0; i < 3; ++i) EXPECT_GE(th[i], minTopHash) << "slot " << i;
    expect_tombstones_ok(m);

    // An insert takes the first free slot.
    m[100] = 100;
    th = head_tophash();
    EXPECT_GE(th[3], minTopHash);
    EXPECT_EQ(m.find(100)->second, 100);
    for (int i : {0, 1, 2}) EXPECT_EQ(m.at(i), i);

    for (int i : {0, 1, 2, 100}) m.erase(i);
    expect_all_empty_rest(m);
}

// The emptyRest walk crosses from an overflow bucket back into the bucket before it.
TEST(GoPort, TombstoneStatesAcrossOverflowBucket) {
    gomap::go_map<std::int64_t, int> m(13);  // B = 1 from the start, room for 13
    ASSERT_EQ(m.stats().B, 1);
    // Twelve keys of bucket 0: slots 0..7 of the head, 0..3 of one overflow bucket.
    std::vector<std::int64_t> k;
    for (std::int64_t x = 0; k.size() < 12; ++x)
        if ((hash_of(m, x) & 1) == 0) k.push_back(x);
    const auto seed = m.stats().hash0;
    for (std::size_t i = 0; i < k.size(); ++i) m[k[i]] = int(i);
    ASSERT_EQ(m.stats().hash0, seed);
    ASSERT_EQ(m.stats().B, 1);
    ASSERT_EQ(m.stats().overflow_buckets, 1u);

    std::vector<std::uint8_t> th;  // the chain of bucket 0: 16 slots
    auto load = [&] {
        th.clear();
        m.visit_chains([&](const auto* head, bool is_old) {
            ASSERT_FALSE(is_old);
            if (head->overflow != nullptr) th = chain_tophash(head);
        });
        ASSERT_EQ(th.size(), 16u);
    };
    load();
    for (std::size_t i = 0; i < 12; ++i) EXPECT_GE(th[i], minTopHash);
    for (std::size_t i = 12; i < 16; ++i) EXPECT_EQ(th[i], emptyRest);

    m.erase(k[7]);  // last slot of the head, but the overflow bucket holds entries
    load();
    EXPECT_EQ(th[7], emptyOne);
    m.erase(k[11]);  // last entry of the chain
    load();
    EXPECT_EQ(th[11], emptyRest);
    m.erase(k[9]);
    load();
    EXPECT_EQ(th[9], emptyOne);
    m.erase(k[10]);  // 9..15 emptyRest, 8 live
    load();
    EXPECT_EQ(th[9], emptyRest);
    EXPECT_EQ(th[10], emptyRest);
    EXPECT_GE(th[8], minTopHash);
    m.erase(k[8]);  // the run goes back into the head bucket: 7 becomes emptyRest, 6 is live
    load();
    for (std::size_t i = 7; i < 16; ++i) EXPECT_EQ(th[i], emptyRest) << "chain slot " << i;
    EXPECT_GE(th[6], minTopHash);
    expect_tombstones_ok(m);
    EXPECT_EQ(m.stats().overflow_buckets, 1u);  // Go keeps the empty overflow bucket chained

    // A new key of bucket 0 lands in the first free slot, 7.
    std::int64_t extra = k.back() + 1;
    while ((hash_of(m, extra) & 1) != 0) ++extra;
    m[extra] = 99;
    load();
    EXPECT_GE(th[7], minTopHash);
    for (std::size_t i = 8; i < 16; ++i) EXPECT_EQ(th[i], emptyRest);
    for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(m.at(k[i]), int(i));
    EXPECT_EQ(m.at(extra), 99);
    EXPECT_EQ(m.check_invariants(), "");

    // Emptying the map leaves nothing but emptyRest, and re-draws the seed.
    for (std::size_t i = 0; i < 7; ++i) m.erase(k[i]);
    m.erase(extra);
    EXPECT_TRUE(m.empty());
    expect_all_empty_rest(m);
    EXPECT_NE(m.stats().hash0, seed);
}

// ---- TestIterGrowAndDelete --------------------------------------------------

TEST(GoPort, IterGrowAndDelete) {
    gomap::go_map<int, int> m(4);
    for (int i = 0; i < 100; ++i) m[i] = i;
    bool first = true;
    std::map<int, int> seen;
    m.range([&](const int& k, int&) {
        ++seen[k];
        if (first) {
            first = false;
            for (int i = 100; i < 1000; ++i) m[i] = i;        // enough to grow the table twice over
            for (int i = 1; i < 1000; i += 2) m.erase(i);     // every odd key
        } else {
            EXPECT_EQ(k % 2, 0) << "odd key " << k << " returned after it was erased";
        }
    });
    for (const auto& [k, n] : seen) EXPECT_EQ(n, 1) << "key " << k << " visited " << n << " times";
    // Keys present for the whole loop are each visited exactly once.
    for (int i = 0; i < 100; i += 2) EXPECT_EQ(seen.count(i), 1u) << "key " << i << " missed";
    EXPECT_EQ(m.size(), 500u);
    EXPECT_EQ(m.check_invariants(), "");
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(m.contains(i), i % 2 == 0) << i;

    // The grow held back during the loop happens afterwards.
    for (int i = 1000; i < 3000; ++i) m[i] = i;
    EXPECT_EQ(m.check_invariants(), "");
    EXPECT_GE(m.stats().B, 8);
    for (int i = 0; i < 3000; ++i) ASSERT_EQ(m.contains(i), i % 2 == 0 || i >= 1000) << i;
}

// TestGrowWithNaN: NaN entries survive a loop that forces a resize.
TEST(GoPort, GrowWithNaN) {
    gomap::go_map<double, int> m(4);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    m[nan] = 1;
    m[nan] = 2;
    m[nan] += 4;
    ASSERT_EQ(m.size(), 3u);
    int cnt = 0, s = 0;
    bool grow = true;
    m.range([&](const double& k, int& v) {
        if (grow) {
            grow = false;
            for (int i = 0; i < 50; ++i) m[double(i)] = i;
            for (int i = 50; i < 100; ++i) m[double(i)] += i;
        }
        if (k != k) {
            ++cnt;
            s |= v;
        }
    });
    EXPECT_EQ(cnt, 3);
    EXPECT_EQ(s, 7);
    EXPECT_EQ(m.size(), 103u);
}

// ---- TestMapNanGrowIterator and NaN semantics -------------------------------

TEST(GoPort, NanKeysAreAlwaysNew) {
    gomap::go_map<double, int> m;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (int i = 0; i < 50; ++i) {
        auto [it, inserted] = m.try_emplace(nan, i);
        EXPECT_TRUE(inserted);
        EXPECT_TRUE(std::isnan(it->first));
        EXPECT_EQ(it->second, i);
    }
    m.insert_or_assign(nan, 50);
    m.insert({nan, 51});
    m.emplace(nan, 52);
    m[nan] = 53;
    EXPECT_EQ(m.size(), 54u);
    EXPECT_EQ(m.find(nan), m.end());
    EXPECT_FALSE(m.contains(nan));
    EXPECT_EQ(m.count(nan), 0u);
    EXPECT_THROW((void)m.at(nan), std::out_of_range);
    EXPECT_EQ(m.erase(nan), 0u);
    EXPECT_EQ(m.size(), 54u);
    std::set<int> values;
    for (const auto& [k, v] : m) {
        EXPECT_TRUE(std::isnan(k));
        values.insert(v);
    }
    EXPECT_EQ(values.size(), 54u);
    EXPECT_EQ(m.check_invariants(), "");
    const auto seed = m.stats().hash0;
    m.clear();  // the only way to drop NaN keys by key-free means, as in Go
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.begin(), m.end());
    EXPECT_NE(m.stats().hash0, seed);
}

// Not in Go (which has no iterators): an iterator does reach a NaN entry, so
// erase(iterator) / erase_if can remove it.
TEST(GoPort, NanEntriesCanBeErasedThroughIterators) {
    gomap::go_map<double, int> m;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (int i = 0; i < 20; ++i) m[nan] = i;
    for (int i = 0; i < 20; ++i) m[double(i)] = i;
    EXPECT_EQ(gomap::erase_if(m, [](const auto& e) { return std::isnan(e.first); }), 20u);
    EXPECT_EQ(m.size(), 20u);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(m.at(double(i)), i);
}

TEST(GoPort, MapNanGrowIterator) {
    gomap::go_map<double, int> m;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    constexpr int nBuckets = 16;
    constexpr int nKeys = nBuckets * 13 / 2;  // fills 16 buckets to the load factor
    for (int i = 0; i < nKeys; ++i) m[nan] = i;
    ASSERT_EQ(m.stats().B, 4);
    m[1.0] = 1;  // over the load factor: starts the grow to 32 buckets
    m.erase(1.0);
    ASSERT_EQ(m.stats().B, 5);
    ASSERT_TRUE(m.stats().resizing) << "the test needs a map in the middle of a grow";

    // range() over the half-grown map; half-way, the body writes to the map.
    // (Go finishes the grow there; range() pauses evacuation instead, so the
    // port writes other keys and checks that no NaN entry is lost or repeated.)
    std::set<int> found;
    m.range([&](const double&, int& v) {
        if (v != -1) {
            EXPECT_TRUE(found.insert(v).second) << "repeat of value " << v;
        }
        if (found.size() == std::size_t(nKeys / 2)) {
            for (int i = 0; i < nBuckets; ++i) {
                m[2.0 + i] = -1;
                m.erase(2.0 + i);
            }
        }
    });
    EXPECT_EQ(found.size(), std::size_t(nKeys));
    EXPECT_EQ(m.size(), std::size_t(nKeys));

    // Iterators over the half-grown map: old chains are split between X and Y
    // by the NaN rule (tophash & 1), each NaN entry exactly once.
    auto values_once = [&](const char* when) {
        std::multiset<int> vs;
        for (auto it = m.begin(); it != m.end(); ++it) {
            EXPECT_TRUE(std::isnan(it->first)) << when;
            vs.insert(it->second);
        }
        ASSERT_EQ(vs.size(), std::size_t(nKeys)) << when;
        for (int i = 0; i < nKeys; ++i) EXPECT_EQ(vs.count(i), 1u) << when << ": value " << i;
    };
    ASSERT_TRUE(m.stats().resizing);
    values_once("mid-grow");
    EXPECT_EQ(m.check_invariants(), "");

    // Finish the grow with ordinary writes, then look again.
    int steps = 0;
    while (m.stats().resizing) {
        m[1.0] = -1;
        m.erase(1.0);
        ASSERT_LT(++steps, 100);
    }
    EXPECT_EQ(m.stats().B, 5);
    values_once("after the grow");
    EXPECT_EQ(m.check_invariants(), "");
    m.clear();
    EXPECT_TRUE(m.empty());
}

// ---- TestNegativeZero / TestGrowWithNegativeZero ------------------------------

TEST(GoPort, NegativeZeroIsOneKey) {
    const double negzero = std::copysign(0.0, -1.0);
    {
        gomap::go_map<double, bool> m;
        m.insert_or_assign(+0.0, true);
        m.insert_or_assign(negzero, true);  // Go's needkeyupdate: the key becomes -0
        ASSERT_EQ(m.size(), 1u);
        EXPECT_TRUE(std::signbit(m.begin()->first));
    }
    {
        gomap::go_map<double, bool> m;
        m.insert_or_assign(negzero, true);
        m.insert_or_assign(+0.0, true);  // the key becomes +0
        ASSERT_EQ(m.size(), 1u);
        EXPECT_FALSE(std::signbit(m.begin()->first));
    }
    {
        gomap::go_map<double, int> m;
        m[negzero] = 1;
        m[+0.0] += 2;
        ASSERT_EQ(m.size(), 1u);
        EXPECT_EQ(m.at(negzero), 3);
        EXPECT_EQ(m.at(0.0), 3);
        EXPECT_TRUE(m.contains(0.0));
        EXPECT_EQ(m.erase(0.0), 1u);
        EXPECT_TRUE(m.empty());
    }
    {
        gomap::go_map<float, int> m;
        m.insert_or_assign(-0.0f, 1);
        auto r = m.insert_or_assign(0.0f, 2);
        EXPECT_FALSE(r.second);
        ASSERT_EQ(m.size(), 1u);
        EXPECT_FALSE(std::signbit(m.begin()->first));
        EXPECT_EQ(m.begin()->second, 2);
    }
}

TEST(GoPort, GrowWithNegativeZero) {
    const double negzero = std::copysign(0.0, -1.0);
    gomap::go_map<double, int> m(4);
    m.insert_or_assign(0.0, 1);
    m.insert_or_assign(1.5, 2);
    m.insert_or_assign(2.5, 4);
    m.insert_or_assign(3.5, 8);
    bool grow = true;
    int cnt = 0, s = 0;
    m.range([&](const double& k, int& v) {
        if (v == 0) return;  // entries added to grow the table
        ++cnt;
        s |= v & 15;
        if (grow) {
            grow = false;
            for (int i = 0; i < 100; ++i) m[100.0 + i] = 0;
            m.insert_or_assign(negzero, 1 | 16);  // the key becomes -0, value and key updated together
        } else if (k == 0.0) {
            EXPECT_TRUE(std::signbit(k));
            EXPECT_EQ(v, 1 | 16);
        }
    });
    EXPECT_EQ(s, 15);
    EXPECT_EQ(cnt, 4);
    EXPECT_EQ(m.size(), 104u);
    auto it = m.find(0.0);
    ASSERT_NE(it, m.end());
    EXPECT_TRUE(std::signbit(it->first));
    EXPECT_EQ(it->second, 17);

    // The key keeps its sign through evacuation...
    for (int i = 0; i < 2000; ++i) m[1000.0 + i] = 0;
    it = m.find(negzero);
    ASSERT_NE(it, m.end());
    EXPECT_TRUE(std::signbit(it->first));
    // ...and is updated again in the middle of a grow.
    while (!m.stats().resizing) m[double(m.size()) + 5000.0] = 0;
    m.insert_or_assign(+0.0, 5);
    it = m.find(negzero);
    ASSERT_NE(it, m.end());
    EXPECT_FALSE(std::signbit(it->first));
    EXPECT_EQ(it->second, 5);
    EXPECT_EQ(m.check_invariants(), "");
}

// ---- TestMapIterOrder / TestMapSparseIterOrder --------------------------------

template <class M>
std::vector<int> range_order(M& m) {
    std::vector<int> out;
    m.range([&](const int& k, auto&) { out.push_back(k); });
    return out;
}

TEST(GoPort, MapIterOrder) {
    for (int n : {3, 7, 9, 15}) {
        for (int round = 0; round < 1000; ++round) {
            gomap::go_map<int, bool> m;
            for (int i = 0; i < n; ++i) m[i] = true;
            const auto first = range_order(m);
            ASSERT_EQ(first.size(), std::size_t(n));
            bool differs = false;
            for (int t = 0; t < 100 && !differs; ++t) differs = range_order(m) != first;
            ASSERT_TRUE(differs) << "map with " << n << " entries had a constant range() order";
        }
    }
}

TEST(GoPort, MapIterOrderConstRange) {
    gomap::go_map<int, bool> m;
    for (int i = 0; i < 9; ++i) m[i] = true;
    const auto& cm = m;
    auto order = [&] {
        std::vector<int> v;
        cm.range([&](const int& k, const bool&) { v.push_back(k); });
        return v;
    };
    const auto first = order();
    bool differs = false;
    for (int t = 0; t < 100 && !differs; ++t) differs = order() != first;
    EXPECT_TRUE(differs);
}

TEST(GoPort, MapSparseIterOrder) {
    for (int round = 0; round < 10; ++round) {
        gomap::go_map<int, bool> m;
        for (int i = 0; i < 1000; ++i) m[i] = true;
        for (int i = 20; i < 1000; ++i) m.erase(i);
        const auto first = range_order(m);
        ASSERT_EQ(first.size(), 20u);
        bool differs = false;
        for (int t = 0; t < 800 && !differs; ++t) differs = range_order(m) != first;
        ASSERT_TRUE(differs) << "constant range() order on round " << round;
    }
}

// begin()/end() is bucket order: the same for an unchanged map (not random).
TEST(GoPort, IteratorOrderIsStableForAnUnchangedMap) {
    gomap::go_map<int, int> m;
    for (int i = 0; i < 500; ++i) m[i] = i;
    std::vector<int> a, b;
    for (const auto& e : m) a.push_back(e.first);
    for (const auto& e : m) b.push_back(e.first);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.size(), 500u);
}

// ---- TestBigItems and friends (entries kept out of line) ---------------------

struct big_key {
    std::array<std::string, 16> a;
    friend bool operator==(const big_key&, const big_key&) = default;
};
struct big_key_hash {
    std::uint64_t operator()(const big_key& k, std::uint64_t seed) const {
        for (const auto& s : k.a) seed = gomap::hash<std::string>{}(s, seed);
        return seed;
    }
};
using big_val = std::array<std::string, 16>;

TEST(GoPort, BigItems) {
    static_assert(sizeof(big_key) > 128 && sizeof(big_val) > 128);
    big_key key;
    key.a.fill("foo");
    gomap::go_map<big_key, big_val, big_key_hash> m(4);
    EXPECT_EQ(m.stats().bucket_size, 8 + 8 * sizeof(void*) + sizeof(void*));  // slots hold pointers
    for (int i = 0; i < 100; ++i) {
        key.a[7] = "string" + std::string(i < 10 ? "0" : "") + std::to_string(i);
        big_val v;
        v.fill("bar");
        v[7] = key.a[7];
        m[key] = v;
    }
    ASSERT_EQ(m.size(), 100u);
    std::vector<std::string> keys, values;
    m.range([&](const big_key& k, big_val& v) {
        keys.push_back(k.a[7]);
        values.push_back(v[7]);
    });
    std::sort(keys.begin(), keys.end());
    std::sort(values.begin(), values.end());
    for (int i = 0; i < 100; ++i) {
        const std::string want = "string" + std::string(i < 10 ? "0" : "") + std::to_string(i);
        EXPECT_EQ(keys[i], want);
        EXPECT_EQ(values[i], want);
    }
    EXPECT_EQ(m.check_invariants(), "");
}

// TestMapLargeKeyNoPointer / TestMapLargeValNoPointer.
TEST(GoPort, LargeKeyAndLargeValue) {
    using T = std::array<std::int64_t, 64>;
    struct t_hash {
        std::uint64_t operator()(const T& t, std::uint64_t seed) const {
            for (auto x : t) seed = gomap::hash<std::int64_t>{}(x, seed);
            return seed;
        }
    };
    auto make = [](int i) {
        T v;
        for (int j = 0; j < 64; ++j) v[j] = i + j;
        return v;
    };
    gomap::go_map<T, int, t_hash> mk;
    gomap::go_map<int, T> mv;
    for (int i = 0; i < 1000; ++i) {
        mk[make(i)] = i;
        mv[i] = make(i);
    }
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(mk.at(make(i)), i);
        ASSERT_EQ(mv.at(i), make(i));
    }
    EXPECT_EQ(mk.check_invariants(), "");
    EXPECT_EQ(mv.check_invariants(), "");
}

// Go's maxKeySize / maxElemSize: 128 bytes stay in the bucket, 129 go out of line.
TEST(GoPort, OutOfLineThreshold) {
    struct k128 {
        char c[128];
    };
    struct k129 {
        char c[129];
    };
    using direct = gomap::detail::slot_traits<std::int64_t, k128>;
    using indirect_v = gomap::detail::slot_traits<std::int64_t, k129>;
    using indirect_k = gomap::detail::slot_traits<k129, std::int64_t>;
    static_assert(!direct::indirect);
    static_assert(indirect_v::indirect);
    static_assert(indirect_k::indirect);
    gomap::go_map<std::int64_t, k128> a;
    gomap::go_map<std::int64_t, k129> b;
    EXPECT_GE(a.stats().bucket_size, 8 * sizeof(std::pair<const std::int64_t, k128>));
    EXPECT_EQ(b.stats().bucket_size, 8 + 8 * sizeof(void*) + sizeof(void*));
}

// ---- TestMapBuckets -----------------------------------------------------------

TEST(GoPort, MapBucketsForHints) {
    struct row {
        std::size_t hint;
        int B;
    };
    for (row r : {row{0, 0}, row{1, 0}, row{8, 0}, row{9, 1}, row{13, 1}, row{14, 2}, row{26, 2}, row{27, 3},
                  row{100, 4}, row{1000, 8}, row{10000, 11}, row{100000, 14}, row{1000000, 18}}) {
        gomap::go_map<int, int> m(r.hint);
        EXPECT_EQ(m.stats().B, r.B) << "hint " << r.hint;
        EXPECT_EQ(m.bucket_count(), std::size_t{1} << r.B) << "hint " << r.hint;
        EXPECT_EQ(m.stats().resizes, 0u);
        if (r.B == 0) {
            EXPECT_EQ(m.stats().buckets, 0u) << "B = 0: the single bucket is allocated on first insert";
            EXPECT_EQ(m.stats().bytes, 0u);
        } else {
            EXPECT_EQ(m.stats().buckets, std::size_t{1} << r.B);
        }
        // As many inserts as the hint said: no grow.
        if (r.hint <= 10000) {
            for (std::size_t i = 0; i < r.hint; ++i) m[int(i)] = 0;
            EXPECT_EQ(m.stats().B, r.B) << "hint " << r.hint;
            EXPECT_EQ(m.stats().resizes, 0u) << "hint " << r.hint;
        }
    }
}

// Go's mapBucketTests: buckets after n inserts, with and without a hint.
TEST(GoPort, MapBucketsAfterInserts) {
    struct row {
        int n;
        std::size_t buckets;
    };
    for (row r : {row{0, 1}, row{1, 1}, row{8, 1}, row{9, 2}, row{13, 2}, row{14, 4}, row{26, 4}}) {
        gomap::go_map<int, int> nohint;
        gomap::go_map<int, int> hinted(static_cast<std::size_t>(r.n));
        for (int i = 0; i < r.n; ++i) nohint[i] = hinted[i] = i;
        EXPECT_EQ(nohint.bucket_count(), r.buckets) << "n=" << r.n;
        EXPECT_EQ(hinted.bucket_count(), r.buckets) << "n=" << r.n;
    }
}

TEST(GoPort, BTrajectoryWhileInserting) {
    // n at which B changes, and the new B. B is the new array's as soon as
    // the insert that starts the grow returns.
    const std::vector<std::pair<int, int>> changes = {{9, 1},     {14, 2},    {27, 3},    {53, 4},
                                                      {105, 5},   {209, 6},   {417, 7},   {833, 8},
                                                      {1665, 9},  {3329, 10}, {6657, 11}, {13313, 12}};
    gomap::go_map<std::int64_t, std::int64_t> m;
    int want = 0;
    std::size_t next = 0;
    std::size_t resizes = 0;
    for (int n = 1; n <= 20000; ++n) {
        m[n] = n;
        const auto s = m.stats();
        if (next < changes.size() && n == changes[next].first) {
            want = changes[next].second;
            ++next;
            ++resizes;
            EXPECT_EQ(s.resizes, resizes) << "n=" << n;
            if (want >= 3) {  // from 4 old buckets on, one insert cannot finish the evacuation
                EXPECT_TRUE(s.resizing) << "n=" << n;
                EXPECT_EQ(s.direction, gomap::resize_direction::grow) << "n=" << n;
                EXPECT_EQ(s.old_B, want - 1) << "n=" << n;
            }
        }
        ASSERT_EQ(s.B, want) << "after inserting key " << n;
    }
    EXPECT_EQ(next, changes.size());
    EXPECT_EQ(m.check_invariants(), "");
}

// ---- TestIgnoreBogusMapHint ------------------------------------------------------

TEST(GoPort, BogusMapHint) {
    using M = gomap::go_map<int, int>;
    // Go ignores a negative or absurd hint; the C++ port throws length_error
    // above max_size() (a negative Go int is a huge size_t here).
    EXPECT_THROW({ M bogus(static_cast<std::size_t>(-1)); }, std::length_error);
    EXPECT_THROW({ M bogus(std::size_t{1} << 62); }, std::length_error);
    EXPECT_THROW({ M bogus(M().max_size() + 1); }, std::length_error);

    M m;
    for (int i = 0; i < 100; ++i) m[i] = i;
    const auto before = m.stats();
    EXPECT_THROW(m.reserve(static_cast<std::size_t>(-1)), std::length_error);
    EXPECT_THROW(m.reserve(std::size_t{1} << 62), std::length_error);
    EXPECT_THROW(m.rehash(static_cast<std::size_t>(-1)), std::length_error);
    const auto after = m.stats();
    EXPECT_EQ(after.B, before.B);
    EXPECT_EQ(after.bytes, before.bytes);
    EXPECT_EQ(after.resizes, before.resizes);
    // Still usable.
    for (int i = 100; i < 200; ++i) m[i] = i;
    for (int i = 0; i < 200; ++i) ASSERT_EQ(m.at(i), i);
    EXPECT_EQ(m.check_invariants(), "");
}

// ---- TestIncrementAfterDelete* ------------------------------------------------------

template <class V>
void increment_after_delete() {
    gomap::go_map<int, V> m;
    m[12] = 99;
    m.erase(12);
    m[13]++;
    EXPECT_EQ(m[13], V(1));
    EXPECT_EQ(m.size(), 1u);
}

TEST(GoPort, IncrementAfterDeleteValueInt) { increment_after_delete<int>(); }
TEST(GoPort, IncrementAfterDeleteValueInt32) { increment_after_delete<std::int32_t>(); }
TEST(GoPort, IncrementAfterDeleteValueInt64) { increment_after_delete<std::int64_t>(); }

TEST(GoPort, IncrementAfterDeleteKeyStringValueInt) {
    gomap::go_map<std::string, int> m;
    m[""] = 99;
    m.erase("");
    m["x"] += 1;
    EXPECT_EQ(m["x"], 1);
}

TEST(GoPort, IncrementAfterDeleteKeyValueString) {
    gomap::go_map<std::string, std::string> m;
    m[""] = "99";
    m.erase("");
    m["x"] += "1";
    EXPECT_EQ(m["x"], "1");
}

TEST(GoPort, IncrementAfterBulkClearKeyStringValueInt) {
    gomap::go_map<std::string, int> m;
    m[""] = 99;
    for (auto it = m.begin(); it != m.end();) it = m.erase(it);
    m["x"]++;
    EXPECT_EQ(m["x"], 1);
    m.clear();
    m["x"]++;
    EXPECT_EQ(m["x"], 1);
}

// Many keys deleted, then increments of others (the pattern at scale).
TEST(GoPort, IncrementAfterManyDeletes) {
    gomap::go_map<int, int> m;
    for (int i = 0; i < 5000; ++i) m[i] = 99;
    for (int i = 0; i < 5000; i += 2) m.erase(i);
    for (int i = 5000; i < 10000; ++i) m[i]++;
    for (int i = 5000; i < 10000; ++i) ASSERT_EQ(m.at(i), 1);
    for (int i = 1; i < 5000; i += 2) ASSERT_EQ(m.at(i), 99);
}

// ---- same-size grow -------------------------------------------------------------------

// Overflow buckets left behind by deletes pile up at a small B until there are
// as many as buckets (tooManyOverflowBuckets): the next insert starts a grow
// to the same B that compacts the chains.
TEST(GoPort, SameSizeGrowFromOverflowBuckets) {
    gomap::go_map<std::int64_t, int> m;
    constexpr std::int64_t live = 20;  // B = 2 (13 < 20 <= 26)
    for (std::int64_t i = 0; i < live; ++i) m[i] = 0;
    ASSERT_EQ(m.stats().B, 2);
    const std::size_t resizes0 = m.stats().resizes;
    bool saw_same_size = false;
    std::int64_t next = live;
    for (int cycle = 0; cycle < 1000000 && !saw_same_size; ++cycle) {
        auto look = [&](const char* after) {
            const auto s = m.stats();
            ASSERT_EQ(s.B, 2) << "cycle " << cycle << ", after the " << after;
            if (s.direction == gomap::resize_direction::same_size) {
                saw_same_size = true;
                EXPECT_EQ(s.old_B, 2);
                EXPECT_TRUE(s.resizing);
                EXPECT_GT(s.resizes, resizes0);
            }
        };
        m[next] = 0;  // a new key (the insert that may start the grow; it
        look("insert");  // evacuates at most 2 of the 4 old buckets)...
        m.erase(next - live);  // ...and the oldest one goes
        look("erase");
        ++next;
        ASSERT_EQ(m.size(), std::size_t(live));
        if (cycle % 997 == 0) {
            ASSERT_EQ(m.check_invariants(), "") << "cycle " << cycle;
        }
    }
    EXPECT_TRUE(saw_same_size);
    EXPECT_GT(m.stats().resizes, resizes0);
    EXPECT_EQ(m.stats().B, 2);
    EXPECT_EQ(m.check_invariants(), "");
    for (std::int64_t k = next - live; k < next; ++k) ASSERT_TRUE(m.contains(k)) << k;
    expect_tombstones_ok(m);
}

// A same-size grow compacts: after it, only chains holding more than 8 live
// entries have overflow buckets.
TEST(GoPort, SameSizeGrowCompactsChains) {
    gomap::go_map<std::int64_t, int> m;
    constexpr std::int64_t live = 20;
    for (std::int64_t i = 0; i < live; ++i) m[i] = 0;
    const std::size_t resizes0 = m.stats().resizes;
    std::int64_t next = live;
    for (int cycle = 0; cycle < 1000000 && m.stats().resizes == resizes0; ++cycle) {
        m[next] = 0;
        m.erase(next - live);
        ++next;
    }
    ASSERT_GT(m.stats().resizes, resizes0) << "no same-size grow happened";
    while (m.stats().resizing) {  // finish it with ordinary writes
        m[next] = 0;
        m.erase(next - live);
        ++next;
    }
    // Count overflow buckets a compact layout needs.
    std::size_t needed = 0, have = 0;
    m.visit_chains([&](const auto* head, bool) {
        std::size_t n = 0, buckets = 0;
        for (const auto* b = head; b; b = b->overflow) {
            ++buckets;
            for (auto t : b->tophash) n += t >= minTopHash;
        }
        have += buckets - 1;
        needed += n == 0 ? 0 : (n - 1) / 8;
    });
    EXPECT_EQ(have, m.stats().overflow_buckets);
    // The few writes made while the grow finished may each have added one
    // bucket beyond the compact layout; nothing more is left over.
    EXPECT_LE(have, needed + 4);
    EXPECT_EQ(m.check_invariants(), "");
}

// ---- the seed (hash0) ---------------------------------------------------------------

TEST(GoPort, Hash0RedrawnWhenEmptied) {
    gomap::go_map<int, int> m;
    for (int i = 0; i < 100; ++i) m[i] = i;
    const auto h0 = m.stats().hash0;
    for (int i = 0; i < 99; ++i) m.erase(i);
    EXPECT_EQ(m.stats().hash0, h0) << "the seed changes only when the map becomes empty";
    EXPECT_EQ(m.erase(12345), 0u);
    EXPECT_EQ(m.stats().hash0, h0);
    m.erase(99);
    const auto h1 = m.stats().hash0;
    EXPECT_NE(h1, h0);
    for (int i = 0; i < 100; ++i) m[i] = i;
    EXPECT_EQ(m.stats().hash0, h1) << "inserts keep the seed";
    for (int i = 0; i < 100; ++i) ASSERT_EQ(m.at(i), i);

    // erase(iterator) emptying the map re-draws it too.
    for (auto it = m.begin(); it != m.end();) it = m.erase(it);
    const auto h2 = m.stats().hash0;
    EXPECT_NE(h2, h1);

    // clear() re-draws it.
    for (int i = 0; i < 100; ++i) m[i] = i;
    EXPECT_EQ(m.stats().hash0, h2);
    m.clear();
    EXPECT_NE(m.stats().hash0, h2);
}

// ---- exact bucket bytes ------------------------------------------------------------

struct P24 {
    std::int64_t a = 0, b = 0, c = 0;
};

TEST(GoPort, ExactBucketBytes) {
    static_assert(sizeof(P24) == 24);
    gomap::go_map<std::int64_t, P24> m(10000);
    auto s = m.stats();
    EXPECT_EQ(s.bucket_size, 272u);  // 8 tophash + 8 * (8 + 24) + 8 overflow pointer
    EXPECT_EQ(s.B, 11);
    EXPECT_EQ(s.buckets, 2048u);
    // (2048 + 2048/16) * 272 = 591872 bytes; Go's allocator rounds that up to
    // 73 pages = 598016 bytes and makeBucketArray keeps the slack as spare
    // overflow buckets: 598016 / 272 = 2198 buckets in all.
    EXPECT_EQ(gomap::detail::go_roundupsize((2048 + 128) * 272), 598016u);
    EXPECT_EQ(s.preallocated_overflow, 150u);
    EXPECT_EQ(s.bytes, 2198u * 272u);
    EXPECT_EQ(s.overflow_buckets, 0u);

    for (std::int64_t i = 0; i < 10000; ++i) m[i] = P24{i, i, i};
    s = m.stats();
    EXPECT_EQ(s.B, 11);
    EXPECT_EQ(s.resizes, 0u);
    // Overflow buckets come from the 150 spares first; only beyond them are
    // buckets allocated one at a time.
    const std::size_t extra = s.overflow_buckets > 150 ? s.overflow_buckets - 150 : 0;
    EXPECT_EQ(s.bytes, (2198u + extra) * 272u);
    const auto filled = s;

    for (std::int64_t i = 0; i < 10000; ++i) m.erase(i);
    s = m.stats();
    EXPECT_EQ(s.count, 0u);
    EXPECT_EQ(s.bytes, filled.bytes) << "go_map gives nothing back on erase, as Go does";
    EXPECT_EQ(s.B, 11);
    EXPECT_EQ(s.overflow_buckets, filled.overflow_buckets);

    // clear() of an empty map returns at once (Go's mapclear: count == 0).
    m.clear();
    s = m.stats();
    EXPECT_EQ(s.bytes, filled.bytes);
    EXPECT_EQ(s.overflow_buckets, filled.overflow_buckets);

    // clear() of a non-empty map keeps the array and drops single overflow buckets.
    m[1] = P24{1, 1, 1};
    m.clear();
    s = m.stats();
    EXPECT_EQ(s.B, 11);
    EXPECT_EQ(s.bytes, 2198u * 272u);
    EXPECT_EQ(s.overflow_buckets, 0u);
    EXPECT_EQ(s.preallocated_overflow, 150u);
}

// Growth keeps the same arithmetic: the array after the grow to B = 11 has the
// same size as the hinted one.
TEST(GoPort, GrownArrayBytesMatchHintedArray) {
    gomap::go_map<std::int64_t, P24> m;
    for (std::int64_t i = 1; i <= 6657; ++i) m[i] = P24{};
    ASSERT_EQ(m.stats().B, 11);
    while (m.stats().resizing) m[std::int64_t(m.size()) + 1] = P24{};
    const auto s = m.stats();
    EXPECT_EQ(s.preallocated_overflow, 150u);
    const std::size_t extra = s.overflow_buckets > 150 ? s.overflow_buckets - 150 : 0;
    // After the old array is freed, only the new one and single overflow buckets remain.
    EXPECT_EQ(s.bytes, (2198u + extra) * 272u);
}

// Fidelity with runtime/map.go where gomap once deviated (issue #12).

// Go's evacuate sends a NaN key to X or Y by its tophash's low bit (with an
// iterator; without one by its random hash) and draws it a new random tophash,
// so NaNs keep spreading over the buckets as the map grows. Without the new
// tophash every NaN that went to Y once goes to Y at every later grow: 20,000
// NaN keys piled into few chains (527 overflow buckets where finite keys need
// about 231). Now both need about as many.
TEST(GoPort, NanKeysSpreadLikeFiniteKeysAcrossGrows) {
    gomap::go_map<double, int> nan, finite;
    for (int i = 0; i < 20000; ++i) {
        nan.emplace(std::nan(""), i);
        finite.emplace(static_cast<double>(i) + 0.5, i);
    }
    for (auto* m : {&nan, &finite}) {  // finish the grows in progress
        while (m->stats().resizing) m->emplace(std::nan(""), 0);
    }
    const auto n = nan.stats(), f = finite.stats();
    EXPECT_EQ(n.B, f.B);
    EXPECT_LE(n.overflow_buckets * 2, f.overflow_buckets * 3)
        << "NaN keys: " << n.overflow_buckets << " overflow buckets, finite keys: " << f.overflow_buckets;
    EXPECT_EQ(nan.check_invariants(), "");
}

// An insert made while a range() pauses a grow goes into its key's old chain.
// Go never adds an overflow bucket to an old chain (it evacuates first), and
// noverflow, which tooManyOverflowBuckets reads, counts the current array's
// overflow buckets only: such buckets must not count.
TEST(GoPort, OverflowBucketsOfOldChainsDoNotCountInNoverflow) {
    struct identity {
        std::uint64_t operator()(std::uint64_t k, std::uint64_t) const noexcept { return k; }
    };
    gomap::go_map<std::uint64_t, std::uint64_t, identity> m;
    std::uint64_t k = 0;
    while (!m.stats().resizing) m[k++] = 0;
    const auto before = m.stats();
    ASSERT_EQ(before.direction, gomap::resize_direction::grow);
    std::vector<std::size_t> old_not_evacuated;
    m.inspect_buckets([&](bool is_old, std::size_t j, const auto* head, bool evacuated) {
        if (is_old && head != nullptr && !evacuated) old_not_evacuated.push_back(j);
    });
    ASSERT_GE(old_not_evacuated.size(), 2u);
    const std::uint64_t stride = std::uint64_t{1} << before.old_B;
    bool once = true;
    m.range([&](const std::uint64_t&, std::uint64_t&) {
        if (!once) return;
        once = false;
        for (std::size_t j : old_not_evacuated)
            for (std::uint64_t t = 1; t <= 16; ++t) m[j + stride * (1000 + t)] = t;  // 16 more per old chain
    });
    const auto after = m.stats();
    EXPECT_EQ(after.direction, gomap::resize_direction::grow);
    EXPECT_GE(after.overflow_buckets, before.overflow_buckets + 2 * old_not_evacuated.size());
    EXPECT_EQ(after.noverflow, before.noverflow);
    EXPECT_EQ(m.check_invariants(), "");
}

// Go's mapassign runs growWork for an update of a present key too: a map that
// is only updated still finishes its grow (it used to keep both arrays forever).
TEST(GoPort, UpdatesFinishAGrow) {
    gomap::go_map<std::uint64_t, std::uint64_t> m;
    std::uint64_t k = 0;
    while (!m.stats().resizing) m[k++] = 0;
    const std::uint64_t old_buckets = std::uint64_t{1} << m.stats().old_B;
    const std::uint64_t n = k;
    std::uint64_t updates = 0;
    for (; m.stats().resizing && updates < 1000; ++updates) m[updates % n] += 1;
    EXPECT_FALSE(m.stats().resizing);
    EXPECT_LE(updates, old_buckets);  // at least one old bucket evacuated per write
    EXPECT_EQ(m.size(), n);
    EXPECT_EQ(m.check_invariants(), "");
}

// Go's mapdelete runs growWork whenever the map is growing, even for a key
// that is absent; gomap::map moves nothing on such an erase.
TEST(GoPort, EraseOfAnAbsentKeyRunsGrowWork) {
    gomap::go_map<std::uint64_t, std::uint64_t> g;
    gomap::map<std::uint64_t, std::uint64_t> m;
    std::uint64_t k = 0;
    while (!g.stats().resizing) g[k++] = 0;
    for (std::uint64_t i = 0; !m.stats().resizing && i < 100000; ++i) m[i] = 0;
    ASSERT_TRUE(m.stats().resizing);
    const auto gn = g.stats().nevacuate, mn = m.stats().nevacuate;
    EXPECT_EQ(g.erase(1u << 30), 0u);
    EXPECT_EQ(m.erase(1u << 30), 0u);
    EXPECT_TRUE(g.stats().nevacuate > gn || !g.stats().resizing);
    EXPECT_EQ(m.stats().nevacuate, mn);
}

}  // namespace
