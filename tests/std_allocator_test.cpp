// std_allocator_test.cpp — the allocator-aware container rules of
// std::unordered_map, on gomap::map and gomap::go_map, with std::unordered_map
// itself run through the same tests as the control:
//   * allocators whose pointer is a class (fancy pointers);
//   * propagate_on_container_copy/move_assignment and _swap honoured, with an
//     allocator that does not propagate and cannot even be assigned;
//   * max_size() no larger than the allocator's;
//   * std::addressof: a key type whose namespace overloads unary & for every
//     type breaks any code that takes an address with &.

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <memory_resource>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "support/test_allocators.hpp"

namespace {

using gomap_test::bytes_by_id;
using gomap_test::capped_allocator;
using gomap_test::fancy_allocator;
using gomap_test::stateful_allocator;

template <template <class...> class M>
struct face {
    template <class K, class V, class A, class H = std::hash<K>>
    using type = M<K, V, H, std::equal_to<K>, A>;
};

template <class F>
class StdAllocator : public ::testing::Test {};
using Faces = ::testing::Types<face<std::unordered_map>, face<gomap::map>, face<gomap::go_map>, face<gomap::node_map>>;
TYPED_TEST_SUITE(StdAllocator, Faces);

template <class F, class A>
using int_map = typename F::template type<int, std::string, A>;

// ---- fancy pointers ---------------------------------------------------------

TYPED_TEST(StdAllocator, FancyPointersThroughEveryOperation) {
    using A = fancy_allocator<std::pair<const int, std::string>>;
    using M = int_map<TypeParam, A>;
    static_assert(std::is_same_v<typename M::pointer, gomap_test::fancy_ptr<std::pair<const int, std::string>>>);
    const auto live_before = gomap_test::fancy_live();
    {
        M m;
        for (int i = 0; i < 3000; ++i) m.emplace(i, std::to_string(i));
        for (int i = 0; i < 3000; i += 2) ASSERT_EQ(m.erase(i), 1u);
        M copy(m);
        M moved(std::move(copy));
        ASSERT_EQ(moved.size(), 1500u);
        for (int i = 1; i < 3000; i += 2) ASSERT_EQ(moved.at(i), std::to_string(i));
        m.rehash(0);
        m.reserve(10000);
        m.clear();
        EXPECT_TRUE(m.empty());
        EXPECT_GT(gomap_test::fancy_live(), live_before);
    }
    EXPECT_EQ(gomap_test::fancy_live(), live_before) << "every allocation came back through the fancy pointer";
}

// ---- propagation ------------------------------------------------------------

template <class F, bool P>
using sa_map = int_map<F, stateful_allocator<std::pair<const int, std::string>, P>>;

template <class M>
M filled(int id, int from, int n) {
    M m(0, typename M::hasher(), typename M::key_equal(), typename M::allocator_type(id));
    for (int i = from; i < from + n; ++i) m.emplace(i, "v" + std::to_string(i));
    return m;
}

template <class M>
void expect_keys(const M& m, int from, int n) {
    ASSERT_EQ(m.size(), static_cast<std::size_t>(n));
    for (int i = from; i < from + n; ++i) ASSERT_EQ(m.at(i), "v" + std::to_string(i));
}

TYPED_TEST(StdAllocator, CopyAssignmentKeepsANonPropagatingAllocator) {
    using M = sa_map<TypeParam, false>;
    bytes_by_id().clear();
    {
        M a = filled<M>(1, 0, 100);
        const M b = filled<M>(2, 1000, 500);
        const auto b_bytes = bytes_by_id()[2];
        a = b;
        EXPECT_EQ(a.get_allocator().id, 1);
        expect_keys(a, 1000, 500);
        expect_keys(b, 1000, 500);
        EXPECT_EQ(bytes_by_id()[2], b_bytes) << "the copy must not use b's allocator";
        EXPECT_GT(bytes_by_id()[1], 0);
    }
    EXPECT_EQ(bytes_by_id()[1], 0);
    EXPECT_EQ(bytes_by_id()[2], 0);
}

TYPED_TEST(StdAllocator, CopyAssignmentTakesAPropagatingAllocator) {
    using M = sa_map<TypeParam, true>;
    bytes_by_id().clear();
    {
        M a = filled<M>(1, 0, 100);
        const M b = filled<M>(2, 1000, 500);
        a = b;
        EXPECT_EQ(a.get_allocator().id, 2);
        expect_keys(a, 1000, 500);
        EXPECT_EQ(bytes_by_id()[1], 0) << "a's old memory went back to allocator 1";
    }
    EXPECT_EQ(bytes_by_id()[2], 0);
}

TYPED_TEST(StdAllocator, MoveAssignmentBetweenUnequalNonPropagatingAllocatorsMovesEntries) {
    using M = sa_map<TypeParam, false>;
    bytes_by_id().clear();
    {
        M a = filled<M>(1, 0, 100);
        M b = filled<M>(2, 1000, 500);
        a = std::move(b);
        EXPECT_EQ(a.get_allocator().id, 1);
        expect_keys(a, 1000, 500);
        EXPECT_GT(bytes_by_id()[1], 0);
        b.clear();
        b.emplace(7, "v7");  // a moved-from map is still usable
        expect_keys(b, 7, 1);
    }
    EXPECT_EQ(bytes_by_id()[1], 0);
    EXPECT_EQ(bytes_by_id()[2], 0);
}

TYPED_TEST(StdAllocator, MoveAssignmentBetweenEqualNonPropagatingAllocatorsSteals) {
    using M = sa_map<TypeParam, false>;
    bytes_by_id().clear();
    {
        M a = filled<M>(3, 0, 10);
        M b = filled<M>(3, 1000, 500);
        const auto* first = &*b.find(1000);
        a = std::move(b);
        expect_keys(a, 1000, 500);
        EXPECT_EQ(&*a.find(1000), first) << "equal allocators: the table is taken, not copied";
        EXPECT_EQ(a.get_allocator().id, 3);
    }
    EXPECT_EQ(bytes_by_id()[3], 0);
}

TYPED_TEST(StdAllocator, MoveAssignmentTakesAPropagatingAllocator) {
    using M = sa_map<TypeParam, true>;
    bytes_by_id().clear();
    {
        M a = filled<M>(1, 0, 100);
        M b = filled<M>(2, 1000, 500);
        const auto* first = &*b.find(1000);
        a = std::move(b);
        EXPECT_EQ(a.get_allocator().id, 2);
        EXPECT_EQ(&*a.find(1000), first);
        expect_keys(a, 1000, 500);
        EXPECT_EQ(bytes_by_id()[1], 0);
    }
    EXPECT_EQ(bytes_by_id()[2], 0);
}

TYPED_TEST(StdAllocator, SwapExchangesAllocatorsOnlyWhenTheyPropagate) {
    bytes_by_id().clear();
    {
        using M = sa_map<TypeParam, true>;
        M a = filled<M>(1, 0, 100);
        M b = filled<M>(2, 1000, 500);
        a.swap(b);
        EXPECT_EQ(a.get_allocator().id, 2);
        EXPECT_EQ(b.get_allocator().id, 1);
        expect_keys(a, 1000, 500);
        expect_keys(b, 0, 100);
        using std::swap;
        swap(a, b);
        EXPECT_EQ(a.get_allocator().id, 1);
        expect_keys(a, 0, 100);
    }
    {
        using M = sa_map<TypeParam, false>;  // equal, non-propagating (and not assignable)
        M a = filled<M>(4, 0, 100);
        M b = filled<M>(4, 1000, 500);
        a.swap(b);
        expect_keys(a, 1000, 500);
        expect_keys(b, 0, 100);
    }
    EXPECT_EQ(bytes_by_id()[1], 0);
    EXPECT_EQ(bytes_by_id()[2], 0);
    EXPECT_EQ(bytes_by_id()[4], 0);
}

TYPED_TEST(StdAllocator, CopyConstructionWithAnAllocatorUsesIt) {
    using M = sa_map<TypeParam, false>;
    bytes_by_id().clear();
    {
        const M b = filled<M>(2, 0, 300);
        M c(b, typename M::allocator_type(5));
        EXPECT_EQ(c.get_allocator().id, 5);
        expect_keys(c, 0, 300);
        EXPECT_GT(bytes_by_id()[5], 0);
        M d(std::move(c), typename M::allocator_type(6));
        EXPECT_EQ(d.get_allocator().id, 6);
        expect_keys(d, 0, 300);
    }
    for (int id : {2, 5, 6}) EXPECT_EQ(bytes_by_id()[id], 0) << id;
}

// ---- max_size ---------------------------------------------------------------

TYPED_TEST(StdAllocator, MaxSizeIsBoundedByTheAllocators) {
    using M = int_map<TypeParam, capped_allocator<std::pair<const int, std::string>>>;
    M m;
    EXPECT_LE(m.max_size(), 1000u);
    EXPECT_GT(m.max_size(), 0u);
    using U = int_map<TypeParam, std::allocator<std::pair<const int, std::string>>>;
    EXPECT_GT(U().max_size(), 1000u);
}

// Page advice (releasing a dead array's pages early, huge pages) only for
// memory from operator new: std::allocator, gomap::counting_allocator, and an
// allocator that says so with gomap_pages_from_new; never for others.
template <class T>
struct opted_in_allocator : std::allocator<T> {
    using gomap_pages_from_new = std::true_type;
    template <class U>
    struct rebind {
        using other = opted_in_allocator<U>;
    };
};
template <class T>
struct opted_out_allocator : std::allocator<T> {
    using gomap_pages_from_new = std::false_type;
    template <class U>
    struct rebind {
        using other = opted_out_allocator<U>;
    };
};
TEST(PageAdvice, OnlyAllocatorsWhosePagesComeFromNew) {
    using gomap::detail::pages_from_new;
    EXPECT_TRUE(pages_from_new<std::allocator<int>>);
    EXPECT_TRUE(pages_from_new<gomap::counting_allocator<int>>);
    EXPECT_TRUE(pages_from_new<opted_in_allocator<double>>);
    // rebound, as the engines use it
    EXPECT_TRUE((pages_from_new<std::allocator_traits<opted_in_allocator<int>>::rebind_alloc<char>>));
    EXPECT_FALSE(pages_from_new<opted_out_allocator<int>>);
    EXPECT_FALSE(pages_from_new<std::pmr::polymorphic_allocator<int>>);
}

}  // namespace

// ---- std::addressof ------------------------------------------------------------

namespace hostile {
// Unary & on any object of a type associated with this namespace does not
// compile: a std::pair<const key, V> and the map itself are such types.
struct key {
    int v = 0;
    friend bool operator==(const key& a, const key& b) { return a.v == b.v; }
};
template <class T>
void operator&(const T&) = delete;
struct key_hash {
    std::size_t operator()(const key& k) const noexcept { return std::hash<int>{}(k.v); }
};
}  // namespace hostile

namespace {

// gomap only: libstdc++'s own unordered_map takes its address with & and
// does not compile with this key, so there is no control.
template <class F>
class StdAddressof : public ::testing::Test {};
using GomapFaces = ::testing::Types<face<gomap::map>, face<gomap::go_map>, face<gomap::node_map>>;
TYPED_TEST_SUITE(StdAddressof, GomapFaces);

TYPED_TEST(StdAddressof, AKeyTypeThatOverloadsAddressOf) {
    using M = typename TypeParam::template type<hostile::key, int, std::allocator<std::pair<const hostile::key, int>>,
                                                hostile::key_hash>;
    M m;
    for (int i = 0; i < 2000; ++i) m.emplace(hostile::key{i}, i);
    for (int i = 0; i < 2000; i += 3) m.erase(hostile::key{i});
    M c(m);
    M d;
    d = c;
    d = std::move(c);
    d.swap(m);
    std::size_t n = 0;
    for (auto& e : d) n += (e.second == e.first.v);
    EXPECT_EQ(n, d.size());
    EXPECT_EQ(d.size(), 2000u - 667u);
    d.clear();
    EXPECT_TRUE(d.empty());
}

}  // namespace
