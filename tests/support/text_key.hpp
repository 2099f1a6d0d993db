// text_key.hpp — a key type built from text, and a transparent hasher and
// key_equal that count their calls: heterogeneous lookups and inserts must
// hash the text itself and build a key only when they insert one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include <gomap/hash.hpp>

namespace gomap_test {

// A key type whose construction from text is observable.
struct tkey {
    std::string s;
    static inline int conversions = 0;
    tkey(std::string_view v) : s(v) { ++conversions; }  // NOLINT: implicit, so a plain lookup would convert
    tkey(const char* p) : s(p) { ++conversions; }       // NOLINT
    friend bool operator==(const tkey& a, const tkey& b) { return a.s == b.s; }
};
struct thash {
    using is_transparent = void;
    static inline int key_calls = 0, text_calls = 0;
    template <class Q>
    std::uint64_t operator()(const Q& q, std::uint64_t seed) const {
        if constexpr (std::is_same_v<Q, tkey>) {
            ++key_calls;
            return gomap::hash<std::string_view>{}(q.s, seed);
        } else {
            ++text_calls;
            return gomap::hash<std::string_view>{}(std::string_view(q), seed);
        }
    }
};
struct teq {
    using is_transparent = void;
    template <class Q>
    static std::string_view view(const Q& q) {
        if constexpr (std::is_same_v<Q, tkey>)
            return q.s;
        else
            return std::string_view(q);
    }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        return view(a) == view(b);
    }
};

}  // namespace gomap_test
