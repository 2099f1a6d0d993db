// node_map_test.cpp — what gomap::node_map adds to gomap::map: entries that
// never move. A reference or pointer to an entry stays valid, and keeps
// naming the same entry, until that entry is erased, across grows, shrinks
// and same-size rebuilds; values need not be movable or copyable; and memory
// still goes back (arrays shrink, nodes are freed as entries go). The rest of
// its interface runs through the suites typed over every face (api, range,
// aliasing, exception_points, lifetime, relocation, the fuzz body).

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace {

using u64 = std::uint64_t;
using CA = gomap::counting_allocator<std::pair<const u64, std::string>>;
using counted_node_map = gomap::node_map<u64, std::string, gomap::hash<u64>, std::equal_to<u64>, CA>;

TEST(NodeMap, ReferencesSurviveGrowAndShrink) {
    gomap::node_map<u64, std::string> m;
    std::map<u64, const std::string*> where;
    std::size_t resizes_seen = 0;
    for (u64 k = 0; k < 200000; ++k) {
        if (m.stats().resizing) ++resizes_seen;
        auto [it, ok] = m.try_emplace(k, "v" + std::to_string(k));
        ASSERT_TRUE(ok);
        where[k] = &it->second;
    }
    for (u64 k = 0; k < 200000; ++k) {
        if (k % 10 == 0) continue;  // keep a tenth: the map shrinks twice on the way
        if (m.stats().resizing) ++resizes_seen;
        ASSERT_EQ(m.erase(k), 1u);
        where.erase(k);
    }
    EXPECT_GT(m.stats().shrinks, 0u);
    EXPECT_GT(resizes_seen, 1000u);
    ASSERT_EQ(m.size(), where.size());
    for (const auto& [k, p] : where) {
        ASSERT_EQ(&m.at(k), p) << "entry " << k << " moved";
        ASSERT_EQ(*p, "v" + std::to_string(k));
    }
    m.shrink_to_fit();
    m.reserve(1 << 20);
    for (const auto& [k, p] : where) ASSERT_EQ(&m.at(k), p) << "entry " << k << " moved on an explicit rebuild";
    EXPECT_EQ(m.check_invariants(), "");
}

TEST(NodeMap, NonMovableValues) {
    static_assert(!std::is_move_constructible_v<std::mutex>);
    gomap::node_map<int, std::mutex> locks;
    for (int i = 0; i < 5000; ++i) locks[i].lock();  // built in place; resizes move pointers
    for (int i = 0; i < 5000; i += 2) {
        locks[i].unlock();
        locks.erase(i);
    }
    for (int i = 1; i < 5000; i += 2) locks.at(i).unlock();
    EXPECT_EQ(locks.size(), 2500u);

    gomap::node_map<std::string, std::atomic<long>> counters;
    for (int round = 0; round < 3; ++round)
        for (int i = 0; i < 3000; ++i) counters.try_emplace("k" + std::to_string(i), 0).first->second += i;
    for (int i = 0; i < 3000; ++i) ASSERT_EQ(counters.at("k" + std::to_string(i)).load(), 3L * i);
}

TEST(NodeMap, MemoryGoesBackNodesAndArrays) {
    gomap::allocation_counter c;
    {
        counted_node_map m{CA(&c)};
        for (u64 k = 0; k < 100000; ++k) m.try_emplace(k, "x");
        EXPECT_EQ(m.stats().bytes, c.bytes);
        const std::size_t nodes = 100000 * sizeof(std::pair<const u64, std::string>);
        EXPECT_GT(c.bytes, nodes) << "the nodes and the pointer arrays";
        const std::size_t full = c.bytes;
        for (u64 k = 0; k < 99000; ++k) m.erase(k);
        EXPECT_EQ(m.stats().bytes, c.bytes);
        EXPECT_LT(c.bytes, full / 50) << "the nodes are freed and the array shrank";
        for (u64 k = 99000; k < 100000; ++k) m.erase(k);
        EXPECT_EQ(c.bytes, 0u) << "an empty node_map holds what a new one holds";
        EXPECT_EQ(m.stats().bytes, 0u);
    }
    EXPECT_EQ(c.allocations, c.deallocations);
}

TEST(NodeMap, SlotsHoldPointers) {
    gomap::node_map<u64, std::string> n;
    gomap::map<u64, std::string> f;
    n[1] = "a";
    f[1] = "a";
    EXPECT_LT(n.stats().bucket_size, f.stats().bucket_size) << "a group of 15 pointers is smaller than 15 entries";
    EXPECT_EQ(n.stats().bucket_size, 15 * sizeof(void*) + 16);
}

TEST(NodeMap, IteratorsAndRangeSeeEveryEntryOnce) {
    gomap::node_map<u64, u64> m;
    for (u64 k = 0; k < 50000; ++k) m[k] = k * 2;
    std::vector<char> seen(50000, 0);
    m.range([&](const u64& k, u64& v) {
        ASSERT_EQ(v, k * 2);
        ++seen[k];
        if (k % 3 == 0) m.erase(k);  // Go's contract: erasing during the loop is fine
    });
    for (char s : seen) ASSERT_EQ(s, 1);
    std::size_t n = 0;
    for (const auto& e : m) {
        ASSERT_NE(e.first % 3, 0u);
        ++n;
    }
    EXPECT_EQ(n, m.size());
}

// node_map's node handles own the node itself (std's handles do): extract,
// insert and merge move no entry, so they work with values that cannot move,
// and a pointer to the entry stays valid through all three.
TEST(NodeMap, NodeHandlesHandTheNodeOver) {
    gomap::node_map<int, std::mutex> m;
    for (int i = 0; i < 3000; ++i) m[i];
    std::mutex* p = &m.at(7);
    auto nh = m.extract(7);
    ASSERT_FALSE(nh.empty());
    EXPECT_EQ(&nh.mapped(), p);
    EXPECT_EQ(m.count(7), 0u);
    nh.key() = -7;
    auto r = m.insert(std::move(nh));
    ASSERT_TRUE(r.inserted);
    EXPECT_EQ(&r.position->second, p);
    EXPECT_EQ(&m.at(-7), p);

    // A present key: the node comes back, untouched.
    auto again = m.extract(-7);
    again.key() = 8;
    auto r2 = m.insert(std::move(again));
    EXPECT_FALSE(r2.inserted);
    ASSERT_FALSE(r2.node.empty());
    EXPECT_EQ(&r2.node.mapped(), p);

    gomap::node_map<int, std::mutex> other;
    std::vector<std::mutex*> where;
    for (int i = 2500; i < 6000; ++i) where.push_back(&other[i]);
    m.merge(other);
    EXPECT_EQ(m.size(), 5999u);
    EXPECT_EQ(other.size(), 500u) << "2,500..2,999 were present";
    for (int i = 3000; i < 6000; ++i) ASSERT_EQ(&m.at(i), where[static_cast<std::size_t>(i - 2500)]) << i;
    for (int i = 2500; i < 3000; ++i) ASSERT_EQ(&other.at(i), where[static_cast<std::size_t>(i - 2500)]) << i;
    EXPECT_EQ(m.check_invariants(), "");
    EXPECT_EQ(other.check_invariants(), "");
}

TEST(NodeMap, NodeHandleBytesFollowTheNode) {
    gomap::allocation_counter c;
    {
        counted_node_map m{CA(&c)};
        for (u64 k = 0; k < 100; ++k) m.try_emplace(k, "x");
        const std::size_t before = c.bytes;
        {
            auto nh = m.extract(5);
            EXPECT_EQ(m.stats().bytes + sizeof(std::pair<const u64, std::string>), before);
            EXPECT_EQ(c.bytes, before) << "the node is still allocated, owned by the handle";
        }
        EXPECT_EQ(c.bytes + sizeof(std::pair<const u64, std::string>), before) << "the handle freed it";
        EXPECT_EQ(m.stats().bytes, c.bytes);
    }
    EXPECT_EQ(c.bytes, 0u);
}

}  // namespace
