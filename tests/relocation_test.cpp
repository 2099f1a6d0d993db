// relocation_test.cpp — entries are moved by constructors, never by memcpy.
//
// gomap_test::tracked (tests/support/tracked.hpp) keeps a pointer to itself,
// set in every constructor and checked in every member function and in the
// destructor, and a registry of live addresses: it aborts on the use of a
// destroyed object, of a bitwise-relocated one (memcpy'd without a
// constructor), or on a construction over a live object. The death tests at
// the end show that the detector fires.
//
// With tracked as the key, as the value, and inside a value larger than 128
// bytes (stored out of line, so the map moves pointers to it), in both
// gomap::go_map and gomap::map, the test runs: growth (incremental, checked
// in the middle), erases down to a tenth (gomap::map shrinks, checked in the
// middle), erase(iterator), erase and insert during range(), clear (also
// mid-grow), copy construction and assignment, move construction and
// assignment, swap, shrink_to_fit, reserve and rehash (rehash of the whole
// table), and destruction in the middle of a grow. After every step: the
// number of live tracked objects equals (tracked per entry) x (entries in the
// live maps) — and equals the registry's size —, every entry's key and value
// are read (which checks them), and check_invariants() == "".

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/tracked.hpp"

namespace {

using gomap_test::tracked;
using i64 = std::int64_t;

// A value over 128 bytes (Go's maxElemSize): kept out of line.
struct fat {
    tracked t;
    unsigned char pad[160];
    fat(i64 v) : t(v) { std::memset(pad, static_cast<unsigned char>(v), sizeof pad); }  // NOLINT: implicit
    i64 value() const {
        const i64 v = t.value();
        if (v != tracked::kMovedFrom && pad[0] != static_cast<unsigned char>(v)) std::abort();
        return v;
    }
};
static_assert(gomap::detail::slot_traits<tracked, fat>::indirect);
static_assert(!gomap::detail::slot_traits<tracked, i64>::indirect);
static_assert(!gomap::detail::slot_traits<i64, tracked>::indirect);

i64 value_of(i64 v) { return v; }
i64 value_of(const tracked& t) { return t.value(); }
i64 value_of(const fat& f) { return f.value(); }

template <class T>
constexpr std::size_t tracked_in = std::is_same_v<T, i64> ? 0 : 1;

template <class M>
constexpr std::size_t per_entry = tracked_in<typename M::key_type> + tracked_in<typename M::mapped_type>;

template <class M>
typename M::key_type key(i64 k) {
    return typename M::key_type(k);
}

// Reference: key -> value.
using ref_t = std::map<i64, i64>;

// Every entry is read (each read checks the object), the contents match the
// reference, the invariants hold.
template <class M>
void expect_contents(const M& m, const ref_t& ref, const char* where) {
    SCOPED_TRACE(where);
    ASSERT_EQ(m.size(), ref.size());
    std::size_t n = 0;
    for (const auto& e : m) {
        const i64 k = value_of(e.first), v = value_of(e.second);
        auto it = ref.find(k);
        ASSERT_NE(it, ref.end()) << "extra key " << k;
        ASSERT_EQ(v, it->second) << "key " << k;
        ++n;
    }
    ASSERT_EQ(n, ref.size());
    ASSERT_EQ(m.check_invariants(), "");
}

// The relocation-safe element counts: as many tracked objects alive (and
// registered) as the live maps' entries hold, plus `extra`.
#define EXPECT_BALANCED(entries, extra)                                                  \
    do {                                                                                 \
        EXPECT_EQ(tracked::alive(), per_entry<M> * (entries) + (extra));                 \
        EXPECT_EQ(tracked::registered(), tracked::alive()) << "registry out of step";    \
    } while (0)

template <class M>
class Relocation : public ::testing::Test {
protected:
    void SetUp() override { base_ = tracked::alive(); }
    void TearDown() override { EXPECT_EQ(tracked::alive(), base_) << "tracked objects leaked"; }
    std::size_t base_ = 0;
};

using Maps = ::testing::Types<gomap::go_map<tracked, i64>, gomap::map<tracked, i64>, gomap::go_map<i64, tracked>,
                              gomap::map<i64, tracked>, gomap::go_map<tracked, fat>, gomap::map<tracked, fat>,
                              gomap::node_map<tracked, i64>, gomap::node_map<i64, tracked>>;
TYPED_TEST_SUITE(Relocation, Maps);

template <class M>
void fill(M& m, ref_t& ref, i64 from, i64 to) {
    for (i64 k = from; k < to; ++k) {
        m.try_emplace(key<M>(k), k * 3);
        ref[k] = k * 3;
    }
}

TYPED_TEST(Relocation, GrowAndShrink) {
    using M = TypeParam;
    M m;
    ref_t ref;
    std::size_t checked_growing = 0, resize_checked = 0;
    const std::size_t moves_before = tracked::moves;
    for (i64 k = 0; k < 6000; ++k) {
        m.try_emplace(key<M>(k), k * 3);
        ref[k] = k * 3;
        EXPECT_BALANCED(m.size(), 0u);
        // Every 50th insert while growing, and at least once per resize (the
        // flat engine's take a few dozen writes).
        if (m.stats().resizing && (k % 50 == 0 || m.stats().resizes != resize_checked)) {
            resize_checked = m.stats().resizes;
            ++checked_growing;
            expect_contents(m, ref, "growing");
        }
    }
    EXPECT_GT(checked_growing, 5u);
    EXPECT_GE(m.stats().B, 9);
    // Each insert moved its key in (when it is tracked). Evacuation relocated
    // in-line entries with their move constructors (the grows moved ~6600
    // entries in all); an out-of-line entry never moves (the map moves the
    // pointer to it).
    const std::size_t insert_moves = 6000 * tracked_in<typename M::key_type>;
    // (gomap::map's flat engine keeps every entry in its slot: all move;
    // gomap::node_map's slots hold pointers: none does.)
    if constexpr (std::is_same_v<typename M::policy_type, gomap::node_policy> ||
                  (std::is_same_v<typename M::policy_type, gomap::go_policy> &&
                   gomap::detail::slot_traits<typename M::key_type, typename M::mapped_type>::indirect))
        EXPECT_EQ(tracked::moves - moves_before, insert_moves);
    else
        EXPECT_GT(tracked::moves - moves_before, insert_moves + 3000);
    expect_contents(m, ref, "grown");
    // Erase down to a tenth: gomap::map shrinks on the way.
    std::size_t checked_shrinking = 0;
    for (i64 k = 0; k < 5400; ++k) {
        ASSERT_EQ(m.erase(key<M>(k)), 1u);
        ref.erase(k);
        EXPECT_BALANCED(m.size(), 0u);
        if (m.stats().direction == gomap::resize_direction::shrink && k % 7 == 0) {
            ++checked_shrinking;
            expect_contents(m, ref, "shrinking");
        }
    }
    expect_contents(m, ref, "after erases");
    if constexpr (!std::is_same_v<typename M::policy_type, gomap::go_policy>) {
        EXPECT_GT(m.stats().shrinks, 0u);
        EXPECT_GT(checked_shrinking, 0u);
    }
    // Present keys: nothing is built that stays.
    for (i64 k = 5400; k < 6000; ++k) m.try_emplace(key<M>(k), 0);
    EXPECT_BALANCED(m.size(), 0u);
    expect_contents(m, ref, "after inserting present keys");
    // Assign over existing entries.
    for (i64 k = 5400; k < 6000; k += 2) {
        m.insert_or_assign(key<M>(k), k * 5);
        ref[k] = k * 5;
    }
    EXPECT_BALANCED(m.size(), 0u);
    expect_contents(m, ref, "after insert_or_assign");
}

TYPED_TEST(Relocation, EraseByIteratorAndInRange) {
    using M = TypeParam;
    M m;
    ref_t ref;
    // Stop in the middle of a grow: erase(iterator) and range() then see old
    // and new buckets.
    for (i64 k = 0;; ++k) {
        m.try_emplace(key<M>(k), k * 3);
        ref[k] = k * 3;
        if (m.stats().resizing && m.stats().B >= 10 && m.stats().nevacuate > 100) break;
    }
    EXPECT_BALANCED(m.size(), 0u);
    for (auto it = m.begin(); it != m.end();) {
        const i64 k = value_of(it->first);
        if (k % 3 == 0) {
            ref.erase(k);
            it = m.erase(it);
            EXPECT_BALANCED(m.size(), 0u);
        } else {
            ++it;
        }
    }
    expect_contents(m, ref, "after erase(iterator)");
    // range(): erase the current key, erase others, insert new keys.
    i64 next = 1 << 20;
    m.range([&](const auto& k, auto& v) {
        const i64 kv = value_of(k);
        EXPECT_EQ(value_of(v), ref.at(kv));
        if (kv % 5 == 0) {
            m.erase(key<M>(kv));  // the current entry
            ref.erase(kv);
        } else if (kv % 5 == 1) {
            m.erase(key<M>(kv + 1));
            ref.erase(kv + 1);
        } else if (kv % 7 == 0 && kv < (1 << 20)) {
            m.try_emplace(key<M>(next), next * 3);
            ref[next] = next * 3;
            ++next;
        }
    });
    EXPECT_BALANCED(m.size(), 0u);
    expect_contents(m, ref, "after range()");
    // Erase a range through iterators, then the rest one by one.
    auto first = m.begin();
    auto last = first;
    for (int i = 0; i < 100 && last != m.end(); ++i) ++last;
    for (auto it = first; it != last; ++it) ref.erase(value_of(it->first));
    m.erase(first, last);
    EXPECT_BALANCED(m.size(), 0u);
    expect_contents(m, ref, "after erase(first, last)");
    for (auto it = m.begin(); it != m.end();) it = m.erase(it);
    ref.clear();
    EXPECT_BALANCED(0u, 0u);
    expect_contents(m, ref, "emptied by erase(iterator)");
    // range() erasing every entry.
    fill(m, ref, 0, 3000);
    m.range([&](const auto& k, auto&) { m.erase(key<M>(value_of(k))); });
    ref.clear();
    EXPECT_BALANCED(0u, 0u);
    expect_contents(m, ref, "emptied in range()");
}

TYPED_TEST(Relocation, ClearAndDestroyMidGrow) {
    using M = TypeParam;
    {
        M m;
        ref_t ref;
        fill(m, ref, 0, 3000);
        m.clear();
        ref.clear();
        EXPECT_BALANCED(0u, 0u);
        expect_contents(m, ref, "cleared");
        for (i64 k = 0;; ++k) {
            m.try_emplace(key<M>(k), k * 3);
            ref[k] = k * 3;
            if (m.stats().resizing && m.stats().B >= 10) break;
        }
        m.clear();
        ref.clear();
        EXPECT_BALANCED(0u, 0u);
        expect_contents(m, ref, "cleared mid-grow");
        fill(m, ref, 0, 1000);
        expect_contents(m, ref, "refilled");
        // clear() inside range().
        m.range([&](const auto&, auto&) {
            if (!m.empty()) m.clear();
        });
        ref.clear();
        EXPECT_BALANCED(0u, 0u);
        expect_contents(m, ref, "cleared in range()");
        for (i64 k = 0;; ++k) {
            m.try_emplace(key<M>(k), k * 3);
            if (m.stats().resizing && m.stats().B >= 11) break;
        }
        EXPECT_BALANCED(m.size(), 0u);
    }  // destroyed in the middle of a grow
    EXPECT_BALANCED(0u, 0u);
}

TYPED_TEST(Relocation, CopyMoveSwap) {
    using M = TypeParam;
    M a;
    ref_t ra;
    for (i64 k = 0;; ++k) {  // a: in the middle of a grow
        a.try_emplace(key<M>(k), k * 3);
        ra[k] = k * 3;
        if (a.stats().resizing && a.stats().B >= 10 && a.stats().nevacuate > 50) break;
    }
    M b;
    ref_t rb;
    fill(b, rb, 100000, 101500);
    const std::size_t na = a.size(), nb = b.size();
    EXPECT_BALANCED(na + nb, 0u);
    {
        M c(a);  // copy construction
        EXPECT_BALANCED(2 * na + nb, 0u);
        expect_contents(c, ra, "copy");
        expect_contents(a, ra, "copy source");
        c = b;  // copy assignment
        EXPECT_BALANCED(na + 2 * nb, 0u);
        expect_contents(c, rb, "copy-assigned");
        M d(std::move(c));  // move construction
        EXPECT_BALANCED(na + 2 * nb, 0u);
        EXPECT_TRUE(c.empty());
        expect_contents(d, rb, "move-constructed");
        c = std::move(d);  // move assignment
        EXPECT_BALANCED(na + 2 * nb, 0u);
        expect_contents(c, rb, "move-assigned");
        c = a;  // copy assignment over a non-empty map, from a mid-grow one
        EXPECT_BALANCED(2 * na + nb, 0u);
        expect_contents(c, ra, "copy-assigned from mid-grow");
        c.swap(b);
        EXPECT_BALANCED(2 * na + nb, 0u);
        expect_contents(c, rb, "swapped (c)");
        expect_contents(b, ra, "swapped (b)");
        swap(b, c);
        expect_contents(b, rb, "swapped back (b)");
        expect_contents(c, ra, "swapped back (c)");
        // The copy keeps working: grow it, erase from it.
        ref_t rc = ra;
        fill(c, rc, 200000, 203000);
        for (i64 k = 0; k < 1000; ++k) {
            c.erase(key<M>(k));
            rc.erase(k);
        }
        EXPECT_BALANCED(na + nb + c.size(), 0u);
        expect_contents(c, rc, "copy after more writes");
        expect_contents(a, ra, "source after writes to the copy");
        M e(std::move(a));  // move construction from a mid-grow map
        EXPECT_TRUE(a.empty());
        a = std::move(e);
        EXPECT_BALANCED(na + nb + c.size(), 0u);
        expect_contents(a, ra, "moved back");
    }
    EXPECT_BALANCED(na + nb, 0u);
    expect_contents(b, rb, "b at the end");
}

TYPED_TEST(Relocation, ShrinkToFitReserveRehash) {
    using M = TypeParam;
    M m;
    ref_t ref;
    for (i64 k = 0;; ++k) {  // in the middle of a grow
        m.try_emplace(key<M>(k), k * 3);
        ref[k] = k * 3;
        if (m.stats().resizing && m.stats().B >= 10 && m.stats().nevacuate > 50) break;
    }
    m.reserve(4 * m.size());  // rehash of a mid-grow table
    EXPECT_FALSE(m.stats().resizing);
    EXPECT_BALANCED(m.size(), 0u);
    expect_contents(m, ref, "reserved");
    m.rehash(2 * m.bucket_count());
    EXPECT_BALANCED(m.size(), 0u);
    expect_contents(m, ref, "rehashed");
    for (auto it = ref.begin(); it != ref.end();) {
        if (it->first % 8 != 0) {
            m.erase(key<M>(it->first));
            it = ref.erase(it);
        } else {
            ++it;
        }
    }
    EXPECT_BALANCED(m.size(), 0u);
    expect_contents(m, ref, "sparse");
    const auto B_before = m.stats().B;
    m.shrink_to_fit();
    EXPECT_LE(m.stats().B, B_before);
    EXPECT_FALSE(m.stats().resizing);
    EXPECT_BALANCED(m.size(), 0u);
    expect_contents(m, ref, "shrunk to fit");
    // gomap::map: shrink_to_fit in the middle of an automatic shrink.
    M s;
    ref_t rs;
    fill(s, rs, 0, 5000);
    for (i64 k = 0; k < 4500 && s.stats().direction != gomap::resize_direction::shrink; ++k) {
        s.erase(key<M>(k));
        rs.erase(k);
    }
    s.shrink_to_fit();
    EXPECT_BALANCED(m.size() + s.size(), 0u);
    expect_contents(s, rs, "shrunk to fit mid-shrink");
    s.reserve(s.size() * 4);
    expect_contents(s, rs, "reserved after shrink");
    EXPECT_BALANCED(m.size() + s.size(), 0u);
}

// The detector itself: a bitwise copy, a destroyed object, a construction
// over a live object all abort.
TEST(TrackedDeathTest, DetectsRelocationAndDeadObjects) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            tracked t(5);
            alignas(tracked) unsigned char raw[sizeof(tracked)];
            std::memcpy(raw, static_cast<const void*>(&t), sizeof t);
            (void)std::launder(reinterpret_cast<tracked*>(raw))->value();
        },
        "bitwise-relocated");
    EXPECT_DEATH(
        {
            alignas(tracked) unsigned char raw[sizeof(tracked)];
            auto* p = new (raw) tracked(5);
            p->~tracked();
            (void)p->value();
        },
        "destroyed");
    EXPECT_DEATH(
        {
            alignas(tracked) unsigned char raw[sizeof(tracked)];
            new (raw) tracked(5);
            new (raw) tracked(6);
        },
        "over a live object");
    // Moving is fine: the new object lives at its own address, the old one
    // holds kMovedFrom until destroyed.
    tracked a(7);
    tracked b(std::move(a));
    EXPECT_EQ(b.value(), 7);
    EXPECT_EQ(a.value(), tracked::kMovedFrom);
}

}  // namespace
