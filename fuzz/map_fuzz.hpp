// fuzz/map_fuzz.hpp — THE differential oracle: gomap::map and gomap::go_map
// against std::unordered_map, driven by arbitrary bytes.
//
//   void gomap_fuzz_one(const std::uint8_t* data, std::size_t size);
//
// is the one fuzz body. It is run by
//   * the libFuzzer target (map_fuzz.cpp, scripts/fuzz.sh);
//   * fuzz/replay_test.cpp (ctest `fuzz_replay`): the committed corpus
//     (fuzz/corpus/, written by fuzz/make_corpus.py) and 2000 fixed random
//     byte strings;
//   * tests/differential_test.cpp (ctest `differential_test`): byte strings
//     from fixed seeds, written by a generator of well-formed, purposeful
//     operation streams (long grows, drains that force shrinks, churn, range()
//     during resizes, adversarial hashes), which asserts the coverage counters
//     below (totals()).
// Every input runs gomap::map (the flat engine) and gomap::go_map (Go's
// hmap) side by side. The flat engine's probes start from the top bits of the
// hash, so two configurations are kept to a small key space for it (see
// gomap_fuzz_one); go_map then runs the input again on its own, at the full
// key space.
// Both GoogleTests only produce bytes: every operation, every check and every
// comparison is here. The body uses only the public API (members of
// gomap::map / gomap::go_map, stats(), check_invariants(), range(),
// set_auto_shrink(), gomap::erase_if), so that it guards any engine.
//
// INPUT FORMAT (any byte string is valid; reads past the end give 0)
//   byte 0  low nibble l: key space of 2^(4 + l % 13) keys, 16 .. 65536
//           (clamped for the colliding configurations, see gomap_fuzz_one);
//           high nibble h: work budget of max_work << (h / 3) units
//           (20000 .. 640000; a unit is an operation, a bulk or drive element,
//           a range() visit, or 1/8 of the map's size for a whole-map check)
//   byte 1  b % n_configs: the (hash, key type, value type) configuration,
//           configs[] below; b / n_configs % n_key_maps: the key mapping
//   byte 2  size hint of the maps' constructors (b < 128: none, else
//           (b - 128) * keyspace / 64)
//   then operations: one opcode byte, then its arguments (see step()):
//   [0,40) [172,200) [208,214)  insert, 16 forms (form = code % 16, or
//                               code - 172 / code - 208 ... % 16), key
//   [40,72) [214,256)  erase(key) (even), erase(find(key)) (odd; bit 1: via a
//                      const_iterator), key
//   [72,96)    lookup: find / contains / count / at / equal_range / const find
//              (code % 6), key
//   [96,112)   bulk insert: n-1, start u16, stride, form byte (>= 200: all
//              forms in turn); (n * (1 + code % 4)) keys start + i * stride
//   [112,124)  bulk erase (bit 1 clear: 4n keys from start by stride) or drain
//              (bit 1 set: a fraction (n % 8 + 1)/8 of the keys); bit 0:
//              erase(find(key)) instead of erase(key); args n-1, start u16, stride
//   [124,136)  range() whose fn mutates the map: flags, seed u16, stop_at, extra
//              (see subject::range_mutating)
//   [136,140)  read-only iteration (const range, stop early, cbegin/cend,
//              post-increment), stop_at
//   [140,144)  gomap::erase_if (bit 0 clear) or a hand-written erase(it) loop:
//              rate (of 256), seed
//   [144,148)  erase(first, last): key, length % 24
//   [148,151)  clear()          [151,156) reserve / rehash (code % 4), n u16
//   [156,159)  shrink_to_fit()  [159,163) copy (code % 4)
//   [163,167)  move (code % 4)  [167,171) swap (code % 4)
//   [171,172)  set_auto_shrink (gomap::map; go_map has no such setting, and
//              counts the op and does nothing): byte (bit 0: on/off; bit 1:
//              the second map; bit 2: relative: bit 0 set = the default (on),
//              clear = off)
//   [200,208)  drive: repeat a one-key action until the first map (gomap::map;
//              go_map when it runs alone) reaches a state, or (n + 1) * 16
//              times; args target, n.
//              Action code % 4: 0 insert fresh keys (a cursor walks the key
//              space), 1 expire: erase(key) the oldest inserted key still
//              present, 2 churn: insert fresh + expire, 3 expire by
//              erase(find(key)). target % 4: 0 none (run all steps), 1 a
//              grow (or same-size grow) in progress, 2 a shrink in progress,
//              3 no resize in progress; target / 4 % 16: the insert form.
//   A key argument: first byte b < 64 and one more byte: one of the 256 most
//   recently inserted keys; else ((b - 64) << 16 | u16) % keyspace, mapped.
//
// CONFIGURATIONS (configs[]): hash policy x key type x value type. Hashes:
// gomap::hash; identity (hash = key); constant (one chain, every probe
// compares keys); top byte only (every key in bucket 0); std-style
// (size_t operator()(key) only: the map mixes it with its seed); collide-8
// (raw seeded-style hash mix(k >> 3): 8 keys share each value); collide-16
// (std-style std::hash(k >> 4): 16 keys per value, mixed with the seed);
// collide-64 (raw mix(k >> 6)); high bits only (mix(k) with the low 32 bits
// zero: every key in bucket 0, tophash varies); low bits only (mix(k) & 2^32-1:
// tophash the same for every key). Keys: std::uint64_t, or std::string made
// from the uint64 id ("k<hex>|..." , a third longer than the SSO buffer).
// Values: std::uint64_t; std::string (heap-allocated: ASan sees lost, doubly
// destroyed or stale entries); a 136-byte struct (stored out of line).
// Key mappings (index i of the key space -> key id): i, i * golden ratio, ~i,
// byte-swapped i (identity hash: every key in bucket 0), chosen buckets
// ((i % 8) * 5 + (i / 8) * 2^24, top byte mixed: with the identity hash the
// keys land in 8 chosen buckets, k = bucket + 2^B * j).
//
// CHECKS. Each operation runs on a gomap::map and a gomap::go_map (same
// configuration; or on go_map alone), each next to its own
// std::unordered_map reference, plus a second map per subject for
// swap/move/copy targets. After every operation:
// its results and sizes against the reference; check_invariants() == "" after
// EVERY operation (bulk and drive elements included) while the map holds
// fewer than inv_every_op_below (1024) entries, and every size / 256
// operations above (so every 4 to 16 operations up to 4096 entries; the
// generated inputs reach 30000 entries, and check_invariants() rehashes every
// key: after every operation up to 4096 it took 85% of the Debug build's
// time); inside range()'s fn after each of its mutations while the map holds
// fewer than 512 entries.
// The whole contents (iteration, find of every reference key, no duplicates,
// stats().count) every size/4 + 16 operations, after every whole-map
// operation, and whenever a resize starts or ends. range() checks Go's
// for-range contract while its fn inserts, erases, assigns, looks up and
// toggles auto-shrink: every key present for the whole loop is visited
// exactly once, a key is only visited while it is in the map, each lifetime of
// a key (between its insert and its erase) is visited at most once.
//
// ON A FAILURE the diverging map, the operation, the input position, the
// configuration and the driver's label for the input (the generator's
// scenario and seed) are printed, the input is written to dump_path() when a
// driver set one, then __builtin_trap(). A driver that calls
// install_crash_dump() gets the input written too when the library aborts
// (GOMAP_CHECKED's fatal errors), traps, or a sanitizer reports. Replay:
//   GOMAP_FUZZ_REPLAY=<file> <build>/fuzz/fuzz_replay_test --gtest_filter=FuzzReplay.Files
// (GOMAP_FUZZ_TRACE=1 prints every operation and the maps' state after it).
// The bucket layout also depends on the per-map random seed (hash0) and the
// per-process secret of gomap::hash, as in Go: a replay takes the same
// operations, not always the same layout (the raw-hash configurations —
// identity, constant, top byte, collide-8/64, high/low bits — are seed-free).
#pragma once

#include <gomap/gomap.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

extern "C" void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));

namespace gomap_fuzz {

using key = std::uint64_t;  // a key id; the map's key is made from it (key_codec)

inline constexpr std::uint64_t max_work = 20000;
// check_invariants() after every operation below this size, every
// size / inv_every_divisor operations above (it rehashes every key: at 4096 it
// was 85% of the Debug build's time over the generated inputs).
inline constexpr std::size_t inv_every_op_below = 1024;
inline constexpr std::size_t inv_every_divisor = 256;
inline constexpr std::size_t inv_in_range_below = 512;

// ---- hash policies -----------------------------------------------------------

inline constexpr std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

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
// 2^Shift keys share each hash value; seeded-style, so used raw (no seed).
template <unsigned Shift>
struct collide_raw_hash {
    std::uint64_t operator()(key k, std::uint64_t) const noexcept { return mix64(k >> Shift); }
};
// 16 keys share each value; std-style, so the map mixes it with its seed.
struct collide16_std_hash {
    std::size_t operator()(key k) const noexcept { return std::hash<key>{}(k >> 4); }
};
// Only the high 32 bits vary: every key in bucket 0 up to B = 32.
struct high_bits_hash {
    std::uint64_t operator()(key k, std::uint64_t) const noexcept { return mix64(k) & 0xFFFFFFFF00000000ULL; }
};
// Only the low 32 bits vary: one tophash for every key, buckets spread.
struct low_bits_hash {
    std::uint64_t operator()(key k, std::uint64_t) const noexcept { return mix64(k) & 0x00000000FFFFFFFFULL; }
};

// ---- key and value types -------------------------------------------------------

template <class K>
struct key_codec;
template <>
struct key_codec<std::uint64_t> {
    static key make(key id) { return id; }
    static key id(key k) { return k; }
};
template <>
struct key_codec<std::string> {
    // "k<hex>", and for a third of the ids a tail longer than the SSO buffer.
    static std::string make(key id) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "k%llx|", static_cast<unsigned long long>(id));
        std::string s = buf;
        if (id % 3 == 0) s.append(24, static_cast<char>('g' + id % 20));
        return s;
    }
    static key id(const std::string& s) { return std::strtoull(s.c_str() + 1, nullptr, 16); }
};
// String keys, 16 per hash value (std-style: mixed with the map's seed).
struct collide16_string_hash {
    std::size_t operator()(const std::string& s) const noexcept {
        return std::hash<key>{}(key_codec<std::string>::id(s) >> 4);
    }
};

struct big {
    std::uint64_t x = 0;
    std::uint64_t pad[16] = {};
    big() = default;
    explicit big(std::uint64_t v) noexcept : x(v) {
        for (std::uint64_t i = 0; i < 16; ++i) pad[i] = v * 31 + i;
    }
    friend bool operator==(const big&, const big&) = default;
};
static_assert(sizeof(big) > 128, "big must be stored out of line");

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

// ---- configurations ------------------------------------------------------------

inline constexpr const char* hash_names[] = {
    "gomap::hash",  "identity",          "constant",          "top-byte-only",       "std-style",
    "collide-8 (raw mix(k>>3))", "collide-16 (std-style hash(k>>4))", "collide-64 (raw mix(k>>6))",
    "high-bits-only", "low-bits-only", "gomap::hash<string>", "collide-16 string (std-style)"};
inline constexpr const char* value_names[] = {"uint64", "std::string", "big (136 B, out of line)"};
inline constexpr const char* key_type_names[] = {"uint64", "std::string"};
inline constexpr const char* key_names[] = {"i", "i*golden", "~i", "bswap(i)", "chosen buckets"};
inline constexpr unsigned n_key_maps = 5;

struct config_entry {
    unsigned hash_kind, value_kind, key_type;
};
// Each entry instantiates both maps and this whole body (compile time).
inline constexpr config_entry configs[] = {
    {0, 0, 0},  {0, 1, 0}, {0, 2, 0}, {1, 0, 0}, {1, 1, 0}, {2, 0, 0},  {2, 1, 0},  {3, 2, 0}, {4, 0, 0},
    {5, 0, 0},  {6, 0, 0}, {6, 1, 0}, {7, 0, 0}, {8, 0, 0}, {9, 0, 0},  {10, 1, 1}, {11, 0, 1}};
inline constexpr unsigned n_configs = sizeof(configs) / sizeof(configs[0]);

// ---- what ran (summed over all inputs of the process) ------------------------

enum erase_path : unsigned { ep_key, ep_iter, ep_span, ep_if, ep_range, n_erase_paths };
inline constexpr const char* erase_path_names[] = {"erase(key)", "erase(iterator)", "erase(first,last)",
                                                   "erase_if/erase loop", "erase inside range()"};

struct per_config_t {
    std::uint64_t inputs = 0, ops = 0, ops_resizing = 0, ops_shrinking = 0, grows = 0, shrinks = 0,
                  range_erase_shrinking = 0;
};

struct totals_t {
    std::uint64_t inputs = 0;
    std::uint64_t ops = 0;           // operations decoded and run on both maps (bulk / drive elements and
                                     // range() visits of the first map count one each)
    std::uint64_t map_ops = 0;       // operations run on a gomap map (each of the two counts)
    std::uint64_t ops_resizing = 0;  // map ops that ran while a resize was in progress
    std::uint64_t ops_growing = 0;   // ... a grow or same-size grow
    std::uint64_t ops_shrinking = 0; // ... a shrink
    std::uint64_t ranges = 0;        // mutating range() loops
    std::uint64_t ranges_mut_growing = 0;    // of which some mutation ran while a grow was in progress
    std::uint64_t ranges_mut_shrinking = 0;  // ... while a shrink was in progress
    std::uint64_t range_visits = 0;
    std::uint64_t range_mutations = 0;
    std::uint64_t erases_growing[n_erase_paths] = {};    // erases of a present key, per path, mid-grow
    std::uint64_t erases_shrinking[n_erase_paths] = {};  // ... mid-shrink
    std::uint64_t toggles_mid_resize = 0;  // set_auto_shrink() changing the setting while resizing
    std::uint64_t grows_seen = 0;          // resizes seen in progress, by direction
    std::uint64_t same_size_seen = 0;
    std::uint64_t shrinks_seen = 0;
    std::uint64_t invariant_checks = 0;
    std::uint64_t full_checks = 0;
    std::uint64_t drive_reached = 0;  // drive ops that reached their target state
    per_config_t per_config[n_configs];
};
inline totals_t& totals() {
    static totals_t t;
    return t;
}

inline void print_totals(std::FILE* f, const totals_t& t) {
    auto u = [](std::uint64_t x) { return static_cast<unsigned long long>(x); };
    std::fprintf(f,
                 "gomap fuzz totals: inputs=%llu ops=%llu map_ops=%llu ops_resizing=%llu ops_growing=%llu "
                 "ops_shrinking=%llu ranges=%llu ranges_mut_growing=%llu ranges_mut_shrinking=%llu "
                 "range_visits=%llu range_mutations=%llu toggles_mid_resize=%llu grows_seen=%llu "
                 "same_size_seen=%llu shrinks_seen=%llu invariant_checks=%llu full_checks=%llu "
                 "drive_reached=%llu\n",
                 u(t.inputs), u(t.ops), u(t.map_ops), u(t.ops_resizing), u(t.ops_growing), u(t.ops_shrinking),
                 u(t.ranges), u(t.ranges_mut_growing), u(t.ranges_mut_shrinking), u(t.range_visits),
                 u(t.range_mutations), u(t.toggles_mid_resize), u(t.grows_seen), u(t.same_size_seen),
                 u(t.shrinks_seen), u(t.invariant_checks), u(t.full_checks), u(t.drive_reached));
    for (unsigned p = 0; p < n_erase_paths; ++p)
        std::fprintf(f, "  %-22s while growing %llu, while shrinking %llu\n", erase_path_names[p],
                     u(t.erases_growing[p]), u(t.erases_shrinking[p]));
    for (unsigned c = 0; c < n_configs; ++c) {
        const per_config_t& p = t.per_config[c];
        if (p.inputs == 0) continue;
        std::fprintf(f,
                     "  config %2u %-34s %-11s %-11s inputs=%llu ops=%llu resizing=%llu shrinking=%llu "
                     "grows=%llu shrinks=%llu range_erase_shrinking=%llu\n",
                     c, hash_names[configs[c].hash_kind], key_type_names[configs[c].key_type],
                     value_names[configs[c].value_kind], u(p.inputs), u(p.ops), u(p.ops_resizing),
                     u(p.ops_shrinking), u(p.grows), u(p.shrinks), u(p.range_erase_shrinking));
    }
}

// Set by a driver: a name for the input in failure reports, and a path the
// failing input is written to.
inline const char*& input_label() {
    static const char* s = nullptr;
    return s;
}
inline const char*& dump_path() {
    static const char* s = nullptr;
    return s;
}
// The input being run (for the crash handler).
struct current_input_t {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
};
inline current_input_t& current_input() {
    static current_input_t c;
    return c;
}

// Writes the input being run to dump_path(), with async-signal-safe calls only.
inline void dump_current_input() {
    const current_input_t& c = current_input();
    const char* path = dump_path();
    if (c.data == nullptr || path == nullptr) return;
    auto say = [](const char* s) { [[maybe_unused]] ssize_t r = ::write(2, s, std::strlen(s)); };
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    std::size_t done = 0;
    while (done < c.size) {
        const ssize_t w = ::write(fd, c.data + done, c.size - done);
        if (w <= 0) break;
        done += static_cast<std::size_t>(w);
    }
    ::close(fd);
    say("\ngomap fuzz: the input being run was written to ");
    say(path);
    if (const char* l = input_label()) {
        say(" (");
        say(l);
        say(")");
    }
    say("\n  replay: GOMAP_FUZZ_REPLAY=<that file> fuzz_replay_test --gtest_filter=FuzzReplay.Files\n");
}
inline void crash_signal(int sig) {
    dump_current_input();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}
// For drivers: on abort (the library's fatal errors), a trap, or a sanitizer
// report, write the input being run to dump_path() first.
inline void install_crash_dump() {
    std::signal(SIGABRT, crash_signal);
    std::signal(SIGILL, crash_signal);
    std::signal(SIGTRAP, crash_signal);
    if (&__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(dump_current_input);
}

// Set by a driver (replay test: GOMAP_FUZZ_TRACE=1): print every operation and
// the maps' state after it, to stderr.
inline bool& trace() {
    static bool on = false;
    return on;
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

template <class Map>
inline constexpr bool is_flat = !std::is_same_v<typename Map::policy_type, gomap::go_policy>;  // map, node_map

// Whether a map's table holds n entries at log2 size B without growing, from
// the public load_limit(): Go's overLoadFactor for hmap (6.5 entries per
// bucket, and a lone bucket holds 8); 7/8 of 15 slots per group for the flat
// engine (stats().B is then log2 of the groups).
template <class Map>
bool fits(std::size_t n, unsigned B) {
    if (B >= 60) return false;
    const double units = static_cast<double>(std::uint64_t{1} << B);
    if constexpr (is_flat<Map>)  // at least 2 groups (B >= 1) once it holds anything
        return n == 0 || (B >= 1 && static_cast<double>(n) <= units * 15 * static_cast<double>(Map::load_limit()));
    else
        return n <= 8 || static_cast<double>(n) <= static_cast<double>(Map::load_limit()) * units;
}

inline bool is_growing(const gomap::map_stats& st) {
    return st.resizing && st.direction != gomap::resize_direction::shrink;
}
inline bool is_shrinking(const gomap::map_stats& st) {
    return st.resizing && st.direction == gomap::resize_direction::shrink;
}

// ---- per-input state shared by the two subjects ----------------------------------

struct ctx {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    unsigned bits = 4;
    std::uint64_t keyspace = 16;
    unsigned config = 0, hash_kind = 0, value_kind = 0, key_type = 0, key_kind = 0;
    std::size_t hint = 0;
    std::uint64_t budget = max_work;

    std::uint64_t op_index = 0;  // decoded operations so far
    std::size_t op_pos = 0;      // input offset of the current opcode
    const char* op_name = "start";
    std::uint64_t work = 0;
    std::uint64_t value_counter = 0;
    std::vector<key> recent;  // ring of recently inserted keys (picked by key reads)
    std::size_t recent_next = 0;
    std::uint64_t cursor = 0;  // drive inserts: the next fresh key index
    std::deque<key> fifo;      // keys in the order they were inserted into the first map (drive expires)

    per_config_t& pc() const { return totals().per_config[config]; }

    key key_of(std::uint64_t idx) const {
        switch (key_kind) {
            case 0:
                return idx;
            case 1:
                return idx * 0x9E3779B97F4A7C15ULL;
            case 2:
                return ~idx;
            case 3:
                return __builtin_bswap64(idx);
            default:  // 8 chosen buckets (identity hash), top byte mixed
                return ((idx & 7) * 5 + ((idx >> 3) << 24)) ^ (mix64(idx >> 3) & 0xFF00000000000000ULL);
        }
    }
    std::uint64_t next_value() { return ++value_counter; }
    key fresh() { return key_of(cursor++ % keyspace); }
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
                     "%zu\n  config %u: %llu keys (2^%u), hash %s, key %s, value %s, keys %s, size hint %zu, "
                     "budget %llu\n",
                     map_name, what.c_str(), ull(op_index), op_name, op_pos, size, config, ull(keyspace), bits,
                     hash_names[hash_kind], key_type_names[key_type], value_names[value_kind],
                     key_names[key_kind], hint, ull(budget));
        if (input_label() != nullptr) std::fprintf(stderr, "  input: %s\n", input_label());
        if (dump_path() != nullptr) {
            if (std::FILE* f = std::fopen(dump_path(), "wb")) {
                if (size > 0) std::fwrite(data, 1, size, f);
                std::fclose(f);
                std::fprintf(stderr,
                             "  input written to %s; replay: GOMAP_FUZZ_REPLAY=%s fuzz_replay_test "
                             "--gtest_filter=FuzzReplay.Files\n",
                             dump_path(), dump_path());
            }
        }
        std::fflush(stderr);
        current_input() = {};  // written already
        __builtin_trap();
    }
};

// ---- one map under test, with its reference --------------------------------------

template <class Map>
struct subject {
    using K = typename Map::key_type;
    using V = typename Map::mapped_type;
    using kc = key_codec<K>;
    using ref_t = std::unordered_map<key, V>;  // by key id
    using value_type = typename Map::value_type;

    ctx& c;
    const char* name;
    bool primary;  // counts range() visits in totals().ops; feeds ctx::fifo
    Map m;
    ref_t ref;
    Map other;  // swap / move / copy partner
    ref_t other_ref;
    std::uint64_t since_check = 0, since_inv = 0;
    bool was_resizing = false;
    std::size_t seen_resizes = 0;

    // gomap::map gives memory back (auto-shrink, on by default); go_map never
    // does and has no setting.
    static constexpr bool flat = is_flat<Map>;
    static bool shrinks(const Map& mm) {
        if constexpr (flat)
            return mm.auto_shrink();
        else
            return false;
    }

    subject(ctx& cx, const char* nm, bool prim, std::size_t hint) : c(cx), name(nm), primary(prim), m(hint) {}

    [[noreturn]] void fail(const std::string& what) const { c.fail(name, what); }

    static K kk(key id) { return kc::make(id); }
    static key id_of(const K& k) { return kc::id(k); }

    // ---- checks -------------------------------------------------------------

    void check_inv(const Map& mm, const char* which) {
        ++totals().invariant_checks;
        const std::string inv = mm.check_invariants();
        if (!inv.empty()) fail(strf("%s: check_invariants(): %s", which, inv.c_str()));
    }

    void check_map(const Map& mm, const ref_t& rr, const char* which) {
        ++totals().full_checks;
        c.work += mm.size() / 8;
        if (mm.size() != rr.size()) fail(strf("%s: size() %zu, reference %zu", which, mm.size(), rr.size()));
        if (mm.empty() != rr.empty()) fail(strf("%s: empty() is wrong", which));
        check_inv(mm, which);
        const gomap::map_stats st = mm.stats();
        if (st.count != mm.size())
            fail(strf("%s: stats().count %zu, size() %zu", which, st.count, mm.size()));
        std::vector<key> seen;
        seen.reserve(rr.size());
        for (const auto& e : mm) {
            const key id = id_of(e.first);
            auto it = rr.find(id);
            if (it == rr.end())
                fail(strf("%s: iteration yields key %#llx, not in the reference", which, ull(id)));
            if (!(it->second == e.second))
                fail(strf("%s: iteration yields key %#llx with value %s, reference %s", which, ull(id),
                          show(e.second).c_str(), show(it->second).c_str()));
            seen.push_back(id);
            if (seen.size() > rr.size()) break;
        }
        if (seen.size() != rr.size())
            fail(strf("%s: iteration yields %s%zu entries, reference has %zu", which,
                      seen.size() > rr.size() ? "more than " : "", seen.size(), rr.size()));
        std::sort(seen.begin(), seen.end());
        if (auto d = std::adjacent_find(seen.begin(), seen.end()); d != seen.end())
            fail(strf("%s: iteration yields key %#llx twice", which, ull(*d)));
        for (const auto& [id, v] : rr) {
            auto it = mm.find(kk(id));
            if (it == mm.end()) fail(strf("%s: find(%#llx) misses a present key", which, ull(id)));
            if (id_of(it->first) != id)
                fail(strf("%s: find(%#llx) returns key %#llx", which, ull(id), ull(id_of(it->first))));
            if (!(it->second == v))
                fail(strf("%s: find(%#llx) gives %s, reference %s", which, ull(id), show(it->second).c_str(),
                          show(v).c_str()));
        }
    }
    void full_check() {
        since_check = 0;
        since_inv = 0;
        check_map(m, ref, "map");
    }
    void check_moved_from(const Map& mm, const char* which) {
        if (mm.size() != 0 || !(mm.begin() == mm.end()))
            fail(strf("%s: a moved-from map is not empty (size %zu)", which, mm.size()));
        check_inv(mm, which);
        if (mm.stats().bytes != 0)
            fail(strf("%s: a moved-from map holds %zu bytes", which, mm.stats().bytes));
    }
    // gomap::map's promise (with auto-shrink on): a map that became empty
    // through erase, clear or a range() holds what a new one holds.
    void check_emptied(std::size_t before) {
        if (before > 0 && m.empty() && shrinks(m) && m.stats().bytes != 0)
            fail(strf("emptied with auto_shrink on, still holds %zu bytes (B=%u)", m.stats().bytes,
                      unsigned{m.stats().B}));
    }

    // Resizes seen in progress, by direction (stats().resizes counts starts).
    void observe(const gomap::map_stats& st) {
        if (st.resizes == seen_resizes) return;
        if (st.resizing && st.resizes > seen_resizes) {
            if (st.direction == gomap::resize_direction::shrink) {
                ++totals().shrinks_seen;
                ++c.pc().shrinks;
            } else {
                ++totals().grows_seen;
                ++c.pc().grows;
                if (st.direction == gomap::resize_direction::same_size) ++totals().same_size_seen;
            }
        }
        seen_resizes = st.resizes;
    }

    // After every operation.
    void after_op(bool whole_map) {
        if (m.size() != ref.size()) fail(strf("size() %zu, reference %zu", m.size(), ref.size()));
        const gomap::map_stats st = m.stats();
        observe(st);
        const bool resizing = st.resizing;
        ++since_check;
        ++since_inv;
        if (whole_map || resizing != was_resizing || since_check >= 16 + m.size() / 4) {
            full_check();
        } else if (m.size() < inv_every_op_below || since_inv >= m.size() / inv_every_divisor) {
            since_inv = 0;
            check_inv(m, "map");
        }
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
    // Counts a map op by the resize in progress when it starts.
    void count_op() {
        ++totals().map_ops;
        const gomap::map_stats st = m.stats();
        if (st.resizing) {
            ++totals().ops_resizing;
            if (primary) ++c.pc().ops_resizing;
            if (is_shrinking(st)) {
                ++totals().ops_shrinking;
                if (primary) ++c.pc().ops_shrinking;
            } else {
                ++totals().ops_growing;
            }
        }
    }
    // Counts an erase of a present key by path and resize direction (call before the erase).
    void count_erase(erase_path p, std::size_t n = 1) {
        const gomap::map_stats st = m.stats();
        if (is_shrinking(st)) totals().erases_shrinking[p] += n;
        if (is_growing(st)) totals().erases_growing[p] += n;
        if (p == ep_range && is_shrinking(st)) c.pc().range_erase_shrinking += n;
    }

    void check_found(typename Map::iterator it, key k, const V& expect, const char* what) {
        if (it == m.end()) fail(strf("%s(%#llx): returned end()", what, ull(k)));
        if (id_of(it->first) != k)
            fail(strf("%s(%#llx): iterator at key %#llx", what, ull(k), ull(id_of(it->first))));
        if (!(it->second == expect))
            fail(strf("%s(%#llx): value %s, expected %s", what, ull(k), show(it->second).c_str(),
                      show(expect).c_str()));
    }

    // ---- point operations -----------------------------------------------------

    // Every form of insertion. form % 16.
    void insert(unsigned form, key k, std::uint64_t vid, key hint_key) {
        count_op();
        const V val = make_value<V>(vid);
        auto rit = ref.find(k);
        const bool absent = rit == ref.end();
        const V old = absent ? V{} : rit->second;
        V expect = absent ? val : old;
        // An insert of a present key invalidates nothing (documented for
        // gomap::map; go_map runs Go's growWork on an update, as mapassign
        // does, and may move entries).
        const value_type* addr = nullptr;
        if (!absent && flat) {
            auto f = m.find(kk(k));
            if (f != m.end()) addr = &*f;
        }
        bool assigns = false;
        typename Map::iterator it;
        int flag = -1;  // -1: the form returns no bool
        const char* what = "insert";
        switch (form % 16) {
            case 0: {
                auto r = m.insert(value_type(kk(k), val));
                it = r.first, flag = r.second;
                break;
            }
            case 1: {
                what = "emplace";
                auto r = m.emplace(kk(k), val);
                it = r.first, flag = r.second;
                break;
            }
            case 2: {
                what = "try_emplace";
                const K key_ = kk(k);
                auto r = m.try_emplace(key_, val);
                it = r.first, flag = r.second;
                break;
            }
            case 3: {
                what = "try_emplace(K&&)";
                K key_ = kk(k);
                auto r = m.try_emplace(std::move(key_), val);
                it = r.first, flag = r.second;
                break;
            }
            case 4: {
                what = "insert_or_assign";
                const K key_ = kk(k);
                auto r = m.insert_or_assign(key_, val);
                it = r.first, flag = r.second;
                expect = val, assigns = true;
                break;
            }
            case 5: {
                what = "operator[]=";
                if (vid & 1) {
                    const K key_ = kk(k);
                    m[key_] = val;
                } else {
                    K key_ = kk(k);
                    m[std::move(key_)] = val;
                }
                it = m.find(kk(k));
                expect = val, assigns = true;
                break;
            }
            case 6: {
                what = "operator[] (read)";
                const V& got = m[kk(k)];
                expect = old;
                if (!(got == expect))
                    fail(strf("operator[](%#llx) gives %s, expected %s", ull(k), show(got).c_str(),
                              show(expect).c_str()));
                it = m.find(kk(k));
                break;
            }
            case 7: {
                what = "insert(hint, value)";
                auto h = m.find(kk(hint_key));
                it = m.insert(h, value_type(kk(k), val));
                break;
            }
            case 8: {
                what = "emplace(pair)";
                auto r = m.emplace(std::pair<K, V>(kk(k), val));
                it = r.first, flag = r.second;
                break;
            }
            case 9: {
                what = "emplace(piecewise)";
                auto r = m.emplace(std::piecewise_construct, std::forward_as_tuple(kk(k)),
                                   std::forward_as_tuple(val));
                it = r.first, flag = r.second;
                break;
            }
            case 10: {
                what = "insert(const value_type&)";
                const value_type p(kk(k), val);
                auto r = m.insert(p);
                it = r.first, flag = r.second;
                break;
            }
            case 11: {
                what = "insert(pair<K,V>&&)";
                auto r = m.insert(std::pair<K, V>(kk(k), val));
                it = r.first, flag = r.second;
                break;
            }
            case 12: {
                what = "emplace_hint(cend)";
                it = m.emplace_hint(m.cend(), kk(k), val);
                break;
            }
            case 13: {
                what = "insert_or_assign(K&&, V&&)";
                K key_ = kk(k);
                V v2 = val;
                auto r = m.insert_or_assign(std::move(key_), std::move(v2));
                it = r.first, flag = r.second;
                expect = val, assigns = true;
                break;
            }
            case 14: {
                what = "insert_or_assign(hint)";
                it = m.insert_or_assign(m.cbegin(), kk(k), val);
                expect = val, assigns = true;
                break;
            }
            default: {
                what = "insert(cbegin, value)";
                it = m.insert(m.cbegin(), value_type(kk(k), val));
                break;
            }
        }
        check_found(it, k, expect, what);
        if (flag >= 0 && (flag == 1) != absent)
            fail(strf("%s(%#llx): reports inserted=%d, reference %s the key", what, ull(k), flag,
                      absent ? "lacks" : "has"));
        if (addr != nullptr && &*it != addr)
            fail(strf("%s(%#llx) of a present key moved its entry", what, ull(k)));
        (void)assigns;
        if (absent) {
            ref.emplace(k, expect);
            if (primary) c.fifo.push_back(k);
        } else {
            rit->second = expect;
        }
        if (m.size() != ref.size())
            fail(strf("%s(%#llx): size %zu, reference %zu", what, ull(k), m.size(), ref.size()));
    }

    void erase_key(key k) {
        count_op();
        const std::size_t before = ref.size();
        if (ref.count(k) != 0) count_erase(ep_key);
        const std::size_t n = m.erase(kk(k));
        const std::size_t want = ref.erase(k);
        if (n != want) fail(strf("erase(%#llx) returned %zu, expected %zu", ull(k), n, want));
        check_emptied(before);
    }

    // erase(find(k)): the returned iterator must be the entry that followed.
    void erase_iter(key k, bool as_const) {
        count_op();
        const std::size_t before = ref.size();
        auto it = m.find(kk(k));
        const bool present = ref.count(k) != 0;
        if ((it != m.end()) != present)
            fail(strf("find(%#llx) %s, reference %s", ull(k), present ? "missed" : "found",
                      present ? "has it" : "lacks it"));
        if (!present) return;
        count_erase(ep_iter);
        auto nx = std::next(it);
        const bool nx_end = nx == m.end();
        const key nk = nx_end ? 0 : id_of(nx->first);
        typename Map::iterator ret = as_const ? m.erase(typename Map::const_iterator(it)) : m.erase(it);
        ref.erase(k);
        if (!(ret == nx))
            fail(strf("erase(iterator at %#llx) did not return the next entry (%s%#llx)", ull(k),
                      nx_end ? "end, not " : "", ull(nk)));
        if (!nx_end) {
            if (id_of(ret->first) != nk)
                fail(strf("erase(iterator at %#llx): next entry was %#llx, now %#llx", ull(k), ull(nk),
                          ull(id_of(ret->first))));
            auto rr = ref.find(nk);
            if (rr == ref.end() || !(rr->second == ret->second))
                fail(strf("erase(iterator at %#llx): returned entry %#llx disagrees with the reference",
                          ull(k), ull(nk)));
        }
        if (m.contains(kk(k))) fail(strf("erase(iterator at %#llx): the key is still found", ull(k)));
        check_emptied(before);
    }

    void lookup(unsigned form, key k) {
        count_op();
        auto rit = ref.find(k);
        const bool present = rit != ref.end();
        const gomap::map_stats before = m.stats();
        const K key_ = kk(k);
        switch (form % 6) {
            case 0: {
                auto it = m.find(key_);
                if (present)
                    check_found(it, k, rit->second, "find");
                else if (it != m.end())
                    fail(strf("find(%#llx) found an absent key (at key %#llx)", ull(k), ull(id_of(it->first))));
                break;
            }
            case 1:
                if (m.contains(key_) != present) fail(strf("contains(%#llx) is %d", ull(k), !present));
                break;
            case 2:
                if (m.count(key_) != (present ? 1u : 0u)) fail(strf("count(%#llx) is wrong", ull(k)));
                break;
            case 3:
                try {
                    const V& v = (k & 1) ? std::as_const(m).at(key_) : m.at(key_);
                    if (!present) fail(strf("at(%#llx) of an absent key did not throw", ull(k)));
                    if (!(v == rit->second))
                        fail(strf("at(%#llx) gives %s, reference %s", ull(k), show(v).c_str(),
                                  show(rit->second).c_str()));
                } catch (const std::out_of_range&) {
                    if (present) fail(strf("at(%#llx) threw for a present key", ull(k)));
                }
                break;
            case 4: {
                auto [a, b] = m.equal_range(key_);
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
                auto it = cm.find(key_);
                if (present != (it != cm.end())) fail(strf("const find(%#llx) is wrong", ull(k)));
                if (present && !(it->second == rit->second))
                    fail(strf("const find(%#llx): wrong value", ull(k)));
                break;
            }
        }
        // Lookups move nothing.
        const gomap::map_stats after = m.stats();
        if (after.nevacuate != before.nevacuate || after.resizes != before.resizes ||
            after.resizing != before.resizing || after.B != before.B)
            fail(strf("lookup form %u of %#llx changed the table (B, resizes or evacuation)", form % 6, ull(k)));
    }

    // ---- range() and Go's for-range contract ------------------------------------

    struct life {
        bool visited = false;
        bool original = false;  // present when the loop started, not erased since
    };

    // flags: bits 0-1 erase-self rate, 2-3 erase-other rate, 4-5 insert rate
    // (of {0, 1, 4, 8}/16 of visits), bit 6 stop early (fn returns false after
    // stop_at visits), bit 7 may clear() the map once inside the loop.
    // extra: bits 0-1 neighbour-erase rate ({0, 4, 8, 14}/16 of visits erase
    // the keys k ^ 1 .. k ^ 15: most of k's group under the colliding hashes),
    // bit 2 toggle auto-shrink inside fn (off after a few visits, back on
    // later), bit 3 inserts take fresh keys (the drive cursor: the map grows).
    void range_mutating(std::uint8_t flags, std::uint16_t seed, std::uint8_t stop_at, std::uint8_t extra) {
        static constexpr unsigned rates[4] = {0, 1, 4, 8};
        static constexpr unsigned nrates[4] = {0, 4, 8, 14};
        const unsigned erase_self = rates[flags & 3], erase_other = rates[(flags >> 2) & 3],
                       insert_rate = rates[(flags >> 4) & 3], neighbour_rate = nrates[extra & 3];
        const bool early = (flags & 64) != 0, may_clear = (flags & 128) != 0;
        const bool toggle = (extra & 4) != 0, fresh_inserts = (extra & 8) != 0;
        rng r(0x5eedULL * (seed + 1));
        ++totals().ranges;
        const std::size_t before = ref.size();
        std::unordered_map<key, life> lives;
        lives.reserve(ref.size());
        for (const auto& e : ref) lives.emplace(e.first, life{false, true});
        const std::uint64_t budget = std::min<std::uint64_t>(4096, c.budget > c.work ? c.budget - c.work : 0);
        std::uint64_t visits = 0, mutations = 0;
        bool stopped = false, cleared = false, mut_growing = false, mut_shrinking = false;
        const bool shrink_setting = shrinks(m);
        const std::uint64_t toggle_off_at = 1 + r.below(8), toggle_on_at = toggle_off_at + 1 + r.below(64);
        auto note_mutation = [&] {
            ++mutations;
            ++totals().range_mutations;
            const gomap::map_stats st = m.stats();
            observe(st);
            mut_growing |= is_growing(st);
            mut_shrinking |= is_shrinking(st);
        };
        auto erase_one = [&](key q, bool by_iter) -> std::size_t {
            const bool present = ref.count(q) != 0;
            if (present) count_erase(ep_range);
            std::size_t n = 0;
            if (!by_iter) {
                n = m.erase(kk(q));
            } else {
                auto g = m.find(kk(q));
                if (g != m.end()) {
                    m.erase(g);
                    n = 1;
                }
            }
            if (n != (present ? 1u : 0u)) fail(strf("range(): erase(%#llx) inside fn returned %zu", ull(q), n));
            ref.erase(q);
            lives.erase(q);
            return n;
        };

        m.range([&](const K& kref, V& v) -> bool {
            const key k = id_of(kref);
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
            const std::size_t muts_before = mutations;
            if constexpr (flat) {
                if (toggle && (visits == toggle_off_at || visits == toggle_on_at)) {
                    const bool on = visits == toggle_on_at ? shrink_setting : !shrink_setting;
                    if (m.stats().resizing && on != m.auto_shrink()) ++totals().toggles_mid_resize;
                    m.set_auto_shrink(on);
                }
            }
            if (r.below(16) < 4) {  // assign through the reference fn was given
                const std::uint64_t id = c.next_value();
                v = make_value<V>(id);
                it->second = make_value<V>(id);
                ++mutations;
            }
            if (r.below(16) < 4) {  // lookups invalidate nothing
                const key q = c.random_key(r);
                auto f = ref.find(q);
                auto g = m.find(kk(q));
                if ((f != ref.end()) != (g != m.end()) || (g != m.end() && !(g->second == f->second)))
                    fail(strf("range(): find(%#llx) inside fn disagrees with the reference", ull(q)));
            }
            bool touched = false;  // after an insert or erase, kref is not used again
            if (r.below(16) < insert_rate) {
                const key q = fresh_inserts ? c.fresh() : c.random_key(r);
                const std::uint64_t id = c.next_value();
                const bool absent = ref.count(q) == 0;
                const unsigned form = static_cast<unsigned>(r.below(4));
                bool inserted;
                switch (form) {
                    case 0:
                        inserted = m.try_emplace(kk(q), make_value<V>(id)).second;
                        break;
                    case 1:
                        inserted = m.insert_or_assign(kk(q), make_value<V>(id)).second;
                        break;
                    case 2:
                        inserted = m.insert(value_type(kk(q), make_value<V>(id))).second;
                        break;
                    default: {
                        const std::size_t n = m.size();
                        m[kk(q)] = make_value<V>(id);
                        inserted = m.size() != n;
                        break;
                    }
                }
                touched = true;
                note_mutation();
                if (inserted != absent)
                    fail(strf("range(): insert of %#llx inside fn: inserted=%d", ull(q), inserted));
                if (absent) {
                    ref.emplace(q, make_value<V>(id));
                    lives[q] = life{false, false};
                    if (primary) c.fifo.push_back(q);
                    c.remember(q);
                } else if (form == 1 || form == 3) {  // these assign; the others keep the value
                    ref[q] = make_value<V>(id);
                }
            }
            if (r.below(16) < erase_other) {
                erase_one(c.random_key(r), (r.next() & 1) != 0);
                touched = true;
                note_mutation();
            }
            if (r.below(16) < neighbour_rate) {
                for (key j = 1; j < 16; ++j) {
                    const key q = k ^ j;
                    if (ref.count(q) == 0) continue;
                    erase_one(q, (j & 3) == 3);
                    touched = true;
                    note_mutation();
                }
            }
            if (may_clear && !cleared && r.below(64) == 0) {
                m.clear();
                ref.clear();
                lives.clear();
                cleared = true;
                note_mutation();
            } else if (r.below(16) < erase_self) {
                const bool present = ref.count(k) != 0;  // an erase-other may have taken it
                if (present) count_erase(ep_range);
                // Go's `delete(m, k)` with the loop's own key: the argument
                // refers into the entry being erased.
                const std::size_t n = present && !touched ? m.erase(kref) : m.erase(kk(k));
                note_mutation();
                if (n != (present ? 1u : 0u))
                    fail(strf("range(): erase of the visited key %#llx returned %zu", ull(k), n));
                ref.erase(k);
                lives.erase(k);
            }
            if (m.size() != ref.size())
                fail(strf("range(): size %zu inside fn, reference %zu", m.size(), ref.size()));
            if (mutations != muts_before && m.size() < inv_in_range_below) check_inv(m, "map inside range()");
            return true;
        });

        const bool toggled = flat && toggle && visits >= toggle_off_at;
        if constexpr (flat) {
            if (m.auto_shrink() != shrink_setting) {
                if (m.stats().resizing) ++totals().toggles_mid_resize;
                m.set_auto_shrink(shrink_setting);
            }
        }
        if (mut_growing) ++totals().ranges_mut_growing;
        if (mut_shrinking) ++totals().ranges_mut_shrinking;
        if (!stopped) {
            for (const auto& [k, l] : lives)
                if (l.original && !l.visited)
                    fail(
                        strf("range() did not visit key %#llx, present for the whole loop (%llu visits, %zu "
                             "at start)",
                             ull(k), ull(visits), before));
        }
        if (!toggled) check_emptied(before);  // emptied with auto-shrink off: memory may stay
    }

    // Read-only loops: range() on a const map, and begin/end iteration.
    void range_const(unsigned form, std::uint8_t stop_at) {
        count_op();
        std::vector<key> seen;
        seen.reserve(ref.size());
        const Map& cm = m;
        auto visit = [&](const K& kref, const V& v) {
            const key k = id_of(kref);
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
                cm.range([&](const K& k, const V& v) {
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
        count_op();
        const std::size_t before = ref.size();
        std::unordered_set<key> seen;
        seen.reserve(before);
        std::size_t chosen = 0;
        auto pred = [&](const value_type& e) {
            const key k = id_of(e.first);
            ++totals().map_ops;
            if (primary) ++totals().ops, ++c.work;
            auto it = ref.find(k);
            if (it == ref.end() || !(it->second == e.second))
                fail(strf("erase_if: pred sees key %#llx, not in the reference or with a wrong value", ull(k)));
            if (!seen.insert(k).second) fail(strf("erase_if: pred sees key %#llx twice", ull(k)));
            const bool yes = (mix64(k ^ seed) & 255) < rate;
            if (yes) count_erase(ep_if);
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
        count_op();
        const std::size_t before = ref.size();
        auto first = m.find(kk(k));
        if (first == m.end()) first = m.begin();
        std::vector<key> doomed;
        auto last = first;
        while (last != m.end() && doomed.size() < len) {
            doomed.push_back(id_of(last->first));
            ++last;
        }
        const bool last_end = last == m.end();
        const key lk = last_end ? 0 : id_of(last->first);
        count_erase(ep_span, doomed.size());
        auto ret = m.erase(typename Map::const_iterator(first), typename Map::const_iterator(last));
        totals().map_ops += doomed.size();
        if (primary) totals().ops += doomed.size(), c.work += doomed.size();
        if (!(ret == last))
            fail(strf("erase(first, last) of %zu entries did not return last", doomed.size()));
        if (!last_end && (id_of(ret->first) != lk || id_of(last->first) != lk))
            fail(strf("erase(first, last): last moved from key %#llx to %#llx", ull(lk), ull(id_of(ret->first))));
        for (key d : doomed) {
            if (ref.erase(d) != 1) fail(strf("erase(first, last): key %#llx was not in the reference", ull(d)));
            if (m.contains(kk(d))) fail(strf("erase(first, last): key %#llx is still found", ull(d)));
        }
        check_emptied(before);
    }

    // ---- whole-map operations ---------------------------------------------------

    void clear() {
        count_op();
        const std::uint8_t B = m.stats().B;
        m.clear();
        ref.clear();
        if (!m.empty() || !(m.begin() == m.end())) fail("clear() left entries");
        if (shrinks(m) && m.stats().bytes != 0)
            fail(strf("clear() with auto_shrink on holds %zu bytes", m.stats().bytes));
        if (!shrinks(m) && m.stats().B != B)
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
                n = static_cast<std::size_t>(static_cast<double>(n / 8) * static_cast<double>(Map::load_limit()));
                break;
            case 2:
                n = 0, m.reserve(0);
                break;
            default:
                n = m.size(), m.reserve(n);
                break;
        }
        if (!fits<Map>(n, m.stats().B))
            fail(strf("after reserve(%zu) (form %u) B is %u: too small", n, form % 4, unsigned{m.stats().B}));
    }

    void shrink_to_fit() {
        count_op();
        c.work += m.size() / 8;
        m.shrink_to_fit();
        const gomap::map_stats st = m.stats();
        if (st.resizing) fail("shrink_to_fit() left a resize in progress");
        if (m.empty() && st.bytes != 0) fail(strf("shrink_to_fit() of an empty map holds %zu bytes", st.bytes));
        unsigned target = st.min_B;
        while (!fits<Map>(m.size(), target)) ++target;
        if (!m.empty() && st.B > target)
            fail(strf("shrink_to_fit(): B %u, but %zu entries fit in B %u (floor %u)", unsigned{st.B}, m.size(),
                      target, unsigned{st.min_B}));
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
                check_map(cp, ref, "copy after being assigned from");
                break;
            }
            case 1: {
                Map cp(m, m.get_allocator());
                check_map(cp, ref, "copy (allocator-extended)");
                other = cp;
                other_ref = ref;
                check_map(other, other_ref, "other (copy-assigned)");
                break;
            }
            case 2: {
                Map cp(m.begin(), m.end());
                check_map(cp, ref, "copy from an iterator range");
                m = std::move(cp);
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
        check_map(other, other_ref, "other (swapped)");
    }
    static void swap_adl(Map& a, Map& b) {
        using std::swap;
        swap(a, b);
    }

    // gomap::map only (go_map: nothing to set). b: bit 0 on, bit 1 the
    // second map. (Bit 2, "relative to the map's default", is the same thing
    // now that only gomap::map has the setting: its default is on.)
    void set_auto_shrink(std::uint8_t b) {
        count_op();
        if constexpr (flat) {
            const bool on = (b & 1) != 0;
            Map& target = (b & 2) ? other : m;
            if (target.stats().resizing && target.auto_shrink() != on) ++totals().toggles_mid_resize;
            target.set_auto_shrink(on);
            if (target.auto_shrink() != on) fail("auto_shrink() does not report what set_auto_shrink() set");
        }
    }

    void finish() {
        full_check();
        check_map(other, other_ref, "other");
    }
};

// ---- the operation decoder ------------------------------------------------------

// a: the first map (drive and drain follow its state and reference); b: the
// second, when there is one.
template <class A, class... B>
void step(ctx& c, reader& rd, A& a, B&... b) {
    c.op_pos = rd.i;
    ++c.op_index;
    const std::uint8_t code = rd.u8();
    bool whole = false;
    auto both = [&](auto&& f) {
        f(a);
        (f(b), ...);
    };
    auto point = [&] {
        ++totals().ops;
        ++c.pc().ops;
        ++c.work;
    };
    const bool insert_code = code < 40 || (code >= 172 && code < 200) || (code >= 208 && code < 214);
    if (insert_code) {
        c.op_name = "insert";
        const key k = c.read_key(rd);
        const key h = (code & 1) ? k : c.key_of(code);
        const std::uint64_t vid = c.next_value();
        const unsigned form = code < 40 ? code : code < 200 ? code - 172u : code - 208u;
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
        const std::uint8_t fb = rd.u8();  // insert form: fb % 16, or every form in turn
        for (std::uint64_t i = 0; i < std::uint64_t{n} * mult && c.work < c.budget; ++i) {
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
            std::sort(keys.begin(), keys.end());  // the reference's order is not the same everywhere
        }
        for (std::size_t i = 0; i < keys.size() && c.work < c.budget; ++i) {
            if (code & 1)
                both([&](auto& s) { s.erase_iter(keys[i], (i & 1) != 0); });
            else
                both([&](auto& s) { s.erase_key(keys[i]); });
            point();
            both([&](auto& s) { s.after_op(false); });
        }
    } else if (code < 136) {
        c.op_name = "range() with mutations";
        const std::uint8_t flags = rd.u8();
        const std::uint16_t seed = rd.u16();
        const std::uint8_t stop_at = rd.u8();
        const std::uint8_t extra = rd.u8();
        both([&](auto& s) { s.range_mutating(flags, seed, stop_at, extra); });
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
    } else if (code < 172) {
        c.op_name = "set_auto_shrink";
        const std::uint8_t v = rd.u8();
        both([&](auto& s) { s.set_auto_shrink(v); });
        point();
    } else {  // [200, 208): drive
        const unsigned action = code & 3;
        static constexpr const char* names[4] = {"drive: insert fresh", "drive: expire by erase(key)",
                                                 "drive: churn", "drive: expire by erase(iterator)"};
        c.op_name = names[action];
        const std::uint8_t t = rd.u8();
        const unsigned target = t & 3, form = (t >> 2) & 15;
        const unsigned steps = (rd.u8() + 1u) * 16;
        auto reached = [&] {
            const gomap::map_stats st = a.m.stats();
            switch (target) {
                case 1:
                    return is_growing(st);
                case 2:
                    return is_shrinking(st);
                case 3:
                    return !st.resizing;
                default:
                    return false;
            }
        };
        // The oldest inserted key still in the first map (none: nothing to expire).
        auto oldest = [&](key& out) {
            while (!c.fifo.empty()) {
                const key k = c.fifo.front();
                c.fifo.pop_front();
                ++c.work;
                if (a.ref.count(k) != 0) {
                    out = k;
                    return true;
                }
            }
            return false;
        };
        for (unsigned i = 0; i < steps && c.work < c.budget; ++i) {
            if (reached()) {
                ++totals().drive_reached;
                break;
            }
            if (action == 0 || action == 2) {
                const key k = c.fresh();
                const std::uint64_t vid = c.next_value();
                both([&](auto& s) { s.insert(form, k, vid, k); });
                c.remember(k);
            }
            if (action != 0) {
                key k;
                if (!oldest(k)) break;
                if (action == 3)
                    both([&](auto& s) { s.erase_iter(k, (i & 1) != 0); });
                else
                    both([&](auto& s) { s.erase_key(k); });
            }
            point();
            both([&](auto& s) { s.after_op(false); });
        }
    }
    if (trace()) {
        std::fprintf(stderr, "op #%llu at byte %zu: %s (opcode %u)\n", ull(c.op_index), c.op_pos, c.op_name,
                     unsigned{code});
        both([&](const auto& s) { s.print_state(); });
    }
    both([&](auto& s) { s.after_op(whole); });
}

// gomap::map first, go_map second, and (WithNodes) node_map third. node_map
// is the flat engine with pointer slots, so it runs on a few configurations
// that cover its own code (the slot kind under every hash shape that matters:
// seeded, constant, 16-key collisions, string keys), not on all of them: each
// subject adds to the fuzz body's build time (CI's budget).
template <class K, class V, class H, bool WithNodes = false>
void run(ctx& c, reader& rd) {
    subject<gomap::map<K, V, H>> a(c, "gomap::map", true, c.hint);
    subject<gomap::go_map<K, V, H>> b(c, "gomap::go_map", false, c.hint);
    if constexpr (WithNodes) {
        subject<gomap::node_map<K, V, H>> n(c, "gomap::node_map", false, c.hint);
        while (!rd.empty() && c.work < c.budget) step(c, rd, a, b, n);
        c.op_name = "final check";
        n.finish();
    } else {
        while (!rd.empty() && c.work < c.budget) step(c, rd, a, b);
        c.op_name = "final check";
    }
    a.finish();
    b.finish();
}
// go_map alone (at a key space too large for the flat engine under this hash).
template <class K, class V, class H>
void run_go_map_alone(ctx& c, reader& rd) {
    subject<gomap::go_map<K, V, H>> b(c, "gomap::go_map", true, c.hint);
    while (!rd.empty() && c.work < c.budget) step(c, rd, b);
    c.op_name = "final check";
    b.finish();
}

inline void dispatch(ctx& c, reader& rd) {
    using u64 = std::uint64_t;
    using str = std::string;
    switch (c.config) {
        case 0: return run<u64, u64, gomap::hash<u64>, true>(c, rd);
        case 1: return run<u64, str, gomap::hash<u64>, true>(c, rd);
        case 2: return run<u64, big, gomap::hash<u64>>(c, rd);
        case 3: return run<u64, u64, identity_hash>(c, rd);
        case 4: return run<u64, str, identity_hash>(c, rd);
        case 5: return run<u64, u64, constant_hash, true>(c, rd);
        case 6: return run<u64, str, constant_hash>(c, rd);
        case 7: return run<u64, big, top_byte_hash>(c, rd);
        case 8: return run<u64, u64, std_style_hash>(c, rd);
        case 9: return run<u64, u64, collide_raw_hash<3>>(c, rd);
        case 10: return run<u64, u64, collide16_std_hash>(c, rd);
        case 11: return run<u64, str, collide16_std_hash, true>(c, rd);
        case 12: return run<u64, u64, collide_raw_hash<6>>(c, rd);
        case 13: return run<u64, u64, high_bits_hash>(c, rd);
        case 14: return run<u64, u64, low_bits_hash>(c, rd);
        case 15: return run<str, str, gomap::hash<str>, true>(c, rd);
        default: return run<str, u64, collide16_string_hash>(c, rd);
    }
}
static_assert(n_configs == 17, "dispatch() has one case per configs[] entry");

// The configurations whose key space gomap_fuzz_one clamps for the flat
// engine: identity and low-bits-only hashes.
inline constexpr bool clamped_for_flat(unsigned hash_kind) { return hash_kind == 1 || hash_kind == 9; }
inline void dispatch_go_map_alone(ctx& c, reader& rd) {
    using u64 = std::uint64_t;
    using str = std::string;
    switch (c.config) {
        case 3: return run_go_map_alone<u64, u64, identity_hash>(c, rd);
        case 4: return run_go_map_alone<u64, str, identity_hash>(c, rd);
        case 14: return run_go_map_alone<u64, u64, low_bits_hash>(c, rd);
        default: return;
    }
}
static_assert(configs[3].hash_kind == 1 && configs[4].hash_kind == 1 && configs[14].hash_kind == 9,
              "dispatch_go_map_alone() has one case per clamped configuration");

// ---- writing inputs (for generators: tests/differential_test.cpp) --------------

// Appends operations in the format above. make_corpus.py is its Python twin.
struct encoder {
    std::vector<std::uint8_t> b;
    std::uint64_t keyspace = 16;
    // work: the high nibble of byte 0 (budget max_work << (work / 3)).
    encoder(unsigned bits, unsigned config, unsigned key_map = 0, std::uint8_t hint = 0, unsigned work = 0) {
        b.push_back(static_cast<std::uint8_t>(((bits - 4) % 13) | ((work & 15) << 4)));
        b.push_back(static_cast<std::uint8_t>(key_map * n_configs + config));
        b.push_back(hint);
        keyspace = std::uint64_t{1} << bits;  // before the clamps of gomap_fuzz_one
    }
    void u8(unsigned x) { b.push_back(static_cast<std::uint8_t>(x)); }
    void u16(unsigned x) {
        u8(x & 255);
        u8((x >> 8) & 255);
    }
    void key(std::uint64_t idx) {  // explicit key index (% the clamped key space)
        u8(64 + ((idx >> 16) & 127));
        u16(static_cast<unsigned>(idx & 0xFFFF));
    }
    void recent(unsigned j) {  // one of the 256 most recently inserted keys
        u8(j & 63);
        u8((j >> 6) & 255);
    }
    void insert(unsigned form, std::uint64_t idx) {
        u8(form % 16);
        key(idx);
    }
    void insert_recent(unsigned form, unsigned j) {
        u8(form % 16);
        recent(j);
    }
    void erase(std::uint64_t idx, bool by_iter = false, bool as_const = false) {
        u8(40 + (by_iter ? 1 : 0) + (as_const ? 2 : 0));
        key(idx);
    }
    void erase_recent(unsigned j, bool by_iter = false) {
        u8(40 + (by_iter ? 1 : 0));
        recent(j);
    }
    void lookup(unsigned form, std::uint64_t idx) {
        u8(72 + form % 6);
        key(idx);
    }
    void lookup_recent(unsigned form, unsigned j) {
        u8(72 + form % 6);
        recent(j);
    }
    // (n * mult) keys start + i * stride; n in [1, 256], mult in [1, 4].
    void bulk_insert(unsigned n, unsigned start, unsigned stride = 1, unsigned mult = 1, unsigned form = 0) {
        u8(96 + (mult - 1) % 4);
        u8(n - 1);
        u16(start);
        u8(stride | 1);
        u8(form);
    }
    void bulk_erase(unsigned n, unsigned start, unsigned stride = 1, bool by_iter = false) {  // 4n keys
        u8(112 + (by_iter ? 1 : 0));
        u8(n - 1);
        u16(start);
        u8(stride | 1);
    }
    void drain(unsigned eighths, unsigned seed, bool by_iter = false) {  // about eighths/8 of the keys
        u8(114 + (by_iter ? 1 : 0));
        u8((eighths - 1) & 7);
        u16(seed);
        u8(1);
    }
    // Rates 0..3 index {0, 1, 4, 8}/16; neighbours 0..3 index {0, 4, 8, 14}/16.
    void range(unsigned erase_self, unsigned erase_other, unsigned insert, unsigned seed, int stop = -1,
               bool may_clear = false, unsigned neighbours = 0, bool toggle = false, bool fresh = false) {
        u8(124);
        u8((erase_self & 3) | (erase_other & 3) << 2 | (insert & 3) << 4 | (stop >= 0 ? 64 : 0) |
           (may_clear ? 128 : 0));
        u16(seed);
        u8(stop >= 0 ? static_cast<unsigned>(stop) : 0);
        u8((neighbours & 3) | (toggle ? 4 : 0) | (fresh ? 8 : 0));
    }
    void read_only(unsigned form, unsigned stop = 0) {
        u8(136 + form % 4);
        u8(stop);
    }
    void erase_if(bool by_hand, unsigned rate, unsigned seed) {
        u8(140 + (by_hand ? 1 : 0));
        u8(rate);
        u8(seed);
    }
    void erase_span(std::uint64_t idx, unsigned len) {
        u8(144);
        key(idx);
        u8(len);
    }
    void erase_span_recent(unsigned j, unsigned len) {
        u8(144);
        recent(j);
        u8(len);
    }
    void clear() { u8(148); }
    void reserve(unsigned form, unsigned n) {
        u8(152 + form % 4);
        u16(n);
    }
    void shrink_to_fit() { u8(156); }
    void copy(unsigned form) { u8(159 + (form + 1) % 4); }  // 160, 161, 162, 159: forms 0, 1, 2, 3
    void move(unsigned form) { u8(163 + (form + 1) % 4); }
    void swap(unsigned form) { u8(167 + (form + 1) % 4); }
    void auto_shrink(bool on, bool other = false) {
        u8(171);
        u8((on ? 1 : 0) | (other ? 2 : 0));
    }
    // gomap::map's auto-shrink away from its default (off), or back to it (on).
    void auto_shrink_relative(bool back_to_default, bool other = false) {
        u8(171);
        u8((back_to_default ? 1 : 0) | (other ? 2 : 0) | 4);
    }
    enum target : unsigned { none = 0, growing = 1, shrinking = 2, idle = 3 };
    enum action : unsigned { insert_fresh = 0, expire = 1, churn = 2, expire_by_iter = 3 };
    // steps: up to 16 * n, n in [1, 256].
    void drive(action a, target t, unsigned n, unsigned form = 0) {
        u8(200 + a);
        u8(t | (form % 16) << 2);
        u8(n - 1);
    }
};

}  // namespace gomap_fuzz

// The body is compiled in one translation unit only (it instantiates every
// configuration: minutes of compile time under sanitizers): the one that
// defines GOMAP_FUZZ_DEFINE_BODY before including this header
// (fuzz/map_fuzz_body.cpp for the tests, fuzz/map_fuzz.cpp for libFuzzer).
void gomap_fuzz_one(const std::uint8_t* data, std::size_t size);

#ifdef GOMAP_FUZZ_DEFINE_BODY
void gomap_fuzz_one(const std::uint8_t* data, std::size_t size) {
    using namespace gomap_fuzz;
    ++totals().inputs;
    if (size < 3) return;
    current_input() = {data, size};
    ctx c;
    c.data = data;
    c.size = size;
    reader rd{data, size};
    const std::uint8_t b0 = rd.u8();
    c.bits = 4 + (b0 & 15) % 13;
    c.budget = max_work << ((b0 >> 4) / 3);
    const std::uint8_t cfg = rd.u8();
    c.config = cfg % n_configs;
    c.hash_kind = configs[c.config].hash_kind;
    c.value_kind = configs[c.config].value_kind;
    c.key_type = configs[c.config].key_type;
    c.key_kind = (cfg / n_configs) % n_key_maps;
    // Colliding configurations make every probe walk one long chain: keep
    // their chains to 64-256 buckets.
    if (c.hash_kind == 2) c.bits = std::min(c.bits, 9u);
    if (c.hash_kind == 3 || c.hash_kind == 8 || (c.hash_kind == 1 && c.key_kind == 3))
        c.bits = std::min(c.bits, 10u);
    if (c.hash_kind == 1 && c.key_kind == 4) c.bits = std::min(c.bits, 11u);
    c.keyspace = std::uint64_t{1} << c.bits;
    const std::uint8_t h = rd.u8();
    c.hint = h < 128 ? 0 : static_cast<std::size_t>(h - 128) * c.keyspace / 64;
    ++c.pc().inputs;
    // gomap::map and go_map side by side. The flat engine's home group is the
    // top bits of the hash: identity and low-bits-only hashes of small keys
    // put every key in one probe chain (each probe walks the table), so those
    // tables are kept small; go_map then runs the input alone at the full key
    // space.
    ctx f = c;
    if (clamped_for_flat(f.hash_kind)) {
        f.bits = std::min(f.bits, 9u);
        f.keyspace = std::uint64_t{1} << f.bits;
        f.hint = h < 128 ? 0 : static_cast<std::size_t>(h - 128) * f.keyspace / 64;
    }
    const std::size_t ops_start = rd.i;
    dispatch(f, rd);
    if (f.bits != c.bits) {
        reader rg{data, size, ops_start};
        dispatch_go_map_alone(c, rg);
    }
    current_input() = {};
}
#endif  // GOMAP_FUZZ_DEFINE_BODY
