// concurrent_map_test — safe_map (both policies) and concurrent_map under many
// threads: exact final states, one winner per contested key, linearizable
// per-key histories, readers that never miss while writers grow and shrink the
// map, locks released by exceptions, and every element destroyed once. The
// whole file also runs under ThreadSanitizer in CI (scripts/test.sh).
#include <gtest/gtest.h>

#include <atomic>
#include <bitset>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <gomap/concurrent_map.hpp>
#include <gomap/detail/brmutex.hpp>
#include <gomap/safe_map.hpp>

#include "support/concurrency.hpp"

namespace {

using gomap_test::counted_value;
using gomap_test::op_record;
using gomap_test::run_threads;

using shrink_map = gomap::safe_map<std::int64_t, std::int64_t>;
using gozero_map = gomap::gozero_safe_map<std::int64_t, std::int64_t>;
using sharded_map = gomap::concurrent_map<std::int64_t, std::int64_t>;

template <class M>
class Threads : public ::testing::Test {};
using AllThreadSafe = ::testing::Types<shrink_map, gozero_map, sharded_map>;
TYPED_TEST_SUITE(Threads, AllThreadSafe);

constexpr int kThreads = 4;  // more threads than this machine's cores: preemption mid-operation

// set() returns whether the key was new for concurrent_map, nothing for safe_map.
template <class M>
std::optional<bool> set_new(M& m, std::int64_t k, std::int64_t v) {
    if constexpr (std::is_same_v<decltype(m.set(k, v)), bool>)
        return m.set(k, v);
    else {
        m.set(k, v);
        return std::nullopt;
    }
}

// Each thread owns a key range: grows it, deletes most of it (the maps shrink),
// re-inserts part and overwrites values. The final state is exact.
TYPED_TEST(Threads, OwnedRangesReachAnExactFinalState) {
    TypeParam m;
    constexpr std::int64_t per = 40000;
    run_threads(kThreads, [&](int t) {
        const std::int64_t base = t * per;
        for (std::int64_t i = 0; i < per; ++i) m.set(base + i, i);
        for (std::int64_t i = 0; i < per; ++i)
            if (i % 8 != 0) {
                ASSERT_TRUE(m.del(base + i));
            }
        for (std::int64_t i = 0; i < per; i += 16) m.set(base + i, -i);       // overwrite half the survivors
        for (std::int64_t i = 1; i < per; i += 64) m.set(base + i, 1000 + i);  // re-insert some
    });
    std::size_t expected = 0;
    for (int t = 0; t < kThreads; ++t)
        for (std::int64_t i = 0; i < per; ++i) {
            const std::int64_t k = t * per + i;
            std::optional<std::int64_t> want;
            if (i % 16 == 0)
                want = -i;
            else if (i % 8 == 0)
                want = i;
            else if (i % 64 == 1)
                want = 1000 + i;
            if (want) ++expected;
            ASSERT_EQ(want, m.get(k)) << k;
        }
    EXPECT_EQ(expected, m.size());
    // And all of it goes away.
    run_threads(kThreads, [&](int t) {
        for (std::int64_t i = 0; i < per; ++i) m.del(t * per + i);
    });
    EXPECT_EQ(0u, m.size());
    if constexpr (!std::is_same_v<TypeParam, gozero_map>) {
        EXPECT_EQ(0u, m.bytes());
    }
}

// Every thread deletes the same key each round: exactly one del succeeds.
TYPED_TEST(Threads, OneKeyOneWinner) {
    TypeParam m;
    constexpr int rounds = 300;
    std::atomic<int> winners[rounds] = {};
    std::atomic<int> arrived{0};
    for (int r = 0; r < rounds; ++r) m.set(r, r);
    run_threads(kThreads, [&](int) {
        for (int r = 0; r < rounds; ++r) {
            if (m.del(r)) winners[r].fetch_add(1);
            // keep the threads in step so that they contend for the same key
            arrived.fetch_add(1);
            while (arrived.load() < (r + 1) * kThreads) std::this_thread::yield();
        }
    });
    for (int r = 0; r < rounds; ++r) EXPECT_EQ(1, winners[r].load()) << "round " << r;
    EXPECT_EQ(0u, m.size());
}

// Histories of set/get/del on a small key space, recorded with a global clock,
// are linearizable key by key — while another thread grows and shrinks the map
// with keys of its own.
TYPED_TEST(Threads, PerKeyHistoriesAreLinearizable) {
    TypeParam m;
    constexpr int keys = 96, ops_per_thread = 600, workers = 3;
    std::atomic<std::uint64_t> clock{0};
    std::atomic<bool> stop{false};
    std::vector<std::vector<std::pair<int, op_record>>> log(workers);
    run_threads(workers + 1, [&](int t) {
        if (t == workers) {  // churn: drive resizes in both directions
            while (!stop.load()) {
                for (std::int64_t i = 0; i < 20000 && !stop.load(); ++i) m.set(1'000'000 + i, i);
                for (std::int64_t i = 0; i < 20000; ++i) m.del(1'000'000 + i);
            }
            return;
        }
        std::uint64_t x = 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(t + 1);
        auto next = [&] { return x = x * 6364136223846793005ULL + 1442695040888963407ULL; };
        for (int i = 0; i < ops_per_thread; ++i) {
            const int k = static_cast<int>((next() >> 33) % keys);
            const unsigned what = static_cast<unsigned>(next() >> 40) % 3;
            op_record o{};
            o.inv = clock.fetch_add(1);
            if (what == 0) {
                o.kind = op_record::set;
                o.arg = (static_cast<std::int64_t>(t) << 32) | i;
                auto fresh = set_new(m, k, o.arg);
                o.flag_known = fresh.has_value();
                o.flag = fresh.value_or(false);
            } else if (what == 1) {
                o.kind = op_record::get;
                o.result = m.get(k);
            } else {
                o.kind = op_record::del;
                o.flag = m.del(k);
            }
            o.res = clock.fetch_add(1);
            log[t].push_back({k, o});
        }
        if (t == 0) stop.store(true);
    });
    std::map<int, std::vector<op_record>> by_key;
    for (auto& l : log)
        for (auto& [k, o] : l) by_key[k].push_back(o);
    std::size_t checked = 0;
    for (auto& [k, h] : by_key) {
        // The key space keeps each history short enough for the exact search.
        ASSERT_LE(h.size(), 62u) << "key " << k;
        EXPECT_TRUE(gomap_test::linearizable(h)) << "key " << k << ": history of " << h.size() << " ops";
        checked += h.size();
    }
    EXPECT_EQ(static_cast<std::size_t>(workers * ops_per_thread), checked);
}

// The checker itself rejects a history that no order explains.
TEST(Linearizability, CheckerRejectsAStaleRead) {
    // set(1) returns, then a get that starts later reads nothing.
    std::vector<op_record> h(2);
    h[0].kind = op_record::set;
    h[0].arg = 1;
    h[0].flag = true;
    h[0].inv = 0;
    h[0].res = 1;
    h[1].kind = op_record::get;
    h[1].inv = 2;
    h[1].res = 3;
    EXPECT_FALSE(gomap_test::linearizable(h));
    h[1].inv = 0;  // overlapping: get may come first
    EXPECT_TRUE(gomap_test::linearizable(h));
    h[1].result = 1;
    EXPECT_TRUE(gomap_test::linearizable(h));
    h[1].result = 2;  // a value nobody wrote
    EXPECT_FALSE(gomap_test::linearizable(h));
}

// Readers look up keys that are always present while writers push the map
// through growth and shrinking: no reader ever misses one or reads a wrong value.
TYPED_TEST(Threads, ReadersNeverMissWhileWritersResize) {
    TypeParam m;
    constexpr std::int64_t stable = 2000;
    for (std::int64_t i = 0; i < stable; ++i) m.set(i, i * 3);
    std::atomic<int> writers_done{0};
    std::atomic<long> reads{0};
    constexpr long kReads = 20000;
    constexpr int writers = 2;
    run_threads(writers + 2, [&](int t) {
        if (t < writers) {
            const std::int64_t base = 1'000'000 * (t + 1);
            // At least 3 grow-and-shrink rounds, and on until the readers have
            // done their share of lookups while the writers run (rounds are
            // capped: readers starved by writers fail the check below).
            for (int round = 0; round < 200 && (round < 3 || reads.load() < kReads); ++round) {
                for (std::int64_t i = 0; i < 30000; ++i) m.set(base + i, i);
                for (std::int64_t i = 0; i < 30000; ++i) m.del(base + i);
            }
            writers_done.fetch_add(1);
            return;
        }
        std::int64_t k = t;
        while (writers_done.load() < writers) {
            k = (k * 31 + 7) % stable;
            auto v = m.get(k);
            ASSERT_TRUE(v.has_value()) << k;
            ASSERT_EQ(k * 3, *v);
            reads.fetch_add(1, std::memory_order_relaxed);
        }
    });
    EXPECT_GE(reads.load(), kReads) << "readers were starved while writers resized the map";
    EXPECT_EQ(static_cast<std::size_t>(stable), m.size());
}

// A value whose copy throws when it holds -1.
struct bomb {
    std::int64_t v = 0;
    bomb(std::int64_t x = 0) : v(x) {}  // NOLINT
    bomb(const bomb& o) : v(o.v) {
        if (v == -1) throw std::runtime_error("copy bomb");
    }
    bomb(bomb&& o) noexcept : v(o.v) {}
    bomb& operator=(const bomb& o) {
        if (o.v == -1) throw std::runtime_error("copy bomb");
        v = o.v;
        return *this;
    }
};

template <class M>
void expect_unlocked(M& m) {
    // From another thread (a std::shared_mutex held by this thread would also
    // block a different thread), within a deadline.
    auto f = std::async(std::launch::async, [&] {
        m.set(424242, bomb(1));
        return m.del(424242);
    });
    ASSERT_EQ(std::future_status::ready, f.wait_for(std::chrono::seconds(20))) << "lock left held";
    EXPECT_TRUE(f.get());
}

template <class M>
class ThrowInsideLock : public ::testing::Test {};
using BombMaps = ::testing::Types<gomap::safe_map<std::int64_t, bomb>, gomap::gozero_safe_map<std::int64_t, bomb>,
                                  gomap::concurrent_map<std::int64_t, bomb>>;
TYPED_TEST_SUITE(ThrowInsideLock, BombMaps);

TYPED_TEST(ThrowInsideLock, AThrowingConstructorReleasesTheLockAndChangesNothing) {
    TypeParam m;
    for (std::int64_t i = 0; i < 5000; ++i) m.set(i, bomb(i));
    const bomb b(-1);
    EXPECT_THROW(m.set(7, b), std::runtime_error);         // overwrite
    EXPECT_THROW(m.set(999999, b), std::runtime_error);    // insert
    expect_unlocked(m);
    EXPECT_EQ(5000u, m.size());
    EXPECT_EQ(7, m.get(7)->v);
    EXPECT_FALSE(m.contains(999999));
}

template <class M>
class HashThrowInsideLock : public ::testing::Test {};
using HashBombMaps =
    ::testing::Types<gomap::safe_map<std::int64_t, std::int64_t, gomap_test::throwing_hash>,
                     gomap::gozero_safe_map<std::int64_t, std::int64_t, gomap_test::throwing_hash>,
                     gomap::concurrent_map<std::int64_t, std::int64_t, gomap_test::throwing_hash>>;
TYPED_TEST_SUITE(HashThrowInsideLock, HashBombMaps);

TYPED_TEST(HashThrowInsideLock, AThrowingHashReleasesTheLock) {
    TypeParam m;
    for (std::int64_t i = 0; i < 3000; ++i) m.set(i, i);
    gomap_test::throwing_hash::poison = 77777;
    EXPECT_THROW(m.set(77777, 1), std::runtime_error);
    EXPECT_THROW(m.get(77777), std::runtime_error);
    EXPECT_THROW(m.del(77777), std::runtime_error);
    gomap_test::throwing_hash::poison = -1;
    auto f = std::async(std::launch::async, [&] {
        m.set(5, 55);
        return m.get(5);
    });
    ASSERT_EQ(std::future_status::ready, f.wait_for(std::chrono::seconds(20))) << "lock left held";
    EXPECT_EQ(std::optional<std::int64_t>(55), f.get());
    EXPECT_EQ(3000u, m.size());
    EXPECT_FALSE(m.contains(77777));
}

// Elements are constructed and destroyed in equal numbers under concurrency.
TYPED_TEST(Threads, ConstructionsEqualDestructions) {
    using V = counted_value;
    const long before = V::alive();
    {
        using M = std::conditional_t<std::is_same_v<TypeParam, shrink_map>, gomap::safe_map<std::int64_t, V>,
                                     std::conditional_t<std::is_same_v<TypeParam, gozero_map>,
                                                        gomap::gozero_safe_map<std::int64_t, V>,
                                                        gomap::concurrent_map<std::int64_t, V>>>;
        M m;
        run_threads(kThreads, [&](int t) {
            for (std::int64_t i = 0; i < 20000; ++i) m.set((i % 5000) * kThreads + t, V(i));
            for (std::int64_t i = 0; i < 5000; i += 2) m.del(i * kThreads + t);
        });
        EXPECT_EQ(static_cast<std::size_t>(kThreads * 2500), m.size());
        EXPECT_EQ(before + kThreads * 2500, V::alive());
    }
    EXPECT_EQ(before, V::alive());
}

// ---- the lock ---------------------------------------------------------------

// Go's RWMutex rule: once a writer waits, new readers wait behind it, so
// readers that keep coming cannot starve it (glibc's std::shared_mutex fails
// this: try_lock_shared keeps succeeding while a writer waits).
// Both locks: detail::rwmutex (concurrent_map's shards), also with its reader
// bias turned on, and detail::brmutex (safe_map: a reader count per thread slot).

// rwmutex with rows attached and the bias on, behind the SharedMutex
// interface: lock_shared comes in biased when it can; each thread keeps the
// flags it holds (nullptr: came in counted) to give them back.
class BiasedRwMutex {
public:
    BiasedRwMutex() {
        mu_.bias_with(&rows_, 0);
        for (std::uint32_t i = 0; i < gomap::detail::rwmutex::kBiasAfter; ++i) {
            mu_.lock_shared();
            mu_.unlock_shared();
        }
        if (!mu_.biased()) throw std::logic_error("BiasedRwMutex: the bias did not turn on");
    }
    void lock() { mu_.lock(); }
    bool try_lock() { return mu_.try_lock(); }
    void unlock() { mu_.unlock(); }
    void lock_shared() { held().push_back(mu_.lock_shared_biased()); }
    bool try_lock_shared() {
        if (!mu_.try_lock_shared()) return false;
        held().push_back(nullptr);
        return true;
    }
    void unlock_shared() {
        auto* f = held().back();
        held().pop_back();
        mu_.unlock_shared(f);
    }
    gomap::detail::rwmutex& raw() { return mu_; }

private:
    static std::vector<std::atomic<std::uint8_t>*>& held() {
        thread_local std::vector<std::atomic<std::uint8_t>*> h;
        return h;
    }
    gomap::detail::reader_rows rows_{1};
    gomap::detail::rwmutex mu_;
};

template <class L>
class RwMutex : public ::testing::Test {};
using Locks = ::testing::Types<gomap::detail::rwmutex, BiasedRwMutex, gomap::detail::brmutex>;
TYPED_TEST_SUITE(RwMutex, Locks);

TYPED_TEST(RwMutex, AWaitingWriterStopsNewReaders) {
    TypeParam mu;
    mu.lock_shared();  // a reader inside
    std::atomic<bool> writer_in{false};
    std::thread writer([&] {
        mu.lock();
        writer_in = true;
        mu.unlock();
    });
    // Once the writer has announced itself, a new reader is refused.
    bool refused = false;
    for (int i = 0; i < 2'000'000 && !refused; ++i) {
        if (mu.try_lock_shared())
            mu.unlock_shared();
        else
            refused = true;
        if (!refused) std::this_thread::yield();
    }
    EXPECT_TRUE(refused);
    EXPECT_FALSE(writer_in.load());  // the first reader is still inside
    mu.unlock_shared();
    writer.join();
    EXPECT_TRUE(writer_in.load());
    EXPECT_TRUE(mu.try_lock_shared());  // and readers come back after it
    EXPECT_FALSE(mu.try_lock());
    mu.unlock_shared();
    EXPECT_TRUE(mu.try_lock());
    EXPECT_FALSE(mu.try_lock_shared());
    mu.unlock();
}

// Writers exclude everyone, readers exclude writers: four threads mixing both,
// with counters of who is inside checked at every entry.
TYPED_TEST(RwMutex, WritersExcludeEveryoneReadersExcludeWriters) {
    TypeParam mu;
    std::atomic<int> writers{0}, readers{0}, violations{0};
    run_threads(4, [&](int t) {
        std::uint64_t x = 0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(t + 1);
        for (int i = 0; i < 50'000; ++i) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            if (x % 4 == 0) {
                std::unique_lock lock(mu);
                if (writers.fetch_add(1) != 0 || readers.load() != 0) violations.fetch_add(1);
                writers.fetch_sub(1);
            } else {
                std::shared_lock lock(mu);
                readers.fetch_add(1);
                if (writers.load() != 0) violations.fetch_add(1);
                readers.fetch_sub(1);
            }
        }
    });
    EXPECT_EQ(0, violations.load());
}

// The sleeping paths, forced: each waiter outlasts its short spin (50 ms
// against microseconds), so it sleeps on the lock word, and the release
// must wake it.
TYPED_TEST(RwMutex, SleepingWaitersAreWoken) {
    using namespace std::chrono_literals;
    TypeParam mu;
    // Readers and a writer sleep behind a writer.
    mu.lock();
    auto r1 = std::async(std::launch::async, [&] { std::shared_lock l(mu); });
    auto r2 = std::async(std::launch::async, [&] { std::shared_lock l(mu); });
    auto w = std::async(std::launch::async, [&] { std::unique_lock l(mu); });
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(std::future_status::timeout, r1.wait_for(0ms));
    EXPECT_EQ(std::future_status::timeout, w.wait_for(0ms));
    mu.unlock();
    for (auto* f : {&r1, &r2, &w}) ASSERT_EQ(std::future_status::ready, f->wait_for(20s)) << "a sleeper was not woken";
    // A writer sleeps behind two readers; the last reader out wakes it, and a
    // reader that came after the writer waits for it.
    mu.lock_shared();
    mu.lock_shared();
    auto w2 = std::async(std::launch::async, [&] { std::unique_lock l(mu); std::this_thread::sleep_for(20ms); });
    std::this_thread::sleep_for(50ms);
    auto r3 = std::async(std::launch::async, [&] { std::shared_lock l(mu); });
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(std::future_status::timeout, w2.wait_for(0ms));
    EXPECT_EQ(std::future_status::timeout, r3.wait_for(0ms));  // behind the waiting writer
    mu.unlock_shared();
    EXPECT_EQ(std::future_status::timeout, w2.wait_for(10ms));  // one reader still inside
    mu.unlock_shared();
    ASSERT_EQ(std::future_status::ready, w2.wait_for(20s)) << "the writer was not woken";
    ASSERT_EQ(std::future_status::ready, r3.wait_for(20s)) << "the reader was not woken";
    EXPECT_TRUE(mu.try_lock());
    mu.unlock();
}

// ---- the reader bias of concurrent_map's shard locks ------------------------------

// n reads in a row of mu, each in and out (biased when it can).
void read_n_times(gomap::detail::rwmutex& mu, std::uint32_t n) {
    for (std::uint32_t i = 0; i < n; ++i) {
        auto* f = mu.lock_shared_biased();
        mu.unlock_shared(f);
    }
}

TEST(ReaderBias, AStreakOfReadsTurnsItOnAndAWriteTurnsItOff) {
    using gomap::detail::rwmutex;
    gomap::detail::reader_rows rows(3);
    rwmutex mu;
    mu.bias_with(&rows, 2);
    auto reads = [&](std::uint32_t n) { read_n_times(mu, n); };
    reads(rwmutex::kBiasAfter - 1);
    EXPECT_FALSE(mu.biased());
    mu.lock();  // a write ends the streak
    mu.unlock();
    reads(rwmutex::kBiasAfter - 1);
    EXPECT_FALSE(mu.biased());
    reads(1);
    EXPECT_TRUE(mu.biased());
    // Biased: a reader holds its row's flag for this lock, and nothing else.
    const std::size_t row = gomap::detail::reader_row();
    ASSERT_NE(gomap::detail::reader_row_owners::none, row);
    auto* f = mu.lock_shared_biased();
    ASSERT_NE(nullptr, f);
    EXPECT_EQ(&rows.flag(row, 2), f);
    EXPECT_EQ(1, f->load());
    EXPECT_EQ(0, rows.flag(row, 1).load());
    EXPECT_FALSE(mu.try_lock());  // a biased reader inside
    mu.unlock_shared(f);
    EXPECT_EQ(0, f->load());
    mu.lock();
    EXPECT_FALSE(mu.biased());
    mu.unlock();
    EXPECT_EQ(nullptr, mu.lock_shared_biased());  // counted again
    mu.unlock_shared(nullptr);
    // Without rows, a lock never turns biased.
    rwmutex plain;
    for (std::uint32_t i = 0; i < 3 * rwmutex::kBiasAfter; ++i) {
        auto* g = plain.lock_shared_biased();
        EXPECT_EQ(nullptr, g);
        plain.unlock_shared(g);
    }
    EXPECT_FALSE(plain.biased());
}

// Each writer that has to turn a bias off doubles the streak of reads the
// next bias needs, up to 64 << 6: a shard that keeps being read 64 times and
// written once stops paying a heavy fence on every write.
TEST(ReaderBias, EachRevocationDoublesTheNextStreakUpTo4096) {
    using gomap::detail::rwmutex;
    gomap::detail::reader_rows rows(1);
    rwmutex mu;
    mu.bias_with(&rows, 0);
    auto reads = [&](std::uint32_t n) { read_n_times(mu, n); };
    EXPECT_EQ(64u, mu.bias_after());
    for (std::uint32_t revocations = 0; revocations < 8; ++revocations) {
        const std::uint32_t need = std::min<std::uint32_t>(64u << revocations, 4096u);
        ASSERT_EQ(need, mu.bias_after()) << revocations << " revocations";
        reads(need - 1);
        EXPECT_FALSE(mu.biased()) << need - 1 << " reads";
        reads(1);
        ASSERT_TRUE(mu.biased()) << need << " reads";
        mu.lock();  // turns the bias off
        EXPECT_FALSE(mu.biased());
        mu.unlock();
    }
    EXPECT_EQ(4096u, mu.bias_after());
    // A write to a lock that is not biased ends the streak and costs nothing more.
    reads(100);
    mu.lock();
    mu.unlock();
    EXPECT_EQ(4096u, mu.bias_after());
}

// A thread owns one reader row for its life; threads beyond the rows own
// none and read the counted way, and a row comes back when its thread ends.
TEST(ReaderBias, AThreadWithoutARowReadsCountedAndRowsComeBack) {
    using gomap::detail::reader_row;
    using gomap::detail::reader_row_owners;
    gomap::detail::reader_rows rows(1);
    gomap::detail::rwmutex mu;
    mu.bias_with(&rows, 0);
    read_n_times(mu, mu.bias_after());
    ASSERT_TRUE(mu.biased());
    // Threads that take rows and hold them, until one finds none left.
    std::mutex m;
    std::condition_variable cv;
    bool release = false;
    std::vector<std::thread> holders;
    std::vector<std::size_t> taken;
    const std::size_t limit = gomap::detail::reader_slot_count() + 2;
    bool found_none = false;
    for (std::size_t i = 0; i < limit && !found_none; ++i) {
        std::promise<std::pair<std::size_t, bool>> got;  // {row, came in biased}
        auto fut = got.get_future();
        holders.emplace_back([&, p = std::move(got)]() mutable {
            const std::size_t row = reader_row();
            auto* f = mu.lock_shared_biased();
            const bool biased = f != nullptr;
            mu.unlock_shared(f);
            p.set_value({row, biased});
            std::unique_lock l(m);
            cv.wait(l, [&] { return release; });
        });
        const auto [row, biased] = fut.get();
        if (row == reader_row_owners::none) {
            found_none = true;
            EXPECT_FALSE(biased) << "a thread without a row came in biased";
        } else {
            EXPECT_TRUE(biased) << "row " << row;
            for (std::size_t r : taken) EXPECT_NE(r, row) << "two threads own one row";
            taken.push_back(row);
        }
    }
    EXPECT_TRUE(found_none) << "every one of " << limit << " threads got a row";
    EXPECT_LE(taken.size(), gomap::detail::reader_slot_count());
    {
        std::lock_guard l(m);
        release = true;
    }
    cv.notify_all();
    for (auto& t : holders) t.join();
    // The rows are back: a new thread gets one.
    std::size_t row = reader_row_owners::none;
    std::thread([&] { row = reader_row(); }).join();
    EXPECT_NE(reader_row_owners::none, row);
}

// Where the kernel offers membarrier, the biased readers' writers use it
// (the readers' fence is then a compiler barrier); the answer is the
// kernel's, asked here on our own.
TEST(ReaderBias, HeavyFencesExactlyWhereTheKernelHasMembarrier) {
#if defined(__linux__) && defined(__NR_membarrier) && !GOMAP_NO_MEMBARRIER
    const long cmds = ::syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    const bool kernel = cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
                        ::syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
    EXPECT_EQ(kernel, gomap::detail::heavy_fences());
    RecordProperty("heavy_fences", kernel ? "membarrier" : "full fences (no membarrier)");
#else
    EXPECT_FALSE(gomap::detail::heavy_fences());
#endif
    gomap::detail::reader_rows rows(1);
    EXPECT_EQ(gomap::detail::heavy_fences(), rows.heavy());
}

// A read nested in a biased read of the same lock (or a signal handler's)
// goes the counted way: its unlock must not clear the outer read's flag, or
// a writer would walk in beside the outer read.
TEST(ReaderBias, ANestedReadDoesNotClearTheOuterReadsFlag) {
    using namespace std::chrono_literals;
    BiasedRwMutex mu;
    auto* outer = mu.raw().lock_shared_biased();
    ASSERT_NE(nullptr, outer);
    auto* inner = mu.raw().lock_shared_biased();
    EXPECT_EQ(nullptr, inner);  // counted
    mu.raw().unlock_shared(inner);
    EXPECT_EQ(1, outer->load());
    std::atomic<bool> writer_in{false};
    auto w = std::async(std::launch::async, [&] {
        mu.lock();
        writer_in = true;
        mu.unlock();
    });
    EXPECT_EQ(std::future_status::timeout, w.wait_for(50ms));
    EXPECT_FALSE(writer_in.load());  // the outer read is still inside
    mu.raw().unlock_shared(outer);
    ASSERT_EQ(std::future_status::ready, w.wait_for(20s));
    EXPECT_TRUE(writer_in.load());
}

// A thread gives its row back when it ends, and whatever runs after that
// (a thread_local built before the row was taken, destroyed after it is
// given back) finds no row: it reads the counted way, not through a row
// that another thread may own by then.
TEST(ReaderBias, DestructorsAfterTheRowIsGivenBackFindNone) {
    using gomap::detail::reader_row;
    using gomap::detail::reader_row_owners;
    static std::atomic<std::size_t> seen_in_destructor{0};
    struct late_reader {
        bool used = false;
        ~late_reader() {
            if (used) seen_in_destructor = reader_row();
        }
    };
    std::size_t row_while_alive = reader_row_owners::none;
    std::thread([&] {
        thread_local late_reader late;  // built first, so destroyed last
        late.used = true;
        row_while_alive = reader_row();  // takes the row (and its guard)
    }).join();
    EXPECT_NE(reader_row_owners::none, row_while_alive);
    EXPECT_EQ(reader_row_owners::none, seen_in_destructor.load());
}

// A writer that turns the bias off waits for the biased reader inside, and
// new readers wait behind that writer.
TEST(ReaderBias, AWriterWaitsForTheBiasedReaderInside) {
    using namespace std::chrono_literals;
    BiasedRwMutex mu;
    auto* f = mu.raw().lock_shared_biased();
    ASSERT_NE(nullptr, f);
    std::atomic<bool> writer_in{false};
    auto w = std::async(std::launch::async, [&] {
        mu.lock();
        writer_in = true;
        std::this_thread::sleep_for(20ms);
        mu.unlock();
    });
    while (mu.raw().biased()) std::this_thread::yield();  // the writer has claimed the lock
    auto r = std::async(std::launch::async, [&] {
        auto* g = mu.raw().lock_shared_biased();
        const bool after_writer = writer_in.load();
        mu.raw().unlock_shared(g);
        return after_writer;
    });
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(writer_in.load());  // the biased reader is still inside
    EXPECT_EQ(std::future_status::timeout, r.wait_for(0ms));
    mu.raw().unlock_shared(f);
    ASSERT_EQ(std::future_status::ready, w.wait_for(20s));
    EXPECT_TRUE(writer_in.load());
    EXPECT_TRUE(r.get());  // the new reader came in after the writer
}

// Readers mostly, on the biased path and the counted one (more threads than
// rows: some own none; writes that turn the bias off), with counters of who is inside.
TEST(ReaderBias, ReadersOnBothPathsExcludeWriters) {
    gomap::detail::reader_rows rows(2);
    gomap::detail::rwmutex mu[2];
    mu[0].bias_with(&rows, 0);
    mu[1].bias_with(&rows, 1);
    std::atomic<int> writers[2] = {0, 0}, readers[2] = {0, 0}, violations{0}, biased_reads{0};
    const int threads = static_cast<int>(rows.rows()) + 2;  // two threads get no row: they read counted
    run_threads(threads, [&](int t) {
        std::uint64_t x = 0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(t + 1);
        for (int i = 0; i < 40'000; ++i) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const std::size_t l = (x >> 8) & 1;
            if (x % 64 == 0) {
                std::unique_lock lock(mu[l]);
                if (writers[l].fetch_add(1) != 0 || readers[l].load() != 0) violations.fetch_add(1);
                mu[l].reset_backoff();  // keep the bias coming back: every write may have to end one
                writers[l].fetch_sub(1);
            } else {
                auto* f = mu[l].lock_shared_biased();
                if (f) biased_reads.fetch_add(1, std::memory_order_relaxed);
                readers[l].fetch_add(1);
                if (writers[l].load() != 0) violations.fetch_add(1);
                readers[l].fetch_sub(1);
                mu[l].unlock_shared(f);
            }
        }
    });
    EXPECT_EQ(0, violations.load());
    EXPECT_GT(biased_reads.load(), 0);
}

// ---- concurrent_map's atomic read-modify-write ---------------------------------

TEST(ConcurrentMap, UpdateIsAtomic) {
    gomap::concurrent_map<int, std::int64_t> m(8);
    for (int k = 0; k < 16; ++k) m.set(k, 0);
    constexpr int per = 20000;
    run_threads(kThreads, [&](int t) {
        for (int i = 0; i < per; ++i) ASSERT_TRUE(m.update((i + t) % 16, [](std::int64_t& v) { ++v; }));
    });
    std::int64_t total = 0;
    for (int k = 0; k < 16; ++k) total += *m.get(k);
    EXPECT_EQ(std::int64_t{kThreads} * per, total);
    EXPECT_FALSE(m.update(99, [](std::int64_t&) { ADD_FAILURE() << "called for an absent key"; }));
}

TEST(ConcurrentMap, GetOrSetHasOneWinnerAndEveryoneSeesItsValue) {
    gomap::concurrent_map<int, int> m;
    constexpr int rounds = 500;
    std::atomic<int> winners[rounds] = {};
    std::vector<std::vector<int>> seen(kThreads, std::vector<int>(rounds));
    std::atomic<int> factory_calls{0};
    run_threads(kThreads, [&](int t) {
        for (int r = 0; r < rounds; ++r) {
            auto [v, inserted] = r % 2 ? m.get_or_set(r, t * 1000 + r)
                                       : m.get_or_set_with(r, [&] {
                                             factory_calls.fetch_add(1);
                                             return t * 1000 + r;
                                         });
            if (inserted) winners[r].fetch_add(1);
            seen[t][r] = v;
        }
    });
    for (int r = 0; r < rounds; ++r) {
        EXPECT_EQ(1, winners[r].load());
        for (int t = 1; t < kThreads; ++t) EXPECT_EQ(seen[0][r], seen[t][r]);
        EXPECT_EQ(*m.get(r), seen[0][r]);
    }
    EXPECT_EQ(rounds / 2, factory_calls.load());  // make() runs only for the winner
}

TEST(ConcurrentMap, DelIfAndEraseIfGiveMemoryBack) {
    gomap::concurrent_map<int, int> m(16);
    for (int i = 0; i < 100000; ++i) m.set(i, i);
    const std::size_t full = m.bytes();
    EXPECT_FALSE(m.del_if(3, [](int v) { return v % 2 == 0; }));
    EXPECT_TRUE(m.del_if(4, [](int v) { return v % 2 == 0; }));
    EXPECT_FALSE(m.del_if(4, [](int) { return true; }));
    EXPECT_EQ(49999u, m.erase_if([](int k, int) { return k % 2 == 0; }));
    EXPECT_EQ(50000u, m.size());
    // Of the odd keys, those = 1 or 3 (mod 20) stay: one in five.
    EXPECT_EQ(40000u, m.erase_if([](int k, int) { return k % 20 != 1 && k % 20 != 3 && k % 2 == 1; }));
    EXPECT_EQ(10000u, m.size());
    EXPECT_EQ("", m.check_invariants());
    // The shards shrank as they emptied: each to a quarter of its groups (a
    // shrink leaves room for the size to double; gomap::map, flat_table.hpp).
    EXPECT_LT(m.bytes() * 3, full);
    EXPECT_EQ(10000u, m.erase_if([](int, int) { return true; }));
    EXPECT_EQ(0u, m.bytes());
}

TEST(ConcurrentMap, ShardsArePowersOfTwoAndEvenlyLoaded) {
    EXPECT_EQ(64u, (gomap::concurrent_map<int, int>(40).shard_count()));
    EXPECT_EQ(1u, (gomap::concurrent_map<int, int>(1).shard_count()));
    EXPECT_GE((gomap::concurrent_map<int, int>().shard_count()), 64u);
    EXPECT_THROW((gomap::concurrent_map<int, int>(gomap::concurrent_map<int, int>::max_shards + 1)),
                 std::invalid_argument);
    gomap::concurrent_map<int, int> m(32);
    for (int i = 0; i < 320000; ++i) m.set(i, i);  // sequential keys: the worst case for a weak hash
    for (std::size_t s = 0; s < 32; ++s) {
        const auto st = m.shard_stats(s);
        EXPECT_GT(st.count, 9000u) << s;  // mean 10,000; a binomial sd is ~100
        EXPECT_LT(st.count, 11000u) << s;
    }
    EXPECT_EQ("", m.check_invariants());
    gomap::concurrent_map<int, int> one(1);
    for (int i = 0; i < 1000; ++i) one.set(i, i);
    EXPECT_EQ(1000u, one.size());
    EXPECT_EQ("", one.check_invariants());
}

// One hash per operation: its bits 8.. pick the shard, and inside the shard
// gomap::map takes the home group from the top bits. Were the shard taken
// from the top bits, a shard's keys would all start in 1/64 of its groups.
TEST(ConcurrentMap, TheShardAndTheHomeGroupComeFromDisjointBitsOfOneHash) {
    using u64 = std::uint64_t;
    gomap::concurrent_map<u64, u64> m(64);
    const u64 seed = m.shard_stats(0).hash0;
    for (std::size_t s = 1; s < 64; ++s) ASSERT_EQ(seed, m.shard_stats(s).hash0) << s;
    const auto keys = gomap::detail::u64_keys(seed);
    std::vector<std::bitset<256>> homes(64);  // per shard: the top 8 bits its keys' hashes start with
    for (u64 k = 0; k < 64 * 4096; ++k) {     // sequential keys
        const u64 h = gomap::detail::map_hash(gomap::hash<u64>{}, k, keys, seed);
        const std::size_t s = m.shard_of(k);
        ASSERT_EQ((h >> 8) & 63, s) << k;
        homes[s].set(h >> 56);
        m.set(k, k);
    }
    for (std::size_t s = 0; s < 64; ++s) {
        // ~4096 keys thrown into 256 home groups: all but a few are hit (with
        // the top bits choosing the shard: 4 of 256).
        EXPECT_GT(homes[s].count(), 200u) << s;
    }
    for (u64 k = 0; k < 64 * 4096; k += 97) ASSERT_EQ(k, m.get(k).value_or(~k)) << k;
    EXPECT_EQ("", m.check_invariants());
}

// The shards hash with the concurrent_map's seed, so it must stay when a
// shard empties (gomap::map alone re-draws its hash0 then, as Go does).
TEST(ConcurrentMap, AShardThatEmptiesKeepsTheMapsSeed) {
    using u64 = std::uint64_t;
    gomap::concurrent_map<u64, u64> m(4);
    const u64 seed = m.shard_stats(0).hash0;
    for (int round = 0; round < 3; ++round) {
        for (u64 k = 0; k < 2000; ++k) m.set(k, k + static_cast<u64>(round));
        for (u64 k = 0; k < 2000; ++k) ASSERT_EQ(k + static_cast<u64>(round), m.get(k).value_or(~k)) << k;
        if (round == 1) {
            m.clear();
        } else {
            for (u64 k = 0; k < 2000; ++k) ASSERT_TRUE(m.del(k)) << k;  // the last del empties its shard
        }
        EXPECT_EQ(0u, m.size());
        EXPECT_EQ(0u, m.bytes());
        for (std::size_t s = 0; s < 4; ++s) ASSERT_EQ(seed, m.shard_stats(s).hash0) << round << " " << s;
    }
    for (u64 k = 0; k < 2000; ++k) EXPECT_TRUE(m.try_emplace(k, k));
    for (u64 k = 0; k < 2000; ++k) ASSERT_TRUE(m.contains(k)) << k;
    EXPECT_EQ("", m.check_invariants());
}

}  // namespace
