// concurrent_bench — gomap's thread-safe maps against the peers a C++ user
// would pick: throughput by thread count and read/write mix, the worst single
// del while deleting a 1M-entry map (and the worst wait of a reader meanwhile),
// and the bytes held after deleting everything.
//
//   scripts/bench.sh concurrent_bench [--threads 1,2,4,8] [--ms 400] [--reps 3]
//                                     [--keys 1000000] [--n-del 1000000] [--md] [--only NAME]
//                                     [--mix 0-3] [--drain-only] [--shards N] [--bulk]
//
// Maps: gomap::concurrent_map, gomap::safe_map (gomap::map under a lock),
// gomap::gozero_safe_map (go-zero's two-map algorithm), std::unordered_map
// under a std::shared_mutex, libcuckoo::cuckoohash_map, tbb::concurrent_hash_map.
// Keys are uint64 → uint64, random 64-bit values; half the key space is present
// at the start and writes alternate set/del so that it stays about half.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <gomap/concurrent_map.hpp>
#include <gomap/safe_map.hpp>

#include "../keys.hpp"

#if GOMAP_BENCH_HAVE_CUCKOO
#include <libcuckoo/cuckoohash_map.hh>
#endif
#if GOMAP_BENCH_HAVE_TBB
#include <oneapi/tbb/concurrent_hash_map.h>
#endif

namespace {

using u64 = std::uint64_t;
using clk = std::chrono::steady_clock;

// ---- a thread-safe counting allocator (the memory phase) ---------------------
std::atomic<long long> g_bytes{0};
template <class T>
struct atomic_counting_allocator {
    using value_type = T;
    // std::allocator underneath: gomap's engines may release the pages of
    // dead arrays early, as they do for std::allocator (detail/alloc.hpp).
    // Without it, a shrink that ends frees a populated 16-32 MiB array in one
    // munmap: the 1.5 ms worst del this bench showed for safe_map.
    using gomap_pages_from_new = std::true_type;
    atomic_counting_allocator() = default;
    template <class U>
    atomic_counting_allocator(const atomic_counting_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        g_bytes.fetch_add(static_cast<long long>(n * sizeof(T)), std::memory_order_relaxed);
        return std::allocator<T>{}.allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        g_bytes.fetch_sub(static_cast<long long>(n * sizeof(T)), std::memory_order_relaxed);
        std::allocator<T>{}.deallocate(p, n);
    }
    template <class U>
    bool operator==(const atomic_counting_allocator<U>&) const noexcept {
        return true;
    }
};

// Distinct random-looking keys from indices: splitmix64's value at state i.
u64 key_of(u64 i) { return gomap_bench::splitmix64(i); }

// ---- adapters: get / set / del over each map ------------------------------------
std::size_t g_shards = 0;  // --shards: concurrent_map's shard count (0: its default)

template <template <class> class A>
struct gomap_concurrent {
    static constexpr const char* name = "gomap::concurrent_map";
    gomap::concurrent_map<u64, u64, gomap::hash<u64>, std::equal_to<u64>, A<std::pair<const u64, u64>>> m{g_shards};
    bool get(u64 k) { return m.get(k).has_value(); }
    void set(u64 k, u64 v) { m.set(k, v); }
    bool del(u64 k) { return m.del(k); }
    std::size_t size() { return m.size(); }
};
template <template <class> class A>
struct gomap_safe {
    static constexpr const char* name = "gomap::safe_map";
    gomap::safe_map<u64, u64, gomap::hash<u64>, std::equal_to<u64>, A<std::pair<const u64, u64>>> m;
    bool get(u64 k) { return m.get(k).has_value(); }
    void set(u64 k, u64 v) { m.set(k, v); }
    bool del(u64 k) { return m.del(k); }
    std::size_t size() { return m.size(); }
};
template <template <class> class A>
struct gomap_gozero {
    static constexpr const char* name = "go-zero SafeMap (gozero_safe_map)";
    gomap::gozero_safe_map<u64, u64, gomap::hash<u64>, std::equal_to<u64>, A<std::pair<const u64, u64>>> m;
    bool get(u64 k) { return m.get(k).has_value(); }
    void set(u64 k, u64 v) { m.set(k, v); }
    bool del(u64 k) { return m.del(k); }
    std::size_t size() { return m.size(); }
};
template <template <class> class A>
struct std_locked {
    static constexpr const char* name = "std::unordered_map + shared_mutex";
    std::shared_mutex mu;
    std::unordered_map<u64, u64, std::hash<u64>, std::equal_to<u64>, A<std::pair<const u64, u64>>> m;
    bool get(u64 k) {
        std::shared_lock l(mu);
        return m.find(k) != m.end();
    }
    void set(u64 k, u64 v) {
        std::unique_lock l(mu);
        m.insert_or_assign(k, v);
    }
    bool del(u64 k) {
        std::unique_lock l(mu);
        return m.erase(k) != 0;
    }
    std::size_t size() {
        std::shared_lock l(mu);
        return m.size();
    }
};
#if GOMAP_BENCH_HAVE_CUCKOO
template <template <class> class A>
struct cuckoo {
    static constexpr const char* name = "libcuckoo::cuckoohash_map";
    libcuckoo::cuckoohash_map<u64, u64, std::hash<u64>, std::equal_to<u64>, A<std::pair<const u64, u64>>> m;
    bool get(u64 k) {
        u64 v;
        return m.find(k, v);
    }
    void set(u64 k, u64 v) { m.insert_or_assign(k, v); }
    bool del(u64 k) { return m.erase(k); }
    std::size_t size() { return m.size(); }
};
#endif
#if GOMAP_BENCH_HAVE_TBB
template <template <class> class A>
struct tbb_map {
    static constexpr const char* name = "tbb::concurrent_hash_map";
    using map_t = tbb::concurrent_hash_map<u64, u64, tbb::tbb_hash_compare<u64>, A<std::pair<const u64, u64>>>;
    map_t m;
    bool get(u64 k) {
        typename map_t::const_accessor a;
        return m.find(a, k);
    }
    void set(u64 k, u64 v) {
        typename map_t::accessor a;
        m.insert(a, k);
        a->second = v;
    }
    bool del(u64 k) { return m.erase(k); }
    std::size_t size() { return m.size(); }
};
#endif

// ---- throughput ------------------------------------------------------------------
struct mix {
    const char* name;
    unsigned read_pct;
};
constexpr mix kMixes[] = {{"read-only 100/0", 100}, {"read-heavy 90/10", 90}, {"balanced 50/50", 50}, {"write-heavy 10/90", 10}};

struct options {
    std::vector<int> threads{1, 2, 4, 8};
    int ms = 400;
    int reps = 3;
    u64 keys = 1'000'000;
    u64 n_del = 1'000'000;
    bool md = false;
    std::string only;  // run only the maps whose name contains this
    int mix = -1;      // run only this mix (index into kMixes)
    bool drain_only = false;
    bool bulk = false;  // --bulk: concurrent_map's bulk visit against one cvisit per key, and exit
};

// Runs body(t, stop) on `threads` threads, started together, for o.ms
// milliseconds; body returns the operations it did, checking stop as it goes.
// Returns Mops/s over all threads.
template <class Body>
double run_timed(const options& o, int threads, Body body) {
    std::atomic<bool> go{false}, stop{false};
    std::atomic<int> ready{0};
    std::vector<u64> ops(static_cast<std::size_t>(threads));
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            ready.fetch_add(1);
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            ops[static_cast<std::size_t>(t)] = body(t, stop);
        });
    while (ready.load() < threads) std::this_thread::yield();
    const auto t0 = clk::now();
    go.store(true, std::memory_order_release);
    std::this_thread::sleep_for(std::chrono::milliseconds(o.ms));
    stop.store(true);
    for (auto& th : ts) th.join();
    const double secs = std::chrono::duration<double>(clk::now() - t0).count();
    u64 total = 0;
    for (u64 n : ops) total += n;
    return static_cast<double>(total) / secs / 1e6;  // Mops/s
}

// Where the lookups' results go. A get() whose result nobody uses lets the
// compiler drop the part of the lookup that only reads plain memory: with
// libcuckoo inlined into the loop, only its lock traffic was left, and it
// read 2.7x faster than it looks anything up (docs/concurrency.md, "A
// lookup's result must be used").
std::atomic<u64> g_found{0};

template <class Map>
double throughput(Map& m, const options& o, int threads, const mix& mx) {
    return run_timed(o, threads, [&](int t, const std::atomic<bool>& stop) {
        u64 x = key_of(static_cast<u64>(t) * 7919 + 17), n = 0, found = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            for (int b = 0; b < 64; ++b) {  // check the clock flag every 64 ops
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                const u64 k = key_of(x % o.keys);
                const unsigned r = static_cast<unsigned>(x >> 57) * 100 / 128;  // 0..99
                if (r < mx.read_pct)
                    found += m.get(k);
                else if (x & (1ull << 40))
                    m.set(k, x);
                else
                    m.del(k);
            }
            n += 64;
        }
        g_found.fetch_add(found, std::memory_order_relaxed);
        return n;
    });
}

template <class Map>
std::vector<std::vector<double>> throughput_table(const options& o) {
    std::vector<std::vector<double>> out;  // [mix][threads]
    for (std::size_t mi = 0; mi < std::size(kMixes); ++mi) {
        const mix& mx = kMixes[mi];
        std::vector<double> row;
        if (o.mix >= 0 && static_cast<std::size_t>(o.mix) != mi) {
            out.push_back(std::vector<double>(o.threads.size(), 0.0));
            continue;
        }
        for (int th : o.threads) {
            std::vector<double> reps;
            for (int r = 0; r < o.reps; ++r) {
                auto m = std::make_unique<Map>();
                for (u64 i = 0; i < o.keys; i += 2) m->set(key_of(i), i);
                reps.push_back(throughput(*m, o, th, mx));
            }
            std::sort(reps.begin(), reps.end());
            row.push_back(reps[reps.size() / 2]);
        }
        out.push_back(row);
    }
    return out;
}

// ---- bulk visitation: cvisit(first, last, f) against cvisit(k, f) per key ----------
// Read-only, the keys of the throughput runs, drawn 64 at a time; each thread
// visits its 64 keys either one call per key or in one bulk call (which takes
// them 16 at a time and fetches their shards ahead).
double bulk_throughput(const options& o, int threads, bool bulk) {
    gomap::concurrent_map<u64, u64> m(g_shards);
    for (u64 i = 0; i < o.keys; i += 2) m.set(key_of(i), i);
    std::atomic<u64> seen{0};  // the visitors' sum goes somewhere: their work cannot be optimized away
    const double mops = run_timed(o, threads, [&](int t, const std::atomic<bool>& stop) {
        u64 x = key_of(static_cast<u64>(t) * 7919 + 17), n = 0, sum = 0;
        u64 batch[64];
        while (!stop.load(std::memory_order_relaxed)) {
            for (u64& k : batch) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                k = key_of(x % o.keys);
            }
            auto f = [&](const std::pair<const u64, u64>& e) { sum += e.second; };
            if (bulk)
                m.cvisit(std::begin(batch), std::end(batch), f);
            else
                for (u64 k : batch) m.cvisit(k, f);
            n += 64;
        }
        seen.fetch_add(sum, std::memory_order_relaxed);
        return n;
    });
    return mops;
}

void bulk_report(const options& o) {
    std::printf("\nconcurrent_map read-only, %llu keys (half present), Mops/s, median of %d:\n",
                static_cast<unsigned long long>(o.keys), o.reps);
    std::printf("%-40s", "lookups");
    for (int th : o.threads) std::printf("  %8d thr", th);
    std::printf("\n");
    for (bool bulk : {false, true}) {
        std::printf("%-40s", bulk ? "cvisit(first, last, f), 64 keys a call" : "cvisit(k, f), one call per key");
        for (int th : o.threads) {
            std::vector<double> reps;
            for (int r = 0; r < o.reps; ++r) reps.push_back(bulk_throughput(o, th, bulk));
            std::sort(reps.begin(), reps.end());
            std::printf("  %12.2f", reps[reps.size() / 2]);
        }
        std::printf("\n");
    }
}

// ---- worst del at 1M, a reader's worst wait, bytes after deleting all ----------
struct drain_result {
    double worst_del_us = 0, p9999_del_us = 0, worst_read_us = 0, drain_s = 0;
    long long peak_bytes = 0, final_bytes = 0;
    double max_worst_del_us = 0, max_worst_read_us = 0;  // over the repetitions
    double alone_worst_del_us = 0;                       // the same drain with no reader thread (median)
};

template <class Map>
drain_result drain(const options& o, bool with_reader = true) {
    drain_result r;
    const long long base = g_bytes.load();
    {
        auto m = std::make_unique<Map>();
        for (u64 i = 0; i < o.n_del; ++i) m->set(key_of(i), i);
        r.peak_bytes = g_bytes.load() - base;
        std::atomic<bool> done{false};
        double worst_read = 0;
        std::thread reader([&] {  // a reader of keys that stay: how long can it be kept waiting?
            u64 x = 88172645463325252ULL, found = 0;
            while (with_reader && !done.load(std::memory_order_relaxed)) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                const auto t0 = clk::now();
                found += m->get(key_of(o.n_del + x % 1024));  // absent keys: lock + lookup
                const double us = std::chrono::duration<double, std::micro>(clk::now() - t0).count();
                worst_read = std::max(worst_read, us);
            }
            g_found.fetch_add(found, std::memory_order_relaxed);
        });
        std::vector<float> lat;
        lat.reserve(o.n_del);
        const auto start = clk::now();
        for (u64 i = 0; i < o.n_del; ++i) {
            const auto t0 = clk::now();
            m->del(key_of(i));
            lat.push_back(std::chrono::duration<float, std::micro>(clk::now() - t0).count());
        }
        r.drain_s = std::chrono::duration<double>(clk::now() - start).count();
        done = true;
        reader.join();
        r.worst_read_us = worst_read;
        r.final_bytes = g_bytes.load() - base;
        std::sort(lat.begin(), lat.end());
        r.worst_del_us = lat.back();
        r.p9999_del_us = lat[static_cast<std::size_t>(static_cast<double>(lat.size() - 1) * 0.9999)];
    }
    return r;
}

struct row {
    std::string name;
    std::vector<std::vector<double>> tput;
    drain_result d;
};

template <template <template <class> class> class Adapter>
void measure(const options& o, std::vector<row>& rows) {
    row r;
    r.name = Adapter<std::allocator>::name;
    if (!o.only.empty() && r.name.find(o.only) == std::string::npos) return;
    std::fprintf(stderr, "  %s...\n", r.name.c_str());
    if (!o.drain_only) r.tput = throughput_table<Adapter<std::allocator>>(o);
    // The drain R times: single worst ops on a shared VM are noisy, so the
    // table gives the repetition with the median worst del, and the largest.
    std::vector<drain_result> ds;
    for (int i = 0; i < o.reps; ++i) ds.push_back(drain<Adapter<atomic_counting_allocator>>(o));
    std::sort(ds.begin(), ds.end(), [](const drain_result& a, const drain_result& b) {
        return a.worst_del_us < b.worst_del_us;
    });
    r.d = ds[ds.size() / 2];
    std::vector<double> alone;
    for (int i = 0; i < o.reps; ++i) alone.push_back(drain<Adapter<atomic_counting_allocator>>(o, false).worst_del_us);
    std::sort(alone.begin(), alone.end());
    r.d.alone_worst_del_us = alone[alone.size() / 2];
    for (const auto& d : ds) {
        r.d.max_worst_del_us = std::max(r.d.max_worst_del_us, d.worst_del_us);
        r.d.max_worst_read_us = std::max(r.d.max_worst_read_us, d.worst_read_us);
    }
    rows.push_back(std::move(r));
}

std::vector<int> parse_list(const char* s) {
    std::vector<int> v;
    for (const char* p = s; *p;) {
        char* end = nullptr;
        const long x = std::strtol(p, &end, 10);
        if (end == p || x < 1 || x > 256) {
            std::fprintf(stderr, "concurrent_bench: bad --threads list '%s'\n", s);
            std::exit(2);
        }
        v.push_back(static_cast<int>(x));
        p = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0') {
            std::fprintf(stderr, "concurrent_bench: bad --threads list '%s'\n", s);
            std::exit(2);
        }
    }
    return v;
}

u64 parse_num(const char* flag, const char* s, u64 lo, u64 hi) {
    char* end = nullptr;
    const unsigned long long x = std::strtoull(s, &end, 10);
    if (end == s || *end != '\0' || x < lo || x > hi) {
        std::fprintf(stderr, "concurrent_bench: %s must be an integer in [%llu, %llu], got '%s'\n", flag,
                     static_cast<unsigned long long>(lo), static_cast<unsigned long long>(hi), s);
        std::exit(2);
    }
    return x;
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto val = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "concurrent_bench: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--threads")
            o.threads = parse_list(val());
        else if (a == "--ms")
            o.ms = static_cast<int>(parse_num("--ms", val(), 10, 60000));
        else if (a == "--reps")
            o.reps = static_cast<int>(parse_num("--reps", val(), 1, 101));
        else if (a == "--keys")
            o.keys = parse_num("--keys", val(), 2, 1u << 30);
        else if (a == "--n-del")
            o.n_del = parse_num("--n-del", val(), 1, 1u << 30);
        else if (a == "--md")
            o.md = true;
        else if (a == "--only")
            o.only = val();
        else if (a == "--shards")
            g_shards = parse_num("--shards", val(), 1, 65536);
        else if (a == "--drain-only")
            o.drain_only = true;
        else if (a == "--bulk")
            o.bulk = true;
        else if (a == "--mix")
            o.mix = static_cast<int>(parse_num("--mix", val(), 0, std::size(kMixes) - 1));
        else {
            std::fprintf(stderr,
                         "usage: concurrent_bench [--threads 1,2,4,8] [--ms 400] [--reps 3] [--keys N] [--n-del N] "
                         "[--md] [--only NAME] [--mix 0-3] [--drain-only] [--shards N] [--bulk]\n");
            return a == "--help" ? 0 : 2;
        }
    }
    std::fprintf(stderr, "concurrent_bench: %u hardware threads; %d ms per point, median of %d\n",
                 std::thread::hardware_concurrency(), o.ms, o.reps);
    if (o.bulk) {
        bulk_report(o);
        return 0;
    }
    std::vector<row> rows;
    measure<gomap_concurrent>(o, rows);
    measure<gomap_safe>(o, rows);
    measure<gomap_gozero>(o, rows);
    measure<std_locked>(o, rows);
#if GOMAP_BENCH_HAVE_CUCKOO
    measure<cuckoo>(o, rows);
#endif
#if GOMAP_BENCH_HAVE_TBB
    measure<tbb_map>(o, rows);
#endif

    const char* sep = o.md ? " | " : "  ";
    for (std::size_t mi = 0; mi < std::size(kMixes) && !o.drain_only; ++mi) {
        std::printf("\n%s%s, %llu keys (half present), Mops/s, median of %d:%s\n", o.md ? "**" : "", kMixes[mi].name,
                    static_cast<unsigned long long>(o.keys), o.reps, o.md ? "**" : "");
        if (o.md) std::printf("\n");
        std::printf("%s%-36s", o.md ? "| " : "", "map");
        for (int th : o.threads) std::printf("%s%8d thr", sep, th);
        std::printf("%s\n", o.md ? " |" : "");
        if (o.md) {
            std::printf("|---");
            for (std::size_t i = 0; i < o.threads.size(); ++i) std::printf("|---:");
            std::printf("|\n");
        }
        for (const row& r : rows) {
            std::printf("%s%-36s", o.md ? "| " : "", r.name.c_str());
            for (double v : r.tput[mi]) std::printf("%s%12.2f", sep, v);
            std::printf("%s\n", o.md ? " |" : "");
        }
    }
    std::printf("\n%sDeleting %llu entries one by one, single writer, one reader thread running "
                "(the run with the median worst del of %d; in brackets the largest of the %d runs):%s\n",
                o.md ? "**" : "", static_cast<unsigned long long>(o.n_del), o.reps, o.reps, o.md ? "**" : "");
    if (o.md)
        std::printf("\n| map | worst del, no reader | worst del | p99.99 del | reader's worst wait | drain s | peak MiB | after delete-all |\n"
                    "|---|---:|---:|---:|---:|---:|---:|---:|\n");
    else
        std::printf("%-36s %14s %21s %12s %23s %8s %9s %16s\n", "map", "alone worst", "worst del", "p99.99 del", "reader worst",
                    "drain s", "peak MiB", "after del-all");
    for (const row& r : rows) {
        const auto& d = r.d;
        char after[64];
        std::snprintf(after, sizeof after, "%.1f KiB (%.1f%%)", static_cast<double>(d.final_bytes) / 1024,
                      d.peak_bytes ? 100.0 * static_cast<double>(d.final_bytes) / static_cast<double>(d.peak_bytes)
                                   : 0.0);
        if (o.md)
            std::printf("| %s | %.0f µs | %.0f µs [%.0f] | %.1f µs | %.0f µs [%.0f] | %.2f | %.1f | %s |\n", r.name.c_str(),
                        d.alone_worst_del_us, d.worst_del_us, d.max_worst_del_us, d.p9999_del_us, d.worst_read_us, d.max_worst_read_us,
                        d.drain_s, static_cast<double>(d.peak_bytes) / (1 << 20), after);
        else
            std::printf("%-36s %11.0f us %9.0f us [%6.0f] %9.1f us %11.0f us [%6.0f] %8.2f %9.1f %16s\n", r.name.c_str(),
                        d.alone_worst_del_us, d.worst_del_us, d.max_worst_del_us, d.p9999_del_us, d.worst_read_us, d.max_worst_read_us,
                        d.drain_s, static_cast<double>(d.peak_bytes) / (1 << 20), after);
    }
    return 0;
}
