// node_handle_test.cpp — extract, node_type, insert(node_type&&) and merge,
// on gomap::map and gomap::go_map, with std::unordered_map as the control:
// the same calls must give the same observable results. A flat map has no
// nodes, so its node handle owns the entry itself (moved out of the table);
// what the standard lets a program see of a handle is the same.

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "support/faces.hpp"
#include "support/test_allocators.hpp"

namespace {

using gomap_test::face;
using Faces = gomap_test::StdAndGomapFaces;

template <class F>
class NodeHandle : public ::testing::Test {};
TYPED_TEST_SUITE(NodeHandle, Faces);

// Suites with no control: where libstdc++ 12 cannot run the test or breaks
// the standard's rule (each test says which).
template <class F>
class NodeHandleGomapFaces : public ::testing::Test {};
using GomapFaces = ::testing::Types<face<gomap::map>, face<gomap::go_map>, face<gomap::node_map>>;
TYPED_TEST_SUITE(NodeHandleGomapFaces, GomapFaces);

template <class M>
std::map<int, std::string> contents(const M& m) {
    std::map<int, std::string> r;
    for (const auto& e : m) r.emplace(e.first, e.second);
    return r;
}

template <class M>
M numbered(int from, int n) {
    M m;
    for (int i = from; i < from + n; ++i) m.emplace(i, "v" + std::to_string(i));
    return m;
}

TYPED_TEST(NodeHandle, Types) {
    using M = typename TypeParam::template type<int, std::string>;
    using N = typename M::node_type;
    static_assert(std::is_same_v<typename N::key_type, int>);
    static_assert(std::is_same_v<typename N::mapped_type, std::string>);
    static_assert(std::is_same_v<typename N::allocator_type, typename M::allocator_type>);
    static_assert(std::is_same_v<decltype(std::declval<const N&>().key()), int&>);
    static_assert(std::is_same_v<decltype(std::declval<const N&>().mapped()), std::string&>);
    static_assert(std::is_nothrow_move_constructible_v<N> && std::is_nothrow_move_assignable_v<N>);
    static_assert(!std::is_copy_constructible_v<N>);
    using R = typename M::insert_return_type;
    static_assert(std::is_same_v<decltype(R::position), typename M::iterator>);
    static_assert(std::is_same_v<decltype(R::inserted), bool>);
    static_assert(std::is_same_v<decltype(R::node), N>);
    N empty;
    EXPECT_TRUE(empty.empty());
    EXPECT_FALSE(static_cast<bool>(empty));
}

TYPED_TEST(NodeHandle, ExtractByKeyAndByIterator) {
    using M = typename TypeParam::template type<int, std::string>;
    M m = numbered<M>(0, 1000);
    auto n = m.extract(500);
    ASSERT_FALSE(n.empty());
    EXPECT_EQ(n.key(), 500);
    EXPECT_EQ(n.mapped(), "v500");
    EXPECT_EQ(m.size(), 999u);
    EXPECT_EQ(m.count(500), 0u);
    EXPECT_TRUE(m.extract(500).empty()) << "an absent key gives an empty handle";

    auto it = m.find(7);
    auto n2 = m.extract(it);
    EXPECT_EQ(n2.key(), 7);
    EXPECT_EQ(m.size(), 998u);
    const auto c = contents(m);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(c.count(i), (i == 7 || i == 500) ? 0u : 1u) << i;
}

TYPED_TEST(NodeHandle, ChangeTheKeyAndInsertBack) {
    using M = typename TypeParam::template type<int, std::string>;
    M m = numbered<M>(0, 100);
    auto n = m.extract(5);
    n.key() = 5000;
    n.mapped() += "!";
    auto r = m.insert(std::move(n));
    EXPECT_TRUE(r.inserted);
    EXPECT_TRUE(r.node.empty());
    EXPECT_TRUE(n.empty());  // NOLINT(bugprone-use-after-move): the standard says it is empty
    ASSERT_NE(r.position, m.end());
    EXPECT_EQ(r.position->first, 5000);
    EXPECT_EQ(m.at(5000), "v5!");
    EXPECT_EQ(m.count(5), 0u);
    EXPECT_EQ(m.size(), 100u);
}

TYPED_TEST(NodeHandle, InsertingAPresentKeyHandsTheNodeBack) {
    using M = typename TypeParam::template type<int, std::string>;
    M m = numbered<M>(0, 100);
    M other = numbered<M>(0, 3);
    auto n = other.extract(2);
    n.mapped() = "theirs";
    auto r = m.insert(std::move(n));
    EXPECT_FALSE(r.inserted);
    ASSERT_FALSE(r.node.empty());
    EXPECT_EQ(r.node.key(), 2);
    EXPECT_EQ(r.node.mapped(), "theirs");
    ASSERT_NE(r.position, m.end());
    EXPECT_EQ(r.position->second, "v2") << "the present entry is kept";

    auto n2 = std::move(r.node);
    n2.key() = 777;
    auto pos = m.insert(m.cbegin(), std::move(n2));
    EXPECT_EQ(pos->first, 777);
    EXPECT_EQ(m.at(777), "theirs");
    EXPECT_TRUE(n2.empty());  // NOLINT(bugprone-use-after-move)

    auto e = m.insert(typename M::node_type());
    EXPECT_FALSE(e.inserted);
    EXPECT_EQ(e.position, m.end());
}

TYPED_TEST(NodeHandle, HandlesMoveAndSwap) {
    using M = typename TypeParam::template type<int, std::string>;
    M m = numbered<M>(0, 10);
    auto a = m.extract(1);
    auto b = m.extract(2);
    a.swap(b);
    EXPECT_EQ(a.key(), 2);
    EXPECT_EQ(b.mapped(), "v1");
    typename M::node_type c(std::move(a));
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(c.key(), 2);
    c = std::move(b);
    EXPECT_EQ(c.key(), 1);
    EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
    using std::swap;
    swap(a, c);
    EXPECT_EQ(a.key(), 1);
    EXPECT_TRUE(c.empty());
    EXPECT_EQ(a.get_allocator(), m.get_allocator());
}

TYPED_TEST(NodeHandle, MergeMovesOnlyAbsentKeys) {
    using M = typename TypeParam::template type<int, std::string>;
    M a = numbered<M>(0, 3000);
    M b = numbered<M>(2000, 3000);  // 2000..4999: 1000 shared
    for (auto& e : b) e.second += "b";
    a.merge(b);
    EXPECT_EQ(a.size(), 5000u);
    EXPECT_EQ(b.size(), 1000u);
    for (int i = 0; i < 5000; ++i) {
        const std::string want = "v" + std::to_string(i) + (i >= 3000 ? "b" : "");
        ASSERT_EQ(a.at(i), want) << i;
    }
    for (int i = 2000; i < 3000; ++i) ASSERT_EQ(b.at(i), "v" + std::to_string(i) + "b") << i;

    a.merge(a);  // itself: nothing changes
    EXPECT_EQ(a.size(), 5000u);
    a.merge(M());  // an rvalue source
    EXPECT_EQ(a.size(), 5000u);
}

// The hinted insert of a node whose key is present leaves the node in the
// argument, untouched ([unord.req]: "nh is ... unchanged if insertion
// fails"). gomap only: libstdc++ 12 empties it (the entry is destroyed with
// the discarded result), so the control would fail the standard's rule.
TYPED_TEST(NodeHandleGomapFaces, HintedInsertOfAPresentKeyLeavesTheNode) {
    using M = typename TypeParam::template type<int, std::string>;
    M m = numbered<M>(0, 100);
    M other = numbered<M>(0, 3);
    auto n = other.extract(2);
    n.mapped() = "theirs";
    auto pos = m.insert(m.cbegin(), std::move(n));
    EXPECT_EQ(pos->first, 2);
    EXPECT_EQ(pos->second, "v2");
    ASSERT_FALSE(n.empty());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(n.key(), 2);
    EXPECT_EQ(n.mapped(), "theirs");
}

struct other_hash {
    std::size_t operator()(int k) const noexcept { return std::hash<int>{}(k * 31 + 7); }
};

TEST(NodeHandleGomap, MergeAcrossHashersAndEngines) {
    gomap::map<int, std::string> a;
    gomap::go_map<int, std::string> g;
    gomap::map<int, std::string, other_hash> h;
    for (int i = 0; i < 1500; ++i) g.emplace(i, "g");
    for (int i = 1000; i < 2500; ++i) h.emplace(i, "h");
    a.merge(g);
    a.merge(h);
    EXPECT_EQ(a.size(), 2500u);
    EXPECT_TRUE(g.empty());
    EXPECT_EQ(h.size(), 500u);
    for (int i = 0; i < 2500; ++i) ASSERT_EQ(a.at(i), i < 1500 ? "g" : "h") << i;
    EXPECT_EQ(a.check_invariants(), "");
    EXPECT_EQ(g.check_invariants(), "");
    EXPECT_EQ(h.check_invariants(), "");
}

// A hash that throws on one key: merge stops there, and every entry is in
// exactly one of the two maps.
struct picky_hash {
    std::size_t operator()(int k) const {
        if (k == 4242) throw std::runtime_error("picky");
        return std::hash<int>{}(k);
    }
};

// gomap only: libstdc++'s unordered_map cannot merge from a map whose hasher
// differs in whether it may throw (its node types differ), so there is no
// control for this one.
TYPED_TEST(NodeHandleGomapFaces, MergeThatThrowsLosesNothing) {
    using M = typename TypeParam::template type<int, std::string, picky_hash>;
    using S = typename TypeParam::template type<int, std::string>;
    M a;
    for (int i = 0; i < 100; ++i) a.emplace(i, "a");
    S s;
    for (int i = 4000; i < 4500; ++i) s.emplace(i, "s");
    EXPECT_THROW(a.merge(s), std::runtime_error);
    EXPECT_EQ(a.size() + s.size(), 600u);
    for (int i = 4000; i < 4500; ++i) {
        if (i == 4242) continue;
        const bool in_a = a.count(i) == 1, in_s = s.count(i) == 1;
        ASSERT_NE(in_a, in_s) << i;
        ASSERT_EQ(in_a ? a.at(i) : s.at(i), "s") << i;
    }
    EXPECT_EQ(s.count(4242), 1u);
}

TYPED_TEST(NodeHandle, StatefulAllocatorTravelsWithTheNode) {
    using A = gomap_test::stateful_allocator<std::pair<const int, std::string>, false>;
    using M = typename TypeParam::template type<int, std::string, std::hash<int>, A>;
    gomap_test::bytes_by_id().clear();
    {
        M m(0, std::hash<int>(), std::equal_to<int>(), A(11));
        for (int i = 0; i < 50; ++i) m.emplace(i, std::string(30, 'q'));
        auto n = m.extract(3);
        EXPECT_EQ(n.get_allocator().id, 11);
        M o(0, std::hash<int>(), std::equal_to<int>(), A(11));
        auto r = o.insert(std::move(n));
        EXPECT_TRUE(r.inserted);
        EXPECT_EQ(o.at(3), std::string(30, 'q'));
    }
    EXPECT_EQ(gomap_test::bytes_by_id()[11], 0);
}

}  // namespace
