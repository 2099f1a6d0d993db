// gomap/detail/pages.hpp — handing dead memory back to the OS early.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace gomap::detail {

// Tell the OS that the pages of [begin, end) hold nothing we need (Linux:
// madvise(MADV_DONTNEED)). The memory stays allocated to us, and reads as
// zeros if touched again. Everything from `dead_from` (the start of our
// allocation) up to `end` must be dead: the first page is taken from the page
// that holds `begin` (what lies before `begin` on it was released by the
// previous call, or is dead), but never from before `dead_from`, so an
// allocator's own headers are untouched; the page holding `end` is kept, as
// live data may follow. Successive calls over [a, b), [b, c), ... thus leave
// no page behind. Elsewhere this does nothing.
inline void release_pages([[maybe_unused]] const void* dead_from, [[maybe_unused]] const void* begin,
                          [[maybe_unused]] const void* end) noexcept {
#if defined(__linux__)
    static const std::uintptr_t page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    const std::uintptr_t lo = (reinterpret_cast<std::uintptr_t>(dead_from) + page - 1) & ~(page - 1);
    std::uintptr_t b = reinterpret_cast<std::uintptr_t>(begin) & ~(page - 1);
    if (b < lo) b = lo;
    const std::uintptr_t e = reinterpret_cast<std::uintptr_t>(end) & ~(page - 1);
    if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_DONTNEED);
#endif
}

// Ask for transparent huge pages over [p, p + bytes) (Linux:
// madvise(MADV_HUGEPAGE); only a hint, errors are ignored). A big bucket array
// is read at random: with 4 KiB pages nearly every lookup also misses the TLB
// and walks the page table. On a machine whose THP setting is "madvise" (the
// Debian default) nothing else turns them on. Used only with GOMAP_HUGE_PAGES=1
// (config.hpp: faster lookups, a worse worst case).
inline void advise_huge_pages([[maybe_unused]] const void* p, [[maybe_unused]] std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    static const std::uintptr_t page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    const std::uintptr_t b = (reinterpret_cast<std::uintptr_t>(p) + page - 1) & ~(page - 1);
    const std::uintptr_t e = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(page - 1);
    if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);
#endif
}

}  // namespace gomap::detail
