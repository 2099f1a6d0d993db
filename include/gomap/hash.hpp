// gomap/hash.hpp — seeded hashing, Go's `hasher(key, h.hash0)` in C++.
//
// Every gomap map draws its own seed (Go's hash0) and passes it to the hash of
// every key, on top of a per-process random secret. An attacker who does not know
// both cannot choose keys that collide in one bucket (hash flooding), and two maps
// holding the same keys do not share a bucket layout.
//
// gomap::hash<T> is a function object with two call forms:
//   std::uint64_t operator()(const T& key, std::uint64_t seed) const;  // used by the maps
//   std::size_t   operator()(const T& key) const;                      // seed 0, std-style
// It covers integers, enums, pointers (by address, like std::hash: a const char*
// key is a pointer), floating point (-0 hashes as +0; NaN hashes to a fresh
// random value each time, as in Go), std::string and std::string_view
// (transparent: a map keyed by std::string can be searched with a string_view or
// a C string without building a string), std::pair and std::tuple.
//
// Customisation for a user type T, either:
//   * specialise gomap::hash<T> with the seeded call operator above, or
//   * provide std::hash<T>: the fallback mixes its result with the seed (this
//     is only as flooding-resistant as std::hash<T> itself).
// Any Hash a map is given that only has the std-style `size_t operator()(const K&)`
// is accepted as well; the map mixes its output with the seed (detail::seeded_hash).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gomap {
namespace detail {

// Multiply two 64-bit words to 128 bits and fold the halves: one multiply that
// spreads every input bit over the whole result. The building block of the
// integer and string hashes below.
inline std::uint64_t mum(std::uint64_t a, std::uint64_t b) noexcept {
    __uint128_t r = static_cast<__uint128_t>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

// The per-process secret, drawn once from the OS entropy source and the clock.
struct process_secret {
    std::uint64_t k0, k1;
};
inline const process_secret& secret() noexcept {
    static const process_secret s = [] {
        std::random_device rd;
        auto word = [&] { return (static_cast<std::uint64_t>(rd()) << 32) ^ rd(); };
        auto t = static_cast<std::uint64_t>(
            std::chrono::steady_clock::now().time_since_epoch().count());
        // Odd multipliers keep mum() from collapsing to 0 for any input.
        return process_secret{(word() ^ t) | 1, (word() ^ (t << 17) ^ 0x9e3779b97f4a7c15ULL) | 1};
    }();
    return s;
}

// Go's fastrand: a cheap per-thread generator for seeds (hash0), NaN hashes and
// the random start of range(). wyrand step; state seeded from the secret and
// the thread's own address so that threads differ.
inline std::uint64_t fastrand64() noexcept {
    thread_local std::uint64_t state =
        secret().k0 ^ reinterpret_cast<std::uintptr_t>(&state) ^ 0xa0761d6478bd642fULL;
    state += 0xa0761d6478bd642fULL;
    return mum(state, state ^ 0xe7037ed1a0b428dbULL);
}

// One multiply keyed by the seed, then a second to spread the result: with a
// single round, runs of sequential keys land unevenly in the low bits (the
// bucket index); the fidelity test saw 0 to 4x Go's overflow bucket count.
// The integer mix with the seed and the process secret folded into three
// constants: a map computes them once per seed (u64_keys) instead of reading
// the secret and re-deriving them on every hash. hash_u64(x, seed) ==
// hash_u64_keyed(x, u64_keys(seed)).
struct u64_keys_t {
    std::uint64_t a, b, c;
};
inline u64_keys_t u64_keys(std::uint64_t seed) noexcept {
    const auto& s = secret();
    return {s.k0, seed ^ s.k1, s.k0 ^ 0xe7037ed1a0b428dbULL};
}
inline std::uint64_t hash_u64_keyed(std::uint64_t x, const u64_keys_t& k) noexcept {
    return mum(mum(x ^ k.a, k.b), k.c);
}
inline std::uint64_t hash_u64(std::uint64_t x, std::uint64_t seed) noexcept {
    return hash_u64_keyed(x, u64_keys(seed));
}

inline std::uint64_t read64(const unsigned char* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}
inline std::uint64_t read32(const unsigned char* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// Byte-string hash: 16 bytes per multiply, the tail read as two overlapping
// words, the length folded into the final mix so that "a" and "a\0" differ.
inline std::uint64_t hash_bytes(const void* data, std::size_t n, std::uint64_t seed) noexcept {
    const auto* p = static_cast<const unsigned char*>(data);
    const auto& s = secret();
    std::uint64_t h = seed ^ s.k0;
    std::uint64_t a, b;
    if (n <= 16) {
        if (n >= 8) {
            a = read64(p);
            b = read64(p + n - 8);
        } else if (n >= 4) {
            a = read32(p);
            b = read32(p + n - 4);
        } else if (n > 0) {
            a = (std::uint64_t(p[0]) << 16) | (std::uint64_t(p[n >> 1]) << 8) | p[n - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        std::size_t i = n;
        while (i > 16) {
            h = mum(read64(p) ^ s.k1, read64(p + 8) ^ h);
            p += 16;
            i -= 16;
        }
        a = read64(p + i - 16);
        b = read64(p + i - 8);
    }
    return mum(s.k1 ^ n, mum(a ^ s.k1, b ^ h));
}

}  // namespace detail

template <class T, class Enable = void>
struct hash {
    // Fallback for user types: std::hash<T>, mixed with the seed.
    std::uint64_t operator()(const T& v, std::uint64_t seed) const
        noexcept(noexcept(std::hash<T>{}(v))) {
        return detail::hash_u64(static_cast<std::uint64_t>(std::hash<T>{}(v)), seed);
    }
    std::size_t operator()(const T& v) const noexcept(noexcept(std::hash<T>{}(v))) {
        return static_cast<std::size_t>((*this)(v, 0));
    }
};

template <class T>
struct hash<T, std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T> || std::is_pointer_v<T> ||
                                std::is_same_v<T, std::nullptr_t>>> {
    // The key as the 64-bit word that is mixed (maps with a per-seed
    // precomputed mix call this and detail::hash_u64_keyed directly). The tag
    // names this very type, so a user's own specialisation, or a type derived
    // from this one, is never taken for it.
    using gomap_word_mix = hash;
    static std::uint64_t word(const T& v) noexcept {
        if constexpr (std::is_pointer_v<T>) {
            return reinterpret_cast<std::uintptr_t>(v);
        } else if constexpr (std::is_same_v<T, std::nullptr_t>) {
            return 0;
        } else if constexpr (std::is_enum_v<T>) {
            return static_cast<std::uint64_t>(static_cast<std::underlying_type_t<T>>(v));
        } else {
            return static_cast<std::uint64_t>(v);
        }
    }
    std::uint64_t operator()(const T& v, std::uint64_t seed) const noexcept { return detail::hash_u64(word(v), seed); }
    std::size_t operator()(const T& v) const noexcept { return (*this)(v, 0); }
};

template <class T>
struct hash<T, std::enable_if_t<std::is_floating_point_v<T>>> {
    // Go's f64hash: +0 and -0 are equal keys so they hash alike; NaN != NaN, so
    // a NaN key can never be found again and Go gives it a random hash, which
    // spreads repeated NaN inserts over the buckets instead of one chain.
    std::uint64_t operator()(const T& v, std::uint64_t seed) const noexcept {
        if (v != v) return detail::hash_u64(detail::fastrand64(), seed);
        if (v == T(0)) return detail::hash_u64(0, seed);
        if constexpr (sizeof(T) <= 8) {
            std::uint64_t bits = 0;
            std::memcpy(&bits, &v, sizeof(T));
            return detail::hash_u64(bits, seed);
        } else {
            // long double: hash the value bytes only (the padding is unspecified).
            return detail::hash_bytes(&v, 10, seed);
        }
    }
    std::size_t operator()(const T& v) const noexcept { return (*this)(v, 0); }
};

namespace detail {
struct string_hash {
    using is_transparent = void;
    std::uint64_t operator()(std::string_view s, std::uint64_t seed) const noexcept {
        return hash_bytes(s.data(), s.size(), seed);
    }
    std::size_t operator()(std::string_view s) const noexcept { return (*this)(s, 0); }
};
}  // namespace detail

template <class Traits, class A>
struct hash<std::basic_string<char, Traits, A>> : detail::string_hash {};
template <class Traits>
struct hash<std::basic_string_view<char, Traits>> : detail::string_hash {};

template <class A, class B>
struct hash<std::pair<A, B>> {
    std::uint64_t operator()(const std::pair<A, B>& p, std::uint64_t seed) const {
        return hash<B>{}(p.second, hash<A>{}(p.first, seed));
    }
    std::size_t operator()(const std::pair<A, B>& p) const { return (*this)(p, 0); }
};

template <class... Ts>
struct hash<std::tuple<Ts...>> {
    std::uint64_t operator()(const std::tuple<Ts...>& t, std::uint64_t seed) const {
        std::apply([&](const Ts&... xs) { ((seed = hash<Ts>{}(xs, seed)), ...); }, t);
        return detail::hash_u64(sizeof...(Ts), seed);
    }
    std::size_t operator()(const std::tuple<Ts...>& t) const { return (*this)(t, 0); }
};

namespace detail {

// How a map calls its Hash: the seeded form when Hash has one (gomap::hash),
// otherwise the std-style result mixed with the seed (std::hash, user hashers).
template <class Hash, class K>
concept has_seeded_call = requires(const Hash& h, const K& k, std::uint64_t s) {
    { h(k, s) } -> std::convertible_to<std::uint64_t>;
};

template <class Hash, class K>
inline std::uint64_t seeded_hash(const Hash& h, const K& key, std::uint64_t seed) {
    if constexpr (has_seeded_call<Hash, K>) {
        return static_cast<std::uint64_t>(h(key, seed));
    } else {
        return hash_u64(static_cast<std::uint64_t>(h(key)), seed);
    }
}

// Whether seeded_hash(h, key, seed) is hash_u64(w, seed) of a word w known
// without the seed: gomap::hash of an integer-like key, or a std-style
// hasher (whose result is mixed). keyed_word gives w; a map that keeps
// u64_keys(seed) then hashes with hash_u64_keyed (same value, fewer steps).
template <class Hash, class K>
concept integer_gomap_hash = requires(const K& key) {
    typename Hash::gomap_word_mix;
    requires std::is_same_v<typename Hash::gomap_word_mix, Hash>;
    { Hash::word(key) } -> std::same_as<std::uint64_t>;
};
template <class Hash, class K>
concept keyed_hashable = integer_gomap_hash<Hash, K> || !has_seeded_call<Hash, K>;
template <class Hash, class K>
inline std::uint64_t keyed_word(const Hash& h, const K& key) {
    if constexpr (integer_gomap_hash<Hash, K>) {
        return Hash::word(key);
    } else {
        return static_cast<std::uint64_t>(h(key));
    }
}


// The hash a map computes for key under its seed, given hk = u64_keys(seed)
// (kept by the map): seeded_hash's value, in fewer steps for integer keys.
// One definition for gomap::map's table and concurrent_map's shard choice.
template <class Hash, class K>
inline std::uint64_t map_hash(const Hash& h, const K& key, const u64_keys_t& hk, std::uint64_t seed) {
    if constexpr (keyed_hashable<Hash, K>)
        return hash_u64_keyed(keyed_word(h, key), hk);
    else
        return seeded_hash(h, key, seed);
}

}  // namespace detail
}  // namespace gomap
