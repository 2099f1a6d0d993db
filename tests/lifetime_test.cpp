// lifetime_test.cpp — element lifetime, exception safety, allocation failure
// and memory accounting.
//
//   * gomap_test::counted keys and values: every construction is matched by
//     one destruction (counts::alive() == 0 at the end of every test; alive()
//     == 2 * size() while a map lives) through grow, clear, copy and move
//     construction/assignment, swap, every kind of erase, and destruction of a
//     map in the middle of a grow; also for big entries (a value over 128 bytes,
//     kept out of line: the indirect storage path).
//   * A constructor that throws (counts::throw_countdown) at many points of a
//     long insert sequence leaves exactly the previous contents, the
//     invariants, and no leak (map.hpp: strong guarantee for the contents).
//   * gomap_test::bombing_allocator throwing std::bad_alloc at the N-th
//     allocation, N = 1..200, while inserts grow the map: the map stays valid,
//     its contents equal the reference (the failed insert absent or fully
//     present), it keeps working, and every byte is returned (live_bytes == 0).
//   * gomap::counting_allocator: stats().bytes equals the bytes the
//     allocator's counter says are live, at many points.

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <limits>
#include <new>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "support/bombing_allocator.hpp"
#include "support/counted.hpp"

namespace {

using gomap_test::bomb;
using gomap_test::counted;
using gomap_test::counted_error;
using gomap_test::counts;
using i64 = std::int64_t;

// A value larger than 128 bytes (Go's maxElemSize): stored out of line.
struct big {
    counted c;
    unsigned char pad[200];
    big() : big(0) {}
    big(i64 v) : c(v) { std::memset(pad, static_cast<unsigned char>(v), sizeof pad); }  // NOLINT: implicit
    i64 value() const {
        const i64 v = c.value();
        if (pad[0] != static_cast<unsigned char>(v) || pad[199] != static_cast<unsigned char>(v)) std::abort();
        return v;
    }
    friend bool operator==(const big& a, const big& b) { return a.value() == b.value(); }
};

static_assert(!gomap::detail::slot_traits<counted, counted>::indirect);
static_assert(gomap::detail::slot_traits<counted, big>::indirect, "big must take the indirect storage path");

using ref_map = std::unordered_map<i64, i64>;

template <class M>
bool same_contents(const M& m, const ref_map& ref, std::string* why = nullptr) {
    auto fail = [&](const std::string& s) {
        if (why) *why = s;
        return false;
    };
    if (m.size() != ref.size())
        return fail("size " + std::to_string(m.size()) + " vs reference " + std::to_string(ref.size()));
    std::size_t n = 0;
    for (const auto& e : m) {
        auto it = ref.find(e.first.value());
        if (it == ref.end()) return fail("extra key " + std::to_string(e.first.value()));
        if (it->second != e.second.value()) return fail("wrong value for key " + std::to_string(it->first));
        ++n;
    }
    if (n != ref.size()) return fail("iteration saw " + std::to_string(n) + " entries");
    const std::string inv = m.check_invariants();
    if (!inv.empty()) return fail("check_invariants: " + inv);
    return true;
}

#define EXPECT_SAME(m, ref)                                      \
    do {                                                         \
        std::string why_;                                        \
        EXPECT_TRUE(same_contents((m), (ref), &why_)) << why_;   \
    } while (0)

// Inserts keys from `next` on until a grow to B (or beyond) is in progress.
template <class M>
i64 fill_until_growing(M& m, i64 next, unsigned B, ref_map* ref = nullptr) {
    for (;; ++next) {
        const auto s = m.stats();
        if (s.resizing && s.B >= B) return next;
        if (next > (i64{1} << 24)) {
            ADD_FAILURE() << "never saw a grow to B=" << B;
            return next;
        }
        m.try_emplace(next, next * 10);
        if (ref) (*ref)[next] = next * 10;
    }
}

template <class M>
void fill(M& m, i64 from, i64 to, ref_map* ref = nullptr) {
    for (i64 k = from; k < to; ++k) {
        m.try_emplace(k, k * 10);
        if (ref) (*ref)[k] = k * 10;
    }
}

// ---------------------------------------------------------------------------
// Lifetime with counted keys and values, for direct and indirect entries.

template <class M>
class LifetimeTest : public ::testing::Test {
protected:
    void SetUp() override { counts::reset(); }
    void TearDown() override {
        counts::throw_countdown = 0;
        EXPECT_EQ(counts::alive(), 0u) << "constructions " << counts::constructed << ", destructions "
                                       << counts::destroyed;
    }
};
using MapTypes = ::testing::Types<gomap::go_map<counted, counted>, gomap::map<counted, counted>,
                                  gomap::go_map<counted, big>, gomap::map<counted, big>,
                                  gomap::node_map<counted, counted>, gomap::node_map<counted, big>>;
TYPED_TEST_SUITE(LifetimeTest, MapTypes);

TYPED_TEST(LifetimeTest, GrowThenDestroy) {
    std::size_t checked_while_growing = 0;
    {
        TypeParam m;
        for (i64 k = 0; k < 20000; ++k) {
            m.try_emplace(k, k * 10);
            if (m.stats().resizing || k % 97 == 0) {
                ASSERT_EQ(counts::alive(), 2 * m.size()) << "after inserting key " << k;
                checked_while_growing += m.stats().resizing;
            }
        }
        EXPECT_GE(m.stats().B, 11);
        EXPECT_EQ(counts::alive(), 2u * 20000);
        // Inserting present keys builds nothing that stays.
        for (i64 k = 0; k < 1000; ++k) m.try_emplace(k, 0);
        for (i64 k = 0; k < 1000; ++k) m.emplace(counted(k), typename TypeParam::mapped_type(0));
        EXPECT_EQ(counts::alive(), 2u * 20000);
        EXPECT_EQ(m.at(5).value(), 50);
    }
    EXPECT_GT(checked_while_growing, 100u);
}

TYPED_TEST(LifetimeTest, Clear) {
    TypeParam m;
    fill(m, 0, 5000);
    EXPECT_EQ(counts::alive(), 10000u);
    m.clear();
    EXPECT_EQ(counts::alive(), 0u);
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.check_invariants(), "");
    fill(m, 0, 100);
    EXPECT_EQ(counts::alive(), 200u);
    // Clear while a grow is in progress (old array entries and chains too).
    TypeParam g;
    fill_until_growing(g, 0, 10);
    ASSERT_TRUE(g.stats().resizing);
    EXPECT_EQ(counts::alive(), 200u + 2 * g.size());
    g.clear();
    EXPECT_FALSE(g.stats().resizing);
    EXPECT_EQ(counts::alive(), 200u);
    EXPECT_EQ(g.check_invariants(), "");
    ref_map ref;
    fill(g, 0, 3000, &ref);
    EXPECT_SAME(g, ref);
    m.clear();
    g.clear();
    EXPECT_EQ(counts::alive(), 0u);
}

TYPED_TEST(LifetimeTest, CopyConstructAndAssign) {
    TypeParam a;
    ref_map ra;
    fill(a, 0, 3000, &ra);
    {
        TypeParam b(a);
        EXPECT_EQ(counts::alive(), 4u * 3000);
        EXPECT_TRUE(b == a);
        EXPECT_SAME(b, ra);
    }
    EXPECT_EQ(counts::alive(), 2u * 3000);
    {
        TypeParam c;
        fill(c, 100000, 100500);
        EXPECT_EQ(counts::alive(), 2u * 3500);
        c = a;  // the 500 old entries die
        EXPECT_EQ(counts::alive(), 4u * 3000);
        EXPECT_SAME(c, ra);
        TypeParam& alias = c;
        c = alias;  // self-assignment
        EXPECT_SAME(c, ra);
        EXPECT_EQ(counts::alive(), 4u * 3000);
    }
    EXPECT_EQ(counts::alive(), 2u * 3000);
    // Copies of a map in the middle of a grow.
    TypeParam g;
    ref_map rg;
    fill_until_growing(g, 0, 9, &rg);
    ASSERT_TRUE(g.stats().resizing);
    const std::size_t base = counts::alive();
    {
        TypeParam h(g);
        TypeParam i;
        i = g;
        EXPECT_EQ(counts::alive(), base + 4 * g.size());
        EXPECT_SAME(h, rg);
        EXPECT_SAME(i, rg);
    }
    EXPECT_EQ(counts::alive(), base);
}

TYPED_TEST(LifetimeTest, MoveConstructAssignAndSwap) {
    TypeParam a;
    ref_map ra;
    fill(a, 0, 3000, &ra);
    const std::size_t n = counts::alive();
    TypeParam b(std::move(a));
    EXPECT_EQ(counts::alive(), n) << "a move of the map moves the table, not the entries";
    EXPECT_TRUE(a.empty());  // NOLINT: moved-from
    EXPECT_SAME(b, ra);
    TypeParam c;
    fill(c, 100000, 100100);
    c = std::move(b);  // c's 100 entries die
    EXPECT_EQ(counts::alive(), n);
    EXPECT_SAME(c, ra);
    EXPECT_TRUE(b.empty());  // NOLINT
    swap(a, c);
    EXPECT_EQ(counts::alive(), n);
    EXPECT_SAME(a, ra);
    EXPECT_TRUE(c.empty());
    TypeParam& alias = a;
    a = std::move(alias);  // self-move
    EXPECT_SAME(a, ra);
    // Moved-from maps are usable.
    fill(b, 0, 10);
    fill(c, 0, 20);
    EXPECT_EQ(counts::alive(), n + 60);
    b.swap(c);
    EXPECT_EQ(b.size(), 20u);
    EXPECT_EQ(c.size(), 10u);
    // Move and swap in the middle of a grow.
    TypeParam g;
    ref_map rg;
    fill_until_growing(g, 0, 8, &rg);
    const std::size_t before = counts::alive();
    TypeParam h(std::move(g));
    EXPECT_TRUE(h.stats().resizing);
    EXPECT_EQ(counts::alive(), before);
    h.swap(b);
    EXPECT_SAME(b, rg);
    g = std::move(b);
    EXPECT_SAME(g, rg);
    EXPECT_EQ(counts::alive(), before);
}

TYPED_TEST(LifetimeTest, EraseInAllWays) {
    TypeParam m;
    ref_map ref;
    const i64 n = fill_until_growing(m, 0, 10, &ref);
    ASSERT_TRUE(m.stats().resizing);
    auto check = [&](const char* what) {
        EXPECT_EQ(counts::alive(), 2 * m.size()) << what;
        EXPECT_SAME(m, ref);
    };
    i64 k = 0;
    for (; k < n / 8; ++k) {  // erase(key)
        EXPECT_EQ(m.erase(counted(k)), 1u);
        ref.erase(k);
    }
    check("erase(key)");
    for (; k < 2 * n / 8; ++k) {  // erase(iterator)
        auto it = m.find(counted(k));
        ASSERT_NE(it, m.end());
        m.erase(it);
        ref.erase(k);
    }
    check("erase(iterator)");
    for (; k < 3 * n / 8; ++k) {  // erase(const_iterator)
        typename TypeParam::const_iterator it = m.find(counted(k));
        m.erase(it);
        ref.erase(k);
    }
    check("erase(const_iterator)");
    {  // erase(first, last): 200 entries from the middle
        auto first = m.begin();
        for (int i = 0; i < 37; ++i) ++first;
        auto last = first;
        for (int i = 0; i < 200 && last != m.end(); ++i, ++last) ref.erase(last->first.value());
        m.erase(typename TypeParam::const_iterator(first), typename TypeParam::const_iterator(last));
        check("erase(first, last)");
    }
    {  // erase(first, end()): the last 150 entries
        auto first = m.begin();
        for (std::size_t i = 0; i + 150 < m.size(); ++i) ++first;
        for (auto it = first; it != m.end(); ++it) ref.erase(it->first.value());
        EXPECT_EQ(m.erase(typename TypeParam::const_iterator(first), m.cend()), m.end());
    }
    check("erase(first, end())");
    const auto odd = gomap::erase_if(m, [](const auto& e) { return e.first.value() % 2 == 1; });
    std::erase_if(ref, [](const auto& e) { return e.first % 2 == 1; });
    EXPECT_GT(odd, 0u);
    check("erase_if");
    m.range([&](const counted& key, auto&) {  // erase inside range(), every third key
        const i64 v = key.value();
        if (v % 3 == 0) {
            m.erase(counted(v));
            ref.erase(v);
        }
    });
    check("erase in range()");
    for (auto it = m.begin(); it != m.end();) it = m.erase(it);
    ref.clear();
    check("erase loop");
    EXPECT_EQ(counts::alive(), 0u);
    // Erasing absent keys builds and destroys only the probe key.
    EXPECT_EQ(m.erase(counted(1)), 0u);
    EXPECT_EQ(counts::alive(), 0u);
}

TYPED_TEST(LifetimeTest, DestroyMidGrowth) {
    for (unsigned B : {3u, 6u, 9u, 12u}) {
        {
            TypeParam m;
            fill_until_growing(m, 0, B);
            ASSERT_TRUE(m.stats().resizing) << "B=" << B;
            // Some erases, and inserts made by a range() (they extend old chains
            // while evacuation is paused), then the map dies mid-grow.
            // (Each erase evacuates up to two old buckets: few enough to stay mid-grow.)
            const i64 erases = (i64{1} << (B - 1)) / 8;
            for (i64 k = 0; k < erases; ++k) EXPECT_EQ(m.erase(counted(k * 3)), 1u);
            i64 next = 1 << 28;
            int budget = 300;
            m.range([&](const counted&, auto&) {
                if (budget-- > 0) m.try_emplace(next++, 1);
            });
            ASSERT_TRUE(m.stats().resizing) << "B=" << B;
            EXPECT_EQ(counts::alive(), 2 * m.size());
            EXPECT_EQ(m.check_invariants(), "");
        }
        EXPECT_EQ(counts::alive(), 0u) << "B=" << B;
    }
}

// gomap::map: destruction, copies and clear in the middle of a shrink.
TYPED_TEST(LifetimeTest, MidShrink) {
    if (std::is_same_v<typename TypeParam::policy_type, gomap::go_policy>)
        GTEST_SKIP() << "go_map never shrinks";
    for (i64 n : {500, 5000, 40000}) {
        {
            TypeParam m;
            ref_map ref;
            fill(m, 0, n, &ref);
            while (m.stats().resizing) {
                m.try_emplace(n, n * 10);
                ref[n] = n * 10;
                ++n;
            }
            i64 k = 0;
            while (!(m.stats().resizing && m.stats().direction == gomap::resize_direction::shrink) && k < n) {
                m.erase(counted(k));
                ref.erase(k++);
            }
            ASSERT_EQ(m.stats().direction, gomap::resize_direction::shrink) << "n=" << n;
            EXPECT_EQ(counts::alive(), 2 * m.size());
            {
                TypeParam c(m);
                EXPECT_SAME(c, ref);
                TypeParam d;
                d = m;
                EXPECT_SAME(d, ref);
                EXPECT_EQ(counts::alive(), 6 * m.size());
            }
            m.range([&](const counted& key, auto&) {  // erases during a paused shrink
                const i64 v = key.value();
                if (v % 4 == 0) {
                    m.erase(counted(v));
                    ref.erase(v);
                }
            });
            EXPECT_TRUE(m.stats().resizing);
            EXPECT_SAME(m, ref);
            EXPECT_EQ(counts::alive(), 2 * m.size());
        }  // destroyed mid-shrink
        EXPECT_EQ(counts::alive(), 0u) << "n=" << n;
        TypeParam m;
        fill(m, 0, n);
        for (i64 k = 0; !(m.stats().resizing && m.stats().direction == gomap::resize_direction::shrink) && k < n; ++k)
            m.erase(counted(k));
        m.clear();
        EXPECT_EQ(counts::alive(), 0u);
        EXPECT_EQ(m.stats().bytes, 0u);
    }
}

// A value (or key) constructor that throws at many points of a long insert
// sequence: the map keeps exactly its previous contents (the grow work already
// done aside), its invariants, and nothing leaks.
TYPED_TEST(LifetimeTest, ThrowingConstructorLeavesPreviousContents) {
    using V = typename TypeParam::mapped_type;
    using value_type = typename TypeParam::value_type;
    TypeParam m;
    ref_map ref;
    std::size_t failures = 0, failures_while_growing = 0;
    for (i64 i = 0; i < 4000; ++i) {
        const i64 k = (i * 7919) % 100003;
        if (i % 3 == 0) {
            const counted key(k);
            const V val(k * 10);
            const value_type entry(counted(k), V(k * 10));
            counted moved_key(k);
            const std::size_t alive = counts::alive();
            if (m.stats().resizing) ++failures_while_growing;
            // Fail at the first or second construction the map makes.
            // (try_emplace(K&&, v) makes one: the key is moved, not built.)
            const std::size_t op = static_cast<std::size_t>(i / 3) % 8;
            counts::throw_countdown = op == 7 ? 1 : 1 + static_cast<std::size_t>(i / 24) % 2;
            bool threw = false;
            try {
                switch (op) {
                    case 0: m.try_emplace(key, val); break;
                    case 1: m.emplace(key, val); break;
                    case 2: m.insert(entry); break;
                    case 3: m[key]; break;
                    case 4: m.insert_or_assign(key, val); break;
                    case 5: m.emplace(entry); break;
                    case 6: m.emplace_hint(m.cbegin(), key, val); break;
                    default: m.try_emplace(std::move(moved_key), val); break;
                }
            } catch (const counted_error&) {
                threw = true;
            }
            counts::throw_countdown = 0;
            ASSERT_TRUE(threw) << "i=" << i;
            ++failures;
            EXPECT_EQ(counts::alive(), alive) << "i=" << i << ": a half-built entry leaked or died twice";
            EXPECT_FALSE(m.contains(key));
            ASSERT_EQ(m.size(), ref.size());
            if (i % 30 == 0 || m.stats().resizing) {
                std::string why;
                ASSERT_TRUE(same_contents(m, ref, &why)) << "i=" << i << ": " << why;
            }
        }
        m.try_emplace(k, k * 10);
        ref.emplace(k, k * 10);
    }
    EXPECT_SAME(m, ref);
    EXPECT_EQ(counts::alive(), 2 * m.size());
    EXPECT_GE(failures, 1300u);
    EXPECT_GT(failures_while_growing, 20u) << "the failures must hit grows in progress too";

    // A copy that fails part-way leaves no trace; copy-assignment leaves the
    // destination as it was.
    for (std::size_t at : {1u, 2u, 777u, 3001u}) {
        const std::size_t alive = counts::alive();
        counts::throw_countdown = at;
        EXPECT_THROW({ TypeParam copy(m); }, counted_error);
        counts::throw_countdown = 0;
        EXPECT_EQ(counts::alive(), alive);
        TypeParam dst;
        fill(dst, 0, 50);
        const std::size_t alive2 = counts::alive();
        counts::throw_countdown = at;
        EXPECT_THROW(dst = m, counted_error);
        counts::throw_countdown = 0;
        EXPECT_EQ(counts::alive(), alive2);
        ref_map r50;
        for (i64 k = 0; k < 50; ++k) r50[k] = k * 10;
        EXPECT_SAME(dst, r50);
    }
}

// ---------------------------------------------------------------------------
// Allocation failure: bombing_allocator throws at the N-th allocation.

template <class V>
using bomb_alloc = gomap_test::bombing_allocator<std::pair<const counted, V>>;
using bomb_direct = gomap::go_map<counted, counted, gomap::hash<counted>, std::equal_to<counted>, bomb_alloc<counted>>;
using bomb_map = gomap::map<counted, counted, gomap::hash<counted>, std::equal_to<counted>, bomb_alloc<counted>>;
using bomb_indirect = gomap::go_map<counted, big, gomap::hash<counted>, std::equal_to<counted>, bomb_alloc<big>>;

// A weak hash whose low byte takes 4 values: long chains with overflow buckets,
// so that evacuation must allocate several destination overflow buckets.
struct clustered_hash {
    std::uint64_t operator()(const counted& k, std::uint64_t seed) const {
        const std::uint64_t h = gomap::hash<i64>{}(k.value(), seed);
        return (h & ~std::uint64_t{0xFF}) | static_cast<std::uint64_t>(k.value() & 3);
    }
};
using bomb_clustered = gomap::go_map<counted, counted, clustered_hash, std::equal_to<counted>, bomb_alloc<counted>>;

class BombTest : public ::testing::Test {
protected:
    void SetUp() override {
        counts::reset();
        bomb::countdown = 0;
        bomb::live_bytes = 0;
    }
    void TearDown() override {
        bomb::countdown = 0;
        EXPECT_EQ(bomb::live_bytes, 0u) << "bytes not returned to the allocator";
        EXPECT_EQ(counts::alive(), 0u);
    }
};

// For N = 1..200 (or every allocation, if fewer): a fresh map, inserts (that grow it) until the N-th
// allocation throws; then the map must be valid and equal to the reference,
// keep working, and give every byte back when it dies.
template <class M>
void bomb_inserts(i64 max_keys) {
    // Where the failures fell: in an insert made while a grow was in progress,
    // in the insert that starts a grow (its new array), or elsewhere.
    std::size_t thrown = 0, thrown_while_growing = 0, thrown_at_grow_start = 0, failed_present = 0;
    // How many allocations the inserts make (go_map: arrays and overflow
    // buckets; gomap::map: one block per array): each is failed once, up to 200.
    std::size_t allocations = 0;
    {
        M m;
        bomb::countdown = std::numeric_limits<std::size_t>::max();
        for (i64 k = 0; k < max_keys; ++k) m.try_emplace(k, k * 10);
        allocations = std::numeric_limits<std::size_t>::max() - bomb::countdown;
        bomb::countdown = 0;
    }
    ASSERT_GE(allocations, 8u);
    const std::size_t points = std::min<std::size_t>(allocations, 200);
    for (std::size_t N = 1; N <= points; ++N) {
        SCOPED_TRACE("N=" + std::to_string(N));
        {
            M m;
            ref_map ref;
            bomb::countdown = N;
            i64 failed = -1;
            for (i64 k = 0; k < max_keys; ++k) {
                const auto st = m.stats();
                const std::size_t next_count = m.size() + 1;
                bool grow_start;
                if constexpr (!std::is_same_v<typename M::policy_type, gomap::go_policy>)
                    grow_start = next_count > m.bucket_count() / 8 * 7;  // past 7/8 of the slots
                else
                    grow_start = !st.resizing && next_count > 8 && next_count > 13 * ((std::size_t{1} << st.B) / 2);
                try {
                    m.try_emplace(k, k * 10);
                } catch (const std::bad_alloc&) {
                    failed = k;
                    thrown_while_growing += st.resizing;
                    thrown_at_grow_start += grow_start;
                    break;
                }
                ref.emplace(k, k * 10);
            }
            bomb::countdown = 0;
            ASSERT_NE(failed, -1) << "the " << N << "-th allocation never came";
            ++thrown;
            // The failed insert is absent or fully present.
            if (auto it = m.find(counted(failed)); it != m.end()) {
                EXPECT_EQ(it->second.value(), failed * 10);
                ref.emplace(failed, failed * 10);
                ++failed_present;
            }
            std::string why;
            ASSERT_TRUE(same_contents(m, ref, &why)) << "after bad_alloc at insert of key " << failed << ": " << why;
            EXPECT_EQ(counts::alive(), 2 * m.size());
            // It keeps working: the failed key again, more growth, erases.
            for (i64 k = failed; k < failed + 300; ++k) {
                m.try_emplace(k, k * 10);
                ref.emplace(k, k * 10);
            }
            for (i64 k = 0; k < failed; k += 3) {
                m.erase(counted(k));
                ref.erase(k);
            }
            ASSERT_TRUE(same_contents(m, ref, &why)) << why;
        }
        ASSERT_EQ(bomb::live_bytes, 0u) << "leak after bad_alloc at the " << N << "-th allocation";
        ASSERT_EQ(counts::alive(), 0u);
    }
    EXPECT_EQ(thrown, points);
    EXPECT_GT(thrown_while_growing + thrown_at_grow_start, 0u) << "no allocation failure hit a grow";
    std::cout << "[ bomb ] failures while growing: " << thrown_while_growing
              << ", at a grow's start: " << thrown_at_grow_start
              << ", failed insert present afterwards: " << failed_present << "\n";
}

TEST_F(BombTest, BadAllocDuringGrowingInsertsDirectEntries) { bomb_inserts<bomb_direct>(12000); }
TEST_F(BombTest, BadAllocDuringGrowingInsertsMap) { bomb_inserts<bomb_map>(12000); }
TEST_F(BombTest, BadAllocDuringGrowingInsertsIndirectEntries) { bomb_inserts<bomb_indirect>(12000); }
// Long chains: evacuation needs several new overflow buckets per chain. If it
// gets some and then meets bad_alloc, it must release them (a retry
// re-initialises the destination; this once leaked them).
TEST_F(BombTest, BadAllocDuringGrowingInsertsLongChains) { bomb_inserts<bomb_clustered>(2000); }

// gomap::map: erases start shrinks (a new, smaller array), so allocations
// fail inside erases too. An erase that
// removed its key does not throw (map.hpp, EXCEPTIONS: the resize step is
// best-effort), so every erase succeeds; afterwards the map is valid, equal
// to the reference, and gives every byte back.
template <class M>
void bomb_erases(i64 n, std::size_t max_n) {
    std::size_t thrown = 0, thrown_while_shrinking = 0, fired = 0;
    for (std::size_t N = 1; N <= max_n; ++N) {
        SCOPED_TRACE("N=" + std::to_string(N));
        {
            M m;
            ref_map ref;
            fill(m, 0, n, &ref);
            bomb::countdown = N;
            for (i64 k = 0; k < n - n / 20; ++k) {
                const bool shrinking = m.stats().direction == gomap::resize_direction::shrink;
                try {
                    m.erase(counted(k));
                } catch (const std::bad_alloc&) {
                    ++thrown;
                    thrown_while_shrinking += shrinking;
                    if (m.contains(counted(k))) continue;  // still there: keep it in the reference
                }
                ref.erase(k);
            }
            fired += bomb::countdown == 0;  // the N-th allocation happened (and failed)
            bomb::countdown = 0;
            std::string why;
            ASSERT_TRUE(same_contents(m, ref, &why)) << "after erases with bad_alloc: " << why;
            ASSERT_EQ(m.check_invariants(), "");
            fill(m, 0, n / 2, &ref);
            ASSERT_TRUE(same_contents(m, ref, &why)) << why;
        }
        ASSERT_EQ(bomb::live_bytes, 0u) << "leak after bad_alloc at the " << N << "-th allocation";
        ASSERT_EQ(counts::alive(), 0u);
    }
    EXPECT_EQ(thrown, 0u) << "an erase that removed its key threw";
    EXPECT_GE(fired, 2u) << "allocation failures must have hit erases";
    std::cout << "[ bomb ] allocation failures inside erases: " << fired << ", thrown: " << thrown
              << ", while shrinking: " << thrown_while_shrinking << "\n";
}

TEST_F(BombTest, BadAllocDuringShrinkingErases) { bomb_erases<bomb_map>(6000, 40); }

// The same with one long probe sequence: the hash's top bits are 0, so every
// key's home group is group 0, and each migration step walks far to place
// the entries it moves.
struct low_bits_zero_hash {
    std::uint64_t operator()(const counted& k, std::uint64_t) const { return static_cast<std::uint64_t>(k.value()) << 4; }
};
using bomb_map_chain =
    gomap::map<counted, counted, low_bits_zero_hash, std::equal_to<counted>, bomb_alloc<counted>>;
TEST_F(BombTest, BadAllocDuringShrinkingErasesLongChains) { bomb_erases<bomb_map_chain>(1500, 30); }

// bad_alloc from an insert made inside range() (it may need a new overflow
// bucket) propagates out of the loop and leaves a valid, working map.
TEST_F(BombTest, BadAllocInsideRange) {
    std::size_t thrown = 0;
    for (std::size_t N = 1; N <= 60; ++N) {
        SCOPED_TRACE("N=" + std::to_string(N));
        {
            bomb_direct m;
            ref_map ref;
            fill_until_growing(m, 0, 7, &ref);
            i64 next = 1 << 20;
            bool threw = false;
            bomb::countdown = N;
            try {
                m.range([&](const counted& key, counted&) {
                    if (key.value() >= (1 << 20)) return;  // only original keys insert: a bounded loop
                    for (int t = 0; t < 4; ++t, ++next) {
                        m.try_emplace(next, next * 10);
                        ref.emplace(next, next * 10);
                    }
                });
            } catch (const std::bad_alloc&) {
                threw = true;
                if (m.contains(counted(next))) ref.emplace(next, next * 10);
            }
            bomb::countdown = 0;
            thrown += threw;
            std::string why;
            ASSERT_TRUE(same_contents(m, ref, &why)) << why;
            fill(m, 1 << 22, (1 << 22) + 3000, &ref);  // growth resumes
            ASSERT_TRUE(same_contents(m, ref, &why)) << why;
        }
        ASSERT_EQ(bomb::live_bytes, 0u);
        ASSERT_EQ(counts::alive(), 0u);
    }
    EXPECT_GT(thrown, 10u);
}

// bad_alloc while copying a map (mid-grow) returns every byte; copy-assignment
// leaves the destination untouched.
TEST_F(BombTest, BadAllocDuringCopy) {
    bomb_indirect src;
    ref_map ref;
    fill_until_growing(src, 0, 9, &ref);
    const std::size_t src_bytes = bomb::live_bytes;
    std::size_t thrown = 0;
    for (std::size_t N = 1; N <= 120; N += (N < 20 ? 1 : 17)) {
        bomb::countdown = N;
        try {
            bomb_indirect copy(src);
            bomb::countdown = 0;
            EXPECT_SAME(copy, ref);
        } catch (const std::bad_alloc&) {
            ++thrown;
        }
        bomb::countdown = 0;
        EXPECT_EQ(bomb::live_bytes, src_bytes) << "N=" << N;
        bomb_indirect dst;
        dst.try_emplace(-1, -10);
        const std::size_t before = bomb::live_bytes;
        bomb::countdown = N;
        try {
            dst = src;
        } catch (const std::bad_alloc&) {
            ++thrown;
            bomb::countdown = 0;
            EXPECT_EQ(bomb::live_bytes, before);
            EXPECT_SAME(dst, (ref_map{{-1, -10}}));
        }
        bomb::countdown = 0;
    }
    EXPECT_GT(thrown, 20u);
    EXPECT_SAME(src, ref);
}

// map.hpp: "allocation failure throws std::bad_alloc" — also from reserve() on
// a non-empty map, which rebuilds the table and may need overflow buckets.
// Run in a child process: if the library terminates, only the child dies.
// reserve() on a full map rebuilds it; bad_alloc must come out as bad_alloc
// with the map unchanged (it once called std::terminate from a noexcept move).
TEST_F(BombTest, BadAllocDuringReserveThrows) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    auto body = [] {
        bomb_clustered m;
        for (i64 k = 0; k < 2000; ++k) m.try_emplace(k, k);
        for (std::size_t N = 2; N <= 80; ++N) {
            bomb_clustered c(m);
            bomb::countdown = N;
            try {
                c.reserve(8000);
            } catch (const std::bad_alloc&) {
                bomb::countdown = 0;
                if (!c.check_invariants().empty() || c.size() != m.size()) std::_Exit(2);
            }
            bomb::countdown = 0;
        }
        std::_Exit(0);
    };
    EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

// ---------------------------------------------------------------------------
// stats().bytes against a counting_allocator.

template <class V>
using count_alloc = gomap::counting_allocator<std::pair<const std::uint64_t, V>>;
struct fat {  // > 128 bytes: indirect
    std::uint64_t v = 0;
    unsigned char pad[192] = {};
};
using cmap = gomap::go_map<std::uint64_t, std::uint64_t, gomap::hash<std::uint64_t>, std::equal_to<std::uint64_t>,
                           count_alloc<std::uint64_t>>;
using cmap_map = gomap::map<std::uint64_t, std::uint64_t, gomap::hash<std::uint64_t>,
                               std::equal_to<std::uint64_t>, count_alloc<std::uint64_t>>;
using cmap_fat = gomap::go_map<std::uint64_t, fat, gomap::hash<std::uint64_t>, std::equal_to<std::uint64_t>,
                               count_alloc<fat>>;

template <class M>
void bytes_follow_the_allocator() {
    using A = typename M::allocator_type;
    gomap::allocation_counter c;
    {
        M m{A(&c)};
        EXPECT_EQ(m.stats().bytes, 0u);
        EXPECT_EQ(c.bytes, 0u);
        std::size_t checks_while_growing = 0;
        for (std::uint64_t k = 0; k < 30000; ++k) {
            m[k];
            const auto s = m.stats();
            ASSERT_EQ(s.bytes, c.bytes) << "after insert " << k << (s.resizing ? " (growing)" : "");
            checks_while_growing += s.resizing;
        }
        EXPECT_GT(checks_while_growing, 1000u);
        for (std::uint64_t k = 0; k < 30000; k += 2) {
            m.erase(k);
            ASSERT_EQ(m.stats().bytes, c.bytes) << "after erase " << k;
        }
        for (auto it = m.begin(); it != m.end();) {
            it = m.erase(it);
            if (m.size() % 1000 == 0) {
                ASSERT_EQ(m.stats().bytes, c.bytes);
            }
        }
        EXPECT_EQ(m.stats().bytes, c.bytes);
        m.clear();
        EXPECT_EQ(m.stats().bytes, c.bytes);
        for (std::uint64_t k = 0; k < 5000; ++k) m[k];
        m.reserve(100000);
        EXPECT_EQ(m.stats().bytes, c.bytes) << "after reserve";
        m.rehash(40000);
        EXPECT_EQ(m.stats().bytes, c.bytes) << "after rehash";
        {
            M copy(m);  // same counter (select_on_container_copy_construction)
            EXPECT_EQ(m.stats().bytes + copy.stats().bytes, c.bytes);
            M moved(std::move(copy));
            EXPECT_EQ(copy.stats().bytes, 0u);  // NOLINT
            EXPECT_EQ(m.stats().bytes + moved.stats().bytes, c.bytes);
        }
        EXPECT_EQ(m.stats().bytes, c.bytes);
        // Mid-grow, and with inserts made during range() (paused evacuation).
        M g{A(&c)};
        std::uint64_t k = 0;
        while (!(g.stats().resizing && g.stats().B >= 10)) g[k++];
        std::uint64_t extra = 1u << 30;
        g.range([&](const std::uint64_t&, auto&) {
            if (extra < (1u << 30) + 2000) g[extra++];
        });
        EXPECT_EQ(m.stats().bytes + g.stats().bytes, c.bytes);
        while (g.stats().resizing) g[k++];
        EXPECT_EQ(m.stats().bytes + g.stats().bytes, c.bytes);
    }
    EXPECT_EQ(c.bytes, 0u) << "bytes left after destruction";
    EXPECT_EQ(c.allocations, c.deallocations);
}

TEST(CountingAllocatorTest, StatsBytesEqualLiveAllocatorBytes) { bytes_follow_the_allocator<cmap>(); }
TEST(CountingAllocatorTest, StatsBytesEqualLiveAllocatorBytesMap) { bytes_follow_the_allocator<cmap_map>(); }
TEST(CountingAllocatorTest, StatsBytesEqualLiveAllocatorBytesIndirect) { bytes_follow_the_allocator<cmap_fat>(); }

// counting_allocator propagates on copy/move assignment and swap: each map's
// memory must be given back to the allocator (counter) it came from.
TEST(CountingAllocatorTest, AssignmentAndSwapBetweenCounters) {
    using A = cmap::allocator_type;
    gomap::allocation_counter ca, cb;
    {
        cmap a{A(&ca)}, b{A(&cb)};
        for (std::uint64_t k = 0; k < 100; ++k) a[k] = k;
        for (std::uint64_t k = 0; k < 1000; ++k) b[k] = k;
        ASSERT_EQ(a.stats().bytes, ca.bytes);
        ASSERT_EQ(b.stats().bytes, cb.bytes);
        a.swap(b);  // allocators travel with the tables
        EXPECT_EQ(a.stats().bytes, cb.bytes);
        EXPECT_EQ(b.stats().bytes, ca.bytes);
        a.swap(b);
        a = b;  // copy-assign: a now allocates from cb; its old table goes back to ca
        EXPECT_EQ(ca.bytes, 0u) << "a's old table was not returned to its own allocator";
        EXPECT_EQ(cb.bytes, a.stats().bytes + b.stats().bytes);
    }
    EXPECT_EQ(ca.bytes, 0u);
    EXPECT_EQ(cb.bytes, 0u);
    gomap::allocation_counter cc, cd;
    {
        cmap c{A(&cc)}, d{A(&cd)};
        for (std::uint64_t k = 0; k < 100; ++k) c[k] = k;
        for (std::uint64_t k = 0; k < 1000; ++k) d[k] = k;
        c = std::move(d);  // move-assign: c takes d's table and allocator; c's old table goes back to cc
        EXPECT_EQ(cc.bytes, 0u) << "c's old table was not returned to its own allocator";
        EXPECT_EQ(cd.bytes, c.stats().bytes);
    }
    EXPECT_EQ(cc.bytes, 0u);
    EXPECT_EQ(cd.bytes, 0u);
}

}  // namespace
