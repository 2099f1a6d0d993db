// gomap/detail/hmap.hpp — go_map's engine: Go 1.18's runtime/map.go in C++,
// Go's hmap and the functions that work on it, in map.go's order.
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
// * Erase (mapdelete) destroys the entry, marks the slot emptyOne, and turns
//   a run of trailing emptyOne slots into emptyRest, walking backwards through
//   the bucket and its chain; when count drops to 0, hash0 is re-drawn. Like
//   Go's map, go_map never gives bucket memory back while it lives.
//
// What C++ adds to map.go (Go's runtime has a garbage collector, zeroed
// memory and panics; C++ has none of these):
// * A new array comes from the allocator uninitialised. New bucket i is only
//   read once the old bucket feeding it is evacuated, and evacuation initialises
//   both destinations first. So no operation pays for zeroing a large array
//   (the trap that makes a 10M-entry grow cost milliseconds). Old pages are
//   handed back to the OS as evacuation passes them, and the finished old
//   array's pages a few writes at a time before it is freed.
// * Overflow buckets come first from the 2^(B-4) spare buckets allocated after
//   the array when B >= 4 (Go's nextOverflow), then one at a time. Buckets
//   allocated one at a time are freed as soon as their old chain is evacuated
//   (Go's garbage collector does that).
// * Entries are C++ objects with constructors, destructors and exceptions: a
//   write reads its arguments before anything moves, and a throwing Hash,
//   constructor or allocation leaves the contents as they were (see
//   find_or_insert and evacuate).
// * While a non-const range() is running, evacuation pauses: inserts and erases
//   made by the loop body only mark slots, and an insert that would start a grow
//   adds an overflow bucket instead. Nothing moves while the loop runs, which is
//   how range() keeps Go's iteration contract without Go's garbage collector.
// * reserve(), rehash() and shrink_to_fit() rebuild the table at once, on
//   request (rehash_to): Go has no counterpart.
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
#include "alloc.hpp"
#include "bmap.hpp"
#include "checked.hpp"
#include "config.hpp"
#include "pages.hpp"

namespace gomap {

// go_map's engine (detail::hmap): Go 1.18's rules, exactly.
struct go_policy {};

namespace detail {

// Keys that may compare unequal to themselves (float NaN, or user types with a
// NaN inside). For them evacuation and iteration must not rely on the hash,
// which Go randomises for NaN (see evacuate and belongs_to).
template <class K>
inline constexpr bool maybe_irreflexive =
    !(std::is_integral_v<K> || std::is_enum_v<K> || std::is_pointer_v<K> ||
      std::is_same_v<K, std::string> || std::is_same_v<K, std::string_view>);

// A position in the table (Go's hiter, reduced to what a C++ iterator needs):
// new-array bucket index i, the bucket of the chain that holds i's entries now
// (its old bucket while that is not evacuated: in_old), and a slot.
template <class Bucket>
struct iter_pos {
    std::size_t i = 0;
    Bucket* b = nullptr;  // nullptr: end
    std::uint8_t slot = 0;
    bool in_old = false;
};

template <class K, class V, class Hash, class KeyEqual, class Alloc>
class hmap : private checked_state {
public:
    using key_type = K;
    using mapped_type = V;
    using value_type = std::pair<const K, V>;
    using bucket = bmap<K, V>;
    using pos = iter_pos<bucket>;
    using size_type = std::size_t;
    static constexpr bool indirect = slot_traits<K, V>::indirect;

    using alloc_traits = std::allocator_traits<Alloc>;
    using value_alloc = typename alloc_traits::template rebind_alloc<value_type>;
    using value_alloc_traits = std::allocator_traits<value_alloc>;
    using bucket_alloc = typename alloc_traits::template rebind_alloc<bucket>;
    using bucket_alloc_traits = std::allocator_traits<bucket_alloc>;
    // Memory from operator new: pages that may be given page advice.
    static constexpr bool std_allocated = pages_from_new<bucket_alloc>;

    // Evacuation must not throw half-way: entries in the slots are moved with
    // move constructors that cannot throw; an entry whose move may throw is
    // kept out of line (slot_traits), and evacuation moves its pointer.
    static_assert(indirect || (std::is_nothrow_move_constructible_v<K> &&
                               std::is_nothrow_move_constructible_v<V>));

    // ---- construction -------------------------------------------------------

    hmap(size_type hint, const Hash& h, const KeyEqual& eq, const Alloc& a)
        : hash_(h), eq_(eq), alloc_(a) {
        makemap(hint);
    }

    ~hmap() { destroy_all(); }

    hmap(const hmap&) = delete;
    hmap& operator=(const hmap&) = delete;

    // Steal other's table; other becomes empty (B = 0, nothing allocated).
    void take(hmap& o) noexcept {
        invalidate_iterators();
        o.invalidate_iterators();
        count_ = o.count_;
        sameSizeGrow_ = o.sameSizeGrow_;
        B_ = o.B_;
        noverflow_ = o.noverflow_;
        hash0_ = o.hash0_;
        buckets_ = o.buckets_;
        oldbuckets_ = o.oldbuckets_;
        nevacuate_ = o.nevacuate_;
        nextOverflow_ = o.nextOverflow_;
        overflowEnd_ = o.overflowEnd_;
        nalloc_ = o.nalloc_;
        old_nalloc_ = o.old_nalloc_;
        overflow_in_use_ = o.overflow_in_use_;
        bytes_ = o.bytes_;
        resizes_ = o.resizes_;
        released_ = o.released_;
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
        swap(sameSizeGrow_, o.sameSizeGrow_);
        swap(B_, o.B_);
        swap(noverflow_, o.noverflow_);
        swap(hash0_, o.hash0_);
        swap(buckets_, o.buckets_);
        swap(oldbuckets_, o.oldbuckets_);
        swap(nevacuate_, o.nevacuate_);
        swap(nextOverflow_, o.nextOverflow_);
        swap(overflowEnd_, o.overflowEnd_);
        swap(nalloc_, o.nalloc_);
        swap(old_nalloc_, o.old_nalloc_);
        swap(overflow_in_use_, o.overflow_in_use_);
        swap(bytes_, o.bytes_);
        swap(resizes_, o.resizes_);
        swap(released_, o.released_);
        swap(pending_free_, o.pending_free_);
        swap(pending_n_, o.pending_n_);
        swap(pending_done_, o.pending_done_);
    }
    // Allocators are swapped only when asked at compile time: an allocator
    // that does not propagate need not be swappable.
    template <bool WithAllocator>
    void swap_functors(hmap& o) {
        using std::swap;
        swap(hash_, o.hash_);
        swap(eq_, o.eq_);
        if constexpr (WithAllocator) swap(alloc_, o.alloc_);
    }

    // ---- accessors ----------------------------------------------------------

    size_type size() const noexcept { return count_; }
    const Hash& hash_function() const noexcept { return hash_; }
    const KeyEqual& key_eq() const noexcept { return eq_; }
    Alloc& allocator() noexcept { return alloc_; }
    const Alloc& allocator() const noexcept { return alloc_; }
    std::uint8_t B() const noexcept { return B_; }
    std::uint64_t hash0() const noexcept { return hash0_; }

    // What basic_map's iterators and bucket interface ask of an engine.
    static value_type* entry_at(const pos& p) noexcept { return p.b->entry(p.slot); }
    static bool live_at(const pos& p) noexcept { return p.b->tophash[p.slot] >= minTopHash; }
    static bool is_end(const pos& p) noexcept { return p.b == nullptr; }
    static bool same(const pos& x, const pos& y) noexcept { return x.b == y.b && x.slot == y.slot; }
    static constexpr float max_load_factor() noexcept { return 6.5f; }
    // std's rehash(n) asks for n buckets: n * 6.5 entries.
    static size_type entries_for_buckets(size_type n) noexcept { return n > max_size() / 8 ? n : n * 13 / 2; }
    size_type bucket_count() const noexcept { return size_type{1} << B_; }

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
        s.direction = !growing()       ? resize_direction::none
                      : sameSizeGrow() ? resize_direction::same_size
                                       : resize_direction::grow;
        s.old_B = !growing() ? 0 : sameSizeGrow() ? B_ : static_cast<std::uint8_t>(B_ - 1);
        s.nevacuate = nevacuate_;
        s.hash0 = hash0_;
        s.resizes = resizes_;
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

private:
    // ---- entries (Go's bmap key/elem accessors) -----------------------------
    // Go copies keys and elems with typedmemmove; here they are C++ objects,
    // built, moved and destroyed through the allocator (and kept out of line,
    // one allocation each, above 128 B: Go's indirectkey/indirectelem).

    template <class Make>
    void construct_entry(bucket* b, std::uint8_t i, Make&& make) {
        value_alloc va(alloc_);
        if constexpr (indirect) {
            value_type* node = new_node(va, make);
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
        if constexpr (indirect) {
            delete_node(va, b->entry(i));
            bytes_ -= sizeof(value_type);
        } else {
            value_alloc_traits::destroy(va, b->entry(i));
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

    // ---- overflow buckets (incrnoverflow, newoverflow) ------------------------

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

    // Go's newoverflow: a spare bucket from the array if one is left, else a new
    // one. Chained after b. An old chain (an insert made while a range() pauses a
    // grow) never takes the new array's spares.
    bucket* newoverflow(bucket* b, bool for_old_chain) {
        bucket* ovf;
        if (!for_old_chain && nextOverflow_ != nullptr) {
            ovf = nextOverflow_++;
            if (nextOverflow_ == overflowEnd_) nextOverflow_ = nullptr;
        } else {
            ovf = allocate_buckets(1);
        }
        ovf->init();
        // noverflow counts the current array's overflow buckets only: Go never
        // adds one to an old chain (gomap does, for an insert made while a
        // range() pauses the grow), and tooManyOverflowBuckets must not see it.
        if (!for_old_chain) incrnoverflow();
        ++overflow_in_use_;
        b->overflow = ovf;
        return ovf;
    }

    // Go never takes an overflow bucket back; gomap must when the entry meant
    // for it cannot be built (a throwing constructor) or the buckets evacuation
    // reserved cannot all be had (bad_alloc). overflow_mark is what newoverflow
    // changes; drop_overflow_after unchains every (empty) overflow bucket added
    // after b since the mark: spares go back to the array's region, buckets
    // allocated one at a time to the allocator.
    struct overflow_mark {
        bucket* nextOverflow;
        std::uint16_t noverflow;
    };
    overflow_mark mark_overflow() const noexcept { return {nextOverflow_, noverflow_}; }
    void drop_overflow_after(bucket* b, overflow_mark m) noexcept {
        for (bucket* c = b->overflow; c;) {
            bucket* next = c->overflow;
            --overflow_in_use_;
            if (!in_array(c, buckets_, nalloc_)) deallocate_buckets(c, 1);
            c = next;
        }
        b->overflow = nullptr;
        nextOverflow_ = m.nextOverflow;
        noverflow_ = m.noverflow;
    }

    // ---- makemap, makeBucketArray -----------------------------------------------

    // Go's newarray: buckets from the allocator, not initialised (see DESIGN).
    bucket* allocate_buckets(size_type n) {
        bucket_alloc a(alloc_);
        bucket* p = allocate_raw(a, n);
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
        deallocate_raw(a, p, n);
        bytes_ -= n * sizeof(bucket);
    }
    static void init_buckets(bucket* p, size_type n) noexcept {
        for (size_type i = 0; i < n; ++i) p[i].init();
    }

    // Go's makemap: the seed, then the smallest B that is not over the load
    // factor for `hint`; B = 0 allocates its single bucket lazily (mapassign).
    void makemap(size_type hint) {
        if (hint > max_size()) throw std::length_error("gomap: size hint exceeds max_size()");
        hash0_ = fastrand64();
        std::uint8_t b = 0;
        while (overLoadFactor(hint, b)) ++b;
        if (b != 0) install_array(makeBucketArray(b, true), b);
    }

    // Go's makeBucketArray: 2^b buckets, plus 2^(b-4) spare overflow buckets when
    // b >= 4, plus as many more as fit in the allocator's rounding (Go's size
    // classes, go_roundupsize). Only the 2^b main buckets are initialised, and
    // only when `zero` (a grow leaves them to evacuation).
    struct bucket_array {
        bucket* p;
        size_type n;
    };
    bucket_array makeBucketArray(std::uint8_t b, bool zero) {
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

    // The array becomes buckets_; its spares (Go marks the last one with a
    // sentinel overflow pointer; gomap keeps the region's end) become
    // nextOverflow_.
    void install_array(bucket_array a, std::uint8_t b) noexcept {
        buckets_ = a.p;
        nalloc_ = a.n;
        B_ = b;
        const size_type base = size_type{1} << b;
        nextOverflow_ = a.n > base ? a.p + base : nullptr;
        overflowEnd_ = a.p + a.n;
    }

    bool in_array(const bucket* p, const bucket* arr, size_type n) const noexcept {
        auto x = reinterpret_cast<std::uintptr_t>(p), lo = reinterpret_cast<std::uintptr_t>(arr);
        return arr != nullptr && x >= lo && x < lo + n * sizeof(bucket);
    }

public:
    // ---- lookup (mapaccess1, mapaccess2) ----------------------------------------

    // The chain a key with this hash lives in now: its old bucket while that is
    // not evacuated, else its new one. Sets p.i, p.b and p.in_old.
    void chain_for(std::uint64_t hash, pos& p) const noexcept {
        p.i = hash & bucket_mask();
        p.in_old = false;
        p.b = buckets_ + p.i;
        if (oldbuckets_) {
            const size_type j = hash & oldbucketmask();
            // Whether old bucket j has moved is read from its tophash: a cache
            // miss of its own. Ask for the new bucket meanwhile, so that either
            // answer finds its bucket on the way.
            if (j >= nevacuate_) prefetch_bucket(p.b);
            if (!old_evacuated(j)) {
                p.b = oldbuckets_ + j;
                p.in_old = true;
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
    // unchanged (grow work already done stays done).
    //
    // Arguments may refer to entries of this map (m.try_emplace(k, m.at(x))):
    // the growWork a write runs moves entries, so it runs only after the write
    // has read its arguments (Go runs it first). An insert that has a step to
    // run builds its entry aside first (staged_entry) and moves it into its
    // slot after the step, as Boost's flat maps do on a rehash; an update runs
    // on_found before the step.
    template <class Q, class Make, class Found>
    std::pair<pos, bool> find_or_insert(const Q& key, Make&& make, Found&& on_found) {
        check_not_writing("concurrent map writes");
        const std::uint64_t hash = hash_of(key);
        write_guard guard(*this);

        // Go: h.buckets = newobject(t.bucket), the lazily allocated bucket of B = 0.
        if (buckets_ == nullptr) install_array(makeBucketArray(0, true), 0);

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
                    // Go's mapassign runs growWork for every assignment, an
                    // update included, so that a map that is only updated
                    // still finishes its grow.
                    if (growing() && !paused()) update_step(hash, p);
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

        if (!paused() &&
            (growing() || overLoadFactor(count_ + 1, B_) || tooManyOverflowBuckets(noverflow_, B_)))
            return {insert_after_step(hash, make), true};

        free_pending_step();
        const overflow_mark mark = mark_overflow();
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
            if (added) drop_overflow_after(last, mark);
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

private:
    // An entry built before the growWork of its insert (see find_or_insert):
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
                e = allocate_raw(va, 1);
                try {
                    make(va, e);
                } catch (...) {
                    deallocate_raw(va, e, 1);
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
            if constexpr (indirect) deallocate_raw(va, e, 1);
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

    // The insert of an absent key when growWork or hashGrow is due, in Go's
    // mapassign order (growWork if growing; then, if not growing and over the
    // load factor or with too many overflow buckets, hashGrow and growWork
    // again), with the entry built before anything moves.
    template <class Make>
    pos insert_after_step(std::uint64_t hash, Make& make) {
        staged_entry e(*this, make);  // may throw: nothing has changed yet
        if (growing()) growWork(hash & bucket_mask());
        if (!growing() && (overLoadFactor(count_ + 1, B_) || tooManyOverflowBuckets(noverflow_, B_))) {
            hashGrow();
            growWork(hash & bucket_mask());
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

    // The growWork of an update of a present key at p, after on_found has
    // assigned. p follows the entry if the step moves it. Best-effort like
    // erase's step: the update is done, and work that throws is left for a
    // later write.
    void update_step(std::uint64_t hash, pos& p) noexcept {
        track_b_ = p.b;
        track_i_ = p.slot;
        try {
            growWork(hash & bucket_mask());
        } catch (...) {
        }
        chain_for(hash, p);
        p.b = track_b_;
        p.slot = track_i_;
        track_b_ = nullptr;
        invalidate_iterators();
    }

public:
    // ---- delete (mapdelete) --------------------------------------------------

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
        // searches, whether or not the key is present. Here the search comes
        // first: the step may move the entry `key` refers to
        // (m.erase(it->first)), and the entry found is followed through it
        // (track_). The step is best-effort: work that throws (a Hash, an
        // allocation) is all-or-nothing and is left for a later write, so
        // erase(key) throws only from the lookup.
        if (growing() && !paused()) {
            track_b_ = found;
            track_i_ = fi;
            try {
                growWork(p.i);
            } catch (...) {
            }
            found = track_b_;
            fi = track_i_;
            track_b_ = nullptr;
            invalidate_iterators();
            if (found != nullptr) chain_for(hash, p);  // the chain it is in now
        }
        if (found == nullptr) return 0;
        delete_slot(p.b, found, fi);
        invalidate_iterators();
        free_pending_step();
        return 1;
    }

    // Erase the entry at p (erase(iterator)) and return the position of the
    // next entry in iteration order. Does no growWork and moves no entry, so
    // every other iterator stays valid, as std requires. The next entry is
    // found first: during a grow that calls Hash (an old chain is filtered by
    // hash), and a Hash that throws must find the map unchanged.
    pos erase_at(pos p) {
        check_not_writing("concurrent map writes");
        pos next = p;
        ++next.slot;
        settle(next);
        write_guard guard(*this);
        delete_slot(head_of(p), p.b, p.slot);
        return next;
    }

private:
    // Go's mapdelete, after the key is found at (b, i) in the chain headed by head.
    void delete_slot(bucket* head, bucket* b, std::uint8_t i) noexcept {
        destroy_entry(b, i);
        b->tophash[i] = emptyOne;
        // When nothing live follows slot i, the run of emptyOne slots that now
        // ends the chain becomes emptyRest: walk back from i while slots are
        // emptyOne, crossing into the previous bucket of the chain (found from
        // head, as Go does).
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
    }

public:
    // ---- iteration (mapiterinit, mapiternext) ---------------------------------

    pos begin_pos() const {
        pos p;
        if (count_ == 0 || buckets_ == nullptr) return p;
        p.i = 0;
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
            if (++p.i >= nb) {
                p = pos{};
                return;
            }
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
            self.chain_at(p);
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
        ~range_pause() { --h.range_depth_; }
    };

private:
    // The chain that holds new bucket p.i's entries now (mapiternext): old
    // bucket p.i & oldbucketmask while a grow has not evacuated it (its entries
    // bound for p.i are picked by belongs_to), else new bucket p.i. Sets p.b,
    // p.in_old, and p.slot = 0.
    void chain_at(pos& p) const noexcept {
        p.slot = 0;
        p.in_old = oldbuckets_ != nullptr && !old_evacuated(p.i & oldbucketmask());
        p.b = p.in_old ? oldbuckets_ + (p.i & oldbucketmask()) : buckets_ + p.i;
    }

    // Head of the chain that position p is walking.
    bucket* head_of(const pos& p) const noexcept {
        return p.in_old ? oldbuckets_ + (p.i & oldbucketmask()) : buckets_ + p.i;
    }

    // While a grow is in progress an iterator walks an old chain once for each
    // new bucket it feeds (X and Y), and keeps only the entries bound for new
    // bucket i (Go's checkBucket). NaN keys go by tophash & 1, as in evacuate.
    bool belongs_to(const bucket* b, std::uint8_t s, size_type i) const {
        if (sameSizeGrow()) return true;  // old bucket i feeds new bucket i only
        const size_type newbit = noldbuckets();
        const auto& k = b->entry(s)->first;
        if constexpr (maybe_irreflexive<K>) {
            if (!eq_(k, k)) return ((b->tophash[s] & 1) != 0) == ((i & newbit) != 0);
        }
        return (hash_of(k) & newbit) == (i & newbit);
    }

public:
    // ---- clear (mapclear) ---------------------------------------------------

    void clear() {
        check_not_writing("concurrent map writes");
        // Go's mapclear returns at once: the seed stays (it was re-drawn when
        // the map became empty).
        if (count_ == 0) return;
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
        // Go keeps B and the current array, forgets the old one and the grow,
        // and clears the array as makeBucketArray(dirtyalloc) does: every
        // spare is free again.
        free_old_array_entries_and_chains();
        if (buckets_) {
            for (size_type i = 0, n = size_type{1} << B_; i < n; ++i) release_chain(buckets_ + i, false);
            init_buckets(buckets_, size_type{1} << B_);
            nextOverflow_ = nalloc_ > (size_type{1} << B_) ? buckets_ + (size_type{1} << B_) : nullptr;
        }
        count_ = 0;
        noverflow_ = 0;
        overflow_in_use_ = 0;
        hash0_ = fastrand64();
    }

private:
    // ---- growth (hashGrow, growing, sameSizeGrow, noldbuckets, oldbucketmask,
    //      growWork, evacuate, advanceEvacuationMark) --------------------------
    // overLoadFactor and tooManyOverflowBuckets are in bmap.hpp.

    void hashGrow() {
        // Past the load factor: double. Otherwise the overflow rule fired: a
        // grow to the same size, which compacts the chains.
        const std::uint8_t bigger = overLoadFactor(count_ + 1, B_) ? 1 : 0;
        free_pending();
        const bucket_array a = makeBucketArray(static_cast<std::uint8_t>(B_ + bigger), /*zero=*/false);
        // Commit the grow (the allocation above may throw; nothing changed yet).
        sameSizeGrow_ = bigger == 0;
        oldbuckets_ = buckets_;
        old_nalloc_ = nalloc_;
        install_array(a, static_cast<std::uint8_t>(B_ + bigger));
        nevacuate_ = 0;
        released_ = 0;
        noverflow_ = 0;
        ++resizes_;
        // Nothing has moved: writes move the entries a few buckets at a time
        // (growWork, evacuate).
    }

    // Go's growing: whether a grow (to the same size or bigger) is in progress.
    bool growing() const noexcept { return oldbuckets_ != nullptr; }
    // Go's sameSizeGrow: whether the grow in progress keeps B.
    bool sameSizeGrow() const noexcept { return sameSizeGrow_; }
    // Go's noldbuckets: the number of buckets before the grow in progress.
    size_type noldbuckets() const noexcept {
        return size_type{1} << (sameSizeGrow_ ? B_ : B_ - 1);
    }
    // Go's oldbucketmask: hash & oldbucketmask() is the key's old bucket.
    size_type oldbucketmask() const noexcept { return noldbuckets() - 1; }
    size_type bucket_mask() const noexcept { return (size_type{1} << B_) - 1; }

    // Whether old bucket j has been evacuated (Go's bucketEvacuated). Buckets
    // below nevacuate always are, and their memory may have been handed back to
    // the OS already (release_evacuated_pages), so their tophash is not read.
    bool old_evacuated(size_type j) const noexcept {
        return j < nevacuate_ || oldbuckets_[j].evacuated();
    }

    // New bucket i may be read: no grow in progress, or its source is evacuated.
    bool new_bucket_ready(size_type i) const noexcept {
        return !oldbuckets_ || old_evacuated(i & oldbucketmask());
    }

    void growWork(size_type bucket_index) {
        // The old bucket that feeds the bucket this write uses, then the
        // oldest one not evacuated yet, so that every write advances the grow.
        evacuate(bucket_index & oldbucketmask());
        if (growing()) evacuate(nevacuate_);
    }

    // Go's evacuate, in three phases so that nothing is half-moved if user
    // code throws: (1) decide X or Y for every entry of the chain (this hashes,
    // and a Hash may throw); (2) initialise the destinations and chain the
    // overflow buckets they will need (may throw bad_alloc; what was chained
    // is dropped); (3) move, which cannot fail (moves are noexcept).
    void evacuate(size_type oldbucket) {
        bucket* const ob = oldbuckets_ + oldbucket;
        const size_type newbit = noldbuckets();
        const bool doubling = !sameSizeGrow();
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
                        masks[c] = static_cast<std::uint16_t>(masks[c] | ((where & 1u) << i) |
                                                              ((where >> 1) << (8 + i)));
                        if (where & 1u)
                            ++ny;
                        else
                            ++nx;
                    }
            } else {
                for (bucket* b = ob; b; b = b->overflow)
                    for (std::uint8_t i = 0; i < bucketCnt; ++i) nx += b->tophash[i] >= minTopHash;
            }
            // (2) xy: the X (low) and Y (high) destinations (Go's evacDst).
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
                    b->tophash[i] = static_cast<std::uint8_t>(evacuatedX + useY);  // = evacuatedY when useY
                    dest& d = xy[useY];
                    if (d.i == bucketCnt) {
                        d.b = d.b->overflow;  // chained in phase 2
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
    // the first entry moves (Go's evacuate calls newoverflow as it goes); on
    // bad_alloc, drop what was chained.
    void reserve_destinations(bucket* x, size_type nx, bucket* y, size_type ny) {
        const overflow_mark mark = mark_overflow();
        auto extend = [&](bucket* head, size_type n) {
            bucket* last = head;
            for (size_type have = bucketCnt; have < n; have += bucketCnt) last = newoverflow(last, false);
        };
        try {
            extend(x, nx);
            if (y != nullptr) extend(y, ny);
        } catch (...) {
            if (y != nullptr) drop_overflow_after(y, mark);
            drop_overflow_after(x, mark);
            throw;
        }
    }

    // Reserved buckets are all used by construction (counts were exact); this
    // only guards the invariant in checked builds.
    void trim_reserved([[maybe_unused]] bucket* last_used) const noexcept {
#if GOMAP_CHECKED
        if (last_used->overflow != nullptr) fatal("gomap: evacuation reserved an unused overflow bucket");
#endif
    }

    // Evacuation is done with bucket b of the old chain headed by head: an
    // overflow bucket leaves the count and, unless it is one of the old array's
    // spares (freed with the array), goes back to the allocator (in Go, to the
    // garbage collector). Returns the next bucket of the chain.
    bucket* drop_evacuated(bucket* b, const bucket* head) noexcept {
        bucket* next = b->overflow;
        if (b != head) {
            --overflow_in_use_;
            if (!in_array(b, oldbuckets_, old_nalloc_)) deallocate_buckets(b, 1);
        }
        return next;
    }

    void advanceEvacuationMark(size_type newbit) {
        ++nevacuate_;
        // Skip buckets already evacuated by inserts and erases, but look at no
        // more than 1024 of them per step (Go's bound on the work of one write).
        size_type stop = nevacuate_ + 1024;
        if (stop > newbit) stop = newbit;
        while (nevacuate_ != stop && oldbuckets_[nevacuate_].evacuated()) ++nevacuate_;
        release_evacuated_pages();
        if (nevacuate_ == newbit) finish_grow();  // growing is all done
    }

    // The last old bucket is evacuated: its entries have all moved, and its
    // separately allocated overflow buckets are gone already (Go: oldbuckets =
    // nil, and the sameSizeGrow flag cleared). The array is not freed at once:
    // what release_evacuated_pages has not handed back yet (the last stretch
    // and the spare overflow region, 1/16 of it) would cost the kernel ~30 us
    // per MiB in this one write. It becomes `pending_free_`, whose pages the
    // next writes hand back 64 KiB at a time before it is freed.
    void finish_grow() noexcept {
        free_pending();  // (normally long done: a grow takes many writes)
        pending_free_ = oldbuckets_;
        pending_n_ = old_nalloc_;
        pending_done_ = released_;
        oldbuckets_ = nullptr;
        old_nalloc_ = 0;
        sameSizeGrow_ = false;
    }

    // Hand the pages of old buckets below nevacuate back to the OS as the grow
    // passes them, a few at a time. Freeing a big array at once costs the
    // kernel ~30 us per MiB (5 ms for 150 MiB): spread over the writes that
    // evacuate it, the final free of the old array is left with almost nothing
    // to do. The bytes stay counted in stats() until that free.
    void release_evacuated_pages() noexcept {
        constexpr size_type step = (size_type{64} << 10) / sizeof(bucket) + 1;  // ~64 KiB
        constexpr size_type small = (size_type{256} << 10) / sizeof(bucket);     // see free_pending_step
        if (nevacuate_ - released_ < step || old_nalloc_ <= small) return;
        release_pages(oldbuckets_, oldbuckets_ + released_, oldbuckets_ + nevacuate_);
        released_ = nevacuate_;
    }

    // One write's share of freeing the previous array (see finish_grow).
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

public:
    // ---- not in map.go: rebuilding the table at once, on request --------------

    // reserve(n) / make(map, n) applied late: make sure n entries fit without a
    // grow. Never makes the array smaller. Rebuilds the table (rehash_to) when
    // it must get bigger.
    void reserve(size_type n) {
        if (n > max_size()) throw std::length_error("gomap: reserve size exceeds max_size()");
        if (paused()) return;  // a range() is walking the arrays; a hint can wait
        std::uint8_t b = 0;
        while (overLoadFactor(n, b)) ++b;
        invalidate_iterators();
        if (b <= B_) return;  // fits (B = 0: in the lazily allocated single bucket)
        rehash_to(b);
    }

    // Finish a grow in progress and rebuild at the smallest B that holds the
    // entries (the B of make(map, len(m))), without the overflow buckets that
    // deletes left behind; an empty map frees everything. Go's map never gives
    // bucket memory back by itself: this is an explicit O(n) request.
    void shrink_to_fit() {
        check_not_writing("concurrent map writes");
        write_guard guard(*this);
        invalidate_iterators();
        if (paused()) return;
        if (count_ == 0) {
            const std::uint64_t seed = hash0_;
            destroy_all();
            hash0_ = seed;
            return;
        }
        std::uint8_t target = 0;
        while (overLoadFactor(count_, target)) ++target;
        if (growing() || target < B_ || overflow_in_use_ > 0) rehash_to(target);
    }

private:
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
        bucket_array a = makeBucketArray(b, true);
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
        sameSizeGrow_ = false;
        nevacuate_ = 0;
        released_ = 0;
        install_array(a, b);
        nextOverflow_ = spare != a.p + a.n ? spare : nullptr;
        overflow_in_use_ = used;
        noverflow_ = static_cast<std::uint16_t>(used < 0xffff ? used : 0xffff);
        ++resizes_;
    }

public:
    // ---- structure walks (tests, the lab, invariants) -------------------------

    // Calls fn(head, is_old) once for every initialised chain: the old array's
    // chains not yet evacuated, and the new array's chains whose sources are.
    template <class Fn>
    void for_each_chain(Fn&& fn) const {
        if (buckets_ == nullptr) return;
        const size_type nb = size_type{1} << B_;
        if (oldbuckets_) {
            const size_type nob = noldbuckets();
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
                    if ((p.b != head || p.in_old != is_old) && err.empty())
                        err = "entry is not in its key's chain";
                }
            }
        });
        if (live != count_ && err.empty()) err = "count does not match live entries";
        // advanceEvacuationMark skips evacuated buckets, up to 1024 per step.
        // So with at most 1024 old buckets, the bucket at nevacuate is always
        // still to be evacuated.
        if (oldbuckets_ && noldbuckets() <= 1024 && nevacuate_ < noldbuckets() &&
            oldbuckets_[nevacuate_].evacuated() && err.empty())
            err = "the bucket at nevacuate is already evacuated";
        if (oldbuckets_ && nevacuate_ >= noldbuckets() && err.empty())
            err = "a grow whose every bucket is evacuated has not finished";
        if (overflow != overflow_in_use_ && err.empty()) err = "overflow bucket count is off";
        return err;
    }

    // Read-only bucket inspector (the lab's `inspect`): calls
    // fn(is_old, index, head, evacuated) for every bucket of the old array (while
    // a grow is in progress) and then of the current one, in index order,
    // including the buckets for_each_chain skips. head is the chain's head bucket,
    // or nullptr where nothing may be read: a new bucket not initialised yet (its
    // source is not evacuated), or an evacuated old bucket whose pages went back
    // to the OS (release_evacuated_pages). An evacuated old head still shows its
    // evacuatedX/Y/Empty marks; its overflow buckets are already gone.
    template <class Fn>
    void inspect_buckets(Fn&& fn) const {
        if (buckets_ == nullptr) return;
        if (oldbuckets_) {
            for (size_type j = 0, n = noldbuckets(); j < n; ++j) {
                const bool evacuated = old_evacuated(j);
                const bucket* head = evacuated && j < released_ ? nullptr : oldbuckets_ + j;
                fn(true, j, head, evacuated);
            }
        }
        for (size_type i = 0, n = size_type{1} << B_; i < n; ++i)
            fn(false, i, new_bucket_ready(i) ? static_cast<const bucket*>(buckets_ + i) : nullptr, false);
    }

    // ---- checked mode (Go's hashWriting): detail/checked.hpp ---------------

    using checked_state::generation;
    using checked_state::invalidate_iterators;

private:
    bool paused() const noexcept { return range_depth_ != 0; }

    // ---- teardown -----------------------------------------------------------

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

    // mapclear's "h.oldbuckets = nil": the old array's entries and chains go,
    // and the grow is forgotten.
    void free_old_array_entries_and_chains() noexcept {
        if (!oldbuckets_) return;
        const size_type nob = noldbuckets();
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
        sameSizeGrow_ = false;
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
            const size_type nob = noldbuckets();
            for (size_type k = 0; k < nob; ++k)
                if (!old_evacuated(k)) release_chain(oldbuckets_ + k, true);
            deallocate_buckets(oldbuckets_, old_nalloc_);
        }
        deallocate_buckets(buckets_, nalloc_);
        reset_empty();
    }

    // A new map without a size hint (the seed aside): B = 0, nothing allocated.
    void reset_empty() noexcept {
        count_ = 0;
        sameSizeGrow_ = false;
        B_ = 0;
        noverflow_ = 0;
        buckets_ = nullptr;
        oldbuckets_ = nullptr;
        nevacuate_ = 0;
        nextOverflow_ = nullptr;
        overflowEnd_ = nullptr;
        nalloc_ = 0;
        old_nalloc_ = 0;
        overflow_in_use_ = 0;
        bytes_ = 0;
        released_ = 0;
        pending_free_ = nullptr;
        pending_n_ = pending_done_ = 0;
    }

    // ---- state ----------------------------------------------------------------

    // Go's hmap. Of Go's flags, hashWriting is in the checked_state base
    // (detail/checked.hpp) and sameSizeGrow is sameSizeGrow_;
    // iterator/oldIterator have no counterpart (C++ iterators are not
    // tracked: see goes_to).
    size_type count_ = 0;            // live entries
    bool sameSizeGrow_ = false;      // the grow in progress keeps B
    std::uint8_t B_ = 0;             // log2 of the bucket array's length
    std::uint16_t noverflow_ = 0;    // approximate number of overflow buckets (incrnoverflow)
    std::uint64_t hash0_ = 0;        // hash seed
    bucket* buckets_ = nullptr;      // 2^B buckets (+ spare overflow buckets)
    bucket* oldbuckets_ = nullptr;   // the previous array, only while growing
    size_type nevacuate_ = 0;        // old buckets below this are evacuated
    // Go's mapextra. (Its overflow/oldoverflow lists keep overflow buckets
    // alive for Go's garbage collector; here the chains own them.)
    bucket* nextOverflow_ = nullptr;  // next free spare overflow bucket
    bucket* overflowEnd_ = nullptr;   // end of the spare region
    // What Go's allocator and garbage collector know for it: sizes, and what
    // is held.
    size_type nalloc_ = 0;          // buckets allocated with buckets_
    size_type old_nalloc_ = 0;      // ... with oldbuckets_
    size_type overflow_in_use_ = 0;  // overflow buckets linked into chains
    size_type bytes_ = 0;           // bytes held from the allocator
    size_type resizes_ = 0;         // grows started (to double or same-size), and rebuilds
    // Handing memory back to the OS (release_evacuated_pages, finish_grow).
    size_type released_ = 0;            // old buckets below this have had their pages released
    bucket* pending_free_ = nullptr;    // the previous array, being handed back
    size_type pending_n_ = 0;           // its length in buckets
    size_type pending_done_ = 0;        // buckets below this have had their pages released
    // The write in progress and the loops around it.
    size_type range_depth_ = 0;         // running non-const range() loops
    bucket* track_b_ = nullptr;         // an entry followed through growWork (move_entry)
    std::uint8_t track_i_ = 0;
    [[no_unique_address]] Hash hash_;
    [[no_unique_address]] KeyEqual eq_;
    [[no_unique_address]] Alloc alloc_;
};

}  // namespace detail
}  // namespace gomap
