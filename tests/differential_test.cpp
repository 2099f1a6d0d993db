// differential_test.cpp — gomap::go_map and gomap::map against std::unordered_map.
//
// A seeded random sequence of operations runs on a gomap map and on a
// std::unordered_map (the reference); after every operation the results and
// the sizes must agree, and every so often the whole contents (iteration in
// several ways), the table's invariants (check_invariants() == "") and Go's
// for-range contract are checked.
//
// Two key spaces:
//   * small (64 keys): heavy overwrite and erase, so chains are full of
//     tombstones (emptyOne / emptyRest marks), overflow buckets get reused;
//   * large (2^20 keys): the table grows to B = 15-16, so the ops run while
//     incremental grows are in progress.
// Operations: insert (4 forms, with and without hint), operator[], insert_or_assign,
// try_emplace, emplace (3 forms), erase(key), erase(iterator) via find,
// erase(first, last), find/contains/count/at/equal_range, and rarely clear,
// reserve, copy/move construction and assignment, swap, rebuild from a range,
// and range() whose fn erases, inserts and assigns.
//
// One phase in six drains the map to a sixth of its size, so gomap::map also
// shrinks (MapU64LargeKeysShrinking asserts shrinks and ops during them);
// steady-churn runs make go_map start same-size grows; a deliberately weak
// hash makes long chains.
//
// Growth in progress is not left to chance: when a grow starts, a "growth
// probe" (invariants, full comparison, a mutating range(), a copy/move) is
// scheduled at a random op inside the grow's window, and every test asserts
// that ops, probes and ranges really ran while stats().resizing was true.
//
// Each seed is its own test (Seeds/N); a failure message names the seed, the
// op number and the op. Note: the seed fixes the op sequence; the bucket
// layout also depends on the per-process hash secret, as in Go.
//
// Environment: GOMAP_TEST_SCALE (a factor, default 1) scales the op counts;
// GOMAP_TEST_SEED=<n> adds a seed to the list (to replay one).

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

// ---------------------------------------------------------------------------
// Infrastructure

double test_scale() {
    const char* s = std::getenv("GOMAP_TEST_SCALE");
    if (s == nullptr || *s == '\0') return 1.0;
    const double v = std::strtod(s, nullptr);
    return v > 0 ? v : 1.0;
}

std::size_t scaled(std::size_t n) {
    const double v = static_cast<double>(n) * test_scale();
    return v < 1 ? 1 : static_cast<std::size_t>(v);
}

std::vector<std::uint64_t> seeds() {
    std::vector<std::uint64_t> s = {1, 2, 3, 0x5eed5eedULL, 0xdeadbeefcafeULL};
    if (const char* e = std::getenv("GOMAP_TEST_SEED"); e != nullptr && *e != '\0')
        s.push_back(std::strtoull(e, nullptr, 0));
    return s;
}

// splitmix64: a small deterministic generator (same stream on every platform).
struct rng {
    std::uint64_t s;
    explicit rng(std::uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL) {}
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
    bool one_in(std::uint64_t n) { return below(n) == 0; }
};

struct failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

#define DT_REQUIRE(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) throw failure(std::string("line ") + std::to_string(__LINE__) + ": " #cond); \
    } while (0)
#define DT_REQUIRE_MSG(cond, msg)                                                                 \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            std::ostringstream os_;                                                               \
            os_ << "line " << __LINE__ << ": " #cond " — " << msg;                                \
            throw failure(os_.str());                                                             \
        }                                                                                         \
    } while (0)

// Keys and values are made from integer ids in [0, keyspace).
template <class K>
struct key_codec;
template <>
struct key_codec<std::uint64_t> {
    static std::uint64_t make(std::uint64_t id) { return id; }
    static std::uint64_t id(std::uint64_t k) { return k; }
};
template <>
struct key_codec<std::string> {
    // Some keys are longer than the small-string buffer, so that moving them
    // (evacuation, rebuilds) moves heap storage.
    static std::string make(std::uint64_t id) {
        std::string s = "k" + std::to_string(id);
        if (id % 3 == 0) s += std::string(24, static_cast<char>('a' + id % 26));
        return s;
    }
    static std::uint64_t id(const std::string& k) { return std::strtoull(k.c_str() + 1, nullptr, 10); }
};

template <class V>
struct value_codec;
template <>
struct value_codec<std::uint64_t> {
    static std::uint64_t make(std::uint64_t x) { return x; }
};
template <>
struct value_codec<std::string> {
    static std::string make(std::uint64_t x) {
        std::string s = std::to_string(x);
        if (x % 4 == 0) s += std::string(20, 'v');
        return s;
    }
};

// The set of present ids, with O(1) random pick.
class id_set {
public:
    explicit id_set(std::size_t keyspace) : pos_(keyspace, npos) {}
    bool contains(std::uint64_t id) const { return pos_[id] != npos; }
    void add(std::uint64_t id) {
        if (pos_[id] != npos) return;
        pos_[id] = static_cast<std::uint32_t>(ids_.size());
        ids_.push_back(id);
    }
    void remove(std::uint64_t id) {
        const std::uint32_t p = pos_[id];
        if (p == npos) return;
        const std::uint64_t last = ids_.back();
        ids_[p] = last;
        pos_[last] = p;
        ids_.pop_back();
        pos_[id] = npos;
    }
    void clear() {
        for (auto id : ids_) pos_[id] = npos;
        ids_.clear();
    }
    std::size_t size() const { return ids_.size(); }
    std::uint64_t at(std::size_t i) const { return ids_[i]; }
    const std::vector<std::uint64_t>& ids() const { return ids_; }

private:
    static constexpr std::uint32_t npos = 0xFFFFFFFFu;
    std::vector<std::uint32_t> pos_;
    std::vector<std::uint64_t> ids_;
};

struct config {
    std::uint64_t keyspace;
    std::size_t ops;
    std::size_t invariant_every;  // check_invariants every N ops
    std::size_t compare_every;    // full comparison every N ops
    std::size_t phase_len;        // ops per insert/erase bias phase
    // Rare operations, per million ops.
    std::uint64_t clear_ppm, reserve_ppm, copy_ppm, range_ppm;
    std::uint64_t range_mutate_pm;  // per mille of range() visits that mutate the map
    std::uint64_t range_clear_pm;   // per mille of range() mutations that are clear()
    std::uint64_t present_pick_pm;  // per mille of key picks that take a present key
    std::uint64_t min_bias_pm;      // insert bias of a phase: min_bias_pm + k * 150, k = 0..3
    std::size_t target_size = 0;    // > 0: insert below this size, erase above (steady churn)
    bool probe_copies = true;       // growth probes also copy/move the map (every third)
    std::size_t drain_every = 0;    // > 0: every Nth phase drains the map (0: one phase in six, at random)
};

// What a run saw (asserted by the tests, so that nothing is silently missed).
struct run_stats {
    std::size_t ops = 0;
    std::size_t ops_while_resizing = 0;
    std::size_t writes_while_resizing = 0;
    std::size_t grows_seen = 0;       // false -> true transitions of stats().resizing
    std::size_t same_size_grows = 0;  // of which same-size
    std::size_t shrinks_seen = 0;     // of which shrinks (gomap::map)
    std::size_t ops_while_shrinking = 0;
    std::size_t probes_while_resizing = 0;
    std::size_t ranges = 0;
    std::size_t ranges_while_resizing = 0;
    std::size_t range_visits = 0;
    std::size_t range_mutations = 0;
    std::size_t copies_while_resizing = 0;
    std::size_t reserves_while_resizing = 0;
    std::size_t erase_iter_while_resizing = 0;
    std::size_t invariant_checks = 0;
    std::size_t full_compares = 0;
    std::size_t max_size = 0;
    unsigned max_B = 0;
};

std::ostream& operator<<(std::ostream& os, const run_stats& s) {
    return os << "ops=" << s.ops << " ops_while_resizing=" << s.ops_while_resizing
              << " writes_while_resizing=" << s.writes_while_resizing << " grows=" << s.grows_seen
              << " same_size_grows=" << s.same_size_grows << " shrinks=" << s.shrinks_seen << " ops_while_shrinking=" << s.ops_while_shrinking
              << " probes_while_resizing=" << s.probes_while_resizing
              << " ranges=" << s.ranges << " ranges_while_resizing=" << s.ranges_while_resizing
              << " range_visits=" << s.range_visits << " range_mutations=" << s.range_mutations
              << " copies_while_resizing=" << s.copies_while_resizing
              << " reserves_while_resizing=" << s.reserves_while_resizing
              << " erase_iter_while_resizing=" << s.erase_iter_while_resizing
              << " invariant_checks=" << s.invariant_checks << " full_compares=" << s.full_compares
              << " max_size=" << s.max_size << " max_B=" << s.max_B;
}

// ---------------------------------------------------------------------------
// The harness

template <class Map>
class harness {
    using K = typename Map::key_type;
    using V = typename Map::mapped_type;
    using value_type = typename Map::value_type;
    using kc = key_codec<K>;
    using vc = value_codec<V>;

public:
    harness(std::uint64_t seed, const config& cfg)
        : cfg_(cfg), r_(seed), present_(cfg.keyspace), mark_(cfg.keyspace, 0), touched_(cfg.keyspace, 0),
          initial_(cfg.keyspace, 0) {}

    const run_stats& stats() const { return st_; }
    std::size_t op_index() const { return op_; }
    const char* op_name() const { return what_; }

    void run() {
        insert_bias_ = cfg_.min_bias_pm + 150;
        for (op_ = 1; op_ <= cfg_.ops; ++op_) {
            ++st_.ops;
            const gomap::map_stats ms = m_.stats();
            if (ms.resizing) {
                ++st_.ops_while_resizing;
                if (ms.direction == gomap::resize_direction::shrink) ++st_.ops_while_shrinking;
                if (!was_resizing_) on_grow_started(ms);
            }
            was_resizing_ = ms.resizing;
            st_.max_B = std::max<unsigned>(st_.max_B, ms.B);
            st_.max_size = std::max(st_.max_size, m_.size());

            if (op_ == probe_at_) {
                probe_at_ = 0;
                if (ms.resizing) ++st_.probes_while_resizing;
                growth_probe();
            }
            if (op_ % cfg_.phase_len == 0) {
                // One phase in six drains the map (erases of present keys only)
                // down to a sixth of its size, however long that takes, so that
                // tables also empty out and, in gomap::map, shrink.
                const bool drain_now = cfg_.drain_every != 0 ? (op_ / cfg_.phase_len) % cfg_.drain_every == 0
                                                             : r_.one_in(6);
                if (!drain_ && cfg_.target_size == 0 && drain_now) {
                    drain_ = true;
                    drain_floor_ = m_.size() / 6;
                }
                if (!drain_) insert_bias_ = cfg_.min_bias_pm + 150 * r_.below(4);
            }
            if (op_ % cfg_.invariant_every == 0) check_invariants();
            if (op_ % cfg_.compare_every == 0) full_compare();

            const std::uint64_t ppm = r_.below(1'000'000);
            std::uint64_t edge = cfg_.clear_ppm;
            if (ppm < edge) {
                clear_op();
            } else if (ppm < (edge += cfg_.reserve_ppm)) {
                reserve_op();
            } else if (ppm < (edge += cfg_.copy_ppm)) {
                copy_move_op();
            } else if (ppm < (edge += cfg_.range_ppm)) {
                range_op();
            } else {
                basic_op(ms.resizing);
            }
            DT_REQUIRE_MSG(m_.size() == ref_.size(), "map " << m_.size() << " reference " << ref_.size());
        }
        what_ = "final";
        check_invariants();
        full_compare();
    }

private:
    // ---- helpers ------------------------------------------------------------

    std::uint64_t pick_id() {
        if (present_.size() > 0 && r_.below(1000) < cfg_.present_pick_pm)
            return present_.at(r_.below(present_.size()));
        return r_.below(cfg_.keyspace);
    }
    V next_value() { return vc::make(r_.next() >> 20); }

    void note_insert(std::uint64_t id, const K& k, const V& v) {
        ref_.emplace(k, v);
        present_.add(id);
    }
    void note_erase(std::uint64_t id, const K& k) {
        ref_.erase(k);
        present_.remove(id);
    }

    void check_invariants() {
        ++st_.invariant_checks;
        const std::string e = m_.check_invariants();
        DT_REQUIRE_MSG(e.empty(), "check_invariants: " << e);
    }

    // Checks that the entry at `it` is k with the reference's value.
    template <class It>
    void check_entry(It it, const K& k) {
        DT_REQUIRE(it->first == k);
        auto ri = ref_.find(k);
        DT_REQUIRE(ri != ref_.end());
        DT_REQUIRE(it->second == ri->second);
    }

    void on_grow_started(const gomap::map_stats& ms) {
        ++st_.grows_seen;
        if (ms.direction == gomap::resize_direction::same_size) ++st_.same_size_grows;
        if (ms.direction == gomap::resize_direction::shrink) ++st_.shrinks_seen;
        // Schedule a probe at a random op inside the grow's window: every write
        // evacuates at most two old buckets, so the grow lasts at least
        // 2^old_B / 2 writes; a probe within 2^old_B / 4 ops still sees it.
        const std::size_t window = std::max<std::size_t>(1, (std::size_t{1} << ms.old_B) / 4);
        if (probe_at_ == 0) probe_at_ = op_ + r_.below(window);
    }

    void growth_probe() {
        what_ = "growth probe";
        check_invariants();
        full_compare();
        range_op();
        ++probes_;
        if (cfg_.probe_copies && probes_ % 3 == 1) copy_move_op();
        // reserve() mid-resize rebuilds the table at once (it used to crash).
        if (cfg_.reserve_ppm > 0 && probes_ % 4 == 2) reserve_op();
    }

    // ---- the ordinary operations ----------------------------------------------

    void basic_op(bool resizing) {
        const std::uint64_t kind = r_.below(100);
        if (kind < 25) {
            lookup_op();
            return;
        }
        if (resizing) ++st_.writes_while_resizing;
        if (cfg_.target_size != 0) insert_bias_ = m_.size() < cfg_.target_size ? 950 : 50;
        if (drain_ && m_.size() <= drain_floor_) {
            drain_ = false;
            insert_bias_ = cfg_.min_bias_pm + 150;
        }
        if (drain_ && cfg_.target_size == 0) insert_bias_ = 0;
        if (r_.below(1000) < insert_bias_) {
            if (r_.below(2) == 0)
                insert_op();
            else
                assign_op();
        } else {
            erase_op(resizing);
        }
    }

    void lookup_op() {
        const std::uint64_t id = pick_id();
        const K k = kc::make(id);
        const bool there = present_.contains(id);
        const auto before = m_.stats();
        switch (r_.below(6)) {
            case 0: {
                what_ = "find";
                auto it = m_.find(k);
                DT_REQUIRE((it != m_.end()) == there);
                if (there) check_entry(it, k);
                break;
            }
            case 1: {
                what_ = "const find";
                const Map& cm = m_;
                auto it = cm.find(k);
                DT_REQUIRE((it != cm.end()) == there);
                if (there) check_entry(it, k);
                break;
            }
            case 2:
                what_ = "contains";
                DT_REQUIRE(m_.contains(k) == there);
                break;
            case 3:
                what_ = "count";
                DT_REQUIRE(m_.count(k) == (there ? 1u : 0u));
                break;
            case 4: {
                what_ = "at";
                bool threw = false;
                try {
                    const V& v = m_.at(k);
                    DT_REQUIRE(there);
                    DT_REQUIRE(v == ref_.at(k));
                } catch (const std::out_of_range&) {
                    threw = true;
                }
                DT_REQUIRE(threw == !there);
                break;
            }
            default: {
                what_ = "equal_range";
                auto [a, b] = m_.equal_range(k);
                DT_REQUIRE((a != b) == there);
                if (there) {
                    check_entry(a, k);
                    DT_REQUIRE(std::next(a) == b);
                }
                break;
            }
        }
        // Lookups move nothing.
        const auto after = m_.stats();
        DT_REQUIRE(after.nevacuate == before.nevacuate && after.resizes == before.resizes &&
                   after.resizing == before.resizing && after.B == before.B);
    }

    void insert_op() {
        const std::uint64_t id = pick_id();
        const K k = kc::make(id);
        const V v = next_value();
        const bool there = present_.contains(id);
        const value_type* addr = nullptr;
        gomap::map_stats before{};
        if (there) {
            addr = &*m_.find(k);
            before = m_.stats();
        }
        std::pair<typename Map::iterator, bool> r;
        switch (r_.below(10)) {
            case 0:
                what_ = "insert(value_type&&)";
                r = m_.insert(value_type(k, v));
                break;
            case 1: {
                what_ = "insert(const value_type&)";
                const value_type p(k, v);
                r = m_.insert(p);
                break;
            }
            case 2:
                what_ = "insert(pair<K,V>&&)";
                r = m_.insert(std::pair<K, V>(k, v));
                break;
            case 3:
                what_ = "emplace(k, v)";
                r = m_.emplace(k, v);
                break;
            case 4:
                what_ = "emplace(pair)";
                r = m_.emplace(std::make_pair(k, v));
                break;
            case 5:
                what_ = "emplace(piecewise)";
                r = m_.emplace(std::piecewise_construct, std::forward_as_tuple(k), std::forward_as_tuple(v));
                break;
            case 6:
                what_ = "try_emplace(const K&)";
                r = m_.try_emplace(k, v);
                break;
            case 7: {
                what_ = "try_emplace(K&&)";
                K kk = k;
                r = m_.try_emplace(std::move(kk), v);
                break;
            }
            case 8: {
                what_ = "insert(hint, value)";
                auto it = m_.insert(m_.cbegin(), value_type(k, v));
                r = {it, !there};
                break;
            }
            default: {
                what_ = "emplace_hint";
                auto it = m_.emplace_hint(m_.cend(), k, v);
                r = {it, !there};
                break;
            }
        }
        DT_REQUIRE(r.second == !there);
        if (!there) note_insert(id, k, v);
        check_entry(r.first, k);
        if (there && Map::policy_type::shrink) {
            // An insert of a present key invalidates nothing and moves nothing
            // (gomap::map; go_map runs Go's growWork, as mapassign does).
            DT_REQUIRE(&*r.first == addr);
            DT_REQUIRE(m_.stats().nevacuate == before.nevacuate);
        }
    }

    void assign_op() {
        const std::uint64_t id = pick_id();
        const K k = kc::make(id);
        const V v = next_value();
        const bool there = present_.contains(id);
        switch (r_.below(5)) {
            case 0:
                what_ = "operator[](const K&)";
                m_[k] = v;
                break;
            case 1: {
                what_ = "operator[](K&&)";
                K kk = k;
                m_[std::move(kk)] = v;
                break;
            }
            case 2: {
                what_ = "insert_or_assign(const K&)";
                auto r = m_.insert_or_assign(k, v);
                DT_REQUIRE(r.second == !there);
                DT_REQUIRE(r.first->first == k && r.first->second == v);
                break;
            }
            case 3: {
                what_ = "insert_or_assign(K&&)";
                K kk = k;
                V vv = v;
                auto r = m_.insert_or_assign(std::move(kk), std::move(vv));
                DT_REQUIRE(r.second == !there);
                DT_REQUIRE(r.first->first == k && r.first->second == v);
                break;
            }
            default: {
                what_ = "insert_or_assign(hint)";
                auto it = m_.insert_or_assign(m_.cbegin(), k, v);
                DT_REQUIRE(it->first == k && it->second == v);
                break;
            }
        }
        ref_[k] = v;
        present_.add(id);
        DT_REQUIRE(m_.at(k) == v);
    }

    void erase_op(bool resizing) {
        const std::uint64_t id =
            drain_ && present_.size() > 0 ? present_.at(r_.below(present_.size())) : pick_id();
        const K k = kc::make(id);
        const bool there = present_.contains(id);
        const std::uint64_t kind = r_.below(10);
        if (kind < 5) {
            what_ = "erase(key)";
            DT_REQUIRE(m_.erase(k) == (there ? 1u : 0u));
            if (there) note_erase(id, k);
            return;
        }
        if (kind < 9) {
            what_ = "erase(find(key))";
            auto it = m_.find(k);
            DT_REQUIRE((it != m_.end()) == there);
            if (!there) return;
            if (resizing) ++st_.erase_iter_while_resizing;
            const auto before = m_.stats();
            const auto hole = it;  // the erased entry's position
            auto nx = std::next(it);
            const value_type* nx_addr = nx == m_.end() ? nullptr : &*nx;
            const std::uint64_t nx_id = nx_addr ? kc::id(nx->first) : 0;
            typename Map::iterator ret;
            if (kind == 8)
                ret = m_.erase(typename Map::const_iterator(it));
            else
                ret = m_.erase(it);
            note_erase(id, k);
            // erase(iterator) moves no entry (both maps): the returned iterator
            // is std::next(it) taken before the erase, its entry where it was.
            DT_REQUIRE_MSG(ret == nx, (ret == hole ? "returned the erased entry's position" : "not std::next(it)"));
            if (nx_addr) {
                DT_REQUIRE(&*ret == nx_addr);
                DT_REQUIRE(kc::id(ret->first) == nx_id);
            }
            if (ret != m_.end()) {
                auto ri = ref_.find(ret->first);
                DT_REQUIRE(ri != ref_.end() && ri->second == ret->second);
            }
            // erase(iterator) starts no resize and takes no evacuation step.
            if (!m_.empty()) {
                DT_REQUIRE(m_.stats().nevacuate == before.nevacuate);
                DT_REQUIRE(m_.stats().resizes == before.resizes);
            }
            DT_REQUIRE(!m_.contains(k));
            return;
        }
        what_ = "erase(first, last)";
        auto first = m_.find(k);
        if (first == m_.end()) return;
        auto last = first;
        std::vector<K> gone;
        for (std::uint64_t n = 1 + r_.below(4); n > 0 && last != m_.end(); --n, ++last) gone.push_back(last->first);
        const bool last_is_end = last == m_.end();
        const value_type* last_addr = last_is_end ? nullptr : &*last;
        const K last_key = last_is_end ? K{} : last->first;
        auto ret = m_.erase(typename Map::const_iterator(first), typename Map::const_iterator(last));
        DT_REQUIRE((ret == m_.end()) == last_is_end);
        if (!last_is_end) {
            DT_REQUIRE(ret->first == last_key);
            DT_REQUIRE(ret == last && &*ret == last_addr);
        }
        for (const K& g : gone) {
            DT_REQUIRE(!m_.contains(g));
            note_erase(kc::id(g), g);
        }
    }

    // ---- rare operations ----------------------------------------------------

    void clear_op() {
        what_ = "clear";
        m_.clear();
        ref_.clear();
        present_.clear();
        DT_REQUIRE(m_.empty() && m_.size() == 0 && m_.begin() == m_.end());
        check_invariants();
    }

    void reserve_op() {
        what_ = "reserve";
        if (m_.stats().resizing) ++st_.reserves_while_resizing;
        const std::size_t n = m_.size() + r_.below(m_.size() + 200);
        m_.reserve(n);
        const auto s = m_.stats();
        DT_REQUIRE_MSG(n <= 8 || n <= 13 * ((std::size_t{1} << s.B) / 2), "reserve(" << n << ") left B=" << int(s.B));
        check_invariants();
        full_compare();
    }

    void copy_move_op() {
        if (m_.stats().resizing) ++st_.copies_while_resizing;
        switch (r_.below(7)) {
            case 0: {
                what_ = "copy construct, move assign back";
                Map c(m_);
                DT_REQUIRE(c == m_);
                DT_REQUIRE(c.check_invariants().empty());
                m_ = std::move(c);
                DT_REQUIRE(c.empty());  // NOLINT: moved-from map is empty and usable
                c[kc::make(0)] = vc::make(1);
                DT_REQUIRE(c.size() == 1);
                break;
            }
            case 1: {
                what_ = "copy assign, swap";
                Map c;
                c[kc::make(1)] = vc::make(2);
                c = m_;
                DT_REQUIRE(c == m_);
                c.swap(m_);
                DT_REQUIRE(c == m_);
                break;
            }
            case 2: {
                what_ = "move construct, move assign back";
                Map c(std::move(m_));
                DT_REQUIRE(m_.empty() && m_.begin() == m_.end());  // NOLINT
                DT_REQUIRE(m_.check_invariants().empty());
                DT_REQUIRE(!m_.contains(kc::make(0)));
                m_ = std::move(c);
                break;
            }
            case 3: {
                what_ = "std::swap via ADL, twice";
                Map c;
                using std::swap;
                swap(m_, c);
                DT_REQUIRE(m_.empty());
                DT_REQUIRE(c.size() == ref_.size());
                swap(m_, c);
                DT_REQUIRE(c.empty());
                break;
            }
            case 4: {
                what_ = "rebuild from the reference (iterator range, no hint)";
                Map c(ref_.begin(), ref_.end());
                m_ = std::move(c);
                break;
            }
            case 5: {
                what_ = "rebuild by emplace into a hinted map";
                Map c(ref_.size());
                for (const auto& e : ref_) c.emplace(e.first, e.second);
                m_ = std::move(c);
                break;
            }
            default: {
                what_ = "self copy/move assignment";
                Map& alias = m_;
                m_ = alias;
                m_ = std::move(alias);
                break;
            }
        }
        check_invariants();
        full_compare();
    }

    // ---- whole-map checks ---------------------------------------------------

    // Every entry once, each equal to the reference, nothing missing.
    void full_compare() {
        ++st_.full_compares;
        ++epoch_;
        std::size_t n = 0;
        auto see = [&](const K& k, const V& v) {
            const std::uint64_t id = kc::id(k);
            DT_REQUIRE(id < cfg_.keyspace);
            DT_REQUIRE_MSG(mark_[id] != epoch_, "key id " << id << " seen twice");
            mark_[id] = epoch_;
            auto ri = ref_.find(k);
            DT_REQUIRE_MSG(ri != ref_.end(), "key id " << id << " is not in the reference");
            DT_REQUIRE(v == ri->second);
            ++n;
        };
        switch (r_.below(4)) {
            case 0:
                for (auto& e : m_) see(e.first, e.second);
                break;
            case 1:
                for (const auto& e : std::as_const(m_)) see(e.first, e.second);
                break;
            case 2:
                std::as_const(m_).range([&](const K& k, const V& v) { see(k, v); });
                break;
            default:
                for (auto it = m_.cbegin(); it != m_.cend(); it++) see(it->first, it->second);
                break;
        }
        DT_REQUIRE_MSG(n == ref_.size(), "iterated " << n << " entries, reference has " << ref_.size());
        DT_REQUIRE(m_.size() == ref_.size());
        DT_REQUIRE(m_.empty() == ref_.empty());
    }

    // range() whose fn erases, inserts and assigns, checked against Go's contract:
    // a key present for the whole loop is visited exactly once, a visited key
    // is present at the moment of its visit (so a key erased before it is
    // reached is never visited), and no key is visited twice.
    void range_op() {
        what_ = "range";
        ++st_.ranges;
        if (m_.stats().resizing) ++st_.ranges_while_resizing;
        ++epoch_;
        const std::uint32_t ep = epoch_;
        for (std::uint64_t id : present_.ids()) initial_[id] = ep;
        // Keep the number of mutations per loop bounded in big maps.
        std::uint64_t mutate_pm = cfg_.range_mutate_pm;
        if (m_.size() > 2000) mutate_pm = std::max<std::uint64_t>(1, mutate_pm * 2000 / m_.size());
        const bool stop_early = r_.one_in(8);
        const std::size_t stop_after = 1 + r_.below(m_.size() + 1);
        bool stopped = false, cleared = false;
        std::size_t visits = 0;
        auto touch = [&](std::uint64_t id) { touched_[id] = ep; };
        // A key that becomes present during the loop is a new entry: it may be
        // produced once more, even if its earlier entry was visited.
        auto inserted = [&](std::uint64_t id) {
            touched_[id] = ep;
            if (mark_[id] == ep) mark_[id] = 0;
        };

        m_.range([&](const K& k, V& v) -> bool {
            const std::uint64_t id = kc::id(k);
            DT_REQUIRE(id < cfg_.keyspace);
            // Twice only if the key was erased and inserted again after its first
            // visit (a new entry, which Go may or may not produce).
            DT_REQUIRE_MSG(mark_[id] != ep, "range visited key id " << id << " twice");
            mark_[id] = ep;
            auto ri = ref_.find(k);
            DT_REQUIRE_MSG(ri != ref_.end(), "range visited key id " << id << " which is not in the map");
            DT_REQUIRE(v == ri->second);
            ++visits;
            ++st_.range_visits;
            if (stop_early && visits >= stop_after) {
                stopped = true;
                return false;
            }
            if (r_.below(1000) >= mutate_pm) return true;
            ++st_.range_mutations;
            switch (r_.below(7)) {
                case 0: {  // assign through the reference
                    const V nv = next_value();
                    v = nv;
                    ri->second = nv;
                    break;
                }
                case 1: {  // erase the current key (copy it first: k dies)
                    const K key = k;
                    touch(id);
                    DT_REQUIRE(m_.erase(key) == 1);
                    note_erase(id, key);
                    break;
                }
                case 2: {  // erase some key, maybe not reached yet
                    const std::uint64_t o = pick_id();
                    const K key = kc::make(o);
                    touch(o);
                    DT_REQUIRE(m_.erase(key) == (present_.contains(o) ? 1u : 0u));
                    note_erase(o, key);
                    break;
                }
                case 3: {  // erase(find(key)): no iterator is kept across the erase
                    const std::uint64_t o = pick_id();
                    const K key = kc::make(o);
                    auto it = m_.find(key);
                    DT_REQUIRE((it != m_.end()) == present_.contains(o));
                    if (it != m_.end()) {
                        touch(o);
                        m_.erase(it);
                        note_erase(o, key);
                    }
                    break;
                }
                case 4: {  // insert (or find) a key
                    const std::uint64_t o = r_.below(cfg_.keyspace);
                    const K key = kc::make(o);
                    const V nv = next_value();
                    const bool there = present_.contains(o);
                    auto r = m_.try_emplace(key, nv);
                    DT_REQUIRE(r.second == !there);
                    if (!there) {
                        inserted(o);
                        note_insert(o, key, nv);
                    }
                    DT_REQUIRE(r.first->first == key);
                    break;
                }
                case 5: {  // insert_or_assign / operator[]
                    const std::uint64_t o = r_.below(cfg_.keyspace);
                    const K key = kc::make(o);
                    const V nv = next_value();
                    if (!present_.contains(o)) inserted(o);
                    if (r_.below(2) == 0)
                        m_.insert_or_assign(key, nv);
                    else
                        m_[key] = nv;
                    ref_[key] = nv;
                    present_.add(o);
                    break;
                }
                default: {
                    if (r_.below(1000) < cfg_.range_clear_pm) {
                        m_.clear();
                        ref_.clear();
                        present_.clear();
                        cleared = true;
                    }
                    break;
                }
            }
            DT_REQUIRE(m_.size() == ref_.size());
            return true;
        });

        if (stop_early) {
            DT_REQUIRE(stopped == (visits == stop_after));
        }
        if (!stopped && !cleared) {
            for (std::uint64_t id : present_.ids()) {
                if (initial_[id] == ep && touched_[id] != ep)
                    DT_REQUIRE_MSG(mark_[id] == ep, "range missed key id " << id << " present for the whole loop");
            }
        }
        check_invariants();
        full_compare();
    }

    config cfg_;
    rng r_;
    Map m_;
    std::unordered_map<K, V> ref_;
    id_set present_;
    std::vector<std::uint32_t> mark_, touched_, initial_;
    std::uint32_t epoch_ = 0;
    std::uint64_t insert_bias_ = 500;  // per mille of writes that insert
    bool was_resizing_ = false;
    bool drain_ = false;
    std::size_t drain_floor_ = 0;
    std::size_t op_ = 0;
    std::size_t probe_at_ = 0;
    std::size_t probes_ = 0;
    const char* what_ = "start";
    run_stats st_;
};

template <class Map>
run_stats run_one(std::uint64_t seed, const config& cfg) {
    harness<Map> h(seed, cfg);
    try {
        h.run();
    } catch (const failure& f) {
        ADD_FAILURE() << "differential failure: seed=" << seed << " op#" << h.op_index() << " (" << h.op_name()
                      << "): " << f.what() << "\n  so far: " << h.stats();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "unexpected exception: seed=" << seed << " op#" << h.op_index() << " (" << h.op_name()
                      << "): " << e.what();
    }
    return h.stats();
}

config small_keys(std::size_t ops, std::uint64_t keyspace = 64) {
    config c{};
    c.keyspace = keyspace;
    c.ops = ops;
    // Checks cost O(size): keep their total cost near that of the ops.
    const std::size_t f = keyspace <= 64 ? 1 : keyspace / 64;
    c.invariant_every = 97 * f;
    c.compare_every = 499 * f;
    c.phase_len = 500 * f;
    c.clear_ppm = 30;
    c.reserve_ppm = 100 / f + 1;
    c.copy_ppm = 800 / f + 1;
    c.range_ppm = 2000 / f + 1;
    c.range_mutate_pm = 300;
    c.range_clear_pm = 20;
    c.present_pick_pm = 500;
    c.min_bias_pm = 350;
    return c;
}

config large_keys(std::size_t ops, std::uint64_t keyspace = std::uint64_t{1} << 20) {
    config c{};
    c.keyspace = keyspace;
    c.ops = ops;
    c.invariant_every = 100'000;
    c.compare_every = 200'000;
    c.phase_len = 50'000;
    c.clear_ppm = 1;
    c.reserve_ppm = 3;
    c.copy_ppm = 4;
    c.range_ppm = 3;
    c.range_mutate_pm = 300;
    c.range_clear_pm = 0;
    c.present_pick_pm = 300;
    c.min_bias_pm = 500;
    return c;
}

// ---------------------------------------------------------------------------
// The tests: one per (map, key type, key space), each parameterised by seed.

class Differential : public ::testing::TestWithParam<std::uint64_t> {};

template <class Map>
void small_run(std::uint64_t seed, std::size_t ops, std::uint64_t keyspace = 64) {
    const run_stats s = run_one<Map>(seed, small_keys(ops, keyspace));
    std::cout << "[ seed " << seed << " ] " << s << "\n";
    // The small table must really have grown (re-grown after copies and
    // rebuilds) and been probed mid-grow.
    EXPECT_GE(s.grows_seen, ops / 20'000) << "seed=" << seed;
    EXPECT_GE(s.ops_while_resizing, ops / 4'000) << "seed=" << seed;
    EXPECT_GE(s.probes_while_resizing, ops / 40'000) << "seed=" << seed;
    EXPECT_GE(s.ranges_while_resizing, ops / 40'000) << "seed=" << seed;
    EXPECT_GT(s.reserves_while_resizing, 0u) << "seed=" << seed;
    EXPECT_GT(s.range_mutations, 0u) << "seed=" << seed;
    if constexpr (Map::policy_type::shrink) {
        EXPECT_GT(s.shrinks_seen, 0u) << "seed=" << seed;
    }
}

template <class Map>
void large_run(std::uint64_t seed, std::size_t ops, std::uint64_t keyspace = std::uint64_t{1} << 20) {
    const run_stats s = run_one<Map>(seed, large_keys(ops, keyspace));
    std::cout << "[ seed " << seed << " ] " << s << "\n";
    // Growth in progress must have been reached a good number of times: ops of
    // every kind ran while stats().resizing was true, and every grow seen got
    // a probe (invariants, full comparison, mutating range(), sometimes a copy).
    EXPECT_GE(s.max_B, ops >= 1'000'000 ? 14u : ops >= 200'000 ? 11u : 6u) << "seed=" << seed;
    EXPECT_GE(s.grows_seen, ops >= 1'000'000 ? 8u : ops >= 200'000 ? 5u : 3u) << "seed=" << seed;
    EXPECT_GE(s.ops_while_resizing, ops / 500) << "seed=" << seed;
    EXPECT_GE(s.writes_while_resizing, ops / 700) << "seed=" << seed;
    EXPECT_GE(s.erase_iter_while_resizing, ops / 20'000) << "seed=" << seed;
    EXPECT_GE(s.probes_while_resizing, s.grows_seen / 2) << "seed=" << seed;
    EXPECT_GE(s.ranges_while_resizing, s.grows_seen / 2) << "seed=" << seed;
    EXPECT_GT(s.copies_while_resizing, 0u) << "seed=" << seed;
    EXPECT_GT(s.reserves_while_resizing, 0u) << "seed=" << seed;
}

// gomap::map, large key space, drained now and then, with no copies and no
// reserve: those pass a size hint, and the map never shrinks below its hint.
// Shrinks must start, and ops must run while they are in progress.
template <class Map>
void shrink_run(std::uint64_t seed, std::size_t ops) {
    config c = large_keys(ops);
    c.copy_ppm = 0;
    c.reserve_ppm = 0;
    c.probe_copies = false;
    c.phase_len = 25'000;
    // Drains on a schedule, not at random: with one phase in six drawn at
    // random, a run of 40 phases drew fewer than two drains about one time in
    // two hundred, and the range() loops (random start, as Go's) make the
    // draws differ from process to process, so the assertions below failed
    // now and then. Every fourth phase drains: ten drains per run.
    c.drain_every = 4;
    const run_stats s = run_one<Map>(seed, c);
    std::cout << "[ seed " << seed << " ] " << s << "\n";
    EXPECT_GE(s.shrinks_seen, 2u) << "seed=" << seed;
    EXPECT_GE(s.ops_while_shrinking, 50u) << "seed=" << seed;
    EXPECT_GE(s.ranges_while_resizing, s.grows_seen / 2) << "seed=" << seed;
}

// A deliberately weak hash: the low bits (the bucket index while B <= 8) take
// only `Spread` values, so chains are long, overflow buckets pile up and Go's
// same-size grow (tooManyOverflowBuckets) happens; evacuation then moves long
// chains. The tophash (top byte) stays well mixed.
template <std::uint64_t Spread>
struct clustered_hash {
    std::uint64_t operator()(std::uint64_t k, std::uint64_t seed) const noexcept {
        const std::uint64_t h = gomap::hash<std::uint64_t>{}(k, seed);
        return (h & ~std::uint64_t{0xFF}) | (k % Spread);
    }
};

template <class Map>
void clustered_run(std::uint64_t seed, std::size_t ops, std::uint64_t keyspace) {
    const run_stats s = run_one<Map>(seed, small_keys(ops, keyspace));
    std::cout << "[ seed " << seed << " ] " << s << "\n";
    EXPECT_GE(s.grows_seen, 5u) << "seed=" << seed;
    EXPECT_GE(s.probes_while_resizing, 5u) << "seed=" << seed;
}

// Steady state, as in a cache: a large key space, the size held just under
// the load factor of one B (inserts of new keys while below the target, erases
// above it). The churn leaves overflow buckets in chain after chain until Go's
// same-size grow (tooManyOverflowBuckets) starts; this run must see some.
template <class Map>
void churn_run(std::uint64_t seed, std::size_t ops, std::size_t target, std::size_t min_same_size) {
    config c = small_keys(ops, std::uint64_t{1} << 20);
    const std::size_t f = std::max<std::size_t>(1, target / 64);
    c.invariant_every = 97 * f;
    c.compare_every = 499 * f;
    c.reserve_ppm = 0;
    c.range_ppm = 2000 / f + 1;
    c.clear_ppm = 0;
    c.copy_ppm = 0;  // a copy is a fresh table: it would reset the overflow count
    c.probe_copies = false;
    c.target_size = target;
    const run_stats s = run_one<Map>(seed, c);
    std::cout << "[ seed " << seed << " ] " << s << "\n";
    // (gomap::map keeps chains dense, so churn does not pile up overflow
    // buckets there: the same-size grow is a go_map affair.)
    if constexpr (!Map::policy_type::shrink) {
        EXPECT_GE(s.same_size_grows, min_same_size) << "seed=" << seed;
    }
    EXPECT_GE(s.probes_while_resizing, min_same_size) << "seed=" << seed;
}

TEST_P(Differential, GoMapU64SmallKeys) { small_run<gomap::go_map<std::uint64_t, std::uint64_t>>(GetParam(), scaled(1'000'000)); }
TEST_P(Differential, MapU64SmallKeys) { small_run<gomap::map<std::uint64_t, std::uint64_t>>(GetParam(), scaled(1'000'000)); }
TEST_P(Differential, GoMapU64LargeKeys) { large_run<gomap::go_map<std::uint64_t, std::uint64_t>>(GetParam(), scaled(1'000'000)); }
TEST_P(Differential, MapU64LargeKeys) { large_run<gomap::map<std::uint64_t, std::uint64_t>>(GetParam(), scaled(1'000'000)); }
TEST_P(Differential, MapU64LargeKeysShrinking) { shrink_run<gomap::map<std::uint64_t, std::uint64_t>>(GetParam(), scaled(1'000'000)); }

using clustered64 = gomap::go_map<std::uint64_t, std::uint64_t, clustered_hash<4>>;
using clustered4k = gomap::map<std::uint64_t, std::uint64_t, clustered_hash<16>>;
TEST_P(Differential, GoMapU64ClusteredHashSmallKeys) { clustered_run<clustered64>(GetParam(), scaled(300'000), 64); }
TEST_P(Differential, MapU64ClusteredHashMediumKeys) { clustered_run<clustered4k>(GetParam(), scaled(300'000), 4096); }

TEST_P(Differential, GoMapU64SteadyChurnB6) {
    churn_run<gomap::go_map<std::uint64_t, std::uint64_t>>(GetParam(), scaled(300'000), 380, 3);
}
TEST_P(Differential, GoMapU64SteadyChurnB8) {
    churn_run<gomap::go_map<std::uint64_t, std::uint64_t>>(GetParam(), scaled(400'000), 1500, 1);
}
TEST_P(Differential, MapU64SteadyChurnB8) {
    churn_run<gomap::map<std::uint64_t, std::uint64_t>>(GetParam(), scaled(200'000), 1500, 0);
}

// std::string keys and values: a smaller run (keys are heap strings, moves matter).
TEST_P(Differential, GoMapStringSmallKeys) { small_run<gomap::go_map<std::string, std::string>>(GetParam(), scaled(150'000)); }
TEST_P(Differential, MapStringSmallKeys) { small_run<gomap::map<std::string, std::string>>(GetParam(), scaled(150'000)); }
TEST_P(Differential, GoMapStringLargeKeys) {
    large_run<gomap::go_map<std::string, std::string>>(GetParam(), scaled(200'000), std::uint64_t{1} << 17);
}
TEST_P(Differential, MapStringLargeKeys) {
    large_run<gomap::map<std::string, std::string>>(GetParam(), scaled(200'000), std::uint64_t{1} << 17);
}

// ---------------------------------------------------------------------------
// Regression (found by this test, fixed in 8441855): reserve() while a grow is
// in progress — rehash_to() detached the old array and then asked
// old_evacuated(k), which read the detached pointer (null dereference).
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

INSTANTIATE_TEST_SUITE_P(Seeds, Differential, ::testing::ValuesIn(seeds()),
                         [](const ::testing::TestParamInfo<std::uint64_t>& i) {
                             return "seed_" + std::to_string(i.param);
                         });

}  // namespace
