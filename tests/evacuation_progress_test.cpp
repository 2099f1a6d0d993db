// evacuation_progress_test.cpp — a resize advances exactly as Go's growWork and
// advanceEvacuationMark define, write by write.
//
// During a grow each write evacuates its key's own old bucket, then the old
// bucket at nevacuate (growWork); nevacuate then moves past every evacuated
// bucket (advanceEvacuationMark, at most 1024 per step), and the grow ends at
// the write that evacuates the last old bucket (go_map; the hash is the key
// itself, so every key's old bucket is known). gomap::map's flat engine
// migrates old groups strictly in order from its cursor, at least one and at
// most 2 non-empty ones per write, when it shrinks as when it grows.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include <gomap/gomap.hpp>

namespace {

using u64 = std::uint64_t;

struct identity_hash {
    u64 operator()(u64 k, u64) const noexcept { return k; }
};

// Which old buckets are evacuated now (empty while no resize runs).
template <class Map>
std::vector<bool> evacuated_now(const Map& m) {
    std::vector<bool> ev;
    m.inspect_buckets([&](bool is_old, std::size_t j, const auto*, bool evacuated) {
        if (!is_old) return;
        if (ev.size() <= j) ev.resize(j + 1);
        ev[j] = evacuated;
    });
    return ev;
}

std::size_t first_not_evacuated(const std::vector<bool>& ev, std::size_t from) {
    while (from < ev.size() && ev[from]) ++from;
    return from;
}

template <class Map, class Write>
void check_grow_progress(Map& m, std::mt19937_64& rng, Write write) {
    u64 next = 0;
    std::size_t grows = 0, writes = 0, own_bucket_not_next = 0;
    while (grows < 8) {
        while (!m.stats().resizing) m[next++] = 0;  // the write that starts a grow
        ++grows;
        ASSERT_EQ(m.stats().direction, gomap::resize_direction::grow);
        while (m.stats().resizing) {
            const auto before = m.stats();
            const auto ev0 = evacuated_now(m);
            const u64 old_n = u64{1} << before.old_B;
            ASSERT_EQ(ev0.size(), old_n);
            ASSERT_LT(before.nevacuate, old_n);
            ASSERT_FALSE(ev0[before.nevacuate]) << "the bucket at nevacuate is evacuated already";
            // A key of a random old bucket: new keys go to bucket k & (old_n - 1).
            const u64 j = rng() % old_n;
            const u64 k = (next++ << 20) | j;  // distinct, bucket j
            if (j != before.nevacuate && !ev0[j]) ++own_bucket_not_next;
            write(m, k);
            ++writes;
            const auto ev = evacuated_now(m);
            if (!m.stats().resizing) {
                // The grow ended: this write evacuated the last old buckets,
                // which can only be its key's and the one at nevacuate.
                for (std::size_t b = 0; b < old_n; ++b) {
                    if (!ev0[b]) {
                        EXPECT_TRUE(b == j || b == before.nevacuate) << "old bucket " << b << " never evacuated";
                    }
                }
                break;
            }
            EXPECT_TRUE(ev[j]) << "growWork did not evacuate the written key's old bucket " << j;
            EXPECT_TRUE(ev[before.nevacuate]) << "growWork did not evacuate the bucket at nevacuate";
            for (std::size_t b = 0; b < old_n; ++b) {
                if (ev0[b]) {
                    EXPECT_TRUE(ev[b]);
                }
            }
            // advanceEvacuationMark: past every evacuated bucket (fewer than 1024 here).
            EXPECT_EQ(m.stats().nevacuate, first_not_evacuated(ev, before.nevacuate));
            // Two buckets moved, or one when the key's was evacuated already.
            std::size_t newly = 0;
            for (std::size_t b = 0; b < old_n; ++b) newly += ev[b] && !ev0[b];
            EXPECT_EQ(newly, ev0[j] ? 1u : 2u);  // j == nevacuate: j, then the next at nevacuate
            ASSERT_EQ(m.check_invariants(), "");
        }
    }
    EXPECT_GT(writes, 200u);
    EXPECT_GT(own_bucket_not_next, 100u);
}

TEST(EvacuationProgress, GoMapInsertsFollowGrowWork) {
    gomap::go_map<u64, u64, identity_hash> m;
    std::mt19937_64 rng(1);
    check_grow_progress(m, rng, [](auto& mm, u64 k) { mm[k] = 1; });
}

// go_map: erasing an absent key is a write too (Go's mapdelete).
TEST(EvacuationProgress, GoMapEraseOfAbsentKeysFollowsGrowWork) {
    gomap::go_map<u64, u64, identity_hash> m;
    std::mt19937_64 rng(3);
    check_grow_progress(m, rng, [](auto& mm, u64 k) { EXPECT_EQ(mm.erase(k), 0u); });
}

// gomap::map (the flat engine) resizes by one mechanism in both directions:
// each write migrates the oldest old array's groups in order from its cursor
// (stats().nevacuate), moving at most 2 non-empty groups and looking at no
// more than 64; no group below the cursor holds an entry
// (check_invariants()), and the resize ends at the write that passes the last
// group. Checked write by write through a drain that shrinks many times.
TEST(EvacuationProgress, FlatShrinkMigratesGroupsInOrder) {
    gomap::map<u64, u64> m;
    u64 n = 0;
    for (; n < 20000 || m.stats().resizing; ++n) m[n] = n;
    // Which groups of the oldest old array hold entries other than `erased`
    // (the key the next write erases: a group it empties is passed, not
    // moved): the 64 from its cursor on (the others are left false).
    auto nonempty_old = [&](u64 erased) {
        std::vector<bool> ne;
        m.inspect_groups([&](const auto& g) {
            if (g.current || g.array_index != 0) return;
            ne.resize(g.groups);
            if (g.index < g.cursor || g.index >= g.cursor + 64) return;
            for (unsigned s = 0; s < gomap::detail::group_slots; ++s)
                ne[g.index] = ne[g.index] || (g.word[s] != 0 && g.entry(s).first != erased);
        });
        return ne;
    };
    u64 k = 0;
    std::size_t shrinks = 0, writes = 0, two = 0;
    while (m.size() > 100) {
        const auto before = m.stats();
        // A shrink with its old array in place (while the new array's
        // metadata is being zeroed, there is no old array yet).
        if (!(before.resizing && before.direction == gomap::resize_direction::shrink && before.old_B != 0)) {
            m.erase(k++);
            continue;
        }
        const auto ne = nonempty_old(k);
        m.erase(k++);
        ++writes;
        const auto after = m.stats();
        if (!after.resizing || after.old_B != before.old_B) {
            ++shrinks;  // this write passed the last group
            continue;
        }
        ASSERT_EQ(ne.size(), std::size_t{1} << before.old_B);
        const std::size_t from = before.nevacuate, to = after.nevacuate;
        EXPECT_GT(to, from) << "a write during a shrink moved nothing";
        EXPECT_LE(to - from, 64u) << "a write looked at more than 64 groups";
        std::size_t moved = 0;
        for (std::size_t g = from; g < to; ++g) moved += ne[g];
        EXPECT_LE(moved, 2u) << "a write moved more than 2 non-empty groups";
        two += moved == 2;
        if (writes % 8 == 0) {
            ASSERT_EQ(m.check_invariants(), "");
        }
    }
    EXPECT_GE(shrinks, 5u);
    EXPECT_GT(writes, 1000u);
    EXPECT_GT(two, 500u);
}

}  // namespace
