// tests/support/tracked.hpp — an element type that knows where it lives.
//
// gomap_test::tracked holds an integer and a pointer to itself, set by every
// constructor and checked by every member function and by the destructor, plus
// a registry of the addresses of all live objects. It aborts (with a message)
// on:
//   * use of a destroyed object, or destroying one twice;
//   * use of a bitwise-relocated object (memcpy'd to a new address without a
//     constructor): its self-pointer names the old address;
//   * constructing over a live object (an entry overwritten without being
//     destroyed), or using an address no constructor ran at.
// A moved-from object stays alive but holds kMovedFrom, so that a container
// that keeps the moved-from copy instead of the new one shows wrong values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <unordered_set>

namespace gomap_test {

class tracked {
public:
    static constexpr std::int64_t kMovedFrom = INT64_MIN + 7;

    tracked() : tracked(0) {}
    tracked(std::int64_t v) : v_(v) { born(); }  // NOLINT: implicit on purpose
    tracked(const tracked& o) : v_(o.check()) { born(); }
    tracked(tracked&& o) noexcept : v_(o.check()) {
        o.v_ = kMovedFrom;
        born();
        ++moves;
    }
    tracked& operator=(const tracked& o) {
        check();
        v_ = o.check();
        return *this;
    }
    tracked& operator=(tracked&& o) noexcept {
        check();
        v_ = o.check();
        if (&o != this) o.v_ = kMovedFrom;
        return *this;
    }
    ~tracked() {
        check();
        if (live().erase(this) != 1) fail("destroying an unregistered object", this);
        // Volatile stores: the object's lifetime ends here, so an optimiser
        // may drop plain stores to it as dead (GCC's lifetime DSE, from -O1),
        // and a later use would not see the object as destroyed.
        *static_cast<volatile std::uint32_t*>(&magic_) = kDead;
        *static_cast<const tracked* volatile*>(&self_) = nullptr;
        ++destroyed;
    }

    std::int64_t value() const { return check(); }
    friend bool operator==(const tracked& a, const tracked& b) { return a.check() == b.check(); }

    // Counters over the whole program.
    static inline std::size_t constructed = 0;
    static inline std::size_t destroyed = 0;
    static inline std::size_t moves = 0;  // move constructions (relocations by constructor)
    static std::size_t alive() { return constructed - destroyed; }
    static std::size_t registered() { return live().size(); }

private:
    static constexpr std::uint32_t kAlive = 0x7ACCEDu, kDead = 0xDEADu;

    static std::unordered_set<const tracked*>& live() {
        static auto* s = new std::unordered_set<const tracked*>();  // never destroyed: usable at exit
        return *s;
    }
    [[noreturn]] static void fail(const char* what, const void* at) {
        std::fprintf(stderr, "tracked: %s at %p\n", what, at);
        std::fflush(stderr);
        std::abort();
    }
    void born() {
        if (!live().insert(this).second) fail("constructing over a live object", this);
        self_ = this;
        magic_ = kAlive;
        ++constructed;
    }
    std::int64_t check() const {
        if (magic_ == kDead) fail("use of a destroyed object", this);
        if (self_ != this) fail("use of a bitwise-relocated (or never constructed) object", this);
        if (magic_ != kAlive) fail("use of a corrupt object", this);
        if (live().count(this) != 1) fail("use of an unregistered object", this);
        return v_;
    }

    const tracked* self_ = nullptr;
    std::int64_t v_;
    std::uint32_t magic_ = 0;
};

}  // namespace gomap_test

template <>
struct std::hash<gomap_test::tracked> {
    std::size_t operator()(const gomap_test::tracked& t) const {
        return std::hash<std::int64_t>{}(t.value());
    }
};
