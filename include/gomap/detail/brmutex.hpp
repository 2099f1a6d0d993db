// gomap/detail/brmutex.hpp — a reader-writer lock whose readers write only
// their own cache line: safe_map's lock.
//
// With one lock word (detail::rwmutex), every reader writes the same line,
// so two threads that only read keep passing it between their cores:
// safe_map's read-only throughput fell from 30 Mops/s with one thread to 12.5
// with two (docs/benchmarks.md, "Thread-safe maps"). Here the reader count is
// split over slots, one cache line each; a thread always uses the same slot
// (threads are numbered in the order they first lock any brmutex), so with
// no more threads than slots no two readers share a line. Threads beyond
// that share slots, which stays correct (a slot holds a count).
//
//   reader in:  fetch_add on its slot, then read the writer word; if a writer
//               holds or waits for the lock, undo and wait for it.
//   reader out: fetch_sub on its slot (and wake a writer that sleeps on it).
//   writer in:  claim the writer word with a CAS (new readers now back off:
//               Go's RWMutex rule), then wait until every slot reads 0.
//   writer out: clear the writer word (and wake the threads that sleep on it).
//
// The reader's fetch_add and the writer's CAS are sequentially consistent,
// and so are the loads that follow them, so at least one of the two sees the
// other (Dekker's handshake): a reader never enters beside a writer.
// A write costs a CAS, an exchange and one load per slot. The slots are
// 2 per hardware thread, a power of two from 2 to 64: 256 B on 2 cores.
// Waiting is a short spin, then std::atomic::wait (a futex on Linux).
// Meets the SharedMutex requirements (std::shared_lock works); as there,
// unlock_shared must be called by the thread that locked.
// Not recursive: a thread that holds a read lock and asks for another one
// deadlocks once a writer waits (the writer waits for the first, the second
// waits for the writer), as with Go's RWMutex. An unlock may still touch the
// lock's memory just after it has let another thread in, so the lock must
// not be destroyed while an unlock may be returning (std::atomic::wait's
// rule, not POSIX's).
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

#include "rwmutex.hpp"  // wait_for_change

namespace gomap::detail {

class brmutex {
public:
    brmutex() : n_(reader_slot_count()), slots_(std::make_unique<slot[]>(n_)) {}
    brmutex(const brmutex&) = delete;
    brmutex& operator=(const brmutex&) = delete;

    void lock() {
        std::uint32_t w = 0;
        int spin = 0;
        // Claim the writer word: new readers back off from here on.
        for (;;) {
            if (w & kWriter)
                w = wait_for_change(writer_, w, kSleepers, spin);
            else if (writer_.compare_exchange_weak(w, w | kWriter, std::memory_order_seq_cst, std::memory_order_relaxed))
                break;
        }
        // Wait for the readers inside.
        for (std::size_t i = 0; i < n_; ++i) {
            std::atomic<std::uint32_t>& r = slots_[i].readers;
            spin = 0;
            for (std::uint32_t v; (v = r.load(std::memory_order_seq_cst)) != 0;) {
                if (spin++ < kSpins)
                    std::this_thread::yield();
                else
                    r.wait(v, std::memory_order_seq_cst);
            }
        }
    }
    bool try_lock() {
        std::uint32_t w = writer_.load(std::memory_order_relaxed);
        do {
            if (w & kWriter) return false;
        } while (!writer_.compare_exchange_weak(w, w | kWriter, std::memory_order_seq_cst, std::memory_order_relaxed));
        for (std::size_t i = 0; i < n_; ++i)
            if (slots_[i].readers.load(std::memory_order_seq_cst) != 0) {
                unlock();
                return false;
            }
        return true;
    }
    void unlock() {
        if (writer_.exchange(0, std::memory_order_seq_cst) & kSleepers) writer_.notify_all();
    }

    void lock_shared() {
        std::atomic<std::uint32_t>& r = my_slot().readers;
        int spin = 0;
        for (;;) {
            r.fetch_add(1, std::memory_order_seq_cst);
            std::uint32_t w = writer_.load(std::memory_order_seq_cst);
            if (!(w & kWriter)) return;
            leave(r);  // a writer holds or waits: let it in first
            while (w & kWriter) w = wait_for_change(writer_, w, kSleepers, spin);
        }
    }
    bool try_lock_shared() {
        std::atomic<std::uint32_t>& r = my_slot().readers;
        r.fetch_add(1, std::memory_order_seq_cst);
        if (!(writer_.load(std::memory_order_seq_cst) & kWriter)) return true;
        leave(r);
        return false;
    }
    void unlock_shared() { leave(my_slot().readers); }

private:
    static constexpr std::uint32_t kWriter = 1u;       // a writer holds the lock or waits for readers
    static constexpr std::uint32_t kSleepers = 2u;     // a thread sleeps on writer_: unlock wakes it
    static constexpr int kSpins = 64;

    struct alignas(64) slot {
        std::atomic<std::uint32_t> readers{0};
    };

    slot& my_slot() const noexcept { return slots_[thread_number() & (n_ - 1)]; }

    // Leave a slot; the reader that empties it wakes a writer waiting on it.
    void leave(std::atomic<std::uint32_t>& r) {
        if (r.fetch_sub(1, std::memory_order_seq_cst) == 1 && (writer_.load(std::memory_order_seq_cst) & kWriter))
            r.notify_all();
    }
    const std::size_t n_;
    std::unique_ptr<slot[]> slots_;
    alignas(64) std::atomic<std::uint32_t> writer_{0};
};

}  // namespace gomap::detail
