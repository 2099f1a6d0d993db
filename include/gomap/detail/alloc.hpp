// gomap/detail/alloc.hpp — memory from a user's allocator, as raw pointers.
//
// An allocator's `pointer` may be a class (a "fancy pointer": offset pointers
// for shared memory, test allocators that check every use). The engines keep
// raw pointers inside their arrays, so every allocation goes through these
// two functions: std::to_address on the way in, pointer_traits::pointer_to
// on the way back.
#pragma once

#include <cstddef>
#include <memory>

namespace gomap::detail {

// Whether A's memory comes from operator new: ordinary anonymous pages, which
// the engines may give page advice (hand the pages of a dead array back to the
// OS early, ask for huge pages). True for std::allocator; any other allocator
// says so with a member `using gomap_pages_from_new = std::true_type;`
// (gomap::counting_allocator does). Other allocators' memory is left alone.
template <class A>
inline constexpr bool pages_from_new = requires { requires A::gomap_pages_from_new::value; };
template <class T>
inline constexpr bool pages_from_new<std::allocator<T>> = true;

template <class A>
typename std::allocator_traits<A>::value_type* allocate_raw(A& a, std::size_t n) {
    return std::to_address(std::allocator_traits<A>::allocate(a, n));
}

template <class A>
void deallocate_raw(A& a, typename std::allocator_traits<A>::value_type* p, std::size_t n) noexcept {
    using pointer = typename std::allocator_traits<A>::pointer;
    std::allocator_traits<A>::deallocate(a, std::pointer_traits<pointer>::pointer_to(*p), n);
}

// An entry in a node of its own (node_map's slots, go_map's indirect
// entries): allocate it, build it with make(a, where), and give the memory
// back if building throws.
template <class A, class Make>
typename std::allocator_traits<A>::value_type* new_node(A& a, Make&& make) {
    auto* node = allocate_raw(a, 1);
    try {
        make(a, node);
    } catch (...) {
        deallocate_raw(a, node, 1);
        throw;
    }
    return node;
}

template <class A>
void delete_node(A& a, typename std::allocator_traits<A>::value_type* node) noexcept {
    std::allocator_traits<A>::destroy(a, node);
    deallocate_raw(a, node, 1);
}

}  // namespace gomap::detail
