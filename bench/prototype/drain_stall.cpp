// drain_stall.cpp — where concurrent_map's ~1 ms worst del comes from
// (docs/concurrency.md, "The worst del while draining"). Drains 1M uint64 keys
// from a gomap::concurrent_map (std::allocator, default shards) as
// concurrent_bench's drain does, times every del, and for each del over
// 100 us prints the shard's state before and after it: whether a shrink was
// under way, and whether this del finished it and freed the old array.
// Not built by CMake:
//
//   g++ -std=c++20 -O2 -DNDEBUG -march=native -Iinclude -Ibench -pthread bench/prototype/drain_stall.cpp -o /tmp/ds
//   /tmp/ds                                   # the worst dels and their shards
//   GLIBC_TUNABLES=glibc.malloc.trim_threshold=4000000000 /tmp/ds   # glibc never trims the heap
//   strace -T -e trace=brk -o /tmp/brk.txt /tmp/ds   # the slow brk that shrinks the heap
//
// Optional argument: the shard count (0: concurrent_map's default).
#include <gomap/concurrent_map.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "keys.hpp"

namespace {
using u64 = std::uint64_t;
using clk = std::chrono::steady_clock;
u64 key_of(u64 i) { return gomap_bench::splitmix64(i); }

struct slow_del {
    float us;
    u64 i;
    std::size_t shard;
    gomap::map_stats before, after;
};
}  // namespace

int main(int argc, char** argv) {
    const u64 n = 1000000;
    const std::size_t shards = argc > 1 ? std::stoul(argv[1]) : 0;
    gomap::concurrent_map<u64, u64> m(shards);
    for (u64 i = 0; i < n; ++i) m.set(key_of(i), i);
    std::vector<slow_del> slow;
    for (u64 i = 0; i < n; ++i) {
        const u64 k = key_of(i);
        const std::size_t s = m.shard_of(k);
        const gomap::map_stats before = m.shard_stats(s);
        const auto t0 = clk::now();
        m.del(k);
        const float us = std::chrono::duration<float, std::micro>(clk::now() - t0).count();
        if (us > 100) slow.push_back({us, i, s, before, m.shard_stats(s)});
    }
    std::sort(slow.begin(), slow.end(), [](const slow_del& a, const slow_del& b) { return a.us > b.us; });
    std::printf("%zu of %llu dels over 100 us; the slowest:\n", slow.size(), static_cast<unsigned long long>(n));
    for (std::size_t j = 0; j < std::min<std::size_t>(slow.size(), 10); ++j) {
        const slow_del& r = slow[j];
        const char* what = r.before.resizing && !r.after.resizing ? "finished a shrink: freed the old array"
                           : r.before.resizing                    ? "a step of a shrink"
                           : r.after.resizing                     ? "started a shrink"
                                                                  : "no resize work";
        std::printf("%7.0f us  del #%-7llu shard %-4zu %5zu entries, %7zu -> %7zu bytes  %s\n", r.us,
                    static_cast<unsigned long long>(r.i), r.shard, r.before.count, r.before.bytes, r.after.bytes,
                    what);
    }
}
