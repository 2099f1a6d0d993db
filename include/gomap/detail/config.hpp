// gomap — configuration shared by every header: the checked-mode switch,
// branch hints, and the fatal-error path used by misuse detection.
#pragma once

#include <cstdio>
#include <cstdlib>

// GOMAP_CHECKED turns on Go's hashWriting misuse detector (see detail/hmap.hpp).
// Default: on when NDEBUG is not defined (Debug builds), off otherwise. Define it
// to 0 or 1 before including any gomap header to force it. Every translation
// unit of a program must see the same value.
#ifndef GOMAP_CHECKED
#ifdef NDEBUG
#define GOMAP_CHECKED 0
#else
#define GOMAP_CHECKED 1
#endif
#endif

// GOMAP_HUGE_PAGES=1 asks Linux for transparent huge pages (madvise
// MADV_HUGEPAGE) over bucket arrays of 4 MiB and more, allocated by
// std::allocator or gomap::counting_allocator. Default 0. It trades the worst
// case for throughput. Measured at 10M uint64 -> uint64 on a 2-core VM with THP
// "madvise" (Debian's default):
//   * lookups and inserts get faster: find-hit 52 -> 45 ns, insert 176 -> 140 ns;
//   * the worst single insert goes from ~0.5 ms to 10-14 ms, because the kernel
//     compacts memory to find a 2 MiB page when a new array is first touched.
// gomap::map's promise is no stalls, so it is off unless asked for.
#ifndef GOMAP_HUGE_PAGES
#define GOMAP_HUGE_PAGES 0
#endif

// GOMAP_NO_MEMBARRIER=1 keeps concurrent_map's biased readers off Linux's
// membarrier system call (detail/rwmutex.hpp, heavy_fences): each biased read
// then pays a full fence, as a CAS would. Default 0: membarrier is used when
// the kernel offers it (Linux 4.14 and later, unless a seccomp filter refuses
// it; the lock asks once per process, the first time a concurrent_map is
// built). Set it under a seccomp policy that kills a process for a system
// call it does not list. Every translation unit of a program must see the
// same value.
#ifndef GOMAP_NO_MEMBARRIER
#define GOMAP_NO_MEMBARRIER 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define GOMAP_LIKELY(x) __builtin_expect(!!(x), 1)
#define GOMAP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define GOMAP_NOINLINE __attribute__((noinline))
#define GOMAP_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define GOMAP_LIKELY(x) (x)
#define GOMAP_UNLIKELY(x) (x)
#define GOMAP_NOINLINE
#define GOMAP_ALWAYS_INLINE inline
#endif

namespace gomap::detail {

// Go's runtime.fatal: print "fatal error: <msg>" and abort. Misuse that Go
// reports this way is not recoverable (the map may be corrupt), so neither is it here.
[[noreturn]] GOMAP_NOINLINE inline void fatal(const char* msg) noexcept {
    std::fprintf(stderr, "fatal error: %s\n", msg);
    std::fflush(stderr);
    std::abort();
}

}  // namespace gomap::detail
