// throwing_move_test.cpp — value types whose move constructor may throw, on
// gomap::map and gomap::go_map: std::deque (libstdc++'s move allocates), a
// C++03 class with only a copy constructor, a copyable type whose move is
// not noexcept, and a move-only type whose move may throw.
//
// The guarantees (map.hpp, "EXCEPTIONS"):
//   * gomap::map copies an entry whose move may throw when it resizes (if it
//     can be copied): a copy that throws leaves that entry whole in its old
//     slot and the map consistent; the step is retried by a later write. So
//     every operation keeps its strong guarantee. A move-only entry whose
//     move throws keeps what its move left (the basic guarantee, as Boost).
//   * gomap::go_map keeps such entries out of line (Go's indirect slots) and
//     evacuation moves only pointers: resizes never call them.
// Copies and moves that throw are forced deterministically (a countdown).

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace {

// Throws from the n-th copy or move after arming (0: disarmed).
struct countdown {
    static inline long left = 0;
    static inline long calls = 0;
    static inline long thrown = 0;
    static void arm(long n) { left = n, calls = 0; }
    static void tick() {
        ++calls;
        if (left > 0 && --left == 0) {
            ++thrown;
            throw std::runtime_error("countdown");
        }
    }
};

// Copyable; its move is not noexcept, so gomap::map copies it when it resizes.
struct fragile {
    int v = 0;
    explicit fragile(int x) : v(x) {}
    fragile(const fragile& o) : v(o.v) { countdown::tick(); }
    // A move that spoils its source before it throws (as a half-done move of
    // a real type would): a map that moved instead of copying loses values.
    fragile(fragile&& o) noexcept(false) : v(o.v) {
        o.v = -1;
        countdown::tick();
    }
    fragile& operator=(const fragile&) = default;
};
static_assert(!std::is_nothrow_move_constructible_v<fragile>);

// C++03: a copy constructor, no move constructor.
struct legacy {
    int v = 0;
    explicit legacy(int x) : v(x) {}
    legacy(const legacy& o) : v(o.v) { countdown::tick(); }
    legacy& operator=(const legacy& o) {
        v = o.v;
        return *this;
    }
};
static_assert(!std::is_nothrow_move_constructible_v<legacy>);

// Move-only, and the move may throw (before it touches the source).
struct move_only {
    int v = 0;
    explicit move_only(int x) : v(x) {}
    move_only(const move_only&) = delete;
    move_only(move_only&& o) noexcept(false) : v(o.v) { countdown::tick(); }
};

template <class P>
class ThrowingMove : public ::testing::Test {};
using Policies = ::testing::Types<gomap::flat_policy, gomap::go_policy, gomap::node_policy>;
TYPED_TEST_SUITE(ThrowingMove, Policies);

template <class P, class V>
using map_t = gomap::basic_map<int, V, gomap::hash<int>, std::equal_to<int>,
                               std::allocator<std::pair<const int, V>>, P>;

TYPED_TEST(ThrowingMove, StdDequeValues) {
    static_assert(!std::is_nothrow_move_constructible_v<std::deque<int>>);
    map_t<TypeParam, std::deque<int>> m;
    for (int i = 0; i < 20000; ++i) m[i].assign(static_cast<std::size_t>(i % 7), i);
    for (int i = 0; i < 20000; i += 2) ASSERT_EQ(m.erase(i), 1u);
    for (int i = 20000; i < 25000; ++i) m.try_emplace(i, 3, i);
    ASSERT_EQ(m.size(), 15000u);
    for (const auto& [k, d] : m) {
        const std::size_t want = k < 20000 ? static_cast<std::size_t>(k % 7) : 3;
        ASSERT_EQ(d.size(), want) << k;
        for (int x : d) ASSERT_EQ(x, k);
    }
    EXPECT_EQ(m.check_invariants(), "");
    auto copy = m;
    EXPECT_EQ(copy.size(), m.size());
}

// Insert and erase through many resizes while copies and moves fail, one in
// `period`: every call either happens or leaves the map as it was, and the
// contents always equal a model. A failed copy inside the resize step of an
// insert or erase is absorbed (the step is retried later); reserve and
// shrink_to_fit, which finish a resize, let it through, with the contents
// unchanged.
template <class P, class V>
void churn_with_failures(long period) {
    map_t<P, V> m;
    std::map<int, int> model;
    const long thrown_before = countdown::thrown;
    for (int round = 0; round < 40000; ++round) {
        const int k = static_cast<int>((round * 7919L) % 12000);
        const bool insert = (round / 3000) % 2 == 0 || round % 3 == 0;  // grow, then shrink, in phases
        countdown::arm(1 + round % period);
        try {
            if (round % 5000 == 4999) {
                if (insert)
                    m.reserve(m.size() * 2);
                else
                    m.shrink_to_fit();
            } else if (insert) {
                m.try_emplace(k, k * 3);
                model.emplace(k, k * 3);
            } else {
                m.erase(k);
                model.erase(k);
            }
        } catch (const std::runtime_error&) {
            // the call did nothing (strong guarantee): the model is left alone
        }
        countdown::arm(0);
        if (round % 4000 == 0) {
            ASSERT_EQ(m.check_invariants(), "") << round;
        }
    }
    countdown::arm(0);
    ASSERT_EQ(m.size(), model.size());
    for (const auto& [k, v] : model) {
        auto it = m.find(k);
        ASSERT_NE(it, m.end()) << "lost key " << k;
        ASSERT_EQ(it->second.v, v) << k;
    }
    std::size_t n = 0;
    for (const auto& e : m) n += model.count(e.first);
    EXPECT_EQ(n, model.size()) << "an entry is there twice, or one that should not be";
    EXPECT_EQ(m.check_invariants(), "");
    if constexpr (std::is_same_v<P, gomap::flat_policy>) {
        EXPECT_GT(countdown::thrown - thrown_before, 100) << "few copies failed: the test did not test";
    }
}

TYPED_TEST(ThrowingMove, CopyableWithThrowingMove) { churn_with_failures<TypeParam, fragile>(5); }
TYPED_TEST(ThrowingMove, CopyOnlyCpp03Class) { churn_with_failures<TypeParam, legacy>(5); }

TYPED_TEST(ThrowingMove, ResizesCopyInMapAndCallNothingInGoMapOrNodeMap) {
    map_t<TypeParam, fragile> m;
    for (int i = 0; i < 10000; ++i) m.try_emplace(i, i);  // built in place: no copy or move
    countdown::arm(0);
    for (int i = 10000; i < 20000; ++i) m.try_emplace(i, i);
    for (int i = 0; i < 20000; i += 3) m.erase(i);
    if constexpr (!std::is_same_v<TypeParam, gomap::flat_policy>) {
        EXPECT_EQ(countdown::calls, 0) << "go_map and node_map resize by moving pointers to entries";
    } else {
        EXPECT_GT(countdown::calls, 10000) << "gomap::map copies them as it resizes";
    }
    EXPECT_EQ(m.check_invariants(), "");
}

// Move-only with a throwing move: the basic guarantee. This type's move
// throws before touching its source, so here nothing may be lost at all.
TYPED_TEST(ThrowingMove, MoveOnlyWithThrowingMoveLosesNothing) {
    map_t<TypeParam, move_only> m;
    std::map<int, int> model;
    for (int round = 0; round < 30000; ++round) {
        const int k = static_cast<int>((round * 104729L) % 9000);
        countdown::arm(1 + round % 7);
        try {
            if ((round / 2500) % 2 == 0) {
                m.try_emplace(k, k + 1);
                model.emplace(k, k + 1);
            } else {
                m.erase(k);
                model.erase(k);
            }
        } catch (const std::runtime_error&) {
        }
        countdown::arm(0);
    }
    ASSERT_EQ(m.size(), model.size());
    for (const auto& [k, v] : model) {
        auto it = m.find(k);
        ASSERT_NE(it, m.end()) << k;
        ASSERT_EQ(it->second.v, v);
    }
    EXPECT_EQ(m.check_invariants(), "");
}

// map and go_map copy such entries into and out of node handles, so a copy
// that throws leaves each entry in one place; node_map hands nodes over and
// calls no copy or move at all.
TYPED_TEST(ThrowingMove, NodeHandlesAndMergeCopyWhenAMoveMayThrow) {
    map_t<TypeParam, fragile> a, b;
    a.reserve(300);  // no resize during the merge: every copy is the merge's own
    for (int i = 0; i < 100; ++i) a.try_emplace(i, i);
    for (int i = 50; i < 150; ++i) b.try_emplace(i, -i);
    if constexpr (std::is_same_v<TypeParam, gomap::node_policy>) {
        countdown::arm(1);  // any copy or move would throw
        auto nh = a.extract(5);
        EXPECT_EQ(nh.mapped().v, 5);
        EXPECT_TRUE(a.insert(std::move(nh)).inserted);
        a.merge(b);
        EXPECT_EQ(countdown::calls, 0) << "node_map moves nodes, not entries";
        countdown::arm(0);
        EXPECT_EQ(a.size(), 150u);
        EXPECT_EQ(b.size(), 50u);
        for (int i = 100; i < 150; ++i) ASSERT_EQ(a.at(i).v, -i);
        return;
    }
    // A copy fails during extract: the entry stays in the map.
    countdown::arm(1);
    EXPECT_THROW((void)a.extract(5), std::runtime_error);
    countdown::arm(0);
    EXPECT_EQ(a.at(5).v, 5);
    EXPECT_EQ(a.size(), 100u);
    // A copy fails during merge: every entry is in exactly one map.
    countdown::arm(20);
    EXPECT_THROW(a.merge(b), std::runtime_error);
    countdown::arm(0);
    EXPECT_EQ(a.size() + b.size(), 200u);
    for (int i = 100; i < 150; ++i) ASSERT_NE(a.contains(i), b.contains(i)) << i;
    a.merge(b);
    EXPECT_EQ(a.size(), 150u);
    EXPECT_EQ(b.size(), 50u);
    for (int i = 100; i < 150; ++i) ASSERT_EQ(a.at(i).v, -i);
}

}  // namespace
