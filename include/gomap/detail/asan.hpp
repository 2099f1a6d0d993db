// gomap/detail/asan.hpp — AddressSanitizer annotations.
//
// Under ASan, the bytes of every empty slot and of every bucket not yet
// initialised are poisoned, so that reading an entry through a stale pointer,
// reference or iterator (after it was erased or moved by evacuation), or
// reading a bucket of a new array before evacuation initialised it, is reported
// as use-after-poison. Without ASan these compile to nothing.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define GOMAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GOMAP_ASAN 1
#endif
#endif

#if GOMAP_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace gomap::detail {

inline void poison(const volatile void* p, std::size_t n) noexcept {
#if GOMAP_ASAN
    ASAN_POISON_MEMORY_REGION(p, n);
#else
    (void)p, (void)n;
#endif
}

inline void unpoison(const volatile void* p, std::size_t n) noexcept {
#if GOMAP_ASAN
    ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
    (void)p, (void)n;
#endif
}

}  // namespace gomap::detail
