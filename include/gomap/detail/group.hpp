// gomap/detail/group.hpp — the metadata word of gomap::map's flat engine
// (detail/flat_table.hpp) and how it is matched: one group = 15 slots and one
// 16-byte word, kept in an array apart from the slots.
//
//   byte 0..14  the reduced hash of the entry in slot i (the hash's low byte;
//               0 is reserved for "empty", so a low byte of 0 is stored as 8),
//               or 0 when slot i is empty;
//   byte 15     the overflow byte: bit (hash % 8) is set when an insert of a
//               key with that hash found this group full and went on probing.
//
// A lookup stops at the first group on its probe sequence whose overflow bit
// for its hash is clear: no tombstones, and an erase only zeroes a byte (the
// layout of Boost's foa; Abseil and Go 1.24 use control bytes with tombstones
// instead). All-zero is a fresh group, so zeroed memory is a valid empty array.
//
// Matching compares the 15 bytes at once: SSE2 where the target has it, else a
// portable SWAR version on two 64-bit words. Both give the exact set of slots
// (bit i = slot i); the SWAR form has no false positives.
#pragma once

#include <cstdint>
#include <cstring>

// GOMAP_GROUP_SSE2: 1 = SSE2 matching, 0 = the portable SWAR form. Default:
// SSE2 where the target has it. (The tests build the SWAR form on x86 too.)
#ifndef GOMAP_GROUP_SSE2
#if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#define GOMAP_GROUP_SSE2 1
#else
#define GOMAP_GROUP_SSE2 0
#endif
#endif
#if GOMAP_GROUP_SSE2
#include <emmintrin.h>
#endif

namespace gomap::detail {

inline constexpr unsigned group_slots = 15;       // slots per group
inline constexpr unsigned group_bytes = 16;       // bytes of metadata per group
inline constexpr unsigned overflow_byte = 15;     // index of the overflow byte in the word
inline constexpr unsigned slot_mask_all = 0x7FFF;  // one bit per slot

// The byte stored for an entry whose hash is h: its low byte, never 0. The
// overflow bit depends only on h % 8, which the stored byte keeps (0 -> 8).
// (A table: one load instead of a test and a conditional move on every probe.)
struct reduced_hash_table {
    std::uint8_t b[256];
    constexpr reduced_hash_table() : b{} {
        for (unsigned i = 0; i < 256; ++i) b[i] = static_cast<std::uint8_t>(i != 0 ? i : 8);
    }
};
inline constexpr reduced_hash_table reduced_hashes{};
inline constexpr std::uint8_t reduced_hash(std::uint64_t h) noexcept { return reduced_hashes.b[h & 0xFF]; }
inline constexpr std::uint8_t overflow_bit(std::uint64_t h) noexcept {
    return static_cast<std::uint8_t>(1u << (h & 7));
}
// Whether the group's overflow bit for hash h is set: an insert of a key
// with h's overflow bit passed this group full, so a lookup must go on.
inline bool group_overflowed(const std::uint8_t* word, std::uint64_t h) noexcept {
    return ((word[overflow_byte] >> (h & 7)) & 1) != 0;
}

// The portable form: exact per-byte equality on 64-bit words (no false
// positives, unlike the classic "has zero byte" trick).
namespace swar {
inline constexpr std::uint64_t lo7 = 0x7F7F7F7F7F7F7F7FULL;
inline constexpr std::uint64_t ones = 0x0101010101010101ULL;
// 0x80 in every byte of x that is zero, 0 elsewhere (exact: no borrow between bytes).
inline std::uint64_t zero_bytes(std::uint64_t x) noexcept { return ~(((x & lo7) + lo7) | x | lo7); }
// One bit per byte (bit i for byte i) from the 0x80 pattern.
inline unsigned pack(std::uint64_t z) noexcept {
    return static_cast<unsigned>(((z >> 7) * 0x0102040810204080ULL) >> 56);
}
inline unsigned match_word(const std::uint8_t* word, std::uint64_t pattern) noexcept {
    std::uint64_t lo, hi;
    std::memcpy(&lo, word, 8);
    std::memcpy(&hi, word + 8, 8);
    if constexpr (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) {
        lo = __builtin_bswap64(lo);
        hi = __builtin_bswap64(hi);
    }
    return (pack(zero_bytes(lo ^ pattern)) | (pack(zero_bytes(hi ^ pattern)) << 8)) & slot_mask_all;
}
}  // namespace swar

#if GOMAP_GROUP_SSE2

// Bits of the slots whose byte equals r.
inline unsigned group_match(const std::uint8_t* word, std::uint8_t r) noexcept {
    const __m128i w = _mm_load_si128(reinterpret_cast<const __m128i*>(word));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8(static_cast<char>(r))))) &
           slot_mask_all;
}
inline unsigned group_match_empty(const std::uint8_t* word) noexcept {
    const __m128i w = _mm_load_si128(reinterpret_cast<const __m128i*>(word));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_setzero_si128()))) & slot_mask_all;
}
// Zero the 15 slot bytes, keep the overflow byte.
inline void group_clear_slots(std::uint8_t* word) noexcept {
    const std::uint8_t of = word[overflow_byte];
    _mm_store_si128(reinterpret_cast<__m128i*>(word), _mm_setzero_si128());
    word[overflow_byte] = of;
}

#else


inline unsigned group_match(const std::uint8_t* word, std::uint8_t r) noexcept {
    return swar::match_word(word, swar::ones * r);
}
inline unsigned group_match_empty(const std::uint8_t* word) noexcept { return swar::match_word(word, 0); }
inline void group_clear_slots(std::uint8_t* word) noexcept { std::memset(word, 0, group_slots); }

#endif

inline unsigned group_match_occupied(const std::uint8_t* word) noexcept {
    return ~group_match_empty(word) & slot_mask_all;
}

inline unsigned lowest_bit(unsigned bits) noexcept { return static_cast<unsigned>(__builtin_ctz(bits)); }

}  // namespace gomap::detail
