// differential_test.cpp — gomap::map and gomap::go_map against
// std::unordered_map, through the one fuzz body (fuzz/map_fuzz.hpp).
//
// This file only WRITES INPUTS: a generator turns fixed seeds into byte
// strings in map_fuzz.hpp's input format — well-formed, purposeful operation
// streams — and feeds them to gomap_fuzz_one(), which runs every operation on
// both maps and checks results, sizes, contents, check_invariants() (after
// every operation below 1024 entries, every size/256 operations above) and
// range()'s for-range contract. There
// is no second operation switch and no second comparison here.
//
// Scenarios (each a test, each run over a fixed list of seeds):
//   GrowPhases     large key spaces (2^14-2^16), long grow phases driven until a
//                  grow is in progress, then work mid-grow: range() that
//                  inserts fresh keys and erases, every erase path, lookups,
//                  copies, reserve, auto-shrink toggles; the maps reach B 12-13.
//   DrainShrink    fill, then expire keys one by one until a shrink is in
//                  progress, then every erase path mid-shrink (erase(key),
//                  erase(it), erase(first,last), erase_if, erase inside
//                  range()), set_auto_shrink(false) mid-shrink with erases
//                  under it, then finish the shrink; again and again.
//   Adversarial    one input per adversarial hash configuration (collide-8/16/64,
//                  high/low bits only, identity with keys in chosen buckets,
//                  string keys colliding 16 per hash, constant, top byte):
//                  keys expire one by one so the map shrinks, and now and then
//                  a range() erases most of each colliding group while a shrink
//                  is in progress; the shrink continues and the body checks
//                  every key is still findable.
//   Churn          steady state at a load-factor edge: insert fresh + expire
//                  oldest (Go's same-size grows in go_map), ranges, lookups.
//   SmallKeys      64-256 keys, every operation at random: overwrite and erase
//                  heavy, tombstones, whole-map operations, every configuration.
//
// Every test asserts coverage counters (gomap_fuzz::totals(), deltas over its
// inputs): operations while growing / shrinking, mutating ranges while
// growing / shrinking, each erase path while shrinking, auto-shrink toggles
// mid-resize, grows and shrinks seen, per adversarial configuration (shrinks
// are gomap::map's: go_map never shrinks). The inputs are fixed; only the
// per-map hash seed and gomap::hash's per-process secret vary between runs,
// so the counters vary a little: the thresholds are at most half the minimum
// seen over 12 runs (see each test).
//
// A FAILURE prints the scenario and seed ("differential <Test> seed <n>") and
// writes the input to differential_failure.bin in the working directory (on
// a divergence, and on an abort, trap or sanitizer report too). Replay it:
//   GOMAP_FUZZ_REPLAY=differential_failure.bin <build>/fuzz/fuzz_replay_test
//     --gtest_filter=FuzzReplay.Files          (GOMAP_FUZZ_TRACE=1: every op)
// Environment: GOMAP_DIFF_WRITE=<dir> also writes every generated input there
// (<Test>-seed-<n>); GOMAP_DIFF_ONLY=<n> runs only seed n of each test (no
// coverage assertions then).

#include "../fuzz/map_fuzz.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace {

using gomap_fuzz::encoder;
using gomap_fuzz::rng;
using gomap_fuzz::totals_t;

// Configuration indexes of map_fuzz.hpp's configs[].
enum cfg : unsigned {
    hash_u64 = 0, hash_str = 1, hash_big = 2, ident_u64 = 3, ident_str = 4, const_u64 = 5, const_str = 6,
    topbyte_big = 7, stdstyle_u64 = 8, collide8 = 9, collide16 = 10, collide16_str = 11, collide64 = 12,
    highbits = 13, lowbits = 14, strkey_str = 15, strkey_collide16 = 16
};
// Key mappings.
enum kmap : unsigned { km_i = 0, km_golden = 1, km_not = 2, km_bswap = 3, km_chosen = 4 };

// ---- the generator's building blocks ----------------------------------------------

struct gen {
    rng r;
    encoder e;
    gen(std::uint64_t seed, unsigned bits, unsigned config, unsigned key_map, unsigned work, std::uint8_t hint = 0)
        : r(seed * 0x9E3779B97F4A7C15ULL + 0x676f6d6170ULL), e(bits, config, key_map, hint, work) {}

    unsigned below(std::uint64_t n) { return static_cast<unsigned>(r.below(n)); }
    bool one_in(std::uint64_t n) { return r.below(n) == 0; }
    std::uint64_t any_key() { return r.below(e.keyspace); }
    // Inserts `keys` fresh keys (drive ops of at most 4096 steps).
    void fill(unsigned keys, unsigned form) {
        for (; keys > 0; keys -= std::min(keys, 4096u))
            e.drive(encoder::insert_fresh, encoder::none, (std::min(keys, 4096u) + 15) / 16, form);
    }

    // One op from the menu of things worth doing while a resize is in progress.
    // erase_weight: how much the op erases (0: lookups/inserts/ranges only).
    void mid_resize_op(bool erase_heavy, bool big_map) {
        switch (below(22)) {
            case 0: case 1: case 2:
                e.lookup_recent(below(6), below(256));
                break;
            case 3:
                e.lookup(below(6), any_key());
                break;
            case 4: case 5:
                e.erase_recent(below(256), false);
                break;
            case 6: case 7:
                e.erase_recent(below(256), true);
                break;
            case 8:
                e.erase_span_recent(below(256), 1 + below(erase_heavy ? 20 : 6));
                break;
            case 9:
                e.erase_if(one_in(2), erase_heavy ? 8 + below(60) : 1 + below(8), below(256));
                break;
            case 10: case 11:
                e.insert_recent(below(16), below(256));
                break;
            case 12:
                e.insert(below(16), any_key());
                break;
            case 13: case 14: case 15:  // mutating range(), erasing more when erase_heavy
                e.range(erase_heavy ? 1 + below(3) : below(2), below(erase_heavy ? 4 : 2), below(4), below(65536),
                        big_map && !one_in(4) ? static_cast<int>(below(256)) : -1, one_in(40),
                        erase_heavy ? below(4) : 0, one_in(3), one_in(2));
                break;
            case 16:
                e.read_only(below(4), below(256));
                break;
            case 17: {  // auto-shrink off, some erases and inserts under it, back on
                e.auto_shrink_relative(false);
                for (unsigned i = 0, n = 1 + below(6); i < n; ++i) {
                    if (one_in(3))
                        e.insert(below(16), any_key());
                    else
                        e.erase_recent(below(256), one_in(2));
                }
                if (one_in(3)) e.range(1, 1, 1, below(65536), -1, false, below(4));
                e.auto_shrink_relative(true);
                break;
            }
            case 18:
                if (one_in(big_map ? 6 : 2)) e.copy(below(4));
                else e.lookup_recent(0, below(256));
                break;
            case 19:
                if (one_in(big_map ? 6 : 2)) e.move(below(4));
                else e.lookup_recent(1, below(256));
                break;
            case 20:
                if (one_in(big_map ? 8 : 3)) e.swap(below(4)), e.swap(below(4));
                else e.lookup_recent(2, below(256));
                break;
            default:
                if (one_in(big_map ? 10 : 4)) e.reserve(below(4), below(static_cast<unsigned>(e.keyspace)));
                else e.erase_recent(below(256), one_in(2));
                break;
        }
    }
};

// ---- scenarios ------------------------------------------------------------------

constexpr unsigned grow_configs[] = {hash_u64, hash_str, hash_big, stdstyle_u64, strkey_str, hash_u64, lowbits,
                                     collide16, ident_u64};

std::vector<std::uint8_t> grow_phases(std::uint64_t seed) {
    const unsigned config = grow_configs[seed % std::size(grow_configs)];
    const unsigned bits = 13 + static_cast<unsigned>(seed % 3);
    gen g(seed, bits, config, config == ident_u64 ? km_golden : km_i, 12);
    for (unsigned phase = 0; phase < 12; ++phase) {
        // Insert fresh keys until a grow is in progress, then work inside it.
        g.e.drive(encoder::insert_fresh, encoder::growing, 256, g.below(16));
        for (unsigned i = 0, n = 4 + g.below(10); i < n; ++i) g.mid_resize_op(false, phase > 6);
        // A few more fresh inserts: the grow moves on; then more work mid-grow.
        g.e.drive(encoder::insert_fresh, encoder::none, 1 + g.below(4), g.below(16));
        for (unsigned i = 0, n = 2 + g.below(6); i < n; ++i) g.mid_resize_op(false, phase > 6);
        // Let the grow finish sometimes, and then grow on.
        if (g.one_in(2)) g.e.drive(encoder::insert_fresh, encoder::idle, 256, g.below(16));
        if (phase % 5 == 4) {  // a drain: gomap::map shrinks
            g.e.drive(encoder::expire, encoder::shrinking, 256);
            for (unsigned i = 0, n = 4 + g.below(6); i < n; ++i) g.mid_resize_op(true, true);
            g.e.drive(encoder::expire_by_iter, encoder::none, 4);
        }
    }
    return std::move(g.e.b);
}

constexpr unsigned shrink_configs[] = {hash_u64, stdstyle_u64, collide16, hash_str, strkey_str, collide8,
                                       hash_big, collide64, lowbits, strkey_collide16, hash_u64, collide16};

std::vector<std::uint8_t> drain_shrink(std::uint64_t seed) {
    const unsigned config = shrink_configs[seed % std::size(shrink_configs)];
    const unsigned bits = 11 + static_cast<unsigned>(seed % 4);
    gen g(seed, bits, config, km_i, 12);
    for (unsigned round = 0; round < 2; ++round) {
        // Fill: fresh keys, 2^(bits-1) .. 2^bits of them.
        g.fill((1u << (bits - 1)) + g.below(1u << (bits - 1)), g.below(16));
        g.e.drive(encoder::insert_fresh, encoder::idle, 256);
        // Shrink after shrink: expire until one is in progress, then every erase path.
        for (unsigned s = 0; s < 6; ++s) {
            g.e.drive(g.one_in(2) ? encoder::expire : encoder::expire_by_iter, encoder::shrinking, 256);
            g.e.erase_recent(g.below(256), false);
            g.e.erase_recent(g.below(256), true);
            g.e.erase_span_recent(g.below(256), 2 + g.below(10));
            g.e.erase_if(g.one_in(2), 10 + g.below(40), g.below(256));
            g.e.range(g.below(3), g.below(3), g.below(2), g.below(65536), static_cast<int>(8 + g.below(120)), false,
                      g.below(4), g.one_in(2));
            // set_auto_shrink(false) mid-shrink, erases under it, then on again.
            g.e.auto_shrink_relative(false);
            for (unsigned i = 0, n = 2 + g.below(12); i < n; ++i) g.e.erase_recent(g.below(256), g.one_in(2));
            if (g.one_in(2)) g.e.range(2, 1, 0, g.below(65536), static_cast<int>(8 + g.below(120)), false, 2);
            g.e.auto_shrink_relative(true);
            for (unsigned i = 0, n = 2 + g.below(6); i < n; ++i) g.mid_resize_op(true, true);
            // Continue the shrink (expiring keys), sometimes to its end.
            g.e.drive(encoder::expire, g.one_in(2) ? encoder::idle : encoder::none, 2 + g.below(8));
            for (unsigned i = 0; i < 4; ++i) g.e.lookup_recent(g.below(6), g.below(256));
        }
        g.e.drive(encoder::expire, encoder::idle, 256);
        if (g.one_in(2)) g.e.shrink_to_fit();
    }
    return std::move(g.e.b);
}

struct adversary {
    const char* name;
    unsigned config, key_map, bits;
    unsigned min_shrinks = 0, min_range_erase_shrinking = 0;  // coverage thresholds (for the config)
};
// min_*: coverage thresholds for the configuration (at most half the minimum
// seen over 12 runs, summed over the inputs of the configuration; collide-64
// and low-bits-only get no range() inside a shrink from these inputs yet:
// their drains rarely leave a shrink in progress).
constexpr adversary adversaries[] = {
    {"collide-16 std-style", collide16, km_i, 14, 2, 50},
    {"collide-8 raw", collide8, km_i, 14, 5, 566},
    {"collide-64 raw", collide64, km_i, 14, 1, 0},
    {"collide-16 string keys", strkey_collide16, km_i, 13, 3, 442},
    {"collide-16 string values", collide16_str, km_i, 13, 3, 486},
    {"high bits only", highbits, km_i, 10, 3, 82},
    {"low bits only", lowbits, km_i, 14, 1, 0},
    {"identity, chosen buckets", ident_u64, km_chosen, 11, 6, 175},
    {"identity, i", ident_u64, km_i, 14, 6, 175},
    {"std-style", stdstyle_u64, km_i, 14, 3, 150},
    {"constant", const_u64, km_i, 9, 4, 94},
    {"top byte only", topbyte_big, km_i, 10, 3, 46},
    {"identity bswap", ident_str, km_bswap, 10, 2, 5},
};
constexpr unsigned n_adversaries = std::size(adversaries);

// The data-loss scenario of issue #12: keys expire one by one so the map
// shrinks; now and then a range() erases most of each colliding group while
// the shrink is in progress; then the shrink goes on.
std::vector<std::uint8_t> adversarial(std::uint64_t seed) {
    const adversary& a = adversaries[seed % n_adversaries];
    gen g(seed, a.bits, a.config, a.key_map, 13);
    const unsigned fill = a.bits >= 13 ? 1536 + g.below(2560) : 128 + g.below(640);
    for (unsigned round = 0; round < 3; ++round) {
        g.fill(fill, g.below(16));
        g.e.drive(encoder::insert_fresh, encoder::idle, 256);
        for (unsigned s = 0; s < 14; ++s) {
            g.e.drive(g.one_in(3) ? encoder::expire_by_iter : encoder::expire, encoder::shrinking, 256);
            // Erase most of each colliding group mid-shrink (sometimes with
            // auto-shrink toggled inside the loop), or with auto-shrink off.
            if (g.one_in(4)) {
                g.e.auto_shrink_relative(false);
                for (unsigned i = 0, n = 4 + g.below(16); i < n; ++i) g.e.erase_recent(g.below(256), g.one_in(2));
                g.e.auto_shrink_relative(true);
            } else {
                g.e.range(g.below(4), g.below(2), g.below(2), g.below(65536), static_cast<int>(4 + g.below(44)),
                          false, 1 + g.below(3), g.one_in(3));
            }
            if (g.one_in(3)) g.e.erase_if(g.one_in(2), 20 + g.below(60), g.below(256));
            if (g.one_in(3)) g.e.erase_span_recent(g.below(256), 4 + g.below(16));
            // The shrink goes on; every key must still be found (the body
            // compares the whole contents when the resize ends).
            g.e.drive(encoder::expire, encoder::none, 1 + g.below(3));
            for (unsigned i = 0; i < 6; ++i) g.e.lookup_recent(g.below(6), g.below(256));
            if (g.one_in(3)) g.e.drive(encoder::expire, encoder::idle, 256);
        }
        g.e.drive(encoder::expire, encoder::idle, 256);
    }
    return std::move(g.e.b);
}

std::vector<std::uint8_t> churn(std::uint64_t seed) {
    // The colliding hashes make go_map's chains take overflow buckets that
    // stay: Go's same-size grow (too many overflow buckets) comes soon.
    constexpr unsigned configs[] = {collide16, hash_u64, collide8, stdstyle_u64, collide64, strkey_collide16};
    const unsigned config = configs[seed % std::size(configs)];
    gen g(seed, 16, config, km_i, 9);
    // Up to a load-factor edge: 6.5 * 2^B - a little, for B = 6 .. 9.
    const unsigned B = 5 + g.below(4);
    const unsigned target = static_cast<unsigned>(6.5 * (1u << B)) - 4 - g.below(16);
    g.fill(target, g.below(16));
    for (unsigned i = 0; i < 40; ++i) {
        g.e.drive(encoder::churn, g.one_in(2) ? encoder::growing : encoder::none, 4 + g.below(32));
        for (unsigned j = 0, n = 2 + g.below(6); j < n; ++j) g.mid_resize_op(false, false);
        g.e.drive(encoder::churn, encoder::none, 1 + g.below(4));
    }
    return std::move(g.e.b);
}

std::vector<std::uint8_t> small_keys(std::uint64_t seed) {
    const unsigned config = static_cast<unsigned>(seed % gomap_fuzz::n_configs);
    const unsigned key_map = static_cast<unsigned>((seed / gomap_fuzz::n_configs) % gomap_fuzz::n_key_maps);
    gen g(seed, 6 + static_cast<unsigned>(seed % 3), config, key_map, 6, seed % 5 == 0 ? 160 : 0);
    for (unsigned i = 0; i < 2500; ++i) {
        const unsigned p = g.below(100);
        if (p < 30)
            g.e.insert(g.below(16), g.any_key());
        else if (p < 50)
            g.e.erase(g.any_key(), g.one_in(2), g.one_in(3));
        else if (p < 62)
            g.e.lookup(g.below(6), g.any_key());
        else if (p < 90)
            g.mid_resize_op(g.one_in(2), false);
        else if (p < 93)
            g.e.bulk_insert(1 + g.below(64), g.below(65536), 1 + 2 * g.below(8), 1 + g.below(2), g.below(256));
        else if (p < 95)
            g.e.drain(1 + g.below(8), g.below(65536), g.one_in(2));
        else if (p < 96)
            g.e.clear();
        else if (p < 97)
            g.e.shrink_to_fit();
        else if (p < 98)
            g.e.auto_shrink(g.one_in(2), g.one_in(3));
        else
            g.e.drive(static_cast<encoder::action>(g.below(4)), static_cast<encoder::target>(g.below(4)),
                      1 + g.below(4), g.below(16));
    }
    return std::move(g.e.b);
}

// ---- running them --------------------------------------------------------------

using generator = std::vector<std::uint8_t> (*)(std::uint64_t);

struct delta {
    totals_t d;
    double seconds = 0;
};

totals_t minus(const totals_t& a, const totals_t& b) {
    totals_t d = a;
    d.inputs -= b.inputs, d.ops -= b.ops, d.map_ops -= b.map_ops, d.ops_resizing -= b.ops_resizing;
    d.ops_growing -= b.ops_growing, d.ops_shrinking -= b.ops_shrinking, d.ranges -= b.ranges;
    d.ranges_mut_growing -= b.ranges_mut_growing, d.ranges_mut_shrinking -= b.ranges_mut_shrinking;
    d.range_visits -= b.range_visits, d.range_mutations -= b.range_mutations;
    for (unsigned p = 0; p < gomap_fuzz::n_erase_paths; ++p)
        d.erases_growing[p] -= b.erases_growing[p], d.erases_shrinking[p] -= b.erases_shrinking[p];
    d.toggles_mid_resize -= b.toggles_mid_resize, d.grows_seen -= b.grows_seen;
    d.same_size_seen -= b.same_size_seen, d.shrinks_seen -= b.shrinks_seen;
    d.invariant_checks -= b.invariant_checks, d.full_checks -= b.full_checks, d.drive_reached -= b.drive_reached;
    for (unsigned c = 0; c < gomap_fuzz::n_configs; ++c) {
        auto& x = d.per_config[c];
        const auto& y = b.per_config[c];
        x.inputs -= y.inputs, x.ops -= y.ops, x.ops_resizing -= y.ops_resizing, x.ops_shrinking -= y.ops_shrinking;
        x.grows -= y.grows, x.shrinks -= y.shrinks, x.range_erase_shrinking -= y.range_erase_shrinking;
    }
    return d;
}

bool only_one() {
    const char* s = std::getenv("GOMAP_DIFF_ONLY");
    return s != nullptr && *s != '\0';
}

// Runs seeds [0, n) of a scenario; returns the counters' deltas.
delta run_scenario(const char* test, generator make, std::uint64_t n) {
    gomap_fuzz::dump_path() = "differential_failure.bin";
    gomap_fuzz::install_crash_dump();
    const char* write_dir = std::getenv("GOMAP_DIFF_WRITE");
    const totals_t before = gomap_fuzz::totals();
    const auto t0 = std::chrono::steady_clock::now();
    std::uint64_t first = 0, last = n;
    if (only_one()) {
        first = std::strtoull(std::getenv("GOMAP_DIFF_ONLY"), nullptr, 0);
        last = first + 1;
    }
    std::size_t bytes = 0;
    for (std::uint64_t seed = first; seed < last; ++seed) {
        const std::vector<std::uint8_t> in = make(seed);
        bytes += in.size();
        const std::string label = std::string("differential ") + test + " seed " + std::to_string(seed) +
                                  " (GOMAP_DIFF_ONLY=" + std::to_string(seed) + " --gtest_filter=*" + test +
                                  " runs it alone)";
        if (write_dir != nullptr && *write_dir != '\0') {
            std::filesystem::create_directories(write_dir);
            std::ofstream f(std::filesystem::path(write_dir) / (std::string(test) + "-seed-" + std::to_string(seed)),
                            std::ios::binary);
            f.write(reinterpret_cast<const char*>(in.data()), static_cast<std::streamsize>(in.size()));
        }
        gomap_fuzz::input_label() = label.c_str();
        gomap_fuzz_one(in.data(), in.size());
        gomap_fuzz::input_label() = nullptr;
    }
    delta d;
    d.d = minus(gomap_fuzz::totals(), before);
    d.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ diff     ] %s: %llu inputs (%zu bytes) in %.1f s\n", test,
                static_cast<unsigned long long>(last - first), bytes, d.seconds);
    gomap_fuzz::print_totals(stdout, d.d);
    std::fflush(stdout);
    return d;
}

#define EXPECT_COUNTER(expr, min) \
    EXPECT_GE(expr, static_cast<std::uint64_t>(min)) << #expr " (coverage): the generated inputs no longer reach this"

using gomap_fuzz::ep_if;
using gomap_fuzz::ep_iter;
using gomap_fuzz::ep_key;
using gomap_fuzz::ep_range;
using gomap_fuzz::ep_span;

// Thresholds: at most half the minimum of each counter over 12 runs of the
// Debug build (the counters vary only with the hash seeds; see the top). The
// comment after each is that minimum.
TEST(Differential, GrowPhases) {
    const delta r = run_scenario("GrowPhases", grow_phases, 9);
    if (only_one()) return;
    const totals_t& t = r.d;
    EXPECT_COUNTER(t.grows_seen, 100);  // min seen 210
    EXPECT_COUNTER(t.ops_growing, 8500);  // 18399
    EXPECT_COUNTER(t.ranges_mut_growing, 95);  // 208
    EXPECT_COUNTER(t.erases_growing[ep_key], 1300);  // 2908
    EXPECT_COUNTER(t.erases_growing[ep_iter], 60);  // 148
    EXPECT_COUNTER(t.erases_growing[ep_span], 26);  // 53
    EXPECT_COUNTER(t.erases_growing[ep_if], 400);  // 1282
    EXPECT_COUNTER(t.erases_growing[ep_range], 9000);  // 53240
    EXPECT_COUNTER(t.toggles_mid_resize, 84);  // 169
    EXPECT_COUNTER(t.shrinks_seen, 11);  // 23
    EXPECT_COUNTER(t.ops_shrinking, 1640);  // 3288
    EXPECT_COUNTER(t.ranges_mut_shrinking, 6);  // 13
}

TEST(Differential, DrainShrink) {
    const delta r = run_scenario("DrainShrink", drain_shrink, 12);
    if (only_one()) return;
    const totals_t& t = r.d;
    EXPECT_COUNTER(t.shrinks_seen, 37);  // 75
    EXPECT_COUNTER(t.grows_seen, 154);  // 309
    EXPECT_COUNTER(t.ops_shrinking, 1720);  // 3441
    EXPECT_COUNTER(t.ranges_mut_shrinking, 46);  // 92
    EXPECT_COUNTER(t.erases_shrinking[ep_key], 1000);  // 2453
    EXPECT_COUNTER(t.erases_shrinking[ep_iter], 39);  // 79
    EXPECT_COUNTER(t.erases_shrinking[ep_span], 193);  // 387
    EXPECT_COUNTER(t.erases_shrinking[ep_if], 5300);  // 10605
    EXPECT_COUNTER(t.erases_shrinking[ep_range], 12500);  // 25069
    EXPECT_COUNTER(t.toggles_mid_resize, 91);  // 182
}

TEST(Differential, Adversarial) {
    const delta r = run_scenario("Adversarial", adversarial, n_adversaries);
    if (only_one()) return;
    const totals_t& t = r.d;
    EXPECT_COUNTER(t.shrinks_seen, 38);  // 77
    EXPECT_COUNTER(t.ops_shrinking, 928);  // 1857
    EXPECT_COUNTER(t.ranges_mut_shrinking, 21);  // 42
    EXPECT_COUNTER(t.erases_shrinking[ep_key], 690);  // 1599
    EXPECT_COUNTER(t.erases_shrinking[ep_iter], 12);  // 24
    EXPECT_COUNTER(t.erases_shrinking[ep_span], 125);  // 251
    EXPECT_COUNTER(t.erases_shrinking[ep_if], 233);  // 638
    EXPECT_COUNTER(t.erases_shrinking[ep_range], 2500);  // 5499
    EXPECT_COUNTER(t.toggles_mid_resize, 27);  // 54
    for (const adversary& a : adversaries) {
        const auto& p = t.per_config[a.config];
        EXPECT_COUNTER(p.shrinks, a.min_shrinks) << " config " << a.name;
        EXPECT_COUNTER(p.range_erase_shrinking, a.min_range_erase_shrinking) << " config " << a.name;
    }
}

TEST(Differential, Churn) {
    const delta r = run_scenario("Churn", churn, 6);
    if (only_one()) return;
    const totals_t& t = r.d;
    EXPECT_COUNTER(t.same_size_seen, 2);  // 35
    EXPECT_COUNTER(t.grows_seen, 43);  // 111
    EXPECT_COUNTER(t.ops_growing, 2875);  // 5751
    EXPECT_COUNTER(t.ranges_mut_growing, 5);  // 21
    EXPECT_COUNTER(t.erases_growing[ep_key], 1055);  // 2111
    EXPECT_COUNTER(t.erases_growing[ep_range], 1530);  // 3247
}

TEST(Differential, SmallKeys) {
    const delta r = run_scenario("SmallKeys", small_keys, 2 * gomap_fuzz::n_configs);
    if (only_one()) return;
    const totals_t& t = r.d;
    EXPECT_COUNTER(t.grows_seen, 1378);  // 2757
    EXPECT_COUNTER(t.shrinks_seen, 230);  // 460
    EXPECT_COUNTER(t.ops_growing, 6500);  // 13017
    EXPECT_COUNTER(t.ops_shrinking, 1313);  // 2626
    EXPECT_COUNTER(t.ranges_mut_growing, 134);  // 335
    EXPECT_COUNTER(t.ranges_mut_shrinking, 38);  // 77
    EXPECT_COUNTER(t.erases_shrinking[ep_key], 103);  // 335
    EXPECT_COUNTER(t.erases_shrinking[ep_iter], 84);  // 284
    EXPECT_COUNTER(t.erases_shrinking[ep_span], 19);  // 41
    EXPECT_COUNTER(t.erases_shrinking[ep_if], 9);  // 78
    EXPECT_COUNTER(t.erases_shrinking[ep_range], 121);  // 270
    EXPECT_COUNTER(t.toggles_mid_resize, 130);  // 261
    for (unsigned c = 0; c < gomap_fuzz::n_configs; ++c)
        EXPECT_COUNTER(t.per_config[c].shrinks, 10) << " config " << c;  // 21 (the least of the configs)
}

// ---------------------------------------------------------------------------
// Regression (found by the old differential test, fixed in 8441855): reserve()
// while a grow is in progress — rehash_to() detached the old array and then
// asked old_evacuated(k), which read the detached pointer (null dereference).
// Checked in a child process, so that a crash fails only this test.
TEST(Regressions, ReserveWhileGrowing) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    auto body = [] {
        gomap::go_map<std::uint64_t, std::uint64_t> m;
        std::uint64_t k = 0;
        while (!m.stats().resizing) {
            m[k] = k;
            ++k;
        }
        const std::size_t n = m.size();
        m.reserve(1000);
        bool ok = m.size() == n && m.check_invariants().empty() && m.stats().B >= 8;
        for (std::uint64_t i = 0; i < n; ++i) ok = ok && m.contains(i);
        std::_Exit(ok ? 0 : 1);
    };
    EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
