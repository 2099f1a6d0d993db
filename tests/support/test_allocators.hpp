// test_allocators.hpp — allocators that hold a map to the letter of the
// allocator requirements, for the std-conformance tests.
//
//   fancy_allocator<T>    pointer is fancy_ptr<T>, a class, not T*: every
//                         allocation goes through std::to_address and comes
//                         back through pointer_traits::pointer_to.
//   stateful_allocator<T, Propagate>
//                         carries an id; allocators compare equal when their
//                         ids are equal. Propagate = false: none of the
//                         propagate_on_container_* traits, and copy/move
//                         assignment deleted (the requirements only ask for
//                         them when the allocator propagates). Every id keeps
//                         its own count of live bytes, so a test sees whose
//                         memory a map holds.
//   capped_allocator<T>   max_size() of 1000 elements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <new>
#include <type_traits>

namespace gomap_test {

// ---- fancy pointers ---------------------------------------------------------

template <class T>
class fancy_ptr {
public:
    using element_type = T;
    using value_type = std::remove_cv_t<T>;
    using difference_type = std::ptrdiff_t;
    using pointer = fancy_ptr;
    using reference = std::add_lvalue_reference_t<std::conditional_t<std::is_void_v<T>, char, T>>;
    using iterator_category = std::random_access_iterator_tag;

    fancy_ptr() noexcept = default;
    fancy_ptr(std::nullptr_t) noexcept {}
    template <class U>
        requires std::is_convertible_v<U*, T*>
    fancy_ptr(const fancy_ptr<U>& o) noexcept : p_(o.get()) {}
    // From a void pointer: explicit, as for raw pointers.
    template <class U>
        requires(std::is_void_v<U> && !std::is_void_v<T>)
    explicit fancy_ptr(const fancy_ptr<U>& o) noexcept : p_(static_cast<T*>(o.get())) {}

    template <class U = T>
        requires(!std::is_void_v<U>)
    static fancy_ptr pointer_to(U& r) noexcept {
        return fancy_ptr(std::addressof(r), 0);
    }
    static fancy_ptr from_raw(T* p) noexcept { return fancy_ptr(p, 0); }

    T* get() const noexcept { return p_; }
    T* operator->() const noexcept { return p_; }
    template <class U = T>
        requires(!std::is_void_v<U>)
    U& operator*() const noexcept {
        return *p_;
    }
    template <class U = T>
        requires(!std::is_void_v<U>)
    U& operator[](difference_type i) const noexcept {
        return p_[i];
    }
    explicit operator bool() const noexcept { return p_ != nullptr; }

    fancy_ptr& operator++() noexcept { return ++p_, *this; }
    fancy_ptr operator++(int) noexcept { return fancy_ptr(p_++, 0); }
    fancy_ptr& operator--() noexcept { return --p_, *this; }
    fancy_ptr operator--(int) noexcept { return fancy_ptr(p_--, 0); }
    fancy_ptr& operator+=(difference_type n) noexcept { return p_ += n, *this; }
    fancy_ptr& operator-=(difference_type n) noexcept { return p_ -= n, *this; }
    friend fancy_ptr operator+(fancy_ptr a, difference_type n) noexcept { return a += n; }
    friend fancy_ptr operator+(difference_type n, fancy_ptr a) noexcept { return a += n; }
    friend fancy_ptr operator-(fancy_ptr a, difference_type n) noexcept { return a -= n; }
    friend difference_type operator-(const fancy_ptr& a, const fancy_ptr& b) noexcept { return a.p_ - b.p_; }
    friend bool operator==(const fancy_ptr& a, const fancy_ptr& b) noexcept { return a.p_ == b.p_; }
    friend bool operator==(const fancy_ptr& a, std::nullptr_t) noexcept { return a.p_ == nullptr; }
    friend auto operator<=>(const fancy_ptr& a, const fancy_ptr& b) noexcept { return a.p_ <=> b.p_; }

private:
    fancy_ptr(T* p, int) noexcept : p_(p) {}
    T* p_ = nullptr;
};

// Allocations made and not yet freed through fancy allocators (all types).
inline std::ptrdiff_t& fancy_live() {
    static std::ptrdiff_t n = 0;
    return n;
}

template <class T>
struct fancy_allocator {
    using value_type = T;
    using pointer = fancy_ptr<T>;
    using const_pointer = fancy_ptr<const T>;
    using void_pointer = fancy_ptr<void>;
    using const_void_pointer = fancy_ptr<const void>;

    fancy_allocator() noexcept = default;
    template <class U>
    fancy_allocator(const fancy_allocator<U>&) noexcept {}

    pointer allocate(std::size_t n) {
        ++fancy_live();
        return pointer::from_raw(std::allocator<T>().allocate(n));
    }
    void deallocate(pointer p, std::size_t n) noexcept {
        --fancy_live();
        std::allocator<T>().deallocate(p.get(), n);
    }
    friend bool operator==(const fancy_allocator&, const fancy_allocator&) noexcept { return true; }
};

// ---- stateful allocators ----------------------------------------------------

// Live bytes per allocator id.
inline std::map<int, std::ptrdiff_t>& bytes_by_id() {
    static std::map<int, std::ptrdiff_t> m;
    return m;
}

template <class T, bool Propagate>
struct stateful_allocator {
    using value_type = T;
    using propagate_on_container_copy_assignment = std::bool_constant<Propagate>;
    using propagate_on_container_move_assignment = std::bool_constant<Propagate>;
    using propagate_on_container_swap = std::bool_constant<Propagate>;
    using is_always_equal = std::false_type;
    template <class U>
    struct rebind {
        using other = stateful_allocator<U, Propagate>;
    };

    int id = 0;

    explicit stateful_allocator(int i) noexcept : id(i) {}
    stateful_allocator(const stateful_allocator&) noexcept = default;
    template <class U>
    stateful_allocator(const stateful_allocator<U, Propagate>& o) noexcept : id(o.id) {}
    // An allocator that does not propagate need not be assignable: this one
    // is not, so a map that assigns it anyway does not compile.
    stateful_allocator& operator=(const stateful_allocator&) noexcept
        requires Propagate
    = default;

    T* allocate(std::size_t n) {
        bytes_by_id()[id] += static_cast<std::ptrdiff_t>(n * sizeof(T));
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        bytes_by_id()[id] -= static_cast<std::ptrdiff_t>(n * sizeof(T));
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    friend bool operator==(const stateful_allocator& a, const stateful_allocator<U, Propagate>& b) noexcept {
        return a.id == b.id;
    }
};

template <class T>
struct capped_allocator {
    using value_type = T;
    capped_allocator() noexcept = default;
    template <class U>
    capped_allocator(const capped_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>().deallocate(p, n); }
    std::size_t max_size() const noexcept { return 1000; }
    friend bool operator==(const capped_allocator&, const capped_allocator&) noexcept { return true; }
};

}  // namespace gomap_test
