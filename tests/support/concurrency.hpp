// tests/support/concurrency.hpp — helpers for the safe_map and concurrent_map
// tests: a start barrier, a thread-safe counted element, a throwing hash, and a
// per-key linearizability checker for recorded histories.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gomap/hash.hpp>

namespace gomap_test {

// Runs fn(thread_index) on n threads released together.
template <class Fn>
void run_threads(int n, Fn fn) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> ts;
    ts.reserve(static_cast<std::size_t>(n));
    for (int t = 0; t < n; ++t)
        ts.emplace_back([&, t] {
            ready.fetch_add(1);
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            fn(t);
        });
    while (ready.load() < n) std::this_thread::yield();
    go.store(true, std::memory_order_release);
    for (auto& th : ts) th.join();
}

// A value that counts its constructions and destructions, from any thread.
struct counted_value {
    static inline std::atomic<long> constructed{0};
    static inline std::atomic<long> destroyed{0};
    static long alive() { return constructed.load() - destroyed.load(); }

    std::int64_t v = 0;
    counted_value(std::int64_t x = 0) : v(x) { constructed.fetch_add(1, std::memory_order_relaxed); }  // NOLINT
    counted_value(const counted_value& o) : v(o.v) { constructed.fetch_add(1, std::memory_order_relaxed); }
    counted_value(counted_value&& o) noexcept : v(o.v) { constructed.fetch_add(1, std::memory_order_relaxed); }
    counted_value& operator=(const counted_value&) = default;
    counted_value& operator=(counted_value&&) noexcept = default;
    ~counted_value() { destroyed.fetch_add(1, std::memory_order_relaxed); }
    friend bool operator==(const counted_value& a, const counted_value& b) { return a.v == b.v; }
};

// A hash that throws for one chosen key (atomic: read from every thread).
struct throwing_hash {
    static inline std::atomic<std::int64_t> poison{-1};
    std::uint64_t operator()(std::int64_t k, std::uint64_t seed) const {
        if (k == poison.load(std::memory_order_relaxed)) throw std::runtime_error("hash bomb");
        return gomap::hash<std::int64_t>{}(k, seed);
    }
};

// ---- linearizability of a single key's history ------------------------------
//
// Each operation is recorded with the values of a global atomic clock read just
// before it was invoked and just after it returned. The register's sequential
// specification: set(v) stores v (returns whether the key was absent), get
// returns the stored value or nothing, del removes it (returns whether it was
// there). A history is linearizable if some order of its operations respects
// real time (a returned before b was invoked => a first) and the specification
// (Wing & Gong's search, memoised on the set of operations placed + state).
struct op_record {
    enum kind_t { set, get, del } kind;
    std::int64_t arg = 0;                // set: the value written
    std::optional<std::int64_t> result;  // get: the value read
    bool flag = false;                   // set: key was new; del: key was there
    bool flag_known = true;              // set: false when the map does not say (safe_map)
    std::uint64_t inv = 0, res = 0;
};

inline bool linearizable(const std::vector<op_record>& h, std::optional<std::int64_t> initial = std::nullopt) {
    const std::size_t n = h.size();
    if (n > 62) throw std::invalid_argument("linearizable: history too long for the search");
    std::set<std::pair<std::uint64_t, std::optional<std::int64_t>>> dead;  // (placed mask, state) known to fail
    std::function<bool(std::uint64_t, std::optional<std::int64_t>)> search =
        [&](std::uint64_t placed, std::optional<std::int64_t> state) -> bool {
        if (placed == (n == 64 ? ~0ull : ((1ull << n) - 1))) return true;
        if (dead.count({placed, state})) return false;
        // Operations that may come next: not placed, and invoked before every
        // unplaced operation's response.
        std::uint64_t min_res = ~0ull;
        for (std::size_t i = 0; i < n; ++i)
            if (!(placed >> i & 1) && h[i].res < min_res) min_res = h[i].res;
        for (std::size_t i = 0; i < n; ++i) {
            if (placed >> i & 1 || h[i].inv > min_res) continue;
            const op_record& o = h[i];
            std::optional<std::int64_t> next = state;
            bool ok = false;
            switch (o.kind) {
                case op_record::set:
                    ok = !o.flag_known || o.flag == !state.has_value();
                    next = o.arg;
                    break;
                case op_record::get:
                    ok = o.result == state;
                    break;
                case op_record::del:
                    ok = o.flag == state.has_value();
                    next.reset();
                    break;
            }
            if (ok && search(placed | (1ull << i), next)) return true;
        }
        dead.insert({placed, state});
        return false;
    };
    return search(0, initial);
}

}  // namespace gomap_test
