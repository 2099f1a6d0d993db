// bench/keys.hpp — the random numbers every benchmark draws its keys from, so
// that the C++ programs (and bench/go, which implements the same two lines)
// see the same keys.
#pragma once

#include <cstdint>

namespace gomap_bench {

// splitmix64: the next value of the stream whose state is s.
inline std::uint64_t splitmix64(std::uint64_t& s) noexcept {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// A uniform index below n from a 64-bit random value (Lemire's multiply-high).
inline std::uint64_t mulhi(std::uint64_t a, std::uint64_t b) noexcept {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
}

}  // namespace gomap_bench
