// flat_latency.cpp — where gomap::map's slow single operations come from:
// grows to N uint64 keys and drains to 0 (the memory_latency workload without
// the other maps), timing every operation, and counts the operations over
// 5 us and over 20 us by phase and by whether a resize was under way; prints
// the 40 slowest with the map's state before and after. Not built by CMake:
//
//   g++ -std=c++20 -O2 -march=native -DNDEBUG -Iinclude bench/prototype/flat_latency.cpp -o /tmp/fl
//   /tmp/fl 10000000
//
// Compare its counts with bench/prototype/latency_floor.cpp on the same
// machine: on a shared VM most operations over 20 us are the machine's, not
// the map's (docs/design.md, "What one write costs").
#include <gomap/gomap.hpp>
#include <chrono>
#include <cstdio>
#include <vector>
#include <algorithm>
#include <cstdint>
using u64 = std::uint64_t;
static u64 sm(u64& x) { u64 z = (x += 0x9e3779b97f4a7c15ULL); z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL; z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL; return z ^ (z >> 31); }
struct ev { double ns; u64 i; int phase; gomap::map_stats before, after; };
int main(int argc, char** argv) {
    const u64 n = argc > 1 ? strtoull(argv[1], 0, 10) : 10000000;
    std::vector<u64> keys(n); u64 s = 1; for (auto& k : keys) k = sm(s);
    gomap::map<u64, u64, gomap::hash<u64>, std::equal_to<u64>, gomap::counting_allocator<std::pair<const u64, u64>>> m;
    std::vector<ev> top;
    auto note = [&](double ns, u64 i, int ph, const gomap::map_stats& b) {
        if (top.size() < 40 || ns > top.back().ns) {
            top.push_back({ns, i, ph, b, m.stats()});
            std::sort(top.begin(), top.end(), [](auto& a, auto& c) { return a.ns > c.ns; });
            if (top.size() > 40) top.pop_back();
        }
    };
    using clk = std::chrono::steady_clock;
    std::vector<float> all; all.reserve(2 * n);
    u64 slow[2][2][2] = {};  // [phase][resizing][>5us,>20us]
    u64 cnt[2][2] = {};
    for (u64 i = 0; i < n; ++i) {
        auto b = m.stats();
        auto t0 = clk::now(); m.try_emplace(keys[i], i); auto t1 = clk::now();
        double ns = std::chrono::duration<double, std::nano>(t1 - t0).count(); all.push_back(ns);
        note(ns, i, 0, b); cnt[0][b.resizing]++; if (ns > 5000) slow[0][b.resizing][0]++; if (ns > 20000) slow[0][b.resizing][1]++;
    }
    for (u64 i = 0; i < n; ++i) {
        auto b = m.stats();
        auto t0 = clk::now(); m.erase(keys[i]); auto t1 = clk::now();
        double ns = std::chrono::duration<double, std::nano>(t1 - t0).count(); all.push_back(ns);
        note(ns, i, 1, b); cnt[1][b.resizing]++; if (ns > 5000) slow[1][b.resizing][0]++; if (ns > 20000) slow[1][b.resizing][1]++;
    }
    std::sort(all.begin(), all.end());
    std::printf("p99.9 %.0f p99.99 %.0f p99.999 %.0f max %.0f\n", all[all.size()*999/1000], all[all.size()*9999/10000], all[all.size()*99999/100000], all.back());
    for (int p = 0; p < 2; ++p) for (int r = 0; r < 2; ++r) std::printf("%s %s: ops %llu  >5us %llu  >20us %llu\n", p ? "erase" : "insert", r ? "resizing" : "quiet", (unsigned long long)cnt[p][r], (unsigned long long)slow[p][r][0], (unsigned long long)slow[p][r][1]);
    for (auto& e : top) std::printf("%9.0f ns %s i=%llu  before: B=%d res=%d dir=%d oldB=%d nev=%zu bytes=%zu | after: B=%d res=%d oldB=%d nev=%zu bytes=%zu\n", e.ns, e.phase ? "erase " : "insert", (unsigned long long)e.i,
        e.before.B, e.before.resizing, (int)e.before.direction, e.before.old_B, (size_t)e.before.nevacuate, (size_t)e.before.bytes, e.after.B, e.after.resizing, e.after.old_B, (size_t)e.after.nevacuate, (size_t)e.after.bytes);
}
