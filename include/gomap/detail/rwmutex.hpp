// gomap/detail/rwmutex.hpp — a reader-writer lock that lets a waiting writer
// in: Go's sync.RWMutex rule ("if a goroutine holds a RWMutex for reading and
// another goroutine might call Lock, no goroutine should expect to be able to
// acquire a read lock until the initial read lock is released").
//
// Why not std::shared_mutex: on glibc it is a pthread_rwlock that prefers
// readers, so threads that read without pause keep a writer out for as long as
// they run. Measured in tests/concurrent_map_test.cpp
// (ReadersNeverMissWhileWritersResize): two reader threads held two writers of
// safe_map for 49 s of a test that takes 0.3 s with this lock.
//
// state_: bit 31 = a writer holds the lock, or has claimed it and waits for
// the readers inside to leave; bit 30 = some thread sleeps on state_ (the
// thread that changes state_ next must wake it); bits 0..29 = readers inside.
// A reader enters with one CAS (only while bit 31 is clear: a waiting writer
// stops new readers) and leaves with one fetch_sub. A writer enters with one
// CAS when the lock is free and leaves with one exchange: two atomic
// read-modify-writes per write (a std::mutex queue and a separate writer bit
// took four). Waiting is a short spin, then std::atomic::wait (a futex on
// Linux); only a thread that has set bit 30 is waited for, so releasing an
// uncontended lock makes no system call. Meets the SharedMutex requirements,
// so std::unique_lock / std::shared_lock work with it.
// Not recursive: a thread that holds a read lock and asks for another one
// deadlocks once a writer waits (the writer waits for the first, the second
// waits for the writer), as with Go's RWMutex. An unlock may still touch the
// lock's memory just after it has let another thread in, so the lock must
// not be destroyed while an unlock may be returning (std::atomic::wait's
// rule, not POSIX's).
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace gomap::detail {

// The waiting of both locks (rwmutex here, brmutex): wait until word may
// differ from s, and return its value. A thread first yields (`spins`
// times over all its calls, counted in spin), then sleeps, having set the
// word's `sleepers` bit so that whoever changes the word next wakes it (the
// lock's unlock: notify_all when it finds the bit).
inline std::uint32_t wait_for_change(std::atomic<std::uint32_t>& word, std::uint32_t s, std::uint32_t sleepers,
                                     int& spin) {
    constexpr int spins = 64;
    if (spin < spins) {
        ++spin;
        std::this_thread::yield();
    } else if (!(s & sleepers) &&
               !word.compare_exchange_strong(s, s | sleepers, std::memory_order_seq_cst, std::memory_order_seq_cst)) {
        return s;  // changed meanwhile: look again
    } else {
        word.wait(s | sleepers, std::memory_order_seq_cst);
    }
    return word.load(std::memory_order_seq_cst);
}

class rwmutex {
public:
    rwmutex() = default;
    rwmutex(const rwmutex&) = delete;
    rwmutex& operator=(const rwmutex&) = delete;

    void lock() {
        std::uint32_t s = 0;
        if (state_.compare_exchange_strong(s, kWriter, std::memory_order_acquire, std::memory_order_relaxed)) return;
        int spin = 0;
        for (;;) {  // claim the writer bit: new readers now wait
            if (s & kWriter) {
                s = wait_for_change(state_, s, kSleepers, spin);
            } else if (state_.compare_exchange_weak(s, s | kWriter, std::memory_order_acquire,
                                                    std::memory_order_relaxed)) {
                s |= kWriter;
                break;
            }
        }
        while (s & kReaders) s = wait_for_change(state_, s, kSleepers, spin);  // the readers inside leave
    }
    bool try_lock() {
        std::uint32_t s = state_.load(std::memory_order_relaxed);
        while (!(s & (kWriter | kReaders)))
            if (state_.compare_exchange_weak(s, s | kWriter, std::memory_order_acquire, std::memory_order_relaxed))
                return true;
        return false;
    }
    void unlock() {
        // No reader is inside and none can enter while the writer bit is set:
        // state_ is kWriter, and maybe kSleepers.
        if (state_.exchange(0, std::memory_order_release) & kSleepers) state_.notify_all();
    }

    void lock_shared() {
        std::uint32_t s = state_.load(std::memory_order_relaxed);
        for (int spin = 0;;) {
            if (s & kWriter)
                s = wait_for_change(state_, s, kSleepers, spin);
            else if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed))
                return;
        }
    }
    bool try_lock_shared() {
        std::uint32_t s = state_.load(std::memory_order_relaxed);
        while (!(s & kWriter))
            if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed))
                return true;
        return false;
    }
    void unlock_shared() {
        const std::uint32_t before = state_.fetch_sub(1, std::memory_order_release);
        // The last reader out wakes the sleepers (a writer waiting for it, and
        // readers waiting behind that writer, who will sleep again).
        if ((before & (kReaders | kSleepers)) == (1 | kSleepers)) wake_all();
    }

private:
    static constexpr std::uint32_t kWriter = 1u << 31;
    static constexpr std::uint32_t kSleepers = 1u << 30;
    static constexpr std::uint32_t kReaders = kSleepers - 1;

    void wake_all() {
        state_.fetch_and(~kSleepers, std::memory_order_seq_cst);  // seq_cst: pairs with notify_all's waiter check on weak-memory CPUs
        state_.notify_all();
    }

    std::atomic<std::uint32_t> state_{0};
};

}  // namespace gomap::detail
