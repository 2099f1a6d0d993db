// std_construct_test.cpp — how a std::unordered_map is made and what its
// signatures promise, on gomap::map and gomap::go_map, with std::unordered_map
// as the control where the standard fixes the answer:
//   * every allocator-taking constructor form;
//   * class template argument deduction;
//   * noexcept where the standard puts it (clear, move construction and
//     assignment, swap), and not where a hasher or allocator forbids it;
//   * the max_load_factor(float) setter (accepted; gomap's engines keep
//     their own load factor, as Boost's flat maps do).

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <list>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "support/faces.hpp"
#include "support/test_allocators.hpp"

namespace {

using gomap_test::face;
using Faces = gomap_test::StdAndGomapFaces;

template <class F>
class StdConstruct : public ::testing::Test {};
TYPED_TEST_SUITE(StdConstruct, Faces);

// A hasher with state and no default constructor: the constructors must use
// the one they are given.
struct salted_hash {
    explicit salted_hash(std::size_t s) : salt(s) {}
    std::size_t operator()(int k) const noexcept { return std::hash<int>{}(k) ^ salt; }
    std::size_t salt;
};

using alloc_t = gomap_test::stateful_allocator<std::pair<const int, int>, false>;

TYPED_TEST(StdConstruct, EveryAllocatorConstructorForm) {
    using M = typename TypeParam::template type<int, int, salted_hash, alloc_t>;
    const salted_hash h(77);
    const alloc_t a(9);
    const std::vector<std::pair<int, int>> v{{1, 10}, {2, 20}, {3, 30}};
    const std::initializer_list<std::pair<const int, int>> il{{4, 40}, {5, 50}};

    auto check = [&](const M& m, std::size_t n) {
        EXPECT_EQ(m.size(), n);
        EXPECT_EQ(m.get_allocator().id, 9);
        EXPECT_EQ(m.hash_function().salt, 77u);
    };
    check(M(16, h, a), 0);                            // (n, hash, alloc)
    check(M(v.begin(), v.end(), 16, h, a), 3);        // (first, last, n, hash, alloc)
    check(M(il, 16, h, a), 2);                        // (ilist, n, hash, alloc)
    check(M(v.begin(), v.end(), 16, h, std::equal_to<int>(), a), 3);
    check(M(il, 16, h, std::equal_to<int>(), a), 2);

    using D = typename TypeParam::template type<int, int, std::hash<int>, alloc_t>;
    auto check_d = [&](const D& m, std::size_t n) {
        EXPECT_EQ(m.size(), n);
        EXPECT_EQ(m.get_allocator().id, 9);
    };
    check_d(D(a), 0);                                 // (alloc)
    check_d(D(16, a), 0);                             // (n, alloc)
    check_d(D(v.begin(), v.end(), 16, a), 3);         // (first, last, n, alloc)
    check_d(D(il, 16, a), 2);                         // (ilist, n, alloc)
    const D src(v.begin(), v.end(), 0, a);
    check_d(D(src, a), 3);                            // (const map&, alloc)
    check_d(D(D(src), a), 3);                         // (map&&, alloc)
    D m(il, 0, a);
    EXPECT_EQ(m.at(4), 40);
    EXPECT_EQ(m.at(5), 50);
}

// std: max_load_factor() is 1.0 after construction and what
// max_load_factor(z) set; copies, moves and swap carry it; the load factor
// stays below it. gomap stores it (growth is the engine's own) and raises a
// value below its starting one (1.0; go_map: Go's 6.5) to it.
TYPED_TEST(StdConstruct, MaxLoadFactorIsStoredAndCarried) {
    using M = typename TypeParam::template type<int, int>;
    M m;
    const float base = m.max_load_factor();
    EXPECT_EQ(base, (std::is_same_v<TypeParam, face<gomap::go_map>> ? 6.5f : 1.0f));
    for (int i = 0; i < 1000; ++i) m.emplace(i, i);
    m.max_load_factor(base + 1.5f);
    EXPECT_EQ(m.max_load_factor(), base + 1.5f);
    M copy(m);
    EXPECT_EQ(copy.max_load_factor(), base + 1.5f);
    M other;
    other.max_load_factor(base + 1.0f);
    other.swap(copy);
    EXPECT_EQ(other.max_load_factor(), base + 1.5f);
    EXPECT_EQ(copy.max_load_factor(), base + 1.0f);
    M assigned;
    assigned = other;
    EXPECT_EQ(assigned.max_load_factor(), base + 1.5f);
    M moved(std::move(assigned));
    EXPECT_EQ(moved.max_load_factor(), base + 1.5f);
    m.max_load_factor(0.5f);
    EXPECT_GE(m.max_load_factor(), 0.5f);
    for (int i = 1000; i < 20000; ++i) {
        m.emplace(i, i);
        ASSERT_LE(m.load_factor(), m.max_load_factor()) << i;  // std: "attempts to keep"; all four do
    }
    for (int i = 0; i < 20000; ++i) ASSERT_EQ(m.at(i), i);
}

TEST(StdConstructGoMap, MaxLoadFactorStartsAtGos) {
    gomap::go_map<int, int> g;
    EXPECT_EQ(g.max_load_factor(), 6.5f) << "8-slot buckets: the load factor reaches 6.5";
    g.max_load_factor(1.0f);
    EXPECT_EQ(g.max_load_factor(), 6.5f);
}

// A map of a type that can be neither copied nor moved can be constructed
// (the constructors instantiate no migration; an insert, which may resize,
// needs the entry to be copyable or movable). node_map takes them fully.
struct pinned {
    explicit pinned(int x) : v(x) {}
    pinned(const pinned&) = delete;
    pinned& operator=(const pinned&) = delete;
    int v;
};

TEST(StdConstructPinned, MapsOfUnmovableValuesConstruct) {
    gomap::map<int, pinned> a;
    gomap::map<int, pinned> b(100, gomap::hash<int>(), std::equal_to<int>());
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(b.size(), 0u);
    EXPECT_GE(b.bucket_count(), 100u);
    EXPECT_EQ(b.find(3), b.end());
    gomap::node_map<int, pinned> n;
    for (int i = 0; i < 5000; ++i) n.try_emplace(i, i);  // node_map resizes by moving pointers
    EXPECT_EQ(n.at(4999).v, 4999);
}

// ---- noexcept -----------------------------------------------------------------

struct throwing_copy_hash {
    throwing_copy_hash() = default;
    throwing_copy_hash(const throwing_copy_hash&) noexcept(false) {}
    throwing_copy_hash& operator=(const throwing_copy_hash&) noexcept(false) { return *this; }
    std::size_t operator()(int k) const noexcept { return std::hash<int>{}(k); }
};

TYPED_TEST(StdConstruct, NoexceptWhereTheStandardPutsIt) {
    using M = typename TypeParam::template type<int, int>;
    static_assert(noexcept(std::declval<M&>().clear()));
    static_assert(std::is_nothrow_move_constructible_v<M>);
    static_assert(std::is_nothrow_move_assignable_v<M>);
    static_assert(std::is_nothrow_swappable_v<M>);
    static_assert(noexcept(std::declval<M&>().size()));
    static_assert(noexcept(std::declval<M&>().empty()));
    static_assert(noexcept(std::declval<M&>().max_size()));

    // An allocator that does not propagate and may be unequal: move
    // assignment may have to move entry by entry, and allocate.
    using N = typename TypeParam::template type<int, int, std::hash<int>, alloc_t>;
    static_assert(!std::is_nothrow_move_assignable_v<N>);
    // A hasher whose copy or assignment may throw.
    using H = typename TypeParam::template type<int, int, throwing_copy_hash>;
    static_assert(!std::is_nothrow_move_assignable_v<H>);
    SUCCEED();
}

TYPED_TEST(StdConstruct, ClearIsNoexceptAndWorksAtEverySize) {
    using M = typename TypeParam::template type<int, std::string>;
    for (int n : {0, 1, 7, 100, 5000}) {
        M m;
        for (int i = 0; i < n; ++i) m.emplace(i, std::string(40, 'x'));
        m.clear();
        EXPECT_TRUE(m.empty());
        EXPECT_EQ(m.find(0), m.end());
        m.emplace(1, "again");
        EXPECT_EQ(m.at(1), "again");
    }
}

}  // namespace

// ---- class template argument deduction ------------------------------------------

namespace {

template <template <class...> class M>
void deduce_all() {
    const std::vector<std::pair<int, std::string>> v{{1, "a"}, {2, "b"}};
    M a(v.begin(), v.end());
    static_assert(std::is_same_v<decltype(a), M<int, std::string>>);
    EXPECT_EQ(a.size(), 2u);

    std::list<std::pair<const long, double>> l{{1, 1.5}};
    M b(l.begin(), l.end(), 8);
    static_assert(std::is_same_v<decltype(b), M<long, double>>);

    M c{std::pair{1, 2}, std::pair{3, 4}};
    static_assert(std::is_same_v<decltype(c), M<int, int>>);
    EXPECT_EQ(c.at(3), 4);

    M d{std::pair{1, 2}};
    static_assert(std::is_same_v<decltype(d), M<int, int>>);
    EXPECT_EQ(d.size(), 1u);

    M e(v.begin(), v.end(), 4, std::hash<int>());
    static_assert(std::is_same_v<decltype(e), M<int, std::string, std::hash<int>>>);

    using A = std::allocator<std::pair<const int, std::string>>;
    M f(v.begin(), v.end(), 4, A());
    static_assert(std::is_same_v<typename decltype(f)::allocator_type, A>);
    M g(v.begin(), v.end(), 4, std::hash<int>(), A());
    static_assert(std::is_same_v<typename decltype(g)::hasher, std::hash<int>>);
    M h({std::pair{1, 2}}, 4, std::allocator<std::pair<const int, int>>());
    static_assert(std::is_same_v<typename decltype(h)::key_type, int>);
    M i({std::pair{1, 2}}, 4, std::hash<int>(), std::allocator<std::pair<const int, int>>());
    static_assert(std::is_same_v<typename decltype(i)::hasher, std::hash<int>>);

    M copy(a);
    static_assert(std::is_same_v<decltype(copy), decltype(a)>);
    M with_alloc(a, std::allocator<std::pair<const int, std::string>>());
    static_assert(std::is_same_v<decltype(with_alloc), decltype(a)>);
    M moved_with_alloc(std::move(copy), std::allocator<std::pair<const int, std::string>>());
    static_assert(std::is_same_v<decltype(moved_with_alloc), decltype(a)>);
}

TEST(StdDeduction, UnorderedMapControl) { deduce_all<std::unordered_map>(); }
TEST(StdDeduction, Map) { deduce_all<gomap::map>(); }
TEST(StdDeduction, GoMap) { deduce_all<gomap::go_map>(); }
TEST(StdDeduction, NodeMap) { deduce_all<gomap::node_map>(); }

TEST(StdDeduction, DefaultsAreGomapsOwn) {
    const std::vector<std::pair<int, int>> v{{1, 2}};
    gomap::map m(v.begin(), v.end());
    static_assert(std::is_same_v<decltype(m)::hasher, gomap::hash<int>>);
    gomap::go_map g{std::pair{1, 2}};
    static_assert(std::is_same_v<decltype(g)::hasher, gomap::hash<int>>);
    EXPECT_EQ(g.stats().B, 0);
}

}  // namespace
