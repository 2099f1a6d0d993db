// flat_instructions.cpp — instructions per operation of gomap::map's hot
// paths next to Boost's flat map, counted by callgrind (exact and repeatable
// on a noisy VM, unlike time). A measurement program, not built by CMake or CI:
//
//   g++ -std=c++20 -O2 -march=x86-64-v3 -DNDEBUG -g -Iinclude bench/prototype/flat_instructions.cpp -o /tmp/fi
//   for w in gomap noshrink boost; do for p in insert reserved hit miss erase; do
//     valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/fi.$w.$p /tmp/fi $w $p 200000 2>/tmp/fi.log >/dev/null
//     grep -o 'Collected : [0-9]*' /tmp/fi.log | awk -v w=$w -v p=$p '{printf "%s %s %.1f\n", w, p, $3/200000}'
//   done; done
//
// (x86-64-v3: valgrind does not run AVX-512.) Phases, each over N random
// uint64 keys (default 200,000): insert from empty; insert after reserve(N);
// find-hit and find-miss (shuffled); erase every key (shuffled). Only the
// phase is counted. Rows: gomap::map; gomap::map with auto-shrink off;
// boost::unordered_flat_map. `callgrind_annotate --auto=yes` on an output
// file shows where the instructions go, line by line.
#include <gomap/gomap.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <valgrind/callgrind.h>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>
#include <algorithm>
using u64 = std::uint64_t;
template <class M>
void run(const char* phase, std::size_t n, bool shrink) {
    std::mt19937_64 rng(42);
    std::vector<u64> keys(n), miss(n);
    for (auto& k : keys) k = rng();
    for (auto& k : miss) k = rng();
    std::vector<u64> probe = keys;
    std::shuffle(probe.begin(), probe.end(), rng);
    M m;
    if constexpr (requires { m.set_auto_shrink(false); }) m.set_auto_shrink(shrink);
    u64 sum = 0;
    if (!strcmp(phase, "insert")) {
        CALLGRIND_START_INSTRUMENTATION;
        for (std::size_t i = 0; i < n; ++i) m.try_emplace(keys[i], i);
        CALLGRIND_STOP_INSTRUMENTATION;
    } else if (!strcmp(phase, "reserved")) {
        m.reserve(n);
        CALLGRIND_START_INSTRUMENTATION;
        for (std::size_t i = 0; i < n; ++i) m.try_emplace(keys[i], i);
        CALLGRIND_STOP_INSTRUMENTATION;
    } else {
        for (std::size_t i = 0; i < n; ++i) m.try_emplace(keys[i], i);
        CALLGRIND_START_INSTRUMENTATION;
        if (!strcmp(phase, "hit")) for (u64 k : probe) sum += m.find(k)->second;
        else if (!strcmp(phase, "miss")) for (u64 k : miss) sum += m.find(k) != m.end();
        else if (!strcmp(phase, "erase")) for (u64 k : probe) sum += m.erase(k);
        CALLGRIND_STOP_INSTRUMENTATION;
    }
    std::printf("%llu\n", (unsigned long long)sum);
}
int main(int argc, char** argv) {
    const char* which = argv[1]; const char* phase = argv[2];
    std::size_t n = argc > 3 ? strtoull(argv[3], 0, 10) : 200000;
    if (!strcmp(which, "gomap")) run<gomap::map<u64, u64>>(phase, n, true);
    if (!strcmp(which, "noshrink")) run<gomap::map<u64, u64>>(phase, n, false);
    if (!strcmp(which, "boost")) run<boost::unordered_flat_map<u64, u64>>(phase, n, true);
}
