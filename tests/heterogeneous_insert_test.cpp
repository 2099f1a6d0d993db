// heterogeneous_insert_test.cpp — try_emplace, insert_or_assign, operator[],
// equal_range and extract with a key of another type when the hasher and
// key_equal are transparent (C++26 P2363 for the inserts; Boost's maps have
// them): a key is built only when an entry is inserted, the text is hashed
// as it is, and the entry is the one a key_type lookup finds.

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "support/text_key.hpp"

namespace {

using gomap_test::teq;
using gomap_test::thash;
using gomap_test::tkey;

template <class P>
class HeterogeneousInsert : public ::testing::Test {};
using Policies = ::testing::Types<gomap::flat_policy, gomap::go_policy, gomap::node_policy>;
TYPED_TEST_SUITE(HeterogeneousInsert, Policies);

template <class P>
using text_map = gomap::basic_map<tkey, int, thash, teq, std::allocator<std::pair<const tkey, int>>, P>;

template <class M>
M filled() {
    M m;
    m.reserve(200);
    for (int i = 0; i < 100; ++i) m.emplace(tkey("key" + std::to_string(i)), i);
    return m;
}

void reset_counts() {
    tkey::conversions = 0;
    thash::key_calls = thash::text_calls = 0;
}

TYPED_TEST(HeterogeneousInsert, PresentKeysBuildNothing) {
    auto m = filled<text_map<TypeParam>>();
    ASSERT_FALSE(m.stats().resizing);
    reset_counts();
    const std::string_view sv = "key42";
    auto r = m.try_emplace(sv, -1);
    EXPECT_FALSE(r.second);
    EXPECT_EQ(r.first->second, 42);
    EXPECT_EQ(m.try_emplace(m.cbegin(), "key43", -1)->second, 43);
    EXPECT_EQ(m["key44"], 44);
    auto a = m.insert_or_assign(std::string_view("key45"), 450);
    EXPECT_FALSE(a.second);
    EXPECT_EQ(a.first->second, 450);
    EXPECT_EQ(m.insert_or_assign(m.cbegin(), "key46", 460)->second, 460);
    auto [lo, hi] = m.equal_range(sv);
    ASSERT_NE(lo, m.end());
    EXPECT_EQ(lo->second, 42);
    EXPECT_EQ(std::next(lo), hi);
    auto [clo, chi] = std::as_const(m).equal_range("nope");
    EXPECT_EQ(clo, chi);
    EXPECT_EQ(clo, m.cend());
    EXPECT_EQ(tkey::conversions, 0) << "a call on a present key built a key";
    EXPECT_EQ(thash::key_calls, 0);
    EXPECT_GE(thash::text_calls, 7);
    EXPECT_EQ(m.size(), 100u);
}

TYPED_TEST(HeterogeneousInsert, AbsentKeysBuildOneKeyEach) {
    auto m = filled<text_map<TypeParam>>();
    reset_counts();
    auto r = m.try_emplace(std::string_view("new1"), 1);
    EXPECT_TRUE(r.second);
    EXPECT_EQ(tkey::conversions, 1);
    m["new2"] = 2;
    EXPECT_EQ(tkey::conversions, 2);
    auto a = m.insert_or_assign(std::string_view("new3"), 3);
    EXPECT_TRUE(a.second);
    EXPECT_EQ(m.try_emplace(m.cend(), "new4", 4)->second, 4);
    EXPECT_EQ(m.insert_or_assign(m.cend(), "new5", 5)->second, 5);
    EXPECT_EQ(tkey::conversions, 5);
    // Stored under the same hash a key_type lookup computes.
    for (int i = 1; i <= 5; ++i) EXPECT_EQ(m.at(tkey("new" + std::to_string(i))), i);
    EXPECT_EQ(m.size(), 105u);
    EXPECT_EQ(m.check_invariants(), "");
}

TYPED_TEST(HeterogeneousInsert, ExtractByText) {
    auto m = filled<text_map<TypeParam>>();
    reset_counts();
    auto n = m.extract(std::string_view("key7"));
    ASSERT_FALSE(n.empty());
    EXPECT_EQ(n.mapped(), 7);
    EXPECT_TRUE(m.extract("nope").empty());
    EXPECT_EQ(tkey::conversions, 0);
    EXPECT_EQ(m.size(), 99u);
}

TYPED_TEST(HeterogeneousInsert, WithGomapHashAndEqualTo) {
    gomap::basic_map<std::string, int, gomap::hash<std::string>, std::equal_to<>,
                     std::allocator<std::pair<const std::string, int>>, TypeParam>
        m;
    const std::string_view k = "a-key-long-enough-to-allocate-its-string";
    m.try_emplace(k, 1);
    m[k] += 1;
    m.insert_or_assign("another-key-long-enough-to-allocate", 7);
    EXPECT_EQ(m.at(std::string(k)), 2);
    EXPECT_EQ(m.at("another-key-long-enough-to-allocate"), 7);
    EXPECT_EQ(m.size(), 2u);
}

// A non-transparent map takes these calls only as key_type (the overloads
// must not exist, so a std::string_view converts, or does not compile).
template <class M, class Q>
concept takes_try_emplace = requires(M& m, Q q) { m.try_emplace(q, 1); };
template <class M, class Q>
concept takes_every_heterogeneous_call = requires(M& m, Q q) {
    m.try_emplace(q, 1);
    m.insert_or_assign(q, 1);
    m[q];
    m.equal_range(q);
    m.extract(q);
};

TEST(HeterogeneousInsertOverloads, OnlyWhenBothAreTransparent) {
    using plain = gomap::map<std::string, int>;
    static_assert(!takes_try_emplace<plain, std::string_view>);
    static_assert(!takes_every_heterogeneous_call<plain, std::string_view>);
    static_assert(takes_try_emplace<plain, const char*>);  // converts to std::string
    using transparent = gomap::map<std::string, int, gomap::hash<std::string>, std::equal_to<>>;
    static_assert(takes_every_heterogeneous_call<transparent, std::string_view>);
    using half = gomap::map<std::string, int, gomap::hash<std::string>, std::equal_to<std::string>>;
    static_assert(!takes_try_emplace<half, std::string_view>);
    SUCCEED();
}

}  // namespace
