// aliasing_test.cpp — an insertion or erase whose argument refers into the same
// map reads it before anything moves.
//
// `m.try_emplace(k, m.at(x))`, `m.insert_or_assign(k, m.at(x))`,
// `m.emplace(k, m.at(x))` and `m.erase(it->first)` are valid std::unordered_map
// code. A write may run a step of an incremental resize, which moves entries
// (the one `x` names among them); the new entry must be built, or the
// assignment done, or the key compared, before that step (issue #12, defect 4).
// The values are heap strings: a moved-from or destroyed source reads as a
// wrong value here and as a heap-use-after-free under AddressSanitizer.
//
// Not covered, because no flat map can keep it: `m[a] = m[b]` when a is absent.
// C++17 evaluates m[b] first; m[a] then inserts, which may move b's entry, and
// the assignment reads the reference m[b] returned (map.hpp, ITERATORS).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <gomap/gomap.hpp>

namespace {

using u64 = std::uint64_t;

std::string value_for(u64 k) { return "value-of-" + std::to_string(k) + "-long-enough-to-live-on-the-heap"; }

template <class Policy>
using M = gomap::basic_map<u64, std::string, gomap::hash<u64>, std::equal_to<u64>,
                           std::allocator<std::pair<const u64, std::string>>, Policy>;

template <class Policy>
class Aliasing : public ::testing::Test {};
using Policies = ::testing::Types<gomap::go_policy, gomap::flat_policy, gomap::node_policy>;
TYPED_TEST_SUITE(Aliasing, Policies);

// Keys that the next write's resize step moves. go_map: the old bucket at
// nevacuate (growWork evacuates the written key's old bucket and the one at
// nevacuate). gomap::map: the first non-empty group at or after the oldest
// old array's migration cursor (a step migrates from there, in order).
template <class Map>
std::vector<u64> keys_in_old_chains(const Map& m) {
    std::vector<u64> out;
    if constexpr (std::is_same_v<typename Map::policy_type, gomap::go_policy>) {
        const auto nevacuate = m.stats().nevacuate;
        m.inspect_buckets([&](bool is_old, std::size_t index, const auto* head, bool evacuated) {
            if (!is_old || index != nevacuate || head == nullptr || evacuated) return;
            for (const auto* b = head; b != nullptr; b = b->overflow)
                for (std::uint8_t i = 0; i < gomap::detail::bucketCnt; ++i)
                    if (b->tophash[i] >= gomap::detail::minTopHash) out.push_back(b->entry(i)->first);
        });
    } else {
        m.inspect_groups([&](const auto& g) {
            if (!out.empty() || g.current || g.array_index != 0 || g.index < g.cursor) return;
            for (unsigned s = 0; s < gomap::detail::group_slots; ++s)
                if (g.word[s] != 0) out.push_back(g.entry(s).first);
        });
    }
    return out;
}

// Fills until a grow starts; every later write runs a step of it.
template <class Map>
void fill_to_grow(Map& m, std::map<u64, std::string>& ref, u64& next) {
    while (!m.stats().resizing) {
        m.try_emplace(next, value_for(next));
        ref[next] = value_for(next);
        ++next;
    }
}

template <class Map, class Op>
void through_a_grow(Op op) {
    for (int round = 0; round < 1; ++round) {
        Map m;
        std::map<u64, std::string> ref;
        u64 next = 0;
        std::size_t aliased = 0;
        for (int g = 0; g < 11; ++g) {  // to B = 11: old arrays large enough to go back to the OS
            fill_to_grow(m, ref, next);
            std::size_t writes = 0;
            while (m.stats().resizing) {
                // Every third write: one from an entry the step will move.
                const auto old_keys = writes % 3 == 0 ? keys_in_old_chains(m) : std::vector<u64>{};
                if (old_keys.empty()) {  // an empty bucket at nevacuate: an ordinary write
                    m.try_emplace(next, value_for(next));
                    ref[next] = value_for(next);
                    ++next;
                } else {
                    op(m, ref, old_keys[writes % old_keys.size()], next);
                    ++aliased;
                }
                ++writes;
                ASSERT_LT(writes, 100000u);
            }
            ASSERT_GT(writes, 0u);
            ASSERT_EQ(m.check_invariants(), "");
            ASSERT_EQ(m.size(), ref.size());
            for (const auto& [k, v] : ref) ASSERT_EQ(m.at(k), v) << "key " << k;
        }
        EXPECT_GT(aliased, 500u) << "writes from an entry the step moves";
    }
}

TYPED_TEST(Aliasing, TryEmplaceFromAnEntryOfTheMap) {
    through_a_grow<M<TypeParam>>([](auto& m, auto& ref, u64 x, u64& next) {
        const u64 k = next++;
        auto r = m.try_emplace(k, m.at(x));
        ASSERT_TRUE(r.second);
        ASSERT_EQ(r.first->second, ref.at(x)) << "built from a moved or destroyed entry";
        ref[k] = ref.at(x);
    });
}

TYPED_TEST(Aliasing, InsertOrAssignNewKeyFromAnEntryOfTheMap) {
    through_a_grow<M<TypeParam>>([](auto& m, auto& ref, u64 x, u64& next) {
        const u64 k = next++;
        auto r = m.insert_or_assign(k, m.at(x));
        ASSERT_TRUE(r.second);
        ASSERT_EQ(r.first->second, ref.at(x));
        ref[k] = ref.at(x);
    });
}

TYPED_TEST(Aliasing, EmplaceFromAnEntryOfTheMap) {
    through_a_grow<M<TypeParam>>([](auto& m, auto& ref, u64 x, u64& next) {
        const u64 k = next++;
        auto r = m.emplace(k, m.at(x));
        ASSERT_TRUE(r.second);
        ASSERT_EQ(r.first->second, ref.at(x));
        ref[k] = ref.at(x);
    });
}

// go_map runs Go's growWork on an update too (mapassign): the assignment must
// read its argument first.
TYPED_TEST(Aliasing, InsertOrAssignPresentKeyFromAnEntryOfTheMap) {
    through_a_grow<M<TypeParam>>([](auto& m, auto& ref, u64 x, u64& next) {
        const u64 k = next++;  // a present key whose value comes from x, and a new one now and then
        m.try_emplace(k, value_for(k));
        ref[k] = value_for(k);
        auto r = m.insert_or_assign(k, m.at(x));
        ASSERT_FALSE(r.second);
        ASSERT_EQ(r.first->first, k);
        ASSERT_EQ(r.first->second, ref.at(x));
        ref[k] = ref.at(x);
    });
}

// The key to erase is the entry's own key.
TYPED_TEST(Aliasing, EraseByTheEntrysOwnKey) {
    through_a_grow<M<TypeParam>>([](auto& m, auto& ref, u64 x, u64& next) {
        auto it = m.find(x);
        ASSERT_NE(it, m.end());
        ASSERT_EQ(m.erase(it->first), 1u);
        ref.erase(x);
        ASSERT_FALSE(m.contains(x));
        // Keep the map growing: one new key per erased one, and one more.
        for (int i = 0; i < 2; ++i, ++next) {
            m.try_emplace(next, value_for(next));
            ref[next] = value_for(next);
        }
    });
}

// gomap::map: the same while a shrink runs (its steps move entries too).
TEST(AliasingShrink, TryEmplaceAndEraseFromEntriesWhileShrinking) {
    M<gomap::flat_policy> m;
    std::map<u64, std::string> ref;
    for (u64 k = 0; k < 20000; ++k) {
        m.try_emplace(k, value_for(k));
        ref[k] = value_for(k);
    }
    u64 next = 1'000'000, erased = 0;
    std::size_t writes_mid_shrink = 0;
    while (ref.size() > 100) {
        const u64 victim = ref.begin()->first;
        m.erase(m.find(victim)->first);
        ref.erase(victim);
        ++erased;
        if (m.stats().direction == gomap::resize_direction::shrink) {
            const auto old_keys = keys_in_old_chains(m);
            if (!old_keys.empty() && erased % 3 == 0) {
                const u64 x = old_keys[erased % old_keys.size()];
                auto r = m.try_emplace(next, m.at(x));
                ASSERT_TRUE(r.second);
                ASSERT_EQ(r.first->second, ref.at(x));
                ref[next++] = ref.at(x);
                ++writes_mid_shrink;
            }
        }
    }
    EXPECT_GT(m.stats().shrinks, 3u);
    EXPECT_GT(writes_mid_shrink, 100u);
    ASSERT_EQ(m.check_invariants(), "");
    for (const auto& [k, v] : ref) ASSERT_EQ(m.at(k), v);
}

// gomap::node_map: references stay valid across inserts, so the statement
// that is unsafe in every flat map, m[a] = m[b] with a absent, is safe (as
// in std): m[b]'s reference survives the insert of a, resizes included.
TEST(AliasingNodeMap, IndexAssignFromAnotherEntryWhileGrowingAndShrinking) {
    gomap::node_map<u64, std::string> m;
    std::map<u64, std::string> ref;
    m[0] = value_for(0);
    ref[0] = value_for(0);
    std::size_t mid_resize = 0;
    for (u64 a = 1; a < 30000; ++a) {
        const u64 b = a / 2;
        if (m.stats().resizing) ++mid_resize;
        m[a] = m[b];
        ref[a] = ref[b];
    }
    for (u64 a = 0; a < 29000; ++a) {
        if (m.stats().resizing) ++mid_resize;
        const u64 b = 29999 - a % 500;
        m[a + 100000] = m[b];  // inserts while erases below shrink the map
        ref[a + 100000] = ref[b];
        m.erase(a);
        ref.erase(a);
    }
    EXPECT_GT(mid_resize, 100u);
    ASSERT_EQ(m.size(), ref.size());
    for (const auto& [k, v] : ref) ASSERT_EQ(m.at(k), v) << k;
    EXPECT_EQ(m.check_invariants(), "");
}

}  // namespace
