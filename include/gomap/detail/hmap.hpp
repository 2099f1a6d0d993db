// gomap/detail/hmap.hpp — the table engine: Go's hmap and the functions of
// runtime/map.go that work on it.
//
// DESIGN (check the code against this; docs/design.md has the long form)
//
// * The table is 2^B buckets (detail/bmap.hpp), each holding 8 entries and a
//   chain of overflow buckets. A key's bucket is hash & (2^B - 1); its tophash
//   (top 8 bits of the hash) is cached per slot so that a probe compares one
//   byte per slot before it touches a key.
// * Load factor 6.5 (Go's loadFactorNum/loadFactorDen): an insert that would
//   make count > 8 and count > 6.5 * 2^B starts a grow to 2^(B+1) buckets
//   (hashGrow). An insert that finds as many overflow buckets as buckets
//   (tooManyOverflowBuckets) starts a same-size grow, which compacts chains left
//   sparse by deletes.
// * A grow is incremental. hashGrow only allocates the new array and makes the
//   old one `oldbuckets`. Every insert and every erase then evacuates (moves the
//   entries of) the old bucket that its key maps to, plus the oldest
//   not-yet-evacuated bucket, `nevacuate` (growWork). Old bucket k splits into
//   new buckets k ("X") and k + 2^oldB ("Y") by the hash bit 2^oldB. When
//   nevacuate reaches the end, the old array is freed. Each write does O(1)
//   bucket moves; no operation ever rehashes the whole table.
// * Lookups never move entries: a key whose old bucket is not evacuated yet is
//   read from the old array. So const lookups are safe from many threads at
//   once, as Go's are.
// * A new array comes from the allocator uninitialised. New bucket i is only
//   read once the old bucket feeding it is evacuated, and evacuation initialises
//   both destinations first. So no operation pays for zeroing a large array
//   (the trap that makes a 10M-entry grow cost milliseconds).
// * Overflow buckets come first from the 2^(B-4) spare buckets allocated after
//   the array when B >= 4 (Go's nextOverflow), then one at a time. Buckets
//   allocated one at a time are freed as soon as their old chain is evacuated.
// * Erase (mapdelete) destroys the entry, marks the slot emptyOne, and turns
//   a run of trailing emptyOne slots into emptyRest, walking backwards through
//   the bucket and its chain; when count drops to 0, hash0 is re-drawn.
// * While a non-const range() is running, evacuation pauses: inserts and erases
//   made by the loop body only mark slots, and an insert that would start a grow
//   adds an overflow bucket instead. Nothing moves while the loop runs, which is
//   how range() keeps Go's iteration contract without Go's garbage collector.
//
// The policy parameter decides what go_map and map do differently (shrinking,
// the next step); both run this one engine.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../hash.hpp"
#include "../stats.hpp"
#include "bmap.hpp"
#include "config.hpp"
#include "pages.hpp"

namespace gomap {

// What go_map and map do differently: only whether the map gives memory back
// by default (basic_map::set_auto_shrink changes it at run time).
// go_policy: Go 1.18's rules, exactly; memory is never given back.
struct go_policy {
    static constexpr bool shrink = false;
};
// shrink_policy (gomap::map): Go's rules plus giving memory back — deletes keep
// chains dense and release emptied overflow buckets, a map whose load falls to
// 1/4 of the grow threshold shrinks incrementally, an empty map holds what a
// new one holds. See "SHRINKING" in hmap's design comment.
struct shrink_policy {
    static constexpr bool shrink = true;
};

namespace detail {

// Keys that may compare unequal to themselves (float NaN, or user types with a
// NaN inside). For them evacuation and iteration must not rely on the hash,
// which Go randomises for NaN (see evacuate and bucket_filter).
template <class K>
inline constexpr bool maybe_irreflexive =
    !(std::is_integral_v<K> || std::is_enum_v<K> || std::is_pointer_v<K> ||
      std::is_same_v<K, std::string> || std::is_same_v<K, std::string_view>);

// A position in the table: new-array bucket index i, which of the chains that
// feed it is being walked (see hmap::chain_at), the bucket of that chain, and
// a slot. The chains of index i are its new bucket and, while a resize is in
// progress, the old buckets bound for it that are not evacuated yet.
template <class Bucket>
struct iter_pos {
    std::size_t i = 0;
    Bucket* b = nullptr;  // nullptr: end
    std::uint32_t chain = 0;
    std::uint8_t slot = 0;
    bool in_old = false;
};

template <class K, class V, class Hash, class KeyEqual, class Alloc, class Policy>
class hmap {
public:
    using key_type = K;
    using mapped_type = V;
    using value_type = std::pair<const K, V>;
    using bucket = bmap<K, V>;
    using pos = iter_pos<bucket>;
    using size_type = std::size_t;
    using policy = Policy;
    static constexpr bool indirect = slot_traits<K, V>::indirect;

    using alloc_traits = std::allocator_traits<Alloc>;
    using value_alloc = typename alloc_traits::template rebind_alloc<value_type>;
    using value_alloc_traits = std::allocator_traits<value_alloc>;
    using bucket_alloc = typename alloc_traits::template rebind_alloc<bucket>;
    using bucket_alloc_traits = std::allocator_traits<bucket_alloc>;
    // Memory from operator new (std::allocator, or gomap::counting_allocator
    // over it): ordinary anonymous pages, which may be given page advice.
    static constexpr bool std_allocated = std::is_same_v<bucket_alloc, std::allocator<bucket>> ||
                                          std::is_same_v<bucket_alloc, gomap::counting_allocator<bucket>>;

    // Evacuation must not throw half-way: entries are moved with their move
    // constructors, which must therefore be noexcept (out-of-line entries only
    // move a pointer).
    static_assert(indirect || (std::is_nothrow_move_constructible_v<K> &&
                               std::is_nothrow_move_constructible_v<V>),
                  "gomap: key and value must be nothrow move constructible (or larger than 128 B)");

    // ---- construction -------------------------------------------------------

    hmap(size_type hint, const Hash& h, const KeyEqual& eq, const Alloc& a)
        : hash_(h), eq_(eq), alloc_(a) {
        hash0_ = fastrand64();
        auto_shrink_ = Policy::shrink;
        if (hint > 0) makemap(hint);
    }

    ~hmap() { destroy_all(); }

    hmap(const hmap&) = delete;
    hmap& operator=(const hmap&) = delete;

    // Steal other's table; other becomes empty (B = 0, nothing allocated).
    void take(hmap& o) noexcept {
        invalidate_iterators();
        o.invalidate_iterators();
        count_ = o.count_;
        B_ = o.B_;
        oldB_ = o.oldB_;
        noverflow_ = o.noverflow_;
        hash0_ = o.hash0_;
        buckets_ = o.buckets_;
        nalloc_ = o.nalloc_;
        oldbuckets_ = o.oldbuckets_;
        old_nalloc_ = o.old_nalloc_;
        nevacuate_ = o.nevacuate_;
        released_ = o.released_;
        nextOverflow_ = o.nextOverflow_;
        overflowEnd_ = o.overflowEnd_;
        bytes_ = o.bytes_;
        overflow_in_use_ = o.overflow_in_use_;
        resizes_ = o.resizes_;
        shrinks_ = o.shrinks_;
        spare_free_ = o.spare_free_;
        minB_ = o.minB_;
        auto_shrink_ = o.auto_shrink_;
        pending_free_ = o.pending_free_;
        pending_n_ = o.pending_n_;
        pending_done_ = o.pending_done_;
        o.reset_empty();
    }
    void swap_table(hmap& o) noexcept {
        invalidate_iterators();
        o.invalidate_iterators();
        using std::swap;
        swap(count_, o.count_);
        swap(B_, o.B_);
        swap(oldB_, o.oldB_);
        swap(noverflow_, o.noverflow_);
        swap(hash0_, o.hash0_);
        swap(buckets_, o.buckets_);
        swap(nalloc_, o.nalloc_);
        swap(oldbuckets_, o.oldbuckets_);
        swap(old_nalloc_, o.old_nalloc_);
        swap(nevacuate_, o.nevacuate_);
        swap(released_, o.released_);
        swap(nextOverflow_, o.nextOverflow_);
        swap(overflowEnd_, o.overflowEnd_);
        swap(bytes_, o.bytes_);
        swap(overflow_in_use_, o.overflow_in_use_);
        swap(resizes_, o.resizes_);
        swap(shrinks_, o.shrinks_);
        swap(spare_free_, o.spare_free_);
        swap(minB_, o.minB_);
        swap(auto_shrink_, o.auto_shrink_);
        swap(pending_free_, o.pending_free_);
        swap(pending_n_, o.pending_n_);
        swap(pending_done_, o.pending_done_);
    }
    void swap_functors(hmap& o, bool with_allocator) {
        using std::swap;
        swap(hash_, o.hash_);
        swap(eq_, o.eq_);
        if (with_allocator) swap(alloc_, o.alloc_);
    }

    // ---- accessors ----------------------------------------------------------

    size_type size() const noexcept { return count_; }
    const Hash& hash_function() const noexcept { return hash_; }
    const KeyEqual& key_eq() const noexcept { return eq_; }
    Alloc& allocator() noexcept { return alloc_; }
    const Alloc& allocator() const noexcept { return alloc_; }
    bool growing() const noexcept { return oldbuckets_ != nullptr; }
    std::uint8_t B() const noexcept { return B_; }
    std::uint64_t hash0() const noexcept { return hash0_; }
    bool auto_shrink() const noexcept { return auto_shrink_; }
    void set_auto_shrink(bool on) noexcept { auto_shrink_ = on; }

    // What basic_map's iterators and bucket interface ask of an engine.
    static value_type* entry_at(const pos& p) noexcept { return p.b->entry(p.slot); }
    static bool live_at(const pos& p) noexcept { return p.b->tophash[p.slot] >= minTopHash; }
    static bool is_end(const pos& p) noexcept { return p.b == nullptr; }
    static bool same(const pos& x, const pos& y) noexcept { return x.b == y.b && x.slot == y.slot; }
    static constexpr float max_load_factor() noexcept { return 6.5f; }
    // std's rehash(n) asks for n buckets: n * 6.5 entries.
    static size_type entries_for_buckets(size_type n) noexcept { return n > max_size() / 8 ? n : n * 13 / 2; }

    static constexpr size_type max_size() noexcept {
        // 2^62 buckets' worth would overflow the byte count; stop well below.
        return (std::numeric_limits<size_type>::max() / sizeof(bucket)) / 2;
    }

    map_stats stats() const noexcept {
        map_stats s;
        s.count = count_;
        s.B = B_;
        s.buckets = buckets_ ? (size_type{1} << B_) : 0;
        s.preallocated_overflow = buckets_ ? nalloc_ - (size_type{1} << B_) : 0;
        s.overflow_buckets = overflow_in_use_;
        s.noverflow = noverflow_;
        s.bucket_size = sizeof(bucket);
        s.bytes = bytes_;
        s.resizing = growing();
        s.direction = !growing() ? resize_direction::none
                      : oldB_ < B_ ? resize_direction::grow
                      : oldB_ == B_ ? resize_direction::same_size
                                    : resize_direction::shrink;
        s.old_B = growing() ? oldB_ : 0;
        s.nevacuate = nevacuate_;
        s.hash0 = hash0_;
        s.resizes = resizes_;
        s.shrinks = shrinks_;
        s.auto_shrink = auto_shrink_;
        s.min_B = minB_;
        return s;
    }

    // ---- hashing ------------------------------------------------------------

    template <class Q>
    std::uint64_t hash_of(const Q& key) const {
        return seeded_hash(hash_, key, hash0_);
    }
    template <class Q>
    bool equal(const Q& key, const K& stored) const {
        return eq_(key, stored);
    }

    // ---- lookup (mapaccess1 / mapaccess2) -------------------------------------

    // The chain a key with this hash lives in now: its old bucket while that is
    // not evacuated, else its new one. Sets p.i, p.b, p.in_old, p.chain (the
    // numbering of chain_at, so that an iterator can go on from here).
    void chain_for(std::uint64_t hash, pos& p) const noexcept {
        p.i = hash & bucket_mask();
        p.in_old = false;
        p.chain = 0;
        p.b = buckets_ + p.i;
        if (oldbuckets_) {
            const size_type j = hash & old_mask();
            bucket* ob = oldbuckets_ + j;
            // Whether old bucket j has moved is read from its tophash: a cache
            // miss of its own. Ask for the new bucket meanwhile, so that either
            // answer finds its bucket on the way.
            if (j >= nevacuate_) prefetch_bucket(p.b);
            if (!old_evacuated(j)) {
                p.b = ob;
                p.in_old = true;
                if (oldB_ > B_) p.chain = static_cast<std::uint32_t>((j >> B_) + 1);
            }
        }
    }

    // Ask for every cache line of the bucket at once. A bucket (Go's layout:
    // tophash[8], then the slots) spans two or three lines, and a lookup reads
    // the tophash line, then the line of the matching slot: without this, the
    // second miss starts only when the first is over.
    static void prefetch_bucket(const bucket* b) noexcept {
#if defined(__GNUC__)
        const char* first = reinterpret_cast<const char*>(b);
        for (std::size_t off = 0; off < sizeof(bucket); off += 64) __builtin_prefetch(first + off);
        __builtin_prefetch(first + sizeof(bucket) - 1);  // the last line, when the bucket straddles one more
#else
        (void)b;
#endif
    }

    template <class Q>
    pos find_pos(const Q& key) const {
        check_not_writing("concurrent map read and map write");
        pos p;
        if (count_ == 0) return p;
        const std::uint64_t hash = hash_of(key);
        chain_for(hash, p);
        prefetch_bucket(p.b);
        const std::uint8_t top = tophash(hash);
        for (bucket* b = p.b; b; b = b->overflow) {
            const std::uint64_t word = b->tophash_word();
            // All slots whose tophash matches, at once. A match cannot lie after
            // an emptyRest slot (those are all emptyRest), so the emptyRest stop
            // of Go's loop becomes: no match here and an emptyRest seen -> absent.
            for (std::uint64_t m = match_byte(word, top); m != 0; m &= m - 1) {
                const unsigned i = first_slot(m);
                if (GOMAP_LIKELY(equal(key, b->entry(i)->first))) {
                    p.b = b;
                    p.slot = static_cast<std::uint8_t>(i);
                    return p;
                }
            }
            if (match_byte(word, emptyRest) != 0) break;
        }
        return pos{};
    }

    // ---- insert (mapassign) -------------------------------------------------

    // Find `key`, or insert an entry built by make(alloc, address) when it is
    // absent. Returns the entry's position and whether it was inserted. When
    // the key is present, on_found(entry) runs first (insert_or_assign's
    // assignment). `make` and `on_found` may throw; the map's contents are then
    // unchanged (resize work already done stays done).
    //
    // Arguments may refer to entries of this map (m.try_emplace(k, m.at(x))):
    // the resize step a write runs moves entries, so it runs only after the
    // write has read its arguments. An insert that has a step to run builds its
    // entry aside first (staged_entry) and moves it into its slot after the
    // step, as Boost's flat maps do on a rehash; an update runs on_found before
    // the step.
    template <class Q, class Make, class Found>
    std::pair<pos, bool> find_or_insert(const Q& key, Make&& make, Found&& on_found) {
        check_not_writing("concurrent map writes");
        const std::uint64_t hash = hash_of(key);
        write_guard guard(*this);

        if (buckets_ == nullptr) alloc_first_bucket();  // Go: h.buckets = newobject(t.bucket)

        const std::uint8_t top = tophash(hash);
        pos p;
        chain_for(hash, p);
        prefetch_bucket(p.b);
        bucket* insertb = nullptr;
        std::uint8_t inserti = 0;
        bucket* last = nullptr;
        // The search also remembers the first free slot and the last bucket.
        for (bucket* b = p.b; b; b = b->overflow) {
            last = b;
            const std::uint64_t word = b->tophash_word();
            for (std::uint64_t m = match_byte(word, top); m != 0; m &= m - 1) {
                const unsigned i = first_slot(m);
                if (equal(key, b->entry(i)->first)) {
                    p.b = b;
                    p.slot = static_cast<std::uint8_t>(i);
                    on_found(*b->entry(i));
                    if constexpr (!Policy::shrink) {
                        // Go's mapassign runs growWork for every assignment, an
                        // update included, so that a map that is only updated
                        // still finishes its grow. (gomap::map moves nothing on
                        // an update: std's rule that an update keeps iterators.)
                        if (growing() && !paused()) update_step(hash, p);
                    }
                    return {p, false};
                }
            }
            const std::uint64_t rest = match_byte(word, emptyRest);
            if (insertb == nullptr) {
                const std::uint64_t free = rest | match_byte(word, emptyOne);
                if (free != 0) {
                    insertb = b;
                    inserti = static_cast<std::uint8_t>(first_slot(free));
                }
            }
            if (rest != 0) break;
        }

        if (!paused() && (growing() || overLoadFactor(count_ + 1, B_) || tooManyOverflowBuckets(noverflow_, B_) ||
                          shrink_target() < B_))
            return {insert_after_step(hash, make), true};

        free_pending_step();
        bool added = false;
        if (insertb == nullptr) {
            // All slots of the chain are full: chain a new overflow bucket.
            insertb = newoverflow(last, /*for_old_chain=*/p.in_old);
            inserti = 0;
            added = true;
        }
        try {
            construct_entry(insertb, inserti, std::forward<Make>(make));
        } catch (...) {
            if (added) unlink_new_overflow(last, p.in_old);
            throw;
        }
        insertb->tophash[inserti] = top;
        ++count_;
        invalidate_iterators();
        p.b = insertb;
        p.slot = inserti;
        return {p, true};
    }
    template <class Q, class Make>
    std::pair<pos, bool> find_or_insert(const Q& key, Make&& make) {
        return find_or_insert(key, std::forward<Make>(make), [](value_type&) noexcept {});
    }

    // ---- erase (mapdelete) --------------------------------------------------

    template <class Q>
    size_type erase_key(const Q& key) {
        check_not_writing("concurrent map writes");
        if (count_ == 0) return 0;
        const std::uint64_t hash = hash_of(key);
        write_guard guard(*this);
        pos p;
        chain_for(hash, p);
        prefetch_bucket(p.b);
        const std::uint8_t top = tophash(hash);
        bucket* found = nullptr;
        std::uint8_t fi = 0;
        for (bucket* b = p.b; b && !found; b = b->overflow) {
            const std::uint64_t word = b->tophash_word();
            for (std::uint64_t m = match_byte(word, top); m != 0; m &= m - 1) {
                const auto i = static_cast<std::uint8_t>(first_slot(m));
                if (equal(key, b->entry(i)->first)) {
                    found = b;
                    fi = i;
                    break;
                }
            }
            if (!found && match_byte(word, emptyRest) != 0) break;
        }
        // Go's mapdelete runs growWork whenever the map is growing, before it
        // deletes (go_map does too); gomap::map only when the key is present,
        // so that erasing an absent key moves nothing. The search came first:
        // the step may move the entry `key` refers to (m.erase(it->first)),
        // and the entry found is followed through it (track_). The step is
        // best-effort: work that throws (a Hash, an allocation) is all-or-
        // nothing and is left for a later write, so erase(key) throws only
        // from the lookup.
        if (growing() && !paused() && (found != nullptr || !Policy::shrink)) {
            track_b_ = found;
            track_i_ = fi;
            try {
                resize_work(p.i);
            } catch (...) {
            }
            found = track_b_;
            fi = track_i_;
            track_b_ = nullptr;
            if (found != nullptr) chain_for(hash, p);  // the chain it is in now
        }
        if (found == nullptr) return 0;
        delete_slot(p.b, found, fi);
        invalidate_iterators();
        free_pending_step();
        if (paused()) return 1;
        if (count_ == 0 && auto_shrink_) {
            release_to_fresh();
            return 1;
        }
        try {
            maybe_start_shrink();
        } catch (...) {  // bad_alloc: the shrink can start at a later write
        }
        return 1;
    }

    // Erase the entry at p (erase(iterator)) and return the position of the
    // next entry in iteration order. Starts no resize, does no evacuation step
    // and moves no entry, so every other iterator stays valid, as std requires.
    // With auto-shrink, an overflow bucket it leaves empty at the end of its
    // chain is released (it held only the erased entry). The next entry is
    // found first: during a grow that calls Hash (an old chain is filtered by
    // hash), and a Hash that throws must find the map unchanged.
    pos erase_at(pos p) {
        check_not_writing("concurrent map writes");
        pos next = p;
        ++next.slot;
        settle(next);
        write_guard guard(*this);
        delete_slot(head_of(p), p.b, p.slot, /*refill=*/false);
        if (count_ == 0) {
            if (auto_shrink_ && !paused()) release_to_fresh();
            return pos{};
        }
        return next;
    }

    // After a bulk erase that kept iterators valid while it ran (gomap::erase_if):
    // start the shrink the erases made due, as erase(key) would have.
    void shrink_if_due() noexcept {
        check_not_writing("concurrent map writes");
        if (paused()) return;
        write_guard guard(*this);
        if (count_ == 0) {
            if (auto_shrink_ && buckets_ != nullptr) release_to_fresh();
            return;
        }
        try {
            maybe_start_shrink();
        } catch (...) {  // bad_alloc: the shrink can start at a later write
        }
    }

    // Finish a resize in progress and shrink to the smallest array that holds
    // the entries (never below the reserve/size hint). O(n): the user asked.
    void shrink_to_fit() {
        check_not_writing("concurrent map writes");
        write_guard guard(*this);
        invalidate_iterators();
        if (paused()) return;
        if (count_ == 0) {
            release_to_fresh();
            return;
        }
        std::uint8_t target = minB_;
        while (overLoadFactor(count_, target)) ++target;
        if (growing() || target < B_ || overflow_in_use_ > 0) rehash_to(target);
    }

    // ---- clear (mapclear) ---------------------------------------------------

    void clear() {
        check_not_writing("concurrent map writes");
        if (count_ == 0) {
            // Go's mapclear returns at once: the seed stays (it was re-drawn
            // when the map became empty). gomap::map still gives back what an
            // empty map may hold (a size hint's array).
            if (auto_shrink_ && buckets_ != nullptr && !paused()) {
                write_guard guard(*this);
                release_to_fresh();
            }
            return;
        }
        write_guard guard(*this);
        invalidate_iterators();
        if (paused()) {
            // A range() is walking the arrays: empty every slot in place.
            for_each_chain([&](bucket* head, bool) {
                for (bucket* b = head; b; b = b->overflow)
                    for (std::uint8_t i = 0; i < bucketCnt; ++i)
                        if (b->tophash[i] >= minTopHash) {
                            destroy_entry(b, i);
                            b->tophash[i] = emptyRest;
                        } else if (isEmpty(b->tophash[i])) {
                            b->tophash[i] = emptyRest;
                        }
            });
            count_ = 0;
            hash0_ = fastrand64();
            return;
        }
        if (auto_shrink_) {
            // Give everything back: destroy, free, hold nothing.
            const std::uint64_t seed = fastrand64();
            destroy_all();
            hash0_ = seed;
            return;
        }
        // Go keeps B and the current array and forgets the old one.
        free_old_array_entries_and_chains();
        if (buckets_) {
            for (size_type i = 0, n = size_type{1} << B_; i < n; ++i) release_chain(buckets_ + i, false);
            init_buckets(buckets_, size_type{1} << B_);
            // Every spare is free again: restart the region and forget the
            // free list of spares released by deletes (they are in the region;
            // keeping the list would hand a spare out twice).
            nextOverflow_ = nalloc_ > (size_type{1} << B_) ? buckets_ + (size_type{1} << B_) : nullptr;
            spare_free_ = nullptr;
        }
        count_ = 0;
        noverflow_ = 0;
        overflow_in_use_ = 0;
        hash0_ = fastrand64();
    }

    // reserve(n) / make(map, n): make sure n entries fit without a grow. Never
    // makes the array smaller. Rehashes everything when the map is not empty.
    // `floor`: the user asked (reserve, rehash), so auto-shrink never goes
    // below it; copies size themselves without setting a floor.
    void reserve(size_type n, bool floor = true) {
        if (n > max_size()) throw std::length_error("gomap: reserve size exceeds max_size()");
        if (paused()) return;  // a range() is walking the arrays; a hint can wait
        std::uint8_t b = 0;
        while (overLoadFactor(n, b)) ++b;
        if (floor && b > minB_) minB_ = b;
        invalidate_iterators();
        if (b <= B_ && !shrinking()) return;  // fits (B = 0: in the lazily allocated single bucket)
        rehash_to(b > B_ ? b : B_);
    }

    // ---- iteration ----------------------------------------------------------

    size_type bucket_count() const noexcept { return size_type{1} << B_; }

    pos begin_pos() const {
        pos p;
        if (count_ == 0 || buckets_ == nullptr) return p;
        p.i = 0;
        p.chain = 0;
        chain_at(p);
        settle(p);
        return p;
    }

    // Move p to the first live entry at or after it (in the order of new bucket
    // index, then chain, then slot); p.b == nullptr when there is none.
    void settle(pos& p) const {
        const size_type nb = size_type{1} << B_;
        for (;;) {
            while (p.b) {
                for (; p.slot < bucketCnt; ++p.slot) {
                    const std::uint8_t t = p.b->tophash[p.slot];
                    if (t == emptyRest) {
                        p.b = nullptr;  // the rest of this chain is empty
                        break;
                    }
                    if (t < minTopHash) continue;
                    if (p.in_old && !belongs_to(p.b, p.slot, p.i)) continue;
                    return;
                }
                if (p.b) {
                    p.b = p.b->overflow;
                    p.slot = 0;
                }
            }
            ++p.chain;
            if (chain_at(p)) continue;
            if (++p.i >= nb) {
                p = pos{};
                return;
            }
            p.chain = 0;
            chain_at(p);
        }
    }

    void advance(pos& p) const {
        check_not_writing("concurrent map iteration and map write");
        ++p.slot;
        settle(p);
    }

    // Go's mapiterinit + mapiternext for range(): a random start bucket and a
    // random slot offset, then every bucket once. fn(const K&, V&) may return
    // bool (false stops). While it runs, evacuation is paused (see DESIGN).
    template <class Self, class Fn>
    static void range_impl(Self& self, Fn& fn) {
        if (self.count_ == 0 || self.buckets_ == nullptr) return;
        const std::uint64_t r = fastrand64();
        const std::uint8_t B = self.B_;
        const size_type nb = size_type{1} << B;
        const size_type start = r & (nb - 1);
        const std::uint8_t offset = static_cast<std::uint8_t>((r >> B) & (bucketCnt - 1));
        for (size_type k = 0; k < nb; ++k) {
            pos p;
            p.i = (start + k) & (nb - 1);
            for (p.chain = 0; self.chain_at(p); ++p.chain)
            for (bucket* b = p.b; b; b = b->overflow) {
                for (std::uint8_t j = 0; j < bucketCnt; ++j) {
                    const std::uint8_t s = static_cast<std::uint8_t>((j + offset) & (bucketCnt - 1));
                    if (b->tophash[s] < minTopHash) continue;
                    if (p.in_old && !self.belongs_to(b, s, p.i)) continue;
                    self.check_not_writing("concurrent map iteration and map write");
                    auto* e = b->entry(s);
                    if constexpr (std::is_same_v<std::invoke_result_t<Fn&, const K&, decltype((e->second))>,
                                                 bool>) {
                        if (!fn(std::as_const(e->first), e->second)) return;
                    } else {
                        fn(std::as_const(e->first), e->second);
                    }
                }
            }
        }
    }

    struct range_pause {
        hmap& h;
        explicit range_pause(hmap& m) noexcept : h(m) { ++h.range_depth_; }
        // A loop that erased everything leaves a new map's footprint; one that
        // erased enough starts the shrink its erases made due.
        ~range_pause() {
            if (--h.range_depth_ == 0) h.shrink_if_due();
        }
    };

    // ---- structure walks (tests, the lab, invariants) -------------------------

    // Calls fn(head, is_old) once for every initialised chain: the old array's
    // chains not yet evacuated, and the new array's chains whose sources are.
    template <class Fn>
    void for_each_chain(Fn&& fn) const {
        if (buckets_ == nullptr) return;
        const size_type nb = size_type{1} << B_;
        if (oldbuckets_) {
            const size_type nob = size_type{1} << oldB_;
            for (size_type k = 0; k < nob; ++k)
                if (!old_evacuated(k)) fn(oldbuckets_ + k, true);
        }
        for (size_type i = 0; i < nb; ++i)
            if (new_bucket_ready(i)) fn(buckets_ + i, false);
    }

    // Calls fn(value_type&) once for every entry, in no particular order,
    // without hashing (unlike iterators, which filter old chains by hash).
    template <class Fn>
    void for_each_entry(Fn&& fn) const {
        for_each_chain([&](bucket* head, bool) {
            for (bucket* b = head; b; b = b->overflow)
                for (std::uint8_t i = 0; i < bucketCnt; ++i)
                    if (b->tophash[i] >= minTopHash) fn(*b->entry(i));
        });
    }

    // Verifies what the design promises; returns an empty string when all hold.
    std::string check_invariants() const {
        size_type live = 0, overflow = 0;
        std::string err;
        for_each_chain([&](bucket* head, bool is_old) {
            bool rest = false;
            std::uint8_t prev = minTopHash;  // the slot before, across buckets
            for (bucket* b = head; b; b = b->overflow) {
                if (b != head) ++overflow;
                for (std::uint8_t i = 0; i < bucketCnt; ++i) {
                    const std::uint8_t t = b->tophash[i];
                    if (rest && t != emptyRest && err.empty()) err = "slot after emptyRest is not emptyRest";
                    // mapdelete turns a trailing run of emptyOne into emptyRest.
                    if (t == emptyRest && prev == emptyOne && err.empty())
                        err = "emptyOne slot directly before an emptyRest run";
                    prev = t;
                    if (t == emptyRest) rest = true;
                    if (t > emptyOne && t < minTopHash && err.empty()) err = "evacuated mark in a live chain";
                    if (t < minTopHash) continue;
                    ++live;
                    const auto& k = b->entry(i)->first;
                    if constexpr (maybe_irreflexive<K>) {
                        if (!eq_(k, k)) continue;  // NaN: placed by a random hash
                    }
                    const std::uint64_t h = hash_of(k);
                    if (tophash(h) != t && err.empty()) err = "tophash does not match the key's hash";
                    pos p;
                    chain_for(h, p);
                    if ((p.b != head || p.in_old != is_old) && err.empty()) err = "entry is not in its key's chain";
                }
            }
        });
        if (live != count_ && err.empty()) err = "count does not match live entries";
        // advanceEvacuationMark skips evacuated buckets, up to 1024 per step;
        // a shrink evacuates strictly at nevacuate. So with at most 1024 old
        // buckets, the bucket at nevacuate is always still to be evacuated.
        if (oldbuckets_ && (size_type{1} << oldB_) <= 1024 && nevacuate_ < (size_type{1} << oldB_) &&
            oldbuckets_[nevacuate_].evacuated() && err.empty())
            err = "the bucket at nevacuate is already evacuated";
        if (oldbuckets_ && nevacuate_ >= (size_type{1} << oldB_) && err.empty())
            err = "a resize whose every bucket is evacuated has not finished";
        if (overflow != overflow_in_use_ && err.empty()) err = "overflow bucket count is off";
        return err;
    }

    // Read-only bucket inspector (the lab's `inspect`): calls
    // fn(is_old, index, head, evacuated) for every bucket of the old array (while
    // a resize is in progress) and then of the current one, in index order,
    // including the buckets for_each_chain skips. head is the chain's head bucket,
    // or nullptr where nothing may be read: a new bucket not initialised yet (its
    // source is not evacuated), or an evacuated old bucket whose pages went back
    // to the OS (release_evacuated_pages). An evacuated old head still shows its
    // evacuatedX/Y/Empty marks; its overflow buckets are already gone.
    template <class Fn>
    void inspect_buckets(Fn&& fn) const {
        if (buckets_ == nullptr) return;
        if (oldbuckets_) {
            for (size_type j = 0, n = size_type{1} << oldB_; j < n; ++j) {
                const bool evacuated = old_evacuated(j);
                const bucket* head = evacuated && j < released_ ? nullptr : oldbuckets_ + j;
                fn(true, j, head, evacuated);
            }
        }
        for (size_type i = 0, n = size_type{1} << B_; i < n; ++i)
            fn(false, i, new_bucket_ready(i) ? static_cast<const bucket*>(buckets_ + i) : nullptr, false);
    }

private:
    // ---- checked mode (Go's hashWriting) ------------------------------------
public:
    // Checked mode numbers the states between which iterators stay valid: an
    // iterator remembers the number it was made in, and its use after an
    // operation that invalidates iterators (see map.hpp) aborts. Release
    // builds keep no counter.
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

private:

    void check_not_writing([[maybe_unused]] const char* msg) const noexcept {
#if GOMAP_CHECKED
        if (GOMAP_UNLIKELY(writing_.load(std::memory_order_relaxed) != 0)) fatal(msg);
#endif
    }
    struct write_guard {
#if GOMAP_CHECKED
        hmap& h;
        explicit write_guard(hmap& m) noexcept : h(m) {
            // Go: h.flags ^= hashWriting, after hashing (a panicking hash leaves the map usable).
            h.writing_.fetch_xor(1, std::memory_order_relaxed);
        }
        ~write_guard() {
            if (h.writing_.load(std::memory_order_relaxed) == 0) fatal("concurrent map writes");
            h.writing_.store(0, std::memory_order_relaxed);
        }
#else
        explicit write_guard(hmap&) noexcept {}
#endif
    };

    // ---- small helpers ------------------------------------------------------

    size_type bucket_mask() const noexcept { return (size_type{1} << B_) - 1; }
    size_type old_mask() const noexcept { return (size_type{1} << oldB_) - 1; }
    bool paused() const noexcept { return range_depth_ != 0; }

    // Whether old bucket j has been evacuated. Buckets below nevacuate always
    // are, and their memory may have been handed back to the OS already
    // (release_evacuated_pages), so their tophash is not read.
    bool old_evacuated(size_type j) const noexcept {
        return j < nevacuate_ || oldbuckets_[j].evacuated();
    }

    // Hand the pages of old buckets below nevacuate back to the OS as the
    // resize passes them, a few at a time. Freeing a big array at once costs
    // the kernel ~30 us per MiB (5 ms for 150 MiB): spread over the writes
    // that evacuate it, the final free of the old array is left with almost
    // nothing to do. The bytes stay counted in stats() until that free.
    void release_evacuated_pages() noexcept {
        constexpr size_type step = (size_type{64} << 10) / sizeof(bucket) + 1;  // ~64 KiB
        constexpr size_type small = (size_type{256} << 10) / sizeof(bucket);     // see free_pending_step
        if (nevacuate_ - released_ < step || old_nalloc_ <= small) return;
        release_pages(oldbuckets_, oldbuckets_ + released_, oldbuckets_ + nevacuate_);
        released_ = nevacuate_;
    }

    // New bucket i may be read: no grow in progress, or its source is evacuated.
    bool new_bucket_ready(size_type i) const noexcept {
        return !oldbuckets_ || old_evacuated(i & old_mask());
    }

    bool shrinking() const noexcept { return oldbuckets_ != nullptr && oldB_ > B_; }

    // The chains that hold the entries of new bucket index i, numbered by
    // p.chain = 0, 1, ...; sets p.b to chain p.chain's head (nullptr when that
    // chain holds nothing now) and returns false past the last one.
    //  * no resize:           0 -> new[i]
    //  * grow or same-size:   0 -> old[i & oldmask] while not evacuated, else new[i]
    //  * shrink by s levels:  0 -> new[i] once started (old[i] is the first of its
    //                         group to be evacuated); 1 + k -> old[i + k*2^B]
    //                         while not evacuated, k < 2^s
    bool chain_at(pos& p) const noexcept {
        p.slot = 0;
        p.in_old = false;
        if (!oldbuckets_) {
            p.b = p.chain == 0 ? buckets_ + p.i : nullptr;
            return p.chain == 0;
        }
        if (oldB_ <= B_) {
            if (p.chain != 0) return false;
            const size_type j = p.i & old_mask();
            p.in_old = !old_evacuated(j);
            p.b = p.in_old ? oldbuckets_ + j : buckets_ + p.i;
            return true;
        }
        if (p.chain == 0) {
            p.b = old_evacuated(p.i) ? buckets_ + p.i : nullptr;
            return true;
        }
        const size_type k = p.chain - 1;
        if (k >= (size_type{1} << (oldB_ - B_))) return false;
        const size_type j = p.i + (k << B_);
        p.in_old = true;
        p.b = old_evacuated(j) ? nullptr : oldbuckets_ + j;
        return true;
    }

    // Head of the chain that position p is walking.
    bucket* head_of(const pos& p) const noexcept {
        if (!p.in_old) return buckets_ + p.i;
        if (oldB_ <= B_) return oldbuckets_ + (p.i & old_mask());
        return oldbuckets_ + p.i + (size_type{p.chain - 1} << B_);
    }

    // While a grow is in progress an iterator walks an old chain once for each
    // new bucket it feeds (X and Y), and keeps only the entries bound for new
    // bucket i (Go's checkBucket). NaN keys go by tophash & 1, as in evacuate.
    bool belongs_to(const bucket* b, std::uint8_t s, size_type i) const {
        // Same-size grow: old bucket i feeds new bucket i only; shrink: every
        // entry of old bucket j goes to new bucket j & mask.
        if (B_ <= oldB_) return true;
        const size_type newbit = size_type{1} << oldB_;
        const auto& k = b->entry(s)->first;
        if constexpr (maybe_irreflexive<K>) {
            if (!eq_(k, k)) return ((b->tophash[s] & 1) != 0) == ((i & newbit) != 0);
        }
        return (hash_of(k) & newbit) == (i & newbit);
    }

    // ---- memory -------------------------------------------------------------

    bucket* allocate_buckets(size_type n) {
        bucket_alloc a(alloc_);
        bucket* p = bucket_alloc_traits::allocate(a, n);
        // Opt-in (GOMAP_HUGE_PAGES=1): arrays of 4 MiB and more, from the
        // standard allocator (ordinary anonymous pages), ask for huge pages
        // (pages.hpp). Faster lookups, but a worse worst case: see config.hpp.
        if constexpr (GOMAP_HUGE_PAGES && std_allocated)
            if (n * sizeof(bucket) >= (size_type{4} << 20)) advise_huge_pages(p, n * sizeof(bucket));
        bytes_ += n * sizeof(bucket);
        poison(p, n * sizeof(bucket));  // nothing may read a bucket before init()
        return p;
    }
    void deallocate_buckets(bucket* p, size_type n) noexcept {
        unpoison(p, n * sizeof(bucket));  // the allocator may reuse it as it likes
        bucket_alloc a(alloc_);
        bucket_alloc_traits::deallocate(a, p, n);
        bytes_ -= n * sizeof(bucket);
    }
    static void init_buckets(bucket* p, size_type n) noexcept {
        for (size_type i = 0; i < n; ++i) p[i].init();
    }

    // Go's makeBucketArray: 2^b buckets, plus 2^(b-4) spare overflow buckets when
    // b >= 4, plus as many more as fit in the allocator's rounding (Go's size
    // classes, go_roundupsize). Only the 2^b main buckets are initialised, and
    // only when `zero` (a grow leaves them to evacuation).
    struct bucket_array {
        bucket* p;
        size_type n;
    };
    bucket_array make_bucket_array(std::uint8_t b, bool zero) {
        const size_type base = size_type{1} << b;
        size_type n = base;
        if (b >= 4) {
            n += size_type{1} << (b - 4);
            const size_type sz = sizeof(bucket) * n;
            const size_type up = go_roundupsize(sz);
            if (up != sz) n = up / sizeof(bucket);
        }
        bucket* p = allocate_buckets(n);
        if (zero) init_buckets(p, base);
        return {p, n};
    }

    void install_array(bucket_array a, std::uint8_t b) noexcept {
        buckets_ = a.p;
        nalloc_ = a.n;
        B_ = b;
        const size_type base = size_type{1} << b;
        nextOverflow_ = a.n > base ? a.p + base : nullptr;
        overflowEnd_ = a.p + a.n;
        spare_free_ = nullptr;
    }

    void makemap(size_type hint) {
        if (hint > max_size()) throw std::length_error("gomap: size hint exceeds max_size()");
        std::uint8_t b = 0;
        while (overLoadFactor(hint, b)) ++b;
        minB_ = b;
        if (b != 0) install_array(make_bucket_array(b, true), b);
    }

    void alloc_first_bucket() {
        install_array(make_bucket_array(0, true), 0);
    }

    bool in_array(const bucket* p, const bucket* arr, size_type n) const noexcept {
        auto x = reinterpret_cast<std::uintptr_t>(p), lo = reinterpret_cast<std::uintptr_t>(arr);
        return arr != nullptr && x >= lo && x < lo + n * sizeof(bucket);
    }

    // Evacuation (both directions) is done with bucket b of the old chain
    // headed by head: an overflow bucket leaves the count and, unless it is one
    // of the old array's preallocated spares (freed with the array), goes back
    // to the allocator. Returns the next bucket of the chain.
    bucket* drop_evacuated(bucket* b, const bucket* head) noexcept {
        bucket* next = b->overflow;
        if (b != head) {
            --overflow_in_use_;
            if (!in_array(b, oldbuckets_, old_nalloc_)) deallocate_buckets(b, 1);
        }
        return next;
    }

    // Go's newoverflow: a spare bucket from the array if one is left, else a new
    // one. Chained after b. An old chain (an insert made while a range() pauses a
    // grow) never takes the new array's spares.
    bucket* newoverflow(bucket* b, bool for_old_chain) {
        bucket* ovf;
        if (!for_old_chain && spare_free_ != nullptr) {
            ovf = spare_free_;  // a spare released by a delete (see release_overflow)
            spare_free_ = ovf->overflow;
        } else if (!for_old_chain && nextOverflow_ != nullptr) {
            ovf = nextOverflow_++;
            if (nextOverflow_ == overflowEnd_) nextOverflow_ = nullptr;
        } else {
            ovf = allocate_buckets(1);
        }
        ovf->init();
        // noverflow counts the current array's overflow buckets only: Go never
        // adds one to an old chain (gomap does, for an insert made while a
        // range() pauses the resize), and tooManyOverflowBuckets must not see it.
        if (!for_old_chain) incrnoverflow();
        ++overflow_in_use_;
        b->overflow = ovf;
        return ovf;
    }

    // Go's incrnoverflow: exact below B = 16, sampled (1 in 2^(B-15)) above,
    // so that the 16-bit counter can still reach 2^15 for a big table.
    void incrnoverflow() noexcept {
        if (B_ < 16) {
            ++noverflow_;
            return;
        }
        const std::uint32_t mask = (std::uint32_t{1} << (B_ - 15)) - 1;
        if ((static_cast<std::uint32_t>(fastrand64()) & mask) == 0) ++noverflow_;
    }

    // ---- a write's resize step, run after the write has read its arguments --------

    // An entry built before the resize step of its insert (see find_or_insert):
    // out of line (indirect) it is its own node, which is then linked; inline it
    // is built on the stack and moved into its slot (moves are noexcept).
    struct staged_entry {
        hmap& h;
        value_type* e;
        alignas(value_type) unsigned char buf[indirect ? 1 : sizeof(value_type)];

        template <class Make>
        staged_entry(hmap& m, Make& make) : h(m) {
            value_alloc va(h.alloc_);
            if constexpr (indirect) {
                e = value_alloc_traits::allocate(va, 1);
                try {
                    make(va, e);
                } catch (...) {
                    value_alloc_traits::deallocate(va, e, 1);
                    throw;
                }
            } else {
                e = reinterpret_cast<value_type*>(buf);
                make(va, e);
            }
        }
        staged_entry(const staged_entry&) = delete;
        staged_entry& operator=(const staged_entry&) = delete;
        ~staged_entry() {
            if (e == nullptr) return;
            value_alloc va(h.alloc_);
            value_alloc_traits::destroy(va, e);
            if constexpr (indirect) value_alloc_traits::deallocate(va, e, 1);
        }
        void install(bucket* b, std::uint8_t i) noexcept {
            b->slot_filled(i);
            if constexpr (indirect) {
                b->slots[i] = e;
                h.bytes_ += sizeof(value_type);
            } else {
                value_alloc va(h.alloc_);
                value_alloc_traits::construct(va, static_cast<value_type*>(b->raw(i)),
                                              std::move(const_cast<K&>(e->first)), std::move(e->second));
                value_alloc_traits::destroy(va, e);
            }
            e = nullptr;
        }
    };

    // The insert of an absent key when a resize step is due: Go's mapassign
    // order (growWork if growing; then, if not growing and over the load factor
    // or with too many overflow buckets, hashGrow and growWork again; our
    // shrink trigger last), with the entry built before anything moves.
    template <class Make>
    pos insert_after_step(std::uint64_t hash, Make& make) {
        staged_entry e(*this, make);  // may throw: nothing has changed yet
        if (growing()) resize_work(hash & bucket_mask());
        if (!growing()) {
            if (overLoadFactor(count_ + 1, B_) || tooManyOverflowBuckets(noverflow_, B_)) {
                hashGrow();
                growWork(hash & bucket_mask());
            } else {
                maybe_start_shrink();
            }
        }
        free_pending_step();
        pos p;
        chain_for(hash, p);
        bucket* insertb = nullptr;
        bucket* last = nullptr;
        std::uint8_t inserti = 0;
        for (bucket* b = p.b; b && !insertb; b = b->overflow) {
            last = b;
            const std::uint64_t word = b->tophash_word();
            const std::uint64_t free = match_byte(word, emptyRest) | match_byte(word, emptyOne);
            if (free != 0) {
                insertb = b;
                inserti = static_cast<std::uint8_t>(first_slot(free));
            }
        }
        if (insertb == nullptr) {
            insertb = newoverflow(last, /*for_old_chain=*/p.in_old);  // may throw: e is destroyed
            inserti = 0;
        }
        e.install(insertb, inserti);
        insertb->tophash[inserti] = tophash(hash);
        ++count_;
        invalidate_iterators();
        p.b = insertb;
        p.slot = inserti;
        return p;
    }

    // go_map's update of a present key at p during a grow: Go's growWork, after
    // on_found has assigned. p follows the entry if the step moves it. Best-
    // effort like erase's step: the update is done, and work that throws is
    // left for a later write.
    void update_step(std::uint64_t hash, pos& p) noexcept {
        track_b_ = p.b;
        track_i_ = p.slot;
        try {
            resize_work(hash & bucket_mask());
        } catch (...) {
        }
        chain_for(hash, p);
        p.b = track_b_;
        p.slot = track_i_;
        track_b_ = nullptr;
        invalidate_iterators();
    }

    // Undo newoverflow(last, ...) after the entry meant for it failed to build.
    void unlink_new_overflow(bucket* last, bool for_old_chain) noexcept {
        bucket* ovf = last->overflow;
        last->overflow = nullptr;
        release_overflow(ovf, /*counted=*/!for_old_chain);
    }

    // ---- entries ------------------------------------------------------------

    template <class Make>
    void construct_entry(bucket* b, std::uint8_t i, Make&& make) {
        value_alloc va(alloc_);
        if constexpr (indirect) {
            value_type* node = value_alloc_traits::allocate(va, 1);
            try {
                make(va, node);
            } catch (...) {
                value_alloc_traits::deallocate(va, node, 1);
                throw;
            }
            b->slot_filled(i);
            b->slots[i] = node;
            bytes_ += sizeof(value_type);
        } else {
            b->slot_filled(i);
            try {
                make(va, static_cast<value_type*>(b->raw(i)));
            } catch (...) {
                b->slot_emptied(i);
                throw;
            }
        }
    }

    void destroy_entry(bucket* b, std::uint8_t i) noexcept {
        value_alloc va(alloc_);
        value_type* e = b->entry(i);
        value_alloc_traits::destroy(va, e);
        if constexpr (indirect) {
            value_alloc_traits::deallocate(va, e, 1);
            bytes_ -= sizeof(value_type);
        }
        b->slot_emptied(i);
    }

    // Move slot (from, i) into the empty slot (to, j). Keys are moved out of
    // their `const` (the pair is destroyed right after), as Boost's flat maps do.
    void move_entry(bucket* from, std::uint8_t i, bucket* to, std::uint8_t j) noexcept {
        if (from == track_b_ && i == track_i_) {  // the entry a write is following (track_b_)
            track_b_ = to;
            track_i_ = j;
        }
        if constexpr (indirect) {
            to->slot_filled(j);
            to->slots[j] = from->slots[i];
            from->slot_emptied(i);
        } else {
            value_alloc va(alloc_);
            value_type* e = from->entry(i);
            to->slot_filled(j);
            value_alloc_traits::construct(va, static_cast<value_type*>(to->raw(j)),
                                          std::move(const_cast<K&>(e->first)), std::move(e->second));
            value_alloc_traits::destroy(va, e);
            from->slot_emptied(i);
        }
    }

    // Go's mapdelete, after the key is found at (b, i) in the chain headed by head.
    // With auto-shrink (and no range() running) two steps are added, so that a
    // chain never holds more buckets than its entries need: in a chain with
    // overflow buckets, the chain's last entry moves into the hole (unless
    // `refill` is false: erase(iterator)
    // keeps other iterators valid), and an overflow bucket left empty at the
    // tail is released. Chains stay dense, so churn cannot pile up overflow
    // buckets.
    void delete_slot(bucket* head, bucket* b, std::uint8_t i, bool refill = true) noexcept {
        destroy_entry(b, i);
        const bool compact = auto_shrink_ && !paused();
        // Only a chain with overflow buckets needs the refill: a hole in a
        // lone bucket costs no memory, and the next insert takes it.
        if (compact && refill && head->overflow != nullptr) {
            bucket* last = b;
            while (last->overflow != nullptr) last = last->overflow;
            const std::uint64_t live = live_slots(last->tophash_word());
            if (live != 0) {
                const auto li = static_cast<std::uint8_t>(last_slot(live));
                if (last != b || li > i) {
                    b->tophash[i] = last->tophash[li];
                    move_entry(last, li, b, i);
                    b = last;
                    i = li;
                }
            }
        }
        b->tophash[i] = emptyOne;
        // If the bucket now ends in a bunch of emptyOne states, turn them into
        // emptyRest: walk back from i while slots are emptyOne, crossing into the
        // previous bucket of the chain (found from head, as Go does).
        bool more_after;
        if (i == bucketCnt - 1)
            more_after = b->overflow != nullptr && b->overflow->tophash[0] != emptyRest;
        else
            more_after = b->tophash[i + 1] != emptyRest;
        if (!more_after) {
            for (;;) {
                b->tophash[i] = emptyRest;
                if (i == 0) {
                    if (b == head) break;  // beginning of the chain
                    bucket* c = b;
                    for (b = head; b->overflow != c; b = b->overflow) {
                    }
                    i = bucketCnt - 1;
                } else {
                    --i;
                }
                if (b->tophash[i] != emptyOne) break;
            }
        }
        --count_;
        // Reset the seed when the map empties, so that an attacker cannot keep
        // probing one layout by refilling it (Go does the same).
        if (count_ == 0) hash0_ = fastrand64();
        if (compact) release_empty_tail(head);
    }

    // Slots of a live chain holding an entry (no evacuated marks occur there).
    static std::uint64_t live_slots(std::uint64_t word) noexcept {
        return ~(match_byte(word, emptyRest) | match_byte(word, emptyOne)) & 0x8080808080808080ULL;
    }
    static unsigned last_slot(std::uint64_t mask) noexcept {
        return static_cast<unsigned>(63 - __builtin_clzll(mask)) >> 3;
    }

    // Unlink and release the overflow buckets at the tail of head's chain that
    // hold nothing.
    void release_empty_tail(bucket* head) noexcept {
        const bool counted = !in_array(head, oldbuckets_, old_nalloc_);
        for (;;) {
            if (head->overflow == nullptr) return;
            bucket* prev = head;
            while (prev->overflow->overflow != nullptr) prev = prev->overflow;
            bucket* tail = prev->overflow;
            if (live_slots(tail->tophash_word()) != 0) return;
            prev->overflow = nullptr;
            release_overflow(tail, counted);
        }
    }

    // An overflow bucket leaves its chain: a spare of the current array goes to
    // the free list for reuse, a spare of the old array stays with that array,
    // a separately allocated one is freed now.
    // `counted`: it belongs to a chain of the current array, whose overflow
    // buckets noverflow counts (an old chain's never are, as in Go).
    void release_overflow(bucket* ovf, bool counted = true) noexcept {
        --overflow_in_use_;
        if (counted) decrnoverflow();
        if (in_array(ovf, buckets_, nalloc_)) {
            ovf->overflow = spare_free_;
            spare_free_ = ovf;
        } else if (!in_array(ovf, oldbuckets_, old_nalloc_)) {
            deallocate_buckets(ovf, 1);
        }
    }

    // The mirror of incrnoverflow, so that noverflow keeps tracking the overflow
    // buckets in use when deletes release them (Go never releases any).
    void decrnoverflow() noexcept {
        if (noverflow_ == 0) return;
        if (B_ < 16) {
            --noverflow_;
            return;
        }
        const std::uint32_t mask = (std::uint32_t{1} << (B_ - 15)) - 1;
        if ((static_cast<std::uint32_t>(fastrand64()) & mask) == 0) --noverflow_;
    }

    // count reached 0 with auto-shrink: hold nothing, like a new map without a
    // size hint. (The hint is kept as the floor for shrinking once the map is
    // that big again; a refill grows incrementally rather than paying for the
    // hinted array at once.) Every chain is down to its head unless deletes left
    // holes (made during a range(), or before auto-shrink was turned on); only
    // then are chains walked.
    void release_to_fresh() noexcept {
        invalidate_iterators();  // the arrays they point into are freed
        if (overflow_in_use_ != 0) {
            for_each_chain([&](bucket* head, bool) {
                while (head->overflow != nullptr) {
                    bucket* ovf = head->overflow;
                    head->overflow = ovf->overflow;
                    release_overflow(ovf);
                }
            });
        }
        if (oldbuckets_) deallocate_buckets(oldbuckets_, old_nalloc_);
        if (buckets_) deallocate_buckets(buckets_, nalloc_);
        free_pending();
        const std::uint64_t seed = hash0_;
        reset_empty();
        hash0_ = seed;
    }

    // ---- shrinking --------------------------------------------------------

    // The B to shrink to now, or B when no shrink is due. A shrink is due when
    // the load has fallen to 1/4 of the grow threshold (13/8 entries per
    // bucket); it goes to the smallest B (not below the hint) that fits twice
    // the entries. The gaps are what stop thrashing: after a shrink the map
    // must double to grow again, and after a grow it must halve to shrink
    // again (docs/design.md). Every write checks it (inserts, erase(key),
    // erase_if, the end of a range()), so a map that is not shrinking holds
    // more than 1/4 of its grow threshold after any of them, hence at most 2x
    // the buckets a new map of its size would have.
    std::uint8_t shrink_target() const noexcept {
        if (!auto_shrink_ || growing() || B_ <= minB_) return B_;
        if (count_ * 8 > 13 * (size_type{1} << B_)) return B_;
        std::uint8_t target = minB_;
        while (overLoadFactor(2 * count_, target)) ++target;
        return target < B_ ? target : B_;
    }

    void maybe_start_shrink() {
        if (paused()) return;
        const std::uint8_t target = shrink_target();
        if (target < B_) {
            start_resize(target);
            ++shrinks_;
            invalidate_iterators();
        }
    }

    // One step of the resize in progress, for the write that touches new
    // bucket index `bucket_index`.
    void resize_work(size_type bucket_index) {
        if (oldB_ > B_)
            shrinkWork();
        else
            growWork(bucket_index);
    }

    // A shrink moves old buckets strictly in index order (nevacuate): new bucket
    // i is initialised when its first source, old bucket i, is evacuated, and
    // writes to keys not evacuated yet go to their old chain. A write's step
    // ends once it has moved 16 entries (plus the rest of the last chain) or
    // looked at 64 old buckets (Redis bounds the empty buckets a step may visit
    // in the same way); a shrink from 2^b buckets ends within 2^b / 64 writes
    // when sparse, count / 16 writes at most.
    void shrinkWork() {
        size_type moved = 0;
        for (unsigned visits = 0; visits < 64 && moved < 16 && growing(); ++visits)
            moved += evacuate_to_smaller(nevacuate_);
    }

    size_type evacuate_to_smaller(size_type j) {
        bucket* const ob = oldbuckets_ + j;
        const size_type i = j & bucket_mask();
        bucket* const dst = buckets_ + i;
        if (j == i) dst->init();
        size_type n = 0;
        for (bucket* b = ob; b; b = b->overflow) n += static_cast<size_type>(__builtin_popcountll(live_slots(b->tophash_word())));
        // Append right after the destination chain's last entry. Every slot
        // behind it is free, but it is not always in the chain's last bucket:
        // erases made while a range() paused the resize (or with auto-shrink
        // off) can leave whole empty buckets at the tail, with the emptyRest
        // run starting in an earlier bucket. Appending in the last bucket would
        // put entries behind that emptyRest, where no lookup looks.
        bucket* t = dst;
        std::uint8_t ti = 0;
        bucket* last = dst;
        size_type room = 0;  // free slots from (t, ti) to the end of the chain
        for (bucket* b = dst; b; b = b->overflow) {
            last = b;
            room += bucketCnt;
            if (const std::uint64_t live = live_slots(b->tophash_word()); live != 0) {
                t = b;
                ti = static_cast<std::uint8_t>(last_slot(live) + 1);
                room = bucketCnt - ti;
            }
        }
        // Allocate the overflow buckets needed before anything moves. (The
        // slots behind the last entry are all emptyRest: deletes turn a
        // trailing run of empty slots into emptyRest, across buckets.)
        bucket* const old_last = last;
        try {
            for (; room < n; room += bucketCnt) last = newoverflow(last, false);
        } catch (...) {
            drop_chain_after(old_last);  // nothing has moved yet
            throw;
        }
        for (bucket* b = ob; b != nullptr;) {
            for (std::uint8_t s = 0; s < bucketCnt; ++s) {
                const std::uint8_t top = b->tophash[s];
                if (top < minTopHash) {
                    b->tophash[s] = evacuatedEmpty;
                    continue;
                }
                if (ti == bucketCnt) {
                    t = t->overflow;
                    ti = 0;
                }
                t->tophash[ti] = top;
                move_entry(b, s, t, ti);
                ++ti;
                b->tophash[s] = evacuatedX;
            }
            b = drop_evacuated(b, ob);
        }
        ob->overflow = nullptr;
        if (auto_shrink_) release_empty_tail(dst);  // buckets emptied inside a range()
        if (++nevacuate_ == (size_type{1} << oldB_))
            finish_resize();
        else
            release_evacuated_pages();
        return n;
    }

    // ---- growth (hashGrow, growWork, evacuate, advanceEvacuationMark) ---------

    void hashGrow() {
        // Grow by one B if over the load factor; otherwise it is the overflow
        // rule, and a same-size grow compacts the chains.
        const std::uint8_t bigger = overLoadFactor(count_ + 1, B_) ? 1 : 0;
        start_resize(static_cast<std::uint8_t>(B_ + bigger));
    }

    // Grow, same-size grow and shrink all start here: the current array becomes
    // oldbuckets, a new 2^newB array (not initialised) becomes current, and
    // writes evacuate the old one step by step.
    void start_resize(std::uint8_t newB) {
        free_pending();
        bucket_array a = make_bucket_array(newB, /*zero=*/false);
        oldbuckets_ = buckets_;
        old_nalloc_ = nalloc_;
        oldB_ = B_;
        install_array(a, newB);
        nevacuate_ = 0;
        released_ = 0;
        noverflow_ = 0;
        ++resizes_;
    }

    // The last old bucket is evacuated: its entries have all moved, and its
    // separately allocated overflow buckets are gone already. The array is not
    // freed at once: what release_evacuated_pages has not handed back yet (the
    // last stretch and the spare overflow region, 1/16 of it) would cost the
    // kernel ~30 us per MiB in this one write. It becomes `pending_free_`, whose
    // pages the next writes hand back 64 KiB at a time before it is freed.
    void finish_resize() noexcept {
        free_pending();  // (normally long done: a resize takes many writes)
        pending_free_ = oldbuckets_;
        pending_n_ = old_nalloc_;
        pending_done_ = released_;
        oldbuckets_ = nullptr;
        old_nalloc_ = 0;
        oldB_ = 0;
    }

    // One write's share of freeing the previous array (see finish_resize).
    void free_pending_step() noexcept {
        if (GOMAP_LIKELY(pending_free_ == nullptr)) return;
        // A small array goes straight back to the allocator, which reuses it:
        // handing its pages to the kernel first would only make the next
        // allocation fault them in again (measured: 7% of the time of a
        // 1,000-entry map filled and drained, in page faults).
        constexpr size_type small = (size_type{256} << 10) / sizeof(bucket);
        if (pending_n_ <= small) {
            free_pending();
            return;
        }
        constexpr size_type step = (size_type{64} << 10) / sizeof(bucket) + 1;
        const size_type end = pending_n_ - pending_done_ > step ? pending_done_ + step : pending_n_;
        // The last step stops short of the array's end (its page may hold an
        // allocator's trailer); free() takes the rest.
        release_pages(pending_free_, pending_free_ + pending_done_, pending_free_ + end);
        pending_done_ = end;
        if (pending_done_ == pending_n_) free_pending();
    }
    void free_pending() noexcept {
        if (pending_free_ == nullptr) return;
        deallocate_buckets(pending_free_, pending_n_);
        pending_free_ = nullptr;
        pending_n_ = pending_done_ = 0;
    }

    void growWork(size_type bucket_index) {
        // Evacuate the old bucket for the bucket we are about to use, then one
        // more to make progress.
        evacuate(bucket_index & old_mask());
        if (growing()) evacuate(nevacuate_);
    }

    // Go's evacuate, in three phases so that nothing is half-moved if user
    // code throws: (1) decide X or Y for every entry of the chain (this hashes,
    // and a Hash may throw); (2) initialise the destinations and allocate the
    // overflow buckets they will need (may throw bad_alloc; what was linked is
    // released); (3) move, which cannot fail (moves are noexcept).
    void evacuate(size_type oldbucket) {
        bucket* const ob = oldbuckets_ + oldbucket;
        const size_type newbit = size_type{1} << oldB_;
        const bool doubling = B_ > oldB_;
        if (!old_evacuated(oldbucket)) {
            // (1) One mask per bucket of the chain: bit i set = slot i goes to
            // Y; bit 8 + i set = slot i holds a key not equal to itself (NaN).
            std::uint16_t inline_masks[16] = {};
            std::vector<std::uint16_t> heap_masks;
            std::uint16_t* masks = inline_masks;
            size_type nx = 0, ny = 0;
            if (doubling) {
                size_type len = 0;
                for (bucket* b = ob; b; b = b->overflow) ++len;
                if (len > 16) {
                    heap_masks.assign(len, 0);
                    masks = heap_masks.data();
                }
                size_type c = 0;
                for (bucket* b = ob; b; b = b->overflow, ++c)
                    for (std::uint8_t i = 0; i < bucketCnt; ++i) {
                        if (b->tophash[i] < minTopHash) continue;
                        const unsigned where = goes_to(b, i, newbit);
                        masks[c] = static_cast<std::uint16_t>(masks[c] | ((where & 1u) << i) | ((where >> 1) << (8 + i)));
                        if (where & 1u)
                            ++ny;
                        else
                            ++nx;
                    }
            } else {
                for (bucket* b = ob; b; b = b->overflow)
                    nx += static_cast<size_type>(__builtin_popcountll(live_slots(b->tophash_word())));
            }
            // (2)
            struct dest {
                bucket* b;
                std::uint8_t i;
            } xy[2];
            xy[0] = {buckets_ + oldbucket, 0};
            xy[0].b->init();
            if (doubling) {
                xy[1] = {buckets_ + oldbucket + newbit, 0};
                xy[1].b->init();
            }
            reserve_destinations(xy[0].b, nx, doubling ? xy[1].b : nullptr, ny);
            // (3)
            size_type c = 0;
            for (bucket* b = ob; b != nullptr; ++c) {
                for (std::uint8_t i = 0; i < bucketCnt; ++i) {
                    const std::uint8_t top = b->tophash[i];
                    if (isEmpty(top)) {
                        b->tophash[i] = evacuatedEmpty;
                        continue;
                    }
                    const std::uint8_t useY = doubling ? static_cast<std::uint8_t>((masks[c] >> i) & 1) : 0;
                    b->tophash[i] = static_cast<std::uint8_t>(evacuatedX + useY);
                    dest& d = xy[useY];
                    if (d.i == bucketCnt) {
                        d.b = d.b->overflow;  // reserved in phase 2
                        d.i = 0;
                    }
                    // A NaN went by its tophash's low bit; Go then draws it a
                    // new random tophash (its hash is random anyway), so that
                    // NaNs spread again at the next grow.
                    const bool nan = doubling && ((masks[c] >> (8 + i)) & 1) != 0;
                    d.b->tophash[d.i] = nan ? tophash(fastrand64()) : top;
                    move_entry(b, i, d.b, d.i);
                    ++d.i;
                }
                b = drop_evacuated(b, ob);
            }
            ob->overflow = nullptr;
            trim_reserved(xy[0].b);
            if (doubling) trim_reserved(xy[1].b);
        }
        if (oldbucket == nevacuate_) advanceEvacuationMark(newbit);
    }

    // Which half an entry goes to (bit 0: Y) and whether its key is not equal
    // to itself (bit 1). Normally the hash bit 2^oldB. A NaN has a random hash,
    // and an iterator must be able to tell where it went, so it goes by its
    // tophash's low bit (what belongs_to assumes too). Go does this only while
    // an iterator exists (hmap.flags & iterator); C++ iterators are not
    // tracked, so gomap always does; both draw it a new tophash (evacuate).
    unsigned goes_to(const bucket* b, std::uint8_t i, size_type newbit) const {
        const auto& k = b->entry(i)->first;
        if constexpr (maybe_irreflexive<K>) {
            if (!eq_(k, k)) return 2u | (b->tophash[i] & 1u);
        }
        return (hash_of(k) & newbit) != 0 ? 1u : 0u;
    }

    // Chain enough overflow buckets after x (and y) for nx (ny) entries, before
    // the first entry moves; on bad_alloc, release what was linked.
    void reserve_destinations(bucket* x, size_type nx, bucket* y, size_type ny) {
        auto extend = [&](bucket* head, size_type n) {
            bucket* last = head;
            for (size_type have = bucketCnt; have < n; have += bucketCnt) last = newoverflow(last, false);
        };
        try {
            extend(x, nx);
            if (y != nullptr) extend(y, ny);
        } catch (...) {
            drop_chain_after(x);
            if (y != nullptr) drop_chain_after(y);
            throw;
        }
    }

    // Release every (empty) overflow bucket chained after b.
    void drop_chain_after(bucket* b) noexcept {
        for (bucket* c = b->overflow; c;) {
            bucket* next = c->overflow;
            release_overflow(c);
            c = next;
        }
        b->overflow = nullptr;
    }

    // Reserved buckets are all used by construction (counts were exact); this
    // only guards the invariant in checked builds.
    void trim_reserved([[maybe_unused]] bucket* last_used) const noexcept {
#if GOMAP_CHECKED
        if (last_used->overflow != nullptr) fatal("gomap: evacuation reserved an unused overflow bucket");
#endif
    }

    void advanceEvacuationMark(size_type newbit) {
        ++nevacuate_;
        // Skip buckets already evacuated by inserts and erases, but look at no
        // more than 1024 of them per step (Go's bound on the work of one write).
        size_type stop = nevacuate_ + 1024;
        if (stop > newbit) stop = newbit;
        while (nevacuate_ != stop && oldbuckets_[nevacuate_].evacuated()) ++nevacuate_;
        release_evacuated_pages();
        if (nevacuate_ == newbit) finish_resize();  // growing is all done
    }

    // ---- whole-table operations ---------------------------------------------

    // Rebuild the table at 2^b buckets at once (reserve/rehash/shrink_to_fit
    // on a non-empty map). Everything that can fail happens before the first
    // entry moves: a first pass hashes every entry once and records its new
    // bucket (so keys hashed at random, NaN, keep one place), then the new array
    // and exactly the overflow buckets it will need are allocated. The move
    // itself cannot fail, so on bad_alloc the map is unchanged.
    void rehash_to(std::uint8_t b) {
        const size_type base = size_type{1} << b, mask = base - 1;
        std::vector<size_type> dest;
        dest.reserve(count_);
        std::vector<std::uint32_t> fill(base, 0);
        for_each_entry([&](value_type& e) {
            const size_type i = hash_of(e.first) & mask;
            dest.push_back(i);
            ++fill[i];
        });
        size_type need = 0;
        for (std::uint32_t c : fill)
            if (c > bucketCnt) need += (c - 1) / bucketCnt;
        bucket_array a = make_bucket_array(b, true);
        bucket* spare = a.p + base;
        bucket* extra = nullptr;  // separately allocated, linked through overflow
        try {
            for (size_type have = a.n - base; have < need; ++have) {
                bucket* x = allocate_buckets(1);
                unpoison(&x->overflow, sizeof x->overflow);  // the list link; init() does the rest
                x->overflow = extra;
                extra = x;
            }
        } catch (...) {
            while (extra != nullptr) {
                bucket* next = extra->overflow;
                deallocate_buckets(extra, 1);
                extra = next;
            }
            deallocate_buckets(a.p, a.n);
            throw;
        }
        // From here on nothing can fail.
        size_type used = 0, k = 0;
        auto take = [&]() noexcept {
            bucket* x;
            if (spare != a.p + a.n) {
                x = spare++;
            } else {
                x = extra;
                extra = extra->overflow;
            }
            x->init();
            ++used;
            return x;
        };
        std::fill(fill.begin(), fill.end(), 0u);
        for_each_chain([&](bucket* head, bool) {
            for (bucket* c = head; c; c = c->overflow)
                for (std::uint8_t s = 0; s < bucketCnt; ++s) {
                    if (c->tophash[s] < minTopHash) continue;
                    const size_type i = dest[k++];
                    const std::uint32_t n = fill[i]++;
                    bucket* d = a.p + i;
                    for (std::uint32_t hop = n / bucketCnt; hop > 0; --hop) {
                        if (d->overflow == nullptr) d->overflow = take();
                        d = d->overflow;
                    }
                    const auto j = static_cast<std::uint8_t>(n % bucketCnt);
                    d->tophash[j] = c->tophash[s];
                    move_entry(c, s, d, j);
                }
        });
        // Free the old table: separately allocated overflow buckets, then arrays.
        for_each_chain([&](bucket* head, bool is_old) {
            for (bucket* c = head->overflow; c;) {
                bucket* next = c->overflow;
                if (!in_array(c, is_old ? oldbuckets_ : buckets_, is_old ? old_nalloc_ : nalloc_))
                    deallocate_buckets(c, 1);
                c = next;
            }
        });
        if (oldbuckets_) deallocate_buckets(oldbuckets_, old_nalloc_);
        if (buckets_) deallocate_buckets(buckets_, nalloc_);
        oldbuckets_ = nullptr;
        old_nalloc_ = 0;
        oldB_ = 0;
        nevacuate_ = 0;
        released_ = 0;
        install_array(a, b);
        nextOverflow_ = spare != a.p + a.n ? spare : nullptr;
        overflow_in_use_ = used;
        noverflow_ = static_cast<std::uint16_t>(used < 0xffff ? used : 0xffff);
        ++resizes_;
    }

    // Destroy entries and release overflow buckets of one chain (not its head).
    void release_chain(bucket* head, bool is_old) noexcept {
        bucket* arr = is_old ? oldbuckets_ : buckets_;
        const size_type n = is_old ? old_nalloc_ : nalloc_;
        for (bucket* b = head; b;) {
            for (std::uint8_t i = 0; i < bucketCnt; ++i)
                if (b->tophash[i] >= minTopHash) destroy_entry(b, i);
            bucket* next = b->overflow;
            if (b != head && !in_array(b, arr, n)) deallocate_buckets(b, 1);
            b = next;
        }
    }

    void free_old_array_entries_and_chains() noexcept {
        if (!oldbuckets_) return;
        const size_type nob = size_type{1} << oldB_;
        const size_type nb = size_type{1} << B_;
        // New buckets fed by unevacuated old buckets were never initialised:
        // initialise them so that the current array is whole again.
        for (size_type i = 0; i < nb; ++i)
            if (!old_evacuated(i & (nob - 1))) buckets_[i].init();
        for (size_type k = 0; k < nob; ++k)
            if (!old_evacuated(k)) release_chain(oldbuckets_ + k, true);
        deallocate_buckets(oldbuckets_, old_nalloc_);
        oldbuckets_ = nullptr;
        old_nalloc_ = 0;
        oldB_ = 0;
        nevacuate_ = 0;
    }

    void destroy_all() noexcept {
        free_pending();
        if (buckets_ == nullptr) return;
        // Chains of the new array that are not ready hold nothing yet.
        const size_type nb = size_type{1} << B_;
        for (size_type i = 0; i < nb; ++i)
            if (new_bucket_ready(i)) release_chain(buckets_ + i, false);
        if (oldbuckets_) {
            const size_type nob = size_type{1} << oldB_;
            for (size_type k = 0; k < nob; ++k)
                if (!old_evacuated(k)) release_chain(oldbuckets_ + k, true);
            deallocate_buckets(oldbuckets_, old_nalloc_);
        }
        deallocate_buckets(buckets_, nalloc_);
        reset_empty();
    }

    void reset_empty() noexcept {
        count_ = 0;
        B_ = 0;
        oldB_ = 0;
        noverflow_ = 0;
        buckets_ = nullptr;
        nalloc_ = 0;
        oldbuckets_ = nullptr;
        old_nalloc_ = 0;
        nevacuate_ = 0;
        released_ = 0;
        nextOverflow_ = nullptr;
        overflowEnd_ = nullptr;
        bytes_ = 0;
        overflow_in_use_ = 0;
        spare_free_ = nullptr;
        pending_free_ = nullptr;
        pending_n_ = pending_done_ = 0;
    }

    // ---- Go's hmap fields, and ours ---------------------------------------------
    size_type count_ = 0;               // live entries
    std::uint8_t B_ = 0;                // log2 of the bucket array's length
    std::uint8_t oldB_ = 0;             // B of oldbuckets_ while growing
    std::uint16_t noverflow_ = 0;       // approximate number of overflow buckets
    std::uint64_t hash0_ = 0;           // hash seed
    bucket* buckets_ = nullptr;         // 2^B buckets (+ spare overflow buckets)
    size_type nalloc_ = 0;              // buckets allocated with buckets_
    bucket* oldbuckets_ = nullptr;      // previous array, only while growing
    size_type old_nalloc_ = 0;
    size_type nevacuate_ = 0;           // old buckets below this are evacuated
    size_type released_ = 0;            // old buckets below this have had their pages released
    bucket* nextOverflow_ = nullptr;    // Go's mapextra.nextOverflow: next free spare
    bucket* overflowEnd_ = nullptr;     // end of the spare region
    size_type bytes_ = 0;               // bytes held from the allocator
    size_type overflow_in_use_ = 0;     // overflow buckets linked into chains
    size_type resizes_ = 0;             // resizes started (grow, same-size, shrink)
    size_type shrinks_ = 0;             // of which shrinks
    bucket* spare_free_ = nullptr;      // spares of the current array released by deletes
    std::uint8_t minB_ = 0;             // B asked for by the size hint / reserve: never shrink below
    bool auto_shrink_ = false;          // give memory back (Policy::shrink unless set)
    bucket* pending_free_ = nullptr;    // previous array, being handed back (finish_resize)
    size_type pending_n_ = 0;           // its length in buckets
    size_type pending_done_ = 0;        // buckets below this have had their pages released
    size_type range_depth_ = 0;         // running non-const range() loops
    bucket* track_b_ = nullptr;         // an entry followed through a resize step (move_entry)
    std::uint8_t track_i_ = 0;
#if GOMAP_CHECKED
    mutable std::atomic<std::uint8_t> writing_{0};  // Go's hashWriting flag
    std::uint64_t generation_ = 0;                  // bumped when iterators are invalidated
#endif
    [[no_unique_address]] Hash hash_;
    [[no_unique_address]] KeyEqual eq_;
    [[no_unique_address]] Alloc alloc_;
};

}  // namespace detail
}  // namespace gomap
