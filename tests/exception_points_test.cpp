// exception_points_test.cpp — every exception point of the map's operations.
//
// For each operation below, and for each source of exceptions — the key's
// hash (a stateful hasher with a global countdown), the key equality (the
// same), the value's copy constructor (gomap_test::counted's countdown) and
// the allocator (gomap_test::bombing_allocator) — the operation is run on a
// freshly built map with the N-th call made to throw, N = 1, 2, ... until the
// operation completes without reaching the N-th call. After every injected
// exception:
//   * check_invariants() == "";
//   * the contents equal the snapshot taken before the operation (map.hpp,
//     EXCEPTIONS: strong guarantee for every insert, erase, reserve, rehash,
//     shrink_to_fit and copy) — of the source and of the destination of a
//     copy/assignment; iteration leaves the map exactly as it was (stats too);
//   * counted objects are balanced (as many alive as before the operation);
//   * the bombing allocator's live bytes equal the sum of stats().bytes of the
//     maps alive;
//   * the map keeps working: the same operation, run again without a fault,
//     gives the expected result.
// After each attempt everything is freed (no counted alive, no live bytes).
//
// Operations: an insert that crosses the growth threshold (go_map: count =
// 6.5 * 2^B; gomap::map: 7/8 of the slots), an insert and an erase while a
// grow is in progress, an insert and an erase while a shrink is in progress
// (gomap::map), an erase that starts a shrink (gomap::map), copy
// construction, copy assignment, reserve (rehash of a non-empty map, also
// while shrinking), rehash, shrink_to_fit (sparse map, mid-grow map), and
// begin()/++ and const range() during a grow (go_map's call the hash and, for
// this key type, the equality).
//
// Map types: go_map and map, with direct entries (counted values), with
// out-of-line entries (a value > 128 bytes: in go_map one more allocation per
// entry) and with long chains (go_map: a hash whose 3 low bits are 0, so that
// evacuation needs several overflow buckets per chain; gomap::map: home
// groups in the first eighth of the array only, so that probes run long). The
// key is a user type, so go_map treats it as possibly irreflexive and calls
// key_eq(k, k) during evacuation and iteration. The hash keeps only two
// tophash values (gomap::map: two slot bytes), so that probes compare keys
// often.
//
// The number of exception points injected, per operation and source, and in
// total, is printed at the end ("[exception points]").

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/bombing_allocator.hpp"
#include "support/counted.hpp"

namespace {

using gomap_test::bomb;
using gomap_test::counted;
using gomap_test::counted_error;
using gomap_test::counts;
using i64 = std::int64_t;
using u64 = std::uint64_t;

// ---------------------------------------------------------------------------
// Fault sources

struct faults {
    static inline std::size_t hash_countdown = 0;  // >0: the N-th hash call from here throws
    static inline std::size_t eq_countdown = 0;    // >0: the N-th equality call from here throws
};
struct hash_error : std::runtime_error {
    hash_error() : std::runtime_error("planned hash failure") {}
};
struct eq_error : std::runtime_error {
    eq_error() : std::runtime_error("planned key_eq failure") {}
};

struct xkey {
    i64 v = 0;
};

// go_map takes the bucket from the low bits of the hash and the tophash from
// the top byte; gomap::map (Flat) the home group from the top bits and the
// slot byte from the low byte.
template <bool LongChains, bool Flat>
struct throwing_hash {
    u64 operator()(const xkey& k, u64 seed) const {
        if (faults::hash_countdown > 0 && --faults::hash_countdown == 0) throw hash_error();
        u64 h = gomap::hash<i64>{}(k.v, seed);
        if constexpr (Flat) {
            if constexpr (LongChains) h >>= 3;  // home groups in the first eighth
            // Two slot bytes: probes compare many keys (key_eq is exercised).
            return (h & ~u64{0xff}) | (0x10u | ((h >> 8) & 1u));
        } else {
            if constexpr (LongChains) h &= ~u64{7};  // 1 bucket in 8 used
            // Two tophash values: probes compare many keys (key_eq is exercised).
            return (h & 0x00ffffffffffffffULL) | (u64{0xf0u | ((h >> 56) & 1u)} << 56);
        }
    }
};
struct throwing_eq {
    bool operator()(const xkey& a, const xkey& b) const {
        if (faults::eq_countdown > 0 && --faults::eq_countdown == 0) throw eq_error();
        return a.v == b.v;
    }
};

// A value larger than 128 bytes (stored out of line), holding a counted.
struct fat {
    counted c;
    unsigned char pad[160];
    fat(i64 v) : c(v) { std::memset(pad, static_cast<unsigned char>(v), sizeof pad); }  // NOLINT: implicit
    i64 value() const {
        const i64 v = c.value();
        if (pad[0] != static_cast<unsigned char>(v) || pad[159] != static_cast<unsigned char>(v)) std::abort();
        return v;
    }
};
static_assert(gomap::detail::slot_traits<xkey, fat>::indirect);
static_assert(!gomap::detail::slot_traits<xkey, counted>::indirect);
static_assert(gomap::detail::maybe_irreflexive<xkey>, "the key must take the key_eq(k, k) paths");

i64 value_of(const counted& c) { return c.value(); }
i64 value_of(const fat& f) { return f.value(); }

enum kind : int { k_hash, k_eq, k_copy, k_alloc, k_count };
const char* const kind_names[k_count] = {"hash", "key_eq", "value copy", "allocation"};

void arm(kind k, std::size_t n) {
    switch (k) {
        case k_hash: faults::hash_countdown = n; break;
        case k_eq: faults::eq_countdown = n; break;
        case k_copy: counts::throw_countdown = n; break;
        default: bomb::countdown = n; break;
    }
}
// Disarms every source; returns whether the armed one fired (its countdown reached 0).
bool disarm(kind k) {
    const std::size_t left = k == k_hash ? faults::hash_countdown
                             : k == k_eq ? faults::eq_countdown
                             : k == k_copy ? counts::throw_countdown
                                           : bomb::countdown;
    faults::hash_countdown = faults::eq_countdown = 0;
    counts::throw_countdown = 0;
    bomb::countdown = 0;
    return left == 0;
}

// ---------------------------------------------------------------------------
// Map types

template <class V, class Policy, bool LongChains>
using xmap = gomap::basic_map<xkey, V, throwing_hash<LongChains, !std::is_same_v<Policy, gomap::go_policy>>,
                              throwing_eq, gomap_test::bombing_allocator<std::pair<const xkey, V>>, Policy>;

template <class M>
inline constexpr bool is_flat = !std::is_same_v<typename M::policy_type, gomap::go_policy>;  // map, node_map

template <class M>
struct config {
    using map = M;
    static constexpr bool shrinks = is_flat<M>;  // gomap::map shrinks by itself; go_map never does
};
struct go_direct : config<xmap<counted, gomap::go_policy, false>> {
    static constexpr const char* name = "go_map direct";
};
struct map_direct : config<xmap<counted, gomap::flat_policy, false>> {
    static constexpr const char* name = "map direct";
};
struct go_indirect : config<xmap<fat, gomap::go_policy, false>> {
    static constexpr const char* name = "go_map out-of-line";
};
struct map_indirect : config<xmap<fat, gomap::flat_policy, false>> {
    static constexpr const char* name = "map large values";
};
struct go_chains : config<xmap<counted, gomap::go_policy, true>> {
    static constexpr const char* name = "go_map long chains";
};
struct map_chains : config<xmap<counted, gomap::flat_policy, true>> {
    static constexpr const char* name = "map long probes";
};
struct node_direct : config<xmap<counted, gomap::node_policy, false>> {
    static constexpr const char* name = "node_map";
};
struct node_chains : config<xmap<counted, gomap::node_policy, true>> {
    static constexpr const char* name = "node_map long probes";
};

// ---------------------------------------------------------------------------
// Snapshots and the points tally

using snap = std::vector<std::pair<i64, i64>>;

template <class M>
snap snapshot(const M& m) {
    snap s;
    for (const auto& e : m) s.emplace_back(e.first.v, value_of(e.second));
    std::sort(s.begin(), s.end());
    return s;
}

std::string diff(const snap& got, const snap& want) {
    if (got == want) return "";
    std::string d = "size " + std::to_string(got.size()) + " vs expected " + std::to_string(want.size());
    std::size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
    if (i < got.size()) d += "; got {" + std::to_string(got[i].first) + "," + std::to_string(got[i].second) + "}";
    if (i < want.size())
        d += "; expected {" + std::to_string(want[i].first) + "," + std::to_string(want[i].second) + "}";
    return d + " at sorted position " + std::to_string(i);
}

struct tally {
    std::map<std::string, std::array<std::size_t, k_count>> by_op;
    std::size_t total = 0;
    static tally& get() {
        static tally t;
        return t;
    }
};

class print_tally : public ::testing::Environment {
public:
    void TearDown() override {
        const auto& t = tally::get();
        std::printf("[exception points] %-34s %8s %8s %11s %11s\n", "operation", kind_names[0], kind_names[1],
                    kind_names[2], kind_names[3]);
        for (const auto& [op, n] : t.by_op)
            std::printf("[exception points] %-34s %8zu %8zu %11zu %11zu\n", op.c_str(), n[0], n[1], n[2], n[3]);
        std::printf("[exception points] total injected: %zu\n", t.total);
    }
};
[[maybe_unused]] ::testing::Environment* const tally_env = ::testing::AddGlobalTestEnvironment(new print_tally);

// ---------------------------------------------------------------------------
// Fixture: the map under test, a copy/assignment destination, a value to insert.

template <class M>
struct fx {
    using V = typename M::mapped_type;
    M m;
    M dst;
    std::optional<M> out;
    V v{777};
    i64 key = 0;
    std::size_t seen = 0;  // entries iterated
    std::size_t bytes() const { return m.stats().bytes + dst.stats().bytes + (out ? out->stats().bytes : 0); }
};

template <class M>
void fill(M& m, i64 from, i64 to) {
    for (i64 k = from; k < to; ++k) m.try_emplace(xkey{k}, k * 10);
}

// Map states. Each reports (ADD_FAILURE) when it did not get there.
//
// The growth threshold: go_map at B = 5, count = 6.5 * 2^5 = 208; gomap::map
// at 16 groups (B = 4), 7/8 of 240 slots = 210. No resize in progress; the
// next insert grows the map to B + 1.
template <class M>
constexpr std::uint8_t threshold_B = is_flat<M> ? 4 : 5;
template <class M>
void at_threshold(M& m) {
    fill(m, 0, is_flat<M> ? 210 : 208);
    const auto s = m.stats();
    if (s.B != threshold_B<M> || s.resizing)
        ADD_FAILURE() << "not at the threshold: B=" << int(s.B) << " resizing=" << s.resizing;
}
// Keys of old arrays not moved yet (go_map: old chains not evacuated;
// gomap::map: old groups at or after the migration cursor), and their count.
template <class M>
i64 max_old_key(const M& m, std::size_t* count = nullptr) {
    i64 key = -1;
    std::size_t n = 0;
    if constexpr (is_flat<M>) {
        m.inspect_groups([&](const auto& g) {
            if (g.current || g.index < g.cursor) return;
            for (unsigned s = 0; s < gomap::detail::group_slots; ++s)
                if (g.word[s] != 0) key = std::max(key, g.entry(s).first.v), ++n;
        });
    } else {
        m.visit_chains([&](const auto* head, bool is_old) {
            for (const auto* b = head; is_old && b != nullptr; b = b->overflow)
                for (std::uint8_t i = 0; i < gomap::detail::bucketCnt; ++i)
                    if (b->tophash[i] >= gomap::detail::minTopHash)
                        key = std::max(key, b->entry(i)->first.v), ++n;
        });
    }
    if (count != nullptr) *count = n;
    return key;
}
// Growing from B-1 to B, a quarter of the old buckets evacuated and the rest
// not. go_map: the insert that starts the grow has a key of old bucket 0, and
// after it only keys whose old bucket is evacuated already are inserted, so
// each insert moves just the next bucket (nevacuate). gomap::map: every write
// migrates the old groups at the cursor, in order.
template <class M, int B = 6>
void mid_grow(M& m) {
    const std::size_t old_n = std::size_t{1} << (B - 1);
    const auto hf = m.hash_function();
    i64 k = 0;
    for (; k < 100000; ++k) {
        const auto s = m.stats();
        if (s.direction == gomap::resize_direction::grow && s.B == B) break;
        bool insert = true;
        if constexpr (!is_flat<M>) {
            const bool starts_grow = s.B == B - 1 && !s.resizing && gomap::detail::overLoadFactor(m.size() + 1, s.B);
            insert = !starts_grow || (hf(xkey{k}, s.hash0) & (old_n - 1)) == 0;
        }
        if (insert) m.try_emplace(xkey{k}, k * 10);
    }
    for (; k < 100000 && m.stats().resizing && m.stats().nevacuate < old_n / 4; ++k) {
        if (is_flat<M> || (hf(xkey{k}, m.stats().hash0) & (old_n - 1)) < m.stats().nevacuate)
            m.try_emplace(xkey{k}, k * 10);
    }
    const auto s = m.stats();
    if (s.direction != gomap::resize_direction::grow || s.B != B || s.nevacuate < old_n / 4)
        ADD_FAILURE() << "never in the middle of a grow to B=" << B;
    std::size_t old_entries = 0;
    max_old_key(m, &old_entries);
    if (old_entries < m.size() / 4) ADD_FAILURE() << "only " << old_entries << " entries left in old chains";
}
// 100 entries left of 400: go_map in 64 buckets; gomap::map went from 32
// groups to 16 on the way (a shrink is due below 420 / 4 = 105 entries).
template <class M>
void sparse(M& m) {
    fill(m, 0, 400);
    for (i64 k = 0; k < 300; ++k) m.erase(xkey{k});
}
// gomap::map, 400 entries in 32 groups (max load 420), erased down to 105:
// the next erase starts a shrink.
template <class M>
void before_shrink(M& m) {
    fill(m, 0, 400);
    if (m.stats().B != 5 || m.stats().resizing) ADD_FAILURE() << "B=" << int(m.stats().B);
    i64 k = 0;
    while (m.size() > 420 / 4) m.erase(xkey{k++});
    if (m.stats().resizing) ADD_FAILURE() << "a resize is in progress already";
}
template <class M>
void mid_shrink(M& m) {  // gomap::map: a shrink 32 -> 16 groups started, one step of it done
    fill(m, 0, 400);
    i64 k = 0;
    while (m.stats().direction != gomap::resize_direction::shrink && k < 400) m.erase(xkey{k++});
    m.erase(xkey{k++});
    if (m.stats().direction != gomap::resize_direction::shrink) ADD_FAILURE() << "not shrinking";
}

// ---------------------------------------------------------------------------
// The runner

template <class M>
struct scenario {
    std::string name;
    std::function<void(fx<M>&)> prepare;  // builds the state, no fault armed
    std::function<void(fx<M>&)> op;
    // Checks the result of a completed op; `before` is the snapshot of f.m.
    std::function<void(fx<M>&, const snap& before)> check_done;
    bool read_only = false;  // the op must leave f.m exactly as it was, stats too
    // erase(key), and gomap::map's inserts: once the key is removed (the
    // entry is in place), the resize step it runs is best-effort (map.hpp,
    // EXCEPTIONS): a fault there is swallowed and the write completes.
    bool swallows_after_success = false;
};

template <class S>
auto shape_of(const S& s) {
    return std::make_tuple(s.count, s.B, s.old_B, s.nevacuate, s.bytes, s.hash0, s.overflow_buckets, s.noverflow,
                           s.resizes, s.direction);
}

template <class Cfg>
void run(const scenario<typename Cfg::map>& sc) {
    using M = typename Cfg::map;
    auto& counts_here = tally::get().by_op[sc.name];
    const auto* result = ::testing::UnitTest::GetInstance()->current_test_info()->result();
    for (int ki = 0; ki < k_count; ++ki) {
        const kind k = static_cast<kind>(ki);
        std::size_t injected = 0;
        const int failures_before = result->total_part_count();
        for (std::size_t N = 1;; ++N) {
            SCOPED_TRACE(std::string(Cfg::name) + ": " + sc.name + ", throwing " + kind_names[k] + " call N=" +
                         std::to_string(N));
            ASSERT_LT(N, 100000u) << "the operation never completes";
            bool threw = false, fired = false;
            {
                fx<M> f;
                sc.prepare(f);
                ASSERT_FALSE(::testing::Test::HasFatalFailure());
                const snap before = snapshot(f.m), before_dst = snapshot(f.dst);
                const auto shape = shape_of(f.m.stats());
                const std::size_t alive = counts::alive();
                ASSERT_EQ(bomb::live_bytes, f.bytes());
                arm(k, N);
                int got = -1;
                try {
                    sc.op(f);
                } catch (const hash_error&) {
                    got = k_hash;
                } catch (const eq_error&) {
                    got = k_eq;
                } catch (const counted_error&) {
                    got = k_copy;
                } catch (const std::bad_alloc&) {
                    got = k_alloc;
                } catch (...) {
                    got = -2;
                }
                fired = disarm(k);
                threw = got != -1;
                ASSERT_NE(got, -2) << "an exception that was not injected";
                if (sc.swallows_after_success && fired && !threw) {
                    ++injected;  // a fault in the write's resize step: swallowed by design
                    ++counts_here[k];
                    ++tally::get().total;
                } else {
                    ASSERT_EQ(threw, fired) << (fired ? "the injected exception was swallowed" : "threw unasked");
                }
                if (threw) {
                    ASSERT_EQ(got, static_cast<int>(k));
                    ++injected;
                    ++counts_here[k];
                    ++tally::get().total;
                    EXPECT_EQ(f.m.check_invariants(), "");
                    EXPECT_EQ(diff(snapshot(f.m), before), "") << "the map's contents changed";
                    EXPECT_EQ(f.dst.check_invariants(), "");
                    EXPECT_EQ(diff(snapshot(f.dst), before_dst), "") << "the destination's contents changed";
                    EXPECT_FALSE(f.out.has_value());
                    EXPECT_EQ(counts::alive(), alive) << "counted objects leaked or died twice";
                    EXPECT_EQ(bomb::live_bytes, f.bytes()) << "allocator bytes differ from stats().bytes";
                    if (sc.read_only) {
                        EXPECT_TRUE(shape_of(f.m.stats()) == shape) << "the map changed";
                    }
                    // It keeps working: the same operation now completes.
                    sc.op(f);
                }
                sc.check_done(f, before);
                EXPECT_EQ(f.m.check_invariants(), "");
                EXPECT_EQ(bomb::live_bytes, f.bytes());
            }
            EXPECT_EQ(counts::alive(), 0u) << "counted objects leaked";
            EXPECT_EQ(bomb::live_bytes, 0u) << "bytes leaked";
            if (::testing::Test::HasFatalFailure()) return;
            // One report per failing source is enough: go on with the next.
            if (!fired || result->total_part_count() != failures_before) break;
        }
        std::printf("[exception points] %-20s %-34s %-10s %4zu%s\n", Cfg::name, sc.name.c_str(), kind_names[k],
                    injected, result->total_part_count() != failures_before ? "  (FAILED, stopped)" : "");
    }
}

// ---------------------------------------------------------------------------
// The operations

snap with(snap s, i64 k, i64 v) {
    s.emplace_back(k, v);
    std::sort(s.begin(), s.end());
    return s;
}
snap without(snap s, i64 k) {
    s.erase(std::remove_if(s.begin(), s.end(), [&](const auto& e) { return e.first == k; }), s.end());
    return s;
}

constexpr i64 kNewKey = 1'000'000;

template <class M>
scenario<M> insert_new(std::string name, std::function<void(M&)> state,
                       std::function<void(const M&)> extra = nullptr) {
    return {std::move(name), [state](fx<M>& f) { state(f.m); },
            [](fx<M>& f) {
                auto r = f.m.try_emplace(xkey{kNewKey}, f.v);
                if (!r.second) ADD_FAILURE() << "the new key was there already";
            },
            [extra](fx<M>& f, const snap& before) {
                EXPECT_EQ(diff(snapshot(f.m), with(before, kNewKey, 777)), "");
                if (extra) extra(f.m);
            },
            /*read_only=*/false,
            // gomap::map runs its resize step after the new entry is in place:
            // a fault there is swallowed, as in erase(key).
            /*swallows_after_success=*/is_flat<M>};
}

template <class M>
scenario<M> erase_present(std::string name, std::function<void(M&)> state,
                          std::function<void(const M&)> extra = nullptr) {
    return {std::move(name),
            [state](fx<M>& f) {
                state(f.m);
                // While resizing, a key of an old chain not evacuated yet, so
                // that the erase's resize step has entries to move; otherwise
                // the last key inserted.
                f.key = max_old_key(f.m);
                if (f.key < 0)
                    f.key = std::max_element(f.m.begin(), f.m.end(), [](const auto& a, const auto& b) {
                                return a.first.v < b.first.v;
                            })->first.v;
            },
            [](fx<M>& f) { f.m.erase(xkey{f.key}); },
            [extra](fx<M>& f, const snap& before) {
                EXPECT_EQ(diff(snapshot(f.m), without(before, f.key)), "");
                if (extra) extra(f.m);
            },
            /*read_only=*/false,
            /*swallows_after_success=*/true};
}

template <class M>
scenario<M> same_contents(std::string name, std::function<void(M&)> state, std::function<void(M&)> op,
                          std::function<void(const M&)> extra = nullptr) {
    return {std::move(name), [state](fx<M>& f) { state(f.m); }, [op](fx<M>& f) { op(f.m); },
            [extra](fx<M>& f, const snap& before) {
                EXPECT_EQ(diff(snapshot(f.m), before), "");
                if (extra) extra(f.m);
            }};
}

template <class Cfg>
class ExceptionPoints : public ::testing::Test {
protected:
    using M = typename Cfg::map;
    void SetUp() override {
        disarm(k_hash);
        counts::reset();
        bomb::live_bytes = 0;
    }
    void TearDown() override {
        disarm(k_hash);
        EXPECT_EQ(counts::alive(), 0u);
        EXPECT_EQ(bomb::live_bytes, 0u);
    }
};
using Configs = ::testing::Types<go_direct, map_direct, go_indirect, map_indirect, go_chains, map_chains, node_direct,
                                 node_chains>;
class config_names {
public:
    template <class T>
    static std::string GetName(int) {
        std::string n = T::name;
        std::replace(n.begin(), n.end(), ' ', '_');
        std::replace(n.begin(), n.end(), '-', '_');
        return n;
    }
};
TYPED_TEST_SUITE(ExceptionPoints, Configs, config_names);

#define SHRINK_POLICY_ONLY() \
    if (!TypeParam::shrinks) GTEST_SKIP() << "go_map does not shrink by itself"

TYPED_TEST(ExceptionPoints, InsertCrossingGrowthThreshold) {
    using M = typename TestFixture::M;
    run<TypeParam>(insert_new<M>("insert crossing the max load", at_threshold<M>, [](const M& m) {
        EXPECT_EQ(m.stats().B, threshold_B<M> + 1);
        EXPECT_TRUE(m.stats().resizing) << "the insert must start a grow";
    }));
}

TYPED_TEST(ExceptionPoints, InsertDuringGrow) {
    using M = typename TestFixture::M;
    run<TypeParam>(insert_new<M>("insert during grow", mid_grow<M>));
}

TYPED_TEST(ExceptionPoints, EraseDuringGrow) {
    using M = typename TestFixture::M;
    run<TypeParam>(erase_present<M>("erase during grow", mid_grow<M>));
}

// erase(iterator) during a grow: finding the next entry hashes keys of an old
// chain (to skip those bound for the other half); a Hash that throws there
// must find the map unchanged (it runs before the entry is destroyed).
TYPED_TEST(ExceptionPoints, EraseIteratorDuringGrow) {
    using M = typename TestFixture::M;
    auto sc = erase_present<M>("erase(iterator) during grow", mid_grow<M>);
    sc.op = [](fx<M>& f) {
        auto it = f.m.find(xkey{f.key});
        if (it == f.m.end()) throw std::logic_error("the key to erase is gone");
        f.m.erase(it);
    };
    sc.swallows_after_success = false;  // nothing is swallowed: erase(it) runs no resize step
    run<TypeParam>(sc);
}

TYPED_TEST(ExceptionPoints, InsertDuringShrink) {
    SHRINK_POLICY_ONLY();
    using M = typename TestFixture::M;
    run<TypeParam>(insert_new<M>("insert during shrink", mid_shrink<M>));
}

TYPED_TEST(ExceptionPoints, EraseDuringShrink) {
    SHRINK_POLICY_ONLY();
    using M = typename TestFixture::M;
    run<TypeParam>(erase_present<M>("erase during shrink", mid_shrink<M>));
}

TYPED_TEST(ExceptionPoints, EraseStartingShrink) {
    SHRINK_POLICY_ONLY();
    using M = typename TestFixture::M;
    run<TypeParam>(erase_present<M>("erase starting a shrink", before_shrink<M>, [](const M& m) {
        // The erase starts a shrink; if allocating its array failed, the
        // failure was swallowed and no resize is in progress (a later erase
        // starts it). The clean run (no fault fired) is the last one of each
        // source, and ShrinkMemory.StatsShowTheShrinkInProgress covers it too.
        // (This state only exists in gomap::map.)
        const auto d = m.stats().direction;
        EXPECT_TRUE(d == gomap::resize_direction::shrink || d == gomap::resize_direction::none);
    }));
}

TYPED_TEST(ExceptionPoints, CopyConstruction) {
    using M = typename TestFixture::M;
    run<TypeParam>({"copy construction (mid-grow source)", [](fx<M>& f) { mid_grow<M, 5>(f.m); },
                    [](fx<M>& f) { f.out.emplace(f.m); },
                    [](fx<M>& f, const snap& before) {
                        ASSERT_TRUE(f.out.has_value());
                        EXPECT_EQ(diff(snapshot(*f.out), before), "");
                        EXPECT_EQ(diff(snapshot(f.m), before), "");
                        EXPECT_EQ(f.out->check_invariants(), "");
                    }});
}

TYPED_TEST(ExceptionPoints, CopyAssignment) {
    using M = typename TestFixture::M;
    run<TypeParam>({"copy assignment (mid-grow source)",
                    [](fx<M>& f) {
                        mid_grow<M, 5>(f.m);
                        fill(f.dst, 5000, 5060);
                    },
                    [](fx<M>& f) { f.dst = f.m; },
                    [](fx<M>& f, const snap& before) {
                        EXPECT_EQ(diff(snapshot(f.dst), before), "");
                        EXPECT_EQ(diff(snapshot(f.m), before), "");
                        EXPECT_EQ(f.dst.check_invariants(), "");
                    }});
}

TYPED_TEST(ExceptionPoints, ReserveRehashesNonEmptyMap) {
    using M = typename TestFixture::M;
    run<TypeParam>(same_contents<M>(
        "reserve (mid-grow map)", mid_grow<M, 5>, [](M& m) { m.reserve(1000); },
        [](const M& m) {
            EXPECT_GE(m.stats().B, is_flat<M> ? 7 : 8);  // 1000 entries: 2^7 groups, 2^8 buckets
            EXPECT_FALSE(m.stats().resizing);
        }));
}

TYPED_TEST(ExceptionPoints, ReserveDuringShrink) {
    SHRINK_POLICY_ONLY();
    using M = typename TestFixture::M;
    run<TypeParam>(same_contents<M>(
        "reserve (mid-shrink map)", mid_shrink<M>, [](M& m) { m.reserve(m.size() + 50); },
        [](const M& m) { EXPECT_FALSE(m.stats().resizing); }));
}

TYPED_TEST(ExceptionPoints, Rehash) {
    using M = typename TestFixture::M;
    run<TypeParam>(same_contents<M>(
        "rehash (mid-grow map)", mid_grow<M, 5>, [](M& m) { m.rehash(256); },
        [](const M& m) {
            EXPECT_GE(m.bucket_count(), 256u);
            EXPECT_FALSE(m.stats().resizing);
        }));
}

TYPED_TEST(ExceptionPoints, ShrinkToFitSparse) {
    using M = typename TestFixture::M;
    run<TypeParam>(same_contents<M>(
        "shrink_to_fit (100 entries)", sparse<M>,
        [](M& m) { m.shrink_to_fit(); },
        [](const M& m) {
            EXPECT_EQ(m.stats().B, is_flat<M> ? 3 : 4);  // 100 entries: 2^3 groups, 2^4 buckets
            EXPECT_FALSE(m.stats().resizing);
        }));
}

TYPED_TEST(ExceptionPoints, ShrinkToFitDuringGrow) {
    using M = typename TestFixture::M;
    run<TypeParam>(same_contents<M>("shrink_to_fit (mid-grow map)", mid_grow<M, 5>, [](M& m) { m.shrink_to_fit(); },
                                    [](const M& m) { EXPECT_FALSE(m.stats().resizing); }));
}

TYPED_TEST(ExceptionPoints, IterationDuringGrow) {
    using M = typename TestFixture::M;
    auto sc = scenario<M>{"begin()/++ during grow", [](fx<M>& f) { mid_grow<M, 5>(f.m); },
                          [](fx<M>& f) {
                              f.seen = 0;
                              for (auto it = f.m.begin(); it != f.m.end(); ++it) ++f.seen;
                          },
                          [](fx<M>& f, const snap& before) {
                              EXPECT_EQ(f.seen, before.size());
                              EXPECT_EQ(diff(snapshot(f.m), before), "");
                          },
                          /*read_only=*/true};
    run<TypeParam>(sc);
}

TYPED_TEST(ExceptionPoints, ConstRangeDuringGrow) {
    using M = typename TestFixture::M;
    auto sc = scenario<M>{"const range() during grow", [](fx<M>& f) { mid_grow<M, 5>(f.m); },
                          [](fx<M>& f) {
                              f.seen = 0;
                              std::as_const(f.m).range([&](const xkey&, const auto&) { ++f.seen; });
                          },
                          [](fx<M>& f, const snap& before) {
                              EXPECT_EQ(f.seen, before.size());
                              EXPECT_EQ(diff(snapshot(f.m), before), "");
                          },
                          /*read_only=*/true};
    run<TypeParam>(sc);
}

}  // namespace
