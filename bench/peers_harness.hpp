// bench/peers_harness.hpp — the side-by-side benchmark's workloads, written
// once for every map (peers_bench.cpp runs them; bench/go/main.go runs the same
// ones on the real Go map and must stay in step with this file).
//
// Why not Google Benchmark: at 10M entries a build costs seconds, and here one
// timed build serves find-hit, find-miss, iterate and erase, one more timed
// build (with reserve) serves churn, and the bytes are read off those same
// maps. Repetitions are interleaved across the whole run by the runner (one
// process per repetition, the Go map's between them), and report.py takes the
// medians. Google Benchmark's fixtures would rebuild per benchmark and per
// repetition (about 3× the time at 10M), and the Go program could not share its
// JSON shape as simply. core_bench.cpp stays on Google Benchmark.
//
// THE DATA (identical in bench/go/main.go)
//   splitmix64 streams from fixed seeds: keys (seed kSeedKeys), churn keys
//   (kSeedFresh), missing keys (kSeedMiss); lookups and erases go through the
//   keys in a shuffled order (Fisher–Yates driven by kSeedShuffle, bounded by a
//   64×64→128 multiply). String keys spell the 64-bit number in 11 base-64
//   characters (so they are as distinct as the numbers), then filler from
//   splitmix64: "str15" keys are 11–15 characters (in std::string's SSO
//   buffer), "str40" keys 40 characters (on the heap).
//
// ONE SAMPLE of one map at one size n (passes = ceil(min_ops / n), so small
// maps are timed over at least min_ops operations; each timed region is a
// whole pass, the clock is read twice per pass):
//   insert         passes × {new map; time n try_emplace}; the last map is kept;
//                  peak and built bytes are read from it
//   find_hit       passes × find of every key, shuffled order, on that map
//   find_miss      passes × find of n keys that are not there
//   iterate        passes × a walk over every entry (ns per entry)
//   erase          erase every key (shuffled order) from that map, then
//                  passes-1 × {new map, untimed; time the erases}; final bytes
//                  are what the first map holds after its erases
//   insert_reserve passes × {new map; reserve(n); time n try_emplace}; kept
//   churn          on the reserved map: passes·n pairs {erase a live key,
//                  insert a new one}, the victims taken round-robin through the
//                  shuffled order (ns per pair); bytes after churn
// Maps are destroyed outside the timed regions. Bytes come from
// gomap::counting_allocator (every C++ map here takes an allocator): the map's
// own arrays and nodes; a std::string key's heap buffer is not counted.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gomap/stats.hpp>

#include "keys.hpp"

namespace peers {

using u64 = std::uint64_t;

// The 24-byte mapped type.
struct v24 {
    u64 a, b, c;
};

inline constexpr u64 kSeedKeys = 0x6b65797300000001ULL;
inline constexpr u64 kSeedFresh = 0x6672657300000002ULL;
inline constexpr u64 kSeedMiss = 0x6d69737300000003ULL;
inline constexpr u64 kSeedShuffle = 0x7368756600000004ULL;

using gomap_bench::mulhi;
using gomap_bench::splitmix64;

enum class types { u64_u64, u64_v24, str15_u64, str40_u64 };
inline const char* types_name(types t) {
    switch (t) {
        case types::u64_u64: return "u64->u64";
        case types::u64_v24: return "u64->v24";
        case types::str15_u64: return "str15->u64";
        case types::str40_u64: return "str40->u64";
    }
    return "?";
}
inline bool string_keys(types t) { return t == types::str15_u64 || t == types::str40_u64; }

inline std::string key_string(u64 x, bool long_key) {
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string s;
    s.reserve(40);
    for (int i = 0; i < 11; ++i) s.push_back(alpha[(x >> (6 * i)) & 63]);
    u64 st = x;
    u64 r = splitmix64(st);
    const std::size_t len = long_key ? 40 : 11 + static_cast<std::size_t>(r % 5);
    while (s.size() < len) {
        r = splitmix64(st);
        for (int j = 0; j < 10 && s.size() < len; ++j) s.push_back(alpha[(r >> (6 * j)) & 63]);
    }
    return s;
}

template <class K>
struct dataset {
    std::vector<K> keys;   // insertion order
    std::vector<K> probe;  // the same keys, shuffled: lookups, erases, churn victims
    std::vector<K> miss;   // n keys not in the map
    std::vector<K> fresh;  // churn inserts, passes·n of them
};

template <class K>
K make_key(u64 x, types t) {
    if constexpr (std::is_same_v<K, std::string>) {
        return key_string(x, t == types::str40_u64);
    } else {
        (void)t;
        return x;
    }
}

template <class K>
std::vector<K> stream(u64 seed, std::size_t n, types t) {
    std::vector<K> v;
    v.reserve(n);
    for (std::size_t i = 0; i < n; ++i) v.push_back(make_key<K>(splitmix64(seed), t));
    return v;
}

inline std::size_t passes_for(std::size_t n, std::size_t min_ops) {
    return std::max<std::size_t>(1, (min_ops + n - 1) / n);
}

template <class K>
dataset<K> make_dataset(types t, std::size_t n, std::size_t min_ops) {
    dataset<K> d;
    d.keys = stream<K>(kSeedKeys, n, t);
    d.probe = d.keys;
    u64 s = kSeedShuffle;
    for (std::size_t i = n; i-- > 1;) std::swap(d.probe[i], d.probe[mulhi(splitmix64(s), i + 1)]);
    d.miss = stream<K>(kSeedMiss, n, t);
    d.fresh = stream<K>(kSeedFresh, passes_for(n, min_ops) * n, t);
    return d;
}

template <class V>
V make_value(std::size_t i) {
    if constexpr (std::is_same_v<V, v24>) {
        return v24{i, i + 1, i + 2};
    } else {
        return static_cast<V>(i);
    }
}
inline u64 value_sum(u64 v) { return v; }
inline u64 value_sum(const v24& v) { return v.a; }

// Keeps a value alive without a store.
inline void keep(u64 x) { asm volatile("" : : "r"(x) : "memory"); }

struct config {
    std::size_t min_ops = 1'000'000;
    int rep = 0;
};

// One line of the JSON output (bench/go/main.go writes the same fields).
struct record {
    std::string map, types, workload;
    std::size_t n = 0;
    int rep = 0;
    double ns_per_op = -1;  // timing records
    std::size_t ops = 0;
    // the "memory" record (-1: not measured)
    long long peak = -1, built = -1, reserved = -1, churned = -1, final_ = -1;
};

// A map constructed on its own counter (declared first, so it outlives the map).
template <class Map>
struct holder {
    gomap::allocation_counter c;
    Map m;
    holder() : m(0, typename Map::hasher(), typename Map::key_equal(), typename Map::allocator_type(&c)) {}
};

using clk = std::chrono::steady_clock;
inline double ns_since(clk::time_point t0) {
    return std::chrono::duration<double, std::nano>(clk::now() - t0).count();
}

[[noreturn]] inline void fail(const std::string& map, const char* what) {
    std::fprintf(stderr, "peers_bench: %s: %s\n", map.c_str(), what);
    std::exit(1);
}

template <class Map>
void run(const std::string& name, types t, const dataset<typename Map::key_type>& d, const config& cfg,
         std::vector<record>& out) {
    using K = typename Map::key_type;
    using V = typename Map::mapped_type;
    const std::size_t n = d.keys.size();
    const std::size_t passes = passes_for(n, cfg.min_ops);
    auto emit = [&](const char* w, double ns, std::size_t ops) {
        record r;
        r.map = name;
        r.types = types_name(t);
        r.workload = w;
        r.n = n;
        r.rep = cfg.rep;
        r.ns_per_op = ns / double(ops);
        r.ops = ops;
        out.push_back(std::move(r));
    };
    auto fill = [&](Map& m) {
        for (std::size_t i = 0; i < n; ++i) m.try_emplace(d.keys[i], make_value<V>(i));
    };
    record mem;
    mem.map = name;
    mem.types = types_name(t);
    mem.workload = "memory";
    mem.n = n;
    mem.rep = cfg.rep;

    // insert, without reserve
    std::unique_ptr<holder<Map>> kept;
    double ns = 0;
    for (std::size_t p = 0; p < passes; ++p) {
        auto h = std::make_unique<holder<Map>>();
        auto t0 = clk::now();
        fill(h->m);
        ns += ns_since(t0);
        if (h->m.size() != n) fail(name, "insert: wrong size");
        if (p + 1 == passes) kept = std::move(h);
    }
    emit("insert", ns, passes * n);
    mem.peak = static_cast<long long>(kept->c.peak);
    mem.built = static_cast<long long>(kept->c.bytes);
    Map& m = kept->m;

    {  // find_hit
        u64 sum = 0;
        std::size_t missing = 0;
        auto t0 = clk::now();
        for (std::size_t p = 0; p < passes; ++p)
            for (const K& k : d.probe) {
                auto it = m.find(k);
                if (it != m.end())
                    sum += value_sum(it->second);
                else
                    ++missing;
            }
        emit("find_hit", ns_since(t0), passes * n);
        keep(sum);
        if (missing) fail(name, "find_hit: a key is missing");
    }
    {  // find_miss
        std::size_t found = 0;
        auto t0 = clk::now();
        for (std::size_t p = 0; p < passes; ++p)
            for (const K& k : d.miss) found += m.find(k) != m.end();
        emit("find_miss", ns_since(t0), passes * n);
        if (found) fail(name, "find_miss: found a key that was never inserted");
    }
    {  // iterate
        u64 sum = 0;
        std::size_t seen = 0;
        auto t0 = clk::now();
        for (std::size_t p = 0; p < passes; ++p)
            for (const auto& kv : m) {
                sum += value_sum(kv.second);
                ++seen;
            }
        emit("iterate", ns_since(t0), passes * n);
        keep(sum);
        if (seen != passes * n) fail(name, "iterate: wrong count");
    }
    {  // erase
        std::size_t erased = 0;
        auto t0 = clk::now();
        for (const K& k : d.probe) erased += m.erase(k);
        ns = ns_since(t0);
        if (erased != n || m.size() != 0) fail(name, "erase: wrong count");
        mem.final_ = static_cast<long long>(kept->c.bytes);
        kept.reset();
        for (std::size_t p = 1; p < passes; ++p) {
            auto h = std::make_unique<holder<Map>>();
            fill(h->m);
            t0 = clk::now();
            for (const K& k : d.probe) erased += h->m.erase(k);
            ns += ns_since(t0);
        }
        if (erased != passes * n) fail(name, "erase: wrong count");
        emit("erase", ns, passes * n);
    }

    // insert with reserve
    ns = 0;
    for (std::size_t p = 0; p < passes; ++p) {
        auto h = std::make_unique<holder<Map>>();
        h->m.reserve(n);
        auto t0 = clk::now();
        fill(h->m);
        ns += ns_since(t0);
        if (h->m.size() != n) fail(name, "insert_reserve: wrong size");
        if (p + 1 == passes) kept = std::move(h);
    }
    emit("insert_reserve", ns, passes * n);
    mem.reserved = static_cast<long long>(kept->c.bytes);

    {  // churn on the reserved map
        Map& r = kept->m;
        std::vector<const K*> live(n);
        for (std::size_t i = 0; i < n; ++i) live[i] = &d.probe[i];
        const std::size_t ops = d.fresh.size();
        auto t0 = clk::now();
        for (std::size_t i = 0, j = 0; i < ops; ++i) {
            r.erase(*live[j]);
            r.try_emplace(d.fresh[i], make_value<V>(i));
            live[j] = &d.fresh[i];
            if (++j == n) j = 0;
        }
        emit("churn", ns_since(t0), ops);
        if (r.size() != n) fail(name, "churn: wrong size");
        mem.churned = static_cast<long long>(kept->c.bytes);
    }
    kept.reset();
    out.push_back(std::move(mem));
}

// A map of one family for one key/value type, type-erased for the driver.
struct entry {
    std::string map;
    types t;
    std::function<void(const void* dataset, const config&, std::vector<record>&)> fn;
};

template <class Map>
entry make_entry(const std::string& name, types t) {
    return {name, t, [name, t](const void* d, const config& c, std::vector<record>& out) {
                run<Map>(name, t, *static_cast<const dataset<typename Map::key_type>*>(d), c, out);
            }};
}

template <class T>
using alloc = gomap::counting_allocator<T>;

// Registers a family M<K, V> (an alias template with the peer's own hash and
// a counting allocator) for the four key/value types.
template <template <class, class> class M>
void add_family(std::vector<entry>& e, const std::string& name) {
    e.push_back(make_entry<M<u64, u64>>(name, types::u64_u64));
    e.push_back(make_entry<M<u64, v24>>(name, types::u64_v24));
    e.push_back(make_entry<M<std::string, u64>>(name, types::str15_u64));
    e.push_back(make_entry<M<std::string, u64>>(name, types::str40_u64));
}

// One per translation unit (peers_<family>.cpp), so that a change in one map
// recompiles only its own file.
void add_gomap(std::vector<entry>&);
void add_std(std::vector<entry>&);
void add_absl(std::vector<entry>&);
void add_boost(std::vector<entry>&);
void add_tsl(std::vector<entry>&);

}  // namespace peers
