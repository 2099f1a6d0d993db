// gomap/detail/flat_table.hpp — gomap::map's own engine: flat SIMD-matched
// groups, resized incrementally in both directions.
//
// DESIGN (docs/design.md, "gomap::map's own engine", has the long form and
// the measurements that chose it)
//
// * An array is 2^k groups (k >= 1). A group is 15 slots and one 16-byte
//   metadata word (detail/group.hpp: 15 reduced-hash bytes, 0 = empty, and an
//   overflow byte). The metadata words sit together after the slots, so a
//   miss reads 16 bytes of a small, mostly cached array, never a slot.
// * Probe: the home group of hash h is h >> shift (the top k bits), then
//   home+1, home+3, home+6, ... (triangular steps, which visit every group of
//   a power-of-two array). A lookup stops at the first group whose overflow
//   bit for h % 8 is clear; an insert takes the first free slot and sets the
//   overflow bit of every full group it passes.
// * Max load 7/8 of the slots, lowered by one each time an erase empties a
//   slot of a group whose overflow bit for that slot's hash is set (the slot
//   may be why later keys probe on; Boost's anti-drift), so probes cannot
//   lengthen without bound under churn.
// * Resize, one mechanism in three directions: a new array is allocated, the
//   current one becomes "old", and every write migrates (rehashes into the
//   new array) at most 2 non-empty old groups, visiting at most 64, from the
//   old array's cursor. Grow: at max load, to the power of two that holds
//   size + size/61 + 1 at 7/8 (twice the groups; the same number when
//   anti-drift caused it, a same-size rebuild). Shrink: when size < 1/4 of
//   the max load, to the power of two that holds 2 * size (so growing again
//   needs the size to double and shrinking again needs it to halve: no
//   thrash at a boundary), never below the reserve/size hint; checked by
//   erase(key), gomap::erase_if and range() when they end, and by the next
//   insert after an erase(iterator) made it due (not after a reserve: a
//   reserved array being filled is meant to be below 1/4).
// * A migration step that would take the current array past its max load
//   (a range() let inserts fill it while migration waited) first opens an
//   array sized for every entry, as a grow.
// * Lookups consult the current array, then the old ones; inserts go to the
//   current array. Old arrays form a list (oldest first), normally of 0 or 1:
//   a resize that must start while another runs (only while a range() holds
//   migration, or in pathological churn) adds one instead of finishing the
//   previous at once. Migration takes the oldest.
// * No operation touches the whole table:
//     - "empty" is the all-zero word, and a new array's metadata is zeroed
//       4 KiB per write before the array is used (arrays of at most 16 KiB
//       of metadata are zeroed at once); inserts go on filling the current
//       array meanwhile (past its max load by at most one entry per 256
//       groups of the new array);
//     - old slot pages behind the cursor are handed back to the OS as the
//       migration passes them, and a finished array's pages are handed back
//       256 KiB per write before it is freed ("graveyard"), as one free of a
//       big populated array costs milliseconds.
// * An insertion constructs the new entry in its slot before any migration
//   step moves another entry: an argument that refers into the map
//   (m.try_emplace(k, m.at(x))) is read before anything moves, and a
//   throwing constructor leaves the contents as they were.
// * Migration hashes each entry before it moves it, and moves are noexcept:
//   a throwing Hash leaves every entry in exactly one array. A step runs after
//   the write it belongs to has committed; if it throws, the exception is
//   swallowed and the work is left for the next write.
// * While a non-const range() runs, migration pauses (zeroing goes on, it
//   moves nothing): nothing moves while the loop runs, which keeps Go's
//   for-range contract; an insert that needs room then opens a new array.
// * An update of a present key, erase(iterator) and erase(first, last) move
//   nothing and start nothing (std::unordered_map's iterator rules), except
//   that an erase that empties the map gives everything back.
// * Nodes (gomap::node_map): the same engine with each entry allocated on its
//   own and a pointer to it in the slot. Migration then moves pointers, so
//   references to entries stay valid until the entry is erased, and entries
//   need not be movable. Everything else (groups, probing, resize) is the same
//   code; the slot type and three helpers (entry_of, construct_in, destroy_in)
//   are all that differ.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "../hash.hpp"
#include "../stats.hpp"
#include "alloc.hpp"
#include "checked.hpp"
#include "config.hpp"
#include "group.hpp"
#include "pages.hpp"

namespace gomap {

// gomap::map's engine (detail::flat_table): flat groups, memory given back.
struct flat_policy {
    static constexpr bool shrink = true;
};
// gomap::node_map's: the same engine, each entry allocated on its own.
struct node_policy {
    static constexpr bool shrink = true;
};

namespace detail {

// Static metadata for a map with no array: two empty groups, so that a lookup
// in an empty map runs the ordinary probe and misses.
alignas(16) inline constexpr std::uint8_t flat_empty_meta[2 * group_bytes] = {};

template <class K, class V, class Hash, class KeyEqual, class Alloc, bool Nodes = false>
class flat_table : private checked_state {
public:
    using key_type = K;
    using mapped_type = V;
    using value_type = std::pair<const K, V>;
    using size_type = std::size_t;
    // What a slot holds: the entry, or (Nodes) a pointer to it.
    using slot_type = std::conditional_t<Nodes, value_type*, value_type>;
    static value_type& entry_of(slot_type* s) noexcept {
        if constexpr (Nodes)
            return **s;
        else
            return *s;
    }
    static const value_type& entry_of(const slot_type* s) noexcept {
        if constexpr (Nodes)
            return **s;
        else
            return *s;
    }


    // One array: a single block from the allocator holding this header, the
    // slots and the metadata words, in that order.
    struct array {
        array* next;  // the next older-to-newer old array, or the next grave
        std::uint8_t* meta;
        slot_type* slots;
        size_type mask;      // groups - 1
        unsigned shift;      // home group = hash >> shift
        size_type n;         // entries (the current array's count lives in the table)
        size_type cursor;    // old arrays: groups below it are migrated
        size_type released;  // bytes from `slots` on already handed back to the OS
        size_type units;     // size of the block, in allocation units
        size_type groups() const noexcept { return mask + 1; }
        std::uint8_t* word(size_type g) const noexcept { return meta + g * group_bytes; }
        slot_type* slot(size_type g, unsigned s) const noexcept { return slots + g * group_slots + s; }
        unsigned char* end() const noexcept { return meta + groups() * group_bytes; }
    };

    // An iterator position: the array, the slot's metadata byte and the slot
    // (a == nullptr: end). Metadata words are 16-byte aligned, so the byte's
    // address gives its group's word and the slot index (slot_index); the
    // slot pointer makes dereferencing free.
    struct pos {
        array* a = nullptr;
        std::uint8_t* m = nullptr;
        slot_type* e = nullptr;
    };
    static value_type* entry_at(const pos& p) noexcept { return std::addressof(entry_of(p.e)); }
    static bool live_at(const pos& p) noexcept { return *p.m != 0; }
    static bool is_end(const pos& p) noexcept { return p.a == nullptr; }
    static bool same(const pos& x, const pos& y) noexcept { return x.m == y.m; }

    static constexpr float max_load_factor() noexcept { return 0.875f; }
    // std's rehash(n) asks for n buckets; ours are slots.
    static size_type entries_for_buckets(size_type n) noexcept { return n / 8 * 7 + n % 8 * 7 / 8; }

private:
    using alloc_traits = std::allocator_traits<Alloc>;
    using value_alloc = typename alloc_traits::template rebind_alloc<value_type>;
    using value_alloc_traits = std::allocator_traits<value_alloc>;
    static constexpr size_type unit_align =
        std::max({std::size_t{16}, alignof(array), alignof(slot_type)});
    struct alignas(unit_align) unit {
        unsigned char b[unit_align];
    };
    using unit_alloc = typename alloc_traits::template rebind_alloc<unit>;
    using unit_alloc_traits = std::allocator_traits<unit_alloc>;
    // Memory from operator new: pages that may be given page advice (handed
    // back early). Other allocators' memory is left alone.
    static constexpr bool std_allocated = pages_from_new<unit_alloc>;

    static constexpr unsigned step_groups = 2;        // non-empty old groups migrated per write
    static constexpr size_type step_visit = 64;       // old groups visited per write at most
    // Sized by measurement on the project's 2-core VM (docs/design.md, "What
    // one write costs"): a page fault costs ~1.5 us, so a write zeroes one
    // page; madvise(MADV_DONTNEED) costs ~9 us for 16 pages and ~10 us for 64
    // (the TLB flush dominates), so a write hands back 256 KiB at once.
    static constexpr size_type zero_at_once = 16384;  // smaller metadata is zeroed by the write that allocates
    static constexpr size_type zero_chunk = 4096;     // metadata bytes zeroed per write
    static constexpr size_type release_chunk = size_type{256} << 10;  // bytes handed back per write
    static constexpr size_type graveyard_min = 1u << 20;  // smaller blocks are freed at once
    // Blocks from here up to graveyard_min hand their pages back just before
    // the free. glibc keeps such blocks in its heap, and a free that leaves
    // more than its trim threshold free at the heap's top gives it all back to
    // the kernel in one brk: with the pages still mapped, 15.8 MiB took 1.5 ms
    // (concurrent_map's shards, docs/concurrency.md, "The worst del while
    // draining"). Pages handed back first make that brk cheap, for ~10 us of
    // madvise per 64 KiB freed.
    static constexpr size_type advise_min = size_type{64} << 10;
    static constexpr size_type min_groups = 2;

    // Everything that describes the table's contents: moved and swapped as one.
    struct state {
        // The current array, its hot fields copied here (nullptr: none).
        array* cur = nullptr;
        const std::uint8_t* meta = flat_empty_meta;
        slot_type* slots = nullptr;
        size_type mask = 1;
        unsigned shift = 63;
        size_type n = 0;   // entries in the current array
        size_type ml = 0;  // max load of the current array (lowered by anti-drift)
        size_type size = 0;
        array* olds = nullptr;       // oldest first
        array* olds_tail = nullptr;  // newest old array
        array* pending = nullptr;    // allocated, metadata being zeroed
        size_type zeroed = 0;        // bytes of pending's metadata zeroed so far
        array* graves = nullptr;     // finished arrays whose pages are being handed back
        size_type shrink_at = 0;     // a shrink is due when size < shrink_at (0: never)
        bool shrink_due = false;     // erase(iterator) made one due: the next insert starts it
        size_type floor_groups = 0;  // reserve / size hint: shrinks stop there
        std::uint64_t hash0 = 0;
        u64_keys_t hk{};  // u64_keys(hash0): the integer mix's constants for this seed
        bool fixed_seed = false;  // fix_seed: reseed keeps hash0
        size_type bytes = 0;
        size_type resizes = 0, shrinks = 0;
        resize_direction direction = resize_direction::none;
        bool auto_shrink = true;
    };

public:
    // ---- construction -------------------------------------------------------

    flat_table(size_type hint, const Hash& h, const KeyEqual& eq, const Alloc& a)
        : hash_(h), eq_(eq), alloc_(a) {
        reseed(st_);
        if (hint > 0) reserve_new(hint);
    }
    ~flat_table() { destroy_all(); }
    flat_table(const flat_table&) = delete;
    flat_table& operator=(const flat_table&) = delete;

    void take(flat_table& o) noexcept {
        invalidate_iterators();
        o.invalidate_iterators();
        st_ = o.st_;
        const bool as = o.st_.auto_shrink;
        o.st_ = state{};
        o.st_.auto_shrink = as;
        reseed(o.st_);
    }
    void swap_table(flat_table& o) noexcept {
        invalidate_iterators();
        o.invalidate_iterators();
        std::swap(st_, o.st_);
    }
    // Allocators are swapped only when asked at compile time: an allocator
    // that does not propagate need not be swappable.
    template <bool WithAllocator>
    void swap_functors(flat_table& o) {
        using std::swap;
        swap(hash_, o.hash_);
        swap(eq_, o.eq_);
        if constexpr (WithAllocator) swap(alloc_, o.alloc_);
    }

    // ---- accessors ----------------------------------------------------------

    size_type size() const noexcept { return st_.size; }
    const Hash& hash_function() const noexcept { return hash_; }
    const KeyEqual& key_eq() const noexcept { return eq_; }
    Alloc& allocator() noexcept { return alloc_; }
    const Alloc& allocator() const noexcept { return alloc_; }
    std::uint64_t hash0() const noexcept { return st_.hash0; }
    bool resizing() const noexcept { return st_.olds != nullptr || st_.pending != nullptr; }
    bool auto_shrink() const noexcept { return st_.auto_shrink; }
    void set_auto_shrink(bool on) noexcept {
        st_.auto_shrink = on;
        update_shrink_at();
    }
    size_type bucket_count() const noexcept { return st_.cur ? (st_.mask + 1) * group_slots : 0; }
    static constexpr size_type max_size() noexcept {
        return (std::numeric_limits<size_type>::max() / 4) / (sizeof(slot_type) + (Nodes ? sizeof(value_type) : 0) + 2);
    }

    map_stats stats() const noexcept {
        map_stats s;
        s.count = st_.size;
        s.B = st_.cur ? log2_of(st_.mask + 1) : 0;
        s.buckets = st_.cur ? st_.mask + 1 : 0;
        s.bucket_size = group_slots * sizeof(slot_type) + group_bytes;
        s.bytes = st_.bytes;
        s.resizing = resizing();
        s.direction = resizing() ? st_.direction : resize_direction::none;
        if (st_.olds) {
            s.old_B = log2_of(st_.olds->groups());
            s.nevacuate = st_.olds->cursor;
        }
        s.hash0 = st_.hash0;
        s.resizes = st_.resizes;
        s.shrinks = st_.shrinks;
        s.auto_shrink = st_.auto_shrink;
        s.min_B = st_.floor_groups ? log2_of(st_.floor_groups) : 0;
        return s;
    }

    // ---- hashing ------------------------------------------------------------

    // Integer keys under gomap::hash, and std-style hashers, use the mix's
    // constants kept for the seed (the same value as seeded_hash, fewer steps).
    template <class Q>
    GOMAP_ALWAYS_INLINE std::uint64_t hash_of(const Q& key) const {
        return hash_with(key, st_.hk, st_.hash0);
    }
    template <class Q>
    GOMAP_ALWAYS_INLINE std::uint64_t hash_with(const Q& key, const u64_keys_t& hk, std::uint64_t seed) const {
        return map_hash(hash_, key, hk, seed);
    }

    // A seed that stays: never re-drawn, not when the map empties nor on
    // clear(). concurrent_map's shards share their map's seed so that one
    // hash per operation both picks the shard and probes it (find_pos(key, h)
    // and the other pre-hashed forms take h = hash_of(key)). Only on a table
    // that holds no array.
    void fix_seed(std::uint64_t seed) {
        if (has_arrays()) throw std::logic_error("gomap: fix_seed on a table that holds arrays");
        st_.hash0 = seed;
        st_.hk = u64_keys(seed);
        st_.fixed_seed = true;
    }

    // ---- lookup ---------------------------------------------------------------

    template <class Q>
    GOMAP_ALWAYS_INLINE pos find_pos(const Q& key) const {
        return find_pos(key, hash_of(key));
    }
    // h: hash_of(key), computed by the caller.
    template <class Q>
    GOMAP_ALWAYS_INLINE pos find_pos(const Q& key, std::uint64_t h) const {
        check_not_writing("concurrent map read and map write");
        const found x = probe(st_.meta, st_.slots, st_.mask, h >> st_.shift, h, key);
        if (GOMAP_LIKELY(x.e != nullptr)) return {st_.cur, x.m, x.e};
        if (GOMAP_LIKELY(st_.olds == nullptr)) return {};
        return find_in_olds(h, key);
    }

    // ---- insert -------------------------------------------------------------

    // Finds key; if absent, make(allocator&, value_type* where) constructs the
    // entry in place. Returns the entry's position and whether it was inserted.
    // on_found(value_type&) runs on a present entry (insert_or_assign).
    template <class Q, class Make, class OnFound>
    GOMAP_ALWAYS_INLINE std::pair<pos, bool> find_or_insert(const Q& key, Make&& make, OnFound&& on_found) {
        return find_or_insert_hashed(key, hash_of(key), make, on_found);
    }
    template <class Q, class Make>
    GOMAP_ALWAYS_INLINE std::pair<pos, bool> find_or_insert(const Q& key, Make&& make) {
        return find_or_insert_hashed(key, hash_of(key), make, [](value_type&) {});
    }
    // h: hash_of(key), computed by the caller.
    template <class Q, class Make, class OnFound>
    GOMAP_ALWAYS_INLINE std::pair<pos, bool> find_or_insert_hashed(const Q& key, std::uint64_t h, Make&& make,
                                                                   OnFound&& on_found) {
        check_not_writing("concurrent map writes");
        const size_type home = h >> st_.shift;
        const found x = probe(st_.meta, st_.slots, st_.mask, home, h, key);
        if (x.e != nullptr) {
            write_guard guard(*this);
            on_found(entry_of(x.e));
            return {pos{st_.cur, x.m, x.e}, false};
        }
        // The common case, inline: no resize or shrink under way, the array
        // below its max load, a free slot in the home group.
        if (GOMAP_LIKELY(quiet() && st_.n < st_.ml)) {
            std::uint8_t* w = st_.cur->meta + home * group_bytes;
            const unsigned free = group_match_empty(w);
            if (GOMAP_LIKELY(free != 0)) {
                write_guard guard(*this);
                invalidate_iterators();
                const unsigned s = lowest_bit(free);
                slot_type* e = st_.slots + home * group_slots + s;
                construct_in(e, make);  // may throw: nothing is marked yet
                w[s] = reduced_hash(h);
                ++st_.n;
                ++st_.size;
                return {pos{st_.cur, w + s, e}, true};
            }
        }
        return insert_slow(h, key, make, on_found);
    }

    // ---- erase ----------------------------------------------------------------

    template <class Q>
    GOMAP_ALWAYS_INLINE size_type erase_key(const Q& key) {
        return erase_key(key, hash_of(key));
    }
    // h: hash_of(key), computed by the caller.
    template <class Q>
    GOMAP_ALWAYS_INLINE size_type erase_key(const Q& key, std::uint64_t h) {
        check_not_writing("concurrent map writes");
        const pos p = find_pos(key, h);
        if (p.a == nullptr) return 0;
        write_guard guard(*this);
        invalidate_iterators();
        remove(p);
        if (GOMAP_UNLIKELY(st_.size < st_.shrink_at || st_.size == 0 || !quiet())) after_erase_key();
        return 1;
    }

    // erase(iterator): moves nothing, starts nothing; returns the next entry.
    pos erase_at(pos p) noexcept {
        check_not_writing("concurrent map writes");
        write_guard guard(*this);
        remove(p);
        return after_erase_at(p);
    }
    // Nodes: take the entry at p out of the table without destroying it (as
    // erase_at, which it is otherwise); the caller owns the node, allocated
    // with this table's allocator rebound to value_type.
    value_type* release_at(const pos& p) noexcept
        requires Nodes
    {
        check_not_writing("concurrent map writes");
        write_guard guard(*this);
        value_type* node = *p.e;
        st_.bytes -= sizeof(value_type);
        unlink(p);
        after_erase_at(p);
        return node;
    }
    // What find_or_insert's make may be, in node mode: a node built already
    // (a node handle's), which the slot takes as it is.
    struct adopt_node {
        value_type* node;
    };

private:
    pos after_erase_at(pos p) noexcept {
        if (st_.size == 0) {
            on_empty();
            return {};
        }
        if (st_.size < st_.shrink_at) st_.shrink_due = true;  // the next insert starts it
        ++p.m;
        ++p.e;
        settle(p);
        return p;
    }

public:
    // A shrink that erase(iterator) calls made due: erase_if and range() run it
    // when they end.
    void shrink_if_due() {
        if (st_.size >= st_.shrink_at || paused()) return;
        write_guard guard(*this);
        invalidate_iterators();
        maybe_start_shrink();
    }

    // ---- clear, reserve, shrink_to_fit -------------------------------------------

    void clear() {
        check_not_writing("concurrent map writes");
        write_guard guard(*this);
        if (st_.size == 0) {
            // Go's mapclear returns at once; gomap::map still gives back what an
            // empty map may hold (a size hint's array).
            if (st_.auto_shrink && !paused() && has_arrays()) {
                invalidate_iterators();
                release_to_fresh();
            }
            return;
        }
        invalidate_iterators();
        destroy_entries();
        if (st_.auto_shrink && !paused()) {
            release_to_fresh();
        } else {
            // Keep the arrays (a range() may be walking them): every entry is
            // gone, every slot byte zero. Overflow bits stay; they only make
            // probes longer, and the next rebuild drops them.
            st_.n = 0;
            st_.size = 0;
            for (array* a = st_.olds; a; a = a->next) a->n = 0;
        }
        reseed(st_);
        update_shrink_at();
    }

    // Make room for n entries without a grow; with floor, shrinks stop at n.
    // O(n) when it has to rebuild (an explicit request).
    void reserve(size_type n, bool floor = true) {
        if (n > max_size()) throw std::length_error("gomap: reserve size exceeds max_size()");
        const size_type g = groups_for(n);
        check_not_writing("concurrent map writes");
        write_guard guard(*this);
        if (floor && g > st_.floor_groups) st_.floor_groups = g;
        update_shrink_at();
        if (paused()) return;  // a range() is walking the arrays; a hint can wait
        invalidate_iterators();
        if (st_.size == 0 && n == 0) return;
        const size_type need = std::max(g, groups_for(st_.size));
        if (st_.cur && st_.mask + 1 >= need && !resizing()) return;
        finish_resize();
        if (!st_.cur || st_.mask + 1 < need) rebuild(need);
    }

    // A new table's size hint (make(map, n)): its array, allocated now. There
    // is no entry to move, so constructing a map instantiates no migration: a
    // map of entries that can be neither moved nor copied compiles, and works
    // until it has to resize.
    void reserve_new(size_type n) {
        if (n > max_size()) throw std::length_error("gomap: size hint exceeds max_size()");
        const size_type g = groups_for(n);
        st_.floor_groups = g;
        start_resize(g, resize_direction::grow);
        finish_zeroing();
        update_shrink_at();
    }

    // Finish any resize and shrink to the smallest array that holds the
    // entries (never below the floor). O(n).
    void shrink_to_fit() {
        check_not_writing("concurrent map writes");
        write_guard guard(*this);
        invalidate_iterators();
        if (paused()) return;
        if (st_.size == 0) {
            release_to_fresh();
            return;
        }
        const size_type target = std::max(st_.floor_groups, groups_for(st_.size));
        finish_resize();
        if (target != st_.mask + 1) rebuild(target);
        while (st_.graves) reap(true);
    }

    // ---- iteration ------------------------------------------------------------

    pos begin_pos() const {
        check_not_writing("concurrent map iteration and map write");
        if (st_.size == 0) return {};
        array* a = first_array();
        const size_type g = a == st_.cur ? 0 : a->cursor;
        pos p{a, a->word(g), a->slot(g, 0)};
        settle(p);
        return p;
    }
    void advance(pos& p) const {
        check_not_writing("concurrent map iteration and map write");
        ++p.m;
        ++p.e;
        settle(p);
    }

    // Go's for-range: every array (old ones first), each from a random group
    // and slot offset. fn(const K&, V&) may return bool (false stops). While a
    // non-const loop runs, migration is paused (range_pause): nothing moves.
    template <class Self, class Fn>
    static void range_impl(Self& self, Fn& fn) {
        if (self.st_.size == 0) return;
        const std::uint64_t r = fastrand64();
        const unsigned off = static_cast<unsigned>((r >> 40) % group_slots);
        for (array* a = self.first_array(); a; a = self.next_array(a)) {
            const size_type ng = a->groups();
            const size_type start = static_cast<size_type>(r) & a->mask;
            for (size_type k = 0; k < ng; ++k) {
                const size_type g = (start + k) & a->mask;
                const std::uint8_t* w = a->word(g);
                for (unsigned j = 0; j < group_slots; ++j) {
                    unsigned s = j + off;
                    if (s >= group_slots) s -= group_slots;
                    if (w[s] == 0) continue;
                    self.check_not_writing("concurrent map iteration and map write");
                    value_type* e = std::addressof(entry_of(a->slot(g, s)));
                    if constexpr (std::is_same_v<std::invoke_result_t<Fn&, const K&, decltype((e->second))>, bool>) {
                        if (!fn(std::as_const(e->first), e->second)) return;
                    } else {
                        fn(std::as_const(e->first), e->second);
                    }
                }
            }
        }
    }

    struct range_pause {
        flat_table& t;
        explicit range_pause(flat_table& m) noexcept : t(m) { ++t.range_depth_; }
        ~range_pause() {
            if (--t.range_depth_ == 0) {
                if (t.st_.size == 0 && t.st_.auto_shrink && t.has_arrays()) {
                    t.invalidate_iterators();
                    t.release_to_fresh();
                } else {
                    t.shrink_if_due();
                }
            }
        }
    };

    // Calls fn(value_type&) once for every entry, without hashing.
    template <class Fn>
    void for_each_entry(Fn&& fn) const {
        for (array* a = first_array(); a; a = next_array(a))
            for (size_type g = a == st_.cur ? 0 : a->cursor; g < a->groups(); ++g)
                for (unsigned bits = group_match_occupied(a->word(g)); bits; bits &= bits - 1)
                    fn(entry_of(a->slot(g, lowest_bit(bits))));
    }

    // Calls fn(const group_view&) for every group of every array, old arrays
    // first (oldest first), then the current one (the lab's inspector, the
    // tests). Groups of an old array below its cursor are migrated and empty.
    struct group_view {
        bool current;             // in the current array (else an old one)
        std::size_t array_index;  // 0 = oldest array
        std::size_t groups;       // groups in this array
        std::size_t cursor;       // old arrays: migration cursor (0 for the current one)
        std::size_t index;        // this group
        const std::uint8_t* word;     // 16 bytes: reduced hashes (0 = empty), overflow byte
        const slot_type* slots;       // group_slots slots; slot s holds an entry iff word[s] != 0
        // The entry of slot s (word[s] != 0), whichever way the slot holds it.
        const value_type& entry(unsigned s) const noexcept { return entry_of(slots + s); }
    };
    template <class Fn>
    void for_each_group(Fn&& fn) const {
        std::size_t ai = 0;
        for (array* a = first_array(); a; a = next_array(a), ++ai) {
            const bool cur = a == st_.cur;
            for (size_type g = 0; g < a->groups(); ++g)
                fn(group_view{cur, ai, a->groups(), cur ? size_type{0} : a->cursor, g, a->word(g), a->slot(g, 0)});
        }
    }

    // ---- invariants -------------------------------------------------------------

    std::string check_invariants() const {
        std::string err;
        auto fail = [&](const std::string& m) {
            if (err.empty()) err = m;
        };
        size_type total = 0;
        for (array* a = first_array(); a; a = next_array(a)) {
            const bool is_cur = a == st_.cur;
            size_type live = 0;
            for (size_type g = 0; g < a->groups(); ++g) {
                const std::uint8_t* w = a->word(g);
                const unsigned occ = group_match_occupied(w);
                if (!is_cur && g < a->cursor && occ != 0) fail("entry in an old group below the migration cursor");
                for (unsigned bits = occ; bits; bits &= bits - 1) {
                    const unsigned s = lowest_bit(bits);
                    ++live;
                    const value_type& e = entry_of(a->slot(g, s));
                    if (!reflexive(e.first)) continue;  // NaN: hashed at random, never found
                    const std::uint64_t h = hash_of(e.first);
                    if (w[s] != reduced_hash(h)) fail("slot byte is not the entry's reduced hash");
                    // The lookup must reach this very entry: every group before
                    // it on the probe sequence carries the overflow bit, and no
                    // other entry (here or in another array) has its key.
                    const pos p = find_pos(e.first);
                    if (p.a == nullptr) fail("entry unreachable (an overflow bit on its probe sequence is clear)");
                    else if (p.m != w + s) fail("lookup of an entry finds another entry (duplicate key)");
                }
            }
            const size_type n = is_cur ? st_.n : a->n;
            if (n != live) fail("array count differs from its occupied slots");
            if (!is_cur && a->cursor > a->groups()) fail("migration cursor past the end");
            total += live;
        }
        if (total != st_.size) fail("size differs from the entries held");
        if (st_.cur && st_.ml > (st_.mask + 1) * group_slots) fail("max load above capacity");
        if (!st_.cur && (st_.size != 0 || st_.olds || st_.pending)) fail("arrays without a current array");
        if (st_.pending && st_.zeroed >= st_.pending->groups() * group_bytes) fail("zeroed pending array not in use");
        if (!st_.cur && st_.meta != flat_empty_meta) fail("no array but metadata");
        return err;
    }

    // ---- checked mode (Go's hashWriting): detail/checked.hpp -------------------

    using checked_state::generation;
    using checked_state::invalidate_iterators;

private:
    struct hit {
        size_type g;
        unsigned s;  // group_slots: no room
    };
    // A probe's result: the slot's metadata byte and the slot (e == nullptr: absent).
    struct found {
        std::uint8_t* m;
        slot_type* e;
    };
    // Nothing under way: no resize, no array being handed back, no shrink due.
    bool quiet() const noexcept {
        return (reinterpret_cast<std::uintptr_t>(st_.olds) | reinterpret_cast<std::uintptr_t>(st_.pending) |
                reinterpret_cast<std::uintptr_t>(st_.graves) | static_cast<std::uintptr_t>(st_.shrink_due)) == 0;
    }
    static unsigned slot_index(const std::uint8_t* m) noexcept {
        return static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(m) & (group_bytes - 1));
    }

    bool paused() const noexcept { return range_depth_ != 0; }
    // Go draws a new seed for each map, and again when it empties (unless
    // fix_seed fixed it).
    static void reseed(state& st) noexcept {
        if (st.fixed_seed) return;
        st.hash0 = fastrand64();
        st.hk = u64_keys(st.hash0);
    }
    bool has_arrays() const noexcept { return st_.cur || st_.olds || st_.pending || st_.graves; }

    static std::uint8_t log2_of(size_type x) noexcept {
        return static_cast<std::uint8_t>(std::numeric_limits<size_type>::digits - 1 - __builtin_clzll(x));
    }
    static constexpr size_type max_load_of(size_type groups) noexcept { return groups * group_slots * 7 / 8; }
    // The smallest power-of-two group count (>= 2) whose max load holds n.
    static size_type groups_for(size_type n) {
        if (n > max_size()) throw std::length_error("gomap: map size exceeds max_size()");
        size_type g = min_groups;
        while (max_load_of(g) < n) g *= 2;
        return g;
    }
    template <class Q>
    static bool reflexive(const Q& k) {
        if constexpr (std::is_floating_point_v<Q>)
            return k == k;
        else
            return true;
    }

    // ---- probing ----------------------------------------------------------------

    // Entries live only in allocated arrays (never in flat_empty_meta), so a
    // found slot is writable: the const_casts below are on real arrays.
    template <class Q>
    GOMAP_ALWAYS_INLINE found probe(const std::uint8_t* meta, const slot_type* slots, size_type mask, size_type g,
                                    std::uint64_t h, const Q& key) const {
        const std::uint8_t r = reduced_hash(h);
        for (size_type step = 0;;) {
            const std::uint8_t* w = meta + g * group_bytes;
            unsigned bits = group_match(w, r);
            if (bits) {
                const slot_type* base = slots + g * group_slots;
#if defined(__GNUC__)
                __builtin_prefetch(base);  // overlaps the first line's fetch with the bit scan
#endif
                do {
                    const unsigned s = lowest_bit(bits);
                    if (GOMAP_LIKELY(eq_(key, entry_of(base + s).first)))
                        return {const_cast<std::uint8_t*>(w) + s, const_cast<slot_type*>(base) + s};
                    bits &= bits - 1;
                } while (bits);
            }
            if (GOMAP_LIKELY(!group_overflowed(w, h))) return {nullptr, nullptr};
            if (GOMAP_UNLIKELY(++step > mask)) return {nullptr, nullptr};
            g = (g + step) & mask;
        }
    }

    template <class Q>
    GOMAP_NOINLINE pos find_in_olds(std::uint64_t h, const Q& key) const {
        for (array* a = st_.olds; a; a = a->next) {
            const found x = probe(a->meta, a->slots, a->mask, h >> a->shift, h, key);
            if (x.e != nullptr) return {a, x.m, x.e};
        }
        return {};
    }

    // The first group with a free slot on h's probe sequence in the current
    // array, from group g; passed = full groups passed. s == group_slots when
    // the array is full. Marks nothing (commit_slot does, once the entry exists).
    hit free_slot(size_type g, std::uint64_t, size_type& passed) const noexcept {
        passed = 0;
        if (st_.cur == nullptr) return {0, group_slots};
        for (;;) {
            const unsigned e = group_match_empty(st_.meta + g * group_bytes);
            if (GOMAP_LIKELY(e != 0)) return {g, lowest_bit(e)};
            if (++passed > st_.mask) return {0, group_slots};
            g = (g + passed) & st_.mask;
        }
    }
    // Mark the slot found by free_slot as holding hash h, and the groups
    // passed on the way as overflowed for h.
    void commit_slot(hit f, size_type passed, std::uint64_t h) noexcept {
        std::uint8_t* meta = st_.cur->meta;
        if (GOMAP_UNLIKELY(passed != 0)) {
            size_type g = h >> st_.shift;
            for (size_type step = 0; step < passed;) {
                meta[g * group_bytes + overflow_byte] |= overflow_bit(h);
                g = (g + ++step) & st_.mask;
            }
        }
        meta[f.g * group_bytes + f.s] = reduced_hash(h);
        ++st_.n;
        ++st_.size;
    }

    // find_or_insert's other cases, out of line: the key may sit in an old
    // array, a grow or a shrink may be due, the home group may be full, and a
    // step of resize work follows the insert.
    template <class Q, class Make, class OnFound>
    GOMAP_NOINLINE std::pair<pos, bool> insert_slow(std::uint64_t h, const Q& key, Make& make, OnFound& on_found) {
        if (GOMAP_UNLIKELY(st_.olds != nullptr)) {
            const pos p = find_in_olds(h, key);
            if (p.a) {
                write_guard guard(*this);
                on_found(entry_of(p.e));
                return {p, false};
            }
        }
        write_guard guard(*this);
        invalidate_iterators();
        if (GOMAP_UNLIKELY(st_.n >= st_.ml)) {
            grow();
        } else if (GOMAP_UNLIKELY(st_.shrink_due)) {
            maybe_start_shrink();
        }
        size_type passed = 0;
        hit f = free_slot(h >> st_.shift, h, passed);
        if (GOMAP_UNLIKELY(f.s == group_slots)) {
            make_room();
            f = free_slot(h >> st_.shift, h, passed);
        }
        slot_type* e = st_.slots + f.g * group_slots + f.s;
        construct_in(e, make);  // may throw: nothing is marked yet
        commit_slot(f, passed, h);
        const pos p{st_.cur, st_.cur->word(f.g) + f.s, e};
        if (GOMAP_UNLIKELY(resizing() || st_.graves != nullptr)) step();
        return {p, true};
    }

    // ---- removal ----------------------------------------------------------------

    // Build the entry of slot e with make(allocator&, value_type* where): in
    // the slot, or (Nodes) in a node of its own whose pointer the slot takes.
    // A throw leaves the slot as it was (and frees the node).
    template <class Make>
    GOMAP_ALWAYS_INLINE void construct_in(slot_type* e, Make& make) {
        value_alloc va(alloc_);
        if constexpr (std::is_same_v<std::remove_cvref_t<Make>, adopt_node>) {
            static_assert(Nodes);
            ::new (static_cast<void*>(e)) slot_type(make.node);
            st_.bytes += sizeof(value_type);
        } else if constexpr (Nodes) {
            ::new (static_cast<void*>(e)) slot_type(new_node(va, make));
            st_.bytes += sizeof(value_type);
        } else {
            make(va, e);
        }
    }
    // Destroy the entry of slot e (and free its node).
    void destroy_in(slot_type* e) noexcept {
        value_alloc va(alloc_);
        if constexpr (Nodes) {
            delete_node(va, *e);
            st_.bytes -= sizeof(value_type);
        } else {
            value_alloc_traits::destroy(va, e);
        }
    }

    // Destroy the entry at p and empty its slot.
    void remove(const pos& p) noexcept {
        destroy_in(p.e);
        unlink(p);
    }
    // Empty the slot at p, whose entry is gone (destroyed, or released).
    void unlink(const pos& p) noexcept {
        const std::uint8_t* w = p.m - slot_index(p.m);
        if (p.a == st_.cur) {
            // Anti-drift: an entry of an overflowed group may be why later keys
            // probe on; count its slot as lost until the next rebuild.
            if (group_overflowed(w, *p.m) && st_.ml > 0) --st_.ml;
            --st_.n;
        } else {
            --p.a->n;
        }
        *p.m = 0;
        --st_.size;
    }

    // erase(key)'s tail, out of line: the map emptied, a resize step to run,
    // or a shrink due.
    GOMAP_NOINLINE void after_erase_key() {
        if (st_.size == 0) {
            on_empty();
            return;
        }
        if (resizing() || st_.graves != nullptr) step();
        if (st_.size < st_.shrink_at) maybe_start_shrink();
    }

    // The map became empty: Go re-draws the seed; gomap::map gives every array back.
    void on_empty() noexcept {
        reseed(st_);
        if (st_.auto_shrink && !paused()) {
            invalidate_iterators();
            release_to_fresh();
        }
    }

    // ---- iteration helpers ----------------------------------------------------------

    array* first_array() const noexcept { return st_.olds ? st_.olds : st_.cur; }
    array* next_array(array* a) const noexcept {
        if (a == st_.cur) return nullptr;
        return a->next ? a->next : st_.cur;
    }
    // Move p to the first live entry at or after it; end when none.
    // (p.m may be one past a group's last slot byte: the overflow byte.)
    void settle(pos& p) const noexcept {
        while (p.a) {
            const unsigned s = slot_index(p.m);
            std::uint8_t* w = p.m - s;
            if (w < p.a->end()) {
                const unsigned bits = group_match_occupied(w) & (slot_mask_all << s);
                if (bits) {
                    const unsigned t = lowest_bit(bits);
                    p.m = w + t;
                    p.e += t - s;
                    return;
                }
                if (w + group_bytes < p.a->end()) {
                    p.m = w + group_bytes;
                    p.e += group_slots - s;
                    continue;
                }
            }
            array* a = next_array(p.a);
            p.a = a;
            if (a) {
                const size_type g = a == st_.cur ? 0 : a->cursor;
                p.m = a->word(g);
                p.e = a->slot(g, 0);
            }
        }
        p = pos{};
    }

    // ---- arrays -------------------------------------------------------------------

    static size_type slots_offset() noexcept { return (sizeof(array) + unit_align - 1) / unit_align * unit_align; }

    // A new array of `groups` groups; its metadata is not initialised.
    array* allocate_array(size_type groups) {
        const size_type slot_bytes = groups * group_slots * sizeof(slot_type);
        const size_type meta_off = (slots_offset() + slot_bytes + group_bytes - 1) / group_bytes * group_bytes;
        const size_type units = (meta_off + groups * group_bytes + unit_align - 1) / unit_align;
        unit_alloc ua(alloc_);
        unsigned char* raw = reinterpret_cast<unsigned char*>(allocate_raw(ua, units));
        // Opt-in (GOMAP_HUGE_PAGES=1, config.hpp): blocks of 4 MiB and more
        // from the standard allocator ask for transparent huge pages.
        if constexpr (GOMAP_HUGE_PAGES && std_allocated)
            if (units * unit_align >= (size_type{4} << 20)) advise_huge_pages(raw, units * unit_align);
        array* a = ::new (static_cast<void*>(raw)) array{};
        a->meta = raw + meta_off;
        a->slots = reinterpret_cast<slot_type*>(raw + slots_offset());
        a->mask = groups - 1;
        a->shift = 64u - log2_of(groups);
        a->units = units;
        st_.bytes += units * unit_align;
        return a;
    }
    void deallocate_array(array* a) noexcept {
        unit_alloc ua(alloc_);
        const size_type units = a->units;
        st_.bytes -= units * unit_align;
        a->~array();
        unit* u = reinterpret_cast<unit*>(a);
        deallocate_raw(ua, u, units);
    }

    // Make `a` the current array (its metadata zeroed); the previous one
    // becomes the newest old array (even when empty: a range() may be walking
    // it; the next migration step retires it).
    void install(array* a) noexcept {
        array* prev = st_.cur;
        if (prev) {
            prev->n = st_.n;
            prev->cursor = 0;
            prev->next = nullptr;
            if (st_.olds_tail) {
                st_.olds_tail->next = prev;
                st_.olds_tail = prev;
            } else {
                st_.olds = st_.olds_tail = prev;
            }
        }
        st_.cur = a;
        st_.meta = a->meta;
        st_.slots = a->slots;
        st_.mask = a->mask;
        st_.shift = a->shift;
        st_.n = 0;
        st_.ml = max_load_of(a->groups());
        update_shrink_at();
    }

    // Begin a resize to `groups`: allocate (may throw; nothing changes), then
    // zero the metadata, at once if small, else over the next writes.
    void start_resize(size_type groups, resize_direction d) {
        array* a = allocate_array(groups);
        ++st_.resizes;
        if (d == resize_direction::shrink) ++st_.shrinks;
        st_.direction = d;
        if (st_.pending) finish_zeroing();  // only when a range() made room twice
        st_.pending = a;
        st_.zeroed = 0;
        st_.shrink_at = 0;
        if (groups * group_bytes <= zero_at_once) finish_zeroing();
    }
    void zero_some() noexcept {
        array* a = st_.pending;
        const size_type total = a->groups() * group_bytes;
        const size_type n = std::min(zero_chunk, total - st_.zeroed);
        std::memset(a->meta + st_.zeroed, 0, n);
        st_.zeroed += n;
        if (st_.zeroed == total) {
            st_.pending = nullptr;
            install(a);
        }
    }
    void finish_zeroing() noexcept {
        while (st_.pending) zero_some();
    }

    // An insert found the current array at its max load.
    GOMAP_NOINLINE void grow() {
        if (st_.cur == nullptr) {
            start_resize(std::max(groups_for(1), st_.floor_groups), resize_direction::grow);
            return;
        }
        if (st_.pending) return;  // zeroing: go on filling the current array
        const size_type g = groups_for(st_.size + st_.size / 61 + 1);
        start_resize(std::max(g, st_.mask + 1),
                     g > st_.mask + 1 ? resize_direction::grow : resize_direction::same_size);
    }
    // The current array has no free slot at all (a range() held the migration
    // while inserts filled it): open the next array now. A full array holds
    // more than its max load, so the new one is larger.
    GOMAP_NOINLINE void make_room() {
        if (!st_.pending) start_resize(groups_for(st_.size + st_.size / 61 + 1), resize_direction::grow);
        finish_zeroing();
    }

    void update_shrink_at() noexcept {
        if (!st_.auto_shrink || !st_.cur || st_.olds || st_.pending || st_.mask + 1 <= min_groups ||
            st_.mask + 1 <= st_.floor_groups) {
            st_.shrink_at = 0;
            return;
        }
        st_.shrink_at = max_load_of(st_.mask + 1) / 4;
    }
    void maybe_start_shrink() {
        if (paused()) return;
        st_.shrink_due = false;
        if (st_.size >= st_.shrink_at) return;
        if (st_.size == 0) {
            release_to_fresh();
            return;
        }
        const size_type g = std::max(groups_for(2 * st_.size), st_.floor_groups);
        if (g >= st_.mask + 1) {
            st_.shrink_at = 0;
            return;
        }
        try {
            start_resize(g, resize_direction::shrink);
        } catch (...) {
            // No memory for the smaller array: keep the larger one.
        }
    }

    // ---- migration --------------------------------------------------------------------

    // One write's share of the resize work: zero a chunk of a pending array,
    // else migrate from the oldest array (unless a range() holds it); then
    // hand back a chunk of a finished array's pages. A throwing Hash stops the
    // step; the work is left for the next write.
    void step() noexcept {
        if (st_.pending) {
            zero_some();
        } else if (st_.olds && !paused()) {
            try {
                migrate(st_.olds, step_groups, step_visit);
            } catch (...) {
            }
        }
        if (st_.graves) reap(false);
    }

    // Move up to `nonempty` non-empty groups of old array a, visiting at most
    // `visit`, into the current array.
    void migrate(array* a, unsigned nonempty, size_type visit) {
        const size_type end = std::min(a->groups(), a->cursor + visit);
        unsigned done = 0;
        while (a->cursor < end && done < nonempty && a->n != 0) {
            const auto cnt = static_cast<size_type>(__builtin_popcount(group_match_occupied(a->word(a->cursor))));
            if (cnt != 0 && st_.n + cnt > st_.ml) {
                // The current array would pass its max load: a range() let
                // inserts fill it while migration waited, or anti-drift
                // lowered it. Open an array sized for every entry; the
                // current one becomes old too.
                if (!st_.pending)
                    start_resize(std::max(groups_for(st_.size + st_.size / 61 + 1), st_.mask + 1),
                                 resize_direction::grow);
                if (st_.pending) return;  // being zeroed: migration goes on once it is in use
            }
            if (move_group(a, a->cursor)) ++done;
            ++a->cursor;
        }
        if (std_allocated) {
            const size_type behind = a->cursor * group_slots * sizeof(slot_type);
            if (behind - a->released >= release_chunk && a->units * unit_align >= graveyard_min) {
                release_pages(a->slots, reinterpret_cast<unsigned char*>(a->slots) + a->released,
                              reinterpret_cast<unsigned char*>(a->slots) + behind);
                a->released = behind;
            }
        }
        if (a->n == 0 || a->cursor == a->groups()) retire_oldest();
    }
    // Move every entry of old group g into the current array; true when it had
    // any. The keys are known to be absent from the current array, so each
    // takes the first free slot on its probe sequence, marking the full groups
    // it passes as overflowed. (The current array's fields are kept in locals:
    // the metadata and entry stores may alias the table's own fields.)
    bool move_group(array* a, size_type g) {
        std::uint8_t* const w = a->word(g);
        unsigned bits = group_match_occupied(w);
        if (!bits) return false;
        value_alloc va(alloc_);
        slot_type* const from_base = a->slot(g, 0);
        std::uint8_t* const meta = st_.cur->meta;
        slot_type* const slots = st_.cur->slots;
        const size_type mask = st_.cur->mask;
        const unsigned shift = st_.cur->shift;
        const u64_keys_t hk = st_.hk;
        const std::uint64_t seed = st_.hash0;
        // The free slots of the last group filled at each parity: an old
        // group's entries go home to one group (shrink) or two neighbours
        // (grow), and re-reading a word just written by a byte store stalls
        // (the store cannot be forwarded to the wider load).
        size_type seen_g[2] = {~size_type{0}, ~size_type{0}};
        unsigned seen_free[2] = {0, 0};
        if constexpr (Nodes)  // rehashing reads every node: fetch them all at once, not one miss after another
            for (unsigned b = bits; b; b &= b - 1) __builtin_prefetch(from_base[lowest_bit(b)]);
        for (; bits; bits &= bits - 1) {
            const unsigned s = lowest_bit(bits);
            slot_type* from = from_base + s;
            const std::uint64_t h = hash_with(entry_of(from).first, hk, seed);  // may throw: nothing moved yet
            const size_type home = h >> shift;
            size_type tg = home;
            unsigned free = seen_g[tg & 1] == tg ? seen_free[tg & 1] : group_match_empty(meta + tg * group_bytes);
            if (GOMAP_UNLIKELY(free == 0)) {
                size_type passed = 0;
                do {
                    if (++passed > mask) throw std::length_error("gomap: current array full");  // see make_room
                    tg = (tg + passed) & mask;
                    free = group_match_empty(meta + tg * group_bytes);
                } while (free == 0);
                for (size_type g2 = home, step = 0; step < passed;) {
                    meta[g2 * group_bytes + overflow_byte] |= overflow_bit(h);
                    g2 = (g2 + ++step) & mask;
                }
            }
            const unsigned t = lowest_bit(free);
            seen_g[tg & 1] = tg;
            seen_free[tg & 1] = free & (free - 1);
            slot_type* to = slots + tg * group_slots + t;
            if constexpr (Nodes) {
                ::new (static_cast<void*>(to)) slot_type(*from);  // the node stays where it is
            } else {
            // An entry whose move may throw is copied (when it can be): if the
            // copy throws, it is still whole in its old slot, every entry
            // moved before it is in place, and the group is migrated again
            // by a later step. A move-only entry whose move may throw keeps
            // what its move left (the basic guarantee, as in Boost's maps).
            value_alloc_traits::construct(va, to, std::move_if_noexcept(const_cast<K&>(from->first)),
                                          std::move_if_noexcept(from->second));
            value_alloc_traits::destroy(va, from);
            }
            w[s] = 0;
            meta[tg * group_bytes + t] = reduced_hash(h);
            --a->n;
            ++st_.n;
        }
        return true;
    }
    // The oldest array is empty: off the list, into the graveyard.
    void retire_oldest() noexcept {
        array* a = st_.olds;
        st_.olds = a->next;
        if (!st_.olds) st_.olds_tail = nullptr;
        bury(a);
        update_shrink_at();
    }
    void bury(array* a) noexcept {
        if (!std_allocated || a->units * unit_align < graveyard_min) {
            if (std_allocated && a->units * unit_align >= advise_min)
                release_pages(a->slots, a->slots, a->end());
            deallocate_array(a);
            return;
        }
        a->next = st_.graves;
        st_.graves = a;
    }
    // Hand back one chunk of the first grave's pages; free it when done (all:
    // free it now).
    void reap(bool all) noexcept {
        array* a = st_.graves;
        unsigned char* from = reinterpret_cast<unsigned char*>(a->slots);
        const size_type total = static_cast<size_type>(a->end() - from);
        if (!all && total - a->released > release_chunk) {
            release_pages(from, from + a->released, from + a->released + release_chunk);
            a->released += release_chunk;
            return;
        }
        st_.graves = a->next;
        deallocate_array(a);
    }

    // Finish the resizes in progress now. O(n). A throwing Hash leaves a
    // valid resize in progress (contents unchanged).
    void finish_resize() {
        finish_zeroing();
        while (st_.olds) {
            migrate(st_.olds, ~0u, st_.olds->groups());
            finish_zeroing();
        }
        update_shrink_at();
    }
    // Rebuild into a new array of `groups` groups now. O(n).
    void rebuild(size_type groups) {
        finish_zeroing();
        start_resize(groups, !st_.cur || groups > st_.mask + 1 ? resize_direction::grow
                             : groups < st_.mask + 1          ? resize_direction::shrink
                                                              : resize_direction::same_size);
        finish_resize();
    }

    // ---- teardown -------------------------------------------------------------------

    void destroy_entries() noexcept {
        for (array* a = first_array(); a; a = next_array(a))
            for (size_type g = a == st_.cur ? 0 : a->cursor; g < a->groups(); ++g)
                for (unsigned bits = group_match_occupied(a->word(g)); bits; bits &= bits - 1)
                    destroy_in(a->slot(g, lowest_bit(bits)));
        for (array* a = first_array(); a; a = next_array(a))
            for (size_type g = 0; g < a->groups(); ++g) group_clear_slots(a->word(g));
    }
    // Free every array: the map holds what a new map holds (nothing). Entries
    // must be gone already.
    void release_to_fresh() noexcept {
        for (array* a = st_.olds; a;) {
            array* nx = a->next;
            deallocate_array(a);
            a = nx;
        }
        for (array* a = st_.graves; a;) {
            array* nx = a->next;
            deallocate_array(a);
            a = nx;
        }
        if (st_.pending) deallocate_array(st_.pending);
        if (st_.cur) deallocate_array(st_.cur);
        const state keep = st_;
        st_ = state{};
        st_.hash0 = keep.hash0;
        st_.hk = keep.hk;
        st_.fixed_seed = keep.fixed_seed;
        st_.floor_groups = keep.floor_groups;
        st_.auto_shrink = keep.auto_shrink;
        st_.resizes = keep.resizes;
        st_.shrinks = keep.shrinks;
    }
    void destroy_all() noexcept {
        if (st_.size) destroy_entries();
        st_.size = 0;
        release_to_fresh();
    }

    [[no_unique_address]] Hash hash_;
    [[no_unique_address]] KeyEqual eq_;
    [[no_unique_address]] Alloc alloc_;
    state st_;
    size_type range_depth_ = 0;
};

}  // namespace detail
}  // namespace gomap
