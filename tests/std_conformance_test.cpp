// std_conformance_test.cpp — one broad script of std::unordered_map usage,
// run on every combination of
//   map:        std::unordered_map (the control), gomap::map, gomap::go_map,
//               gomap::node_map
//   allocator:  std::allocator, fancy pointers, stateful non-propagating,
//               stateful propagating
//   hasher:     a plain one, and one that throws on chosen keys
// Each run's observable results (return values, sizes, contents after every
// phase) are recorded as text and must equal the control's record for the
// same script.

#include <gomap/gomap.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "support/test_allocators.hpp"

namespace {

using entry = std::pair<const int, std::string>;

// Throws for keys that are multiples of 997 once armed (a test arms it
// around the calls whose exception it expects).
struct armed_hash {
    static inline bool armed = false;
    std::size_t operator()(int k) const {
        if (armed && k % 997 == 0) throw std::runtime_error("armed_hash");
        return std::hash<int>{}(k);
    }
};

template <template <class...> class M, class H, class A>
struct combo {
    using map = M<int, std::string, H, std::equal_to<int>, A>;
};

template <class Map>
std::string dump(const Map& m) {
    std::map<int, std::string> sorted(m.begin(), m.end());
    std::ostringstream os;
    os << m.size() << ":";
    for (const auto& [k, v] : sorted) os << k << "=" << v << ",";
    return os.str();
}

template <class Map>
Map make_map(int id) {
    using A = typename Map::allocator_type;
    if constexpr (std::is_constructible_v<A, int>)
        return Map(0, typename Map::hasher(), typename Map::key_equal(), A(id));
    else
        return Map();
}

// The script. Every observable result goes into `log`.
template <class Map>
std::string script() {
    std::ostringstream log;
    Map m = make_map<Map>(1);
    // inserts of every kind
    for (int i = 0; i < 3000; ++i) {
        switch (i % 6) {
            case 0: log << m.insert({i, "i" + std::to_string(i)}).second; break;
            case 1: log << m.emplace(i, "e" + std::to_string(i)).second; break;
            case 2: log << m.try_emplace(i, 3, 'x').second; break;
            case 3: log << m.insert_or_assign(i, "a").second; break;
            case 4: m[i] = "b" + std::to_string(i); break;
            case 5: log << (m.emplace_hint(m.cend(), std::piecewise_construct, std::forward_as_tuple(i),
                                           std::forward_as_tuple("p"))
                                ->first == i);
                break;
        }
    }
    log << "|" << dump(m);
    // duplicates change nothing but what insert_or_assign and [] assign
    for (int i = 0; i < 3000; i += 7) {
        log << m.insert({i, "dup"}).second << m.try_emplace(i, "dup").second << m.emplace(i, "dup").second;
        if (i % 2) m.insert_or_assign(i, "reassigned");
    }
    log << "|" << dump(m);
    // lookups
    for (int i = -10; i < 3010; i += 13) {
        log << m.count(i) << m.contains(i);
        auto it = m.find(i);
        if (it != m.end()) log << it->second.size();
        auto [lo, hi] = m.equal_range(i);
        log << std::distance(lo, hi);
        try {
            log << m.at(i).size();
        } catch (const std::out_of_range&) {
            log << "!";
        }
    }
    // erase: by key, by iterator, by range, erase_if
    for (int i = 0; i < 3000; i += 3) log << m.erase(i);
    log << m.erase(-1) << "|" << dump(m);
    for (auto it = m.begin(); it != m.end();) {
        if (it->first % 5 == 0)
            it = m.erase(it);
        else
            ++it;
    }
    log << "|" << dump(m);
    if constexpr (requires { std::erase_if(m, [](const entry&) { return false; }); })
        log << std::erase_if(m, [](const entry& e) { return e.first % 11 == 0; });
    else
        log << gomap::erase_if(m, [](const entry& e) { return e.first % 11 == 0; });
    log << "|" << dump(m);
    // copies, moves, comparisons, swap
    Map c(m);
    log << (c == m) << (c != m);
    c.erase(c.begin());
    log << (c == m);
    Map d = make_map<Map>(1);
    d = m;
    log << (d == m);
    Map e(std::move(d));
    log << (e == m) << d.empty();  // NOLINT(bugprone-use-after-move): a moved-from std map is empty here too
    Map f = make_map<Map>(1);
    f.emplace(-5, "f");
    f.swap(e);
    log << f.size() << e.size() << "|" << dump(f);
    f = {{1, "one"}, {2, "two"}};
    log << "|" << dump(f);
    // node handles
    auto n = m.extract(m.find(1));
    log << n.key() << n.mapped();
    n.key() = -2;
    auto r = m.insert(std::move(n));
    log << r.inserted << (r.position->first == -2);
    f.merge(m);
    log << "|" << dump(f) << "|" << dump(m);
    // capacity calls that every map accepts
    m.reserve(5000);
    m.rehash(0);
    log << m.empty();
    m.clear();
    log << m.empty() << m.size() << (m.begin() == m.end());
    m.emplace(1, "after clear");
    log << "|" << dump(m);
    // a throwing hasher: the map is unchanged by the failed call
    if constexpr (std::is_same_v<typename Map::hasher, armed_hash>) {
        const std::string before = dump(f);
        armed_hash::armed = true;
        for (int key : {997, 1994, 2991}) {
            try {
                f.emplace(key, "x");
                log << "no-throw";
            } catch (const std::runtime_error&) {
                log << "T";
            }
            try {
                f.erase(key);
                log << "no-throw";
            } catch (const std::runtime_error&) {
                log << "T";
            }
        }
        armed_hash::armed = false;
        log << (dump(f) == before);
    }
    return log.str();
}

// ControlA: the allocator the control runs with. It is A, except for fancy
// pointers: libstdc++'s node handles do not support them (its unordered_map
// does not compile with extract), and an allocator changes no result.
template <class H, class A, class ControlA = A>
void run_all() {
    using control = typename combo<std::unordered_map, H, ControlA>::map;
    using flat = typename combo<gomap::map, H, A>::map;
    using go = typename combo<gomap::go_map, H, A>::map;
    using node = typename combo<gomap::node_map, H, A>::map;
    const std::string want = script<control>();
    EXPECT_EQ(script<flat>(), want) << "gomap::map";
    EXPECT_EQ(script<go>(), want) << "gomap::go_map";
    EXPECT_EQ(script<node>(), want) << "gomap::node_map";
}

using plain = std::hash<int>;

TEST(StdConformance, StdAllocator) { run_all<plain, std::allocator<entry>>(); }
TEST(StdConformance, FancyPointers) { run_all<plain, gomap_test::fancy_allocator<entry>, std::allocator<entry>>(); }
TEST(StdConformance, StatefulNonPropagating) { run_all<plain, gomap_test::stateful_allocator<entry, false>>(); }
TEST(StdConformance, StatefulPropagating) { run_all<plain, gomap_test::stateful_allocator<entry, true>>(); }
TEST(StdConformance, ThrowingHasher) { run_all<armed_hash, std::allocator<entry>>(); }
TEST(StdConformance, ThrowingHasherStatefulAllocator) {
    run_all<armed_hash, gomap_test::stateful_allocator<entry, false>>();
}

TEST(StdConformance, NoMemoryLeftBehind) {
    gomap_test::bytes_by_id().clear();
    (void)script<combo<gomap::map, plain, gomap_test::stateful_allocator<entry, false>>::map>();
    (void)script<combo<gomap::go_map, armed_hash, gomap_test::stateful_allocator<entry, true>>::map>();
    (void)script<combo<gomap::node_map, armed_hash, gomap_test::stateful_allocator<entry, false>>::map>();
    for (const auto& [id, bytes] : gomap_test::bytes_by_id()) EXPECT_EQ(bytes, 0) << "allocator " << id;
}

}  // namespace
