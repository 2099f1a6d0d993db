// fuzz/map_fuzz.hpp — differential fuzz body: gomap::map and gomap::go_map
// against std::unordered_map, driven by arbitrary bytes.
//
//   void gomap_fuzz_one(const std::uint8_t* data, std::size_t size);
//
// is shared by the libFuzzer target (map_fuzz.cpp, scripts/fuzz.sh) and the
// GoogleTest that replays the committed corpus and a fixed pseudo-random set
// of inputs (replay_test.cpp, ctest `fuzz_replay`).
//
// INPUT FORMAT (any byte string is valid; reads past the end give 0)
//   byte 0  key space: 2^(4 + b % 13) keys, 16 .. 65536 (clamped to 2^9 / 2^10
//           for the colliding hashes below, so that one input stays fast)
//   byte 1  (hash policy, value type) pair: b % 9 (see configs[]); key mapping: b / 9 % 4
//   byte 2  size hint of the maps' constructor (b < 128: none)
//   then operations: one opcode byte, then its arguments (see step()).
// Hash policies: gomap::hash; identity (hash = key); constant (every key in
// one chain: long overflow chains, every probe compares keys); top byte only
// (every key in bucket 0, tophash differs); a std-style hasher (size_t
// operator()(key) only, which the map mixes with its seed).
// Value types: std::uint64_t; std::string (heap-allocated: ASan sees every
// lost, doubly destroyed or stale entry); a 136-byte struct (stored out of
// line, Go's maxElemSize rule).
// Key mapping (index i of the key space -> key): i, i * golden ratio, ~i,
// byte-swapped i (with the identity hash: every key in bucket 0).
//
// Each operation runs on a gomap::map and a gomap::go_map (same hash and
// value type), each next to its own std::unordered_map reference, plus a
// second map per subject for swap/move/copy targets. After every operation
// results and sizes are compared; every size/4 + 16 operations, after every
// whole-map operation, and whenever a resize starts or ends, the whole
// contents are compared (iteration, lookups, no duplicates) and
// check_invariants() must return "". range() checks Go's for-range contract
// while its fn inserts, erases, assigns and looks up: every key present for
// the whole loop is visited exactly once, a key is only visited while it is
// in the map (so one erased before it is reached is never visited), and each
// lifetime of a key (between its insert and its erase) is visited at most once.
//
// On a divergence: the diverging map, the operation, the input position and
// the configuration are printed to stderr, the input is written to
// gomap_fuzz::dump_path() when a driver set one, then __builtin_trap().
//
// Work per input is bounded: at most max_work units (an operation, a bulk
// element, a range() visit, or 1/8 of the map's size for a whole-map
// operation), so no input runs long.
#pragma once

#include <gomap/gomap.hpp>

#include <algorithm>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace gomap_fuzz {

using key = std::uint64_t;

inline constexpr std::uint64_t max_work = 20000;

// ---- what ran (summed over all inputs of the process) ------------------------

struct totals_t {
    std::uint64_t inputs = 0;
    std::uint64_t ops = 0;           // operations decoded and run on both maps (bulk elements and
                                     // range() visits of the first map count one each)
    std::uint64_t map_ops = 0;       // operations run on a gomap map (each of the two counts)
    std::uint64_t ops_resizing = 0;  // map ops that ran while a resize was in progress
    std::uint64_t ranges = 0;        // mutating range() loops
    std::uint64_t range_visits = 0;
    std::uint64_t range_mutations = 0;
    std::uint64_t full_checks = 0;
    std::uint64_t resizes = 0;  // stats().resizes at the end of each input, summed
    std::uint64_t shrinks = 0;
};
inline totals_t& totals() {
    static totals_t t;
    return t;
}

// Set by a driver: a name for the input in divergence reports, and a path the
// failing input is written to before the trap.
inline const char*& input_label() {
    static const char* s = nullptr;
    return s;
}
inline const char*& dump_path() {
    static const char* s = nullptr;
    return s;
}
// Known library bugs the body can step around while they are open, so that
// fuzzing goes on past them: GOMAP_FUZZ_AVOID=name[,name...] in the
// environment. Default: none (everything is exercised).
//   clear-spares  Go's clear() path (auto-shrink off) keeps the list of spare
//                 overflow buckets released by auto-shrink deletes, and then
//                 hands a spare out twice. When the table may hold such a list
//                 (auto-shrink was on while overflow buckets were in use, and
//                 no resize has started since), clear() runs with auto-shrink
//                 on; every other clear() takes Go's path as usual.
enum avoid_bits : unsigned { avoid_clear_spares = 1 };
inline unsigned avoid() {
    static const unsigned bits = [] {
        unsigned b = 0;
        const char* e = std::getenv("GOMAP_FUZZ_AVOID");
        const std::string s = e != nullptr ? e : "";
        if (s.find("clear-spares") != std::string::npos) b |= avoid_clear_spares;
        if (b != 0) std::fprintf(stderr, "gomap fuzz: GOMAP_FUZZ_AVOID=%s: stepping around known bugs\n", e);
        return b;
    }();
    return bits;
}

// Set by a driver (replay test: GOMAP_FUZZ_TRACE=1): print every operation and
// the maps' state after it, to stderr.
inline bool& trace() {
    static bool on = false;
    return on;
}

// ---- hash policies -----------------------------------------------------------

struct identity_hash {
    std::uint64_t operator()(key k, std::uint64_t) const noexcept { return k; }
    std::size_t operator()(key k) const noexcept { return static_cast<std::size_t>(k); }
};
// Every key collides: one chain, one tophash (its top byte 0x03 is below
// minTopHash, so tophash() adjusts it).
struct constant_hash {
    static constexpr std::uint64_t value = 0x03c0ffee12345678ULL;
    std::uint64_t operator()(key, std::uint64_t) const noexcept { return value; }
    std::size_t operator()(key) const noexcept { return static_cast<std::size_t>(value); }
};
// Only the top byte varies: every key in bucket 0 at any B < 56, tophash differs.
struct top_byte_hash {
    static std::uint64_t h(key k) noexcept { return (k * 0x9E3779B97F4A7C15ULL) & 0xFF00000000000000ULL; }
    std::uint64_t operator()(key k, std::uint64_t) const noexcept { return h(k); }
    std::size_t operator()(key k) const noexcept { return static_cast<std::size_t>(h(k)); }
};
// Only the std-style call: the map mixes the result with its seed.
struct std_style_hash {
    std::size_t operator()(key k) const noexcept { return std::hash<key>{}(k); }
};

inline constexpr const char* hash_names[] = {"gomap::hash", "identity", "constant", "top-byte-only",
                                             "std-style"};
inline constexpr const char* value_names[] = {"uint64", "std::string", "big (136 B, out of line)"};
inline constexpr const char* key_names[] = {"i", "i*golden", "~i", "bswap(i)"};

// ---- value types ---------------------------------------------------------------

struct big {
    std::uint64_t x = 0;
    std::uint64_t pad[16] = {};
    big() = default;
    explicit big(std::uint64_t v) noexcept : x(v) {
        for (std::uint64_t i = 0; i < 16; ++i) pad[i] = v * 31 + i;
    }
    friend bool operator==(const big&, const big&) = default;
};
static_assert(sizeof(big) > gomap::detail::maxElemSize, "big must be stored out of line");

template <class V>
V make_value(std::uint64_t x);
template <>
inline std::uint64_t make_value<std::uint64_t>(std::uint64_t x) {
    return x;
}
template <>
inline std::string make_value<std::string>(std::uint64_t x) {
    return "value-" + std::to_string(x) + "-longer-than-sso";
}
template <>
inline big make_value<big>(std::uint64_t x) {
    return big(x);
}

inline std::string show(std::uint64_t v) {
    return std::to_string(v);
}
inline std::string show(const std::string& v) {
    return '"' + v + '"';
}
inline std::string show(const big& v) {
    return "big(" + std::to_string(v.x) + ")";
}

// ---- helpers -------------------------------------------------------------------

inline std::string strf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
inline std::string strf(const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}
inline unsigned long long ull(std::uint64_t x) {
    return static_cast<unsigned long long>(x);
}

inline std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// splitmix64
struct rng {
    std::uint64_t s;
    explicit rng(std::uint64_t seed) : s(seed) {}
    std::uint64_t next() { return mix64(s += 0x9E3779B97F4A7C15ULL); }
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
};

struct reader {
    const std::uint8_t* p;
    std::size_t n;
    std::size_t i = 0;
    bool empty() const { return i >= n; }
    std::uint8_t u8() { return i < n ? p[i++] : 0; }
    std::uint16_t u16() {
        const unsigned lo = u8();
        return static_cast<std::uint16_t>(lo | (unsigned{u8()} << 8));
    }
};

// ---- per-input state shared by the two subjects ----------------------------------

struct ctx {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    unsigned bits = 4;
    std::uint64_t keyspace = 16;
    unsigned hash_kind = 0, value_kind = 0, key_kind = 0;
    std::size_t hint = 0;

    std::uint64_t op_index = 0;  // decoded operations so far
    std::size_t op_pos = 0;      // input offset of the current opcode
    const char* op_name = "start";
    std::uint64_t work = 0;
    std::uint64_t value_counter = 0;
    std::vector<key> recent;  // ring of recently inserted keys (picked by key reads)
    std::size_t recent_next = 0;

    key key_of(std::uint64_t idx) const {
        switch (key_kind) {
            case 0:
                return idx;
            case 1:
                return idx * 0x9E3779B97F4A7C15ULL;
            case 2:
                return ~idx;
            default:
                return __builtin_bswap64(idx);
        }
    }
    std::uint64_t next_value() { return ++value_counter; }
    void remember(key k) {
        if (recent.size() < 256) {
            recent.push_back(k);
        } else {
            recent[recent_next] = k;
            recent_next = (recent_next + 1) & 255;
        }
    }
    // A key: first byte b < 64 and a second byte: a recently inserted key
    // (present more often than not); else b and two more bytes index the key
    // space: ((b - 64) << 16 | u16) % keyspace.
    key read_key(reader& rd) {
        const unsigned b = rd.u8();
        if (b < 64) {
            const unsigned j = b | (unsigned{rd.u8()} << 6);
            if (!recent.empty()) return recent[j % recent.size()];
            return key_of(j % keyspace);
        }
        const std::uint64_t v = (std::uint64_t{b - 64} << 16) | rd.u16();
        return key_of(v % keyspace);
    }
    key random_key(rng& r) const {
        if (!recent.empty() && (r.next() & 1)) return recent[r.below(recent.size())];
        return key_of(r.below(keyspace));
    }

    [[noreturn]] void fail(const char* map_name, const std::string& what) const {
        std::fprintf(stderr,
                     "\ngomap fuzz: DIVERGENCE in %s\n  %s\n  at op #%llu (%s), opcode at input byte %zu of "
                     "%zu\n  config: %llu keys (2^%u), hash %s, value %s, keys %s, size hint %zu\n",
                     map_name, what.c_str(), ull(op_index), op_name, op_pos, size, ull(keyspace), bits,
                     hash_names[hash_kind], value_names[value_kind], key_names[key_kind], hint);
        if (input_label() != nullptr) std::fprintf(stderr, "  input: %s\n", input_label());
        if (dump_path() != nullptr) {
            if (std::FILE* f = std::fopen(dump_path(), "wb")) {
                if (size > 0) std::fwrite(data, 1, size, f);
                std::fclose(f);
                std::fprintf(stderr, "  input written to %s\n", dump_path());
            }
        }
        std::fflush(stderr);
        __builtin_trap();
    }
};

// ---- one map under test, with its reference --------------------------------------

template <class Map>
struct subject {
    using V = typename Map::mapped_type;
    using ref_t = std::unordered_map<key, V>;
    using value_type = typename Map::value_type;

    ctx& c;
    const char* name;
    bool primary;  // counts range() visits in totals().ops
    Map m;
    ref_t ref;
    Map other;  // swap / move / copy partner
    ref_t other_ref;
    std::uint64_t since_check = 0;
    bool was_resizing = false;
    // GOMAP_FUZZ_AVOID=clear-spares: whether m's (other's) table may hold
    // released spare overflow buckets, as of its resize number `resizes`.
    struct spare_taint {
        bool on = false;
        std::size_t resizes = 0;
    } taint_m, taint_other;

    subject(ctx& cx, const char* nm, bool prim, std::size_t hint) : c(cx), name(nm), primary(prim), m(hint) {}

    [[noreturn]] void fail(const std::string& what) const { c.fail(name, what); }

    // ---- checks -------------------------------------------------------------

    void check_map(const Map& mm, const ref_t& rr, const char* which) {
        ++totals().full_checks;
        c.work += mm.size() / 8;
        if (mm.size() != rr.size()) fail(strf("%s: size() %zu, reference %zu", which, mm.size(), rr.size()));
        if (mm.empty() != rr.empty()) fail(strf("%s: empty() is wrong", which));
        const std::string inv = mm.check_invariants();
        if (!inv.empty()) fail(strf("%s: check_invariants(): %s", which, inv.c_str()));
        const gomap::map_stats st = mm.stats();
        if (st.count != mm.size())
            fail(strf("%s: stats().count %zu, size() %zu", which, st.count, mm.size()));
        std::vector<key> seen;
        seen.reserve(rr.size());
        for (const auto& e : mm) {
            auto it = rr.find(e.first);
            if (it == rr.end())
                fail(strf("%s: iteration yields key %#llx, not in the reference", which, ull(e.first)));
            if (!(it->second == e.second))
                fail(strf("%s: iteration yields key %#llx with value %s, reference %s", which, ull(e.first),
                          show(e.second).c_str(), show(it->second).c_str()));
            seen.push_back(e.first);
            if (seen.size() > rr.size()) break;
        }
        if (seen.size() != rr.size())
            fail(strf("%s: iteration yields %s%zu entries, reference has %zu", which,
                      seen.size() > rr.size() ? "more than " : "", seen.size(), rr.size()));
        std::sort(seen.begin(), seen.end());
        if (auto d = std::adjacent_find(seen.begin(), seen.end()); d != seen.end())
            fail(strf("%s: iteration yields key %#llx twice", which, ull(*d)));
        for (const auto& [k, v] : rr) {
            auto it = mm.find(k);
            if (it == mm.end()) fail(strf("%s: find(%#llx) misses a present key", which, ull(k)));
            if (it->first != k)
                fail(strf("%s: find(%#llx) returns key %#llx", which, ull(k), ull(it->first)));
            if (!(it->second == v))
                fail(strf("%s: find(%#llx) gives %s, reference %s", which, ull(k), show(it->second).c_str(),
                          show(v).c_str()));
        }
    }
    void full_check() {
        since_check = 0;
        check_map(m, ref, "map");
    }
    void check_moved_from(const Map& mm, const char* which) {
        if (mm.size() != 0 || !(mm.begin() == mm.end()))
            fail(strf("%s: a moved-from map is not empty (size %zu)", which, mm.size()));
        const std::string inv = mm.check_invariants();
        if (!inv.empty()) fail(strf("%s: moved-from map: check_invariants(): %s", which, inv.c_str()));
        if (mm.stats().bytes != 0)
            fail(strf("%s: a moved-from map holds %zu bytes", which, mm.stats().bytes));
    }
    // gomap::map's promise (and go_map's once auto-shrink is on): a map that
    // became empty through erase, clear or a range() holds what a new one holds.
    void check_emptied(std::size_t before) {
        if (before > 0 && m.empty() && m.auto_shrink() && m.stats().bytes != 0)
            fail(strf("emptied with auto_shrink on, still holds %zu bytes (B=%u)", m.stats().bytes,
                      unsigned{m.stats().B}));
    }

    // After every operation.
    void after_op(bool whole_map) {
        if (m.size() != ref.size()) fail(strf("size() %zu, reference %zu", m.size(), ref.size()));
        const gomap::map_stats st = m.stats();
        const bool resizing = st.resizing;
        if (st.auto_shrink && st.overflow_buckets > 0)
            taint_m = {true, st.resizes};  // the next erase may release spares
        else if (st.resizes != taint_m.resizes || st.bytes == 0)
            taint_m.on = false;  // a new array (or none) since: the list was reset
        ++since_check;
        if (whole_map || resizing != was_resizing || since_check >= 16 + m.size() / 4) full_check();
        was_resizing = resizing;
    }
    void print_state() const {
        const gomap::map_stats st = m.stats();
        std::fprintf(stderr,
                     "    %-14s size=%zu B=%u old_B=%u dir=%d nevacuate=%zu overflow=%zu noverflow=%zu "
                     "bytes=%zu min_B=%u auto_shrink=%d | other size=%zu\n",
                     name, m.size(), unsigned{st.B}, unsigned{st.old_B}, static_cast<int>(st.direction),
                     static_cast<std::size_t>(st.nevacuate), static_cast<std::size_t>(st.overflow_buckets),
                     static_cast<std::size_t>(st.noverflow), static_cast<std::size_t>(st.bytes),
                     unsigned{st.min_B}, int{st.auto_shrink}, other.size());
    }
    void count_op() {
        ++totals().map_ops;
        if (was_resizing) ++totals().ops_resizing;
    }

    void check_found(typename Map::iterator it, key k, const V& expect, const char* what) {
        if (it == m.end()) fail(strf("%s(%#llx): returned end()", what, ull(k)));
        if (it->first != k) fail(strf("%s(%#llx): iterator at key %#llx", what, ull(k), ull(it->first)));
        if (!(it->second == expect))
            fail(strf("%s(%#llx): value %s, expected %s", what, ull(k), show(it->second).c_str(),
                      show(expect).c_str()));
    }

    // ---- point operations -----------------------------------------------------

    // Every form of insertion. form % 10.
    void insert(unsigned form, key k, std::uint64_t vid, key hint_key) {
        count_op();
        const V val = make_value<V>(vid);
        auto rit = ref.find(k);
        const bool absent = rit == ref.end();
        const V old = absent ? V{} : rit->second;
        V expect = absent ? val : old;
        typename Map::iterator it;
        int flag = -1;  // -1: the form returns no bool
        const char* what = "insert";
        switch (form % 10) {
            case 0: {
                auto r = m.insert(value_type(k, val));
                it = r.first, flag = r.second;
                break;
            }
            case 1: {
                what = "emplace";
                auto r = m.emplace(k, val);
                it = r.first, flag = r.second;
                break;
            }
            case 2: {
                what = "try_emplace";
                auto r = m.try_emplace(k, val);
                it = r.first, flag = r.second;
                break;
            }
            case 3: {
                what = "try_emplace(K&&)";
                key kk = k;
                auto r = m.try_emplace(std::move(kk), val);
                it = r.first, flag = r.second;
                break;
            }
            case 4: {
                what = "insert_or_assign";
                auto r = m.insert_or_assign(k, val);
                it = r.first, flag = r.second;
                expect = val;
                break;
            }
            case 5: {
                what = "operator[]=";
                if (vid & 1) {
                    m[k] = val;
                } else {
                    key kk = k;
                    m[std::move(kk)] = val;
                }
                it = m.find(k);
                expect = val;
                break;
            }
            case 6: {
                what = "operator[] (read)";
                const V& got = m[k];
                expect = old;
                if (!(got == expect))
                    fail(strf("operator[](%#llx) gives %s, expected %s", ull(k), show(got).c_str(),
                              show(expect).c_str()));
                it = m.find(k);
                break;
            }
            case 7: {
                what = "insert(hint, value)";
                auto h = m.find(hint_key);
                it = m.insert(h, value_type(k, val));
                break;
            }
            case 8: {
                what = "emplace(pair)";
                auto r = m.emplace(std::pair<key, V>(k, val));
                it = r.first, flag = r.second;
                break;
            }
            default: {
                what = "emplace(piecewise)";
                auto r =
                    m.emplace(std::piecewise_construct, std::forward_as_tuple(k), std::forward_as_tuple(val));
                it = r.first, flag = r.second;
                break;
            }
        }
        check_found(it, k, expect, what);
        if (flag >= 0 && (flag == 1) != absent)
            fail(strf("%s(%#llx): reports inserted=%d, reference %s the key", what, ull(k), flag,
                      absent ? "lacks" : "has"));
        if (absent)
            ref.emplace(k, expect);
        else
            rit->second = expect;
        if (m.size() != ref.size())
            fail(strf("%s(%#llx): size %zu, reference %zu", what, ull(k), m.size(), ref.size()));
    }

    void erase_key(key k) {
        count_op();
        const std::size_t before = ref.size();
        const std::size_t n = m.erase(k);
        const std::size_t want = ref.erase(k);
        if (n != want) fail(strf("erase(%#llx) returned %zu, expected %zu", ull(k), n, want));
        check_emptied(before);
    }

    // erase(find(k)): the returned iterator must be the entry that followed.
    void erase_iter(key k, bool as_const) {
        count_op();
        const std::size_t before = ref.size();
        auto it = m.find(k);
        const bool present = ref.count(k) != 0;
        if ((it != m.end()) != present)
            fail(strf("find(%#llx) %s, reference %s", ull(k), present ? "missed" : "found",
                      present ? "has it" : "lacks it"));
        if (!present) return;
        auto nx = std::next(it);
        const bool nx_end = nx == m.end();
        const key nk = nx_end ? 0 : nx->first;
        typename Map::iterator ret = as_const ? m.erase(typename Map::const_iterator(it)) : m.erase(it);
        ref.erase(k);
        if (!(ret == nx))
            fail(strf("erase(iterator at %#llx) did not return the next entry (%s%#llx)", ull(k),
                      nx_end ? "end, not " : "", ull(nk)));
        if (!nx_end) {
            if (ret->first != nk || nx->first != nk)
                fail(strf("erase(iterator at %#llx): next entry was %#llx, now %#llx", ull(k), ull(nk),
                          ull(ret->first)));
            auto rr = ref.find(nk);
            if (rr == ref.end() || !(rr->second == ret->second))
                fail(strf("erase(iterator at %#llx): returned entry %#llx disagrees with the reference",
                          ull(k), ull(nk)));
        }
        check_emptied(before);
    }

    void lookup(unsigned form, key k) {
        count_op();
        auto rit = ref.find(k);
        const bool present = rit != ref.end();
        switch (form % 6) {
            case 0: {
                auto it = m.find(k);
                if (present)
                    check_found(it, k, rit->second, "find");
                else if (it != m.end())
                    fail(strf("find(%#llx) found an absent key (at key %#llx)", ull(k), ull(it->first)));
                break;
            }
            case 1:
                if (m.contains(k) != present) fail(strf("contains(%#llx) is %d", ull(k), !present));
                break;
            case 2:
                if (m.count(k) != (present ? 1u : 0u)) fail(strf("count(%#llx) is wrong", ull(k)));
                break;
            case 3:
                try {
                    const V& v = (k & 1) ? std::as_const(m).at(k) : m.at(k);
                    if (!present) fail(strf("at(%#llx) of an absent key did not throw", ull(k)));
                    if (!(v == rit->second))
                        fail(strf("at(%#llx) gives %s, reference %s", ull(k), show(v).c_str(),
                                  show(rit->second).c_str()));
                } catch (const std::out_of_range&) {
                    if (present) fail(strf("at(%#llx) threw for a present key", ull(k)));
                }
                break;
            case 4: {
                auto [a, b] = m.equal_range(k);
                if (present) {
                    check_found(a, k, rit->second, "equal_range");
                    if (!(b == std::next(a)))
                        fail(strf("equal_range(%#llx).second is not next(first)", ull(k)));
                } else if (!(a == m.end()) || !(b == m.end())) {
                    fail(strf("equal_range(%#llx) of an absent key is not (end, end)", ull(k)));
                }
                break;
            }
            default: {
                const Map& cm = m;
                auto it = cm.find(k);
                if (present != (it != cm.end())) fail(strf("const find(%#llx) is wrong", ull(k)));
                if (present && !(it->second == rit->second))
                    fail(strf("const find(%#llx): wrong value", ull(k)));
                break;
            }
        }
    }

    // ---- range() and Go's for-range contract ------------------------------------

    struct life {
        bool visited = false;
        bool original = false;  // present when the loop started, not erased since
    };

    // flags: bits 0-1 erase-self rate, 2-3 erase-other rate, 4-5 insert rate
    // (of {0, 1, 4, 8}/16 of visits), bit 6 stop early (fn returns false after
    // stop_at visits), bit 7 may clear() the map once inside the loop.
    void range_mutating(std::uint8_t flags, std::uint16_t seed, std::uint8_t stop_at) {
        static constexpr unsigned rates[4] = {0, 1, 4, 8};
        const unsigned erase_self = rates[flags & 3], erase_other = rates[(flags >> 2) & 3],
                       insert_rate = rates[(flags >> 4) & 3];
        const bool early = (flags & 64) != 0, may_clear = (flags & 128) != 0;
        rng r(0x5eedULL * (seed + 1));
        ++totals().ranges;
        const std::size_t before = ref.size();
        std::unordered_map<key, life> lives;
        lives.reserve(ref.size());
        for (const auto& e : ref) lives.emplace(e.first, life{false, true});
        const std::uint64_t budget = std::min<std::uint64_t>(4096, max_work > c.work ? max_work - c.work : 0);
        std::uint64_t visits = 0, mutations = 0;
        bool stopped = false, cleared = false;

        m.range([&](const key& k, V& v) -> bool {
            ++visits;
            ++totals().range_visits;
            ++totals().map_ops;
            if (primary) ++totals().ops, ++c.work;
            auto it = ref.find(k);
            if (it == ref.end()) fail(strf("range() visited key %#llx, which is not in the map", ull(k)));
            if (!(it->second == v))
                fail(strf("range() gives key %#llx value %s, reference %s", ull(k), show(v).c_str(),
                          show(it->second).c_str()));
            auto lt = lives.find(k);
            if (lt == lives.end()) fail(strf("range(): internal: no lifetime for key %#llx", ull(k)));
            if (lt->second.visited)
                fail(strf(
                    "range() visited key %#llx twice in one lifetime (%s)", ull(k),
                    lt->second.original ? "present since the loop started" : "inserted during the loop"));
            lt->second.visited = true;
            if (early && visits > stop_at) {
                stopped = true;
                return false;
            }
            if (mutations >= budget) return true;
            const key self = k;     // k refers into the entry, which an erase destroys
            if (r.below(16) < 4) {  // assign through the reference fn was given
                const std::uint64_t id = c.next_value();
                v = make_value<V>(id);
                it->second = make_value<V>(id);
                ++mutations;
            }
            if (r.below(16) < 4) {  // lookups invalidate nothing
                const key q = c.random_key(r);
                auto f = ref.find(q);
                auto g = m.find(q);
                if ((f != ref.end()) != (g != m.end()) || (g != m.end() && !(g->second == f->second)))
                    fail(strf("range(): find(%#llx) inside fn disagrees with the reference", ull(q)));
            }
            bool touched = false;  // after an insert or erase, k is not used again
            if (r.below(16) < insert_rate) {
                const key q = c.random_key(r);
                const std::uint64_t id = c.next_value();
                const bool absent = ref.count(q) == 0;
                const unsigned form = static_cast<unsigned>(r.below(4));
                bool inserted;
                switch (form) {
                    case 0:
                        inserted = m.try_emplace(q, make_value<V>(id)).second;
                        break;
                    case 1:
                        inserted = m.insert_or_assign(q, make_value<V>(id)).second;
                        break;
                    case 2:
                        inserted = m.insert(value_type(q, make_value<V>(id))).second;
                        break;
                    default: {
                        const std::size_t n = m.size();
                        m[q] = make_value<V>(id);
                        inserted = m.size() != n;
                        break;
                    }
                }
                touched = true;
                ++mutations;
                ++totals().range_mutations;
                if (inserted != absent)
                    fail(strf("range(): insert of %#llx inside fn: inserted=%d", ull(q), inserted));
                if (absent) {
                    ref.emplace(q, make_value<V>(id));
                    lives[q] = life{false, false};
                } else if (form == 1 || form == 3) {  // these assign; the others keep the value
                    ref[q] = make_value<V>(id);
                }
            }
            if (r.below(16) < erase_other) {
                const key q = c.random_key(r);
                const bool present = ref.count(q) != 0;
                std::size_t n;
                if (r.next() & 1) {
                    n = m.erase(q);
                } else {
                    auto g = m.find(q);
                    n = 0;
                    if (g != m.end()) {
                        m.erase(g);
                        n = 1;
                    }
                }
                touched = true;
                ++mutations;
                ++totals().range_mutations;
                if (n != (present ? 1u : 0u))
                    fail(strf("range(): erase(%#llx) inside fn returned %zu", ull(q), n));
                ref.erase(q);
                lives.erase(q);
            }
            if (may_clear && !cleared && r.below(64) == 0) {
                m.clear();
                ref.clear();
                lives.clear();
                cleared = true;
                ++mutations;
                ++totals().range_mutations;
            } else if (r.below(16) < erase_self) {
                const bool present = ref.count(self) != 0;  // an erase-other may have taken it
                // Go's `delete(m, k)` with the loop's own key: the argument
                // refers into the entry being erased.
                const std::size_t n = present && !touched ? m.erase(k) : m.erase(self);
                ++mutations;
                ++totals().range_mutations;
                if (n != (present ? 1u : 0u))
                    fail(strf("range(): erase of the visited key %#llx returned %zu", ull(self), n));
                ref.erase(self);
                lives.erase(self);
            }
            if (m.size() != ref.size())
                fail(strf("range(): size %zu inside fn, reference %zu", m.size(), ref.size()));
            return true;
        });

        if (!stopped) {
            for (const auto& [k, l] : lives)
                if (l.original && !l.visited)
                    fail(
                        strf("range() did not visit key %#llx, present for the whole loop (%llu visits, %zu "
                             "at start)",
                             ull(k), ull(visits), before));
        }
        check_emptied(before);
    }

    // Read-only loops: range() on a const map, and begin/end iteration.
    void range_const(unsigned form, std::uint8_t stop_at) {
        std::vector<key> seen;
        seen.reserve(ref.size());
        const Map& cm = m;
        auto visit = [&](const key& k, const V& v) {
            ++totals().map_ops;
            if (primary) ++totals().ops, ++c.work;
            auto it = ref.find(k);
            if (it == ref.end() || !(it->second == v))
                fail(strf("const iteration yields key %#llx not in the reference or with a wrong value",
                          ull(k)));
            seen.push_back(k);
        };
        bool full = true;
        switch (form % 4) {
            case 0:
                cm.range(visit);
                break;
            case 1:
                cm.range([&](const key& k, const V& v) {
                    visit(k, v);
                    return seen.size() <= stop_at;
                });
                full = seen.size() <= stop_at;
                break;
            case 2:
                for (auto it = cm.cbegin(); it != cm.cend(); ++it) visit(it->first, it->second);
                break;
            default: {
                // post-increment, and an iterator converted to a const_iterator
                typename Map::const_iterator it = m.begin();
                while (it != cm.end()) {
                    auto cur = it++;
                    visit(cur->first, cur->second);
                }
                break;
            }
        }
        std::sort(seen.begin(), seen.end());
        if (auto d = std::adjacent_find(seen.begin(), seen.end()); d != seen.end())
            fail(strf("const iteration (form %u) yields key %#llx twice", form % 4, ull(*d)));
        if (full && seen.size() != ref.size())
            fail(strf("const iteration (form %u) yields %zu keys, reference has %zu", form % 4, seen.size(),
                      ref.size()));
    }

    // gomap::erase_if, or the hand-written erase loop; pred sees every entry once.
    void erase_if(bool by_hand, std::uint8_t rate, std::uint8_t seed) {
        const std::size_t before = ref.size();
        std::unordered_set<key> seen;
        seen.reserve(before);
        std::size_t chosen = 0;
        auto pred = [&](const value_type& e) {
            ++totals().map_ops;
            if (primary) ++totals().ops, ++c.work;
            auto it = ref.find(e.first);
            if (it == ref.end() || !(it->second == e.second))
                fail(strf("erase_if: pred sees key %#llx, not in the reference or with a wrong value",
                          ull(e.first)));
            if (!seen.insert(e.first).second) fail(strf("erase_if: pred sees key %#llx twice", ull(e.first)));
            const bool yes = (mix64(e.first ^ seed) & 255) < rate;
            chosen += yes;
            return yes;
        };
        std::size_t n;
        if (!by_hand) {
            n = gomap::erase_if(m, pred);
        } else {
            n = 0;
            for (auto it = m.begin(); it != m.end();) {
                if (pred(*it)) {
                    it = (n & 1) ? m.erase(typename Map::const_iterator(it)) : m.erase(it);
                    ++n;
                } else {
                    ++it;
                }
            }
        }
        if (seen.size() != before) fail(strf("erase_if: pred saw %zu of %zu entries", seen.size(), before));
        if (n != chosen) fail(strf("erase_if returned %zu, pred chose %zu", n, chosen));
        for (key k : seen)
            if ((mix64(k ^ seed) & 255) < rate) ref.erase(k);
        check_emptied(before);
    }

    // erase(first, last) over up to len entries from find(k) (or begin()).
    void erase_span(key k, unsigned len) {
        const std::size_t before = ref.size();
        auto first = m.find(k);
        if (first == m.end()) first = m.begin();
        std::vector<key> doomed;
        auto last = first;
        while (last != m.end() && doomed.size() < len) {
            doomed.push_back(last->first);
            ++last;
        }
        const bool last_end = last == m.end();
        const key lk = last_end ? 0 : last->first;
        auto ret = m.erase(typename Map::const_iterator(first), typename Map::const_iterator(last));
        totals().map_ops += doomed.size();
        if (primary) totals().ops += doomed.size(), c.work += doomed.size();
        if (!(ret == last))
            fail(strf("erase(first, last) of %zu entries did not return last", doomed.size()));
        if (!last_end && (ret->first != lk || last->first != lk))
            fail(strf("erase(first, last): last moved from key %#llx to %#llx", ull(lk), ull(ret->first)));
        for (key d : doomed)
            if (ref.erase(d) != 1)
                fail(strf("erase(first, last): key %#llx was not in the reference", ull(d)));
        check_emptied(before);
    }

    // ---- whole-map operations ---------------------------------------------------

    void clear() {
        count_op();
        const std::uint8_t B = m.stats().B;
        if ((avoid() & avoid_clear_spares) && !m.auto_shrink() && taint_m.on &&
            taint_m.resizes == m.stats().resizes) {
            m.set_auto_shrink(true);
            m.clear();
            m.set_auto_shrink(false);
            ref.clear();
            return;
        }
        m.clear();
        ref.clear();
        if (!m.empty() || !(m.begin() == m.end())) fail("clear() left entries");
        if (m.auto_shrink() && m.stats().bytes != 0)
            fail(strf("clear() with auto_shrink on holds %zu bytes", m.stats().bytes));
        if (!m.auto_shrink() && m.stats().B != B)
            fail(strf("clear() without auto_shrink changed B from %u to %u", unsigned{B},
                      unsigned{m.stats().B}));
    }

    void reserve(unsigned form, std::size_t n) {
        count_op();
        c.work += n / 8 + m.size() / 8;
        switch (form % 4) {
            case 0:
                m.reserve(n);
                break;
            case 1:
                m.rehash(n / 8);
                n = n / 8 * 13 / 2;
                break;
            case 2:
                n = 0, m.reserve(0);
                break;
            default:
                n = m.size(), m.reserve(n);
                break;
        }
        std::uint8_t b = 0;
        while (gomap::detail::overLoadFactor(n, b)) ++b;
        if (m.stats().B < b)
            fail(strf("after reserve(%zu) (form %u) B is %u, need %u", n, form % 4, unsigned{m.stats().B},
                      unsigned{b}));
    }

    void shrink_to_fit() {
        count_op();
        c.work += m.size() / 8;
        m.shrink_to_fit();
        const gomap::map_stats st = m.stats();
        if (st.resizing) fail("shrink_to_fit() left a resize in progress");
        if (m.empty() && st.bytes != 0)
            fail(strf("shrink_to_fit() of an empty map holds %zu bytes", st.bytes));
        std::uint8_t target = st.min_B;
        while (gomap::detail::overLoadFactor(m.size(), target)) ++target;
        if (!m.empty() && st.B > target)
            fail(strf("shrink_to_fit(): B %u, but %zu entries fit in B %u (floor %u)", unsigned{st.B},
                      m.size(), unsigned{target}, unsigned{st.min_B}));
    }

    void copy(unsigned form) {
        count_op();
        c.work += m.size() / 4;
        switch (form % 4) {
            case 0: {
                Map cp(m);
                check_map(cp, ref, "copy");
                if (!(cp == m)) fail("a copy is not == to its source");
                m = cp;
                taint_m = {};
                check_map(cp, ref, "copy after being assigned from");
                break;
            }
            case 1: {
                Map cp(m, m.get_allocator());
                check_map(cp, ref, "copy (allocator-extended)");
                other = cp;
                taint_other = {};
                other_ref = ref;
                check_map(other, other_ref, "other (copy-assigned)");
                break;
            }
            case 2: {
                Map cp(m.begin(), m.end());
                check_map(cp, ref, "copy from an iterator range");
                m = std::move(cp);
                taint_m = {};
                check_moved_from(cp, "copy after being moved from");
                break;
            }
            default: {
                Map& alias = m;
                m = alias;  // self-assignment
                break;
            }
        }
    }

    void move(unsigned form) {
        count_op();
        c.work += m.size() / 8;
        switch (form % 4) {
            case 0: {
                Map t(std::move(m));
                check_moved_from(m, "map (move-constructed from)");
                check_map(t, ref, "move-constructed map");
                m = std::move(t);
                check_moved_from(t, "map (move-assigned from)");
                break;
            }
            case 1:
                other = std::move(m);
                taint_other = taint_m;
                taint_m = {};
                other_ref = std::move(ref);
                ref.clear();
                check_moved_from(m, "map (move-assigned from)");
                check_map(other, other_ref, "other (move-assigned)");
                break;
            case 2: {
                Map& alias = m;
                m = std::move(alias);  // self-move-assignment leaves the map as it was
                break;
            }
            default: {
                Map t(std::move(m), m.get_allocator());
                check_moved_from(m, "map (allocator-extended move)");
                m.swap(t);
                check_moved_from(t, "map (swapped with a moved-from map)");
                break;
            }
        }
    }

    void swap(unsigned form) {
        count_op();
        switch (form % 4) {
            case 0:
                m.swap(other);
                break;
            case 1:
                swap_adl(m, other);
                break;
            case 2:
                std::swap(m, other);
                break;  // the generic one: moves
            default:
                other.swap(m);
                break;
        }
        std::swap(ref, other_ref);
        std::swap(taint_m, taint_other);
        check_map(other, other_ref, "other (swapped)");
    }
    static void swap_adl(Map& a, Map& b) {
        using std::swap;
        swap(a, b);
    }

    void set_auto_shrink(std::uint8_t b) {
        count_op();
        const bool on = (b & 1) != 0;
        Map& target = (b & 2) ? other : m;
        target.set_auto_shrink(on);
        if (target.auto_shrink() != on) fail("auto_shrink() does not report what set_auto_shrink() set");
    }

    void finish() {
        full_check();
        check_map(other, other_ref, "other");
        const auto s1 = m.stats(), s2 = other.stats();
        totals().resizes += s1.resizes + s2.resizes;
        totals().shrinks += s1.shrinks + s2.shrinks;
    }
};

// ---- the operation decoder ------------------------------------------------------

// Opcode byte ranges:
//   [0, 40)    insert, 10 forms            [172, 214)  insert, 10 forms
//   [40, 72)   erase(key) / erase(find)    [214, 256)  erase(key) / erase(find)
//   [72, 96)   find/contains/count/at/equal_range/const find
//   [96, 112)  bulk insert run             [112, 124)  bulk erase run / drain
//   [124, 136) range() with mutations      [136, 140)  read-only range / iteration
//   [140, 144) erase_if / erase loop       [144, 148)  erase(first, last)
//   [148, 151) clear                       [151, 156)  reserve / rehash
//   [156, 159) shrink_to_fit               [159, 163)  copy
//   [163, 167) move                        [167, 171)  swap
//   [171, 172) set_auto_shrink
template <class A, class B>
void step(ctx& c, reader& rd, A& a, B& b) {
    c.op_pos = rd.i;
    ++c.op_index;
    const std::uint8_t code = rd.u8();
    bool whole = false;
    auto both = [&](auto&& f) {
        f(a);
        f(b);
    };
    auto point = [&] {
        ++totals().ops;
        ++c.work;
    };
    if (code < 40 || (code >= 172 && code < 214)) {
        c.op_name = "insert";
        const key k = c.read_key(rd);
        const key h = (code & 1) ? k : c.key_of(code);
        const std::uint64_t vid = c.next_value();
        const unsigned form = code < 40 ? code : code - 172;
        both([&](auto& s) { s.insert(form, k, vid, h); });
        c.remember(k);
        point();
    } else if (code < 72 || code >= 214) {
        const key k = c.read_key(rd);
        if (code & 1) {
            c.op_name = "erase(find(key))";
            both([&](auto& s) { s.erase_iter(k, (code & 2) != 0); });
        } else {
            c.op_name = "erase(key)";
            both([&](auto& s) { s.erase_key(k); });
        }
        point();
    } else if (code < 96) {
        c.op_name = "lookup";
        const key k = c.read_key(rd);
        both([&](auto& s) { s.lookup(code, k); });
        point();
    } else if (code < 112) {
        c.op_name = "bulk insert";
        const unsigned n = rd.u8() + 1u;
        const std::uint16_t start = rd.u16();
        const std::uint64_t stride = rd.u8() | 1u;
        const unsigned mult = 1u + (code & 3);
        const std::uint8_t fb = rd.u8();  // insert form: fb % 10, or every form in turn
        for (std::uint64_t i = 0; i < std::uint64_t{n} * mult && c.work < max_work; ++i) {
            const key k = c.key_of((start + i * stride) % c.keyspace);
            const std::uint64_t vid = c.next_value();
            const unsigned form = fb < 200 ? fb : static_cast<unsigned>(i);
            both([&](auto& s) { s.insert(form, k, vid, k); });
            c.remember(k);
            point();
            both([&](auto& s) { s.after_op(false); });
        }
    } else if (code < 124) {
        const unsigned n = rd.u8() + 1u;
        const std::uint16_t start = rd.u16();
        const std::uint64_t stride = rd.u8() | 1u;
        std::vector<key> keys;
        if ((code & 2) == 0) {
            c.op_name = "bulk erase";
            for (std::uint64_t i = 0; i < std::uint64_t{n} * 4; ++i)
                keys.push_back(c.key_of((start + i * stride) % c.keyspace));
        } else {
            // Drain: a fraction (n % 8 + 1)/8 of the first map's keys.
            c.op_name = "drain";
            c.work += a.ref.size() / 8;
            for (const auto& e : a.ref)
                if ((mix64(e.first ^ start) & 7) <= (n & 7)) keys.push_back(e.first);
        }
        for (std::size_t i = 0; i < keys.size() && c.work < max_work; ++i) {
            if (code & 1)
                both([&](auto& s) { s.erase_iter(keys[i], (i & 1) != 0); });
            else
                both([&](auto& s) { s.erase_key(keys[i]); });
            point();
            both([&](auto& s) { s.after_op(false); });
        }
    } else if (code < 136) {
        c.op_name = "range() with inserts and erases";
        const std::uint8_t flags = rd.u8();
        const std::uint16_t seed = rd.u16();
        const std::uint8_t stop_at = rd.u8();
        both([&](auto& s) { s.range_mutating(flags, seed, stop_at); });
        point();
        whole = true;
    } else if (code < 140) {
        c.op_name = "read-only iteration";
        const std::uint8_t stop_at = rd.u8();
        both([&](auto& s) { s.range_const(code, stop_at); });
        point();
    } else if (code < 144) {
        c.op_name = "erase_if";
        const std::uint8_t rate = rd.u8();
        const std::uint8_t seed = rd.u8();
        both([&](auto& s) { s.erase_if((code & 1) != 0, rate, seed); });
        point();
        whole = true;
    } else if (code < 148) {
        c.op_name = "erase(first, last)";
        const key k = c.read_key(rd);
        const unsigned len = rd.u8() % 24;
        both([&](auto& s) { s.erase_span(k, len); });
        point();
    } else if (code < 151) {
        c.op_name = "clear";
        both([&](auto& s) { s.clear(); });
        point();
        whole = true;
    } else if (code < 156) {
        c.op_name = "reserve";
        const std::size_t n = rd.u16() % (2 * c.keyspace + 64);
        both([&](auto& s) { s.reserve(code, n); });
        point();
        whole = true;
    } else if (code < 159) {
        c.op_name = "shrink_to_fit";
        both([&](auto& s) { s.shrink_to_fit(); });
        point();
        whole = true;
    } else if (code < 163) {
        c.op_name = "copy";
        both([&](auto& s) { s.copy(code); });
        point();
        whole = true;
    } else if (code < 167) {
        c.op_name = "move";
        both([&](auto& s) { s.move(code); });
        point();
        whole = true;
    } else if (code < 171) {
        c.op_name = "swap";
        both([&](auto& s) { s.swap(code); });
        point();
        whole = true;
    } else {
        c.op_name = "set_auto_shrink";
        const std::uint8_t v = rd.u8();
        both([&](auto& s) { s.set_auto_shrink(v); });
        point();
    }
    if (trace()) {
        std::fprintf(stderr, "op #%llu at byte %zu: %s (opcode %u)\n", ull(c.op_index), c.op_pos, c.op_name,
                     unsigned{code});
        both([&](const auto& s) { s.print_state(); });
    }
    both([&](auto& s) { s.after_op(whole); });
}

template <class H, class V>
void run(ctx& c, reader& rd) {
    subject<gomap::map<key, V, H>> a(c, "gomap::map", true, c.hint);
    subject<gomap::go_map<key, V, H>> b(c, "gomap::go_map", false, c.hint);
    while (!rd.empty() && c.work < max_work) step(c, rd, a, b);
    c.op_name = "final check";
    a.finish();
    b.finish();
}

// The (hash, value type) pairs: every hash with uint64 values, heap-holding
// and out-of-line values with the real hash, and with collisions (moves of
// std::string entries along long chains). Nine pairs, not fifteen: each pair
// instantiates both maps and this whole body, which is what compile time pays for.
struct config_entry {
    unsigned hash_kind, value_kind;
};
inline constexpr config_entry configs[] = {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1},
                                           {2, 0}, {2, 1}, {3, 2}, {4, 0}};
inline constexpr unsigned n_configs = sizeof(configs) / sizeof(configs[0]);

inline void dispatch(ctx& c, reader& rd, unsigned config) {
    switch (config) {
        case 0:
            run<gomap::hash<key>, std::uint64_t>(c, rd);
            break;
        case 1:
            run<gomap::hash<key>, std::string>(c, rd);
            break;
        case 2:
            run<gomap::hash<key>, big>(c, rd);
            break;
        case 3:
            run<identity_hash, std::uint64_t>(c, rd);
            break;
        case 4:
            run<identity_hash, std::string>(c, rd);
            break;
        case 5:
            run<constant_hash, std::uint64_t>(c, rd);
            break;
        case 6:
            run<constant_hash, std::string>(c, rd);
            break;
        case 7:
            run<top_byte_hash, big>(c, rd);
            break;
        default:
            run<std_style_hash, std::uint64_t>(c, rd);
            break;
    }
}

}  // namespace gomap_fuzz

inline void gomap_fuzz_one(const std::uint8_t* data, std::size_t size) {
    using namespace gomap_fuzz;
    ++totals().inputs;
    if (size < 3) return;
    ctx c;
    c.data = data;
    c.size = size;
    reader rd{data, size};
    c.bits = 4 + rd.u8() % 13;
    const std::uint8_t cfg = rd.u8();
    const unsigned config = cfg % n_configs;
    c.hash_kind = configs[config].hash_kind;
    c.value_kind = configs[config].value_kind;
    c.key_kind = (cfg / n_configs) % 4;
    // Colliding configurations make every probe walk one long chain: keep
    // their chains to 64-128 buckets.
    if (c.hash_kind == 2) c.bits = std::min(c.bits, 9u);
    if (c.hash_kind == 3 || (c.hash_kind == 1 && c.key_kind == 3)) c.bits = std::min(c.bits, 10u);
    c.keyspace = std::uint64_t{1} << c.bits;
    const std::uint8_t h = rd.u8();
    c.hint = h < 128 ? 0 : static_cast<std::size_t>(h - 128) * c.keyspace / 64;
    dispatch(c, rd, config);
}
