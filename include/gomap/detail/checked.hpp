// gomap/detail/checked.hpp — checked mode's state, shared by both engines.
//
// Go's map sets the hashWriting flag for the length of a write, and a read,
// an iteration or a second write that finds it set is a "fatal error:
// concurrent map writes" (runtime/map.go). Checked mode (GOMAP_CHECKED, on in
// Debug builds) does the same, and also numbers the states between which
// iterators stay valid: an iterator remembers the number it was made in, and
// its use after an operation that invalidates iterators (see map.hpp) aborts.
// Release builds keep neither: the class is empty and costs nothing.
//
// An engine derives from checked_state privately; copying or moving an
// engine starts the copy's state afresh (no write is running in it, and its
// iterators are new).
#pragma once

#include <atomic>
#include <cstdint>

#include "config.hpp"

namespace gomap::detail {

class checked_state {
public:
    checked_state() noexcept = default;
    checked_state(const checked_state&) noexcept {}
    checked_state& operator=(const checked_state&) noexcept { return *this; }

    std::uint64_t generation() const noexcept {
#if GOMAP_CHECKED
        return generation_;
#else
        return 0;
#endif
    }
    void invalidate_iterators() noexcept {
#if GOMAP_CHECKED
        ++generation_;
#endif
    }

protected:
    // Go's `if h.flags&hashWriting != 0 { fatal(msg) }`.
    void check_not_writing([[maybe_unused]] const char* msg) const noexcept {
#if GOMAP_CHECKED
        if (GOMAP_UNLIKELY(writing_.load(std::memory_order_relaxed) != 0)) fatal(msg);
#endif
    }
    // Go's `h.flags ^= hashWriting` for the length of a write, and the check
    // at its end. Taken after hashing, as Go does, so that a hash that throws
    // leaves the map usable.
    struct write_guard {
#if GOMAP_CHECKED
        checked_state& c;
        explicit write_guard(checked_state& s) noexcept : c(s) { c.writing_.fetch_xor(1, std::memory_order_relaxed); }
        ~write_guard() {
            if (c.writing_.load(std::memory_order_relaxed) == 0) fatal("concurrent map writes");
            c.writing_.store(0, std::memory_order_relaxed);
        }
#else
        explicit write_guard(checked_state&) noexcept {}
#endif
        write_guard(const write_guard&) = delete;
        write_guard& operator=(const write_guard&) = delete;
    };

private:
#if GOMAP_CHECKED
    mutable std::atomic<std::uint8_t> writing_{0};  // Go's hashWriting flag
    std::uint64_t generation_ = 0;                  // bumped when iterators are invalidated
#endif
};

}  // namespace gomap::detail
