// fidelity_test.cpp — gomap::go_map side by side with the real Go map.
//
// The facts about Go come from the probe in tests/fidelity/go (run by
// run_go.sh at build time); the file's path arrives in the environment
// variable GOMAP_GO_FACTS.  Without it every test FAILS: a fidelity test that
// silently skips would prove nothing.
//
// What is compared:
//   (a) B after every insert of keys 0,1,2,... up to 2^20 (map[int64]int64):
//       the list of change points (count, new B) and the final B, exactly.
//   (b) B of make(map[int64]int64, hint) for every hint the probe measured.
//   (c) the seed article's map[int]Person made with hint 10,000:
//       B at made/filled/deleted exactly; map_stats::bytes within 1% of Go's
//       heap growth; bytes after deleting everything equal to bytes when
//       filled (Go frees nothing on delete, neither may go_map).
//   (d) the same without a hint: B exactly at each stage, bytes within 2%.
//   (e) 1,000,000 Persons without a hint: B exactly, bytes within 2%.
//   (f) overflow buckets in use after inserting keys 0..n-1 (10,000 with and
//       without hint, 1,000,000 without): Go's count, walked from its bucket
//       array, and go_map's overflow_buckets must both lie near what a uniform
//       hash gives (the Poisson expectation, +-40% at 10,000, +-15% at 10^6;
//       a uniform hash misses these bands with probability < 1e-5).  The
//       counts themselves differ from run to run, so the two are not compared
//       with each other; what is checked is that go_map spreads sequential
//       integer keys over the buckets as evenly (and as unevenly) as Go does,
//       which decides how many overflow buckets it allocates, hence its bytes
//       beyond the preallocated ones, and when a same-size grow triggers.
//
// How Go's byte figures are made: runtime.GC() then MemStats.HeapAlloc, minus
// the same taken before make().  They therefore include, besides the bucket
// arrays, Go's 48-byte hmap header and its 24-byte mapextra, each large
// allocation (> 32 KiB) rounded up to whole 8 KiB pages, individually
// allocated overflow buckets rounded to Go's 288-byte size class, and a few
// bytes of runtime noise.  map_stats::bytes counts the bytes go_map holds from
// its allocator (arrays, overflow buckets), exactly, without the go_map object
// itself.  Hence tolerances rather than equality for bytes.
//
// Go's noverflow is printed but not compared directly: Go seeds its hash from
// random data at process start, so it differs from run to run, and go_map uses
// a different hash function anyway; see (f) for the statistical comparison.

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

// ---------------------------------------------------------------------------
// The Go facts file.

using ChangePoint = std::pair<std::uint64_t, int>;  // (count after insert, B)

struct GoFacts {
    std::string version;
    std::int64_t hmap_header_bytes = 48;
    std::vector<ChangePoint> btraj;
    std::optional<ChangePoint> btraj_final;
    std::map<std::uint64_t, int> hint;
    std::map<std::string, std::int64_t> seedbytes;
    std::map<std::string, int> seedB;
    std::map<std::string, std::int64_t> seednoverflow;
    std::map<std::string, std::int64_t> seedoverflow_exact;
    std::map<std::uint64_t, std::int64_t> bigbytes;
    std::map<std::uint64_t, int> bigB;
    std::map<std::uint64_t, std::int64_t> bigoverflow_exact;
};

struct LoadResult {
    std::optional<GoFacts> facts;
    std::string error;
};

LoadResult load_facts() {
    LoadResult r;
    const char* path = std::getenv("GOMAP_GO_FACTS");
    if (path == nullptr || *path == '\0') {
        r.error =
            "Go facts are missing: GOMAP_GO_FACTS is not set. Run the test through ctest "
            "(tests/fidelity/CMakeLists.txt produces the file with the Go toolchain), or run "
            "tests/fidelity/run_go.sh FILE and set GOMAP_GO_FACTS=FILE.";
        return r;
    }
    std::ifstream in(path);
    if (!in) {
        r.error = std::string("Go facts are missing: cannot open GOMAP_GO_FACTS=") + path;
        return r;
    }
    GoFacts f;
    std::string line;
    std::size_t lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        if (line.empty()) continue;
        std::istringstream ls(line);
        std::string key;
        ls >> key;
        bool ok = true;
        if (key == "goversion") {
            ok = static_cast<bool>(ls >> f.version);
        } else if (key == "hmap_header_bytes") {
            ok = static_cast<bool>(ls >> f.hmap_header_bytes);
        } else if (key == "btraj" || key == "btraj_final") {
            std::uint64_t n = 0;
            int b = 0;
            ok = static_cast<bool>(ls >> n >> b);
            if (key == "btraj") f.btraj.emplace_back(n, b);
            else f.btraj_final = ChangePoint{n, b};
        } else if (key == "hint") {
            std::uint64_t h = 0;
            int b = 0;
            ok = static_cast<bool>(ls >> h >> b);
            f.hint[h] = b;
        } else if (key == "seedbytes" || key == "seednoverflow" || key == "seedoverflow_exact") {
            std::string stage;
            std::int64_t v = 0;
            ok = static_cast<bool>(ls >> stage >> v);
            (key == "seedbytes"       ? f.seedbytes
             : key == "seednoverflow" ? f.seednoverflow
                                      : f.seedoverflow_exact)[stage] = v;
        } else if (key == "seedB") {
            std::string stage;
            int b = 0;
            ok = static_cast<bool>(ls >> stage >> b);
            f.seedB[stage] = b;
        } else if (key == "bigbytes") {
            std::uint64_t n = 0;
            std::int64_t v = 0;
            ok = static_cast<bool>(ls >> n >> v);
            f.bigbytes[n] = v;
        } else if (key == "bigoverflow_exact") {
            std::uint64_t n = 0;
            std::int64_t v = 0;
            ok = static_cast<bool>(ls >> n >> v);
            f.bigoverflow_exact[n] = v;
        } else if (key == "bigB") {
            std::uint64_t n = 0;
            int b = 0;
            ok = static_cast<bool>(ls >> n >> b);
            f.bigB[n] = b;
        }  // unknown keys: facts added later, ignored here
        if (!ok) {
            r.error = std::string("malformed Go facts file ") + path + " at line " +
                      std::to_string(lineno) + ": " + line;
            return r;
        }
    }
    if (!f.btraj_final) {
        r.error = std::string("Go facts file ") + path + " is incomplete (no btraj_final line)";
        return r;
    }
    std::cout << "[ gomap    ] Go facts from " << path << " (" << f.version << ")\n";
    r.facts = std::move(f);
    return r;
}

// Records a failure (not a skip) when the facts are missing.
const GoFacts* go_facts() {
    static const LoadResult loaded = load_facts();
    if (!loaded.facts) {
        ADD_FAILURE() << loaded.error;
        return nullptr;
    }
    return &*loaded.facts;
}

template <class Map, class Key>
const typename Map::mapped_type* find_fact(const Map& m, const Key& k) {
    auto it = m.find(k);
    return it == m.end() ? nullptr : &it->second;
}

// |actual - expected| <= tolerance * expected
::testing::AssertionResult within(const char* what, std::int64_t actual, std::int64_t expected,
                                  double tolerance) {
    const double diff = static_cast<double>(actual) - static_cast<double>(expected);
    const double rel = expected != 0 ? diff / static_cast<double>(expected) : 0.0;
    std::ostringstream msg;
    msg << what << ": go_map " << actual << " B, Go " << expected << " B, difference "
        << static_cast<std::int64_t>(diff) << " B = " << rel * 100.0 << "% (tolerance "
        << tolerance * 100.0 << "%)";
    if (expected > 0 && (rel <= tolerance && rel >= -tolerance))
        return ::testing::AssertionSuccess() << msg.str();
    return ::testing::AssertionFailure() << msg.str();
}

// Expected overflow buckets when n keys are spread uniformly over 2^B buckets
// of 8 slots: each bucket holding X entries (X ~ Poisson(n / 2^B)) needs
// ceil(X / 8) - 1 overflow buckets, i.e. sum over j >= 1 of P(X >= 8j + 1).
double expected_overflow(double n, int B) {
    const double buckets = std::ldexp(1.0, B);
    const double lambda = n / buckets;
    double term = std::exp(-lambda);  // P(X = 0)
    double cdf = 0.0;                 // P(X < k)
    double per_bucket = 0.0;
    for (int k = 0; k < 400; ++k) {
        if (k >= 9 && k % 8 == 1) per_bucket += 1.0 - cdf;  // P(X >= k), k = 9, 17, ...
        cdf += term;
        term *= lambda / (k + 1);
    }
    return buckets * per_bucket;
}

::testing::AssertionResult near_expected(const char* what, std::int64_t actual, double expected,
                                         double tolerance) {
    const double rel = (static_cast<double>(actual) - expected) / expected;
    std::ostringstream msg;
    msg << what << ": " << actual << " overflow buckets, a uniform hash gives " << expected
        << " on average; off by " << rel * 100.0 << "% (band +-" << tolerance * 100.0 << "%)";
    if (rel <= tolerance && rel >= -tolerance) return ::testing::AssertionSuccess() << msg.str();
    return ::testing::AssertionFailure() << msg.str();
}

// ---------------------------------------------------------------------------
// The C++ side of the seed experiment.

// Same layout as Go's struct { ID int64; Name string }: 8 + 16 = 24 bytes, so a
// map[int]Person bucket is 8 (tophash) + 8*8 + 8*24 + 8 (overflow) = 272 B.
struct Person {
    std::int64_t id;
    const char* name_ptr;
    std::size_t name_len;
};
static_assert(sizeof(Person) == 24, "Person must match Go's 24-byte struct");

using Key = std::int64_t;  // Go's int is 8 bytes on the platforms we compare
using PersonMap = gomap::go_map<Key, Person>;
using IntMap = gomap::go_map<std::int64_t, std::int64_t>;

constexpr std::size_t kPersonBucketBytes = 272;
constexpr std::int64_t kSeedEntries = 10000;
const char kHello[] = "hello world";

Person person(std::int64_t i) { return Person{i, kHello, sizeof(kHello) - 1}; }

struct SeedStages {
    gomap::map_stats made, filled, deleted;
};

SeedStages run_seed(std::optional<std::size_t> hint) {
    SeedStages st;
    PersonMap m = hint ? PersonMap(static_cast<PersonMap::size_type>(*hint)) : PersonMap();
    st.made = m.stats();
    for (std::int64_t i = 0; i < kSeedEntries; ++i) m.insert({i, person(i)});
    st.filled = m.stats();
    for (std::int64_t i = 0; i < kSeedEntries; ++i) m.erase(i);
    st.deleted = m.stats();
    return st;
}

void print_stage(const std::string& stage, const gomap::map_stats& s, const GoFacts& go) {
    const auto* gb = find_fact(go.seedbytes, stage);
    const auto* gB = find_fact(go.seedB, stage);
    const auto* gn = find_fact(go.seednoverflow, stage);
    std::cout << "[ gomap    ] " << stage << ": go_map B=" << int(s.B) << " bytes=" << s.bytes
              << " overflow_buckets=" << s.overflow_buckets
              << " preallocated_overflow=" << s.preallocated_overflow
              << " noverflow=" << s.noverflow << " resizing=" << s.resizing << " | Go B="
              << (gB ? std::to_string(*gB) : "?") << " bytes=" << (gb ? std::to_string(*gb) : "?")
              << " noverflow=" << (gn ? std::to_string(*gn) : "?") << " overflow_exact="
              << (find_fact(go.seedoverflow_exact, stage)
                      ? std::to_string(*find_fact(go.seedoverflow_exact, stage))
                      : "?")
              << "\n";
}

// ---------------------------------------------------------------------------
// (a) growth trajectory

TEST(GoFidelity, GrowthTrajectoryMatchesGo) {
    const GoFacts* go = go_facts();
    ASSERT_NE(go, nullptr);
    ASSERT_FALSE(go->btraj.empty()) << "Go facts hold no btraj lines";
    const std::uint64_t limit = go->btraj_final->first;
    EXPECT_EQ(limit, std::uint64_t{1} << 20);

    IntMap m;
    std::vector<ChangePoint> ours;
    int last = m.stats().B;
    for (std::uint64_t i = 0; i < limit; ++i) {
        const auto k = static_cast<std::int64_t>(i);
        m.insert({k, k});
        const gomap::map_stats s = m.stats();
        if (int(s.B) != last) {
            ours.emplace_back(static_cast<std::uint64_t>(s.count), int(s.B));
            last = s.B;
        }
    }
    const gomap::map_stats fin = m.stats();

    // First divergence, for a readable message.
    const std::size_t common = std::min(ours.size(), go->btraj.size());
    for (std::size_t i = 0; i < common; ++i) {
        if (ours[i] != go->btraj[i]) {
            ADD_FAILURE() << "change point #" << i << ": go_map B became " << ours[i].second
                          << " at n=" << ours[i].first << ", Go B became " << go->btraj[i].second
                          << " at n=" << go->btraj[i].first;
            break;
        }
    }
    EXPECT_EQ(ours, go->btraj) << "B change points (n, B) differ";
    EXPECT_EQ(static_cast<std::uint64_t>(fin.count), go->btraj_final->first);
    EXPECT_EQ(int(fin.B), go->btraj_final->second) << "final B after " << limit << " inserts";
}

// ---------------------------------------------------------------------------
// (b) make(map, hint)

TEST(GoFidelity, HintSizingMatchesGo) {
    const GoFacts* go = go_facts();
    ASSERT_NE(go, nullptr);
    // The probe measures every hint in [0, 300] plus a list of larger ones.
    for (std::uint64_t h = 0; h <= 300; ++h)
        EXPECT_TRUE(go->hint.count(h)) << "Go facts lack hint " << h;
    for (std::uint64_t h : {1000u, 10000u, 100000u, 1000000u})
        EXPECT_TRUE(go->hint.count(h)) << "Go facts lack hint " << h;

    std::size_t mismatches = 0;
    for (const auto& [h, goB] : go->hint) {
        IntMap m(static_cast<IntMap::size_type>(h));
        const gomap::map_stats s = m.stats();
        EXPECT_EQ(int(s.B), goB) << "make(map[int64]int64, " << h << ")";
        EXPECT_EQ(s.count, 0u);
        if (int(s.B) != goB) ++mismatches;
    }
    EXPECT_EQ(mismatches, 0u) << "of " << go->hint.size() << " hints";
}

// ---------------------------------------------------------------------------
// (c) the seed article's map, with hint 10,000

TEST(GoFidelity, SeedMapWithHintMatchesGo) {
    const GoFacts* go = go_facts();
    ASSERT_NE(go, nullptr);
    const SeedStages st = run_seed(static_cast<std::size_t>(kSeedEntries));
    const std::pair<const char*, const gomap::map_stats*> stages[] = {
        {"made", &st.made}, {"filled", &st.filled}, {"deleted", &st.deleted}};

    EXPECT_EQ(st.made.bucket_size, kPersonBucketBytes);
    for (const auto& [stage, s] : stages) {
        print_stage(stage, *s, *go);
        const auto* goB = find_fact(go->seedB, std::string(stage));
        const auto* goBytes = find_fact(go->seedbytes, std::string(stage));
        ASSERT_NE(goB, nullptr) << "Go facts lack seedB " << stage;
        ASSERT_NE(goBytes, nullptr) << "Go facts lack seedbytes " << stage;
        EXPECT_EQ(int(s->B), *goB) << "B at stage " << stage;
        // Go's figure = bucket array (2^11 + 2^7 preallocated overflow buckets)
        // rounded up to 8 KiB pages, + hmap header + mapextra.
        EXPECT_TRUE(within(stage, static_cast<std::int64_t>(s->bytes), *goBytes, 0.01));
    }
    EXPECT_EQ(st.filled.count, static_cast<std::size_t>(kSeedEntries));
    EXPECT_EQ(st.deleted.count, 0u);
    // Deleting frees nothing, in Go and in go_map.
    EXPECT_EQ(st.deleted.bytes, st.filled.bytes);

    // Sanity of the Go measurement: dropping the map returns the heap to the
    // baseline, so the figures above are the map's.
    const auto* dropped = find_fact(go->seedbytes, std::string("dropped"));
    ASSERT_NE(dropped, nullptr);
    EXPECT_LT(*dropped, go->seedbytes.at("filled") / 100);
}

// ---------------------------------------------------------------------------
// (d) the same map without a hint

TEST(GoFidelity, SeedMapWithoutHintMatchesGo) {
    const GoFacts* go = go_facts();
    ASSERT_NE(go, nullptr);
    const SeedStages st = run_seed(std::nullopt);
    const std::pair<const char*, const gomap::map_stats*> stages[] = {
        {"nohint_made", &st.made}, {"nohint_filled", &st.filled}, {"nohint_deleted", &st.deleted}};

    for (const auto& [stage, s] : stages) {
        print_stage(stage, *s, *go);
        const auto* goB = find_fact(go->seedB, std::string(stage));
        const auto* goBytes = find_fact(go->seedbytes, std::string(stage));
        ASSERT_NE(goB, nullptr) << "Go facts lack seedB " << stage;
        ASSERT_NE(goBytes, nullptr) << "Go facts lack seedbytes " << stage;
        EXPECT_EQ(int(s->B), *goB) << "B at stage " << stage;
    }

    // made: Go's make(map) without a hint allocates only its 48-byte hmap
    // header (the bucket array comes with the first insert).  The header is the
    // go_map object itself in C++, which map_stats::bytes does not count, so
    // compare "no bucket memory" on both sides rather than a percentage of 48.
    const std::int64_t goMade = go->seedbytes.at("nohint_made");
    EXPECT_LE(goMade - go->hmap_header_bytes, std::int64_t{64})
        << "Go allocated more than its header at make(map) without a hint";
    EXPECT_LT(st.made.bytes, kPersonBucketBytes)
        << "go_map allocated bucket memory at construction without a hint; Go allocates none";

    // filled / deleted: the B=11 array with its 2^7 preallocated overflow
    // buckets (allocated by the last grow), plus, in Go, overflow buckets
    // allocated one by one (288 B each) once the preallocated ones run out;
    // how many depends on Go's per-process random hash key.  The old arrays
    // have been fully evacuated and freed on both sides.
    EXPECT_TRUE(within("nohint_filled", static_cast<std::int64_t>(st.filled.bytes),
                       go->seedbytes.at("nohint_filled"), 0.02));
    EXPECT_TRUE(within("nohint_deleted", static_cast<std::int64_t>(st.deleted.bytes),
                       go->seedbytes.at("nohint_deleted"), 0.02));
    EXPECT_FALSE(st.filled.resizing) << "go_map still resizing after 10,000 inserts; Go is not";
    EXPECT_EQ(st.deleted.bytes, st.filled.bytes);
}

// ---------------------------------------------------------------------------
// (e) one million Persons without a hint

TEST(GoFidelity, MillionPersonsMatchGo) {
    const GoFacts* go = go_facts();
    ASSERT_NE(go, nullptr);
    constexpr std::uint64_t n = 1000000;
    const auto* goBytes = find_fact(go->bigbytes, n);
    ASSERT_NE(goBytes, nullptr) << "Go facts lack bigbytes " << n;

    PersonMap m;
    for (std::uint64_t i = 0; i < n; ++i) {
        const auto k = static_cast<std::int64_t>(i);
        m.insert({k, person(k)});
    }
    const gomap::map_stats s = m.stats();
    std::cout << "[ gomap    ] 1e6 Persons: go_map B=" << int(s.B) << " bytes=" << s.bytes
              << " overflow_buckets=" << s.overflow_buckets << " resizing=" << s.resizing
              << " | Go bytes=" << *goBytes << "\n";
    const auto* goB = find_fact(go->bigB, n);
    ASSERT_NE(goB, nullptr) << "Go facts lack bigB " << n;
    EXPECT_EQ(int(s.B), *goB) << "B after " << n << " inserts";
    // Go: 2^18 + 2^14 buckets of 272 B (75,759,616 B, already page-aligned)
    // + header + mapextra.
    EXPECT_TRUE(within("1e6 Persons", static_cast<std::int64_t>(s.bytes), *goBytes, 0.02));
}

// ---------------------------------------------------------------------------
// (f) how evenly sequential keys spread over the buckets

TEST(GoFidelity, OverflowChainsLikeGo) {
    const GoFacts* go = go_facts();
    ASSERT_NE(go, nullptr);

    struct Case {
        const char* name;
        std::uint64_t n;
        bool hint;
        const std::int64_t* go_count;
        double tolerance;
    };
    const Case cases[] = {
        {"10,000 with hint", 10000, true, find_fact(go->seedoverflow_exact, std::string("filled")),
         0.40},
        {"10,000 without hint", 10000, false,
         find_fact(go->seedoverflow_exact, std::string("nohint_filled")), 0.40},
        {"1,000,000 without hint", 1000000, false,
         find_fact(go->bigoverflow_exact, std::uint64_t{1000000}), 0.15},
    };
    for (const Case& c : cases) {
        ASSERT_NE(c.go_count, nullptr) << "Go facts lack the overflow count for " << c.name;
        PersonMap m = c.hint ? PersonMap(static_cast<PersonMap::size_type>(c.n)) : PersonMap();
        for (std::uint64_t i = 0; i < c.n; ++i) {
            const auto k = static_cast<std::int64_t>(i);
            m.insert({k, person(k)});
        }
        const gomap::map_stats s = m.stats();
        ASSERT_FALSE(s.resizing) << c.name;
        const double expected = expected_overflow(static_cast<double>(c.n), s.B);
        std::cout << "[ gomap    ] overflow buckets, " << c.name << " (B=" << int(s.B)
                  << "): go_map " << s.overflow_buckets << ", Go " << *c.go_count
                  << ", uniform-hash expectation " << expected << "\n";
        // Go's own count validates the band (and the probe).
        EXPECT_TRUE(near_expected((std::string("Go, ") + c.name).c_str(), *c.go_count, expected,
                                  c.tolerance));
        EXPECT_TRUE(near_expected((std::string("go_map, ") + c.name).c_str(),
                                  static_cast<std::int64_t>(s.overflow_buckets), expected,
                                  c.tolerance));
    }
}

}  // namespace
