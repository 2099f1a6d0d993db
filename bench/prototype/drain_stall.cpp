// drain_stall.cpp — where concurrent_map's slow dels come from
// (docs/concurrency.md, "The worst del while draining"). Drains 1M uint64 keys
// from a gomap::concurrent_map (std::allocator, default shards) as
// concurrent_bench's drain does, times every del, and sorts each del over
// 100 us (or the threshold given) by what its shard did: finished a shrink and freed the old array,
// started a shrink (allocated the new one), did a step of one, or no resize
// work at all (a del of ~0.1 us that the machine stalled). Prints the counts
// per kind and the slowest dels. Not built by CMake:
//
//   g++ -std=c++20 -O2 -DNDEBUG -march=native -Iinclude -Ibench -pthread bench/prototype/drain_stall.cpp -o /tmp/ds
//   /tmp/ds                                   # 3 drains, no other thread
//   /tmp/ds 0 3 1                             # with a reader thread, as concurrent_bench
//   GLIBC_TUNABLES=glibc.malloc.trim_threshold=4000000000 /tmp/ds   # glibc never trims the heap
//   strace -T -e trace=brk -o /tmp/brk.txt /tmp/ds 0 1   # the slow brk that shrinks the heap
//
// Arguments: the shard count (0: concurrent_map's default), the number of
// drains (3), 1 to run a reader thread during each drain (0), and the
// threshold in us above which a del counts as slow (100).
#include <gomap/concurrent_map.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "keys.hpp"

namespace {
using u64 = std::uint64_t;
using clk = std::chrono::steady_clock;
u64 key_of(u64 i) { return gomap_bench::splitmix64(i); }

enum kind { freed, started, step, none, kinds };
const char* const kind_name[kinds] = {"finished a shrink, freed the old array", "started a shrink",
                                      "a step of a shrink", "no resize work"};

struct slow_del {
    float us;
    u64 i;
    std::size_t shard;
    kind what;
    gomap::map_stats before, after;
};

kind kind_of(const gomap::map_stats& before, const gomap::map_stats& after) {
    if (after.bytes < before.bytes) return freed;
    if (after.resizing && !before.resizing) return started;
    if (before.resizing) return step;
    return none;
}
}  // namespace

int main(int argc, char** argv) {
    const u64 n = 1000000;
    const std::size_t shards = argc > 1 ? std::stoul(argv[1]) : 0;
    const int runs = argc > 2 ? std::stoi(argv[2]) : 3;
    const bool with_reader = argc > 3 && std::stoi(argv[3]) != 0;
    const float over = argc > 4 ? std::stof(argv[4]) : 100.0f;
    for (int run = 1; run <= runs; ++run) {
        gomap::concurrent_map<u64, u64> m(shards);
        for (u64 i = 0; i < n; ++i) m.set(key_of(i), i);
        std::atomic<bool> done{false};
        std::atomic<u64> found{0};
        std::thread reader([&] {  // concurrent_bench's reader: absent keys, lock + lookup
            u64 x = 88172645463325252ULL, f = 0;
            while (with_reader && !done.load(std::memory_order_relaxed)) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                f += m.get(key_of(n + x % 1024)).has_value();
            }
            found.fetch_add(f);
        });
        std::vector<slow_del> slow;
        std::vector<float> all;
        all.reserve(n);
        for (u64 i = 0; i < n; ++i) {
            const u64 k = key_of(i);
            const std::size_t s = m.shard_of(k);
            const gomap::map_stats before = m.shard_stats(s);
            const auto t0 = clk::now();
            m.del(k);
            const float us = std::chrono::duration<float, std::micro>(clk::now() - t0).count();
            all.push_back(us);
            if (us > over) {
                const gomap::map_stats after = m.shard_stats(s);
                slow.push_back({us, i, s, kind_of(before, after), before, after});
            }
        }
        done = true;
        reader.join();
        std::sort(all.begin(), all.end());
        std::sort(slow.begin(), slow.end(), [](const slow_del& a, const slow_del& b) { return a.us > b.us; });
        std::printf("run %d%s: worst %.0f us, p99.99 %.1f us; %zu of %llu dels over %.0f us:\n", run,
                    with_reader ? " (a reader running)" : "", all.back(), all[all.size() * 9999 / 10000],
                    slow.size(), static_cast<unsigned long long>(n), over);
        for (int k = 0; k < kinds; ++k) {
            std::size_t c = 0;
            float worst = 0;
            for (const slow_del& r : slow)
                if (r.what == k) ++c, worst = std::max(worst, r.us);
            if (c) std::printf("  %-40s %4zu, worst %6.0f us\n", kind_name[k], c, worst);
        }
        for (std::size_t j = 0; j < std::min<std::size_t>(slow.size(), 5); ++j) {
            const slow_del& r = slow[j];
            std::printf("  %7.0f us  del #%-7llu shard %-4zu %5zu entries, %7zu -> %7zu bytes  %s\n", r.us,
                        static_cast<unsigned long long>(r.i), r.shard, r.before.count, r.before.bytes,
                        r.after.bytes, kind_name[r.what]);
        }
    }
}
