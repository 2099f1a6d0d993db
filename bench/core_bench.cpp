// First numbers: gomap::go_map / gomap::map against std::unordered_map,
// uint64 -> uint64, on insert (growing from empty), find-hit, find-miss and
// erase. Reported per operation (items_per_second -> ns/op = 1e9 / rate).
//
//   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DGOMAP_BUILD_BENCH=ON
//   cmake --build build/bench --target core_bench && build/bench/bench/core_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include <gomap/gomap.hpp>

namespace {

using u64 = std::uint64_t;

std::vector<u64> keys(std::size_t n, u64 seed) {
    std::mt19937_64 rng(seed);
    std::vector<u64> v(n);
    for (auto& k : v) k = rng();
    return v;
}

template <class Map>
void BM_insert(benchmark::State& st) {
    const auto ks = keys(static_cast<std::size_t>(st.range(0)), 1);
    for (auto _ : st) {
        Map m;
        for (u64 k : ks) m[k] = k;
        benchmark::DoNotOptimize(m);
    }
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * ks.size()));
}

template <class Map>
void BM_find_hit(benchmark::State& st) {
    const auto ks = keys(static_cast<std::size_t>(st.range(0)), 1);
    Map m;
    for (u64 k : ks) m[k] = k;
    auto probe = ks;
    std::shuffle(probe.begin(), probe.end(), std::mt19937_64(2));
    for (auto _ : st) {
        u64 sum = 0;
        for (u64 k : probe) sum += m.find(k)->second;
        benchmark::DoNotOptimize(sum);
    }
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * probe.size()));
}

template <class Map>
void BM_find_miss(benchmark::State& st) {
    const auto ks = keys(static_cast<std::size_t>(st.range(0)), 1);
    const auto miss = keys(ks.size(), 3);
    Map m;
    for (u64 k : ks) m[k] = k;
    for (auto _ : st) {
        std::size_t found = 0;
        for (u64 k : miss) found += m.count(k);
        benchmark::DoNotOptimize(found);
    }
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * miss.size()));
}

template <class Map>
void BM_erase(benchmark::State& st) {
    const auto ks = keys(static_cast<std::size_t>(st.range(0)), 1);
    for (auto _ : st) {
        st.PauseTiming();
        Map m;
        for (u64 k : ks) m[k] = k;
        st.ResumeTiming();
        for (u64 k : ks) m.erase(k);
        benchmark::DoNotOptimize(m);
        st.PauseTiming();
        {
            Map drop(std::move(m));
        }
        st.ResumeTiming();
    }
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * ks.size()));
}

using go_map = gomap::go_map<u64, u64>;
using g_map = gomap::map<u64, u64>;
using std_map = std::unordered_map<u64, u64>;

#define GOMAP_BENCH_ALL(fn)                                                        \
    BENCHMARK_TEMPLATE(fn, go_map)->Arg(1 << 10)->Arg(1 << 20)->Unit(benchmark::kMillisecond); \
    BENCHMARK_TEMPLATE(fn, g_map)->Arg(1 << 10)->Arg(1 << 20)->Unit(benchmark::kMillisecond);  \
    BENCHMARK_TEMPLATE(fn, std_map)->Arg(1 << 10)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

GOMAP_BENCH_ALL(BM_insert)
GOMAP_BENCH_ALL(BM_find_hit)
GOMAP_BENCH_ALL(BM_find_miss)
GOMAP_BENCH_ALL(BM_erase)

}  // namespace

BENCHMARK_MAIN();
