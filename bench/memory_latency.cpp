// Memory over time and worst single-operation latency, side by side:
// gomap::map, gomap::go_map, std::unordered_map, absl::flat_hash_map and
// boost::unordered_flat_map (when built with them), uint64 -> uint64.
//
// Workload (one run per map, in the same process):
//   grow     insert keys 0..N-1 in random order, timing every insert;
//   shrink   erase all but N/1000 of them, timing every erase;
//   churn    K erase+insert pairs at the steady size;
//   drain    erase the rest.
// Bytes held come from a counting allocator, sampled 200 times per phase.
//
//   scripts/bench.sh memory_latency [--n N] [--csv FILE]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <gomap/gomap.hpp>
#if GOMAP_BENCH_HAVE_ABSL
#include <absl/container/flat_hash_map.h>
#endif
#if GOMAP_BENCH_HAVE_BOOST
#include <boost/unordered/unordered_flat_map.hpp>
#endif

namespace {

using u64 = std::uint64_t;
using clk = std::chrono::steady_clock;
using A = gomap::counting_allocator<std::pair<const u64, u64>>;

struct sample {
    std::string phase;
    std::size_t op;
    std::size_t bytes;
};

struct result {
    std::string name;
    double worst_insert_us = 0, worst_erase_us = 0;
    double insert_ns = 0, erase_ns = 0, churn_ns = 0;
    std::size_t peak_bytes = 0, steady_bytes = 0, after_churn_bytes = 0, drained_bytes = 0;
    std::size_t fresh_steady_bytes = 0;  // a map built with just the steady-state entries
    std::size_t churn_start_bytes = 0, churn_max_bytes = 0;
    double erase_total_s = 0;
    std::vector<sample> samples;
};

template <class Map>
result run(const char* name, const std::vector<u64>& keys, std::size_t churn) {
    gomap::allocation_counter counter;
    result r;
    r.name = name;
    const std::size_t n = keys.size(), keep = std::max<std::size_t>(n / 1000, 1);
    const std::size_t every = std::max<std::size_t>(n / 200, 1);
    std::mt19937_64 rng(99);
    {
        Map m(0, typename Map::hasher(), typename Map::key_equal(), A(&counter));
        double worst = 0;
        auto t0 = clk::now();
        for (std::size_t i = 0; i < n; ++i) {
            auto a = clk::now();
            m.emplace(keys[i], i);
            auto b = clk::now();
            worst = std::max(worst, std::chrono::duration<double, std::micro>(b - a).count());
            if (i % every == 0) r.samples.push_back({"grow", i, counter.bytes});
        }
        r.insert_ns = std::chrono::duration<double, std::nano>(clk::now() - t0).count() / double(n);
        r.worst_insert_us = worst;
        r.peak_bytes = counter.bytes;
        worst = 0;
        t0 = clk::now();
        for (std::size_t i = keep; i < n; ++i) {
            auto a = clk::now();
            m.erase(keys[i]);
            auto b = clk::now();
            worst = std::max(worst, std::chrono::duration<double, std::micro>(b - a).count());
            if (i % every == 0) r.samples.push_back({"shrink", n + i, counter.bytes});
        }
        r.erase_total_s = std::chrono::duration<double>(clk::now() - t0).count();
        r.erase_ns = r.erase_total_s * 1e9 / double(n - keep);
        r.worst_erase_us = worst;
        r.steady_bytes = counter.bytes;
        std::vector<u64> live(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(keep));
        {
            gomap::allocation_counter fresh_counter;
            Map fresh(0, typename Map::hasher(), typename Map::key_equal(), A(&fresh_counter));
            for (std::size_t i = 0; i < keep; ++i) fresh.emplace(keys[i], i);
            r.fresh_steady_bytes = fresh_counter.bytes;
        }
        r.churn_start_bytes = r.churn_max_bytes = counter.bytes;
        t0 = clk::now();
        const std::size_t cevery = std::max<std::size_t>(churn / 200, 1);
        for (std::size_t i = 0; i < churn; ++i) {
            u64& k = live[rng() % live.size()];
            m.erase(k);
            k = rng();
            m.emplace(k, i);
            r.churn_max_bytes = std::max(r.churn_max_bytes, counter.bytes);
            if (i % cevery == 0) r.samples.push_back({"churn", 2 * n + i, counter.bytes});
        }
        r.churn_ns = churn ? std::chrono::duration<double, std::nano>(clk::now() - t0).count() / double(churn) : 0;
        r.after_churn_bytes = counter.bytes;
        for (u64 k : live) m.erase(k);
        r.drained_bytes = counter.bytes;
        r.samples.push_back({"drained", 2 * n + churn, counter.bytes});
    }
    return r;
}

double mib(std::size_t b) { return double(b) / (1024.0 * 1024.0); }

}  // namespace

int main(int argc, char** argv) {
    std::size_t n = 10'000'000, churn = 0;
    const char* csv = nullptr;
    bool churn_set = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--n") && i + 1 < argc) {
            n = std::strtoull(argv[++i], nullptr, 10);
        } else if (!std::strcmp(argv[i], "--churn") && i + 1 < argc) {
            churn = std::strtoull(argv[++i], nullptr, 10);
            churn_set = true;
        } else if (!std::strcmp(argv[i], "--csv") && i + 1 < argc) {
            csv = argv[++i];
        } else {
            std::fprintf(stderr, "usage: memory_latency [--n N] [--churn K] [--csv FILE]\n");
            return 2;
        }
    }
    if (n < 1000) {
        std::fprintf(stderr, "memory_latency: --n must be at least 1000\n");
        return 2;
    }
    if (!churn_set) churn = n / 10;
    std::vector<u64> keys(n);
    std::mt19937_64 rng(1);
    for (auto& k : keys) k = rng();

    std::vector<result> rs;
    rs.push_back(run<gomap::map<u64, u64, gomap::hash<u64>, std::equal_to<u64>, A>>("gomap::map", keys, churn));
    rs.push_back(run<gomap::go_map<u64, u64, gomap::hash<u64>, std::equal_to<u64>, A>>("gomap::go_map", keys, churn));
    rs.push_back(run<std::unordered_map<u64, u64, std::hash<u64>, std::equal_to<u64>, A>>("std::unordered_map", keys, churn));
#if GOMAP_BENCH_HAVE_ABSL
    rs.push_back(run<absl::flat_hash_map<u64, u64, absl::Hash<u64>, std::equal_to<u64>, A>>("absl::flat_hash_map", keys, churn));
#endif
#if GOMAP_BENCH_HAVE_BOOST
    rs.push_back(run<boost::unordered_flat_map<u64, u64, boost::hash<u64>, std::equal_to<u64>, A>>("boost::unordered_flat_map", keys, churn));
#endif

    std::printf("uint64 -> uint64: grow to %zu, erase to %zu, %zu churn pairs, drain. One run, -O2.\n\n", n,
                std::max<std::size_t>(n / 1000, 1), churn);
    std::printf("Times include reading the clock around every operation (~20-40 ns).\n\n");
    std::printf("%-26s %12s %12s %10s %10s %9s %10s\n", "map", "worst ins us", "worst era us", "ins ns/op",
                "era ns/op", "erase all s", "churn ns");
    for (const auto& r : rs)
        std::printf("%-26s %12.1f %12.1f %10.1f %10.1f %9.2f %10.1f\n", r.name.c_str(), r.worst_insert_us,
                    r.worst_erase_us, r.insert_ns, r.erase_ns, r.erase_total_s, r.churn_ns);
    std::printf("\n%-26s %10s %11s %13s %12s %13s %11s\n", "map", "peak MiB", "steady MiB", "steady/fresh",
                "churn max/0", "drained MiB", "drained %");
    for (const auto& r : rs)
        std::printf("%-26s %10.2f %11.3f %12.2fx %11.2fx %13.3f %10.1f%%\n", r.name.c_str(), mib(r.peak_bytes),
                    mib(r.steady_bytes), double(r.steady_bytes) / double(r.fresh_steady_bytes),
                    double(r.churn_max_bytes) / double(r.churn_start_bytes), mib(r.drained_bytes),
                    100.0 * double(r.drained_bytes) / double(r.peak_bytes));
    std::printf("\nsteady/fresh: bytes after erasing down to the steady size, over a map built with only\n"
                "those entries. churn max/0: most bytes held during churn, over bytes when it started.\n"
                "drained: bytes after erasing every key, and as a share of the peak.\n");
    if (csv) {
        std::FILE* f = std::fopen(csv, "w");
        if (!f) {
            std::fprintf(stderr, "memory_latency: cannot write %s\n", csv);
            return 1;
        }
        std::fprintf(f, "map,phase,op,bytes\n");
        for (const auto& r : rs)
            for (const auto& s : r.samples) std::fprintf(f, "%s,%s,%zu,%zu\n", r.name.c_str(), s.phase.c_str(), s.op, s.bytes);
        std::fclose(f);
    }
    return 0;
}
