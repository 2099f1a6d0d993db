// Memory over time and worst single-operation latency, side by side:
// gomap::map, gomap::go_map, std::unordered_map, absl::flat_hash_map,
// boost::unordered_flat_map and tsl::hopscotch_map (when built with them),
// uint64 -> uint64. bench/go/main.go (mode "latency") runs the same on the
// real Go map, with the same keys.
//
// Workload (one run per map, in the same process):
//   grow     insert N keys (splitmix64 from seed 1, i.e. random), timing every insert;
//   shrink   erase all but N/1000 of them, timing every erase;
//   churn    K erase+insert pairs at the steady size (victim and new key from
//            splitmix64, seed 99);
//   drain    erase the rest.
// Bytes held come from a counting allocator, sampled 200 times per phase.
// Every insert and erase of grow and shrink is timed on its own (two clock
// reads, ~20-40 ns, included): worst, percentiles and a histogram (8 bins per
// octave) of those times go to the JSON.
//
//   scripts/bench.sh memory_latency [--n N] [--churn K] [--csv FILE] [--json FILE] [--rep I]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
#if GOMAP_BENCH_HAVE_TSL
#include <tsl/hopscotch_map.h>
#endif

#include "keys.hpp"

namespace {

using u64 = std::uint64_t;
using clk = std::chrono::steady_clock;
template <class T>
using A = gomap::counting_allocator<T>;

using gomap_bench::mulhi;
using gomap_bench::splitmix64;

struct sample {
    const char* phase;
    std::size_t op;
    std::size_t bytes;
};

// Latency summary of one phase. Times in ns.
struct latency {
    u64 max = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, p9999 = 0;
    std::vector<std::pair<u64, u64>> hist;  // (lower bound of the bin in ns, count), non-empty bins
};

// Bins: 0..15 ns one per ns, then 8 per octave (the three bits after the leading one).
std::size_t bin_of(u64 v) {
    if (v < 16) return static_cast<std::size_t>(v);
    const int e = 63 - __builtin_clzll(v);
    return 16 + static_cast<std::size_t>(e - 4) * 8 + static_cast<std::size_t>((v >> (e - 3)) & 7);
}
u64 bin_low(std::size_t b) {
    if (b < 16) return b;
    const int e = static_cast<int>((b - 16) / 8) + 4;
    return (8 + (b - 16) % 8) << (e - 3);
}

latency summarize(std::vector<std::uint32_t>& t) {
    latency l;
    if (t.empty()) return l;
    std::vector<u64> counts(16 + 60 * 8, 0);
    for (std::uint32_t v : t) ++counts[bin_of(v)];
    for (std::size_t b = 0; b < counts.size(); ++b)
        if (counts[b]) l.hist.emplace_back(bin_low(b), counts[b]);
    auto pct = [&](double q) {
        auto k = static_cast<std::size_t>(q * double(t.size() - 1));
        std::nth_element(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(k), t.end());
        return static_cast<u64>(t[k]);
    };
    l.p50 = pct(0.50);
    l.p90 = pct(0.90);
    l.p99 = pct(0.99);
    l.p999 = pct(0.999);
    l.p9999 = pct(0.9999);
    l.max = *std::max_element(t.begin(), t.end());
    return l;
}

struct result {
    std::string name;
    double insert_ns = 0, erase_ns = 0, churn_ns = 0;
    std::size_t peak_bytes = 0, grown_bytes = 0, steady_bytes = 0, after_churn_bytes = 0, drained_bytes = 0;
    std::size_t fresh_steady_bytes = 0;  // a map built with just the steady-state entries
    std::size_t churn_start_bytes = 0, churn_max_bytes = 0;
    double erase_total_s = 0;
    latency ins, era;
    std::vector<sample> samples;
};

std::uint32_t ns32(clk::duration d) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    return ns < 0 ? 0 : ns > 0xffffffffLL ? 0xffffffffu : static_cast<std::uint32_t>(ns);
}

template <class Map>
result run(const char* name, const std::vector<u64>& keys, std::size_t churn) {
    using Alloc = typename Map::allocator_type;
    gomap::allocation_counter counter;
    result r;
    r.name = name;
    const std::size_t n = keys.size(), keep = std::max<std::size_t>(n / 1000, 1);
    const std::size_t every = std::max<std::size_t>(n / 200, 1);
    std::vector<std::uint32_t> lat;
    lat.reserve(n);
    u64 rng = 99;
    {
        Map m(0, typename Map::hasher(), typename Map::key_equal(), Alloc(&counter));
        auto t0 = clk::now();
        for (std::size_t i = 0; i < n; ++i) {
            auto a = clk::now();
            m.emplace(keys[i], i);
            auto b = clk::now();
            lat.push_back(ns32(b - a));
            if (i % every == 0) r.samples.push_back({"grow", i, counter.bytes});
        }
        r.insert_ns = std::chrono::duration<double, std::nano>(clk::now() - t0).count() / double(n);
        r.grown_bytes = counter.bytes;
        r.ins = summarize(lat);
        lat.clear();
        t0 = clk::now();
        for (std::size_t i = keep; i < n; ++i) {
            auto a = clk::now();
            m.erase(keys[i]);
            auto b = clk::now();
            lat.push_back(ns32(b - a));
            if (i % every == 0) r.samples.push_back({"shrink", n + i, counter.bytes});
        }
        r.erase_total_s = std::chrono::duration<double>(clk::now() - t0).count();
        r.erase_ns = r.erase_total_s * 1e9 / double(n - keep);
        r.era = summarize(lat);
        lat = {};
        r.steady_bytes = counter.bytes;
        std::vector<u64> live(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(keep));
        {
            gomap::allocation_counter fresh_counter;
            Map fresh(0, typename Map::hasher(), typename Map::key_equal(), Alloc(&fresh_counter));
            for (std::size_t i = 0; i < keep; ++i) fresh.emplace(keys[i], i);
            r.fresh_steady_bytes = fresh_counter.bytes;
        }
        r.churn_start_bytes = r.churn_max_bytes = counter.bytes;
        t0 = clk::now();
        const std::size_t cevery = std::max<std::size_t>(churn / 200, 1);
        for (std::size_t i = 0; i < churn; ++i) {
            u64& k = live[mulhi(splitmix64(rng), live.size())];
            m.erase(k);
            k = splitmix64(rng);
            m.emplace(k, i);
            r.churn_max_bytes = std::max(r.churn_max_bytes, counter.bytes);
            if (i % cevery == 0) r.samples.push_back({"churn", 2 * n + i, counter.bytes});
        }
        r.churn_ns = churn ? std::chrono::duration<double, std::nano>(clk::now() - t0).count() / double(churn) : 0;
        r.after_churn_bytes = counter.bytes;
        for (u64 k : live) m.erase(k);
        r.drained_bytes = counter.bytes;
        r.peak_bytes = counter.peak;  // highest over the run: old and new arrays during a resize
        r.samples.push_back({"drained", 2 * n + churn, counter.bytes});
    }
    return r;
}

double mib(std::size_t b) { return double(b) / (1024.0 * 1024.0); }

void json_latency(std::FILE* f, const latency& l) {
    std::fprintf(f,
                 "{\"max_ns\": %llu, \"p50_ns\": %llu, \"p90_ns\": %llu, \"p99_ns\": %llu, \"p999_ns\": %llu, "
                 "\"p9999_ns\": %llu, \"hist\": [",
                 (unsigned long long)l.max, (unsigned long long)l.p50, (unsigned long long)l.p90,
                 (unsigned long long)l.p99, (unsigned long long)l.p999, (unsigned long long)l.p9999);
    for (std::size_t i = 0; i < l.hist.size(); ++i)
        std::fprintf(f, "%s[%llu, %llu]", i ? ", " : "", (unsigned long long)l.hist[i].first,
                     (unsigned long long)l.hist[i].second);
    std::fprintf(f, "]}");
}

void write_json(std::FILE* f, const std::vector<result>& rs, std::size_t n, std::size_t churn, int rep) {
    std::fprintf(f, "{\"schema\": \"gomap-bench/1\", \"program\": \"memory_latency\", \"lang\": \"c++\",\n");
    std::fprintf(f, " \"context\": {\"n\": %zu, \"keep\": %zu, \"churn\": %zu, \"rep\": %d},\n \"maps\": [\n", n,
                 std::max<std::size_t>(n / 1000, 1), churn, rep);
    for (std::size_t i = 0; i < rs.size(); ++i) {
        const result& r = rs[i];
        std::fprintf(f,
                     "  {\"map\": \"%s\", \"rep\": %d, \"insert_ns\": %.3f, \"erase_ns\": %.3f, \"churn_ns\": %.3f, "
                     "\"erase_total_s\": %.4f,\n   \"peak_bytes\": %zu, \"grown_bytes\": %zu, \"steady_bytes\": %zu, "
                     "\"fresh_steady_bytes\": %zu, \"churn_start_bytes\": %zu, \"churn_max_bytes\": %zu, "
                     "\"after_churn_bytes\": %zu, \"drained_bytes\": %zu,\n   \"latency\": {\"insert\": ",
                     r.name.c_str(), rep, r.insert_ns, r.erase_ns, r.churn_ns, r.erase_total_s, r.peak_bytes,
                     r.grown_bytes, r.steady_bytes, r.fresh_steady_bytes, r.churn_start_bytes, r.churn_max_bytes,
                     r.after_churn_bytes, r.drained_bytes);
        json_latency(f, r.ins);
        std::fprintf(f, ", \"erase\": ");
        json_latency(f, r.era);
        std::fprintf(f, "},\n   \"samples\": [");
        for (std::size_t j = 0; j < r.samples.size(); ++j)
            std::fprintf(f, "%s[\"%s\", %zu, %zu]", j ? ", " : "", r.samples[j].phase, r.samples[j].op,
                         r.samples[j].bytes);
        std::fprintf(f, "]}%s\n", i + 1 < rs.size() ? "," : "");
    }
    std::fprintf(f, " ]}\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t n = 10'000'000, churn = 0;
    const char *csv = nullptr, *json = nullptr;
    bool churn_set = false;
    int rep = 0;
    for (int i = 1; i < argc; ++i) {
        auto arg = [&](const char* name) { return !std::strcmp(argv[i], name) && i + 1 < argc; };
        if (arg("--n")) {
            n = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg("--churn")) {
            churn = std::strtoull(argv[++i], nullptr, 10);
            churn_set = true;
        } else if (arg("--csv")) {
            csv = argv[++i];
        } else if (arg("--json")) {
            json = argv[++i];
        } else if (arg("--rep")) {
            rep = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: memory_latency [--n N] [--churn K] [--csv FILE] [--json FILE] [--rep I]\n");
            return 2;
        }
    }
    if (n < 1000) {
        std::fprintf(stderr, "memory_latency: --n must be at least 1000\n");
        return 2;
    }
    if (!churn_set) churn = n / 10;
    std::vector<u64> keys(n);
    u64 seed = 1;
    for (auto& k : keys) k = splitmix64(seed);

    std::vector<result> rs;
    rs.push_back(run<gomap::map<u64, u64, gomap::hash<u64>, std::equal_to<u64>, A<std::pair<const u64, u64>>>>(
        "gomap::map", keys, churn));
    rs.push_back(run<gomap::go_map<u64, u64, gomap::hash<u64>, std::equal_to<u64>, A<std::pair<const u64, u64>>>>(
        "gomap::go_map", keys, churn));
    rs.push_back(
        run<std::unordered_map<u64, u64, std::hash<u64>, std::equal_to<u64>, A<std::pair<const u64, u64>>>>(
            "std::unordered_map", keys, churn));
#if GOMAP_BENCH_HAVE_ABSL
    rs.push_back(
        run<absl::flat_hash_map<u64, u64, absl::Hash<u64>, std::equal_to<u64>, A<std::pair<const u64, u64>>>>(
            "absl::flat_hash_map", keys, churn));
#endif
#if GOMAP_BENCH_HAVE_BOOST
    rs.push_back(
        run<boost::unordered_flat_map<u64, u64, boost::hash<u64>, std::equal_to<u64>, A<std::pair<const u64, u64>>>>(
            "boost::unordered_flat_map", keys, churn));
#endif
#if GOMAP_BENCH_HAVE_TSL
    rs.push_back(run<tsl::hopscotch_map<u64, u64, std::hash<u64>, std::equal_to<u64>, A<std::pair<u64, u64>>>>(
        "tsl::hopscotch_map", keys, churn));
#endif

    std::printf("uint64 -> uint64: grow to %zu, erase to %zu, %zu churn pairs, drain. One run.\n\n", n,
                std::max<std::size_t>(n / 1000, 1), churn);
    std::printf("Times include reading the clock around every operation (~20-40 ns).\n\n");
    std::printf("%-26s %12s %12s %10s %10s %10s %9s %10s\n", "map", "worst ins us", "worst era us", "p99.99 us",
                "ins ns/op", "era ns/op", "erase all s", "churn ns");
    for (const auto& r : rs)
        std::printf("%-26s %12.1f %12.1f %10.1f %10.1f %10.1f %9.2f %10.1f\n", r.name.c_str(),
                    double(r.ins.max) / 1e3, double(r.era.max) / 1e3,
                    double(std::max(r.ins.p9999, r.era.p9999)) / 1e3, r.insert_ns, r.erase_ns, r.erase_total_s,
                    r.churn_ns);
    std::printf("\n%-26s %9s %9s %11s %13s %12s %12s %9s\n", "map", "peak MiB", "full MiB", "steady MiB",
                "steady/fresh", "churn max/0", "drained MiB", "drained %");
    for (const auto& r : rs)
        std::printf("%-26s %9.2f %9.2f %11.3f %12.2fx %11.2fx %12.3f %8.1f%%\n", r.name.c_str(), mib(r.peak_bytes),
                    mib(r.grown_bytes), mib(r.steady_bytes), double(r.steady_bytes) / double(r.fresh_steady_bytes),
                    double(r.churn_max_bytes) / double(r.churn_start_bytes), mib(r.drained_bytes),
                    100.0 * double(r.drained_bytes) / double(r.grown_bytes));
    std::printf("\npeak: most bytes held at any time (old and new arrays while resizing). full: bytes\n"
                "with all N entries. steady/fresh: bytes after erasing down to the steady size, over a\n"
                "map built with only those entries. churn max/0: most bytes held during churn, over bytes\n"
                "when it started. drained: bytes after erasing every key, and as a share of full.\n");
    if (csv) {
        std::FILE* f = std::fopen(csv, "w");
        if (!f) {
            std::fprintf(stderr, "memory_latency: cannot write %s\n", csv);
            return 1;
        }
        std::fprintf(f, "map,phase,op,bytes\n");
        for (const auto& r : rs)
            for (const auto& s : r.samples) std::fprintf(f, "%s,%s,%zu,%zu\n", r.name.c_str(), s.phase, s.op, s.bytes);
        std::fclose(f);
    }
    if (json) {
        std::FILE* f = std::fopen(json, "w");
        if (!f) {
            std::fprintf(stderr, "memory_latency: cannot write %s\n", json);
            return 1;
        }
        write_json(f, rs, n, churn, rep);
        if (std::fclose(f) != 0) return 1;
    }
    return 0;
}
