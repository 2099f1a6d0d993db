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
//
// Reader bias (concurrent_map's shards). Every reader above writes state_, so
// two threads reading the same shard pass its line back and forth. A lock
// attached to a reader_rows table (bias_with) can also admit readers the way
// brmutex does, each thread writing only its own row's flag for this lock,
// while the lock is "biased". The lock turns biased when a reader finds that
// the last kBiasAfter readers came in with no write between them (a streak
// counted beside state_, on its line), and a writer turns the bias off
// again: it clears the bit as it claims the lock, then waits until no row's
// flag for this lock is set. So a shard that is only read stops being written by its readers, and
// a shard that is also written pays the row scan at most once per streak of
// reads: a write-heavy shard never turns biased.
//   biased reader in:  CAS its row's flag 0 -> 1, then read state_: still
//                      biased, it is in; otherwise clear the flag and come in
//                      the counted way. (A flag held by another thread of the
//                      same row: the counted way too.)
//   biased reader out: store 0 to the flag.
// The flag's RMW and the writer's claim are sequentially consistent, and so
// are the loads that follow them (Dekker's handshake, as in brmutex): a
// writer that turns the bias off sees every biased reader that is inside.
// A writer waits for flags by yielding, then sleeping 50 us at a time:
// biased readers do not wake it.
//
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
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

#include "config.hpp"

namespace gomap::detail {

// Threads are numbered in the order they first take a reader slot or row
// (brmutex, reader_rows); a thread keeps its number.
inline std::size_t thread_number() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed);
    return mine;
}
// How many reader slots (brmutex) or rows (reader_rows): 2 per hardware
// thread, a power of two from 2 to 64. A thread uses number % count, so with
// no more threads than that no two threads share one.
inline std::size_t reader_slot_count() noexcept {
    const std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
    return std::bit_ceil(std::clamp<std::size_t>(2 * hw, 2, 64));
}

// Biased readers' flags for a set of locks (concurrent_map: one per shard):
// a row per reader slot, one byte per lock, each row on cache lines of its
// own. Memory: reader_slot_count() x the locks rounded up to 64 bytes.
class reader_rows {
public:
    explicit reader_rows(std::size_t locks)
        : rows_(reader_slot_count()), stride_((locks + kLine - 1) / kLine), lines_(std::make_unique<line[]>(rows_ * stride_)) {}
    reader_rows(const reader_rows&) = delete;
    reader_rows& operator=(const reader_rows&) = delete;

    std::size_t rows() const noexcept { return rows_; }
    std::atomic<std::uint8_t>& flag(std::size_t row, std::size_t lock) const noexcept {
        return lines_[row * stride_ + lock / kLine].f[lock % kLine];
    }
    std::atomic<std::uint8_t>& mine(std::size_t lock) const noexcept {
        return flag(thread_number() & (rows_ - 1), lock);
    }

private:
    static constexpr std::size_t kLine = 64;
    struct alignas(64) line {
        std::atomic<std::uint8_t> f[kLine];
    };
    std::size_t rows_, stride_;
    std::unique_ptr<line[]> lines_;
};

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

    // Reads in a row, with no write between them, that turn the bias on.
    static constexpr std::uint32_t kBiasAfter = 64;

    // Let this lock turn biased, its readers' flags being column `lock` of
    // rows (which must outlive it). Before any thread uses the lock.
    void bias_with(const reader_rows* rows, std::size_t lock) noexcept {
        rows_ = rows;
        column_ = static_cast<std::uint32_t>(lock);
    }
    bool biased() const noexcept { return state_.load(std::memory_order_relaxed) & kBiased; }

    void lock() {
        std::uint32_t s = 0;
        if (!state_.compare_exchange_strong(s, kWriter, std::memory_order_seq_cst, std::memory_order_relaxed))
            lock_slow(s);
        streak_.store(0, std::memory_order_relaxed);  // a write ends the streak of reads
    }
    bool try_lock() {
        std::uint32_t s = state_.load(std::memory_order_relaxed);
        while (!(s & (kWriter | kReaders | kBiased)))
            if (state_.compare_exchange_weak(s, s | kWriter, std::memory_order_seq_cst, std::memory_order_relaxed)) {
                streak_.store(0, std::memory_order_relaxed);
                return true;
            }
        return false;
    }
    void unlock() {
        // No reader is inside and none can enter while the writer bit is set:
        // state_ is kWriter, and maybe kSleepers.
        if (state_.exchange(0, std::memory_order_release) & kSleepers) state_.notify_all();
    }

    // The counted way in (every reader when no rows are attached).
    void lock_shared() {
        std::uint32_t s = state_.load(std::memory_order_relaxed);
        for (int spin = 0;;) {
            if (s & kWriter)
                s = wait_for_change(state_, s, kSleepers, spin);
            else if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed))
                return note_read();
        }
    }
    bool try_lock_shared() {
        std::uint32_t s = state_.load(std::memory_order_relaxed);
        while (!(s & kWriter))
            if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed)) {
                note_read();
                return true;
            }
        return false;
    }

    // A reader that may come in biased: returns the flag it holds (give it
    // back to unlock_shared), or nullptr when it came in counted.
    GOMAP_ALWAYS_INLINE std::atomic<std::uint8_t>* lock_shared_biased() {
        if (state_.load(std::memory_order_relaxed) & kBiased) {
            std::atomic<std::uint8_t>& f = rows_->mine(column_);
            std::uint8_t free = 0;
            if (f.compare_exchange_strong(free, 1, std::memory_order_seq_cst, std::memory_order_relaxed)) {
                if (state_.load(std::memory_order_seq_cst) & kBiased) return &f;
                f.store(0, std::memory_order_release);  // a writer turned the bias off: let it in
            }
        }
        lock_shared();
        return nullptr;
    }
    GOMAP_ALWAYS_INLINE void unlock_shared(std::atomic<std::uint8_t>* biased) {
        if (biased)
            biased->store(0, std::memory_order_release);
        else
            unlock_shared();
    }
    void unlock_shared() {
        const std::uint32_t before = state_.fetch_sub(1, std::memory_order_release);
        // The last reader out wakes the sleepers (a writer waiting for it, and
        // readers waiting behind that writer, who will sleep again).
        if ((before & (kReaders | kSleepers)) == (1 | kSleepers)) wake_all();
    }

private:
    // state_: writer | sleepers | biased | readers (29 bits).
    static constexpr std::uint32_t kWriter = 1u << 31;
    static constexpr std::uint32_t kSleepers = 1u << 30;
    static constexpr std::uint32_t kBiased = 1u << 29;
    static constexpr std::uint32_t kReaders = kBiased - 1;
    static_assert(kBiasAfter < 256);

    // A writer that found the lock taken, or biased: claim the writer bit
    // (new readers now wait) and end the bias, then wait for the readers
    // inside, biased and counted.
    GOMAP_NOINLINE void lock_slow(std::uint32_t s) {
        int spin = 0;
        for (;;) {
            if (s & kWriter) {
                s = wait_for_change(state_, s, kSleepers, spin);
            } else if (state_.compare_exchange_weak(s, (s | kWriter) & ~kBiased, std::memory_order_seq_cst,
                                                    std::memory_order_relaxed)) {
                if (s & kBiased) wait_for_biased_readers();
                s = (s | kWriter) & ~kBiased;
                break;
            }
        }
        while (s & kReaders) s = wait_for_change(state_, s, kSleepers, spin);
    }
    // A counted reader is in: one more read in the streak. The read that
    // completes a streak turns the bias on (not while a writer waits: it
    // would let biased readers in past it). streak_ is a hint, written with
    // plain loads and stores by whoever holds the lock: a lost update only
    // moves the moment the bias turns on.
    void note_read() noexcept {
        if (rows_ == nullptr) return;
        const std::uint32_t n = streak_.load(std::memory_order_relaxed) + 1u;
        if (n < kBiasAfter) {
            streak_.store(static_cast<std::uint8_t>(n), std::memory_order_relaxed);
            return;
        }
        streak_.store(0, std::memory_order_relaxed);
        std::uint32_t s = state_.load(std::memory_order_relaxed);
        while (!(s & (kWriter | kBiased)) &&
               !state_.compare_exchange_weak(s, s | kBiased, std::memory_order_seq_cst, std::memory_order_relaxed)) {
        }
    }
    // The writer has turned the bias off: wait until every row's flag for
    // this lock is clear.
    GOMAP_NOINLINE void wait_for_biased_readers() const {
        for (std::size_t r = 0; r < rows_->rows(); ++r) {
            const std::atomic<std::uint8_t>& f = rows_->flag(r, column_);
            for (int spin = 0; f.load(std::memory_order_seq_cst) != 0; ++spin) {
                if (spin < 64)
                    std::this_thread::yield();
                else
                    std::this_thread::sleep_for(std::chrono::microseconds(50));
            }
        }
    }

    void wake_all() {
        state_.fetch_and(~kSleepers, std::memory_order_seq_cst);  // seq_cst: pairs with notify_all's waiter check on weak-memory CPUs
        state_.notify_all();
    }

    std::atomic<std::uint32_t> state_{0};
    std::atomic<std::uint8_t> streak_{0};  // counted reads since the last write
    std::uint32_t column_ = 0;
    const reader_rows* rows_ = nullptr;
};

}  // namespace gomap::detail
