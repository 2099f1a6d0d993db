// random_access — the machine's own cost of a cache miss, measured over a
// buffer of the footprint of a 10M-entry uint64 -> uint64 gomap::map, so that
// find-hit at 10M can be read as a multiple of it (bench/report.py does).
//
//   independent  reads of one whole 64-byte line at a random line, addresses
//                drawn from a counter-based generator: no read waits for
//                another, so the CPU overlaps as many misses as it can, as it
//                does across the independent lookups of the find-hit loop.
//   dependent    the same reads, each address taken from the line read before
//                (a pointer chase): one full miss latency per read.
//
// The buffer comes from operator new like the maps' arrays (same page size,
// same TLB reach) and is filled with random words first, so every page is
// touched before the clock starts. Its size: --bytes, or what
// gomap::map<uint64_t, uint64_t>::reserve(--map-n) allocates (default 10M).
//
//   random_access [--map-n N | --bytes B] [--reads R] [--rep I] [--json FILE]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <gomap/gomap.hpp>

#include "keys.hpp"

namespace {

using u64 = std::uint64_t;
using clk = std::chrono::steady_clock;

using gomap_bench::mulhi;
using gomap_bench::splitmix64;

struct line {
    u64 w[8];
};

u64 line_sum(const line& l) noexcept {
    return l.w[0] + l.w[1] + l.w[2] + l.w[3] + l.w[4] + l.w[5] + l.w[6] + l.w[7];
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t map_n = 10'000'000, bytes = 0, reads = 20'000'000;
    int rep = 0;
    const char* json = nullptr;
    for (int i = 1; i < argc; ++i) {
        auto arg = [&](const char* name) { return !std::strcmp(argv[i], name) && i + 1 < argc; };
        if (arg("--map-n")) {
            map_n = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg("--bytes")) {
            bytes = std::strtoull(argv[++i], nullptr, 10);
            map_n = 0;
        } else if (arg("--reads")) {
            reads = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg("--rep")) {
            rep = std::atoi(argv[++i]);
        } else if (arg("--json")) {
            json = argv[++i];
        } else {
            std::fprintf(stderr, "usage: random_access [--map-n N | --bytes B] [--reads R] [--rep I] [--json FILE]\n");
            return 2;
        }
    }
    if (bytes == 0) {
        gomap::map<u64, u64> m;
        m.reserve(map_n);
        bytes = m.stats().bytes;
    }
    const std::size_t nlines = bytes / sizeof(line);
    if (nlines < 2 || reads == 0) {
        std::fprintf(stderr, "random_access: buffer or read count too small\n");
        return 2;
    }
    std::unique_ptr<line[]> buf(new line[nlines]);
    u64 s = 0x70726f6265000001ULL;
    for (std::size_t i = 0; i < nlines; ++i)
        for (u64& w : buf[i].w) w = splitmix64(s);

    // independent
    u64 sum = 0, g = 0x70726f6265000002ULL;
    auto t0 = clk::now();
    for (std::size_t i = 0; i < reads; ++i) sum += line_sum(buf[mulhi(splitmix64(g), nlines)]);
    const double indep = std::chrono::duration<double, std::nano>(clk::now() - t0).count() / double(reads);

    // dependent: the next line comes from the word just read, mixed with the
    // step number so that the chase never falls into a short cycle.
    const std::size_t dreads = reads / 4 ? reads / 4 : 1;
    u64 at = 0;
    t0 = clk::now();
    for (std::size_t i = 0; i < dreads; ++i) {
        const line& l = buf[at];
        sum += l.w[7];
        at = mulhi(l.w[0] ^ (i * 0x9e3779b97f4a7c15ULL), nlines);
    }
    const double dep = std::chrono::duration<double, std::nano>(clk::now() - t0).count() / double(dreads);
    asm volatile("" : : "r"(sum) : "memory");

    std::fprintf(stderr, "random_access: %.1f MiB buffer: independent %.2f ns/read, dependent %.2f ns/read\n",
                 double(bytes) / 1048576.0, indep, dep);
    std::FILE* f = json ? std::fopen(json, "w") : stdout;
    if (!f) {
        std::fprintf(stderr, "random_access: cannot write %s\n", json);
        return 1;
    }
    std::fprintf(f,
                 "{\"schema\": \"gomap-bench/1\", \"program\": \"random_access\", \"lang\": \"c++\",\n"
                 " \"context\": {\"map_n\": %zu, \"bytes\": %zu, \"rep\": %d},\n \"records\": [\n"
                 "  {\"workload\": \"probe_independent\", \"bytes\": %zu, \"rep\": %d, \"ns_per_op\": %.3f, \"ops\": %zu},\n"
                 "  {\"workload\": \"probe_dependent\", \"bytes\": %zu, \"rep\": %d, \"ns_per_op\": %.3f, \"ops\": %zu}\n"
                 " ]}\n",
                 map_n, bytes, rep, bytes, rep, indep, reads, bytes, rep, dep, dreads);
    if (json && std::fclose(f) != 0) return 1;
    return 0;
}
