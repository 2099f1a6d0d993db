// gomap/concurrent_map.hpp — gomap::concurrent_map: a sharded map for many
// threads that gives memory back like gomap::map.
//
// The map is 2^s shards. Each shard is a gomap::map behind its own
// reader-writer lock (detail::rwmutex: a waiting writer stops new readers, as
// in Go's RWMutex), on its own cache lines, so threads that touch different
// shards never contend, and each shard grows and shrinks incrementally on its
// own (bounded work per write, memory back as entries go).
//
// Reads that write nothing shared. A reader of a shard that has only been
// read for a while (64 reads in a row with no write) does not write the
// shard's lock word: it sets its own thread's flag for the shard in a table
// of per-thread rows (rows_), and a writer clears the shard's bias and waits
// for those flags (detail/rwmutex.hpp, "Reader bias"). A shard that is
// written often stays unbiased: its readers and writers share the lock word,
// and a write costs no scan of the rows.
//
// Choosing the shard. An operation hashes its key once, with a seed drawn for
// this concurrent_map (its hash0; every shard's map uses the same seed, fixed
// for the map's life). Of the 64 bits, the shard is s bits from bit 8 up, and
// the shard's gomap::map takes its home group from the top bits and the slot
// byte from the low byte: three disjoint parts of the hash. Were the shard
// taken from the top bits, every key of a shard would share them, its keys
// would start their probes in only 1/2^s of the shard's groups, and probe
// chains would grow 2^s times as long. (Until 2026-11, a second hash with
// the shard's own seed did this; it cost one more hash per operation, a few
// ns for an integer key, a full pass over a string key.)
//
// THREADS: every member may be called from any thread at any time.
//   set, del, update, get_or_set(_with), del_if, clear: the key's shard, exclusively.
//   get, contains: the key's shard, shared.
//   erase_if, range, size, bytes, shrink_to_fit: one shard at a time.
//   Boost's visitation names (visit, insert_or_visit, ...: see "Boost-style
//   visitation" below): the key's shard, exclusively; cvisit, shared.
// CONSISTENCY: each single-key operation is linearizable. range() holds one
// shard's read lock at a time: it sees each shard at one instant, not the whole
// map at one instant. A key present during the whole loop is visited exactly
// once; a key inserted or erased meanwhile in a shard not yet visited may or
// may not be. size() and bytes() sum the shards the same way.
// CALLBACKS (update, get_or_set_with, del_if, erase_if, range, visitors) run under the
// shard's lock: they must not call back into the same concurrent_map (the
// lock is not recursive), and should be short.
// EXCEPTIONS: locks are RAII, so an exception from Hash, KeyEqual, a
// constructor, the allocator or a callback releases the shard's lock; the
// shard's map keeps gomap::map's strong guarantee (map.hpp). update's fn is
// applied to the stored value in place: if it throws part-way, what it changed
// stays changed. erase_if stops at a throwing predicate; the entries erased
// before it stay erased.
// ALLOCATOR: each shard gets a copy of the allocator; shards allocate
// concurrently, so it must be safe to use from several threads
// (std::allocator is; gomap::counting_allocator is not — use bytes()).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <tuple>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/rwmutex.hpp"
#include "hash.hpp"
#include "map.hpp"
#include "stats.hpp"

namespace gomap {

template <class K, class V, class Hash = gomap::hash<K>, class KeyEqual = std::equal_to<K>,
          class Allocator = std::allocator<std::pair<const K, V>>>
class concurrent_map {
public:
    using key_type = K;
    using mapped_type = V;
    using hasher = Hash;
    using key_equal = KeyEqual;
    using allocator_type = Allocator;
    using map_type = gomap::map<K, V, Hash, KeyEqual, Allocator>;
    using value_type = std::pair<const K, V>;
    using init_type = std::pair<K, V>;
    using size_type = std::size_t;

private:
    // An entry of another type than init_type that builds one (value_type,
    // std::pair<K2, V2>): insert(P&&) and insert_or_visit(P&&, f) take it.
    template <class P>
    static constexpr bool other_entry =
        !std::is_same_v<std::remove_cvref_t<P>, init_type> && std::is_constructible_v<init_type, P&&>;

public:

    static constexpr std::size_t max_shards = 1u << 16;

    // shards: rounded up to a power of two; 0 picks 64 per hardware thread
    // (at least 64, at most 4096). std::invalid_argument above max_shards.
    //
    // Why so many: a lookup of an unbiased shard writes the shard's lock
    // word (a reader count), so two threads reading the same shard pass that
    // cache line back and forth, and writers of one shard wait for each
    // other. An empty shard costs its header only (256 B for uint64 keys; the
    // maps allocate nothing until used) and a byte in each row of rows_
    // (2 rows per hardware thread).
    explicit concurrent_map(std::size_t shards = 0, const Hash& h = Hash(), const KeyEqual& eq = KeyEqual(),
                            const Allocator& a = Allocator())
        : hash_(h), seed_(detail::fastrand64()), hk_(detail::u64_keys(seed_)) {
        if (shards > max_shards) throw std::invalid_argument("gomap::concurrent_map: more than 65536 shards");
        if (shards == 0) {
            const std::size_t hw = std::max<std::size_t>(1, std::thread::hardware_concurrency());
            shards = std::clamp<std::size_t>(hw * 64, 64, 4096);
        }
        n_ = std::bit_ceil(shards);
        rows_ = std::make_unique<detail::reader_rows>(n_);
        shards_ = std::make_unique<shard[]>(n_);
        for (std::size_t i = 0; i < n_; ++i) {
            shards_[i].mu.bias_with(rows_.get(), i);
            shards_[i].m = map_type(0, h, eq, a);
            shards_[i].m.fix_seed(seed_);
        }
    }
    concurrent_map(const concurrent_map&) = delete;
    concurrent_map& operator=(const concurrent_map&) = delete;

    // ---- single keys ------------------------------------------------------

    // Inserts or overwrites. Returns true when the key was new.
    template <class VV = V>
    bool set(const K& k, VV&& v) {
        auto [s, h] = locate(k);
        std::unique_lock lock(s.mu);
        return s.m.assign_at(h, k, std::forward<VV>(v)).second;
    }
    template <class VV = V>
    bool set(K&& k, VV&& v) {
        auto [s, h] = locate(k);
        std::unique_lock lock(s.mu);
        return s.m.assign_at(h, std::move(k), std::forward<VV>(v)).second;
    }

    GOMAP_ALWAYS_INLINE std::optional<V> get(const K& k) const {
        auto [s, h] = locate(k);
        read_lock lock(s);
        auto it = s.m.find_hashed(k, h);
        if (it == s.m.end()) return std::nullopt;
        return it->second;
    }
    GOMAP_ALWAYS_INLINE bool contains(const K& k) const {
        auto [s, h] = locate(k);
        read_lock lock(s);
        return s.m.find_hashed(k, h) != s.m.end();
    }

    // Returns whether the key was there.
    bool del(const K& k) {
        auto [s, h] = locate(k);
        std::unique_lock lock(s.mu);
        return s.m.erase_hashed(k, h) != 0;
    }

    // Atomic read-modify-write: fn(V&) on the stored value, under the shard's
    // write lock. Returns false (and does not call fn) when the key is absent.
    template <class Fn>
    bool update(const K& k, Fn&& fn) {
        auto [s, h] = locate(k);
        std::unique_lock lock(s.mu);
        auto it = s.m.find_hashed(k, h);
        if (it == s.m.end()) return false;
        std::invoke(fn, it->second);
        return true;
    }

    // The value stored for k, inserting v first if k is absent, as one atomic
    // step. Returns {a copy of the value now stored, whether v was inserted}.
    template <class VV = V>
    std::pair<V, bool> get_or_set(const K& k, VV&& v) {
        auto [s, h] = locate(k);
        std::unique_lock lock(s.mu);
        auto [it, inserted] = s.m.try_emplace_at(h, k, std::forward<VV>(v));
        return {it->second, inserted};
    }
    // Same, building the value with make() only when k is absent.
    template <class Fn>
    std::pair<V, bool> get_or_set_with(const K& k, Fn&& make) {
        auto [s, h] = locate(k);
        std::unique_lock lock(s.mu);
        if (auto it = s.m.find_hashed(k, h); it != s.m.end()) return {it->second, false};
        auto it = s.m.try_emplace_at(h, k, std::invoke(make)).first;
        return {it->second, true};
    }

    // Erases k if pred(const V&) holds, as one atomic step. Returns whether it did.
    template <class Pred>
    bool del_if(const K& k, Pred&& pred) {
        auto [s, h] = locate(k);
        std::unique_lock lock(s.mu);
        auto it = s.m.find_hashed(k, h);
        if (it == s.m.end() || !std::invoke(pred, std::as_const(it->second))) return false;
        s.m.erase_hashed(k, h);  // by key: the erase runs gomap::map's shrink step
        return true;
    }

    // ---- Boost-style visitation --------------------------------------------
    // The names and return values of boost::concurrent_flat_map (Boost 1.83+),
    // so code written against it compiles here. A visitor gets the entry itself,
    // value_type& = std::pair<const K, V>&, under the shard's lock: exclusive
    // for visit / *_or_visit (it may change the value), shared for cvisit and
    // for visit on a const map. Like every callback here it must not call back
    // into the same concurrent_map, must not keep the reference past its
    // return, and should be short. An exception from a visitor releases the
    // lock; what the visitor changed before throwing stays changed.

    // Visits k's entry if present. Returns the number visited (0 or 1).
    template <class F>
    std::size_t visit(const K& k, F&& f) {
        auto [s, h] = locate(k);
        std::unique_lock lock(s.mu);
        auto it = s.m.find_hashed(k, h);
        if (it == s.m.end()) return 0;
        std::invoke(f, *it);
        return 1;
    }
    template <class F>
    std::size_t visit(const K& k, F&& f) const {
        return cvisit(k, std::forward<F>(f));
    }
    template <class F>
    std::size_t cvisit(const K& k, F&& f) const {
        auto [s, h] = locate(k);
        read_lock lock(s);
        auto it = s.m.find_hashed(k, h);
        if (it == s.m.end()) return 0;
        std::invoke(f, std::as_const(*it));
        return 1;
    }

    // Bulk visitation: visit(k, f) for each key of [first, last). The keys
    // are taken in batches of bulk_visit_size; a batch's shards are hashed
    // first and their lines fetched ahead, so that the memory accesses of
    // neighbouring lookups overlap. Returns the number of entries visited.
    static constexpr std::size_t bulk_visit_size = 16;
    template <class FwdIt, class F>
        requires std::forward_iterator<FwdIt>
    std::size_t visit(FwdIt first, FwdIt last, F&& f) {
        return bulk_visit<false>(first, last, f);
    }
    template <class FwdIt, class F>
        requires std::forward_iterator<FwdIt>
    std::size_t visit(FwdIt first, FwdIt last, F&& f) const {
        return bulk_visit<true>(first, last, f);
    }
    template <class FwdIt, class F>
        requires std::forward_iterator<FwdIt>
    std::size_t cvisit(FwdIt first, FwdIt last, F&& f) const {
        return bulk_visit<true>(first, last, f);
    }

    // Every entry, shard by shard (see CONSISTENCY above). Returns the number
    // visited.
    template <class F>
    std::size_t visit_all(F&& f) {
        return visit_each<false>([&](value_type& e) {
            std::invoke(f, e);
            return true;
        }).first;
    }
    template <class F>
    std::size_t visit_all(F&& f) const {
        return cvisit_all(std::forward<F>(f));
    }
    template <class F>
    std::size_t cvisit_all(F&& f) const {
        return const_cast<concurrent_map&>(*this)
            .template visit_each<true>([&](const value_type& e) {
                std::invoke(f, e);
                return true;
            })
            .first;
    }
    // Every entry until f returns false. Returns false if f stopped the loop.
    template <class F>
    bool visit_while(F&& f) {
        return visit_each<false>([&](value_type& e) { return static_cast<bool>(std::invoke(f, e)); }).second;
    }
    template <class F>
    bool visit_while(F&& f) const {
        return cvisit_while(std::forward<F>(f));
    }
    template <class F>
    bool cvisit_while(F&& f) const {
        return const_cast<concurrent_map&>(*this)
            .template visit_each<true>([&](const value_type& e) { return static_cast<bool>(std::invoke(f, e)); })
            .second;
    }

    // Inserts when the key is absent. Returns whether it inserted.
    // (m.insert({k, v}) takes the init_type overloads.)
    bool insert(const init_type& v) { return try_emplace(v.first, v.second); }
    bool insert(init_type&& v) { return try_emplace(std::move(v.first), std::move(v.second)); }
    template <class P>
        requires other_entry<P>
    bool insert(P&& p) {
        return insert(init_type(std::forward<P>(p)));
    }
    // Builds the entry from args (as std::pair<K, V>'s constructor takes them),
    // then inserts it if its key is absent. Returns whether it inserted.
    template <class... Args>
    bool emplace(Args&&... args) {
        init_type e(std::forward<Args>(args)...);
        return try_emplace(std::move(e.first), std::move(e.second));
    }
    // Inserts V(args...) under k when k is absent; builds nothing otherwise.
    template <class... Args>
    bool try_emplace(const K& k, Args&&... args) {
        auto [s, h] = locate(k);
        std::unique_lock lock(s.mu);
        return s.m.try_emplace_at(h, k, std::forward<Args>(args)...).second;
    }
    template <class... Args>
    bool try_emplace(K&& k, Args&&... args) {
        auto [s, h] = locate(k);
        std::unique_lock lock(s.mu);
        return s.m.try_emplace_at(h, std::move(k), std::forward<Args>(args)...).second;
    }
    // Inserts or assigns. Returns true when the key was new (as set()).
    template <class M>
    bool insert_or_assign(const K& k, M&& v) {
        return set(k, std::forward<M>(v));
    }
    template <class M>
    bool insert_or_assign(K&& k, M&& v) {
        return set(std::move(k), std::forward<M>(v));
    }

    // Inserts when the key is absent, else visits the entry that is there, as
    // one atomic step. Returns whether it inserted.
    template <class F>
    bool insert_or_visit(const init_type& v, F&& f) {
        return try_emplace_or_visit_impl<false>(v.first, f, v.second);
    }
    template <class F>
    bool insert_or_visit(init_type&& v, F&& f) {
        return try_emplace_or_visit_impl<false>(std::move(v.first), f, std::move(v.second));
    }
    template <class P, class F>
        requires other_entry<P>
    bool insert_or_visit(P&& p, F&& f) {
        return insert_or_visit(init_type(std::forward<P>(p)), f);
    }
    template <class F>
    bool insert_or_cvisit(const init_type& v, F&& f) {
        return try_emplace_or_visit_impl<true>(v.first, f, v.second);
    }
    template <class F>
    bool insert_or_cvisit(init_type&& v, F&& f) {
        return try_emplace_or_visit_impl<true>(std::move(v.first), f, std::move(v.second));
    }
    template <class P, class F>
        requires other_entry<P>
    bool insert_or_cvisit(P&& p, F&& f) {
        return insert_or_cvisit(init_type(std::forward<P>(p)), f);
    }
    // emplace_or_visit(args..., f): the last argument is the visitor, the
    // others build the entry (as emplace). Returns whether it inserted.
    template <class... ArgsF>
        requires(sizeof...(ArgsF) >= 2)  // the visitor comes last
    bool emplace_or_visit(ArgsF&&... args_f) {
        return emplace_or_visit_split<false>(std::forward_as_tuple(std::forward<ArgsF>(args_f)...),
                                             std::make_index_sequence<sizeof...(ArgsF) - 1>{});
    }
    template <class... ArgsF>
        requires(sizeof...(ArgsF) >= 2)  // the visitor comes last
    bool emplace_or_cvisit(ArgsF&&... args_f) {
        return emplace_or_visit_split<true>(std::forward_as_tuple(std::forward<ArgsF>(args_f)...),
                                            std::make_index_sequence<sizeof...(ArgsF) - 1>{});
    }
    // try_emplace_or_visit(k, args..., f): inserts V(args...) under k when k is
    // absent, else visits k's entry. Returns whether it inserted.
    template <class... ArgsF>
        requires(sizeof...(ArgsF) >= 1)  // the visitor comes last
    bool try_emplace_or_visit(const K& k, ArgsF&&... args_f) {
        return try_emplace_split<false>(k, std::forward_as_tuple(std::forward<ArgsF>(args_f)...),
                                        std::make_index_sequence<sizeof...(ArgsF) - 1>{});
    }
    template <class... ArgsF>
        requires(sizeof...(ArgsF) >= 1)  // the visitor comes last
    bool try_emplace_or_visit(K&& k, ArgsF&&... args_f) {
        return try_emplace_split<false>(std::move(k), std::forward_as_tuple(std::forward<ArgsF>(args_f)...),
                                        std::make_index_sequence<sizeof...(ArgsF) - 1>{});
    }
    template <class... ArgsF>
        requires(sizeof...(ArgsF) >= 1)  // the visitor comes last
    bool try_emplace_or_cvisit(const K& k, ArgsF&&... args_f) {
        return try_emplace_split<true>(k, std::forward_as_tuple(std::forward<ArgsF>(args_f)...),
                                       std::make_index_sequence<sizeof...(ArgsF) - 1>{});
    }
    template <class... ArgsF>
        requires(sizeof...(ArgsF) >= 1)  // the visitor comes last
    bool try_emplace_or_cvisit(K&& k, ArgsF&&... args_f) {
        return try_emplace_split<true>(std::move(k), std::forward_as_tuple(std::forward<ArgsF>(args_f)...),
                                       std::make_index_sequence<sizeof...(ArgsF) - 1>{});
    }

    // Erases k. Returns the number erased (0 or 1).
    std::size_t erase(const K& k) { return del(k) ? 1 : 0; }
    // Erases k if f(value_type&) holds, as one atomic step. Returns the number erased.
    template <class F>
    std::size_t erase_if(const K& k, F&& f) {
        auto [s, h] = locate(k);
        std::unique_lock lock(s.mu);
        auto it = s.m.find_hashed(k, h);
        if (it == s.m.end() || !std::invoke(f, *it)) return 0;
        s.m.erase_hashed(k, h);  // by key: the erase runs gomap::map's shrink step
        return 1;
    }

    // ---- whole map, shard by shard ------------------------------------------

    // Erases every entry for which pred holds: pred(const K&, const V&) (the
    // go-zero/Go style) or pred(value_type&) (Boost's). Each shard is
    // write-locked in turn; its entries are erased by key so that the shard
    // shrinks as it empties (bounded work per erase). Returns the count erased.
    template <class Pred>
        requires std::is_invocable_v<Pred&, const K&, const V&> || std::is_invocable_v<Pred&, value_type&>
    std::size_t erase_if(Pred&& pred) {
        std::size_t erased = 0;
        std::vector<K> doomed;
        for (std::size_t i = 0; i < n_; ++i) {
            shard& s = shards_[i];
            std::unique_lock lock(s.mu);
            doomed.clear();
            for (auto& e : s.m) {
                bool go;
                if constexpr (std::is_invocable_v<Pred&, const K&, const V&>)
                    go = std::invoke(pred, e.first, std::as_const(e.second));
                else
                    go = std::invoke(pred, e);
                if (go) doomed.push_back(e.first);
            }
            for (const K& k : doomed) erased += s.m.erase(k);
        }
        return erased;
    }

    // fn(const K&, const V&) -> bool (false stops), or returning void. Visits
    // shard by shard under each shard's read lock (see CONSISTENCY above).
    // Returns false when fn stopped the loop.
    template <class Fn>
    bool range(Fn&& fn) const {
        for (std::size_t i = 0; i < n_; ++i) {
            const shard& s = shards_[i];
            read_lock lock(s);
            bool go_on = true;
            s.m.range([&](const K& k, const V& v) -> bool {
                if constexpr (std::is_void_v<std::invoke_result_t<Fn&, const K&, const V&>>)
                    std::invoke(fn, k, v);
                else
                    go_on = static_cast<bool>(std::invoke(fn, k, v));
                return go_on;
            });
            if (!go_on) return false;
        }
        return true;
    }

    std::size_t size() const {
        std::size_t n = 0;
        for (std::size_t i = 0; i < n_; ++i) {
            read_lock lock(shards_[i]);
            n += shards_[i].m.size();
        }
        return n;
    }
    bool empty() const { return size() == 0; }

    void clear() {
        for (std::size_t i = 0; i < n_; ++i) {
            std::unique_lock lock(shards_[i].mu);
            shards_[i].m.clear();
        }
    }

    // Bytes the shards' maps hold from the allocator now (buckets, overflow
    // buckets, out-of-line entries; not the shard headers themselves).
    std::size_t bytes() const {
        std::size_t b = 0;
        for (std::size_t i = 0; i < n_; ++i) {
            read_lock lock(shards_[i]);
            b += shards_[i].m.stats().bytes;
        }
        return b;
    }
    // Finishes each shard's shrink and fits it to its entries: O(n), one shard
    // at a time.
    void shrink_to_fit() {
        for (std::size_t i = 0; i < n_; ++i) {
            std::unique_lock lock(shards_[i].mu);
            shards_[i].m.shrink_to_fit();
        }
    }

    std::size_t shard_count() const noexcept { return n_; }
    // The shard k lives in, and a shard's shape (tests, monitoring).
    std::size_t shard_of(const K& k) const { return index_of(k); }
    map_stats shard_stats(std::size_t i) const {
        read_lock lock(shards_[i]);
        return shards_[i].m.stats();
    }
    // O(n) self-check of every shard (see basic_map::check_invariants), plus
    // that every key sits in the shard its hash selects. Empty string: all hold.
    std::string check_invariants() const {
        for (std::size_t i = 0; i < n_; ++i) {
            read_lock lock(shards_[i]);
            if (auto e = shards_[i].m.check_invariants(); !e.empty()) return "shard " + std::to_string(i) + ": " + e;
            for (const auto& e : shards_[i].m)
                if (index_of(e.first) != i) return "shard " + std::to_string(i) + ": a key of another shard";
        }
        return {};
    }

private:
    struct alignas(64) shard {
        mutable detail::rwmutex mu;
        map_type m;
    };
    // A shard's read lock, taken the biased way when the shard's lock is
    // biased (detail/rwmutex.hpp): the reader then writes only its own row
    // of rows_.
    class read_lock {
    public:
        GOMAP_ALWAYS_INLINE explicit read_lock(const shard& s) : mu_(s.mu), flag_(s.mu.lock_shared_biased()) {}
        GOMAP_ALWAYS_INLINE ~read_lock() { mu_.unlock_shared(flag_); }
        read_lock(const read_lock&) = delete;
        read_lock& operator=(const read_lock&) = delete;

    private:
        detail::rwmutex& mu_;
        std::atomic<std::uint8_t>* flag_;
    };

    // visit_all / visit_while: f(entry) -> bool on every entry, shard by
    // shard, under each shard's lock (shared when Const). Returns {visited,
    // whether the loop ran to the end}.
    template <bool Const, class F>
    std::pair<std::size_t, bool> visit_each(F&& f) {
        std::size_t visited = 0;
        for (std::size_t i = 0; i < n_; ++i) {
            shard& s = shards_[i];
            auto body = [&](auto& m) {
                for (auto& e : m) {
                    ++visited;
                    if (!f(e)) return false;
                }
                return true;
            };
            if constexpr (Const) {
                read_lock lock(s);
                if (!body(std::as_const(s.m))) return {visited, false};
            } else {
                std::unique_lock lock(s.mu);
                if (!body(s.m)) return {visited, false};
            }
        }
        return {visited, true};
    }

    template <bool Const, class FwdIt, class F>
    std::size_t bulk_visit(FwdIt first, FwdIt last, F& f) const {
        auto& self = const_cast<concurrent_map&>(*this);
        std::size_t visited = 0;
        std::uint64_t hs[bulk_visit_size];
        while (first != last) {
            FwdIt it = first;
            std::size_t n = 0;
            for (; n < bulk_visit_size && it != last; ++n, ++it) {
                hs[n] = hash_of(*it);
                prefetch(&shards_[shard_index(hs[n])]);
            }
            for (std::size_t j = 0; j < n; ++j, ++first) {
                const std::uint64_t h = hs[j];
                shard& s = self.shards_[shard_index(h)];
                if constexpr (Const) {
                    read_lock lock(s);
                    auto e = s.m.find_hashed(*first, h);
                    if (e != s.m.end()) {
                        std::invoke(f, std::as_const(*e));
                        ++visited;
                    }
                } else {
                    std::unique_lock lock(s.mu);
                    auto e = s.m.find_hashed(*first, h);
                    if (e != s.m.end()) {
                        std::invoke(f, *e);
                        ++visited;
                    }
                }
            }
        }
        return visited;
    }
    static void prefetch(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
        __builtin_prefetch(p);
#endif
    }

    template <bool Const, class KK, class F, class... Args>
    bool try_emplace_or_visit_impl(KK&& k, F& f, Args&&... args) {
        auto [s, h] = locate(k);
        std::unique_lock lock(s.mu);
        if (auto it = s.m.find_hashed(k, h); it != s.m.end()) {
            if constexpr (Const)
                std::invoke(f, std::as_const(*it));
            else
                std::invoke(f, *it);
            return false;
        }
        s.m.try_emplace_at(h, std::forward<KK>(k), std::forward<Args>(args)...);
        return true;
    }
    template <bool Const, class Tuple, std::size_t... I>
    bool emplace_or_visit_split(Tuple&& t, std::index_sequence<I...>) {
        auto& f = std::get<sizeof...(I)>(t);
        init_type e(std::get<I>(std::move(t))...);
        return try_emplace_or_visit_impl<Const>(std::move(e.first), f, std::move(e.second));
    }
    template <bool Const, class KK, class Tuple, std::size_t... I>
    bool try_emplace_split(KK&& k, Tuple&& t, std::index_sequence<I...>) {
        auto& f = std::get<sizeof...(I)>(t);
        return try_emplace_or_visit_impl<Const>(std::forward<KK>(k), f, std::get<I>(std::move(t))...);
    }

    // The one hash of an operation: the shards' maps hash with the same
    // function and seed, so their *_hashed members take it as it is.
    std::uint64_t hash_of(const K& k) const { return detail::map_hash(hash_, k, hk_, seed_); }
    std::size_t shard_index(std::uint64_t h) const noexcept {
        return static_cast<std::size_t>(h >> shard_shift) & (n_ - 1);
    }
    std::size_t index_of(const K& k) const { return shard_index(hash_of(k)); }
    template <class S>
    struct located {
        S& s;
        std::uint64_t h;
    };
    located<shard> locate(const K& k) {
        const std::uint64_t h = hash_of(k);
        return {shards_[shard_index(h)], h};
    }
    located<const shard> locate(const K& k) const {
        const std::uint64_t h = hash_of(k);
        return {shards_[shard_index(h)], h};
    }

    // Bits 8.. of the hash pick the shard. Inside a shard, gomap::map takes
    // the home group from the top bits and the slot byte from the low byte
    // (detail/group.hpp), so the three are independent while the shard's
    // groups need at most 56 - 16 bits.
    static constexpr unsigned shard_shift = 8;

    Hash hash_;
    std::uint64_t seed_;
    detail::u64_keys_t hk_;
    std::size_t n_ = 0;
    std::unique_ptr<detail::reader_rows> rows_;  // before shards_: the locks use it until they go
    std::unique_ptr<shard[]> shards_;
};

}  // namespace gomap
