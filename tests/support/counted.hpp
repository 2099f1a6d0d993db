// tests/support/counted.hpp — a value type that counts its constructions and
// destructions and detects use of a destroyed or moved-from object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <stdexcept>

namespace gomap_test {

struct counts {
    static inline std::size_t constructed = 0;  // every constructor
    static inline std::size_t destroyed = 0;
    static inline std::size_t throw_countdown = 0;  // >0: the N-th construction from here throws
    static std::size_t alive() { return constructed - destroyed; }
    static void reset() { constructed = destroyed = 0, throw_countdown = 0; }
};

struct counted_error : std::runtime_error {
    counted_error() : std::runtime_error("counted: planned failure") {}
};

// A key or value holding an integer; aborts the test on use after destruction.
class counted {
public:
    counted() : counted(0) {}
    counted(std::int64_t v) : v_(v) { born(); }  // NOLINT: implicit on purpose
    counted(const counted& o) : v_(o.check()) { born(); }
    counted(counted&& o) noexcept : v_(o.check()) { ++counts::constructed, alive_ = kAlive; }
    counted& operator=(const counted& o) {
        check();
        v_ = o.check();
        return *this;
    }
    counted& operator=(counted&& o) noexcept {
        check();
        v_ = o.check();
        return *this;
    }
    ~counted() {
        check();
        alive_ = kDead;
        ++counts::destroyed;
    }
    std::int64_t value() const { return check(); }
    friend bool operator==(const counted& a, const counted& b) { return a.check() == b.check(); }

private:
    static constexpr std::uint32_t kAlive = 0xA11CEu, kDead = 0xDEADu;
    void born() {
        if (counts::throw_countdown > 0 && --counts::throw_countdown == 0) throw counted_error();
        ++counts::constructed;
        alive_ = kAlive;
    }
    std::int64_t check() const {
        if (alive_ != kAlive) std::abort();  // use of a destroyed object
        return v_;
    }
    std::int64_t v_;
    std::uint32_t alive_ = 0;
};

}  // namespace gomap_test

template <>
struct std::hash<gomap_test::counted> {
    std::size_t operator()(const gomap_test::counted& c) const noexcept {
        return std::hash<std::int64_t>{}(c.value());
    }
};
