// gomap/safe_map.hpp — gomap::safe_map: go-zero's SafeMap in C++, without its
// stall.
//
// go-zero (core/collection/safemap.go) works around golang/go#20135 — a Go map
// never gives memory back after delete — with two Go maps behind a
// sync.RWMutex:
//
//   Set  writes into dirtyOld while deletionOld <= maxDeletion (10,000), then
//        into dirtyNew; a key present in the other map is deleted there first
//        (and that map's deletion counter goes up).
//   Del  deletes from dirtyOld, else from dirtyNew, counting the deletion.
//        Then: if deletionOld >= maxDeletion and len(dirtyOld) < copyThreshold
//        (1,000), copy dirtyOld into dirtyNew, make that the new dirtyOld and
//        start a fresh dirtyNew; mirror rule: if deletionNew >= maxDeletion and
//        len(dirtyNew) < copyThreshold, copy dirtyNew into dirtyOld and start a
//        fresh dirtyNew. Dropping the old map is what frees its memory.
//   Get  looks in dirtyOld, then dirtyNew, under the read lock.
//   Range holds the read lock over dirtyOld, then dirtyNew; f returns false to
//        stop.
//
// The copy runs under the write lock and iterates the old map — O(its buckets),
// not O(its entries): after deleting a 1M-entry map down to 999 entries, one
// Del walks a 2^18-bucket array and frees it, and every other thread waits
// (10-12 ms for the algorithm in C++ at 1M entries: docs/benchmarks.md,
// "Deleting 1000000 entries one by one"; bench/concurrent/concurrent_bench.cpp).
//
// gomap::safe_map offers both algorithms behind one interface:
//
//   safe_map<K, V>                            one gomap::map under a
//       (Policy = safe_shrink)                reader-writer lock. The map gives
//                                             memory back by itself, a bounded
//                                             amount of work per del, so there is
//                                             nothing to copy and no stall.
//   safe_map<K, V, ..., safe_gozero>          go-zero's algorithm, rule for rule,
//                                             on two gomap::go_map (Go's map,
//                                             which never shrinks): for the lab
//                                             and the benchmarks, side by side.
//
// THREADS: every member may be called from any thread at any time. set/del/
// clear take the lock exclusively; get/contains/size/range/bytes share it. The
// lock is detail::brmutex: readers count themselves in per-thread slots, so
// threads that only read write no shared cache line, and it keeps Go's
// RWMutex rule: a waiting writer stops new readers, so readers that never
// pause cannot starve writers (glibc's std::shared_mutex would let them; see
// detail/rwmutex.hpp).
// EXCEPTIONS: the lock is held through RAII, so an exception from Hash,
// KeyEqual, a constructor or the allocator releases it; the map underneath
// keeps gomap's strong guarantee (map.hpp), so the safe_map is unchanged by a
// set that throws. In the go-zero policy, set does two map operations when the
// key sits in the other map: the insert runs first (if it throws, nothing has
// changed), then the erase through the iterator found before it, which
// removes the key before anything else can throw.
// RANGE: fn(const K&, const V&) -> bool runs under the read lock. It must not
// call any member of the same safe_map: set/del/clear deadlock at once (the
// lock is not recursive, as in go-zero), and get/contains/size deadlock as
// soon as a writer is waiting (a waiting writer stops new readers, and the
// writer waits for fn's read lock: Go's RWMutex has the same rule).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <type_traits>
#include <utility>

#include "detail/brmutex.hpp"
#include "hash.hpp"
#include "map.hpp"
#include "stats.hpp"

namespace gomap {

// safe_map policies.
struct safe_shrink {};  // one gomap::map: memory comes back incrementally
struct safe_gozero {    // go-zero's SafeMap: two never-shrinking maps and a copy
    static constexpr std::size_t copyThreshold = 1000;
    static constexpr std::size_t maxDeletion = 10000;
};

// go-zero's internal state, for tests and the lab (safe_gozero only).
struct gozero_state {
    std::size_t dirty_old = 0;     // len(dirtyOld)
    std::size_t dirty_new = 0;     // len(dirtyNew)
    std::size_t deletion_old = 0;  // deletionOld
    std::size_t deletion_new = 0;  // deletionNew
    std::size_t swaps = 0;         // times a Del copied a map into the other and dropped it
};

namespace detail {

// The state behind the lock, one specialisation per policy.
template <class K, class V, class Hash, class KeyEqual, class Allocator, class Policy>
class safe_core;

template <class K, class V, class Hash, class KeyEqual, class Allocator>
class safe_core<K, V, Hash, KeyEqual, Allocator, safe_shrink> {
public:
    using map_type = gomap::map<K, V, Hash, KeyEqual, Allocator>;

    safe_core(const Hash& h, const KeyEqual& eq, const Allocator& a) : m_(0, h, eq, a) {}

    template <class KK, class VV>
    void set(KK&& k, VV&& v) {
        m_.insert_or_assign(std::forward<KK>(k), std::forward<VV>(v));
    }
    template <class Q>
    const V* find(const Q& k) const {
        auto it = m_.find(k);
        return it == m_.end() ? nullptr : &it->second;
    }
    template <class Q>
    bool del(const Q& k) {
        return m_.erase(k) != 0;
    }
    std::size_t size() const noexcept { return m_.size(); }
    void clear() { m_.clear(); }
    template <class Fn>
    bool range(Fn& fn) const {
        bool go_on = true;
        m_.range([&](const K& k, const V& v) { return go_on = static_cast<bool>(fn(k, v)); });
        return go_on;
    }
    std::size_t bytes() const noexcept { return m_.stats().bytes; }
    map_stats stats() const noexcept { return m_.stats(); }
    void shrink_to_fit() { m_.shrink_to_fit(); }

private:
    map_type m_;
};

template <class K, class V, class Hash, class KeyEqual, class Allocator>
class safe_core<K, V, Hash, KeyEqual, Allocator, safe_gozero> {
public:
    using map_type = gomap::go_map<K, V, Hash, KeyEqual, Allocator>;
    static constexpr std::size_t copyThreshold = safe_gozero::copyThreshold;
    static constexpr std::size_t maxDeletion = safe_gozero::maxDeletion;

    safe_core(const Hash& h, const KeyEqual& eq, const Allocator& a)
        : h_(h), eq_(eq), a_(a), dirtyOld_(0, h, eq, a), dirtyNew_(0, h, eq, a) {}

    // Set: into dirtyOld until it has seen more than maxDeletion deletions,
    // then into dirtyNew; the key leaves the other map.
    template <class KK, class VV>
    void set(KK&& k, VV&& v) {
        if (deletionOld_ <= maxDeletion) {
            auto it = dirtyNew_.find(k);  // inserting into dirtyOld leaves it valid
            dirtyOld_.insert_or_assign(std::forward<KK>(k), std::forward<VV>(v));
            if (it != dirtyNew_.end()) {
                dirtyNew_.erase(it);
                ++deletionNew_;
            }
        } else {
            auto it = dirtyOld_.find(k);
            dirtyNew_.insert_or_assign(std::forward<KK>(k), std::forward<VV>(v));
            if (it != dirtyOld_.end()) {
                dirtyOld_.erase(it);
                ++deletionOld_;
            }
        }
    }
    template <class Q>
    const V* find(const Q& k) const {
        if (auto it = dirtyOld_.find(k); it != dirtyOld_.end()) return &it->second;
        if (auto it = dirtyNew_.find(k); it != dirtyNew_.end()) return &it->second;
        return nullptr;
    }
    template <class Q>
    bool del(const Q& k) {
        bool removed = false;
        if (dirtyOld_.erase(k) != 0) {
            ++deletionOld_;
            removed = true;
        } else if (dirtyNew_.erase(k) != 0) {
            ++deletionNew_;
            removed = true;
        }
        if (deletionOld_ >= maxDeletion && dirtyOld_.size() < copyThreshold) {
            // for k, v := range dirtyOld { dirtyNew[k] = v }: O(dirtyOld's buckets).
            dirtyOld_.range([&](const K& key, V& val) { dirtyNew_.insert_or_assign(key, val); });
            std::swap(dirtyOld_, dirtyNew_);
            deletionOld_ = deletionNew_;
            dirtyNew_ = map_type(0, h_, eq_, a_);  // the old dirtyOld is dropped (freed) here
            deletionNew_ = 0;
            ++swaps_;
        }
        if (deletionNew_ >= maxDeletion && dirtyNew_.size() < copyThreshold) {
            dirtyNew_.range([&](const K& key, V& val) { dirtyOld_.insert_or_assign(key, val); });
            dirtyNew_ = map_type(0, h_, eq_, a_);
            deletionNew_ = 0;
            ++swaps_;
        }
        return removed;
    }
    std::size_t size() const noexcept { return dirtyOld_.size() + dirtyNew_.size(); }
    void clear() {
        dirtyOld_ = map_type(0, h_, eq_, a_);
        dirtyNew_ = map_type(0, h_, eq_, a_);
        deletionOld_ = deletionNew_ = 0;
    }
    template <class Fn>
    bool range(Fn& fn) const {
        bool go_on = true;
        dirtyOld_.range([&](const K& k, const V& v) { return go_on = static_cast<bool>(fn(k, v)); });
        if (!go_on) return false;
        dirtyNew_.range([&](const K& k, const V& v) { return go_on = static_cast<bool>(fn(k, v)); });
        return go_on;
    }
    std::size_t bytes() const noexcept { return dirtyOld_.stats().bytes + dirtyNew_.stats().bytes; }
    gozero_state state() const noexcept {
        return {dirtyOld_.size(), dirtyNew_.size(), deletionOld_, deletionNew_, swaps_};
    }
    void shrink_to_fit() {
        dirtyOld_.shrink_to_fit();
        dirtyNew_.shrink_to_fit();
    }

private:
    Hash h_;
    KeyEqual eq_;
    Allocator a_;
    map_type dirtyOld_;
    map_type dirtyNew_;
    std::size_t deletionOld_ = 0;
    std::size_t deletionNew_ = 0;
    std::size_t swaps_ = 0;
};

}  // namespace detail

template <class K, class V, class Hash = gomap::hash<K>, class KeyEqual = std::equal_to<K>,
          class Allocator = std::allocator<std::pair<const K, V>>, class Policy = safe_shrink>
class safe_map {
    using core = detail::safe_core<K, V, Hash, KeyEqual, Allocator, Policy>;

public:
    using key_type = K;
    using mapped_type = V;
    using hasher = Hash;
    using key_equal = KeyEqual;
    using allocator_type = Allocator;
    using policy_type = Policy;

    safe_map() : safe_map(Allocator()) {}
    explicit safe_map(const Allocator& a, const Hash& h = Hash(), const KeyEqual& eq = KeyEqual())
        : c_(h, eq, a) {}
    safe_map(const safe_map&) = delete;
    safe_map& operator=(const safe_map&) = delete;

    // Set(key, value): inserts or overwrites.
    template <class VV = V>
    void set(const K& k, VV&& v) {
        std::unique_lock lock(mu_);
        c_.set(k, std::forward<VV>(v));
    }
    template <class VV = V>
    void set(K&& k, VV&& v) {
        std::unique_lock lock(mu_);
        c_.set(std::move(k), std::forward<VV>(v));
    }

    // Get(key): a copy of the value, or nothing.
    std::optional<V> get(const K& k) const {
        std::shared_lock lock(mu_);
        if (const V* v = c_.find(k)) return *v;
        return std::nullopt;
    }
    bool contains(const K& k) const {
        std::shared_lock lock(mu_);
        return c_.find(k) != nullptr;
    }

    // Del(key). Returns whether the key was there (go-zero's Del returns nothing).
    bool del(const K& k) {
        std::unique_lock lock(mu_);
        return c_.del(k);
    }

    // Size(): len(dirtyOld) + len(dirtyNew) in go-zero's policy.
    std::size_t size() const {
        std::shared_lock lock(mu_);
        return c_.size();
    }
    bool empty() const { return size() == 0; }

    void clear() {
        std::unique_lock lock(mu_);
        c_.clear();
    }

    // Range(f): f(const K&, const V&) -> bool (false stops); or returning void.
    // Runs under the read lock: a consistent snapshot, writers wait. Returns
    // false when f stopped the loop.
    template <class Fn>
    bool range(Fn&& fn) const {
        std::shared_lock lock(mu_);
        auto f = [&](const K& k, const V& v) -> bool {
            if constexpr (std::is_void_v<std::invoke_result_t<Fn&, const K&, const V&>>) {
                fn(k, v);
                return true;
            } else {
                return static_cast<bool>(fn(k, v));
            }
        };
        return c_.range(f);
    }

    // Bytes held by the map(s) from the allocator now.
    std::size_t bytes() const {
        std::shared_lock lock(mu_);
        return c_.bytes();
    }
    // Finish any shrink in progress and fit the array(s) to the entries: O(n)
    // under the write lock — an explicit request, never done implicitly.
    void shrink_to_fit() {
        std::unique_lock lock(mu_);
        c_.shrink_to_fit();
    }
    // The map's shape (safe_shrink).
    map_stats stats() const
        requires std::is_same_v<Policy, safe_shrink>
    {
        std::shared_lock lock(mu_);
        return c_.stats();
    }
    // go-zero's counters (safe_gozero).
    gozero_state gozero() const
        requires std::is_same_v<Policy, safe_gozero>
    {
        std::shared_lock lock(mu_);
        return c_.state();
    }

private:
    mutable detail::brmutex mu_;
    core c_;
};

// go-zero's SafeMap algorithm, for side-by-side comparison.
template <class K, class V, class Hash = gomap::hash<K>, class KeyEqual = std::equal_to<K>,
          class Allocator = std::allocator<std::pair<const K, V>>>
using gozero_safe_map = safe_map<K, V, Hash, KeyEqual, Allocator, safe_gozero>;

}  // namespace gomap
