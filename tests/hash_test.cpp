// hash_test.cpp — gomap::hash: Go's float rules (-0 == +0, NaN random),
// seeding, the string family, composite keys, the std::hash fallback, and a
// statistical sanity check of the spread (bucket index = low bits, tophash =
// top byte, as the map uses them).

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace {

struct point {
    int x = 0, y = 0;
    friend bool operator==(const point&, const point&) = default;
};

}  // namespace

template <>
struct std::hash<point> {
    std::size_t operator()(const point& p) const noexcept {
        return std::hash<int>{}(p.x) * 31u + std::hash<int>{}(p.y);
    }
};

namespace {

std::uint64_t fresh_seed() { return gomap::detail::fastrand64(); }

// ---- floating point ---------------------------------------------------------

template <class F>
void zero_signs_hash_alike() {
    const gomap::hash<F> h;
    const F neg = std::copysign(F(0), F(-1));
    ASSERT_TRUE(std::signbit(neg));
    for (int i = 0; i < 100; ++i) {
        const auto seed = fresh_seed();
        EXPECT_EQ(h(neg, seed), h(F(0), seed));
    }
    EXPECT_EQ(h(neg), h(F(0)));
    EXPECT_NE(h(F(0), 1), h(F(1), 1));
    EXPECT_NE(h(F(1), 1), h(F(-1), 1));
}

TEST(Hash, NegativeZeroHashesAsPositiveZero) {
    zero_signs_hash_alike<float>();
    zero_signs_hash_alike<double>();
    zero_signs_hash_alike<long double>();
}

template <class F>
void nan_hashes_differ() {
    const gomap::hash<F> h;
    const F nans[] = {std::numeric_limits<F>::quiet_NaN(), -std::numeric_limits<F>::quiet_NaN(),
                      std::numeric_limits<F>::signaling_NaN()};
    std::set<std::uint64_t> seen;
    const std::uint64_t seed = 12345;
    for (int i = 0; i < 1000; ++i) seen.insert(h(nans[i % 3], seed));
    EXPECT_GE(seen.size(), 999u) << "NaN must get a fresh random hash on every call";
}

TEST(Hash, NanHashesDifferAcrossCalls) {
    nan_hashes_differ<float>();
    nan_hashes_differ<double>();
    nan_hashes_differ<long double>();
}

TEST(Hash, FloatValuesAreDeterministic) {
    const gomap::hash<double> h;
    const auto seed = fresh_seed();
    for (double d : {1.0, -1.0, 0.5, 1e300, std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::denorm_min()}) {
        EXPECT_EQ(h(d, seed), h(d, seed)) << d;
    }
    // long double: only the value bytes count (the padding is unspecified).
    const gomap::hash<long double> hl;
    long double a = 1.25L, b = 1.25L;
    EXPECT_EQ(hl(a, seed), hl(b, seed));
}

// ---- seeds -------------------------------------------------------------------

TEST(Hash, DifferentSeedsGiveDifferentHashes) {
    const auto s1 = fresh_seed(), s2 = fresh_seed();
    ASSERT_NE(s1, s2);
    int same_int = 0, same_str = 0, same_dbl = 0, same_ptr = 0;
    std::vector<int> objects(1000);
    for (int i = 0; i < 1000; ++i) {
        same_int += gomap::hash<std::int64_t>{}(i, s1) == gomap::hash<std::int64_t>{}(i, s2);
        const std::string s = "key" + std::to_string(i);
        same_str += gomap::hash<std::string>{}(s, s1) == gomap::hash<std::string>{}(s, s2);
        same_dbl += gomap::hash<double>{}(i * 0.5, s1) == gomap::hash<double>{}(i * 0.5, s2);
        same_ptr += gomap::hash<int*>{}(&objects[i], s1) == gomap::hash<int*>{}(&objects[i], s2);
    }
    EXPECT_LE(same_int, 1);
    EXPECT_LE(same_str, 1);
    EXPECT_LE(same_dbl, 1);
    EXPECT_LE(same_ptr, 1);
    // The same seed gives the same hash.
    EXPECT_EQ(gomap::hash<std::int64_t>{}(42, s1), gomap::hash<std::int64_t>{}(42, s1));
}

TEST(Hash, StdStyleCallIsSeedZero) {
    EXPECT_EQ(gomap::hash<int>{}(5), static_cast<std::size_t>(gomap::hash<int>{}(5, 0)));
    EXPECT_EQ(gomap::hash<std::string>{}(std::string("x")),
              static_cast<std::size_t>(gomap::hash<std::string>{}("x", 0)));
    EXPECT_EQ(gomap::hash<double>{}(2.0), static_cast<std::size_t>(gomap::hash<double>{}(2.0, 0)));
}

TEST(Hash, IntegersEnumsPointers) {
    const auto seed = fresh_seed();
    enum class color : std::uint8_t { red = 1, green = 2 };
    EXPECT_EQ(gomap::hash<color>{}(color::red, seed), gomap::hash<color>{}(color::red, seed));
    EXPECT_NE(gomap::hash<color>{}(color::red, seed), gomap::hash<color>{}(color::green, seed));
    EXPECT_EQ(gomap::hash<color>{}(color::green, seed), gomap::hash<std::uint8_t>{}(2, seed));
    int a = 0, b = 0;
    EXPECT_EQ(gomap::hash<int*>{}(&a, seed), gomap::hash<int*>{}(&a, seed));
    EXPECT_NE(gomap::hash<int*>{}(&a, seed), gomap::hash<int*>{}(&b, seed));
    EXPECT_EQ(gomap::hash<std::nullptr_t>{}(nullptr, seed), gomap::hash<std::nullptr_t>{}(nullptr, seed));
    EXPECT_NE(gomap::hash<std::int64_t>{}(-1, seed), gomap::hash<std::int64_t>{}(1, seed));
}

// ---- strings -----------------------------------------------------------------

TEST(Hash, StringFamilyAgrees) {
    const auto seed = fresh_seed();
    for (std::string s : {std::string(""), std::string("a"), std::string("hello"), std::string("exactly8"),
                          std::string("sixteen bytes!!!"), std::string("seventeen bytes!!"),
                          std::string(1000, 'z')}) {
        const std::string_view sv = s;
        const char* cs = s.c_str();
        const auto want = gomap::hash<std::string>{}(s, seed);
        EXPECT_EQ(gomap::hash<std::string_view>{}(sv, seed), want) << s;
        // The std::string hasher itself takes a view or a C string (it is transparent).
        EXPECT_EQ(gomap::hash<std::string>{}(sv, seed), want) << s;
        EXPECT_EQ(gomap::hash<std::string>{}(cs, seed), want) << s;
    }
    static_assert(requires { typename gomap::hash<std::string>::is_transparent; });
    static_assert(requires { typename gomap::hash<std::string_view>::is_transparent; });
}

// A pointer key is a pointer, as for std::hash<const char*> and
// std::equal_to<const char*>: hashed by address, nullptr included. Text is
// looked up through a string map's transparent hash instead.
TEST(Hash, CharPointersHashByAddress) {
    const auto seed = fresh_seed();
    static const char one[] = "same", two[] = "same";
    EXPECT_EQ(gomap::hash<const char*>{}(one, seed), gomap::hash<std::uintptr_t>{}(reinterpret_cast<std::uintptr_t>(one), seed));
    EXPECT_NE(gomap::hash<const char*>{}(one, seed), gomap::hash<const char*>{}(two, seed));
    gomap::go_map<const char*, int> m;
    m[nullptr] = 1;
    m[one] = 2;
    EXPECT_EQ(m.at(nullptr), 1);
    EXPECT_FALSE(m.contains(two));
}

TEST(Hash, StringLengthMatters) {
    const auto seed = fresh_seed();
    const gomap::hash<std::string> h;
    const std::string a("a"), a0("a\0", 2), a00("a\0\0", 3);
    ASSERT_EQ(a0.size(), 2u);
    EXPECT_NE(h(a, seed), h(a0, seed));
    EXPECT_NE(h(a0, seed), h(a00, seed));
    EXPECT_NE(h(std::string(), seed), h(std::string(1, '\0'), seed));
    EXPECT_NE(h(std::string(8, '\0'), seed), h(std::string(9, '\0'), seed));
    EXPECT_NE(h(std::string(16, 'x'), seed), h(std::string(17, 'x'), seed));
    // A view keeps the embedded NUL; a C string stops at it.
    EXPECT_EQ(gomap::hash<std::string_view>{}(std::string_view("a\0", 2), seed), h(a0, seed));
    EXPECT_EQ(h("a\0", seed), h(a, seed));
    // Every byte counts, including in the overlapping tail reads.
    std::set<std::uint64_t> seen;
    for (std::size_t len = 0; len <= 40; ++len)
        for (std::size_t pos = 0; pos < len; ++pos) {
            std::string s(len, 'q');
            s[pos] = 'r';
            seen.insert(h(s, seed));
        }
    std::size_t expected = 0;
    for (std::size_t len = 0; len <= 40; ++len) expected += len;
    EXPECT_EQ(seen.size(), expected);
}

// ---- composite keys ------------------------------------------------------------

TEST(Hash, PairsAndTuples) {
    const auto seed = fresh_seed();
    using P = std::pair<int, std::string>;
    const gomap::hash<P> hp;
    EXPECT_EQ(hp(P{1, "a"}, seed), hp(P{1, "a"}, seed));
    EXPECT_NE(hp(P{1, "a"}, seed), hp(P{2, "a"}, seed));
    EXPECT_NE(hp(P{1, "a"}, seed), hp(P{1, "b"}, seed));
    EXPECT_NE(hp(P{1, "a"}, seed), hp(P{1, "a"}, seed + 1));

    const gomap::hash<std::pair<int, int>> hii;
    EXPECT_NE(hii({1, 2}, seed), hii({2, 1}, seed)) << "order matters";
    const gomap::hash<std::pair<double, int>> hdi;
    EXPECT_EQ(hdi({-0.0, 1}, seed), hdi({0.0, 1}, seed)) << "float rules apply inside a pair";

    using T3 = std::tuple<int, std::string, double>;
    const gomap::hash<T3> ht;
    EXPECT_EQ(ht(T3{1, "x", 2.5}, seed), ht(T3{1, "x", 2.5}, seed));
    EXPECT_NE(ht(T3{1, "x", 2.5}, seed), ht(T3{1, "x", 3.5}, seed));
    EXPECT_EQ(ht(T3{1, "x", -0.0}, seed), ht(T3{1, "x", 0.0}, seed));
    const gomap::hash<std::tuple<int, int>> ht2;
    const gomap::hash<std::tuple<int, int, int>> ht3;
    EXPECT_NE(ht2({1, 2}, seed), ht2({2, 1}, seed));
    EXPECT_NE(ht2({1, 2}, seed), ht3({1, 2, 0}, seed));
    EXPECT_EQ(gomap::hash<std::tuple<>>{}({}, seed), gomap::hash<std::tuple<>>{}({}, seed));
    EXPECT_EQ(ht2({1, 2}), ht2({1, 2}));

    // As map keys.
    gomap::go_map<std::pair<int, std::string>, int> m;
    for (int i = 0; i < 1000; ++i) m[{i, std::to_string(i)}] = i;
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(m.at({i, std::to_string(i)}), i);
    EXPECT_FALSE(m.contains({1, "2"}));
    gomap::go_map<std::tuple<int, int, int>, int> mt;
    for (int i = 0; i < 1000; ++i) mt[{i, -i, i * i}] = i;
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(mt.at({i, -i, i * i}), i);
}

TEST(Hash, UserTypeThroughStdHash) {
    const auto seed = fresh_seed();
    const gomap::hash<point> h;
    EXPECT_EQ(h(point{1, 2}, seed), h(point{1, 2}, seed));
    EXPECT_NE(h(point{1, 2}, seed), h(point{2, 1}, seed));
    EXPECT_NE(h(point{1, 2}, seed), h(point{1, 2}, seed ^ 1)) << "the fallback mixes in the seed";
    EXPECT_EQ(h(point{3, 4}), static_cast<std::size_t>(h(point{3, 4}, 0)));
    gomap::go_map<point, int> m;
    for (int i = 0; i < 1000; ++i) m[point{i, i + 1}] = i;
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(m.at(point{i, i + 1}), i);
    EXPECT_EQ(m.check_invariants(), "");
}

// A Hash with only the std-style call is accepted; the map mixes in its seed,
// so two such maps still lay the same keys out differently.
TEST(Hash, StdStyleHasherIsSeededByTheMap) {
    gomap::go_map<int, int, std::hash<int>> a, b;
    for (int i = 0; i < 1000; ++i) a[i] = b[i] = i;
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.at(i), i);
    std::vector<int> oa, ob;
    for (const auto& e : a) oa.push_back(e.first);
    for (const auto& e : b) ob.push_back(e.first);
    EXPECT_NE(oa, ob) << "std::hash<int> is the identity; without the seed both layouts would match";
    EXPECT_EQ(a.check_invariants(), "");
}

TEST(Hash, TwoMapsHaveDifferentSeeds) {
    gomap::go_map<int, int> a, b;
    EXPECT_NE(a.stats().hash0, b.stats().hash0);
    for (int i = 0; i < 1000; ++i) a[i] = b[i] = i;
    EXPECT_NE(a.stats().hash0, b.stats().hash0);
    std::vector<int> oa, ob;
    for (const auto& e : a) oa.push_back(e.first);
    for (const auto& e : b) ob.push_back(e.first);
    EXPECT_NE(oa, ob) << "the same keys should not share a bucket layout";
    std::set<std::uint64_t> seeds;
    for (int i = 0; i < 100; ++i) seeds.insert(gomap::go_map<int, int>{}.stats().hash0);
    EXPECT_EQ(seeds.size(), 100u);
}

// ---- spread ---------------------------------------------------------------------

struct spread {
    std::uint32_t max_bucket = 0, min_bucket = 0;
    double chi2_low = 0, chi2_top = 0;
    std::uint32_t min_top = 0, max_top = 0;
};

template <class F>
spread measure(std::size_t n, unsigned low_bits, F&& hash_of_i) {
    std::vector<std::uint32_t> low(std::size_t{1} << low_bits), top(256);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t x = hash_of_i(i);
        ++low[x & (low.size() - 1)];
        ++top[x >> 56];
    }
    spread s;
    s.max_bucket = *std::max_element(low.begin(), low.end());
    s.min_bucket = *std::min_element(low.begin(), low.end());
    s.min_top = *std::min_element(top.begin(), top.end());
    s.max_top = *std::max_element(top.begin(), top.end());
    const double el = double(n) / double(low.size()), et = double(n) / 256.0;
    for (auto c : low) s.chi2_low += (c - el) * (c - el) / el;
    for (auto c : top) s.chi2_top += (c - et) * (c - et) / et;
    return s;
}

// 1M keys into 2^16 buckets by the low bits (15.3 per bucket); the top byte
// over 256 values. Bounds are about 8 standard deviations wide.
void expect_uniform_1m(const spread& s, const char* what) {
    EXPECT_LE(s.max_bucket, 50u) << what;
    EXPECT_LT(s.chi2_low, 65535.0 + 8 * 362.0) << what;
    EXPECT_GT(s.chi2_low, 65535.0 - 8 * 362.0) << what << " (too regular to be a hash)";
    EXPECT_LT(s.chi2_top, 255.0 + 8 * 22.6) << what;
    EXPECT_GE(s.min_top, 3906u - 400u) << what;
    EXPECT_LE(s.max_top, 3906u + 400u) << what;
}

TEST(Hash, DistributionOfIntegerKeys) {
    const gomap::hash<std::uint64_t> h;
    const auto seed = fresh_seed();
    expect_uniform_1m(measure(1000000, 16, [&](std::uint64_t i) { return h(i, seed); }), "sequential");
    expect_uniform_1m(measure(1000000, 16, [&](std::uint64_t i) { return h(i << 32, seed); }), "i << 32");
    expect_uniform_1m(measure(1000000, 16, [&](std::uint64_t i) { return h(i * 4096, seed); }), "i * 4096");
    expect_uniform_1m(measure(1000000, 16, [&](std::uint64_t i) { return h(i << 48 | i, seed); }), "i << 48 | i");
    // Seed 0 (the std-style call) spreads as well.
    expect_uniform_1m(measure(1000000, 16, [&](std::uint64_t i) { return h(i, 0); }), "seed 0");
}

TEST(Hash, DistributionOfStringKeys) {
    const gomap::hash<std::string> h;
    const auto seed = fresh_seed();
    // 200k keys into 2^12 buckets (48.8 per bucket).
    const auto s = measure(200000, 12, [&](std::size_t i) { return h("key" + std::to_string(i), seed); });
    EXPECT_LE(s.max_bucket, 90u);
    EXPECT_GE(s.min_bucket, 15u);
    EXPECT_LT(s.chi2_low, 4095.0 + 8 * 90.5);
    EXPECT_LT(s.chi2_top, 255.0 + 8 * 22.6);
}

TEST(Hash, TophashIsUniformOverLiveValues) {
    // The map stores max(top byte, 5); the values 5..255 should all occur.
    const gomap::hash<std::uint64_t> h;
    const auto seed = fresh_seed();
    std::vector<std::uint32_t> count(256);
    for (std::uint64_t i = 0; i < 256000; ++i) ++count[gomap::detail::tophash(h(i, seed))];
    for (int t = 0; t < 5; ++t) EXPECT_EQ(count[t], 0u) << "tophash " << t << " is reserved";
    for (int t = 5; t < 256; ++t) {
        const std::uint32_t want = (t >= 5 && t < 10) ? 2000u : 1000u;  // 5..9 also take 0..4
        EXPECT_GT(count[t], want / 2) << t;
        EXPECT_LT(count[t], want * 3 / 2) << t;
    }
}

// Flipping one input bit flips each output bit about half the time.
TEST(Hash, Avalanche) {
    const gomap::hash<std::uint64_t> h;
    const auto seed = fresh_seed();
    std::mt19937_64 rng(7);
    constexpr int N = 2000;
    std::vector<std::uint32_t> flips(64 * 64);
    std::uint64_t total = 0;
    for (int n = 0; n < N; ++n) {
        const std::uint64_t k = rng();
        const std::uint64_t hk = h(k, seed);
        for (int j = 0; j < 64; ++j) {
            const std::uint64_t d = hk ^ h(k ^ (std::uint64_t{1} << j), seed);
            total += std::popcount(d);
            for (int i = 0; i < 64; ++i) flips[j * 64 + i] += (d >> i) & 1;
        }
    }
    const double mean = double(total) / (N * 64.0);
    EXPECT_GT(mean, 31.0);
    EXPECT_LT(mean, 33.0);
    for (int j = 0; j < 64; ++j)
        for (int i = 0; i < 64; ++i) {
            const double p = flips[j * 64 + i] / double(N);
            ASSERT_GT(p, 0.40) << "input bit " << j << " -> output bit " << i;
            ASSERT_LT(p, 0.60) << "input bit " << j << " -> output bit " << i;
        }
}

}  // namespace
