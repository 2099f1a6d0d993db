// gomap/stats.hpp — what a map holds, and an allocator that counts it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>

namespace gomap {

// Direction of the resize in progress. go_map grows as Go's map does (to
// double, or at the same size); gomap::map also shrinks.
enum class resize_direction : std::uint8_t { none, grow, same_size, shrink };

// A snapshot of a map's shape, for tests, the lab and monitoring.
// Every figure is exact and deterministic for a given sequence of operations
// (the seed only changes which bucket a key lands in, hence overflow counts).
// The fields are named after Go's hmap (go_map's engine). gomap::map's flat
// engine fills them in its own units: a "bucket" is a group of 15 slots, B is
// log2 of the groups, nevacuate is the migration cursor of the oldest old
// array; it leaves the overflow fields 0, and go_map leaves the shrink fields
// 0.
struct map_stats {
    std::size_t count = 0;                  // live entries (Go's hmap.count)
    std::uint8_t B = 0;                     // log2 of the main bucket array's length
    std::size_t buckets = 0;                // 2^B, or 0 while no array is allocated (B = 0, lazy)
    std::size_t preallocated_overflow = 0;  // overflow buckets allocated with the array (Go's nextOverflow region)
    std::size_t overflow_buckets = 0;       // overflow buckets linked into chains now (current + old array)
    std::uint16_t noverflow = 0;            // Go's hmap.noverflow: the approximate counter the grow rule reads
    std::size_t bucket_size = 0;            // bytes of one bucket (Go's t.bucketsize)
    std::size_t bytes = 0;                  // bytes held from the allocator now: arrays, overflow buckets,
                                            // indirect entries; the old array included while resizing
    bool resizing = false;                  // an incremental resize is in progress
    resize_direction direction = resize_direction::none;
    std::uint8_t old_B = 0;                 // B of the old array while resizing
    std::size_t nevacuate = 0;              // Go's hmap.nevacuate: old buckets below it are evacuated
    std::uint64_t hash0 = 0;                // the map's current seed
    std::size_t resizes = 0;                // resizes started since construction, shrinks and rebuilds
                                            // (reserve, rehash, shrink_to_fit) included
    std::size_t shrinks = 0;                // of which shrinks (gomap::map)
    bool auto_shrink = false;               // gomap::map gives memory back (set_auto_shrink; default on)
    std::uint8_t min_B = 0;                 // gomap::map: B of the size hint / reserve, where shrinking stops
};

// Totals shared by every copy of a counting_allocator that points at it.
struct allocation_counter {
    std::size_t bytes = 0;        // bytes allocated and not yet freed
    std::size_t peak = 0;         // highest value `bytes` has reached
    std::size_t allocations = 0;  // calls to allocate
    std::size_t deallocations = 0;
};

// A std::allocator wrapper that adds every allocation to an allocation_counter.
// Not thread-safe by itself: give each thread's map its own counter, or guard it.
// Default-constructed allocators count into a process-wide counter
// (counting_allocator<>::global()).
template <class T>
class counting_allocator {
public:
    using value_type = T;
    using propagate_on_container_copy_assignment = std::true_type;
    using propagate_on_container_move_assignment = std::true_type;
    using propagate_on_container_swap = std::true_type;
    using gomap_pages_from_new = std::true_type;  // it allocates with std::allocator (detail/alloc.hpp)

    counting_allocator() noexcept : counter_(&global()) {}
    explicit counting_allocator(allocation_counter* c) noexcept : counter_(c) {}
    template <class U>
    counting_allocator(const counting_allocator<U>& o) noexcept : counter_(o.counter()) {}

    T* allocate(std::size_t n) {
        T* p = std::allocator<T>{}.allocate(n);
        counter_->bytes += n * sizeof(T);
        if (counter_->bytes > counter_->peak) counter_->peak = counter_->bytes;
        ++counter_->allocations;
        return p;
    }
    void deallocate(T* p, std::size_t n) noexcept {
        counter_->bytes -= n * sizeof(T);
        ++counter_->deallocations;
        std::allocator<T>{}.deallocate(p, n);
    }

    allocation_counter* counter() const noexcept { return counter_; }
    static allocation_counter& global() noexcept {
        static allocation_counter c;
        return c;
    }

    template <class U>
    bool operator==(const counting_allocator<U>& o) const noexcept {
        return counter_ == o.counter();
    }

private:
    allocation_counter* counter_;
};

}  // namespace gomap
