// gomap/detail/pages.hpp — handing dead memory back to the OS early.
#pragma once

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace gomap::detail {

// Tell the OS that the whole pages inside [begin, end) hold nothing we need
// (Linux: madvise(MADV_DONTNEED)). The memory stays allocated to us, and reads
// as zeros if touched again. Only whole pages strictly inside the range are
// released, so nothing outside it, including an allocator's own headers, is
// affected. Elsewhere this does nothing.
inline void release_pages([[maybe_unused]] const void* begin, [[maybe_unused]] const void* end) noexcept {
#if defined(__linux__)
    static const std::uintptr_t page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    const std::uintptr_t b = (reinterpret_cast<std::uintptr_t>(begin) + page - 1) & ~(page - 1);
    const std::uintptr_t e = reinterpret_cast<std::uintptr_t>(end) & ~(page - 1);
    if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_DONTNEED);
#endif
}

}  // namespace gomap::detail
