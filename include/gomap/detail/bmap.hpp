// gomap/detail/bmap.hpp — one bucket of the table: Go's bmap, and the tophash states.
//
// A bucket holds up to bucketCnt = 8 entries:
//
//     +------------+-----------------------------+-----------+
//     | tophash[8] | slot[0] ... slot[7]         | overflow* |
//     +------------+-----------------------------+-----------+
//
// tophash[i] caches the top byte of slot i's hash, or, when below minTopHash,
// the state of an empty or evacuated slot:
//
//     emptyRest      0  this slot is empty, and so is every later slot of this
//                       bucket and of every overflow bucket chained after it;
//                       lookups stop here (Go's fast path for sparse buckets)
//     emptyOne       1  this slot is empty; later ones may not be
//     evacuatedX     2  the entry moved to the first half of the new array
//     evacuatedY     3  the entry moved to the second half (= evacuatedX + 1,
//                       so "X + useY" picks the mark)
//     evacuatedEmpty 4  the slot was empty when its bucket was evacuated
//     minTopHash     5  the smallest tophash of a live entry: a hash whose top
//                       byte is below 5 is stored as top + 5
//
// Go lays a bucket out as tophash[8], keys[8], elems[8], overflow. gomap keeps
// each key next to its value (slot = std::pair<const K, V>) so that iterators
// can hand out a real `value_type&`, as every C++ map does. The bucket's size
// is the same as Go's whenever the pair has no padding (e.g. 8-byte key and
// 24-byte value: 8 + 8*32 + 8 = 272 B, Go's figure); docs/design.md lists the
// difference. Entries larger than 128 B (Go's maxKeySize/maxElemSize) are kept
// out of line and the slot holds a pointer to them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

#include "asan.hpp"

namespace gomap::detail {

inline constexpr std::size_t bucketCnt = 8;      // Go's bucketCnt (1 << bucketCntBits)
inline constexpr std::size_t maxKeySize = 128;   // Go's maxKeySize: larger keys are indirect
inline constexpr std::size_t maxElemSize = 128;  // Go's maxElemSize: larger values are indirect

inline constexpr std::uint8_t emptyRest = 0;
inline constexpr std::uint8_t emptyOne = 1;
inline constexpr std::uint8_t evacuatedX = 2;
inline constexpr std::uint8_t evacuatedY = 3;
inline constexpr std::uint8_t evacuatedEmpty = 4;
inline constexpr std::uint8_t minTopHash = 5;

// Go's isEmpty: both empty states (not the evacuated ones).
constexpr bool isEmpty(std::uint8_t top) noexcept { return top <= emptyOne; }

// Go's tophash(): the top byte of the hash, moved above the reserved states.
constexpr std::uint8_t tophash(std::uint64_t hash) noexcept {
    auto top = static_cast<std::uint8_t>(hash >> 56);
    return top < minTopHash ? static_cast<std::uint8_t>(top + minTopHash) : top;
}

// Go's overLoadFactor: more than 8 entries and more than 6.5 per bucket on
// average. Written as Go writes it, 13 * (2^B / 2), which is 0 for B = 0.
constexpr bool overLoadFactor(std::size_t count, std::uint8_t B) noexcept {
    return count > bucketCnt && count > 13 * ((std::size_t{1} << B) / 2);
}

// Go's tooManyOverflowBuckets: as many overflow buckets as regular ones (the
// count saturates at 2^15), so a same-size grow would compact the chains.
constexpr bool tooManyOverflowBuckets(std::uint16_t noverflow, std::uint8_t B) noexcept {
    if (B > 15) B = 15;
    return noverflow >= static_cast<std::uint16_t>(std::uint16_t{1} << (B & 15));
}

// Go's roundupsize() (runtime/msize.go, Go 1.18/1.19): the size class a heap
// object of `size` bytes really occupies. makeBucketArray uses it to turn the
// allocator's rounding slack into extra preallocated overflow buckets, and so
// do we, so that go_map holds the same number of buckets (and bytes) as Go.
constexpr std::size_t go_roundupsize(std::size_t size) noexcept {
    constexpr std::uint16_t classes[] = {
        0,     8,     16,    24,    32,    48,    64,    80,    96,    112,   128,   144,
        160,   176,   192,   208,   224,   240,   256,   288,   320,   352,   384,   416,
        448,   480,   512,   576,   640,   704,   768,   896,   1024,  1152,  1280,  1408,
        1536,  1792,  2048,  2304,  2688,  3072,  3200,  3456,  4096,  4864,  5376,  6144,
        6528,  6784,  6912,  8192,  9472,  9728,  10240, 10880, 12288, 13568, 14336, 16384,
        18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768};
    constexpr std::size_t maxSmallSize = 32768, pageSize = 8192;
    if (size < maxSmallSize) {
        for (std::uint16_t c : classes)
            if (c >= size) return c;
    }
    return (size + pageSize - 1) / pageSize * pageSize;
}

// SWAR: a mask with bit 8*i+7 set for every byte i of `word` equal to `byte`.
// Exact (no false positives): a byte is zero iff adding 0x7f to its low seven
// bits does not carry into bit 7 and bit 7 is clear.
constexpr std::uint64_t match_byte(std::uint64_t word, std::uint8_t byte) noexcept {
    constexpr std::uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL;
    const std::uint64_t x = word ^ (0x0101010101010101ULL * byte);
    return ~(((x & lo7) + lo7) | x | lo7);
}
// Index of the slot of the lowest set bit of a match_byte() mask.
constexpr unsigned first_slot(std::uint64_t mask) noexcept {
    return static_cast<unsigned>(__builtin_ctzll(mask)) >> 3;
}

// The slot type: the entry itself, or a pointer to it when it is too big
// (Go's rule) or when moving it may throw (a C++ case Go does not have:
// evacuation then moves only the pointer, and cannot fail half-way).
template <class K, class V>
struct slot_traits {
    using value_type = std::pair<const K, V>;
    static constexpr bool indirect = sizeof(K) > maxKeySize || sizeof(V) > maxElemSize ||
                                     !std::is_nothrow_move_constructible_v<K> ||
                                     !std::is_nothrow_move_constructible_v<V>;
    struct direct_storage {
        alignas(value_type) unsigned char bytes[sizeof(value_type)];
    };
    using storage = std::conditional_t<indirect, value_type*, direct_storage>;
};

template <class K, class V>
struct bmap {
    using traits = slot_traits<K, V>;
    using value_type = typename traits::value_type;

    std::uint8_t tophash[bucketCnt];
    typename traits::storage slots[bucketCnt];
    bmap* overflow;

    // The entry in slot i. Valid only while tophash[i] >= minTopHash, or, for an
    // evacuated bucket, never (its entries were moved out and destroyed).
    value_type* entry(std::size_t i) noexcept {
        if constexpr (traits::indirect) {
            return slots[i];
        } else {
            return std::launder(reinterpret_cast<value_type*>(slots[i].bytes));
        }
    }
    const value_type* entry(std::size_t i) const noexcept {
        return const_cast<bmap*>(this)->entry(i);
    }
    // Raw address where slot i's entry is (to be) constructed, direct layout only.
    void* raw(std::size_t i) noexcept { return slots[i].bytes; }

    // A bucket fresh from the allocator is raw memory; this makes it an empty
    // bucket (all emptyRest, no overflow). See hmap: buckets of a new array are
    // initialised only when evacuation first reaches them.
    void init() noexcept {
        unpoison(tophash, sizeof tophash);
        unpoison(&overflow, sizeof overflow);
        for (auto& t : tophash) t = emptyRest;
        overflow = nullptr;
        poison(slots, sizeof slots);  // empty slots: see detail/asan.hpp
    }
    // ASan bookkeeping of one slot (see detail/asan.hpp): filled before an
    // entry is constructed in it, emptied after its entry is destroyed or moved.
    void slot_filled(std::size_t i) noexcept { unpoison(&slots[i], sizeof slots[i]); }
    void slot_emptied(std::size_t i) noexcept { poison(&slots[i], sizeof slots[i]); }

    // The 8 tophash bytes as one word, for matching all slots at once.
    std::uint64_t tophash_word() const noexcept {
        std::uint64_t w;
        std::memcpy(&w, tophash, sizeof w);
        return w;
    }

    // Go's evacuated(): evacuation marks every slot of the chain, so the first
    // slot of the head bucket tells whether the whole chain has moved.
    bool evacuated() const noexcept {
        return tophash[0] > emptyOne && tophash[0] < minTopHash;
    }
};

static_assert(std::is_trivially_default_constructible_v<bmap<long, long>>);
static_assert(std::is_trivially_destructible_v<bmap<long, long>>);

}  // namespace gomap::detail
