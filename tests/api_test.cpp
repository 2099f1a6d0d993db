// api_test.cpp — every public call of gomap::basic_map, for both policies
// (gomap::go_map and gomap::map), checked against the std::unordered_map
// contract and the promises at the top of gomap/map.hpp (invalidation rules,
// heterogeneous lookup, allocator awareness, stats()).

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "support/counted.hpp"
#include "support/text_key.hpp"

namespace {

using gomap_test::teq;
using gomap_test::thash;
using gomap_test::tkey;

template <class P, class K, class V, class H = gomap::hash<K>, class E = std::equal_to<K>,
          class A = std::allocator<std::pair<const K, V>>>
using map_t = gomap::basic_map<K, V, H, E, A, P>;

// The faces are classes of their own (so that they have deduction guides),
// with all of basic_map's interface.
static_assert(std::is_base_of_v<map_t<gomap::go_policy, int, int>, gomap::go_map<int, int>>);
static_assert(std::is_base_of_v<map_t<gomap::flat_policy, int, int>, gomap::map<int, int>>);

// A key that records being moved from.
struct mkey {
    int v = 0;
    bool moved_from = false;
    mkey(int x) : v(x) {}  // NOLINT: implicit on purpose
    mkey(const mkey&) = default;
    mkey(mkey&& o) noexcept : v(o.v) { o.moved_from = true; }
    mkey& operator=(const mkey&) = default;
    mkey& operator=(mkey&& o) noexcept {
        v = o.v;
        o.moved_from = true;
        return *this;
    }
    friend bool operator==(const mkey& a, const mkey& b) { return a.v == b.v; }
};
// A std-style hasher (no seeded call): the map mixes in its seed itself.
struct mkey_hash {
    std::size_t operator()(const mkey& k) const noexcept { return std::hash<int>{}(k.v); }
};

// Entries larger than 128 B live out of line (one allocation per entry).
struct big {
    std::int64_t v = 0;
    char pad[200] = {};
    big() = default;
    big(std::int64_t x) : v(x) {}  // NOLINT
    friend bool operator==(const big& a, const big& b) { return a.v == b.v; }
};

template <class P>
class Api : public ::testing::Test {};
using Policies = ::testing::Types<gomap::go_policy, gomap::flat_policy, gomap::node_policy>;
TYPED_TEST_SUITE(Api, Policies);

template <class P>
constexpr bool is_go = std::is_same_v<P, gomap::go_policy>;

// Figures that differ by engine. go_map counts Go's buckets (8 entries, grown
// above 6.5 per bucket; B = 0 is one lazily allocated bucket); gomap::map
// counts the flat engine's slots (15 per group, grown above 7/8 of them, at
// least 2 groups, nothing allocated before the first insert).
//   half_grown_size: inserting keys 0 .. n-1 leaves a grow in progress, far
//     from done (go_map: the insert of key 6656 starts the grow to B = 11,
//     1024 old buckets; gomap::map: key 6720 takes 512 groups past their max
//     load, 6720, and starts the grow to 1024 groups).
//   hint_100, hint_1000: bucket_count() of a map made with that size hint.
template <class P>
struct figures {
    static constexpr int half_grown_size = is_go<P> ? 6657 : 6721;
    static constexpr std::size_t empty_buckets = is_go<P> ? 1 : 0;
    static constexpr std::size_t hint_100 = is_go<P> ? 16 : 120;     // 2^4 buckets; 8 groups
    static constexpr std::size_t hint_1000 = is_go<P> ? 256 : 1920;  // 2^8 buckets; 128 groups
};

// A map in the middle of a grow (figures::half_grown_size entries).
template <class M>
M half_grown() {
    M m;
    for (int i = 0; i < figures<typename M::policy_type>::half_grown_size; ++i) m[i] = std::to_string(i);
    return m;
}

// ---- types -------------------------------------------------------------------

TYPED_TEST(Api, MemberTypes) {
    using M = map_t<TypeParam, int, std::string>;
    static_assert(std::is_same_v<typename M::key_type, int>);
    static_assert(std::is_same_v<typename M::mapped_type, std::string>);
    static_assert(std::is_same_v<typename M::value_type, std::pair<const int, std::string>>);
    static_assert(std::is_same_v<typename M::size_type, std::size_t>);
    static_assert(std::is_same_v<typename M::difference_type, std::ptrdiff_t>);
    static_assert(std::is_same_v<typename M::hasher, gomap::hash<int>>);
    static_assert(std::is_same_v<typename M::key_equal, std::equal_to<int>>);
    static_assert(std::is_same_v<typename M::allocator_type, std::allocator<std::pair<const int, std::string>>>);
    static_assert(std::is_same_v<typename M::reference, std::pair<const int, std::string>&>);
    static_assert(std::is_same_v<typename M::const_reference, const std::pair<const int, std::string>&>);
    static_assert(std::is_same_v<typename M::pointer, std::pair<const int, std::string>*>);
    static_assert(std::is_same_v<typename M::const_pointer, const std::pair<const int, std::string>*>);
    static_assert(std::is_same_v<typename M::policy_type, TypeParam>);
    static_assert(std::forward_iterator<typename M::iterator>);
    static_assert(std::forward_iterator<typename M::const_iterator>);
    static_assert(std::is_convertible_v<typename M::iterator, typename M::const_iterator>);
    static_assert(!std::is_convertible_v<typename M::const_iterator, typename M::iterator>);
    static_assert(std::is_same_v<decltype(*std::declval<typename M::const_iterator>()),
                                 const std::pair<const int, std::string>&>);
    static_assert(std::is_same_v<decltype(*std::declval<typename M::iterator>()), std::pair<const int, std::string>&>);
    EXPECT_GT(M().max_size(), std::size_t{1} << 40);
}

// ---- construction ------------------------------------------------------------------

TYPED_TEST(Api, DefaultConstructed) {
    using M = map_t<TypeParam, int, std::string>;
    M m;
    const M& cm = m;
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.size(), 0u);
    EXPECT_TRUE(m.begin() == m.end());
    EXPECT_TRUE(cm.begin() == cm.end());
    EXPECT_TRUE(m.cbegin() == m.cend());
    EXPECT_EQ(m.bucket_count(), figures<TypeParam>::empty_buckets);
    EXPECT_EQ(m.load_factor(), 0.0f);
    EXPECT_TRUE(m.find(1) == m.end());
    EXPECT_FALSE(m.contains(1));
    EXPECT_EQ(m.count(1), 0u);
    EXPECT_EQ(m.erase(1), 0u);
    EXPECT_THROW((void)m.at(1), std::out_of_range);
    EXPECT_THROW((void)cm.at(1), std::out_of_range);
    const auto s = m.stats();
    EXPECT_EQ(s.buckets, 0u) << "nothing allocated before the first insert";
    EXPECT_EQ(s.bytes, 0u);
    EXPECT_EQ(s.count, 0u);
    EXPECT_EQ(m.check_invariants(), "");
}

TYPED_TEST(Api, SizeHintConstructors) {
    using M = map_t<TypeParam, int, std::string>;
    using F = figures<TypeParam>;
    M a(100);
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(a.bucket_count(), F::hint_100);
    M b(100, gomap::hash<int>{}, std::equal_to<int>{});
    EXPECT_EQ(b.bucket_count(), F::hint_100);
    M c(100, gomap::hash<int>{}, std::equal_to<int>{}, std::allocator<std::pair<const int, std::string>>{});
    EXPECT_EQ(c.bucket_count(), F::hint_100);
    M d(1000, std::allocator<std::pair<const int, std::string>>{});
    EXPECT_EQ(d.bucket_count(), F::hint_1000);
    M e(8);
    if constexpr (is_go<TypeParam>)
        EXPECT_EQ(e.stats().bytes, 0u) << "8 entries fit B = 0, allocated lazily (Go's makemap)";
    else
        EXPECT_EQ(e.bucket_count(), 30u) << "the smallest array: 2 groups";
}

TYPED_TEST(Api, IteratorRangeConstructor) {
    using M = map_t<TypeParam, int, std::string>;
    const std::vector<std::pair<int, std::string>> src = {{1, "a"}, {2, "b"}, {1, "dup"}, {3, "c"}};
    M m(src.begin(), src.end());
    EXPECT_EQ(m.size(), 3u);
    EXPECT_EQ(m.at(1), "a") << "the first of equal keys wins, as in std::unordered_map";
    EXPECT_EQ(m.at(2), "b");
    EXPECT_EQ(m.at(3), "c");
    M h(src.begin(), src.end(), 100);
    EXPECT_EQ(h.size(), 3u);
    EXPECT_EQ(h.bucket_count(), figures<TypeParam>::hint_100);
    M f(src.begin(), src.end(), 0, gomap::hash<int>{}, std::equal_to<int>{},
        std::allocator<std::pair<const int, std::string>>{});
    EXPECT_TRUE(f == m);
    // Input iterators of another value type.
    std::map<int, const char*> other = {{7, "x"}, {8, "y"}};
    M o(other.begin(), other.end());
    EXPECT_EQ(o.at(7), "x");
    EXPECT_EQ(o.at(8), "y");
}

TYPED_TEST(Api, InitializerListConstructor) {
    using M = map_t<TypeParam, int, std::string>;
    M m{{1, "a"}, {2, "b"}, {1, "c"}};
    EXPECT_EQ(m.size(), 2u);
    EXPECT_EQ(m.at(1), "a");
    M h({{1, "a"}, {2, "b"}}, 100);
    EXPECT_EQ(h.bucket_count(), figures<TypeParam>::hint_100);
    EXPECT_TRUE(h == m);
    M e{};
    EXPECT_TRUE(e.empty());
}

TYPED_TEST(Api, AllocatorConstructors) {
    using CA = gomap::counting_allocator<std::pair<const int, std::string>>;
    using M = map_t<TypeParam, int, std::string, gomap::hash<int>, std::equal_to<int>, CA>;
    gomap::allocation_counter c;
    {
        M m{CA(&c)};
        EXPECT_EQ(m.get_allocator().counter(), &c);
        EXPECT_EQ(c.bytes, 0u);
        m[1] = "one";
        EXPECT_GT(c.bytes, 0u);
        EXPECT_EQ(c.bytes, m.stats().bytes);
        M h(100, CA(&c));
        EXPECT_EQ(h.get_allocator().counter(), &c);
        EXPECT_EQ(c.bytes, m.stats().bytes + h.stats().bytes);
    }
    EXPECT_EQ(c.bytes, 0u);
    EXPECT_EQ(c.allocations, c.deallocations);
}

TYPED_TEST(Api, Accessors) {
    using M = map_t<TypeParam, int, std::string>;
    M m;
    gomap::hash<int> h = m.hash_function();
    std::equal_to<int> eq = m.key_eq();
    EXPECT_TRUE(eq(3, 3));
    EXPECT_EQ(h(5, 1), gomap::hash<int>{}(5, 1));
    std::allocator<std::pair<const int, std::string>> a = m.get_allocator();
    (void)a;
}

// ---- copy and move -------------------------------------------------------------------

TYPED_TEST(Api, CopyConstruct) {
    using M = map_t<TypeParam, int, std::string>;
    M a;
    for (int i = 0; i < 1000; ++i) a[i] = std::to_string(i);
    M b(a);
    EXPECT_TRUE(a == b);
    EXPECT_EQ(b.size(), 1000u);
    b[0] = "changed";
    b.erase(1);
    EXPECT_EQ(a.at(0), "0");
    EXPECT_TRUE(a.contains(1));
    EXPECT_EQ(b.check_invariants(), "");
    // A copy of a half-grown map has every entry.
    const M g = half_grown<M>();
    ASSERT_TRUE(g.stats().resizing);
    M gc(g);
    EXPECT_TRUE(gc == g);
    EXPECT_EQ(gc.check_invariants(), "");
    // With an allocator.
    M ga(g, std::allocator<std::pair<const int, std::string>>{});
    EXPECT_TRUE(ga == g);
    // Of an empty map.
    M e;
    M ec(e);
    EXPECT_TRUE(ec.empty());
}

TYPED_TEST(Api, CopyConstructBalancesLifetimes) {
    using M = map_t<TypeParam, gomap_test::counted, gomap_test::counted>;
    gomap_test::counts::reset();
    {
        M a;
        for (int i = 0; i < 500; ++i) a.try_emplace(i, i * 10);
        M b(a);
        EXPECT_EQ(gomap_test::counts::alive(), 2000u);
        for (const auto& [k, v] : b) EXPECT_EQ(v.value(), k.value() * 10);
    }
    EXPECT_EQ(gomap_test::counts::alive(), 0u);
}

TYPED_TEST(Api, MoveConstruct) {
    using M = map_t<TypeParam, int, std::string>;
    M a = half_grown<M>();
    const auto bytes = a.stats().bytes;
    const auto* first = &*a.find(42);
    M b(std::move(a));
    EXPECT_EQ(b.size(), std::size_t(figures<TypeParam>::half_grown_size));
    EXPECT_EQ(b.stats().bytes, bytes);
    EXPECT_EQ(&*b.find(42), first) << "a move steals the table";
    EXPECT_EQ(b.check_invariants(), "");
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is specified empty
    EXPECT_EQ(a.stats().bytes, 0u);
    a[1] = "usable";
    EXPECT_EQ(a.at(1), "usable");
    EXPECT_EQ(a.check_invariants(), "");
}

TYPED_TEST(Api, MoveConstructWithAllocator) {
    using CA = gomap::counting_allocator<std::pair<const int, std::string>>;
    using M = map_t<TypeParam, int, std::string, gomap::hash<int>, std::equal_to<int>, CA>;
    gomap::allocation_counter c1, c2;
    {
        M a{CA(&c1)};
        for (int i = 0; i < 100; ++i) a[i] = std::to_string(i);
        M same(std::move(a), CA(&c1));  // equal allocators: the table moves
        EXPECT_EQ(same.size(), 100u);
        EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
        EXPECT_EQ(c1.bytes, same.stats().bytes);

        M other(std::move(same), CA(&c2));  // unequal: entries move one by one
        EXPECT_EQ(other.size(), 100u);
        EXPECT_EQ(other.get_allocator().counter(), &c2);
        EXPECT_EQ(c2.bytes, other.stats().bytes);
        EXPECT_TRUE(same.empty());  // NOLINT(bugprone-use-after-move)
        EXPECT_EQ(c1.bytes, same.stats().bytes);
        for (int i = 0; i < 100; ++i) EXPECT_EQ(other.at(i), std::to_string(i));
    }
    EXPECT_EQ(c1.bytes, 0u);
    EXPECT_EQ(c2.bytes, 0u);
}

// Moving a half-grown map into a map with an unequal allocator moves the
// entries one by one. In go_map, while a grow is in progress an old chain is
// walked once for each of the two new buckets it feeds, and each walk
// re-hashes the keys to pick its half: keys already moved out must not be
// looked at again (a moved-from std::string is "" and may well hash into the
// other half).
TYPED_TEST(Api, MoveConstructWithUnequalAllocatorFromHalfGrownMap) {
    using CA = gomap::counting_allocator<std::pair<const std::string, int>>;
    using M = map_t<TypeParam, std::string, int, gomap::hash<std::string>, std::equal_to<std::string>, CA>;
    gomap::allocation_counter c1, c2;
    bool covered = false;  // a run where a moved-from key ("") hashes into the second half
    for (int attempt = 0; attempt < 64 && !covered; ++attempt) {
        M src{CA(&c1)};
        int n = 0;
        // go_map: the 1665th insert starts the grow to B = 9; gomap::map: the
        // 1681st, from 128 groups to 256.
        while (n < 1665 || !src.stats().resizing) {
            src["key-" + std::to_string(n)] = n;
            ++n;
        }
        const auto s = src.stats();
        ASSERT_TRUE(s.resizing);
        if constexpr (is_go<TypeParam>)
            covered = ((gomap::hash<std::string>{}(std::string(), s.hash0) >> s.old_B) & 1) != 0;
        else
            covered = true;  // no X/Y halves: gomap::map moves every entry once, without hashing
        M dst(std::move(src), CA(&c2));
        ASSERT_EQ(dst.size(), std::size_t(n)) << "attempt " << attempt;
        EXPECT_FALSE(dst.contains(""));
        for (int i = 0; i < n; ++i) ASSERT_EQ(dst.at("key-" + std::to_string(i)), i);
        EXPECT_EQ(c2.bytes, dst.stats().bytes);
    }
    EXPECT_TRUE(covered);
    EXPECT_EQ(c1.bytes, 0u);
    EXPECT_EQ(c2.bytes, 0u);
}

TYPED_TEST(Api, CopyAssign) {
    using M = map_t<TypeParam, int, std::string>;
    M a, b;
    for (int i = 0; i < 100; ++i) a[i] = "a";
    for (int i = 50; i < 500; ++i) b[i] = "b";
    a = b;
    EXPECT_TRUE(a == b);
    EXPECT_EQ(a.size(), 450u);
    EXPECT_FALSE(a.contains(0));
    b[50] = "changed";
    EXPECT_EQ(a.at(50), "b");
    const M& self = a;
    a = self;
    EXPECT_EQ(a.size(), 450u);
    EXPECT_EQ(a.check_invariants(), "");
}

TYPED_TEST(Api, MoveAssign) {
    using M = map_t<TypeParam, int, std::string>;
    M a, b;
    for (int i = 0; i < 100; ++i) a[i] = "a";
    for (int i = 50; i < 500; ++i) b[i] = "b";
    a = std::move(b);
    EXPECT_EQ(a.size(), 450u);
    EXPECT_EQ(a.at(499), "b");
    EXPECT_FALSE(a.contains(0));
    EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
    b[1] = "usable";
    EXPECT_EQ(b.size(), 1u);
    M& self = a;
    a = std::move(self);
    EXPECT_EQ(a.size(), 450u);
    EXPECT_EQ(a.check_invariants(), "");
}

TYPED_TEST(Api, InitializerListAssign) {
    using M = map_t<TypeParam, int, std::string>;
    M a;
    for (int i = 0; i < 100; ++i) a[i] = "a";
    a = {{1, "x"}, {2, "y"}};
    EXPECT_EQ(a.size(), 2u);
    EXPECT_EQ(a.at(1), "x");
    EXPECT_FALSE(a.contains(3));
}

// ---- iteration ------------------------------------------------------------------------

TYPED_TEST(Api, Iteration) {
    using M = map_t<TypeParam, int, std::string>;
    M m;
    for (int i = 0; i < 1000; ++i) m[i] = std::to_string(i);
    std::multiset<int> keys;
    for (auto it = m.begin(); it != m.end(); ++it) {
        keys.insert(it->first);
        it->second += "!";  // values are writable through iterator
    }
    EXPECT_EQ(keys.size(), 1000u);
    EXPECT_EQ(std::set<int>(keys.begin(), keys.end()).size(), 1000u);
    EXPECT_EQ(static_cast<std::size_t>(std::distance(m.begin(), m.end())), m.size());
    const M& cm = m;
    std::size_t n = 0;
    for (auto it = cm.begin(); it != cm.end(); it++) {
        EXPECT_EQ(it->second, std::to_string(it->first) + "!");
        ++n;
    }
    EXPECT_EQ(n, 1000u);
    n = 0;
    for (auto it = m.cbegin(); it != m.cend(); ++it) ++n;
    EXPECT_EQ(n, 1000u);
    // iterator -> const_iterator, mixed comparison.
    typename M::iterator it = m.find(5);
    typename M::const_iterator cit = it;
    EXPECT_TRUE(cit == m.find(5));
    EXPECT_TRUE(cit == typename M::const_iterator(m.find(5)));
    auto post = it++;
    EXPECT_EQ(post->first, 5);
    n = 0;
    for (const auto& [k, v] : cm) n += (v == std::to_string(k) + "!");
    EXPECT_EQ(n, 1000u);
    typename M::iterator def{};
    EXPECT_TRUE(def == typename M::iterator{});
}

TYPED_TEST(Api, IterationOfHalfGrownMap) {
    using M = map_t<TypeParam, int, std::string>;
    const M m = half_grown<M>();
    ASSERT_TRUE(m.stats().resizing);
    std::vector<int> keys;
    for (const auto& e : m) keys.push_back(e.first);
    std::sort(keys.begin(), keys.end());
    const int n = figures<TypeParam>::half_grown_size;
    ASSERT_EQ(keys.size(), std::size_t(n));
    for (int i = 0; i < n; ++i) ASSERT_EQ(keys[i], i);
}

// ---- lookup ----------------------------------------------------------------------------

TYPED_TEST(Api, Lookup) {
    using M = map_t<TypeParam, int, std::string>;
    M m;
    for (int i = 0; i < 100; ++i) m[i] = std::to_string(i);
    const M& cm = m;
    for (int i = 0; i < 100; ++i) {
        auto it = m.find(i);
        ASSERT_TRUE(it != m.end());
        EXPECT_EQ(it->first, i);
        auto cit = cm.find(i);
        ASSERT_TRUE(cit != cm.end());
        EXPECT_EQ(&*cit, &*it);
        EXPECT_TRUE(m.contains(i));
        EXPECT_EQ(m.count(i), 1u);
        EXPECT_EQ(m.at(i), std::to_string(i));
        EXPECT_EQ(cm.at(i), std::to_string(i));
    }
    EXPECT_TRUE(m.find(100) == m.end());
    EXPECT_TRUE(cm.find(-1) == cm.end());
    EXPECT_FALSE(m.contains(100));
    EXPECT_EQ(m.count(100), 0u);
    try {
        (void)m.at(100);
        ADD_FAILURE() << "at() of an absent key must throw";
    } catch (const std::out_of_range& e) {
        EXPECT_NE(std::string(e.what()), "");
    }
    m.at(3) = "three";
    EXPECT_EQ(m[3], "three");
}

TYPED_TEST(Api, EqualRange) {
    using M = map_t<TypeParam, int, std::string>;
    M m{{1, "a"}, {2, "b"}, {3, "c"}};
    auto [f, l] = m.equal_range(2);
    ASSERT_TRUE(f != m.end());
    EXPECT_EQ(f->first, 2);
    EXPECT_EQ(std::distance(f, l), 1);
    auto [af, al] = m.equal_range(9);
    EXPECT_TRUE(af == m.end());
    EXPECT_TRUE(al == m.end());
    const M& cm = m;
    auto [cf, cl] = cm.equal_range(3);
    EXPECT_EQ(cf->second, "c");
    EXPECT_EQ(std::distance(cf, cl), 1);
    auto [cf2, cl2] = cm.equal_range(0);
    EXPECT_TRUE(cf2 == cm.end() && cl2 == cm.end());
}

// ---- operator[] and insertion ---------------------------------------------------------------

TYPED_TEST(Api, SubscriptOperator) {
    using M = map_t<TypeParam, mkey, std::string, mkey_hash>;
    M m;
    const mkey k1(1);
    m[k1] = "one";  // const K&: copied
    EXPECT_FALSE(k1.moved_from);
    mkey k2(2);
    m[std::move(k2)] = "two";  // K&&, absent: moved into the map
    EXPECT_TRUE(k2.moved_from);  // NOLINT(bugprone-use-after-move)
    mkey k2b(2);
    m[std::move(k2b)] += "!";  // K&&, present: not moved from
    EXPECT_FALSE(k2b.moved_from);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(m[mkey(2)], "two!");
    EXPECT_EQ(m[mkey(3)], "") << "a new entry's value is value-initialised";
    EXPECT_EQ(m.size(), 3u);

    map_t<TypeParam, int, int> ints;
    EXPECT_EQ(ints[7], 0);
    ints[7] += 5;
    EXPECT_EQ(ints[7], 5);
}

TYPED_TEST(Api, Insert) {
    using M = map_t<TypeParam, int, std::string>;
    using V = typename M::value_type;
    M m;
    const V v1{1, "one"};
    auto [it1, ins1] = m.insert(v1);
    EXPECT_TRUE(ins1);
    EXPECT_EQ(it1->second, "one");
    auto [it1b, ins1b] = m.insert(V{1, "uno"});
    EXPECT_FALSE(ins1b);
    EXPECT_EQ(it1b->second, "one") << "insert does not overwrite";
    EXPECT_EQ(&*it1b, &*it1);

    auto [it2, ins2] = m.insert(V{2, "two"});  // value_type&&
    EXPECT_TRUE(ins2);
    EXPECT_EQ(it2->first, 2);

    auto [it3, ins3] = m.insert(std::pair<int, const char*>{3, "three"});  // P&&
    EXPECT_TRUE(ins3);
    EXPECT_EQ(it3->second, "three");
    auto [it4, ins4] = m.insert(std::make_pair(4, std::string("four")));
    EXPECT_TRUE(ins4);
    EXPECT_EQ(it4->second, "four");

    auto h5 = m.insert(m.cbegin(), v1);  // hint, present
    EXPECT_EQ(h5->first, 1);
    EXPECT_EQ(h5->second, "one");
    auto h6 = m.insert(m.cend(), V{6, "six"});  // hint, rvalue
    EXPECT_EQ(h6->second, "six");
    const V v7{7, "seven"};
    auto h7 = m.insert(m.cend(), v7);
    EXPECT_EQ(h7->second, "seven");

    std::vector<V> more = {{8, "eight"}, {9, "nine"}, {1, "not this"}};
    m.insert(more.begin(), more.end());
    m.insert({{10, "ten"}, {2, "not this"}});
    EXPECT_EQ(m.size(), 9u);
    EXPECT_EQ(m.at(1), "one");
    EXPECT_EQ(m.at(2), "two");
    EXPECT_EQ(m.at(10), "ten");
    EXPECT_EQ(m.check_invariants(), "");
}

TYPED_TEST(Api, InsertRvalueDoesNotMoveWhenPresent) {
    using M = map_t<TypeParam, int, std::unique_ptr<int>>;
    M m;
    typename M::value_type a{1, std::make_unique<int>(10)};
    EXPECT_TRUE(m.insert(std::move(a)).second);
    EXPECT_TRUE(a.second == nullptr);  // NOLINT(bugprone-use-after-move): moved in
    typename M::value_type b{1, std::make_unique<int>(20)};
    EXPECT_FALSE(m.insert(std::move(b)).second);
    ASSERT_TRUE(b.second != nullptr) << "the key exists: the value must not be moved from";  // NOLINT
    EXPECT_EQ(*m.at(1), 10);
}

TYPED_TEST(Api, InsertOrAssign) {
    using M = map_t<TypeParam, mkey, std::string, mkey_hash>;
    M m;
    const mkey k1(1);
    auto [it, ins] = m.insert_or_assign(k1, "a");
    EXPECT_TRUE(ins);
    EXPECT_EQ(it->second, "a");
    auto [it2, ins2] = m.insert_or_assign(k1, std::string("b"));
    EXPECT_FALSE(ins2);
    EXPECT_EQ(it2->second, "b");
    EXPECT_EQ(&*it2, &*it);

    mkey k2(2);
    EXPECT_TRUE(m.insert_or_assign(std::move(k2), "c").second);
    EXPECT_TRUE(k2.moved_from);  // NOLINT(bugprone-use-after-move)
    mkey k2b(2);
    EXPECT_FALSE(m.insert_or_assign(std::move(k2b), "d").second);
    EXPECT_FALSE(k2b.moved_from) << "the key exists: the key argument is not moved from";  // NOLINT
    EXPECT_EQ(m.at(mkey(2)), "d");

    auto h = m.insert_or_assign(m.cbegin(), k1, "e");
    EXPECT_EQ(h->second, "e");
    auto h2 = m.insert_or_assign(m.cend(), mkey(3), "f");
    EXPECT_EQ(h2->second, "f");
    EXPECT_EQ(m.size(), 3u);
}

TYPED_TEST(Api, TryEmplace) {
    using M = map_t<TypeParam, mkey, std::unique_ptr<int>, mkey_hash>;
    M m;
    auto p = std::make_unique<int>(1);
    const mkey k1(1);
    auto [it, ins] = m.try_emplace(k1, std::move(p));
    EXPECT_TRUE(ins);
    EXPECT_TRUE(p == nullptr);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(*it->second, 1);

    auto q = std::make_unique<int>(2);
    auto [it2, ins2] = m.try_emplace(k1, std::move(q));
    EXPECT_FALSE(ins2);
    ASSERT_TRUE(q != nullptr) << "try_emplace must not move from its arguments when the key exists";  // NOLINT
    EXPECT_EQ(*it2->second, 1);

    mkey k1b(1);
    auto r = std::make_unique<int>(3);
    EXPECT_FALSE(m.try_emplace(std::move(k1b), std::move(r)).second);
    EXPECT_FALSE(k1b.moved_from);  // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(r != nullptr);     // NOLINT(bugprone-use-after-move)

    mkey k2(2);
    EXPECT_TRUE(m.try_emplace(std::move(k2), std::make_unique<int>(4)).second);
    EXPECT_TRUE(k2.moved_from);  // NOLINT(bugprone-use-after-move)

    auto h = m.try_emplace(m.cbegin(), k1, std::make_unique<int>(5));
    EXPECT_EQ(*h->second, 1);
    auto h2 = m.try_emplace(m.cend(), mkey(3), std::make_unique<int>(6));
    EXPECT_EQ(*h2->second, 6);
    auto h3 = m.try_emplace(m.cend(), mkey(4));  // value-initialised
    EXPECT_TRUE(h3->second == nullptr);
    EXPECT_EQ(m.size(), 4u);

    // Several constructor arguments.
    map_t<TypeParam, int, std::string> s;
    EXPECT_EQ(s.try_emplace(1, std::size_t{3}, 'x').first->second, "xxx");
}

TYPED_TEST(Api, Emplace) {
    using M = map_t<TypeParam, int, std::string>;
    M m;
    auto [a, ia] = m.emplace(1, "one");
    EXPECT_TRUE(ia);
    EXPECT_EQ(a->second, "one");
    EXPECT_FALSE(m.emplace(1, "uno").second);
    EXPECT_EQ(m.at(1), "one");
    EXPECT_TRUE(m.emplace(std::make_pair(2, "two")).second);
    const std::pair<const int, std::string> p3{3, "three"};
    EXPECT_TRUE(m.emplace(p3).second);
    EXPECT_TRUE(m.emplace(std::piecewise_construct, std::forward_as_tuple(4), std::forward_as_tuple(std::size_t{2}, 'z'))
                    .second);
    EXPECT_EQ(m.at(4), "zz");
    EXPECT_FALSE(m.emplace(std::piecewise_construct, std::forward_as_tuple(4), std::forward_as_tuple("no")).second);
    EXPECT_EQ(m.at(4), "zz");
    auto h = m.emplace_hint(m.cbegin(), 5, "five");
    EXPECT_EQ(h->second, "five");
    auto h2 = m.emplace_hint(m.cend(), 5, "no");
    EXPECT_EQ(h2->second, "five");
    EXPECT_EQ(m.size(), 5u);

    // A key built from another type.
    map_t<TypeParam, std::string, int> s;
    EXPECT_TRUE(s.emplace("abc", 1).second);
    EXPECT_FALSE(s.emplace("abc", 2).second);
    EXPECT_EQ(s.at("abc"), 1);
}

// emplace builds no entry for a key that is already there (it sees the key).
TYPED_TEST(Api, EmplaceExistingKeyBuildsNoValue) {
    using M = map_t<TypeParam, int, gomap_test::counted>;
    gomap_test::counts::reset();
    {
        M m;
        m.emplace(1, 10);
        const auto built = gomap_test::counts::constructed;
        gomap_test::counted v(20);
        m.emplace(1, v);
        m.try_emplace(1, 30);
        EXPECT_EQ(gomap_test::counts::constructed, built + 1) << "only the local `v` was built";
        EXPECT_EQ(m.at(1).value(), 10);
    }
    EXPECT_EQ(gomap_test::counts::alive(), 0u);
}

// ---- erase and clear ---------------------------------------------------------------------------

TYPED_TEST(Api, EraseByKey) {
    using M = map_t<TypeParam, int, std::string>;
    M m;
    for (int i = 0; i < 1000; ++i) m[i] = "x";
    for (int i = 0; i < 1000; i += 2) EXPECT_EQ(m.erase(i), 1u);
    for (int i = 0; i < 1000; i += 2) EXPECT_EQ(m.erase(i), 0u);
    EXPECT_EQ(m.size(), 500u);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(m.contains(i), i % 2 == 1);
    EXPECT_EQ(m.check_invariants(), "");
}

TYPED_TEST(Api, EraseByIterator) {
    using M = map_t<TypeParam, int, std::string>;
    M m;
    for (int i = 0; i < 100; ++i) m[i] = "x";
    auto it = m.find(50);
    auto next = std::next(it);
    auto r = m.erase(it);
    EXPECT_TRUE(r == next);
    EXPECT_FALSE(m.contains(50));
    typename M::const_iterator cit = m.find(51);
    auto cnext = std::next(cit);
    auto r2 = m.erase(cit);
    EXPECT_TRUE(r2 == cnext);
    EXPECT_EQ(m.size(), 98u);

    // The idiom from map.hpp empties the map.
    for (auto i = m.begin(); i != m.end();) i = m.erase(i);
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.check_invariants(), "");
}

TYPED_TEST(Api, EraseRange) {
    using M = map_t<TypeParam, int, std::string>;
    M m;
    for (int i = 0; i < 100; ++i) m[i] = "x";
    auto first = std::next(m.cbegin(), 10);
    auto last = std::next(first, 20);
    std::set<int> gone;
    for (auto i = first; i != last; ++i) gone.insert(i->first);
    const int after = last->first;
    auto r = m.erase(first, last);
    EXPECT_EQ(r->first, after);
    EXPECT_EQ(m.size(), 80u);
    for (int k : gone) EXPECT_FALSE(m.contains(k));
    auto r2 = m.erase(m.cbegin(), m.cbegin());
    EXPECT_TRUE(r2 == m.begin());
    EXPECT_EQ(m.size(), 80u);
    auto r3 = m.erase(m.cbegin(), m.cend());
    EXPECT_TRUE(r3 == m.end());
    EXPECT_TRUE(m.empty());

    M g = half_grown<M>();
    ASSERT_TRUE(g.stats().resizing);
    EXPECT_TRUE(g.erase(g.cbegin(), g.cend()) == g.end());
    EXPECT_TRUE(g.empty());
    EXPECT_EQ(g.check_invariants(), "");
}

TYPED_TEST(Api, Clear) {
    using M = map_t<TypeParam, gomap_test::counted, gomap_test::counted>;
    gomap_test::counts::reset();
    {
        M m;
        for (int i = 0; i < 1000; ++i) m.try_emplace(i, i);
        const auto B = m.stats().B;
        m.clear();
        EXPECT_TRUE(m.empty());
        EXPECT_TRUE(m.begin() == m.end());
        EXPECT_EQ(gomap_test::counts::alive(), 0u);
        if constexpr (is_go<TypeParam>) {
            EXPECT_EQ(m.stats().B, B) << "clear keeps the bucket array (Go's mapclear)";
        } else {
            EXPECT_GT(B, 0);
            EXPECT_EQ(m.stats().B, 0) << "gomap::map's clear gives everything back";
            EXPECT_EQ(m.stats().bytes, 0u);
        }
        EXPECT_EQ(m.check_invariants(), "");
        m.try_emplace(5, 50);
        EXPECT_EQ(m.at(5).value(), 50);
    }
    EXPECT_EQ(gomap_test::counts::alive(), 0u);
    {
        // Clearing a half-grown map.
        using S = map_t<TypeParam, int, std::string>;
        S g = half_grown<S>();
        g.clear();
        EXPECT_TRUE(g.empty());
        EXPECT_FALSE(g.stats().resizing);
        EXPECT_EQ(g.check_invariants(), "");
        for (int i = 0; i < 100; ++i) g[i] = "y";
        EXPECT_EQ(g.size(), 100u);
    }
}

TYPED_TEST(Api, Swap) {
    using M = map_t<TypeParam, int, std::string>;
    M a, b;
    for (int i = 0; i < 10; ++i) a[i] = "a";
    for (int i = 0; i < 1000; ++i) b[i] = "b";
    const auto sa = a.stats(), sb = b.stats();
    const auto* pa = &*a.find(3);
    a.swap(b);
    EXPECT_EQ(a.size(), 1000u);
    EXPECT_EQ(b.size(), 10u);
    EXPECT_EQ(a.stats().bytes, sb.bytes);
    EXPECT_EQ(b.stats().bytes, sa.bytes);
    EXPECT_EQ(b.stats().hash0, sa.hash0);
    EXPECT_EQ(&*b.find(3), pa) << "swap exchanges tables, it does not copy";
    swap(a, b);  // the free function (ADL)
    EXPECT_EQ(a.size(), 10u);
    EXPECT_EQ(b.size(), 1000u);
    using std::swap;
    swap(a, b);
    EXPECT_EQ(a.size(), 1000u);
    EXPECT_EQ(a.at(999), "b");
    EXPECT_EQ(b.at(9), "a");
    EXPECT_EQ(a.check_invariants(), "");
    EXPECT_EQ(b.check_invariants(), "");
}

// ---- hash policy -------------------------------------------------------------------------------

TYPED_TEST(Api, ReserveAvoidsGrowth) {
    using M = map_t<TypeParam, int, int>;
    for (std::size_t n : {1u, 8u, 9u, 14u, 100u, 1000u, 6657u, 20000u}) {
        M m;
        m.reserve(n);
        const auto s = m.stats();
        M hinted(n);
        EXPECT_EQ(s.B, hinted.stats().B) << "reserve(n) on an empty map = make(map, n); n=" << n;
        for (std::size_t i = 0; i < n; ++i) m[int(i)] = 1;
        EXPECT_EQ(m.stats().resizes, s.resizes) << "n=" << n;
        EXPECT_EQ(m.stats().B, s.B) << "n=" << n;
    }
    // On a map with entries: room for n more.
    M m;
    for (int i = 0; i < 500; ++i) m[i] = i;
    m.reserve(500 + 5000);
    const auto r = m.stats().resizes;
    for (int i = 500; i < 5500; ++i) m[i] = i;
    EXPECT_EQ(m.stats().resizes, r);
    for (int i = 0; i < 5500; ++i) ASSERT_EQ(m.at(i), i);
    EXPECT_EQ(m.check_invariants(), "");
}

TYPED_TEST(Api, ReserveRehashesAndNeverShrinks) {
    using M = map_t<TypeParam, int, std::string>;
    M m = half_grown<M>();
    ASSERT_TRUE(m.stats().resizing);
    const auto before = m.stats();
    m.reserve(1);
    EXPECT_EQ(m.stats().B, before.B) << "reserve never makes the array smaller";
    m.reserve(50000);
    const auto after = m.stats();
    EXPECT_FALSE(after.resizing);
    EXPECT_EQ(after.B, is_go<TypeParam> ? 13 : 12);  // 2^13 buckets hold 53248; 2^12 groups, 53760
    EXPECT_EQ(after.resizes, before.resizes + 1);
    const int n = figures<TypeParam>::half_grown_size;
    EXPECT_EQ(m.size(), std::size_t(n));
    for (int i = 0; i < n; ++i) ASSERT_EQ(m.at(i), std::to_string(i));
    EXPECT_EQ(m.check_invariants(), "");
}

TYPED_TEST(Api, Rehash) {
    using M = map_t<TypeParam, int, int>;
    M m;
    for (int i = 0; i < 50; ++i) m[i] = i;
    m.rehash(100);
    EXPECT_GE(m.bucket_count(), 100u);
    m.rehash(64);
    EXPECT_GE(m.bucket_count(), 64u);
    const auto bc = m.bucket_count();
    m.rehash(0);
    EXPECT_EQ(m.bucket_count(), bc);
    for (int i = 0; i < 50; ++i) ASSERT_EQ(m.at(i), i);
    EXPECT_EQ(m.check_invariants(), "");
}

// go_map: buckets of 8 entries, grown above 6.5 per bucket (a lone bucket
// holds 8); gomap::map: slots, 15 per group, grown above 7/8 of them.
TYPED_TEST(Api, BucketCountAndLoadFactor) {
    using M = map_t<TypeParam, int, int>;
    EXPECT_EQ(M::load_limit(), is_go<TypeParam> ? 6.5f : 0.875f);
    M m;
    EXPECT_EQ(m.max_load_factor(), is_go<TypeParam> ? 6.5f : 1.0f) << "std's initial 1.0; Go's 6.5";
    EXPECT_GE(m.max_bucket_count(), std::size_t{1} << 40);
    for (int i = 1; i <= 5000; ++i) {
        m[i] = i;
        EXPECT_EQ(m.bucket_count(), (std::size_t{1} << m.stats().B) * (is_go<TypeParam> ? 1 : 15));
        EXPECT_FLOAT_EQ(m.load_factor(), float(m.size()) / float(m.bucket_count()));
        if (m.size() > 8) {
            ASSERT_LE(m.load_factor(), m.max_load_factor()) << "size " << m.size();
        }
    }
}

// ---- comparison, erase_if ---------------------------------------------------------------------------

TYPED_TEST(Api, Equality) {
    using M = map_t<TypeParam, int, std::string>;
    M a, b;
    for (int i = 0; i < 500; ++i) a[i] = std::to_string(i);
    for (int i = 499; i >= 0; --i) b[i] = std::to_string(i);
    EXPECT_TRUE(a == b);
    EXPECT_FALSE(a != b);
    b[7] = "seven";
    EXPECT_FALSE(a == b);
    EXPECT_TRUE(a != b);
    b[7] = "7";
    b[500] = "500";
    EXPECT_FALSE(a == b);
    b.erase(500);
    b.erase(0);
    b[-1] = "0";
    EXPECT_FALSE(a == b) << "same size, one different key";
    M e1, e2;
    EXPECT_TRUE(e1 == e2);
}

TYPED_TEST(Api, EraseIf) {
    using M = map_t<TypeParam, int, std::string>;
    M m = half_grown<M>();
    const int size = figures<TypeParam>::half_grown_size;
    const std::size_t thirds = std::size_t(size + 2) / 3;  // keys 0, 3, 6, ... below size
    const auto n = gomap::erase_if(m, [](const auto& e) { return e.first % 3 == 0; });
    EXPECT_EQ(n, thirds);
    EXPECT_EQ(m.size(), std::size_t(size) - thirds);
    for (int i = 0; i < size; ++i) ASSERT_EQ(m.contains(i), i % 3 != 0) << i;
    EXPECT_EQ(gomap::erase_if(m, [](const auto&) { return false; }), 0u);
    EXPECT_EQ(gomap::erase_if(m, [](const auto&) { return true; }), std::size_t(size) - thirds);
    EXPECT_TRUE(m.empty());
}

// ---- range() -------------------------------------------------------------------------------------------

TYPED_TEST(Api, Range) {
    using M = map_t<TypeParam, int, int>;
    M m;
    for (int i = 0; i < 100; ++i) m[i] = i;
    std::set<int> seen;
    m.range([&](const int& k, int& v) {
        seen.insert(k);
        v *= 2;
    });
    EXPECT_EQ(seen.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(m.at(i), 2 * i);
    int visits = 0;
    m.range([&](const int&, int&) { return ++visits < 10; });  // false stops the loop
    EXPECT_EQ(visits, 10);
    const M& cm = m;
    long sum = 0;
    cm.range([&](const int&, const int& v) { sum += v; });
    EXPECT_EQ(sum, 9900);
    visits = 0;
    cm.range([&](const int&, const int&) { return ++visits < 3; });
    EXPECT_EQ(visits, 3);
}

// ---- heterogeneous lookup ---------------------------------------------------------------------------------

TYPED_TEST(Api, HeterogeneousLookupBuildsNoKey) {
    using M = map_t<TypeParam, tkey, int, thash, teq>;
    M m;
    for (int i = 0; i < 100; ++i) m.emplace(tkey("key" + std::to_string(i)), i);
    const M& cm = m;
    ASSERT_FALSE(m.stats().resizing);  // evacuation would hash stored keys
    tkey::conversions = 0;
    thash::key_calls = thash::text_calls = 0;
    const std::string_view sv = "key42";
    const char* cs = "key43";
    EXPECT_EQ(m.find(sv)->second, 42);
    EXPECT_EQ(cm.find(sv)->second, 42);
    EXPECT_EQ(m.find(cs)->second, 43);
    EXPECT_EQ(m.find("key44")->second, 44);
    EXPECT_TRUE(m.find(std::string_view("nope")) == m.end());
    EXPECT_TRUE(m.contains(sv));
    EXPECT_TRUE(m.contains("key1"));
    EXPECT_FALSE(m.contains("nope"));
    EXPECT_EQ(m.count(cs), 1u);
    EXPECT_EQ(m.count(std::string_view("nope")), 0u);
    EXPECT_EQ(m.at(sv), 42);
    EXPECT_EQ(cm.at("key45"), 45);
    EXPECT_THROW((void)m.at("nope"), std::out_of_range);
    EXPECT_EQ(m.erase(sv), 1u);
    EXPECT_EQ(m.erase("key43"), 1u);
    EXPECT_EQ(m.erase(cs), 0u);
    EXPECT_EQ(m.erase(std::string_view("nope")), 0u);
    EXPECT_EQ(tkey::conversions, 0) << "a heterogeneous call built a key";
    EXPECT_EQ(thash::key_calls, 0);
    EXPECT_GE(thash::text_calls, 15);
    EXPECT_EQ(m.size(), 98u);
}

// The same with the library's own transparent pair: gomap::hash<std::string>
// and std::equal_to<>. A counting wrapper shows the hash is handed the
// string_view / const char* itself, never a std::string built from it.
struct counting_string_hash : gomap::hash<std::string> {
    static inline int string_calls = 0, other_calls = 0;
    template <class Q>
    std::uint64_t operator()(const Q& q, std::uint64_t seed) const {
        if constexpr (std::is_same_v<Q, std::string>)
            ++string_calls;
        else
            ++other_calls;
        return gomap::hash<std::string>::operator()(q, seed);
    }
};
struct counting_equal_to : std::equal_to<> {
    static inline int string_lhs = 0, other_lhs = 0;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        if constexpr (std::is_same_v<A, std::string>)
            ++string_lhs;
        else
            ++other_lhs;
        return std::equal_to<>::operator()(a, b);
    }
};

TYPED_TEST(Api, HeterogeneousLookupWithGomapHashAndEqualTo) {
    {
        using M = map_t<TypeParam, std::string, int, gomap::hash<std::string>, std::equal_to<>>;
        M m;
        for (int i = 0; i < 100; ++i) m["a-long-key-that-would-allocate-" + std::to_string(i)] = i;
        const std::string_view sv = "a-long-key-that-would-allocate-7";
        const char* cs = "a-long-key-that-would-allocate-8";
        EXPECT_EQ(m.find(sv)->second, 7);
        EXPECT_EQ(m.find(cs)->second, 8);
        EXPECT_TRUE(m.contains(sv));
        EXPECT_EQ(m.count(cs), 1u);
        EXPECT_EQ(m.at(sv), 7);
        EXPECT_EQ(std::as_const(m).at(cs), 8);
        EXPECT_EQ(m.erase(sv), 1u);
        EXPECT_EQ(m.erase(cs), 1u);
        EXPECT_FALSE(m.contains(sv));
        EXPECT_EQ(m.size(), 98u);
    }
    {
        using M = map_t<TypeParam, std::string, int, counting_string_hash, counting_equal_to>;
        M m;
        for (int i = 0; i < 100; ++i) m["k" + std::to_string(i)] = i;
        ASSERT_FALSE(m.stats().resizing);  // evacuation would hash stored keys
        counting_string_hash::string_calls = counting_string_hash::other_calls = 0;
        counting_equal_to::string_lhs = counting_equal_to::other_lhs = 0;
        const std::string_view sv = "k7";
        EXPECT_EQ(m.find(sv)->second, 7);
        EXPECT_EQ(m.find("k8")->second, 8);
        EXPECT_TRUE(m.contains(sv));
        EXPECT_EQ(m.count("k9"), 1u);
        EXPECT_EQ(m.at(sv), 7);
        EXPECT_EQ(m.erase(sv), 1u);
        EXPECT_EQ(m.erase("k8"), 1u);
        EXPECT_EQ(counting_string_hash::string_calls, 0) << "a std::string was hashed: one was built";
        EXPECT_EQ(counting_string_hash::other_calls, 7);
        EXPECT_EQ(counting_equal_to::string_lhs, 0);
        EXPECT_GE(counting_equal_to::other_lhs, 7);
    }
}

// ---- allocator awareness ------------------------------------------------------------------------------------

TYPED_TEST(Api, CountingAllocatorMatchesStats) {
    using CA = gomap::counting_allocator<std::pair<const int, std::string>>;
    using M = map_t<TypeParam, int, std::string, gomap::hash<int>, std::equal_to<int>, CA>;
    gomap::allocation_counter c;
    {
        M m{CA(&c)};
        for (int i = 0; i < 20000; ++i) {
            m[i] = "v";
            if (i % 97 == 0) {
                ASSERT_EQ(m.stats().bytes, c.bytes) << "after inserting " << i;
            }
        }
        EXPECT_EQ(m.stats().bytes, c.bytes);
        for (int i = 0; i < 20000; i += 2) m.erase(i);
        EXPECT_EQ(m.stats().bytes, c.bytes);
        m.reserve(100000);
        EXPECT_EQ(m.stats().bytes, c.bytes);
        m.rehash(100000);
        EXPECT_EQ(m.stats().bytes, c.bytes);
        {
            M copy(m);  // select_on_container_copy_construction: same counter
            EXPECT_EQ(copy.get_allocator().counter(), &c);
            EXPECT_EQ(m.stats().bytes + copy.stats().bytes, c.bytes);
        }
        EXPECT_EQ(m.stats().bytes, c.bytes);
        m.clear();
        EXPECT_EQ(m.stats().bytes, c.bytes);
        EXPECT_GT(c.peak, 0u);
    }
    EXPECT_EQ(c.bytes, 0u) << "everything given back when the map is destroyed";
    EXPECT_EQ(c.allocations, c.deallocations);
}

TYPED_TEST(Api, CountingAllocatorWithOutOfLineEntries) {
    using CA = gomap::counting_allocator<std::pair<const int, big>>;
    using M = map_t<TypeParam, int, big, gomap::hash<int>, std::equal_to<int>, CA>;
    gomap::allocation_counter c;
    {
        M m{CA(&c)};
        for (int i = 0; i < 3000; ++i) m[i] = big(i);
        EXPECT_EQ(m.stats().bytes, c.bytes);
        const auto full = c.bytes;
        for (int i = 0; i < 3000; i += 2) m.erase(i);
        EXPECT_EQ(m.stats().bytes, c.bytes);
        if constexpr (is_go<TypeParam> || std::is_same_v<TypeParam, gomap::node_policy>) {
            // go_map: entries over 128 B are out of line; node_map: every entry is
            // (1,500 erases before the map is down to 1/4: no shrink yet).
            EXPECT_EQ(full - c.bytes, 1500 * sizeof(std::pair<const int, big>)) << "an erased entry frees its node";
        } else {
            EXPECT_EQ(full, c.bytes) << "gomap::map keeps entries of any size in its slots";
        }
        for (auto it = m.begin(); it != m.end();) it = m.erase(it);
        EXPECT_EQ(m.stats().bytes, c.bytes);
    }
    EXPECT_EQ(c.bytes, 0u);
    EXPECT_EQ(c.allocations, c.deallocations);
}

TYPED_TEST(Api, DefaultCountingAllocatorUsesGlobalCounter) {
    using CA = gomap::counting_allocator<std::pair<const int, int>>;
    using M = map_t<TypeParam, int, int, gomap::hash<int>, std::equal_to<int>, CA>;
    auto& g = CA::global();
    const auto before = g.bytes;
    {
        M m;
        for (int i = 0; i < 100; ++i) m[i] = i;
        EXPECT_EQ(m.get_allocator().counter(), &g);
        EXPECT_EQ(g.bytes - before, m.stats().bytes);
    }
    EXPECT_EQ(g.bytes, before);
}

TYPED_TEST(Api, SwapPropagatesAllocators) {
    using CA = gomap::counting_allocator<std::pair<const int, int>>;
    using M = map_t<TypeParam, int, int, gomap::hash<int>, std::equal_to<int>, CA>;
    gomap::allocation_counter ca, cb;
    {
        M a{CA(&ca)}, b{CA(&cb)};
        for (int i = 0; i < 100; ++i) a[i] = i;
        for (int i = 0; i < 1000; ++i) b[i] = i;
        a.swap(b);
        EXPECT_EQ(a.get_allocator().counter(), &cb);
        EXPECT_EQ(b.get_allocator().counter(), &ca);
        EXPECT_EQ(cb.bytes, a.stats().bytes);
        EXPECT_EQ(ca.bytes, b.stats().bytes);
    }
    EXPECT_EQ(ca.bytes, 0u);
    EXPECT_EQ(cb.bytes, 0u);
}

// counting_allocator propagates on copy and move assignment. The table the
// target held before must go back to the allocator it came from.
TYPED_TEST(Api, CopyAssignPropagatingAllocatorFreesOldTableToItsOwnAllocator) {
    using CA = gomap::counting_allocator<std::pair<const int, int>>;
    using M = map_t<TypeParam, int, int, gomap::hash<int>, std::equal_to<int>, CA>;
    gomap::allocation_counter ca, cb;
    {
        M a{CA(&ca)}, b{CA(&cb)};
        for (int i = 0; i < 100; ++i) a[i] = i;
        for (int i = 0; i < 10; ++i) b[i] = i;
        a = b;
        EXPECT_EQ(a.get_allocator().counter(), &cb);
        EXPECT_TRUE(a == b);
        EXPECT_EQ(ca.bytes, 0u) << "a's old table was not given back to a's old allocator";
        EXPECT_EQ(cb.bytes, a.stats().bytes + b.stats().bytes);
    }
    EXPECT_EQ(ca.bytes, 0u);
    EXPECT_EQ(cb.bytes, 0u);
}

TYPED_TEST(Api, MoveAssignPropagatingAllocatorFreesOldTableToItsOwnAllocator) {
    using CA = gomap::counting_allocator<std::pair<const int, int>>;
    using M = map_t<TypeParam, int, int, gomap::hash<int>, std::equal_to<int>, CA>;
    gomap::allocation_counter ca, cb;
    {
        M a{CA(&ca)}, b{CA(&cb)};
        for (int i = 0; i < 100; ++i) a[i] = i;
        for (int i = 0; i < 10; ++i) b[i] = i;
        a = std::move(b);
        EXPECT_EQ(a.get_allocator().counter(), &cb);
        EXPECT_EQ(a.size(), 10u);
        EXPECT_EQ(ca.bytes, 0u) << "a's old table was not given back to a's old allocator";
        EXPECT_EQ(cb.bytes, a.stats().bytes);
    }
    EXPECT_EQ(ca.bytes, 0u);
    EXPECT_EQ(cb.bytes, 0u);
}

// ---- stats() -----------------------------------------------------------------------------------------------

// Go's figures: go_map only (flat_engine_test.cpp checks gomap::map's).
TEST(GoMapApi, StatsFields) {
    using M = map_t<gomap::go_policy, int, int>;
    M m;
    m[0] = 0;
    auto s = m.stats();
    EXPECT_EQ(s.count, 1u);
    EXPECT_EQ(s.B, 0);
    EXPECT_EQ(s.buckets, 1u);
    EXPECT_EQ(s.bucket_size, 8u + 8u * sizeof(std::pair<const int, int>) + sizeof(void*));
    EXPECT_EQ(s.bytes, s.bucket_size);
    EXPECT_EQ(s.preallocated_overflow, 0u);
    EXPECT_FALSE(s.resizing);
    EXPECT_EQ(s.direction, gomap::resize_direction::none);
    EXPECT_EQ(s.resizes, 0u);

    for (int i = 1; i < 6657; ++i) m[i] = i;  // the last insert starts the grow to B = 11
    s = m.stats();
    EXPECT_EQ(s.count, 6657u);
    EXPECT_EQ(s.B, 11);
    EXPECT_EQ(s.buckets, 2048u);
    EXPECT_TRUE(s.resizing);
    EXPECT_EQ(s.direction, gomap::resize_direction::grow);
    EXPECT_EQ(s.old_B, 10);
    EXPECT_LT(s.nevacuate, 1024u);
    EXPECT_EQ(s.resizes, 11u);  // B 0 -> 11 one step at a time
    // 2048 + 2048/16 buckets, plus what fits in Go's rounding of the array to whole pages.
    EXPECT_EQ(s.preallocated_overflow,
              gomap::detail::go_roundupsize((2048u + 128u) * s.bucket_size) / s.bucket_size - 2048u);
    EXPECT_GE(s.preallocated_overflow, 128u);
    EXPECT_GE(s.bytes, (2048u + 128u + 1024u + 64u) * s.bucket_size) << "old and new arrays both held";
    // overflow_buckets is what the chains really hold.
    std::size_t chained = 0;
    m.visit_chains([&](const auto* head, bool) {
        for (const auto* b = head->overflow; b; b = b->overflow) ++chained;
    });
    EXPECT_EQ(chained, s.overflow_buckets);
    EXPECT_EQ(s.hash0, m.stats().hash0);

    while (m.stats().resizing) m[int(m.size())] = 0;
    s = m.stats();
    EXPECT_EQ(s.direction, gomap::resize_direction::none);
    EXPECT_FALSE(s.resizing);
    EXPECT_EQ(s.old_B, 0);
    EXPECT_EQ(m.check_invariants(), "");

    M other;
    EXPECT_NE(other.stats().hash0, m.stats().hash0);
}

// ---- invalidation promises ---------------------------------------------------------------------------------------

template <class M>
std::unordered_map<int, const typename M::value_type*> addresses(const M& m) {
    std::unordered_map<int, const typename M::value_type*> a;
    for (const auto& e : m) a[e.first] = &e;
    return a;
}

// erase(iterator) returns the next entry and moves nothing else, also in the
// middle of a grow (entries may be in old and new buckets).
TYPED_TEST(Api, EraseIteratorMovesNothingElse) {
    using M = map_t<TypeParam, int, std::string>;
    for (bool growing : {false, true}) {
        M m = half_grown<M>();
        if (!growing)
            while (m.stats().resizing) m[int(m.size())] = std::to_string(m.size());
        ASSERT_EQ(m.stats().resizing, growing);
        const auto before = addresses(m);
        std::map<int, int> visits;
        for (auto it = m.begin(); it != m.end();) {
            const int k = it->first;
            ++visits[k];
            if (k % 3 == 0) {
                auto expected = std::next(it);
                it = m.erase(it);
                ASSERT_TRUE(it == expected) << "erase(iterator) must return the next entry";
            } else {
                ++it;
            }
        }
        EXPECT_EQ(visits.size(), before.size());
        for (const auto& [k, n] : visits) ASSERT_EQ(n, 1) << "key " << k;
        std::size_t kept = 0;
        for (const auto& e : m) {
            ASSERT_NE(e.first % 3, 0);
            ASSERT_EQ(&e, before.at(e.first)) << "entry " << e.first << " moved";
            ASSERT_EQ(&*m.find(e.first), before.at(e.first));
            ++kept;
        }
        EXPECT_EQ(kept, m.size());
        EXPECT_EQ(m.stats().resizing, growing) << "erase(iterator) does no evacuation work";
        EXPECT_EQ(m.check_invariants(), "");
    }
}

TYPED_TEST(Api, EraseRangeMovesNothingElse) {
    using M = map_t<TypeParam, int, std::string>;
    M m = half_grown<M>();
    const auto before = addresses(m);
    auto first = std::next(m.cbegin(), 1000);
    auto last = std::next(first, 3000);
    m.erase(first, last);
    EXPECT_EQ(m.size(), std::size_t(figures<TypeParam>::half_grown_size) - 3000u);
    for (const auto& e : m) ASSERT_EQ(&e, before.at(e.first));
}

// Lookups invalidate nothing. Writes of keys that are present invalidate
// nothing in gomap::map (std's rule); in go_map they run Go's growWork, as
// Go's mapassign does for every assignment, so a map that is only updated
// still finishes its grow.
TYPED_TEST(Api, OperationsOnPresentKeysMoveNothing) {
    using M = map_t<TypeParam, int, std::string>;
    constexpr bool go = is_go<TypeParam>;
    const int n = figures<TypeParam>::half_grown_size;
    M m = half_grown<M>();
    ASSERT_TRUE(m.stats().resizing);
    const auto before = addresses(m);
    const auto nevacuate = m.stats().nevacuate;
    for (int i = 0; i < n; i += 7) {
        (void)m.find(i);
        (void)m.contains(i);
        (void)m.at(i);
        (void)m.count(i);
    }
    EXPECT_EQ(m.stats().nevacuate, nevacuate);
    EXPECT_EQ(addresses(m), before);
    const auto resizes = m.stats().resizes;
    for (int i = 0; i < n; i += 7) {
        m[i] += "a";
        m.insert({i, "x"});
        m.try_emplace(i, "y");
        m.emplace(i, "z");
        auto r = m.insert_or_assign(i, std::to_string(i));
        ASSERT_EQ(r.first->first, i);  // the returned iterator follows a moved entry
        ASSERT_EQ(r.first->second, std::to_string(i));
    }
    EXPECT_EQ(m.size(), std::size_t(n));
    EXPECT_EQ(m.check_invariants(), "");
    if constexpr (go) {
        EXPECT_FALSE(m.stats().resizing) << "go_map: updates finish the grow, as Go's mapassign does";
        EXPECT_EQ(m.stats().resizes, resizes);
    } else {
        EXPECT_EQ(m.stats().nevacuate, nevacuate);
        EXPECT_EQ(addresses(m), before);
    }
}

// The iterator an insertion returns is valid even when the insert moved entries.
TYPED_TEST(Api, InsertionReturnsValidIterator) {
    using M = map_t<TypeParam, int, int>;
    M m;
    for (int i = 0; i < 20000; ++i) {
        auto [it, ins] = m.try_emplace(i, i * 2);
        ASSERT_TRUE(ins);
        ASSERT_EQ(it->first, i);
        ASSERT_EQ(it->second, i * 2);
        ASSERT_EQ(&*it, &*m.find(i));
    }
}

// ---- exceptions ------------------------------------------------------------------------------------------------

TYPED_TEST(Api, ThrowingValueConstructorLeavesMapAsItWas) {
    using M = map_t<TypeParam, int, gomap_test::counted>;
    gomap_test::counts::reset();
    {
        M m;
        for (int i = 0; i < 100; ++i) m.try_emplace(i, i);
        gomap_test::counts::throw_countdown = 1;
        EXPECT_THROW(m.try_emplace(1000, 1), gomap_test::counted_error);
        EXPECT_EQ(m.size(), 100u);
        EXPECT_FALSE(m.contains(1000));
        EXPECT_EQ(m.check_invariants(), "");
        m.try_emplace(1000, 1);
        EXPECT_EQ(m.at(1000).value(), 1);
    }
    EXPECT_EQ(gomap_test::counts::alive(), 0u);
}

}  // namespace
