// ab_revisions.cpp — two revisions of gomap::concurrent_map in one process,
// measured in alternating slices. On a shared VM the machine's speed drifts by
// ±25% from minute to minute, so two binaries run one after the other compare
// the minutes more than the code. Here both revisions' maps live in one
// process (their headers copied under namespaces gomap_a and gomap_b by
// ab_revisions.sh), and each round runs the same mix on A for MS
// milliseconds, then on B (B first on odd rounds). The report gives both
// medians, the median and quartiles of the per-round ratio B/A, and how many
// rounds B won: an A/A run (the same revision twice) gives a ratio near 1.00
// and about half the rounds, which is the noise to beat.
//
// The workload is concurrent_bench's: 1M keys, half present, each thread
// drawing keys with xorshift; a read is get(), a write set() or del() with
// equal odds. Build and run through ab_revisions.sh. With AB_A_LIBCUCKOO
// (ab_revisions.sh libcuckoo B), side A is libcuckoo's cuckoohash_map
// instead, as concurrent_bench drives it.
#if AB_A_LIBCUCKOO
#include <libcuckoo/cuckoohash_map.hh>
#else
#include <gomap_a/concurrent_map.hpp>
#endif
#include <gomap_b/concurrent_map.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "keys.hpp"

namespace {
using u64 = std::uint64_t;
// splitmix64's value at state x (concurrent_bench's key_of).
u64 splitmix(u64 x) { return gomap_bench::splitmix64(x); }
constexpr u64 kKeys = 1'000'000;
std::atomic<u64> g_found{0};

#if AB_A_LIBCUCKOO
struct map_a {
    libcuckoo::cuckoohash_map<u64, u64> m;
    bool get(u64 k) {
        u64 v;
        return m.find(k, v);
    }
    void set(u64 k, u64 v) { m.insert_or_assign(k, v); }
    bool del(u64 k) { return m.erase(k); }
};
#else
using map_a = gomap_a::concurrent_map<u64, u64>;
#endif

template <class Map>
double slice(Map& m, int threads, unsigned read_pct, int ms, u64 round) {
    std::atomic<bool> stop{false};
    std::vector<u64> ops(static_cast<std::size_t>(threads));
    std::vector<std::thread> ts;
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            u64 x = splitmix(round * 131 + static_cast<u64>(t) * 7919 + 17), n = 0, found = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                for (int b = 0; b < 64; ++b) {
                    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                    const u64 k = splitmix(x % kKeys);
                    const unsigned r = static_cast<unsigned>(x >> 57) * 100 / 128;  // 0..99
                    if (r < read_pct)
                        found += static_cast<bool>(m.get(k));  // used: else the lookup's plain loads may go
                    else if (x & (1ull << 40))
                        m.set(k, x);
                    else
                        m.del(k);
                }
                n += 64;
            }
            ops[static_cast<std::size_t>(t)] = n;
            g_found.fetch_add(found, std::memory_order_relaxed);
        });
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    stop.store(true);
    for (auto& th : ts) th.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    u64 total = 0;
    for (u64 n : ops) total += n;
    return static_cast<double>(total) / secs / 1e6;
}

double at(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}
}  // namespace

int main(int argc, char** argv) {
    const unsigned read_pct = argc > 1 ? static_cast<unsigned>(std::atoi(argv[1])) : 100;
    const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
    const int rounds = argc > 3 ? std::atoi(argv[3]) : 60;
    const int ms = argc > 4 ? std::atoi(argv[4]) : 60;
    if (read_pct > 100 || threads < 1 || rounds < 1 || ms < 1) {
        std::fprintf(stderr, "usage: ab_revisions [read%% 0-100] [threads] [rounds] [ms per slice]\n");
        return 2;
    }
    map_a a;
    gomap_b::concurrent_map<u64, u64> b;
    for (u64 i = 0; i < kKeys; i += 2) {
        a.set(splitmix(i), i);
        b.set(splitmix(i), i);
    }
    std::vector<double> ra, rb, ratio;
    int b_won = 0;
    for (int r = 0; r < rounds; ++r) {
        double x, y;
        if (r & 1) {
            y = slice(b, threads, read_pct, ms, static_cast<u64>(r));
            x = slice(a, threads, read_pct, ms, static_cast<u64>(r));
        } else {
            x = slice(a, threads, read_pct, ms, static_cast<u64>(r));
            y = slice(b, threads, read_pct, ms, static_cast<u64>(r));
        }
        ra.push_back(x);
        rb.push_back(y);
        ratio.push_back(y / x);
        b_won += y > x;
    }
    std::printf("read %u%%, %d thread%s: A %.2f, B %.2f Mops/s (medians of %d rounds of %d ms); "
                "B/A median %.3f, quartiles %.3f..%.3f; B faster in %d of %d\n",
                read_pct, threads, threads == 1 ? "" : "s", at(ra, 0.5), at(rb, 0.5), rounds, ms, at(ratio, 0.5),
                at(ratio, 0.25), at(ratio, 0.75), b_won, rounds);
    return g_found.load() == 0 && read_pct > 0 ? 1 : 0;  // every lookup missed: something is wrong
}
