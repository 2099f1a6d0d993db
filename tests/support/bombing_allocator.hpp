// tests/support/bombing_allocator.hpp — an allocator that throws std::bad_alloc
// on the N-th allocation, to prove the map survives allocation failure.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

namespace gomap_test {

struct bomb {
    static inline std::size_t countdown = 0;  // >0: the N-th allocation from here throws
    static inline std::size_t live_bytes = 0;
};

template <class T>
struct bombing_allocator {
    using value_type = T;
    bombing_allocator() = default;
    template <class U>
    bombing_allocator(const bombing_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        if (bomb::countdown > 0 && --bomb::countdown == 0) throw std::bad_alloc();
        bomb::live_bytes += n * sizeof(T);
        return std::allocator<T>{}.allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        bomb::live_bytes -= n * sizeof(T);
        std::allocator<T>{}.deallocate(p, n);
    }
    template <class U>
    bool operator==(const bombing_allocator<U>&) const noexcept {
        return true;
    }
};

}  // namespace gomap_test
