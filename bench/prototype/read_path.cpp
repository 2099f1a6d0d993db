// read_path.cpp — what a concurrent_map lookup's lock costs at 1 thread, and
// what the read schemes that write less would save: the same lookups (1M
// keys, half present, results summed) run in interleaved 200k-lookup slices
// through five read paths, so the VM's drift falls on all of them alike:
//
//   shard read lock     concurrent_map::get's path (read_lock: biased or counted;
//                       before f49dd0b the biased reader set its flag with a CAS)
//   no lock             the probe alone: the ceiling for any scheme
//   seqlock-style       load the lock word before and after the probe, no
//                       store: what an optimistic read would pay at best
//                       (it would also need its racy reads made atomic and
//                       arrays kept alive while readers may be inside)
//   row flag stores     the biased reader's two stores without its CAS
//   libcuckoo find      the peer, for scale
//
// The variants reach into concurrent_map's private members (hash_of,
// shards_, read_lock), hence the #define below: a measurement, not an API.
// Not built by CMake:
//
//   g++ -std=c++20 -O2 -DNDEBUG -march=native -Iinclude -Ibench -pthread bench/prototype/read_path.cpp -o /tmp/rp && /tmp/rp
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <libcuckoo/cuckoohash_map.hh>
#define private public  // the standard headers are in already: only gomap's members open up
#include <gomap/concurrent_map.hpp>
#undef private

#include "keys.hpp"

namespace {
using u64 = std::uint64_t;
using cmap = gomap::concurrent_map<u64, u64>;
// splitmix64's value at state x (concurrent_bench's key_of).
u64 splitmix(u64 x) { return gomap_bench::splitmix64(x); }
constexpr u64 kKeys = 1'000'000;
constexpr int kSlice = 200'000;

enum path { locked, unlocked, seqlock, flags, cuckoo, paths };
const char* const path_name[paths] = {"shard read lock (as shipped)", "no lock (the ceiling)",
                                      "seqlock-style: lock word read twice", "row flag stores only",
                                      "libcuckoo find"};

template <int P>
__attribute__((noinline)) u64 slice(const cmap& m, libcuckoo::cuckoohash_map<u64, u64>& lc, u64& x) {
    u64 found = 0;
    for (int i = 0; i < kSlice; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const u64 k = splitmix(x % kKeys);
        if constexpr (P == cuckoo) {
            u64 v;
            found += lc.find(k, v);
        } else {
            const u64 h = m.hash_of(k);
            const auto& s = m.shards_[m.shard_index(h)];
            if constexpr (P == locked) {
                cmap::read_lock lock(s);
                found += s.m.find_hashed(k, h) != s.m.end();
            } else if constexpr (P == unlocked) {
                found += s.m.find_hashed(k, h) != s.m.end();
            } else if constexpr (P == seqlock) {
                const auto v1 = s.mu.state_.load(std::memory_order_acquire);
                const bool hit = s.m.find_hashed(k, h) != s.m.end();
                std::atomic_thread_fence(std::memory_order_acquire);
                found += hit && v1 == s.mu.state_.load(std::memory_order_relaxed);
            } else {
                auto& f = m.rows_->flag(gomap::detail::reader_row(), s.mu.column_);
                f.store(1, std::memory_order_relaxed);
                found += s.m.find_hashed(k, h) != s.m.end();
                f.store(0, std::memory_order_release);
            }
        }
    }
    return found;
}
}  // namespace

int main() {
    cmap m;
    libcuckoo::cuckoohash_map<u64, u64> lc;
    for (u64 i = 0; i < kKeys; i += 2) {
        m.set(splitmix(i), i);
        lc.insert(splitmix(i), i);
    }
    std::vector<double> mops[paths];
    u64 x = splitmix(17), found[paths] = {};
    for (int round = 0; round < 100; ++round)
        for (int p = 0; p < paths; ++p) {
            const auto t0 = std::chrono::steady_clock::now();
            found[p] += p == locked     ? slice<locked>(m, lc, x)
                        : p == unlocked ? slice<unlocked>(m, lc, x)
                        : p == seqlock  ? slice<seqlock>(m, lc, x)
                        : p == flags    ? slice<flags>(m, lc, x)
                                        : slice<cuckoo>(m, lc, x);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            mops[p].push_back(kSlice / s / 1e6);
        }
    std::printf("1 thread, 1M keys half present, medians of 100 slices of %d lookups:\n", kSlice);
    for (int p = 0; p < paths; ++p) {
        std::sort(mops[p].begin(), mops[p].end());
        std::printf("  %-38s %6.2f Mops/s   (found %.1f%%)\n", path_name[p], mops[p][50],
                    100.0 * static_cast<double>(found[p]) / (100.0 * kSlice));
    }
}
