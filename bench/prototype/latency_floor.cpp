// latency_floor.cpp — the machine's own costs behind gomap::map's slow
// writes: (1) the noise floor, 20M trivial timed operations (an LCG step and
// one random store; the same two clock reads as bench/memory_latency.cpp) and
// how many exceed 5 us and 20 us; (2) madvise(MADV_DONTNEED) of 16, 64 and 256
// KiB of populated memory; (3) one page fault; (4) munmap of 256 MiB
// populated; (5) the same madvise calls while another thread of the process
// spins on the other core, and membarrier(PRIVATE_EXPEDITED), which is
// nothing but an interrupt sent to that core and waited for: handing pages
// back while a sibling thread runs costs a TLB-shootdown interrupt, and (5)
// prices it on this machine. Not built by CMake:
//
//   g++ -std=c++20 -O2 -pthread bench/prototype/latency_floor.cpp -o /tmp/lf && /tmp/lf
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {
void noise_floor() {
    using clk = std::chrono::steady_clock;
    std::vector<uint64_t> buf(1 << 22);
    uint64_t x = 1, a5 = 0, a20 = 0; std::vector<float> t; t.reserve(20000000);
    for (int i = 0; i < 20000000; ++i) {
        auto t0 = clk::now();
        x = x * 6364136223846793005ULL + 1; buf[(x >> 40) & ((1 << 22) - 1)] += x;  // a random memory touch
        auto t1 = clk::now();
        double ns = std::chrono::duration<double, std::nano>(t1 - t0).count(); t.push_back(ns);
        a5 += ns > 5000; a20 += ns > 20000;
    }
    std::sort(t.begin(), t.end());
    printf("noise: p99.9 %.0f p99.99 %.0f p99.999 %.0f max %.0f  >5us %llu >20us %llu\n", t[t.size()*999/1000], t[t.size()*9999/10000], t[t.size()*99999/100000], t.back(), (unsigned long long)a5, (unsigned long long)a20);
}
void kernel_costs(const char* with) {
    printf("%s\n", with);
    for (size_t chunk : {16384ul, 65536ul, 262144ul, 1048576ul}) {
        size_t total = 256ul << 20;
        char* p = (char*)mmap(nullptr, total, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
        memset(p, 1, total);
        std::vector<double> t;
        for (size_t off = 0; off < total; off += chunk) {
            auto a = std::chrono::steady_clock::now();
            madvise(p + off, chunk, MADV_DONTNEED);
            auto b = std::chrono::steady_clock::now();
            t.push_back(std::chrono::duration<double, std::micro>(b - a).count());
        }
        std::sort(t.begin(), t.end());
        printf("chunk %6zu KiB: median %.1f us  p99 %.1f  p99.9 %.1f  max %.1f  per-MiB %.1f us\n", chunk/1024, t[t.size()/2], t[t.size()*99/100], t[t.size()*999/1000], t.back(), t[t.size()/2] * (1048576.0/chunk));
        munmap(p, total);
    }
    // page fault cost
    size_t total = 256ul << 20;
    char* p = (char*)mmap(nullptr, total, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
    std::vector<double> t;
    for (size_t off = 0; off < total; off += 4096) { auto a = std::chrono::steady_clock::now(); p[off] = 1; auto b = std::chrono::steady_clock::now(); t.push_back(std::chrono::duration<double, std::micro>(b - a).count()); }
    std::sort(t.begin(), t.end());
    printf("page fault: median %.2f us p99 %.1f p99.9 %.1f max %.1f\n", t[t.size()/2], t[t.size()*99/100], t[t.size()*999/1000], t.back());
    auto a = std::chrono::steady_clock::now(); munmap(p, total); auto b = std::chrono::steady_clock::now();
    printf("munmap 256MiB populated: %.0f us\n", std::chrono::duration<double, std::micro>(b - a).count());
}

void interrupt_costs() {
    if (syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0) {
        printf("membarrier: not available\n");
        return;
    }
    std::vector<double> t;
    for (int i = 0; i < 20000; ++i) {
        auto a = std::chrono::steady_clock::now();
        syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
        auto b = std::chrono::steady_clock::now();
        t.push_back(std::chrono::duration<double, std::micro>(b - a).count());
    }
    std::sort(t.begin(), t.end());
    printf("membarrier (an interrupt to the sibling's core): median %.1f us p99 %.1f p99.9 %.1f p99.99 %.1f max %.1f\n",
           t[t.size()/2], t[t.size()*99/100], t[t.size()*999/1000], t[t.size()*9999/10000], t.back());
}
}  // namespace

int main() {
    noise_floor();
    kernel_costs("alone:");
    std::atomic<bool> stop{false};
    std::thread sibling([&] {  // a thread of the same process, busy on the other core
        volatile unsigned long n = 0;
        while (!stop.load(std::memory_order_relaxed)) n = n + 1;
    });
    kernel_costs("with a sibling thread spinning on the other core:");
    interrupt_costs();
    stop = true;
    sibling.join();
}
