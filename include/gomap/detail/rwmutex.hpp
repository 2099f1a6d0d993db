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
// the last bias_after() readers came in with no write between them (a streak
// counted beside state_, on its line), and a writer turns the bias off
// again: it clears the bit as it claims the lock, then waits until no row's
// flag for this lock is set. So a shard that is only read stops being written
// by its readers, and a shard that is also written pays the row scan at most
// once per streak of reads: a write-heavy shard never turns biased.
//   biased reader in:  store 1 to its row's flag (a thread owns its row:
//                      reader_row), then read state_: still
//                      biased, it is in; otherwise clear the flag and come in
//                      the counted way. (A thread that owns no row, beyond
//                      reader_slot_count() threads: the counted way too.)
//   biased reader out: store 0 to the flag.
//   writer that ends a bias: CAS state_ (claim, bias off), heavy fence, then
//                      wait until the lock's flag in every row reads 0.
// The fences are asymmetric (heavy_fences: Linux membarrier): the reader's is
// only a compiler barrier, and the writer's makes every core running the
// process pass a full barrier, so the writer sees every biased reader that
// is inside, or the reader sees the bias gone (Dekker's handshake, with the
// reader's half of the cost moved to the writer). Without membarrier the
// reader's fence is a full one. A writer waits for flags by yielding, then
// sleeping 50 us at a time: biased readers do not wake it.
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

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#endif

namespace gomap::detail {

// Threads are numbered in the order they first take a brmutex reader slot;
// a thread keeps its number.
inline std::size_t thread_number() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed);
    return mine;
}
// How many reader slots (brmutex) or rows (reader_rows): 2 per hardware
// thread, a power of two from 2 to 64, fixed at the first call for the
// process's life (the CPU count can change under it: hotplug, or musl's
// affinity-based count, and a row handed out must exist in every table).
// brmutex slot = thread number % count; reader rows are owned (reader_row).
inline std::size_t reader_slot_count() noexcept {
    static const std::size_t n = [] {
        const std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
        return std::bit_ceil(std::clamp<std::size_t>(2 * hw, 2, 64));
    }();
    return n;
}

// Asymmetric fences (Linux membarrier): a biased reader, on the hot path,
// only stops the compiler from reordering its flag store and its load of the
// lock word; the writer that turns a bias off pays for both sides
// (heavy_fence): membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) makes every
// core running a thread of this process execute a full memory barrier before
// it returns. So either the reader's load comes after that barrier and sees
// the writer's claim, or the reader's store was visible before it and the
// writer's scan of the flags sees it. Where membarrier is missing (not Linux,
// a kernel before 4.14, a seccomp filter that refuses it, or
// GOMAP_NO_MEMBARRIER=1), the reader sets its flag with a sequentially
// consistent exchange instead (one locked instruction) and the heavy fence
// does nothing.
inline bool heavy_fences() noexcept {
#if defined(__linux__) && !GOMAP_NO_MEMBARRIER && defined(__NR_membarrier)
    static const bool ok = [] {
        const long cmds = ::syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
        return cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
               ::syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
    }();
    return ok;
#else
    return false;
#endif
}
// Called with the table's own answer (reader_rows::heavy), and on Linux it
// honours it whatever GOMAP_NO_MEMBARRIER says, so a program whose
// translation units disagree on the macro still fences where its readers
// rely on it. The process is registered (heavy_fences() said so), so the
// call fails only on a transient shortage (ENOMEM, EAGAIN, EINTR: tried
// again) or if a seccomp filter installed since forbids it: then going on
// would let a writer in beside a biased reader, and the process stops.
inline void heavy_fence(bool heavy) noexcept {
#if defined(__linux__) && defined(__NR_membarrier)
    if (!heavy) return;
    for (int tries = 0; ::syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0; ++tries) {
        const int e = errno;
        if ((e != ENOMEM && e != EAGAIN && e != EINTR) || tries == 1000)
            fatal("gomap: membarrier failed after it was registered (a seccomp filter installed since?)");
        std::this_thread::yield();
    }
#else
    (void)heavy;
#endif
}

// Reader rows: a thread owns at most one, for its whole life, and no two
// threads own the same (a biased reader's flag is then written by one thread
// only, with plain stores). A thread takes the lowest free row the first time
// it asks and gives it back when it ends; threads beyond
// reader_slot_count() get none and read the counted way.
class reader_row_owners {
public:
    static constexpr std::size_t none = ~std::size_t{0};
    static reader_row_owners& get() noexcept {
        static reader_row_owners owners;
        return owners;
    }
    std::size_t take() noexcept {
        const std::size_t n = reader_slot_count();
        for (std::size_t r = 0; r < n; ++r) {
            bool free = false;
            if (!taken_[r].load(std::memory_order_relaxed) &&
                taken_[r].compare_exchange_strong(free, true, std::memory_order_acq_rel))
                return r;
        }
        return none;
    }
    void give_back(std::size_t r) noexcept { taken_[r].store(false, std::memory_order_release); }

private:
    std::atomic<bool> taken_[64] = {};
};
// This thread's row (reader_row_owners::none: it has none). The row lives
// in a trivially destructible thread_local, readable by any destructor; a
// guard built with the claim gives the row back at thread exit and leaves
// none behind, so a thread-local or static destructor that runs after it
// and reads a map reads the counted way, never through a row another thread
// may own by then.
inline constexpr std::size_t reader_row_unclaimed = reader_row_owners::none - 1;
inline std::size_t& reader_row_slot() noexcept {
    thread_local std::size_t row = reader_row_unclaimed;  // trivially destructible: readable at any exit
    return row;
}
GOMAP_NOINLINE inline void claim_reader_row(std::size_t& row) noexcept {
    row = reader_row_owners::get().take();
    if (row == reader_row_owners::none) return;
    struct give_back_at_exit {
        ~give_back_at_exit() {
            std::size_t& r = reader_row_slot();
            reader_row_owners::get().give_back(r);
            r = reader_row_owners::none;
        }
    };
    thread_local give_back_at_exit guard;
    (void)guard;
}
GOMAP_ALWAYS_INLINE std::size_t reader_row() noexcept {
    std::size_t& row = reader_row_slot();
    if (GOMAP_UNLIKELY(row == reader_row_unclaimed)) claim_reader_row(row);
    return row;
}

// Biased readers' flags for a set of locks (concurrent_map: one per shard):
// a row per reader slot, one byte per lock, each row on cache lines of its
// own. Memory: reader_slot_count() x the locks rounded up to 64 bytes.
class reader_rows {
public:
    explicit reader_rows(std::size_t locks)
        : rows_(reader_slot_count()), stride_((locks + kLine - 1) / kLine), lines_(std::make_unique<line[]>(rows_ * stride_)),
          heavy_(heavy_fences()) {}
    reader_rows(const reader_rows&) = delete;
    reader_rows& operator=(const reader_rows&) = delete;

    std::size_t rows() const noexcept { return rows_; }
    std::atomic<std::uint8_t>& flag(std::size_t row, std::size_t lock) const noexcept {
        return lines_[row * stride_ + lock / kLine].f[lock % kLine];
    }
    // Whether the writers of these locks fence for their biased readers.
    bool heavy() const noexcept { return heavy_; }

private:
    static constexpr std::size_t kLine = 64;
    struct alignas(64) line {
        std::atomic<std::uint8_t> f[kLine];
    };
    std::size_t rows_, stride_;
    std::unique_ptr<line[]> lines_;
    bool heavy_;
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

    // Reads in a row, with no write between them, that turn the bias on: 64,
    // doubled each time a writer has had to turn it off, up to 64 << 6 =
    // 4096. A writer that ends a bias pays a heavy fence (an interrupt to
    // every core running the process) and a scan of the rows; a lock that
    // keeps being read 64 times and then written would pay that on every
    // write, so each revocation asks for a longer streak next time, and a
    // shard that alternates settles on the counted way (a shard read
    // 4096 times in a row still turns biased).
    static constexpr std::uint32_t kBiasAfter = 64;
    static constexpr std::uint32_t kBackoffMax = 6;
    // Reads in a row that now turn the bias on.
    std::uint32_t bias_after() const noexcept { return kBiasAfter << backoff_.load(std::memory_order_relaxed); }
    // Back to a streak of kBiasAfter (tests: a lock that keeps turning biased
    // and back). By the writer that holds the lock, or before any use.
    void reset_backoff() noexcept { backoff_.store(0, std::memory_order_relaxed); }

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
            const std::size_t row = reader_row();
            if (row != reader_row_owners::none) {
                std::atomic<std::uint8_t>& f = rows_->flag(row, column_);
                // A flag already set means this thread is inside this lock
                // (a read nested in a read, or a signal handler's): the inner
                // read goes the counted way, so that its unlock cannot clear
                // the outer read's flag.
                if (f.load(std::memory_order_relaxed) == 0) {
                    if (rows_->heavy()) {
                        f.store(1, std::memory_order_relaxed);
                        std::atomic_signal_fence(std::memory_order_seq_cst);  // the writer's membarrier does the rest
                    } else {
                        f.exchange(1, std::memory_order_seq_cst);
                    }
                    // What the last writer wrote happens before this read: its
                    // unlock heads a release sequence that the readers' RMWs, the
                    // one that set the bias included, continue.
                    if (state_.load(std::memory_order_seq_cst) & kBiased) return &f;
                    f.store(0, std::memory_order_release);  // a writer turned the bias off: let it in
                }
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
    static_assert((kBiasAfter << kBackoffMax) < 65536);

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
                if (s & kBiased) {
                    heavy_fence(rows_->heavy());
                    wait_for_biased_readers();
                    const std::uint8_t b = backoff_.load(std::memory_order_relaxed);
                    if (b < kBackoffMax) backoff_.store(static_cast<std::uint8_t>(b + 1), std::memory_order_relaxed);
                }
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
        if (n < bias_after()) {
            streak_.store(static_cast<std::uint16_t>(n), std::memory_order_relaxed);
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
    std::atomic<std::uint16_t> streak_{0};  // counted reads since the last write
    std::atomic<std::uint8_t> backoff_{0};   // revocations so far, up to kBackoffMax
    std::uint32_t column_ = 0;
    const reader_rows* rows_ = nullptr;
};

}  // namespace gomap::detail
