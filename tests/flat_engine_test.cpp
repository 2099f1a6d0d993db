// flat_engine_test.cpp — gomap::map's own engine (detail/flat_table.hpp),
// driven through basic_map<..., flat_policy>: random operations checked against
// std::unordered_map under friendly and hostile hashes, Go's range contract
// while a grow and while a shrink runs, the bound on work per write, memory
// given back on every erase path, arguments that refer into the map, and
// throwing hashes and constructors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <gomap/gomap.hpp>

// A user's own specialisation of gomap::hash for an integer-like key (the
// documented customisation point): the map must call it, not the library's
// integer mix.
enum class fe_color : std::uint64_t {};
template <>
struct gomap::hash<fe_color> {
    std::uint64_t operator()(const fe_color& c, std::uint64_t seed) const noexcept {
        return gomap::detail::hash_u64(static_cast<std::uint64_t>(c) * 3 + 1, seed ^ 0x5555);
    }
    std::size_t operator()(const fe_color& c) const noexcept { return (*this)(c, 0); }
};

namespace {

using u64 = std::uint64_t;

template <class K, class V, class H = gomap::hash<K>, class A = std::allocator<std::pair<const K, V>>>
using fmap = gomap::basic_map<K, V, H, std::equal_to<K>, A, gomap::flat_policy>;

using counted = gomap::counting_allocator<std::pair<const u64, u64>>;
using cmap = fmap<u64, u64, gomap::hash<u64>, counted>;

// ---- hashes, friendly and hostile ------------------------------------------------

// std-style hashers: the map mixes their output with its seed, so equal
// outputs still collide completely (same home group, same slot byte).
struct collide16 {
    std::size_t operator()(u64 k) const noexcept { return k >> 4; }
};
struct collide64 {
    std::size_t operator()(u64 k) const noexcept { return k >> 6; }
};
// Seeded call form: used unmixed. Only the low bits vary: every key of a small
// map has home group 0, so the probe walks the overflow chain of group 0.
struct low_bits_only {
    u64 operator()(u64 k, u64) const noexcept { return k; }
    std::size_t operator()(u64 k) const noexcept { return k; }
};
// Only the high bits vary: every key has slot byte 8 (low byte 0), so every
// occupied slot of a group matches and the key comparison decides.
struct high_bits_only {
    u64 operator()(u64 k, u64) const noexcept { return k << 40; }
    std::size_t operator()(u64 k) const noexcept { return k << 40; }
};

template <class M>
void expect_same(const M& m, const std::unordered_map<u64, u64>& ref, const char* when) {
    ASSERT_EQ(m.check_invariants(), "") << when;
    ASSERT_EQ(m.size(), ref.size()) << when;
    for (const auto& [k, v] : ref) {
        auto it = m.find(k);
        ASSERT_TRUE(it != m.end()) << when << ": key " << k << " lost";
        ASSERT_EQ(it->second, v) << when;
    }
    std::size_t seen = 0;
    for (const auto& e : m) {
        ++seen;
        ASSERT_TRUE(ref.count(e.first)) << when << ": unexpected key " << e.first;
    }
    ASSERT_EQ(seen, ref.size()) << when;
}

// Random operations over a key space that makes the map grow and shrink many
// times; every erase path and range() with inserts and erases inside.
template <class H>
void differential(u64 seed, u64 key_space, int rounds) {
    fmap<u64, u64, H> m;
    std::unordered_map<u64, u64> ref;
    std::mt19937_64 rng(seed);
    for (int round = 0; round < rounds; ++round) {
        // Phases: fill, drain, churn; each phase ends with a full check.
        const int phase = round % 3;
        const int ops = 400 + static_cast<int>(rng() % 1200);
        for (int i = 0; i < ops; ++i) {
            const u64 k = rng() % key_space;
            const unsigned op = static_cast<unsigned>(rng() % 100);
            const bool fill = phase == 0 ? op < 70 : phase == 1 ? op < 15 : op < 50;
            if (fill) {
                const unsigned how = op % 3;
                if (how == 0) {
                    auto [it, ins] = m.try_emplace(k, k * 3);
                    ASSERT_EQ(ins, ref.emplace(k, k * 3).second);
                    ASSERT_EQ(it->first, k);
                } else if (how == 1) {
                    m.insert_or_assign(k, k + round);
                    ref[k] = k + round;
                } else {
                    m[k] = k ^ 7;
                    ref[k] = k ^ 7;
                }
            } else {
                const unsigned how = op % 4;
                if (how == 0 || how == 1) {
                    ASSERT_EQ(m.erase(k), ref.erase(k));
                } else if (how == 2) {
                    auto it = m.find(k);
                    ASSERT_EQ(it != m.end(), ref.count(k) == 1);
                    if (it != m.end()) {
                        auto next = m.erase(it);
                        ref.erase(k);
                        if (next != m.end()) {
                            ASSERT_TRUE(ref.count(next->first));
                        }
                    }
                } else {
                    // erase(first, last) over a few entries from begin().
                    auto first = m.begin();
                    auto last = first;
                    for (int j = 0; j < 3 && last != m.end(); ++j) ++last;
                    std::vector<u64> gone;
                    for (auto it = first; it != last; ++it) gone.push_back(it->first);
                    m.erase(first, last);
                    for (u64 g : gone) ref.erase(g);
                }
            }
            if (i % 97 == 0) {
                ASSERT_EQ(m.check_invariants(), "") << "round " << round << " op " << i;
            }
        }
        // A range() that erases and inserts, whatever resize is in flight.
        if (round % 2 == 1) {
            std::vector<u64> inserted;
            m.range([&](const u64& k, u64& v) {
                EXPECT_EQ(v, ref.at(k));
                if (k % 3 == 0) {
                    m.erase(k);
                    ref.erase(k);
                } else if (k % 5 == 0) {
                    const u64 nk = key_space + rng() % key_space;
                    if (m.try_emplace(nk, nk * 3).second) ref.emplace(nk, nk * 3);
                }
            });
        }
        if (round % 10 == 9) {
            gomap::erase_if(m, [](const auto& e) { return e.first % 4 == 1; });
            std::erase_if(ref, [](const auto& e) { return e.first % 4 == 1; });
        }
        ASSERT_NO_FATAL_FAILURE(expect_same(m, ref, "after a phase"));
    }
    // The random stream depends on where keys land (range() order, erases
    // from begin()), so how many resizes it ran varies with the process
    // secret. End with a fill and a drain by key, which must grow and shrink.
    const auto before = m.stats();
    for (u64 k = 0; k < key_space; ++k)
        if (m.try_emplace(k, k).second) ref.emplace(k, k);
    ASSERT_NO_FATAL_FAILURE(expect_same(m, ref, "after the final fill"));
    for (u64 k = 0; k < key_space; ++k) ASSERT_EQ(m.erase(k), ref.erase(k));
    EXPECT_GT(m.stats().resizes - m.stats().shrinks, before.resizes - before.shrinks);
    EXPECT_GT(m.stats().shrinks, before.shrinks);
    m.clear();
    ref.clear();
    ASSERT_NO_FATAL_FAILURE(expect_same(m, ref, "after clear"));
}

TEST(FlatEngine, DifferentialWellSpread) {
    for (u64 seed = 1; seed <= 3; ++seed) differential<gomap::hash<u64>>(seed, 20000, 24);
}
TEST(FlatEngine, DifferentialSixteenKeysPerHash) { differential<collide16>(11, 20000, 18); }
TEST(FlatEngine, DifferentialSixtyFourKeysPerHash) { differential<collide64>(12, 12000, 12); }
TEST(FlatEngine, DifferentialOnlyLowBitsVary) { differential<low_bits_only>(13, 3000, 9); }
TEST(FlatEngine, DifferentialOnlyHighBitsVary) { differential<high_bits_only>(14, 3000, 9); }

// ---- group matching ---------------------------------------------------------------

// Both matchers (SSE2 where built, and the portable SWAR form) give exactly
// the slots whose byte equals the probe: bytes near the probe (r ^ 1, r ^ 0x80),
// 0x00, 0x80, 0xFF and 0x01 are where carries and borrows would leak.
TEST(FlatEngine, GroupMatchIsExact) {
    std::mt19937_64 rng(99);
    const std::uint8_t tricky[] = {0x00, 0x01, 0x7F, 0x80, 0x81, 0xFE, 0xFF, 0x08};
    for (int t = 0; t < 20000; ++t) {
        alignas(16) std::uint8_t w[16];
        const auto r = static_cast<std::uint8_t>(t < 256 ? t : rng());
        for (auto& b : w) {
            const unsigned pick = static_cast<unsigned>(rng() % 4);
            b = pick == 0 ? r : pick == 1 ? static_cast<std::uint8_t>(r ^ (1u << (rng() % 8)))
                : pick == 2 ? tricky[rng() % 8] : static_cast<std::uint8_t>(rng());
        }
        unsigned want = 0, want_empty = 0;
        for (unsigned i = 0; i < 15; ++i) {
            if (w[i] == r) want |= 1u << i;
            if (w[i] == 0) want_empty |= 1u << i;
        }
        ASSERT_EQ(gomap::detail::group_match(w, r), want) << t;
        ASSERT_EQ(gomap::detail::swar::match_word(w, gomap::detail::swar::ones * r), want) << t;
        ASSERT_EQ(gomap::detail::group_match_empty(w), want_empty) << t;
        ASSERT_EQ(gomap::detail::group_match_occupied(w), ~want_empty & 0x7FFFu) << t;
        const std::uint8_t of = w[15];
        gomap::detail::group_clear_slots(w);
        ASSERT_EQ(gomap::detail::group_match_empty(w), 0x7FFFu);
        ASSERT_EQ(w[15], of);
    }
}

// The flat engine takes the home group from the top bits of gomap::hash and
// the reduced hash from its low byte: both must spread sequential, strided
// and high-bits-only keys like random ones, whatever the process secret, and
// depend on the seed. (A one-multiply hash fails this: its top bits cluster
// for sequential keys under some secrets.)
TEST(FlatEngine, IntegerHashSpreadsTopBitsAndLowByte) {
    const gomap::hash<u64> h;
    for (u64 seed : {u64{0}, u64{1}, u64{0x9e3779b97f4a7c15}}) {
        for (int pattern = 0; pattern < 4; ++pattern) {
            constexpr unsigned n = 4096;
            std::vector<unsigned> top(n, 0), low(256, 0);
            for (u64 i = 0; i < n; ++i) {
                const u64 k = pattern == 0 ? i : pattern == 1 ? i << 32 : pattern == 2 ? i * 4096 : ~i;
                const u64 x = h(k, seed);
                ++top[x >> 52];
                ++low[x & 0xFF];
            }
            // 4096 keys into 4096 bins: random throws fill ~63% (2589); into
            // 256 bins: ~16 each (a bin of 48 has odds of 1e-11).
            const auto filled = static_cast<unsigned>(std::count_if(top.begin(), top.end(), [](unsigned c) { return c; }));
            EXPECT_GT(filled, 2400u) << "pattern " << pattern;
            EXPECT_LT(*std::max_element(low.begin(), low.end()), 48u) << "pattern " << pattern;
        }
        EXPECT_NE(h(42, seed), h(42, seed + 1));
    }
}

// ---- resize state helpers ------------------------------------------------------

// Insert keys from `next` on until a grow is in progress.
template <class M>
u64 fill_until_growing(M& m, std::set<u64>& keys, u64 next) {
    while (!(m.stats().resizing && m.stats().direction == gomap::resize_direction::grow)) {
        m.try_emplace(next, next);
        keys.insert(next++);
    }
    return next;
}
// Erase keys (by key) until a shrink is in progress.
template <class M>
void erase_until_shrinking(M& m, std::set<u64>& keys) {
    while (!(m.stats().resizing && m.stats().direction == gomap::resize_direction::shrink)) {
        ASSERT_FALSE(keys.empty());
        const u64 k = *keys.begin();
        ASSERT_EQ(m.erase(k), 1u);
        keys.erase(keys.begin());
    }
}

// Go's for-range contract inside a loop that erases keys not yet visited and
// inserts new ones, while a resize is in progress.
template <class M>
void check_range_contract(M& m, std::set<u64> keys, u64 fresh) {
    ASSERT_TRUE(m.stats().resizing);
    std::map<u64, int> visits;
    std::set<u64> erased_early, inserted;
    std::set<u64> untouched = keys;  // present for the whole loop unless erased
    std::mt19937_64 rng(fresh);
    m.range([&](const u64& k, u64&) {
        ++visits[k];
        if (!keys.count(k)) return;  // a key the loop inserted: it may be visited, but adds nothing
        // Erase two keys we have not visited yet, insert three new ones.
        for (int j = 0; j < 2; ++j) {
            auto it = untouched.upper_bound(rng() % (fresh + 1));
            if (it == untouched.end()) it = untouched.begin();
            if (it != untouched.end() && !visits.count(*it)) {
                EXPECT_EQ(m.erase(*it), 1u);
                erased_early.insert(*it);
                untouched.erase(it);
            }
        }
        for (int j = 0; j < 3; ++j) {
            m.try_emplace(fresh, fresh);
            inserted.insert(fresh++);
        }
        untouched.erase(k);
    });
    for (u64 k : keys) {
        if (erased_early.count(k)) {
            EXPECT_EQ(visits.count(k), 0u) << "erased before it was reached, yet visited: " << k;
        } else {
            EXPECT_EQ(visits[k], 1) << "key present for the whole loop visited " << visits[k] << " times: " << k;
        }
    }
    for (const auto& [k, n] : visits) {
        EXPECT_EQ(n, 1) << k;
        EXPECT_TRUE(keys.count(k) || inserted.count(k)) << k;
    }
    EXPECT_EQ(m.check_invariants(), "");
    for (u64 k : keys)
        if (!erased_early.count(k)) {
            EXPECT_TRUE(m.contains(k)) << k;
        }
    for (u64 k : inserted) EXPECT_TRUE(m.contains(k)) << k;
}

TEST(FlatEngine, RangeContractDuringGrow) {
    for (u64 n0 : {40u, 1000u, 30000u}) {
        fmap<u64, u64> m;
        std::set<u64> keys;
        u64 next = 0;
        while (next < n0) {
            m.try_emplace(next, next);
            keys.insert(next++);
        }
        fill_until_growing(m, keys, next);
        check_range_contract(m, keys, 1u << 30);
    }
}

TEST(FlatEngine, RangeContractDuringShrink) {
    for (u64 n0 : {2000u, 50000u}) {
        fmap<u64, u64> m;
        std::set<u64> keys;
        for (u64 k = 0; k < n0; ++k) {
            m.try_emplace(k, k);
            keys.insert(k);
        }
        // Let the last grow finish, then drain until a shrink starts.
        for (u64 k = n0; m.stats().resizing; ++k) {
            m.try_emplace(k, k);
            keys.insert(k);
        }
        erase_until_shrinking(m, keys);
        check_range_contract(m, keys, 1u << 30);
    }
}

// A range() whose body inserts far more than the map held: the engine must
// open arrays without moving anything, and still visit each old key once.
TEST(FlatEngine, RangeThatInsertsManyTimesTheMap) {
    fmap<u64, u64> m;
    for (u64 k = 0; k < 100; ++k) m.try_emplace(k, k);
    std::map<u64, int> visits;
    u64 fresh = 1000000;
    m.range([&](const u64& k, u64&) {
        ++visits[k];
        if (visits.size() == 1)
            for (int j = 0; j < 5000; ++j) m.try_emplace(fresh++, 0);
    });
    for (u64 k = 0; k < 100; ++k) EXPECT_EQ(visits[k], 1) << k;
    for (const auto& [k, n] : visits) EXPECT_EQ(n, 1) << k;
    EXPECT_EQ(m.size(), 5100u);
    EXPECT_EQ(m.check_invariants(), "");
}

// After such a range(), the migration must not overfill the current array
// (it opens a larger one first): reserve, rehash and shrink_to_fit succeed,
// and lookups of absent keys stay short (found by a full-table probe before).
TEST(FlatEngine, MigrationAfterAnInsertingRangeOpensRoom) {
    fmap<u64, u64> m;
    for (u64 k = 0; k < 26; ++k) m.try_emplace(k, k);
    bool first = true;
    m.range([&](const u64&, u64&) {
        if (first) {
            first = false;
            for (u64 j = 0; j < 49; ++j) m.try_emplace(1000 + j, 0);
        }
    });
    EXPECT_EQ(m.size(), 75u);
    EXPECT_NO_THROW(m.shrink_to_fit());
    EXPECT_NO_THROW(m.rehash(0));
    EXPECT_NO_THROW(m.reserve(10));
    EXPECT_EQ(m.size(), 75u);
    EXPECT_EQ(m.check_invariants(), "");
    // Larger: fill to the max load, insert 1.5x that inside range(), then
    // erase by key; every erase must succeed and the map stay consistent.
    fmap<u64, u64> big;
    u64 k = 0;
    while (!big.stats().resizing) big.try_emplace(k, k), ++k;
    while (big.stats().resizing) big.try_emplace(k, k), ++k;
    const u64 n0 = k;
    first = true;
    big.range([&](const u64&, u64&) {
        if (first) {
            first = false;
            for (u64 j = 0; j < n0 * 3 / 2; ++j) big.try_emplace(k + j, 0);
        }
    });
    for (u64 j = 0; j < n0; ++j) ASSERT_EQ(big.erase(j), 1u) << j;
    EXPECT_EQ(big.check_invariants(), "");
    EXPECT_EQ(big.size(), n0 * 3 / 2);
}

// A copy is built in one array of the right size: no shrink of the reserved
// array on the first insert, no regrowth.
TEST(FlatEngine, CopyAllocatesOneArray) {
    gomap::allocation_counter c1, c2;
    cmap m{0, gomap::hash<u64>{}, std::equal_to<u64>{}, counted(&c1)};
    for (u64 k = 0; k < 100000; ++k) m.try_emplace(k, k);
    cmap cp(m, counted(&c2));
    EXPECT_EQ(c2.allocations, 1u);
    EXPECT_EQ(cp.stats().resizes, 1u);
    EXPECT_TRUE(cp == m);
}

// ---- bounded work per write -------------------------------------------------------

struct counting_hash {
    static inline std::size_t calls = 0;
    u64 operator()(u64 k, u64 seed) const noexcept {
        ++calls;
        return gomap::hash<u64>{}(k, seed);
    }
};

// Every insert hashes its key once, plus at most 2 groups' worth of migrated
// entries (30): no write rehashes more, however large the map, growing to
// 200,000 and draining to 0.
TEST(FlatEngine, EveryWriteDoesBoundedWork) {
    fmap<u64, u64, counting_hash> m;
    std::size_t worst = 0, resizes_seen = 0;
    for (u64 k = 0; k < 200000; ++k) {
        counting_hash::calls = 0;
        m.try_emplace(k, k);
        worst = std::max(worst, counting_hash::calls);
        resizes_seen += m.stats().resizing;
    }
    EXPECT_LE(worst, 1u + 2 * 15);
    EXPECT_GT(resizes_seen, 0u);
    worst = 0;
    for (u64 k = 0; k < 200000; ++k) {
        counting_hash::calls = 0;
        ASSERT_EQ(m.erase(k), 1u);
        worst = std::max(worst, counting_hash::calls);
    }
    EXPECT_LE(worst, 1u + 2 * 15);
    EXPECT_EQ(m.stats().shrinks > 0, true);
}

// ---- memory given back ------------------------------------------------------------


std::size_t fresh_bytes_for(const std::vector<u64>& keys) {
    gomap::allocation_counter c;
    cmap f{0, gomap::hash<u64>{}, std::equal_to<u64>{}, counted(&c)};
    for (u64 k : keys) f.try_emplace(k, k);
    while (f.stats().resizing) f.try_emplace(~u64{0}, 0), f.erase(~u64{0});
    return c.bytes;
}

TEST(FlatEngine, EveryErasePathGivesMemoryBack) {
    for (int path = 0; path < 5; ++path) {
        gomap::allocation_counter c;
        {
            cmap m{0, gomap::hash<u64>{}, std::equal_to<u64>{}, counted(&c)};
            for (u64 k = 0; k < 100000; ++k) m.try_emplace(k, k);
            switch (path) {
                case 0:
                    for (u64 k = 0; k < 100000; ++k) m.erase(k);
                    break;
                case 1:
                    for (auto it = m.begin(); it != m.end();) it = m.erase(it);
                    break;
                case 2:
                    m.erase(m.begin(), m.end());
                    break;
                case 3:
                    gomap::erase_if(m, [](const auto&) { return true; });
                    break;
                case 4:
                    m.range([&](const u64& k, u64&) { m.erase(k); });
                    break;
            }
            EXPECT_EQ(m.size(), 0u);
            EXPECT_EQ(c.bytes, 0u) << "path " << path << ": an empty map holds what a new one holds";
            EXPECT_EQ(m.check_invariants(), "");
        }
        EXPECT_EQ(c.bytes, 0u);
    }
}

// Keep 1% by each erase path, then 1,000 inserts: the map must be within 2x a
// fresh map holding the same keys.
TEST(FlatEngine, KeepingOnePercentShrinks) {
    for (int path = 0; path < 4; ++path) {
        gomap::allocation_counter c;
        cmap m{0, gomap::hash<u64>{}, std::equal_to<u64>{}, counted(&c)};
        const u64 n = 200000;
        for (u64 k = 0; k < n; ++k) m.try_emplace(k, k);
        auto doomed = [](u64 k) { return k % 100 != 0; };
        switch (path) {
            case 0:
                for (u64 k = 0; k < n; ++k)
                    if (doomed(k)) m.erase(k);
                break;
            case 1:
                for (auto it = m.begin(); it != m.end();) it = doomed(it->first) ? m.erase(it) : std::next(it);
                break;
            case 2:
                gomap::erase_if(m, [&](const auto& e) { return doomed(e.first); });
                break;
            case 3:
                m.range([&](const u64& k, u64&) {
                    if (doomed(k)) m.erase(k);
                });
                break;
        }
        std::vector<u64> kept;
        for (u64 k = 0; k < n; k += 100) kept.push_back(k);
        // Inserts only: after erase(iterator) it is the insert that starts the
        // shrink the erases made due.
        for (u64 j = 0; j < 1000; ++j) {
            m.try_emplace(n + j, 0);
            kept.push_back(n + j);
        }
        EXPECT_EQ(m.size(), kept.size());
        EXPECT_LE(c.bytes, 2 * fresh_bytes_for(kept)) << "path " << path;
        EXPECT_EQ(m.check_invariants(), "");
    }
}

// Churn at a constant size: the footprint stays within 2x a fresh map.
TEST(FlatEngine, ChurnStaysNearAFreshMap) {
    gomap::allocation_counter c;
    cmap m{0, gomap::hash<u64>{}, std::equal_to<u64>{}, counted(&c)};
    const u64 n = 50000;
    for (u64 k = 0; k < n; ++k) m.try_emplace(k, k);
    std::size_t peak = 0;
    for (u64 k = n; k < 20 * n; ++k) {
        m.erase(k - n);
        m.try_emplace(k, k);
        peak = std::max(peak, c.bytes);
    }
    std::vector<u64> live;
    for (u64 k = 19 * n; k < 20 * n; ++k) live.push_back(k);
    const std::size_t fresh = fresh_bytes_for(live);
    EXPECT_LE(c.bytes, 2 * fresh);
    EXPECT_LE(peak, 3 * fresh);
    EXPECT_EQ(m.check_invariants(), "");
}

// Hysteresis: once a shrink has finished, one insert and one erase at a time
// around the new size start no resize, in either direction; likewise right
// after a grow.
TEST(FlatEngine, NoThrashAtEitherBoundary) {
    fmap<u64, u64> m;
    u64 next = 0;
    for (; next < 20000; ++next) m.try_emplace(next, next);
    u64 oldest = 0;
    while (m.stats().shrinks == 0) ASSERT_EQ(m.erase(oldest++), 1u);
    while (m.stats().resizing) ASSERT_EQ(m.erase(oldest++), 1u);
    auto resizes = m.stats().resizes;
    for (int i = 0; i < 20000; ++i) {
        m.try_emplace(next++, 0);
        ASSERT_EQ(m.erase(oldest++), 1u);
        m.try_emplace(next++, 0);
        m.erase(--next);
    }
    EXPECT_EQ(m.stats().resizes, resizes) << "churn at the size a shrink left started a resize";
    while (m.stats().resizes == resizes) m.try_emplace(next++, 0);  // the next grow
    while (m.stats().resizing) m.try_emplace(next++, 0);
    resizes = m.stats().resizes;
    for (int i = 0; i < 20000; ++i) {
        ASSERT_EQ(m.erase(oldest++), 1u);
        m.try_emplace(next++, 0);
    }
    EXPECT_EQ(m.stats().resizes, resizes) << "churn at the size a grow left started a resize";
}

// Every shrink targets an array that holds twice the size at max load, so the
// size must double before the next grow (checked at each shrink of a drain).
TEST(FlatEngine, ShrinkLeavesRoomToDouble) {
    fmap<u64, u64> m;
    for (u64 k = 0; k < 40000; ++k) m.try_emplace(k, k);
    std::size_t shrinks = m.stats().shrinks, seen = 0;
    for (u64 k = 0; k < 40000; ++k) {
        ASSERT_EQ(m.erase(k), 1u);
        if (m.stats().shrinks != shrinks) {
            shrinks = m.stats().shrinks;
            ++seen;
            EXPECT_GE(m.bucket_count() * 7 / 8, 2 * m.size()) << "shrink at size " << m.size();
        }
    }
    EXPECT_GE(seen, 8u);
}

// Anti-drift: under churn at a constant size, erases from overflowed groups
// lower the max load until a same-size rebuild clears the overflow bits; the
// table never grows for a size that fits.
TEST(FlatEngine, AntiDriftRebuildsAtTheSameSize) {
    fmap<u64, u64> m;
    m.reserve(20000);
    const auto groups = m.stats().buckets;
    const u64 size = groups * 15 * 7 / 8 * 8 / 10;  // 80% of the max load
    u64 next = 0, oldest = 0;
    for (; next < size; ++next) m.try_emplace(next * 0x9E3779B97F4A7C15ull, 0);
    bool same_size = false;
    for (u64 i = 0; i < 40 * size && !same_size; ++i) {
        ASSERT_EQ(m.erase(oldest++ * 0x9E3779B97F4A7C15ull), 1u);
        m.try_emplace(next++ * 0x9E3779B97F4A7C15ull, 0);
        same_size = m.stats().direction == gomap::resize_direction::same_size;
    }
    EXPECT_TRUE(same_size) << "no same-size rebuild in " << 40 * size << " churn steps";
    EXPECT_EQ(m.stats().buckets, groups);
    EXPECT_EQ(m.check_invariants(), "");
}

// ---- arguments that refer into the map --------------------------------------------

TEST(FlatEngine, ArgumentsThatReferIntoTheMap) {
    fmap<u64, std::string> m;
    auto val = [](u64 k) { return std::string(40, static_cast<char>('a' + k % 26)) + std::to_string(k); };
    m.try_emplace(0, val(0));
    for (u64 k = 1; k < 20000; ++k) {
        const u64 src = k / 2;
        switch (k % 3) {
            case 0:
                m.try_emplace(k, m.at(src));
                break;
            case 1:
                m.emplace(k, m.at(src));
                break;
            default:
                m.insert_or_assign(k, m.at(src));
                break;
        }
        ASSERT_EQ(m.at(k), m.at(src)) << k;
    }
    // Same, during a shrink: erase down, then insert from entries that migrate.
    for (u64 k = 1; k < 19000; ++k) m.erase(m.find(k)->first);
    for (u64 k = 30000; k < 31000; ++k) {
        const u64 src = k == 30000 ? 0 : k - 1;
        m.try_emplace(k, m.at(src));
        ASSERT_EQ(m.at(k), m.at(0));
    }
    EXPECT_EQ(m.check_invariants(), "");
}

// ---- exceptions ---------------------------------------------------------------------

struct throwing_hash {
    static inline long countdown = -1;  // throw when it reaches 0
    u64 operator()(u64 k, u64 seed) const {
        if (countdown >= 0 && countdown-- == 0) throw std::runtime_error("hash");
        return gomap::hash<u64>{}(k, seed);
    }
};
struct throwing_value {
    static inline long countdown = -1;
    u64 v;
    explicit throwing_value(u64 x) : v(x) {
        if (countdown >= 0 && countdown-- == 0) throw std::runtime_error("ctor");
    }
    throwing_value(throwing_value&&) noexcept = default;
    throwing_value(const throwing_value&) = default;
};

// A Hash that throws at any call of any write leaves the contents as they were
// (insert, erase) or as committed (the step after a committed write swallows it).
TEST(FlatEngine, ThrowingHashLeavesTheContentsIntact) {
    fmap<u64, u64, throwing_hash> m;
    std::unordered_map<u64, u64> ref;
    std::mt19937_64 rng(5);
    std::size_t thrown = 0;
    for (int i = 0; i < 60000; ++i) {
        const u64 k = rng() % 30000;
        const bool ins = (i / 20000) % 2 == 0 ? rng() % 4 != 0 : rng() % 4 == 0;
        throwing_hash::countdown = static_cast<long>(rng() % 40);
        try {
            if (ins) {
                const bool inserted = m.try_emplace(k, k).second;
                throwing_hash::countdown = -1;
                if (inserted) ref.emplace(k, k);
                else ASSERT_TRUE(ref.count(k));
            } else {
                const auto n = m.erase(k);
                throwing_hash::countdown = -1;
                ASSERT_EQ(n, ref.erase(k));
            }
        } catch (const std::runtime_error&) {
            ++thrown;
        }
        throwing_hash::countdown = -1;
        if (i % 1000 == 0) {
            ASSERT_NO_FATAL_FAILURE(expect_same(m, ref, "after a throw"));
        }
    }
    EXPECT_GT(thrown, 100u);
    ASSERT_NO_FATAL_FAILURE(expect_same(m, ref, "at the end"));
}

TEST(FlatEngine, ThrowingConstructorLeavesTheContentsIntact) {
    fmap<u64, throwing_value> m;
    std::set<u64> ref;
    std::mt19937_64 rng(6);
    for (int i = 0; i < 30000; ++i) {
        const u64 k = rng() % 20000;
        throwing_value::countdown = static_cast<long>(rng() % 3);
        try {
            if (m.try_emplace(k, k).second) ref.insert(k);
        } catch (const std::runtime_error&) {
            EXPECT_FALSE(m.contains(k));
        }
        throwing_value::countdown = -1;
        if (i % 3 == 0) m.erase(rng() % 20000) ? void() : void();
    }
    // Re-sync the reference with erases done above, then compare.
    std::size_t n = 0;
    for (const auto& e : m) {
        ++n;
        EXPECT_EQ(e.second.v, e.first);
    }
    EXPECT_EQ(n, m.size());
    EXPECT_EQ(m.check_invariants(), "");
}

// ---- API details ----------------------------------------------------------------------

TEST(FlatEngine, ReserveShrinkToFitAndFloor) {
    gomap::allocation_counter c;
    cmap m{0, gomap::hash<u64>{}, std::equal_to<u64>{}, counted(&c)};
    m.reserve(10000);
    const auto groups = m.stats().buckets;
    EXPECT_GE(m.bucket_count() * 7 / 8, 10000u);
    for (u64 k = 0; k < 10000; ++k) m.try_emplace(k, k);
    EXPECT_EQ(m.stats().buckets, groups) << "reserve(n) then n inserts: no resize";
    EXPECT_EQ(m.stats().resizes, 1u);
    for (u64 k = 0; k < 9990; ++k) m.erase(k);
    EXPECT_EQ(m.stats().buckets, groups) << "shrinks stop at the reserve floor";
    m.shrink_to_fit();
    EXPECT_EQ(m.stats().buckets, groups);
    EXPECT_EQ(m.size(), 10u);
    EXPECT_EQ(m.check_invariants(), "");
}

TEST(FlatEngine, CopyMoveSwapAndEquality) {
    fmap<u64, std::string> a;
    for (u64 k = 0; k < 5000; ++k) a.try_emplace(k, std::to_string(k));
    fmap<u64, std::string> b = a;
    EXPECT_TRUE(a == b);
    fmap<u64, std::string> c = std::move(b);
    EXPECT_TRUE(b.empty());
    EXPECT_TRUE(a == c);
    c.erase(7);
    EXPECT_FALSE(a == c);
    swap(a, c);
    EXPECT_EQ(a.size(), 4999u);
    EXPECT_EQ(c.size(), 5000u);
    b = c;
    EXPECT_TRUE(b == c);
    EXPECT_EQ(b.check_invariants(), "");
}

TEST(FlatEngine, HeterogeneousLookup) {
    gomap::basic_map<std::string, int, gomap::hash<std::string>, std::equal_to<>,
                     std::allocator<std::pair<const std::string, int>>, gomap::flat_policy>
        m;
    for (int i = 0; i < 3000; ++i) m.try_emplace("key" + std::to_string(i), i);
    std::string_view sv = "key1234";
    EXPECT_TRUE(m.contains(sv));
    EXPECT_EQ(m.find(sv)->second, 1234);
    EXPECT_EQ(m.erase(sv), 1u);
    EXPECT_FALSE(m.contains("key1234"));
}

TEST(FlatEngine, EmptyMapAndSeeds) {
    fmap<u64, u64> m;
    EXPECT_EQ(m.find(42), m.end());
    EXPECT_EQ(m.begin(), m.end());
    EXPECT_EQ(m.erase(42), 0u);
    EXPECT_EQ(m.stats().bytes, 0u);
    m[1] = 2;
    const u64 seed = m.stats().hash0;
    m.erase(1);
    EXPECT_NE(m.stats().hash0, seed) << "Go re-draws hash0 when the map becomes empty";
    fmap<u64, u64> other;
    EXPECT_NE(other.stats().hash0, m.stats().hash0);
}

// The engine folds the seed and the process secret into the integer mix's
// constants once per seed; every stored byte must still be the reduced hash
// of hash_function()(key, stats().hash0), the documented function, for
// gomap::hash and for a std-style hasher, in a fresh map, after a grow, in a
// copy, and after the map emptied (which re-draws the seed) and refilled.
template <class M>
void expect_bytes_from_public_hash(const M& m, const char* when) {
    const u64 seed = m.stats().hash0;
    std::size_t seen = 0;
    m.inspect_groups([&](const auto& g) {
        for (unsigned s = 0; s < 15; ++s) {
            if (g.word[s] == 0) continue;
            ++seen;
            const std::uint64_t h = gomap::detail::seeded_hash(m.hash_function(), g.entry(s).first, seed);
            ASSERT_EQ(g.word[s], gomap::detail::reduced_hash(h)) << when << ", key " << static_cast<u64>(g.entry(s).first);
        }
    });
    EXPECT_EQ(seen, m.size()) << when;
}
struct std_style_u64 {
    std::size_t operator()(u64 k) const noexcept { return static_cast<std::size_t>(k * 31 + 7); }
};
// Derived from gomap::hash<u64> with its own seeded call: that call is the hash.
struct derived_u64_hash : gomap::hash<u64> {
    std::uint64_t operator()(u64 k, std::uint64_t seed) const noexcept { return gomap::hash<u64>::operator()(~k, seed); }
    std::size_t operator()(u64 k) const noexcept { return (*this)(k, 0); }
};
template <class M>
void check_public_hash_is_used() {
    using K = typename M::key_type;
    M m;
    for (u64 k = 0; k < 50; ++k) m.try_emplace(K(k), k);
    expect_bytes_from_public_hash(m, "fresh");
    for (u64 k = 50; k < 5000; ++k) m.try_emplace(K(k), k);
    expect_bytes_from_public_hash(m, "grown");
    const M copy = m;
    expect_bytes_from_public_hash(copy, "copy");
    const u64 seed = m.stats().hash0;
    for (u64 k = 0; k < 5000; ++k) m.erase(K(k));
    ASSERT_NE(m.stats().hash0, seed);
    for (u64 k = 0; k < 3000; ++k) m.try_emplace(K(k * 7), k);
    expect_bytes_from_public_hash(m, "emptied and refilled");
    m.clear();
    for (u64 k = 0; k < 100; ++k) m.try_emplace(K(k), k);
    expect_bytes_from_public_hash(m, "cleared and refilled");
    M moved = std::move(m);
    m.try_emplace(K(1), 1);
    expect_bytes_from_public_hash(moved, "moved-to");
    expect_bytes_from_public_hash(m, "moved-from, reused");
}
TEST(FlatEngine, StoredBytesComeFromThePublicHash) {
    check_public_hash_is_used<fmap<u64, u64>>();
    check_public_hash_is_used<fmap<u64, u64, std_style_u64>>();
    check_public_hash_is_used<fmap<int, u64>>();
    check_public_hash_is_used<fmap<fe_color, u64>>();
    check_public_hash_is_used<fmap<u64, u64, derived_u64_hash>>();
}

}  // namespace
