// flat_costs.cpp — where gomap::map's time goes next to Boost's flat map
// (docs/benchmarks.md, "Where gomap::map misses the targets, and why").
// A throwaway measurement program, not built by CMake or CI:
//
//   g++ -std=c++20 -O2 -march=native -DNDEBUG -g -Iinclude bench/prototype/flat_costs.cpp -o /tmp/flat_costs
//   /tmp/flat_costs [all|gomap|onemul|noshrink|boost] [N]
//
// For N random uint64 keys (default 1M): insert from empty, 3 passes of
// find-hit (shuffled), 3 of find-miss, then erase every key (shuffled), in ns
// per operation. Rows: gomap::map as built; gomap::map with a one-multiply
// seeded hash (what the two-multiply gomap::hash costs); gomap::map with
// auto-shrink off (what shrinking during the drain costs);
// boost::unordered_flat_map. Run it a few times: a shared VM moves these by
// ±30% between runs. `perf record` on it gives the profiles in the doc.
#include <gomap/gomap.hpp>

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

using u64 = std::uint64_t;

// One 128-bit multiply by a fixed odd constant, seed folded into the key.
// Fails tests/hash_test.cpp's distribution tests; here only to price the hash.
struct one_multiply_hash {
    u64 operator()(u64 k, u64 seed) const noexcept {
        const __uint128_t r = static_cast<__uint128_t>(k ^ seed) * 0x9E3779B97F4A7C15ull;
        return static_cast<u64>(r) ^ static_cast<u64>(r >> 64);
    }
};

template <class M>
void run(const char* name, const std::vector<u64>& keys, const std::vector<u64>& probe, const std::vector<u64>& miss,
         bool auto_shrink) {
    M m;
    if constexpr (requires { m.set_auto_shrink(false); }) m.set_auto_shrink(auto_shrink);
    using clk = std::chrono::steady_clock;
    auto ns = [](clk::time_point a, clk::time_point b, double n) {
        return std::chrono::duration<double, std::nano>(b - a).count() / n;
    };
    const double n = static_cast<double>(keys.size());
    const auto t0 = clk::now();
    for (std::size_t i = 0; i < keys.size(); ++i) m.try_emplace(keys[i], i);
    const auto t1 = clk::now();
    u64 sum = 0;
    for (int p = 0; p < 3; ++p)
        for (u64 k : probe) sum += m.find(k)->second;
    const auto t2 = clk::now();
    std::size_t found = 0;
    for (int p = 0; p < 3; ++p)
        for (u64 k : miss) found += m.find(k) != m.end();
    const auto t3 = clk::now();
    std::size_t erased = 0;
    for (u64 k : probe) erased += m.erase(k);
    const auto t4 = clk::now();
    if (found != 0 || erased != keys.size()) {
        std::fprintf(stderr, "%s: wrong result\n", name);
        std::exit(1);
    }
    std::printf("%-9s insert %6.1f  hit %6.1f  miss %6.1f  erase %6.1f   (checksum %llu)\n", name, ns(t0, t1, n),
                ns(t1, t2, 3 * n), ns(t2, t3, 3 * n), ns(t3, t4, n), static_cast<unsigned long long>(sum));
}

int main(int argc, char** argv) {
    const char* which = argc > 1 ? argv[1] : "all";
    const std::size_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
    std::mt19937_64 rng(42);
    std::vector<u64> keys(n), miss(n);
    for (auto& k : keys) k = rng();
    for (auto& k : miss) k = rng();
    std::vector<u64> probe = keys;
    std::shuffle(probe.begin(), probe.end(), rng);
    auto want = [&](const char* w) { return std::strcmp(which, "all") == 0 || std::strcmp(which, w) == 0; };
    if (want("gomap")) run<gomap::map<u64, u64>>("gomap", keys, probe, miss, true);
    if (want("onemul")) run<gomap::map<u64, u64, one_multiply_hash>>("onemul", keys, probe, miss, true);
    if (want("noshrink")) run<gomap::map<u64, u64>>("noshrink", keys, probe, miss, false);
    if (want("boost")) run<boost::unordered_flat_map<u64, u64>>("boost", keys, probe, miss, true);
}
