// bench/prototype/resize_designs.cpp — issue #13's prototype bench: two ways
// to give a flat, SIMD-matched hash map bounded work per operation in both
// directions (grow and shrink), measured side by side with Boost's
// unordered_flat_map (and Abseil's flat_hash_map when built with -DWITH_ABSL).
//
//   (a) IncMap       one flat table; a resize allocates the new arrays (fresh
//                    zero pages, no memset) and migrates K old groups per
//                    write; lookups consult both arrays while it runs.
//   (b) DirMap<G>    extendible hashing: a directory indexed by the top
//                    globalDepth hash bits points at tables of at most G
//                    groups (15 slots each); a full table doubles until it
//                    reaches G groups, then splits by one more hash bit;
//                    erase merges a table with its buddy when both are low.
//
// Both use the same group layout (Boost foa-like, written from scratch):
// 15 slots per group, a 16-byte metadata word per group (15 reduced-hash
// bytes, 0 = empty, and one overflow byte, bit h%8 set when an insert with
// that hash passed the group full), kept in an array apart from the slots,
// matched with SSE2 (_mm_cmpeq_epi8 + _mm_movemask_epi8).
//
// A throwaway measurement program: uint64 -> uint64 only, no iterators, no
// exceptions, no allocator support. Not part of the library, CMake or CI.
// See README.md next to it for the command line.

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <emmintrin.h>
#include <sys/mman.h>
#include <unistd.h>
#include <x86intrin.h>

#include <boost/unordered/unordered_flat_map.hpp>
#ifdef WITH_ABSL
#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>
#endif

#define ALWAYS_INLINE inline __attribute__((always_inline))
#define NOINLINE __attribute__((noinline))

// ---------------------------------------------------------------------------
// Memory accounting: every byte the prototypes allocate, and every byte the
// peers allocate through CountAlloc, goes through add/sub. Bytes handed back
// with madvise(MADV_DONTNEED) before the munmap count as given back.
namespace mem {
inline std::size_t bytes = 0, peak = 0;
inline void add(std::size_t b) {
    bytes += b;
    if (bytes > peak) peak = bytes;
}
inline void sub(std::size_t b) { bytes -= b; }
inline void reset_peak() { peak = bytes; }

const std::size_t page = 4096;
// Arrays at least this large come straight from mmap: fresh zero pages, so a
// new metadata array needs no memset and its page faults fall on the writes
// that first touch each page.
constexpr std::size_t kMmapMin = 64 * 1024;

inline std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

// Zeroed memory. Small blocks are memset (bounded: < 64 KiB).
inline void* zalloc(std::size_t n) {
    add(n);
    if (n >= kMmapMin) {
        void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) std::abort();
        return p;
    }
    void* p = std::aligned_alloc(64, round_up(n, 64));
    if (!p) std::abort();
    std::memset(p, 0, n);
    return p;
}
// released: bytes of [p, p+n) already given back with release().
inline void zfree(void* p, std::size_t n, std::size_t released = 0) {
    sub(n - released);
    if (n >= kMmapMin)
        munmap(p, n);
    else
        std::free(p);
}
// Give back the whole pages inside [p+from, p+to) of an mmap'd block.
// Returns the new `from` (page aligned). Counted bytes drop accordingly.
inline std::size_t release(void* p, std::size_t from, std::size_t to) {
    std::size_t a = round_up(from, page), b = to / page * page;
    if (b <= a) return from;
    madvise(static_cast<char*>(p) + a, b - a, MADV_DONTNEED);
    sub(b - a);
    return b;
}
}  // namespace mem

template <class T>
struct CountAlloc {
    using value_type = T;
    CountAlloc() = default;
    template <class U>
    CountAlloc(const CountAlloc<U>&) noexcept {}
    T* allocate(std::size_t n) {
        mem::add(n * sizeof(T));
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        mem::sub(n * sizeof(T));
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    bool operator==(const CountAlloc<U>&) const noexcept { return true; }
    template <class U>
    bool operator!=(const CountAlloc<U>&) const noexcept { return false; }
};

// ---------------------------------------------------------------------------
// Shared pieces: the hash mixer, the group layout and the probe loops.
namespace proto {

// The prototypes' hash: 64x64->128 multiply by an odd constant, fold hi^lo.
ALWAYS_INLINE std::uint64_t mix(std::uint64_t k) {
    unsigned __int128 p = static_cast<unsigned __int128>(k) * 0x9E3779B97F4A7C15ull;
    return static_cast<std::uint64_t>(p) ^ static_cast<std::uint64_t>(p >> 64);
}

struct Slot {
    std::uint64_t k, v;
};
constexpr unsigned kN = 15;  // slots per group; metadata byte 15 is the overflow byte

// The reduced hash: the low byte, 0 reserved for "empty" (0 -> 8 keeps h % 8).
ALWAYS_INLINE std::uint8_t reduced(std::uint64_t h) {
    std::uint8_t r = static_cast<std::uint8_t>(h);
    return r ? r : 8;
}
ALWAYS_INLINE std::uint8_t ofbit(std::uint64_t h) { return static_cast<std::uint8_t>(1u << (h & 7)); }

ALWAYS_INLINE __m128i load(const std::uint8_t* m) { return _mm_load_si128(reinterpret_cast<const __m128i*>(m)); }
ALWAYS_INLINE unsigned match(__m128i w, __m128i r) {
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(w, r))) & 0x7FFF;
}
ALWAYS_INLINE unsigned match_empty(const std::uint8_t* m) {
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(load(m), _mm_setzero_si128()))) & 0x7FFF;
}
ALWAYS_INLINE unsigned match_occupied(const std::uint8_t* m) { return ~match_empty(m) & 0x7FFF; }
// Clear the 15 slot bytes of a group, keep its overflow byte.
ALWAYS_INLINE void clear_slots(std::uint8_t* m) {
    std::uint8_t of = m[15];
    _mm_store_si128(reinterpret_cast<__m128i*>(m), _mm_setzero_si128());
    m[15] = of;
}

// Max load 7/8 of the slots.
constexpr std::size_t ml_of(std::size_t groups) { return groups * kN * 7 / 8; }
// Smallest power-of-two group count >= min_groups holding n at max load.
inline std::size_t groups_for(std::size_t n, std::size_t min_groups) {
    std::size_t g = min_groups;
    while (ml_of(g) < n) g *= 2;
    return g;
}

struct Loc {
    std::uint64_t g;  // group index
    unsigned i;       // slot index, kN when not found
};

// Find k (hash h) in a table of mask+1 groups probed from group pos.
ALWAYS_INLINE Loc find_loc(const std::uint8_t* meta, const Slot* slots, std::uint64_t mask, std::uint64_t pos,
                           std::uint64_t h, std::uint64_t k) {
    const __m128i r = _mm_set1_epi8(static_cast<char>(reduced(h)));
    const std::uint8_t of = ofbit(h);
    for (std::uint64_t step = 0;;) {
        const std::uint8_t* m = meta + pos * 16;
        __builtin_prefetch(slots + pos * kN);
        unsigned bits = match(load(m), r);
        while (bits) {
            unsigned i = static_cast<unsigned>(__builtin_ctz(bits));
            if (__builtin_expect(slots[pos * kN + i].k == k, 1)) return {pos, i};
            bits &= bits - 1;
        }
        if (__builtin_expect(!(m[15] & of), 1)) return {0, kN};
        if (++step > mask) return {0, kN};
        pos = (pos + step) & mask;
    }
}

// Place hash h (known absent) in the first group with a free slot from pos,
// marking overflow on every full group passed. Returns the slot.
ALWAYS_INLINE Slot* insert_slot(std::uint8_t* meta, Slot* slots, std::uint64_t mask, std::uint64_t pos, std::uint64_t h) {
    for (std::uint64_t step = 0;;) {
        std::uint8_t* m = meta + pos * 16;
        unsigned e = match_empty(m);
        if (__builtin_expect(e != 0, 1)) {
            unsigned i = static_cast<unsigned>(__builtin_ctz(e));
            m[i] = reduced(h);
            return slots + pos * kN + i;
        }
        m[15] |= ofbit(h);
        ++step;
        pos = (pos + step) & mask;
    }
}

alignas(64) inline std::uint8_t empty_meta[64] = {};  // 4 empty groups: lookups on an empty map miss

// ---------------------------------------------------------------------------
// (a) One flat table, migrated incrementally into a new array.
//
//  - Group index from the high hash bits (h >> shift), reduced hash from the
//    low byte, so a grow maps old group i onto new groups 2i, 2i+1.
//  - Grow: when the table's count reaches its max load (7/8, lowered by
//    anti-drift), allocate arrays for size+size/61+1 at 7/8 (twice the
//    groups normally; the same count when anti-drift caused it, which makes
//    it an incremental same-size rehash) and start migrating.
//  - Shrink (hysteresis): when size < 1/4 of the max load (load < 7/32)
//    after an erase, migrate into the power of two that holds 2*size at 7/8
//    load (so the new load is at most 7/16; growing again needs the size to
//    double, shrinking again needs it to halve).
//  - Each insert/erase first moves up to K non-empty old groups, visiting at
//    most 8K groups in all. Migrated groups keep their overflow byte so
//    probes in the old array stay correct.
//  - Old slot pages behind the cursor are given back (madvise) as the
//    migration goes, so they do not add up with the new array; the old
//    metadata and the tail go to a graveyard released 16 KiB per write.
//  - Lookups: while migrating, the array that most likely holds the key first
//    (old if its home group is not migrated yet), then the other.
template <unsigned K = 2>
class IncMap {
    struct Arr {
        std::uint8_t* meta = empty_meta;
        Slot* slots = nullptr;
        std::uint64_t mask = 1;  // groups - 1; groups >= 2 so the shift stays < 64
        unsigned shift = 63;
        std::size_t n = 0, ml = 0;
        std::size_t groups() const { return mask + 1; }
        std::uint64_t home(std::uint64_t h) const { return h >> shift; }
        std::size_t meta_bytes() const { return groups() * 16; }
        std::size_t slot_bytes() const { return groups() * kN * sizeof(Slot); }
        bool real() const { return meta != empty_meta; }
    };
    struct Grave {
        void* p;
        std::size_t n, released;
    };
    static constexpr std::size_t kChunk = 16 * 1024;

    Arr cur_, old_;
    bool migrating_ = false;
    std::uint64_t cursor_ = 0;
    std::size_t old_slots_released_ = 0;
    std::size_t size_ = 0;
    std::vector<Grave> graves_;

public:
    // Instrumentation: the most entries any one operation moved, and how
    // often a resize had to finish the previous migration at once (should be 0).
    std::size_t max_moved = 0, forced = 0, resizes = 0;

    IncMap() = default;
    IncMap(const IncMap&) = delete;
    ~IncMap() {
        if (cur_.real()) free_arr(cur_, 0);
        if (migrating_) free_arr(old_, old_slots_released_);
        for (auto& g : graves_) mem::zfree(g.p, g.n, g.released);
    }
    std::size_t size() const { return size_; }
    std::size_t groups() const { return cur_.groups(); }

    ALWAYS_INLINE const std::uint64_t* find(std::uint64_t k) const {
        std::uint64_t h = mix(k);
        if (__builtin_expect(migrating_, 0)) return find_migrating(h, k);
        Loc l = find_loc(cur_.meta, cur_.slots, cur_.mask, cur_.home(h), h, k);
        return l.i != kN ? &cur_.slots[l.g * kN + l.i].v : nullptr;
    }

    // insert_or_assign; true when inserted.
    bool insert(std::uint64_t k, std::uint64_t v) {
        std::uint64_t h = mix(k);
        if (__builtin_expect(migrating_, 0)) step();
        if (__builtin_expect(!graves_.empty(), 0)) reap();
        Loc l = find_loc(cur_.meta, cur_.slots, cur_.mask, cur_.home(h), h, k);
        if (l.i != kN) {
            cur_.slots[l.g * kN + l.i].v = v;
            return false;
        }
        if (migrating_) {
            Loc o = find_loc(old_.meta, old_.slots, old_.mask, old_.home(h), h, k);
            if (o.i != kN) {
                old_.slots[o.g * kN + o.i].v = v;
                return false;
            }
        }
        if (__builtin_expect(cur_.n >= cur_.ml, 0)) grow();
        Slot* s = insert_slot(cur_.meta, cur_.slots, cur_.mask, cur_.home(h), h);
        s->k = k;
        s->v = v;
        ++cur_.n;
        ++size_;
        return true;
    }

    bool erase(std::uint64_t k) {
        std::uint64_t h = mix(k);
        if (__builtin_expect(migrating_, 0)) step();
        if (__builtin_expect(!graves_.empty(), 0)) reap();
        Loc l = find_loc(cur_.meta, cur_.slots, cur_.mask, cur_.home(h), h, k);
        if (l.i != kN) {
            std::uint8_t* m = cur_.meta + l.g * 16;
            if (m[15] & ofbit(m[l.i])) --cur_.ml;  // anti-drift: this slot may have caused overflow
            m[l.i] = 0;
            --cur_.n;
        } else if (migrating_) {
            Loc o = find_loc(old_.meta, old_.slots, old_.mask, old_.home(h), h, k);
            if (o.i == kN) return false;
            old_.meta[o.g * 16 + o.i] = 0;
            --old_.n;
        } else {
            return false;
        }
        --size_;
        if (size_ == 0) {
            // Empty: drop everything down to a new map's footprint.
            if (migrating_) finish();
            if (cur_.groups() > 2) start_resize(2);
            if (migrating_) finish();
            while (!graves_.empty()) reap();
        } else if (!migrating_ && cur_.groups() > 2 && size_ < ml_of(cur_.groups()) / 4) {
            start_resize(groups_for(2 * size_, 2));
        }
        return true;
    }

private:
    NOINLINE const std::uint64_t* find_migrating(std::uint64_t h, std::uint64_t k) const {
        const Arr* a = &cur_;
        const Arr* b = &old_;
        if (old_.home(h) >= cursor_) std::swap(a, b);
        Loc l = find_loc(a->meta, a->slots, a->mask, a->home(h), h, k);
        if (l.i != kN) return &a->slots[l.g * kN + l.i].v;
        l = find_loc(b->meta, b->slots, b->mask, b->home(h), h, k);
        return l.i != kN ? &b->slots[l.g * kN + l.i].v : nullptr;
    }

    static Arr alloc_arr(std::size_t groups) {
        Arr a;
        a.meta = static_cast<std::uint8_t*>(mem::zalloc(groups * 16));
        a.mask = groups - 1;
        a.shift = 64u - static_cast<unsigned>(__builtin_ctzll(groups));
        a.slots = static_cast<Slot*>(mem::zalloc(a.slot_bytes()));
        a.ml = ml_of(groups);
        return a;
    }
    static void free_arr(Arr& a, std::size_t slots_released) {
        mem::zfree(a.meta, a.meta_bytes());
        mem::zfree(a.slots, a.slot_bytes(), slots_released);
        a = Arr{};
    }

    NOINLINE void grow() {
        if (!cur_.real()) {
            cur_ = alloc_arr(2);
            return;
        }
        start_resize(groups_for(size_ + size_ / 61 + 1, 2));
    }

    void start_resize(std::size_t groups) {
        if (migrating_) {  // a resize while one runs: finish the first (unbounded; counted)
            ++forced;
            finish();
        }
        ++resizes;
        old_ = cur_;
        cur_ = alloc_arr(groups);
        migrating_ = true;
        cursor_ = 0;
        old_slots_released_ = 0;
        if (old_.n == 0) finish();
    }

    // Move one old group into cur_; returns entries moved.
    ALWAYS_INLINE unsigned move_group(std::uint64_t g) {
        std::uint8_t* m = old_.meta + g * 16;
        unsigned occ = match_occupied(m), moved = 0;
        while (occ) {
            unsigned i = static_cast<unsigned>(__builtin_ctz(occ));
            occ &= occ - 1;
            const Slot& s = old_.slots[g * kN + i];
            std::uint64_t h = mix(s.k);
            *insert_slot(cur_.meta, cur_.slots, cur_.mask, cur_.home(h), h) = s;
            ++moved;
        }
        if (moved) clear_slots(m);
        old_.n -= moved;
        cur_.n += moved;
        return moved;
    }

    NOINLINE void step() {
        unsigned moved = 0, nonempty = 0;
        std::uint64_t end = std::min<std::uint64_t>(old_.groups(), cursor_ + 8 * K);
        while (cursor_ < end && nonempty < K) {
            unsigned m = move_group(cursor_++);
            moved += m;
            nonempty += m != 0;
        }
        if (moved > max_moved) max_moved = moved;
        // Give back the old slot pages behind the cursor, a chunk at a time.
        std::size_t behind = cursor_ * kN * sizeof(Slot);
        if (old_.slot_bytes() >= mem::kMmapMin && behind >= old_slots_released_ + kChunk)
            old_slots_released_ = mem::release(old_.slots, old_slots_released_, behind);
        if (cursor_ == old_.groups() || old_.n == 0) finish();
    }

    // End the migration: move what is left (nothing when called from step;
    // everything when forced), and put the old arrays in the graveyard.
    void finish() {
        std::size_t moved = 0;
        if (old_.n != 0)
            for (; cursor_ < old_.groups(); ++cursor_) moved += move_group(cursor_);
        if (moved > max_moved) max_moved = moved;
        migrating_ = false;
        graves_.push_back({old_.meta, old_.meta_bytes(), 0});
        graves_.push_back({old_.slots, old_.slot_bytes(), old_slots_released_});
        old_ = Arr{};
    }

    // Release up to 16 KiB of the graveyard's pages per write; unmap a block
    // once at most one chunk of it is still populated.
    void reap() {
        Grave& g = graves_.front();
        if (g.n >= mem::kMmapMin && g.released + kChunk < g.n) {
            g.released = mem::release(g.p, g.released, g.released + kChunk);
            return;
        }
        mem::zfree(g.p, g.n, g.released);
        graves_.erase(graves_.begin());
    }
};

// ---------------------------------------------------------------------------
// (b) Extendible hashing: a directory of tables of at most MaxGroups groups.
//
//  - Directory: 2^globalDepth entries indexed by the top globalDepth hash
//    bits; each entry holds the table pointer and the table's group mask, so
//    a lookup is directory entry -> metadata word -> slot.
//  - Table: one block = 64-byte header, metadata (groups*16), slots. Group
//    index from hash bits 8.. (the low byte is the reduced hash, the top
//    bits pick the table). A new table is malloc'd and only its header and
//    metadata are zeroed (at most MaxGroups*16 bytes).
//  - A table at max load (7/8, lowered by anti-drift) is rebuilt for
//    n+n/61+1 entries: doubled while that fits in MaxGroups (or rebuilt at
//    the same size after anti-drift), otherwise split into two MaxGroups
//    tables by hash bit localDepth (the directory doubles first when
//    localDepth == globalDepth). Largest work: one table (MaxGroups*15*7/8
//    entries) or a directory copy.
//  - Erase: when a table's count falls below 1/4 of a full table's max load
//    and its buddy (same localDepth, other value of the last prefix bit) is
//    below that too, the two merge into one table sized for 2x their count;
//    otherwise a table below 1/4 of its own max load is rebuilt for 2x its
//    count (same hysteresis as (a)).
//    The directory halves when no table has localDepth == globalDepth.
template <std::size_t MaxGroups>
class DirMap {
    struct alignas(64) Table {
        std::uint64_t mask;
        std::uint32_t n, ml;
        std::uint32_t depth;
        std::uint64_t prefix;  // the table's top `depth` hash bits
        std::size_t bytes;
        std::uint8_t* meta() { return reinterpret_cast<std::uint8_t*>(this) + 64; }
        Slot* slots() { return reinterpret_cast<Slot*>(meta() + (mask + 1) * 16); }
    };
    static_assert(sizeof(Table) == 64);
    struct Entry {
        Table* t;
        std::uint64_t mask;
    };
    static constexpr std::size_t kMaxMl = ml_of(MaxGroups);
    static constexpr std::size_t kLow = kMaxMl / 4;

    static inline Table empty_table_storage_[2] = {};  // header + 4 empty groups of metadata
    static Table* empty_table() { return &empty_table_storage_[0]; }
    static inline Entry empty_dir_[1] = {{&empty_table_storage_[0], 0}};

    Entry* dir_ = empty_dir_;
    unsigned depth_ = 0;  // globalDepth
    std::size_t at_global_ = 0;  // tables whose depth == globalDepth
    std::size_t size_ = 0, tables_ = 0;

public:
    std::size_t max_moved = 0, splits = 0, merges = 0, dir_doublings = 0, dir_halvings = 0, max_dir = 1;

    DirMap() = default;
    DirMap(const DirMap&) = delete;
    ~DirMap() {
        if (dir_ == empty_dir_) return;
        std::size_t n = std::size_t{1} << depth_;
        for (std::size_t i = 0; i < n;) {
            Table* t = dir_[i].t;
            i += std::size_t{1} << (depth_ - t->depth);
            free_table(t);
        }
        mem::zfree(dir_, n * sizeof(Entry));
    }
    std::size_t size() const { return size_; }
    std::size_t tables() const { return tables_; }
    unsigned global_depth() const { return depth_; }

    ALWAYS_INLINE std::size_t index(std::uint64_t h) const { return (h >> 1) >> (63 - depth_); }

    ALWAYS_INLINE const std::uint64_t* find(std::uint64_t k) const {
        std::uint64_t h = mix(k);
        const Entry& e = dir_[index(h)];
        std::uint8_t* meta = reinterpret_cast<std::uint8_t*>(e.t) + 64;
        Slot* slots = reinterpret_cast<Slot*>(meta + (e.mask + 1) * 16);
        Loc l = find_loc(meta, slots, e.mask, (h >> 8) & e.mask, h, k);
        return l.i != kN ? &slots[l.g * kN + l.i].v : nullptr;
    }

    bool insert(std::uint64_t k, std::uint64_t v) {
        std::uint64_t h = mix(k);
        Table* t = dir_[index(h)].t;
        Loc l = find_loc(t->meta(), t->slots(), t->mask, (h >> 8) & t->mask, h, k);
        if (l.i != kN) {
            t->slots()[l.g * kN + l.i].v = v;
            return false;
        }
        while (__builtin_expect(t->n >= t->ml, 0)) {
            grow(t);
            t = dir_[index(h)].t;
        }
        Slot* s = insert_slot(t->meta(), t->slots(), t->mask, (h >> 8) & t->mask, h);
        s->k = k;
        s->v = v;
        ++t->n;
        ++size_;
        return true;
    }

    bool erase(std::uint64_t k) {
        std::uint64_t h = mix(k);
        Table* t = dir_[index(h)].t;
        Loc l = find_loc(t->meta(), t->slots(), t->mask, (h >> 8) & t->mask, h, k);
        if (l.i == kN) return false;
        std::uint8_t* m = t->meta() + l.g * 16;
        if (m[15] & ofbit(m[l.i])) --t->ml;  // anti-drift
        m[l.i] = 0;
        --t->n;
        --size_;
        if (t->n < kLow) shrink(t);
        return true;
    }

private:
    static Table* new_table(std::size_t groups, std::uint32_t depth, std::uint64_t prefix) {
        std::size_t bytes = 64 + groups * 16 + groups * kN * sizeof(Slot);
        void* p = std::aligned_alloc(64, mem::round_up(bytes, 64));
        if (!p) std::abort();
        mem::add(bytes);
        std::memset(p, 0, 64 + groups * 16);
        Table* t = static_cast<Table*>(p);
        t->mask = groups - 1;
        t->ml = static_cast<std::uint32_t>(ml_of(groups));
        t->depth = depth;
        t->prefix = prefix;
        t->bytes = bytes;
        return t;
    }
    static void free_table(Table* t) {
        mem::sub(t->bytes);
        std::free(t);
    }
    static void put(Table* t, const Slot& s, std::uint64_t h) {
        *insert_slot(t->meta(), t->slots(), t->mask, (h >> 8) & t->mask, h) = s;
        ++t->n;
    }
    // Move every entry of `from` into `to` (same depth or a merge target).
    static void move_all(Table* from, Table* to) {
        std::uint8_t* meta = from->meta();
        Slot* slots = from->slots();
        for (std::uint64_t g = 0; g <= from->mask; ++g) {
            unsigned occ = match_occupied(meta + g * 16);
            while (occ) {
                unsigned i = static_cast<unsigned>(__builtin_ctz(occ));
                occ &= occ - 1;
                const Slot& s = slots[g * kN + i];
                put(to, s, mix(s.k));
            }
        }
    }
    // Point the directory entries of t's prefix at t.
    void point(Table* t) {
        std::size_t span = std::size_t{1} << (depth_ - t->depth);
        std::size_t first = t->prefix << (depth_ - t->depth);
        for (std::size_t i = 0; i < span; ++i) dir_[first + i] = {t, t->mask};
    }
    void note_moved(std::size_t n) {
        if (n > max_moved) max_moved = n;
    }

    NOINLINE void grow(Table* t) {
        if (t == empty_table()) {
            dir_ = static_cast<Entry*>(mem::zalloc(sizeof(Entry)));
            Table* nt = new_table(1, 0, 0);
            tables_ = 1;
            at_global_ = 1;
            point(nt);
            return;
        }
        std::size_t groups = groups_for(t->n + t->n / 61 + 1, 1);
        if (groups <= MaxGroups) {
            rebuild(t, groups);
        } else {
            split(t);
        }
    }

    void rebuild(Table* t, std::size_t groups) {
        Table* nt = new_table(groups, t->depth, t->prefix);
        note_moved(t->n);
        move_all(t, nt);
        point(nt);
        free_table(t);
    }

    void split(Table* t) {
        if (t->depth == depth_) double_dir();
        ++splits;
        std::uint32_t d = t->depth;
        Table* l = new_table(MaxGroups, d + 1, t->prefix << 1);
        Table* r = new_table(MaxGroups, d + 1, (t->prefix << 1) | 1);
        std::uint8_t* meta = t->meta();
        Slot* slots = t->slots();
        for (std::uint64_t g = 0; g <= t->mask; ++g) {
            unsigned occ = match_occupied(meta + g * 16);
            while (occ) {
                unsigned i = static_cast<unsigned>(__builtin_ctz(occ));
                occ &= occ - 1;
                const Slot& s = slots[g * kN + i];
                std::uint64_t h = mix(s.k);
                put((h >> (63 - d)) & 1 ? r : l, s, h);
            }
        }
        note_moved(t->n);
        point(l);
        point(r);
        free_table(t);
        ++tables_;
        if (d + 1 == depth_) at_global_ += 2;
    }

    void double_dir() {
        ++dir_doublings;
        std::size_t n = std::size_t{1} << depth_;
        Entry* nd = static_cast<Entry*>(mem::zalloc(2 * n * sizeof(Entry)));
        for (std::size_t i = 0; i < n; ++i) nd[2 * i] = nd[2 * i + 1] = dir_[i];
        mem::zfree(dir_, n * sizeof(Entry));
        dir_ = nd;
        ++depth_;
        at_global_ = 0;
        if (2 * n > max_dir) max_dir = 2 * n;
    }

    void halve_dir() {
        while (depth_ > 0 && at_global_ == 0) {
            ++dir_halvings;
            std::size_t n = std::size_t{1} << depth_;
            Entry* nd = static_cast<Entry*>(mem::zalloc(n / 2 * sizeof(Entry)));
            --depth_;
            at_global_ = 0;
            for (std::size_t i = 0; i < n / 2; ++i) {
                nd[i] = dir_[2 * i];
                at_global_ += nd[i].t->depth == depth_;
            }
            mem::zfree(dir_, n * sizeof(Entry));
            dir_ = nd;
        }
    }

    NOINLINE void shrink(Table* t) {
        if (t->depth > 0) {
            std::uint32_t d = t->depth;
            Table* b = dir_[(t->prefix ^ 1) << (depth_ - d)].t;
            if (b->depth == d && b->n < kLow) {
                ++merges;
                Table* nt = new_table(groups_for(2 * (t->n + b->n), 1), d - 1, t->prefix >> 1);
                note_moved(t->n + b->n);
                move_all(t, nt);
                move_all(b, nt);
                point(nt);
                free_table(t);
                free_table(b);
                --tables_;
                if (d == depth_) {
                    at_global_ -= 2;
                    halve_dir();
                }
                return;
            }
        }
        if (t->mask > 0 && t->n < ml_of(t->mask + 1) / 4) rebuild(t, groups_for(2 * t->n, 1));
    }
};

}  // namespace proto

// ---------------------------------------------------------------------------
// Adapters: one interface for the benchmark loops.
struct AdA {
    static constexpr const char* name = "(a) incremental";
    proto::IncMap<2> m;
    bool insert(std::uint64_t k, std::uint64_t v) { return m.insert(k, v); }
    const std::uint64_t* find(std::uint64_t k) const { return m.find(k); }
    bool erase(std::uint64_t k) { return m.erase(k); }
    std::size_t size() const { return m.size(); }
    std::string stats() const {
        char b[160];
        std::snprintf(b, sizeof b, "groups=%zu resizes=%zu forced=%zu max_moved_per_op=%zu", m.groups(), m.resizes,
                      m.forced, m.max_moved);
        return b;
    }
};
template <std::size_t G>
struct AdB {
    static constexpr const char* name = G == 64 ? "(b) dir@1024" : "(b) dir@4096";
    proto::DirMap<G> m;
    bool insert(std::uint64_t k, std::uint64_t v) { return m.insert(k, v); }
    const std::uint64_t* find(std::uint64_t k) const { return m.find(k); }
    bool erase(std::uint64_t k) { return m.erase(k); }
    std::size_t size() const { return m.size(); }
    std::string stats() const {
        char b[200];
        std::snprintf(b, sizeof b,
                      "tables=%zu globalDepth=%u max_dir=%zu splits=%zu merges=%zu dir_x2=%zu dir_/2=%zu "
                      "max_moved_per_op=%zu",
                      m.tables(), m.global_depth(), m.max_dir, m.splits, m.merges, m.dir_doublings, m.dir_halvings,
                      m.max_moved);
        return b;
    }
};
struct AdBoost {
    static constexpr const char* name = "boost::unordered_flat_map";
    boost::unordered_flat_map<std::uint64_t, std::uint64_t, boost::hash<std::uint64_t>, std::equal_to<std::uint64_t>,
                              CountAlloc<std::pair<const std::uint64_t, std::uint64_t>>>
        m;
    bool insert(std::uint64_t k, std::uint64_t v) { return m.insert_or_assign(k, v).second; }
    const std::uint64_t* find(std::uint64_t k) const {
        auto it = m.find(k);
        return it != m.end() ? &it->second : nullptr;
    }
    bool erase(std::uint64_t k) { return m.erase(k) != 0; }
    std::size_t size() const { return m.size(); }
    std::string stats() const { return "buckets=" + std::to_string(m.bucket_count()); }
};
#ifdef WITH_ABSL
struct AdAbsl {
    static constexpr const char* name = "absl::flat_hash_map";
    absl::flat_hash_map<std::uint64_t, std::uint64_t, absl::Hash<std::uint64_t>, std::equal_to<std::uint64_t>,
                        CountAlloc<std::pair<const std::uint64_t, std::uint64_t>>>
        m;
    bool insert(std::uint64_t k, std::uint64_t v) { return m.insert_or_assign(k, v).second; }
    const std::uint64_t* find(std::uint64_t k) const {
        auto it = m.find(k);
        return it != m.end() ? &it->second : nullptr;
    }
    bool erase(std::uint64_t k) { return m.erase(k) != 0; }
    std::size_t size() const { return m.size(); }
    std::string stats() const { return "capacity=" + std::to_string(m.capacity()); }
};
#endif

// ---------------------------------------------------------------------------
// Harness.
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
    std::uint64_t z = x + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
inline std::uint64_t value_of(std::uint64_t k) { return k * 3 + 1; }

void shuffle(std::vector<std::uint64_t>& v, std::uint64_t seed) {
    for (std::size_t i = v.size(); i > 1; --i) {
        seed = splitmix64(seed);
        std::size_t j = static_cast<std::size_t>((static_cast<unsigned __int128>(seed) * i) >> 64);
        std::swap(v[i - 1], v[j]);
    }
}

struct Keys {
    std::vector<std::uint64_t> ins, hit, miss, churn_new, del;
};
Keys make_keys(std::size_t n) {
    Keys k;
    k.ins.resize(n);
    k.miss.resize(n);
    k.churn_new.resize(n / 2);
    for (std::size_t i = 0; i < n; ++i) k.ins[i] = splitmix64(i);
    for (std::size_t i = 0; i < n; ++i) k.miss[i] = splitmix64(n + i);
    for (std::size_t i = 0; i < n / 2; ++i) k.churn_new[i] = splitmix64(2 * n + i);
    shuffle(k.ins, 1);
    k.hit = k.ins;
    shuffle(k.hit, 2);
    k.del = k.ins;
    shuffle(k.del, 3);
    return k;
}

double now_ns() {
    return static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}
double g_tsc_per_ns = 1.0;
void calibrate_tsc() {
    double t0 = now_ns();
    std::uint64_t c0 = __rdtsc();
    while (now_ns() - t0 < 200e6) {
    }
    double t1 = now_ns();
    std::uint64_t c1 = __rdtsc();
    g_tsc_per_ns = static_cast<double>(c1 - c0) / (t1 - t0);
}

[[noreturn]] void fail(const char* map, const char* what, std::uint64_t k) {
    std::fprintf(stderr, "VERIFY FAILED: %s: %s (key %016" PRIx64 ")\n", map, what, k);
    std::exit(1);
}

template <class M>
void verify_present(const M& m, const std::vector<std::uint64_t>& keys, std::size_t from, std::size_t to,
                    const char* what) {
    for (std::size_t i = from; i < to; ++i) {
        const std::uint64_t* v = m.find(keys[i]);
        if (!v || *v != value_of(keys[i])) fail(M::name, what, keys[i]);
    }
}
template <class M>
void verify_absent(const M& m, const std::vector<std::uint64_t>& keys, std::size_t from, std::size_t to,
                   const char* what) {
    for (std::size_t i = from; i < to; ++i)
        if (m.find(keys[i])) fail(M::name, what, keys[i]);
}
template <class M>
void verify_size(const M& m, std::size_t n, const char* what) {
    if (m.size() != n) {
        std::fprintf(stderr, "VERIFY FAILED: %s: %s: size %zu, expected %zu\n", M::name, what, m.size(), n);
        std::exit(1);
    }
}

// Differential self-test against std::unordered_map: phases of insert-heavy
// and erase-heavy random operations over a small key space, so lookups,
// updates and erases run while resizes (both ways) are in flight; every
// result is checked. Catches a wrong prototype before any timing.
template <class M>
void self_test_space(std::uint64_t space, std::uint64_t scale, std::uint64_t check_every) {
    auto m = std::make_unique<M>();
    std::unordered_map<std::uint64_t, std::uint64_t> ref;
    std::uint64_t rng = 12345;
    const std::uint64_t phases[][2] = {{200000, 90}, {300000, 20}, {100000, 95}, {400000, 5}, {300000, 60},
                                       {200000, 0},  {50000, 100}, {200000, 50}, {400000, 0}};
    for (const auto& [ops_full, pct_insert] : phases) {
        std::uint64_t ops = ops_full / scale;
        for (std::uint64_t i = 0; i < ops; ++i) {
            rng = splitmix64(rng);
            std::uint64_t k = splitmix64(rng % space + 7);
            std::uint64_t op = (rng >> 32) % 100;
            if (op < pct_insert) {
                std::uint64_t v = rng >> 7;
                bool ins = m->insert(k, v);
                bool ref_ins = ref.insert_or_assign(k, v).second;
                if (ins != ref_ins) fail(M::name, "self-test: insert result", k);
            } else {
                bool er = m->erase(k);
                if (er != (ref.erase(k) != 0)) fail(M::name, "self-test: erase result", k);
            }
            rng = splitmix64(rng);
            std::uint64_t q = splitmix64(rng % space + 7);
            const std::uint64_t* v = m->find(q);
            auto it = ref.find(q);
            if ((v != nullptr) != (it != ref.end()) || (v && *v != it->second)) fail(M::name, "self-test: find", q);
            if (i % check_every == 0)
                for (auto& [rk, rv] : ref) {
                    const std::uint64_t* p = m->find(rk);
                    if (!p || *p != rv) fail(M::name, "self-test: content (periodic)", rk);
                }
        }
        verify_size(*m, ref.size(), "self-test: size");
        for (auto& [k, v] : ref) {
            const std::uint64_t* p = m->find(k);
            if (!p || *p != v) fail(M::name, "self-test: content", k);
        }
    }
}
template <class M>
void self_test() {
    self_test_space<M>(150000, 1, ~std::uint64_t{0} >> 1);
    self_test_space<M>(3000, 10, 7);
    self_test_space<M>(300, 20, 1);
}

struct Lat {
    double max_us = 0, p9999_us = 0;
};
Lat summarize(std::vector<std::uint32_t>& c, std::size_t n) {
    Lat l;
    auto mx = *std::max_element(c.begin(), c.begin() + static_cast<long>(n));
    std::size_t idx = static_cast<std::size_t>(static_cast<double>(n) * 0.9999);
    if (idx >= n) idx = n - 1;
    std::nth_element(c.begin(), c.begin() + static_cast<long>(idx), c.begin() + static_cast<long>(n));
    l.max_us = mx / g_tsc_per_ns / 1000.0;
    l.p9999_us = c[idx] / g_tsc_per_ns / 1000.0;
    return l;
}

struct Result {
    double ins = 0, hit = 0, miss = 0, erase = 0, churn = 0;  // ns/op
    double ins_max = 0, ins_p = 0, del_max = 0, del_p = 0;    // us
};
struct MemResult {
    // Counted bytes: what was allocated (fresh untouched pages included) minus
    // what was given back with madvise.
    double peak = 0, built = 0, after1 = 0, fresh1 = 0, after0 = 0;
    double rss_peak = 0, rss_built = 0;  // resident bytes (kernel's view), see status_kib
};

// Resident set size and its high-water mark, from /proc/self/status; the
// mark is reset by writing 5 to /proc/self/clear_refs. Only meaningful for
// big maps whose arrays are fresh pages: the kernel updates the mark lazily,
// and heap memory reused from an earlier map (glibc free lists) does not
// show up as growth (so (b) at 1M reads ~0, and small peers read 1.00).
std::size_t status_kib(const char* field) {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    std::size_t v = 0, len = std::strlen(field);
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, field, len) == 0) v = std::strtoull(line + len, nullptr, 10);
    std::fclose(f);
    return v;
}
void reset_hwm() {
    FILE* f = std::fopen("/proc/self/clear_refs", "w");
    if (f) {
        std::fputs("5", f);
        std::fclose(f);
    }
}

volatile std::uint64_t g_sink;

template <class M>
Result run_once(const Keys& K, std::vector<std::uint32_t>& cyc, std::vector<std::uint32_t>& min_ins,
                std::vector<std::uint32_t>& min_del) {
    const std::size_t n = K.ins.size();
    Result r;
    {
        auto m = std::make_unique<M>();
        double t0 = now_ns();
        for (std::uint64_t k : K.ins) m->insert(k, value_of(k));
        r.ins = (now_ns() - t0) / static_cast<double>(n);
        verify_size(*m, n, "size after insert");
        verify_present(*m, K.ins, 0, n, "inserted key missing");

        std::uint64_t sum = 0;
        t0 = now_ns();
        for (std::uint64_t k : K.hit) {
            const std::uint64_t* v = m->find(k);
            sum += v ? *v : 0;
        }
        r.hit = (now_ns() - t0) / static_cast<double>(n);
        std::size_t found = 0;
        t0 = now_ns();
        for (std::uint64_t k : K.miss) found += m->find(k) != nullptr;
        r.miss = (now_ns() - t0) / static_cast<double>(n);
        g_sink = sum + found;
        if (found) fail(M::name, "miss key found", 0);
        verify_absent(*m, K.miss, 0, n, "miss key present");

        // churn: erase one old key, insert one new key, n/2 times, at size n.
        t0 = now_ns();
        for (std::size_t i = 0; i < n / 2; ++i) {
            m->erase(K.ins[i]);
            m->insert(K.churn_new[i], value_of(K.churn_new[i]));
        }
        r.churn = (now_ns() - t0) / static_cast<double>(n / 2);
        verify_size(*m, n, "size after churn");
        verify_absent(*m, K.ins, 0, n / 2, "churned-out key present");
        verify_present(*m, K.ins, n / 2, n, "kept key missing after churn");
        verify_present(*m, K.churn_new, 0, n / 2, "churned-in key missing");

        // erase all (the remaining old keys in shuffled order, then the new).
        std::vector<std::uint64_t> rest;
        rest.reserve(n);
        for (std::uint64_t k : K.del)
            if (m->find(k)) rest.push_back(k);
        for (std::uint64_t k : K.churn_new) rest.push_back(k);
        shuffle(rest, 4);
        std::size_t erased = 0;
        t0 = now_ns();
        for (std::uint64_t k : rest) erased += m->erase(k);
        r.erase = (now_ns() - t0) / static_cast<double>(rest.size());
        if (erased != rest.size()) fail(M::name, "erase reported a miss", 0);
        verify_size(*m, 0, "size after erase-all");
        verify_absent(*m, rest, 0, rest.size(), "erased key present");
    }
    {
        // Per-op latency: grow from empty to n, then drain to 0.
        auto m = std::make_unique<M>();
        std::uint64_t c0 = __rdtsc();
        for (std::size_t i = 0; i < n; ++i) {
            m->insert(K.ins[i], value_of(K.ins[i]));
            std::uint64_t c1 = __rdtsc();
            cyc[i] = static_cast<std::uint32_t>(std::min<std::uint64_t>(c1 - c0, 0xFFFFFFFFu));
            c0 = c1;
        }
        for (std::size_t i = 0; i < n; ++i) min_ins[i] = std::min(min_ins[i], cyc[i]);
        Lat li = summarize(cyc, n);
        r.ins_max = li.max_us;
        r.ins_p = li.p9999_us;
        verify_size(*m, n, "size after timed insert");
        verify_present(*m, K.ins, 0, n, "inserted key missing (timed)");
        c0 = __rdtsc();
        for (std::size_t i = 0; i < n; ++i) {
            m->erase(K.del[i]);
            std::uint64_t c1 = __rdtsc();
            cyc[i] = static_cast<std::uint32_t>(std::min<std::uint64_t>(c1 - c0, 0xFFFFFFFFu));
            c0 = c1;
        }
        for (std::size_t i = 0; i < n; ++i) min_del[i] = std::min(min_del[i], cyc[i]);
        Lat le = summarize(cyc, n);
        r.del_max = le.max_us;
        r.del_p = le.p9999_us;
        verify_size(*m, 0, "size after timed erase");
        verify_absent(*m, K.ins, 0, n, "erased key present (timed)");
    }
    return r;
}

template <class M>
MemResult run_mem(const Keys& K, std::string& stats_built, std::string& stats_after) {
    const std::size_t n = K.ins.size();
    MemResult r;
    std::size_t base = mem::bytes;
    {
        auto m = std::make_unique<M>();
        std::size_t rss0 = status_kib("VmRSS:");
        reset_hwm();
        mem::reset_peak();
        for (std::uint64_t k : K.ins) m->insert(k, value_of(k));
        r.peak = static_cast<double>(mem::peak - base);
        r.built = static_cast<double>(mem::bytes - base);
        r.rss_peak = (static_cast<double>(status_kib("VmHWM:")) - static_cast<double>(rss0)) * 1024.0;
        r.rss_built = (static_cast<double>(status_kib("VmRSS:")) - static_cast<double>(rss0)) * 1024.0;
        stats_built = m->stats();
        std::size_t keep = n / 100;
        for (std::size_t i = 0; i < n - keep; ++i) m->erase(K.del[i]);
        r.after1 = static_cast<double>(mem::bytes - base);
        stats_after = m->stats();
        verify_size(*m, keep, "size after erase to 1%");
        verify_present(*m, K.del, n - keep, n, "kept key missing after erase to 1%");
        verify_absent(*m, K.del, 0, n - keep, "erased key present after erase to 1%");
        for (std::size_t i = n - keep; i < n; ++i) m->erase(K.del[i]);
        r.after0 = static_cast<double>(mem::bytes - base);
        verify_size(*m, 0, "size after erase-all (mem)");
    }
    {
        auto m = std::make_unique<M>();
        std::size_t keep = n / 100;
        for (std::size_t i = n - keep; i < n; ++i) m->insert(K.del[i], value_of(K.del[i]));
        r.fresh1 = static_cast<double>(mem::bytes - base);
    }
    if (mem::bytes != base) {
        std::fprintf(stderr, "LEAK: %s: %zu bytes\n", M::name, mem::bytes - base);
        std::exit(1);
    }
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct Row {
    std::string name;
    std::vector<Result> runs;
    MemResult mem;
    std::string stats_built, stats_after;
    std::vector<std::uint32_t> min_ins, min_del;  // per op: the least cycles over the runs
};

template <class M>
void add_row(std::vector<Row>& rows) {
    rows.push_back({M::name, {}, {}, {}, {}, {}, {}});
}
template <class M>
void run_row(Row& row, const Keys& K, std::vector<std::uint32_t>& cyc) {
    if (row.min_ins.empty()) {
        row.min_ins.assign(K.ins.size(), 0xFFFFFFFFu);
        row.min_del.assign(K.ins.size(), 0xFFFFFFFFu);
    }
    row.runs.push_back(run_once<M>(K, cyc, row.min_ins, row.min_del));
}
template <class M>
void mem_row(Row& row, const Keys& K) {
    row.mem = run_mem<M>(K, row.stats_built, row.stats_after);
}

struct MapKind {
    const char* flag;
    void (*add)(std::vector<Row>&);
    void (*run)(Row&, const Keys&, std::vector<std::uint32_t>&);
    void (*mem)(Row&, const Keys&);
    void (*test)();
};
template <class M>
MapKind kind(const char* flag) {
    return {flag, &add_row<M>, &run_row<M>, &mem_row<M>, &self_test<M>};
}

void print_table(std::size_t n, const std::vector<Row>& rows) {
    std::printf("\nN = %zu  (median of %zu interleaved runs; worst/p99.99 = median of the runs' values)\n", n,
                rows.empty() ? 0 : rows[0].runs.size());
    std::printf("%-26s %7s %9s %8s %7s %7s %7s %9s %8s %7s | %8s %8s %6s | %9s %9s %6s %7s\n", "map", "ins ns",
                "worst ins", "p9999 in", "hit ns", "miss ns", "del ns", "worst del", "p9999 dl", "churn",
                "peak MiB", "builtMiB", "pk/blt", "1% MiB", "fresh MiB", "1%/frs", "0% B");
    for (const Row& r : rows) {
        auto med = [&](double Result::* f) {
            std::vector<double> v;
            for (const Result& x : r.runs) v.push_back(x.*f);
            return median(v);
        };
        const double MiB = 1024.0 * 1024.0;
        std::printf(
            "%-26s %7.1f %7.1fus %6.2fus %7.1f %7.1f %7.1f %7.1fus %6.2fus %7.1f | %8.1f %8.1f %6.2f | %9.2f %9.2f %6.2f "
            "%7.0f\n",
            r.name.c_str(), med(&Result::ins), med(&Result::ins_max), med(&Result::ins_p), med(&Result::hit),
            med(&Result::miss), med(&Result::erase), med(&Result::del_max), med(&Result::del_p), med(&Result::churn),
            r.mem.peak / MiB, r.mem.built / MiB, r.mem.peak / r.mem.built, r.mem.after1 / MiB, r.mem.fresh1 / MiB,
            r.mem.after1 / r.mem.fresh1, r.mem.after0);
    }
    std::printf("resident memory while growing to N (VmHWM after clear_refs, minus VmRSS before; lazy kernel\n"
                "high-water mark, trust it for big fresh-page maps only): peak / built MiB\n");
    for (const Row& r : rows)
        std::printf("  %-26s %8.1f / %8.1f = %.2f\n", r.name.c_str(), r.mem.rss_peak / 1048576.0,
                    r.mem.rss_built / 1048576.0, r.mem.rss_built > 0 ? r.mem.rss_peak / r.mem.rss_built : 0.0);
    std::printf("repeatable latency (per op: least cycles over the runs, so one-off preemptions drop out; the same\n"
                "op does the same work in every run): worst / p99.99 insert, worst / p99.99 erase (us)\n");
    for (const Row& r : rows) {
        std::vector<std::uint32_t> a = r.min_ins, b = r.min_del;
        std::size_t wi = static_cast<std::size_t>(std::max_element(a.begin(), a.end()) - a.begin());
        std::size_t wd = static_cast<std::size_t>(std::max_element(b.begin(), b.end()) - b.begin());
        Lat li = summarize(a, a.size()), le = summarize(b, b.size());
        std::printf("  %-26s ins %8.1f / %6.2f   del %8.1f / %6.2f   (worst insert at size %zu, worst erase at size %zu)\n",
                    r.name.c_str(), li.max_us, li.p9999_us, le.max_us, le.p9999_us, wi, a.size() - wd - 1);
    }
    std::printf("per-run worst insert / worst erase (us):\n");
    for (const Row& r : rows) {
        std::printf("  %-26s", r.name.c_str());
        for (const Result& x : r.runs) std::printf("  %.1f/%.1f", x.ins_max, x.del_max);
        std::printf("\n");
    }
    std::printf("structure after build | after erase to 1%%:\n");
    for (const Row& r : rows)
        std::printf("  %-26s %s | %s\n", r.name.c_str(), r.stats_built.c_str(), r.stats_after.c_str());
    std::fflush(stdout);
}

void usage() {
    std::fprintf(stderr,
                 "usage: resize_designs [--n N]... [--runs R] [--maps a,b1024,b4096,boost,absl]\n"
                 "  default: --n 1000000 --n 10000000 --runs 3, all maps built in\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes;
    int runs = 3;
    std::string maps = "a,b1024,b4096,boost,absl";
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--n" && i + 1 < argc)
            sizes.push_back(std::strtoull(argv[++i], nullptr, 10));
        else if (a == "--runs" && i + 1 < argc)
            runs = std::atoi(argv[++i]);
        else if (a == "--maps" && i + 1 < argc)
            maps = argv[++i];
        else {
            usage();
            return 2;
        }
    }
    if (sizes.empty()) sizes = {1000000, 10000000};

    std::vector<MapKind> all = {
        kind<AdA>("a"),
        kind<AdB<64>>("b1024"),
        kind<AdB<256>>("b4096"),
        kind<AdBoost>("boost"),
#ifdef WITH_ABSL
        kind<AdAbsl>("absl"),
#endif
    };
    std::vector<MapKind> chosen;
    for (const MapKind& k : all)
        if (("," + maps + ",").find("," + std::string(k.flag) + ",") != std::string::npos) chosen.push_back(k);
#ifndef WITH_ABSL
    if (maps.find("absl") != std::string::npos)
        std::printf("(Abseil not built in: compile with -DWITH_ABSL and link the absl libraries)\n");
#endif

    for (const MapKind& k : chosen) k.test();
    std::printf("self-test passed (differential vs std::unordered_map, resizes in flight)\n");
    calibrate_tsc();
    std::printf("resize_designs: tsc %.3f ticks/ns; prototype hash = mulx fold; boost = boost::hash + xmx "
                "post-mix; (b) caps: 64 groups = 960 slots, 256 groups = 3840 slots\n",
                g_tsc_per_ns);
    for (std::size_t n : sizes) {
        Keys K = make_keys(n);
        std::vector<std::uint32_t> cyc(n, 0);
        std::vector<Row> rows;
        for (const MapKind& k : chosen) k.add(rows);
        for (int r = 0; r < runs; ++r)
            for (std::size_t i = 0; i < chosen.size(); ++i) chosen[i].run(rows[i], K, cyc);
        for (std::size_t i = 0; i < chosen.size(); ++i) chosen[i].mem(rows[i], K);
        print_table(n, rows);
    }
    return 0;
}
