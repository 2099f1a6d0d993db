// checked_test.cpp — misuse detection (GOMAP_CHECKED=1, set by tests/CMakeLists.txt
// for this target whatever the build type): Go's hashWriting checks.
//
// The overlap of a write with another operation is made deterministic by
// reentrancy: the map constructs (or destroys) an entry while its write flag is
// up, and the entry's constructor (or destructor) calls back into the same map.
// Each such call must abort with Go's message. Legitimate nesting — writes from
// the body of range(), lookups from a range() body, concurrent const lookups —
// must not.

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

static_assert(GOMAP_CHECKED == 1, "checked_test must be built with GOMAP_CHECKED=1");

namespace {

// A value whose constructor runs an action (on the map that is building it).
struct probe {
    int v = 0;
    probe() = default;
    explicit probe(const std::function<void()>& during_construction) { during_construction(); }
};
using probe_map = gomap::go_map<int, probe>;
using probe_shrink_map = gomap::map<int, probe>;

// A value whose destructor runs an action.
struct dprobe {
    std::function<void()> on_destroy;
    dprobe() = default;
    explicit dprobe(std::function<void()> f) : on_destroy(std::move(f)) {}
    dprobe(dprobe&& o) noexcept : on_destroy(std::move(o.on_destroy)) {}
    dprobe& operator=(dprobe&& o) noexcept {
        on_destroy = std::move(o.on_destroy);
        return *this;
    }
    ~dprobe() {
        if (on_destroy) on_destroy();
    }
};

using dprobe_map = gomap::go_map<int, dprobe>;

class CheckedDeathTest : public ::testing::Test {
protected:
    void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

// ---- write during write ----------------------------------------------------

TEST_F(CheckedDeathTest, InsertDuringInsert) {
    EXPECT_DEATH(
        {
            probe_map m;
            m.try_emplace(1, [&] { m.try_emplace(2); });
        },
        "fatal error: concurrent map writes");
}

TEST_F(CheckedDeathTest, InsertDuringInsertIntoBiggerMap) {
    // Also when the outer insert has evacuation work to do (a grow in progress).
    EXPECT_DEATH(
        {
            probe_map m;
            for (int i = 0; i < 6657; ++i) m[i];
            m.try_emplace(100000, [&] { m[100001]; });
        },
        "fatal error: concurrent map writes");
}

TEST_F(CheckedDeathTest, EraseDuringInsert) {
    EXPECT_DEATH(
        {
            probe_map m;
            m[7];
            m.try_emplace(1, [&] { m.erase(7); });
        },
        "fatal error: concurrent map writes");
}

TEST_F(CheckedDeathTest, ClearDuringInsert) {
    EXPECT_DEATH(
        {
            probe_map m;
            m[7];
            m.try_emplace(1, [&] { m.clear(); });
        },
        "fatal error: concurrent map writes");
}

TEST_F(CheckedDeathTest, EraseIteratorDuringInsert) {
    EXPECT_DEATH(
        {
            probe_map m;
            m[7];
            auto it = m.find(7);
            m.try_emplace(1, [&] { m.erase(it); });
        },
        "fatal error: concurrent map writes");
}

TEST_F(CheckedDeathTest, WriteFromDestructorDuringErase) {
    EXPECT_DEATH(
        {
            dprobe_map m;
            m[1];
            m.try_emplace(2, [&] { m[3]; });  // runs when entry 2 is destroyed by erase(2)
            m.erase(2);
        },
        "fatal error: concurrent map writes");
}

TEST_F(CheckedDeathTest, InsertDuringInsertShrinkPolicy) {
    EXPECT_DEATH(
        {
            probe_shrink_map m;
            m.try_emplace(1, [&] { m.try_emplace(2); });
        },
        "fatal error: concurrent map writes");
}

// ---- read during write ---------------------------------------------------------

TEST_F(CheckedDeathTest, FindDuringInsert) {
    EXPECT_DEATH(
        {
            probe_map m;
            m.try_emplace(1, [&] { (void)m.find(7); });
        },
        "fatal error: concurrent map read and map write");
}

TEST_F(CheckedDeathTest, FindOnEmptyMapDuringInsert) {
    // The check comes before the empty-map shortcut, as in Go.
    EXPECT_DEATH(
        {
            probe_map m;
            const probe_map& cm = m;
            m.try_emplace(1, [&] { (void)cm.contains(7); });
        },
        "fatal error: concurrent map read and map write");
}

TEST_F(CheckedDeathTest, AtAndCountDuringInsert) {
    EXPECT_DEATH(
        {
            probe_map m;
            m[5];
            m.try_emplace(1, [&] { (void)m.count(5); });
        },
        "fatal error: concurrent map read and map write");
    EXPECT_DEATH(
        {
            probe_map m;
            m[5];
            m.try_emplace(1, [&] { (void)m.at(5); });
        },
        "fatal error: concurrent map read and map write");
}

TEST_F(CheckedDeathTest, FindDuringErase) {
    EXPECT_DEATH(
        {
            dprobe_map m;
            m[1];
            m.try_emplace(2, [&] { (void)m.find(1); });
            m.erase(2);
        },
        "fatal error: concurrent map read and map write");
}

// ---- iteration during write -------------------------------------------------------

TEST_F(CheckedDeathTest, IteratorStepDuringInsert) {
    EXPECT_DEATH(
        {
            probe_map m;
            for (int i = 0; i < 20; ++i) m[i];
            auto it = m.begin();
            m.try_emplace(100, [&] { ++it; });
        },
        "fatal error: concurrent map iteration and map write");
}

TEST_F(CheckedDeathTest, RangeDuringInsert) {
    EXPECT_DEATH(
        {
            probe_map m;
            for (int i = 0; i < 20; ++i) m[i];
            const probe_map& cm = m;
            m.try_emplace(100, [&] { cm.range([](const int&, const probe&) {}); });
        },
        "fatal error: concurrent map iteration and map write");
}

TEST_F(CheckedDeathTest, IteratorStepDuringErase) {
    EXPECT_DEATH(
        {
            dprobe_map m;
            for (int i = 0; i < 20; ++i) m[i];
            decltype(m.begin()) it;
            m.try_emplace(100, [&] { ++it; });
            it = m.begin();  // taken after the insert, so still valid when erase runs
            m.erase(100);
        },
        "fatal error: concurrent map iteration and map write");
}

// ---- legitimate use does not abort ---------------------------------------------------

TEST(Checked, RangeBodyMayInsertAndErase) {
    gomap::go_map<int, int> m;
    for (int i = 0; i < 100; ++i) m[i] = i;
    std::set<int> seen;
    m.range([&](const int& k, int& v) {
        seen.insert(k);
        v += 1;
        m[k + 1000] = 0;     // insert
        m.erase(k + 1);      // erase a key not visited yet
        m.erase(k + 1000);   // erase what we inserted
        (void)m.find(k);     // lookups are fine too
        (void)m.contains(k + 2);
    });
    EXPECT_FALSE(seen.empty());
    EXPECT_EQ(m.check_invariants(), "");
    // The map is whole and usable afterwards.
    for (int i = 0; i < 5000; ++i) m[i + 10000] = i;
    EXPECT_EQ(m.check_invariants(), "");
}

TEST(Checked, NestedRangeAndClearInRange) {
    gomap::go_map<int, int> m;
    for (int i = 0; i < 50; ++i) m[i] = i;
    int inner = 0;
    m.range([&](const int&, int&) {
        std::as_const(m).range([&](const int&, const int&) { ++inner; });
        return false;
    });
    EXPECT_EQ(inner, 50);
    int visits = 0;
    m.range([&](const int&, int&) {
        ++visits;
        m.clear();
    });
    EXPECT_EQ(visits, 1);
    EXPECT_TRUE(m.empty());
    m[1] = 1;
    EXPECT_EQ(m.at(1), 1);
}

TEST(Checked, ValueConstructorMayUseAnotherMap) {
    probe_map other;
    probe_map m;
    m.try_emplace(1, [&] { other.try_emplace(2); });
    EXPECT_EQ(other.size(), 1u);
    EXPECT_EQ(m.size(), 1u);
}

TEST(Checked, EraseLoopWithIterators) {
    gomap::go_map<int, int> m;
    for (int i = 0; i < 6657; ++i) m[i] = i;  // in the middle of a grow
    for (auto it = m.begin(); it != m.end();) it = (it->first % 2) ? m.erase(it) : std::next(it);
    EXPECT_EQ(m.size(), 3329u);
    EXPECT_EQ(m.check_invariants(), "");
}

TEST(Checked, ThrowingConstructorClearsTheWriteFlag) {
    probe_map m;
    EXPECT_THROW(m.try_emplace(1, [] { throw 42; }), int);
    // The flag is down again: reads and writes work.
    EXPECT_FALSE(m.contains(1));
    m.try_emplace(2);
    EXPECT_EQ(m.size(), 1u);
}

TEST(Checked, ConcurrentConstLookups) {
    gomap::go_map<int, int> m;
    for (int i = 0; i < 6657; ++i) m[i] = i;  // a grow in progress: lookups read both arrays
    const auto& cm = m;
    std::atomic<long> found{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 2; ++t)
        ts.emplace_back([&] {
            long n = 0;
            for (int r = 0; r < 20; ++r)
                for (int i = 0; i < 6657; ++i) n += cm.contains(i);
            long sum = 0;
            cm.range([&](const int&, const int& v) { sum += v; });
            n += (sum == 6657L * 6656 / 2);
            found += n;
        });
    for (auto& t : ts) t.join();
    EXPECT_EQ(found.load(), 2 * (20 * 6657L + 1));
}

}  // namespace
