// gomap/map.hpp — gomap::go_map and gomap::map: Go's runtime map with the
// interface of std::unordered_map.
//
//   gomap::go_map<K, V>  Go 1.18's map, rule for rule, on Go's engine
//                        (detail::hmap, detail/hmap.hpp): same buckets, same
//                        growth, same delete rules, same bucket counts and
//                        bytes. Like Go's map it never gives bucket memory back
//                        while it lives.
//   gomap::map<K, V>     Go's semantics (range contract, per-map seeds, misuse
//                        detection, stats()) on its own engine
//                        (detail::flat_table, detail/flat_table.hpp): flat
//                        SIMD-matched groups, resized incrementally in both
//                        directions (a bounded amount of work per write, never
//                        a stop-the-world rehash), memory given back as entries
//                        go; an empty map holds what a new one holds.
//
// Both derive from basic_map<K, V, Hash, KeyEqual, Allocator, Policy>, which
// holds the whole interface: go_policy picks Go's engine, flat_policy (the
// default) the flat one. The faces are classes, not aliases, so that they have
// std::unordered_map's deduction guides (gomap::map m(v.begin(), v.end())).
//
// gomap::node_map is gomap::map with each entry allocated on its own (the
// same engine; its slots hold pointers): references and pointers to an entry
// stay valid until it is erased, as in std, and values need not be movable.
//
// WHERE THEY DIFFER FROM std::unordered_map (both are flat tables, like Boost's
// and Abseil's flat maps):
//   * entries move (the invalidation rules below): std keeps references
//     valid until their entry is erased (node_map keeps std's rule);
//   * erase(key) may reorder the entries it keeps (its resize step moves
//     them); erase(iterator), erase(first, last) and extract keep their order,
//     which is std's rule for every erase;
//   * no bucket interface (bucket(k), bucket_size, local iterators): a key's
//     group or bucket changes as the map resizes incrementally, and an entry
//     may be in an old array; bucket_count() and load_factor() are provided;
//   * max_load_factor(z) changes no growth (as in Boost's flat maps): it is
//     stored, and max_load_factor() returns it (never below 1.0, the flat
//     engine's full load; go_map: 6.5);
//   * the default hasher is gomap::hash<K>, seeded per map (Go's hash0), not
//     std::hash<K>: two maps filled alike iterate in different orders;
//   * a key or value whose move may throw (std::deque, a C++03 class with only
//     a copy constructor) is taken: gomap::map copies it when it resizes, so
//     a throwing copy loses nothing; go_map keeps it out of line and moves a
//     pointer (see EXCEPTIONS).
// Node handles: in map and go_map the handle holds the entry itself (a flat
// map has no nodes): extract() moves it out of the table, insert(node_type&&)
// moves it back in. node_map's handle owns the node, as std's does: nothing
// moves, and pointers to the entry stay valid.
//
// ITERATORS, REFERENCES AND WHAT INVALIDATES THEM
// Entries live inside the table (go_map: buckets; gomap::map: groups) and move
// when it resizes, so the rules are those of a flat hash map
// (absl::flat_hash_map), made incremental. In gomap::node_map only pointers
// move: the rules below hold for its iterators, but a reference or pointer to
// an entry stays valid until that entry is erased (or the map cleared,
// assigned or destroyed), whatever else is inserted or erased.
//   * find, contains, count, at, range() over a const map, stats(): invalidate
//     nothing. In gomap::map, operator[] and insert* of a key that is already
//     present invalidate nothing either (std's rule).
//   * An insertion of a new key (insert, emplace, try_emplace, insert_or_assign,
//     operator[]) and erase(key) of a present key may move other entries (it does
//     a step of an incremental resize): all iterators, pointers and references
//     into the map are invalidated. The iterator returned by the insertion is
//     valid. go_map follows Go's mapassign and mapdelete: while a grow is in
//     progress, an update of a present key and an erase(key) of an absent one
//     do a step too, and invalidate likewise.
//   * erase(iterator) / erase(first, last) start no resize and move no entry:
//     only iterators and references to the erased entries are invalidated, and
//     the returned iterator is the next entry (std::unordered_map's rule).
//     `for (it = m.begin(); it != m.end();) it = m.erase(it);` visits and
//     erases every entry once; in gomap::map it leaves a new map's footprint.
//     A shrink they make due starts at the next insert or erase(key).
//   * gomap::erase_if and a range() that erases start the shrink their erases
//     made due when they end (gomap::map): they invalidate like erase(key).
//   * Arguments may refer into the map: m.try_emplace(k, m.at(x)),
//     m.insert_or_assign(k, m.at(x)), m.emplace(k, m.at(x)) and
//     m.erase(it->first) read their argument before any entry moves. Not
//     `m[a] = m[b]` with a absent: C++ evaluates m[b] first, and the insert of
//     a may move the entry that reference names (true of every flat map).
//   * clear(), reserve(), rehash(), shrink_to_fit(), swap, assignment:
//     invalidate everything.
//   * range(fn): fn may insert and erase any key (Go's for-range contract:
//     every key present for the whole loop is visited exactly once, a key erased
//     before it is reached is not visited, a key inserted during the loop is
//     visited at most once). It must not call reserve/rehash/swap/assignment on
//     the map, and must not keep iterators across its own inserts and erases.
// Iteration order (begin/end) is array order; range() starts at a random bucket
// (group) and slot each call, as Go's for-range does, so no code can rely on an
// order.
//
// THREADS: const members may run concurrently with each other (lookups never
// move entries). Any write needs exclusive access. With GOMAP_CHECKED (default
// in builds without NDEBUG) a write that overlaps another write, a lookup or an
// iteration step aborts with Go's messages: "concurrent map writes",
// "concurrent map read and map write", "concurrent map iteration and map write".
//
// EXCEPTIONS: a throwing Hash, KeyEqual, entry constructor or allocation leaves
// the map's contents as they were (strong guarantee) and its invariants intact,
// for every insert, erase, reserve, rehash, shrink_to_fit and copy; resize work
// already done stays done. erase(key) throws only from the lookup (Hash,
// KeyEqual): the resize step it also runs is best-effort, and a failure there
// is swallowed and the work left for a later write (so is go_map's step on an
// update, which runs after the assignment, and gomap::map's step on an
// insert, which runs once the new entry is in place). erase(iterator) never
// throws in gomap::map; in go_map it finds the next entry (which may call
// Hash) before it destroys anything. A resize step decides where every entry
// goes (calling Hash) and allocates before it moves anything, and moves are
// noexcept.
// Keys and values whose move may throw: gomap::map's resize step copies them
// (std::move_if_noexcept) one at a time; a copy that throws leaves that entry
// whole in its old slot, the entries moved before it in place, and the rest
// of the step for a later write, so every guarantee above holds. A move-only
// type whose move may throw is moved, and one that throws leaves that entry
// as its move left it (the basic guarantee, as in Boost's flat maps); the
// entry stays in the map. go_map keeps such entries out of line (as Go does
// entries over 128 B), so its evacuation moves only pointers. extract() and
// merge() copy such entries too, so a throw leaves each entry in its map.
// go_map's begin() and ++it call Hash while a grow is in progress (to skip
// entries of an old bucket bound for the other half) and let its exceptions
// through; the map is unchanged. reserve/rehash/constructors with a size throw
// std::length_error above max_size(); allocation failure throws std::bad_alloc.
#pragma once

#include <cmath>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "detail/flat_table.hpp"
#include "detail/hmap.hpp"
#include "hash.hpp"
#include "stats.hpp"

namespace gomap {

namespace detail {
template <class T>
inline constexpr bool is_pair = false;
template <class A, class B>
inline constexpr bool is_pair<std::pair<A, B>> = true;

// What std's "InputIt qualifies as an input iterator" asks, for overload
// resolution: map(0, 0, alloc) must not pick the iterator-range constructor.
template <class It>
concept input_iterator_like =
    !std::is_integral_v<It> && requires { typename std::iterator_traits<It>::iterator_category; };

// The engine behind a policy: go_policy runs Go's hmap (detail/hmap.hpp),
// flat_policy the flat engine (detail/flat_table.hpp).
template <class Policy, class K, class V, class H, class E, class A>
struct engine_for;
template <class K, class V, class H, class E, class A>
struct engine_for<go_policy, K, V, H, E, A> {
    using type = hmap<K, V, H, E, A>;
};
template <class K, class V, class H, class E, class A>
struct engine_for<flat_policy, K, V, H, E, A> {
    using type = flat_table<K, V, H, E, A>;
};
template <class K, class V, class H, class E, class A>
struct engine_for<node_policy, K, V, H, E, A> {
    using type = flat_table<K, V, H, E, A, /*Nodes=*/true>;
};
}  // namespace detail

// A map's node_type (std::unordered_map's node handle): owns one entry taken
// out of a map by extract(), or none. A flat map has no nodes to hand over,
// so the handle holds the entry itself, moved out of the table, with a
// mutable key (change it, then insert the node back). It keeps a copy of the
// map's allocator, which builds and destroys the entry.
template <class K, class V, class Allocator>
class node_handle {
    using entry = std::pair<K, V>;
    using entry_alloc = typename std::allocator_traits<Allocator>::template rebind_alloc<entry>;
    using entry_traits = std::allocator_traits<entry_alloc>;

public:
    using key_type = K;
    using mapped_type = V;
    using allocator_type = Allocator;

    static constexpr bool nothrow_moves =
        std::is_nothrow_move_constructible_v<K> && std::is_nothrow_move_constructible_v<V>;

    constexpr node_handle() noexcept {}
    // A node handle moves the entry it holds: noexcept when the entry's move
    // is (std's handles move a pointer and always are).
    node_handle(node_handle&& o) noexcept(nothrow_moves) {
        if (o.alloc_) {
            build(*o.alloc_, std::move(o.kv().first), std::move(o.kv().second));
            o.reset();
        }
    }
    // Takes o's allocator. std takes it when this handle is empty or the
    // allocator propagates, and otherwise requires the two to be equal, so
    // either one will do.
    node_handle& operator=(node_handle&& o) noexcept(nothrow_moves) {
        if (this == std::addressof(o)) return *this;
        reset();
        if (o.alloc_) {
            build(*o.alloc_, std::move(o.kv().first), std::move(o.kv().second));
            o.reset();
        }
        return *this;
    }
    ~node_handle() { reset(); }

    [[nodiscard]] bool empty() const noexcept { return !alloc_; }
    explicit operator bool() const noexcept { return bool(alloc_); }
    allocator_type get_allocator() const { return *alloc_; }
    key_type& key() const noexcept { return kv().first; }
    mapped_type& mapped() const noexcept { return kv().second; }

    void swap(node_handle& o) noexcept(nothrow_moves) {
        node_handle tmp(std::move(o));
        o = std::move(*this);
        *this = std::move(tmp);
    }
    friend void swap(node_handle& a, node_handle& b) noexcept(nothrow_moves) { a.swap(b); }

private:
    template <class, class, class, class, class, class>
    friend class basic_map;

    template <class KK, class VV>
    node_handle(const Allocator& a, KK&& k, VV&& v) {
        build(a, std::forward<KK>(k), std::forward<VV>(v));
    }
    template <class KK, class VV>
    void build(const Allocator& a, KK&& k, VV&& v) {  // the entry first: a throw leaves the handle empty
        entry_alloc ea(a);
        entry_traits::construct(ea, ptr(), std::forward<KK>(k), std::forward<VV>(v));
        alloc_.emplace(a);
    }
    void reset() noexcept {
        if (!alloc_) return;
        entry_alloc ea(*alloc_);
        entry_traits::destroy(ea, ptr());
        alloc_.reset();
    }
    entry* ptr() const noexcept { return std::launder(reinterpret_cast<entry*>(buf_)); }
    entry& kv() const noexcept { return *ptr(); }

    std::optional<Allocator> alloc_;  // engaged iff the handle holds an entry
    alignas(entry) mutable unsigned char buf_[sizeof(entry)];
};

// gomap::node_map's node_type: owns one entry's node, as std's handles do.
// extract() hands the node over and insert() takes it back: no entry is
// moved or copied (values may be non-movable), and a pointer or reference to
// the entry stays valid through both (std's rule).
template <class K, class V, class Allocator>
class node_ptr_handle {
    using entry = std::pair<const K, V>;
    using entry_alloc = typename std::allocator_traits<Allocator>::template rebind_alloc<entry>;
    using entry_traits = std::allocator_traits<entry_alloc>;

public:
    using key_type = K;
    using mapped_type = V;
    using allocator_type = Allocator;

    constexpr node_ptr_handle() noexcept {}
    node_ptr_handle(node_ptr_handle&& o) noexcept { take(o); }
    // Takes o's allocator (std takes it when this handle is empty or the
    // allocator propagates, and otherwise requires the two to be equal).
    node_ptr_handle& operator=(node_ptr_handle&& o) noexcept {
        if (this != std::addressof(o)) {
            reset();
            take(o);
        }
        return *this;
    }
    ~node_ptr_handle() { reset(); }

    [[nodiscard]] bool empty() const noexcept { return node_ == nullptr; }
    explicit operator bool() const noexcept { return node_ != nullptr; }
    allocator_type get_allocator() const { return *alloc_; }
    // The key is const inside the entry; a handle may change it (std's
    // handles do the same with the node they own).
    key_type& key() const noexcept { return const_cast<K&>(node_->first); }
    mapped_type& mapped() const noexcept { return node_->second; }

    void swap(node_ptr_handle& o) noexcept {
        node_ptr_handle tmp(std::move(o));
        o = std::move(*this);
        *this = std::move(tmp);
    }
    friend void swap(node_ptr_handle& a, node_ptr_handle& b) noexcept { a.swap(b); }

private:
    template <class, class, class, class, class, class>
    friend class basic_map;

    node_ptr_handle(const Allocator& a, entry* n) noexcept : node_(n) { alloc_.emplace(a); }
    void take(node_ptr_handle& o) noexcept {
        if (o.node_ == nullptr) return;
        alloc_.emplace(std::move(*o.alloc_));
        node_ = std::exchange(o.node_, nullptr);
        o.alloc_.reset();
    }
    entry* release() noexcept {  // the map took the node
        alloc_.reset();
        return std::exchange(node_, nullptr);
    }
    void reset() noexcept {
        if (node_ == nullptr) return;
        entry_alloc ea(*alloc_);
        entry_traits::destroy(ea, node_);
        detail::deallocate_raw(ea, node_, 1);
        node_ = nullptr;
        alloc_.reset();
    }

    entry* node_ = nullptr;
    std::optional<Allocator> alloc_;  // engaged iff node_ is
};

// What insert(node_type&&) returns (std's insert_return_type).
template <class Iterator, class NodeType>
struct node_insert_return {
    Iterator position;
    bool inserted;
    NodeType node;
};

template <class K, class V, class Hash, class KeyEqual, class Allocator>
class concurrent_map;  // concurrent_map.hpp: its shards use the *_hashed members

template <class K, class V, class Hash = gomap::hash<K>, class KeyEqual = std::equal_to<K>,
          class Allocator = std::allocator<std::pair<const K, V>>, class Policy = flat_policy>
class basic_map {
    using table = typename detail::engine_for<Policy, K, V, Hash, KeyEqual, Allocator>::type;
    using pos = typename table::pos;
    using alloc_traits = std::allocator_traits<Allocator>;
    static constexpr bool flat = !std::is_same_v<Policy, go_policy>;  // the flat engine (map, node_map)
    static constexpr bool nodes = std::is_same_v<Policy, node_policy>;  // node_map: entries in nodes

    template <class Q>
    static constexpr bool transparent =
        requires { typename Hash::is_transparent; typename KeyEqual::is_transparent; } &&
        !std::is_convertible_v<Q, typename table::pos>;

public:
    using key_type = K;
    using mapped_type = V;
    using value_type = std::pair<const K, V>;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using hasher = Hash;
    using key_equal = KeyEqual;
    using allocator_type = Allocator;
    using reference = value_type&;
    using const_reference = const value_type&;
    using pointer = typename std::allocator_traits<Allocator>::pointer;
    using const_pointer = typename std::allocator_traits<Allocator>::const_pointer;
    using policy_type = Policy;

    static_assert(std::is_same_v<typename std::allocator_traits<Allocator>::value_type, value_type>,
                  "gomap: the allocator's value_type must be std::pair<const K, V> (the map's value_type)");

    template <bool Const>
    class basic_iterator {
        friend class basic_map;
        using map_ptr = std::conditional_t<Const, const basic_map*, basic_map*>;

    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = basic_map::value_type;
        using difference_type = std::ptrdiff_t;
        using reference = std::conditional_t<Const, const value_type&, value_type&>;
        using pointer = std::conditional_t<Const, const value_type*, value_type*>;

        basic_iterator() = default;
        template <bool C = Const, class = std::enable_if_t<C>>
        basic_iterator(const basic_iterator<false>& o) noexcept : m_(o.m_), p_(o.p_) {
#if GOMAP_CHECKED
            gen_ = o.gen_;
#endif
        }

        reference operator*() const noexcept {
            check_live();
            return *table::entry_at(p_);
        }
        pointer operator->() const noexcept {
            check_live();
            return table::entry_at(p_);
        }
        basic_iterator& operator++() {
            check_valid();
            m_->t_.advance(p_);
            return *this;
        }
        basic_iterator operator++(int) {
            auto r = *this;
            ++*this;
            return r;
        }
        friend bool operator==(const basic_iterator& a, const basic_iterator& b) noexcept {
            return table::same(a.p_, b.p_);
        }

    private:
        template <bool>
        friend class basic_iterator;
        template <class, class, class, class, class, class>
        friend class basic_map;  // merge() reads another map's positions
        basic_iterator(map_ptr m, pos p) noexcept : m_(m), p_(p) {
#if GOMAP_CHECKED
            gen_ = m->t_.generation();
#endif
        }
        // Checked mode: using an iterator made before an operation that
        // invalidated it, dereferencing end(), or dereferencing an erased
        // entry aborts. Nothing is checked in release builds.
        void check_valid() const noexcept {
#if GOMAP_CHECKED
            if (m_ == nullptr || table::is_end(p_)) detail::fatal("gomap: incrementing an end or singular iterator");
            if (gen_ != m_->t_.generation()) detail::fatal("gomap: use of an invalidated iterator");
#endif
        }
        void check_live() const noexcept {
#if GOMAP_CHECKED
            check_valid();
            if (!table::live_at(p_)) detail::fatal("gomap: dereferencing an erased entry");
#endif
        }
        map_ptr m_ = nullptr;
        pos p_{};
#if GOMAP_CHECKED
        std::uint64_t gen_ = 0;
#endif
    };
    using iterator = basic_iterator<false>;
    using const_iterator = basic_iterator<true>;
    // gomap::node_map hands its nodes over; the other faces move the entry
    // into a handle that holds it.
    using node_type = std::conditional_t<std::is_same_v<Policy, node_policy>, node_ptr_handle<K, V, Allocator>,
                                         node_handle<K, V, Allocator>>;
    using insert_return_type = node_insert_return<iterator, node_type>;

private:
    // try_emplace, insert_or_assign, operator[] with a key of another type
    // (C++26, P2363): transparent functors, a key_type constructible from it,
    // and not an iterator (the hinted overloads take one first).
    template <class Q>
    static constexpr bool transparent_key =
        transparent<std::remove_cvref_t<Q>> && std::is_constructible_v<K, Q&&> &&
        !std::is_convertible_v<Q&&, const_iterator> && !std::is_convertible_v<Q&&, iterator> &&
        !std::is_same_v<std::remove_cvref_t<Q>, K>;

public:

    // ---- construction -------------------------------------------------------

    basic_map() : basic_map(0) {}
    // make(map[K]V, n): B is the smallest that holds n entries under the load factor.
    explicit basic_map(size_type n, const Hash& h = Hash(), const KeyEqual& eq = KeyEqual(),
                       const Allocator& a = Allocator())
        : t_(n, h, eq, a) {}
    explicit basic_map(const Allocator& a) : t_(0, Hash(), KeyEqual(), a) {}
    basic_map(size_type n, const Allocator& a) : t_(n, Hash(), KeyEqual(), a) {}
    basic_map(size_type n, const Hash& h, const Allocator& a) : t_(n, h, KeyEqual(), a) {}
    template <class InputIt>
        requires detail::input_iterator_like<InputIt>
    basic_map(InputIt first, InputIt last, size_type n = 0, const Hash& h = Hash(),
              const KeyEqual& eq = KeyEqual(), const Allocator& a = Allocator())
        : t_(n, h, eq, a) {
        insert(first, last);
    }
    template <class InputIt>
        requires detail::input_iterator_like<InputIt>
    basic_map(InputIt first, InputIt last, size_type n, const Allocator& a)
        : basic_map(first, last, n, Hash(), KeyEqual(), a) {}
    template <class InputIt>
        requires detail::input_iterator_like<InputIt>
    basic_map(InputIt first, InputIt last, size_type n, const Hash& h, const Allocator& a)
        : basic_map(first, last, n, h, KeyEqual(), a) {}
    basic_map(std::initializer_list<value_type> il, size_type n = 0, const Hash& h = Hash(),
              const KeyEqual& eq = KeyEqual(), const Allocator& a = Allocator())
        : t_(n, h, eq, a) {
        insert(il);
    }
    basic_map(std::initializer_list<value_type> il, size_type n, const Allocator& a)
        : basic_map(il, n, Hash(), KeyEqual(), a) {}
    basic_map(std::initializer_list<value_type> il, size_type n, const Hash& h, const Allocator& a)
        : basic_map(il, n, h, KeyEqual(), a) {}

    basic_map(const basic_map& o)
        : basic_map(o, std::allocator_traits<Allocator>::select_on_container_copy_construction(
                           o.get_allocator())) {}
    basic_map(const basic_map& o, const Allocator& a)
        : t_(0, o.t_.hash_function(), o.t_.key_eq(), a), mlf_(o.mlf_) {
        reserve_for_copy_of(o);
        o.t_.for_each_entry([&](value_type& e) { emplace_new(e.first, e.second); });
    }
    // The moved-from map keeps copies of its hasher and key_equal, so it stays
    // usable (empty).
    basic_map(basic_map&& o) noexcept(std::is_nothrow_copy_constructible_v<Hash> &&
                                      std::is_nothrow_copy_constructible_v<KeyEqual>)
        : t_(0, o.t_.hash_function(), o.t_.key_eq(), o.t_.allocator()), mlf_(o.mlf_) {
        t_.take(o.t_);
    }
    basic_map(basic_map&& o, const Allocator& a)
        : t_(0, o.t_.hash_function(), o.t_.key_eq(), a), mlf_(o.mlf_) {
        if (alloc_traits::is_always_equal::value || a == o.t_.allocator()) {
            t_.take(o.t_);
        } else {
            reserve_for_copy_of(o);
            // Visit each entry once without hashing it (an iterator over a map
            // in mid-grow would rehash keys it has already moved from).
            o.t_.for_each_entry(
                [&](value_type& e) { emplace_new(std::move(const_cast<K&>(e.first)), std::move(e.second)); });
            o.clear();
        }
    }

    // Assignment builds the new contents aside (strong guarantee), then swaps
    // them in. The allocator goes along only when the allocator says it
    // propagates (propagate_on_container_copy/move_assignment); otherwise the
    // new contents are built with this map's allocator, or with one equal to
    // it, and this map keeps its own (which need not even be assignable).
    basic_map& operator=(const basic_map& o) {
        if (this != std::addressof(o)) {
            constexpr bool pocca = alloc_traits::propagate_on_container_copy_assignment::value;
            basic_map tmp(o, pocca ? o.get_allocator() : get_allocator());
            swap_contents<pocca>(tmp);
        }
        return *this;
    }
    basic_map& operator=(basic_map&& o) noexcept(
        (alloc_traits::propagate_on_container_move_assignment::value || alloc_traits::is_always_equal::value) &&
        std::is_nothrow_copy_constructible_v<Hash> && std::is_nothrow_copy_constructible_v<KeyEqual> &&
        std::is_nothrow_swappable_v<Hash> && std::is_nothrow_swappable_v<KeyEqual>) {
        if (this == std::addressof(o)) return *this;
        constexpr bool pocma = alloc_traits::propagate_on_container_move_assignment::value;
        if (pocma || alloc_traits::is_always_equal::value || get_allocator() == o.get_allocator()) {
            basic_map tmp(std::move(o));  // o is left empty; tmp's allocator equals ours unless pocma
            swap_contents<pocma>(tmp);
        } else {
            basic_map tmp(std::move(o), get_allocator());  // entry by entry, into our allocator's memory
            swap_contents<false>(tmp);
        }
        return *this;
    }
    basic_map& operator=(std::initializer_list<value_type> il) {
        clear();
        insert(il);
        return *this;
    }

    ~basic_map() = default;

    allocator_type get_allocator() const { return t_.allocator(); }
    hasher hash_function() const { return t_.hash_function(); }
    key_equal key_eq() const { return t_.key_eq(); }

    // ---- iterators ----------------------------------------------------------

    iterator begin() { return {this, t_.begin_pos()}; }
    const_iterator begin() const { return {this, t_.begin_pos()}; }
    const_iterator cbegin() const { return begin(); }
    iterator end() noexcept { return {this, pos{}}; }
    const_iterator end() const noexcept { return {this, pos{}}; }
    const_iterator cend() const noexcept { return end(); }

    // ---- capacity -----------------------------------------------------------

    [[nodiscard]] bool empty() const noexcept { return t_.size() == 0; }
    size_type size() const noexcept { return t_.size(); }
    // The engine's limit, or the allocator's if lower.
    size_type max_size() const noexcept {
        using value_alloc = typename alloc_traits::template rebind_alloc<value_type>;
        const size_type a = std::allocator_traits<value_alloc>::max_size(value_alloc(t_.allocator()));
        return a < table::max_size() ? a : table::max_size();
    }

    // ---- lookup -------------------------------------------------------------

    GOMAP_ALWAYS_INLINE iterator find(const K& k) { return {this, t_.find_pos(k)}; }
    GOMAP_ALWAYS_INLINE const_iterator find(const K& k) const { return {this, t_.find_pos(k)}; }
    template <class Q, class = std::enable_if_t<transparent<Q>>>
    iterator find(const Q& k) {
        return {this, t_.find_pos(k)};
    }
    template <class Q, class = std::enable_if_t<transparent<Q>>>
    const_iterator find(const Q& k) const {
        return {this, t_.find_pos(k)};
    }

    bool contains(const K& k) const { return !table::is_end(t_.find_pos(k)); }
    template <class Q, class = std::enable_if_t<transparent<Q>>>
    bool contains(const Q& k) const {
        return !table::is_end(t_.find_pos(k));
    }
    size_type count(const K& k) const { return contains(k) ? 1 : 0; }
    template <class Q, class = std::enable_if_t<transparent<Q>>>
    size_type count(const Q& k) const {
        return contains(k) ? 1 : 0;
    }

    V& at(const K& k) { return at_impl(*this, k); }
    const V& at(const K& k) const { return at_impl(*this, k); }
    template <class Q, class = std::enable_if_t<transparent<Q>>>
    V& at(const Q& k) {
        return at_impl(*this, k);
    }
    template <class Q, class = std::enable_if_t<transparent<Q>>>
    const V& at(const Q& k) const {
        return at_impl(*this, k);
    }

    std::pair<iterator, iterator> equal_range(const K& k) {
        auto it = find(k);
        return {it, it == end() ? it : std::next(it)};
    }
    std::pair<const_iterator, const_iterator> equal_range(const K& k) const {
        auto it = find(k);
        return {it, it == end() ? it : std::next(it)};
    }
    template <class Q, class = std::enable_if_t<transparent<Q>>>
    std::pair<iterator, iterator> equal_range(const Q& k) {
        auto it = find(k);
        return {it, it == end() ? it : std::next(it)};
    }
    template <class Q, class = std::enable_if_t<transparent<Q>>>
    std::pair<const_iterator, const_iterator> equal_range(const Q& k) const {
        auto it = find(k);
        return {it, it == end() ? it : std::next(it)};
    }

    GOMAP_ALWAYS_INLINE V& operator[](const K& k) { return try_emplace(k).first->second; }
    GOMAP_ALWAYS_INLINE V& operator[](K&& k) { return try_emplace(std::move(k)).first->second; }
    template <class Q>
        requires transparent_key<Q>
    V& operator[](Q&& k) {
        return try_emplace_impl(std::forward<Q>(k)).first->second;
    }

    // ---- insertion ----------------------------------------------------------

    GOMAP_ALWAYS_INLINE std::pair<iterator, bool> insert(const value_type& v) { return try_emplace(v.first, v.second); }
    GOMAP_ALWAYS_INLINE std::pair<iterator, bool> insert(value_type&& v) {
        return try_emplace(std::move(const_cast<K&>(v.first)), std::move(v.second));
    }
    template <class P, class = std::enable_if_t<std::is_constructible_v<value_type, P&&>>>
    std::pair<iterator, bool> insert(P&& v) {
        return emplace(std::forward<P>(v));
    }
    iterator insert(const_iterator, const value_type& v) { return insert(v).first; }
    iterator insert(const_iterator, value_type&& v) { return insert(std::move(v)).first; }
    template <class InputIt>
        requires detail::input_iterator_like<InputIt>
    void insert(InputIt first, InputIt last) {
        for (; first != last; ++first) emplace(*first);
    }
    void insert(std::initializer_list<value_type> il) { insert(il.begin(), il.end()); }

    template <class M>
    GOMAP_ALWAYS_INLINE std::pair<iterator, bool> insert_or_assign(const K& k, M&& obj) {
        return assign_impl(k, std::forward<M>(obj));
    }
    template <class M>
    GOMAP_ALWAYS_INLINE std::pair<iterator, bool> insert_or_assign(K&& k, M&& obj) {
        return assign_impl(std::move(k), std::forward<M>(obj));
    }
    template <class M>
    iterator insert_or_assign(const_iterator, const K& k, M&& obj) {
        return insert_or_assign(k, std::forward<M>(obj)).first;
    }
    template <class M>
    iterator insert_or_assign(const_iterator, K&& k, M&& obj) {
        return insert_or_assign(std::move(k), std::forward<M>(obj)).first;
    }
    template <class Q, class M>
        requires transparent_key<Q>
    std::pair<iterator, bool> insert_or_assign(Q&& k, M&& obj) {
        return assign_impl(std::forward<Q>(k), std::forward<M>(obj));
    }
    template <class Q, class M>
        requires transparent_key<Q>
    iterator insert_or_assign(const_iterator, Q&& k, M&& obj) {
        return assign_impl(std::forward<Q>(k), std::forward<M>(obj)).first;
    }

    template <class... Args>
    GOMAP_ALWAYS_INLINE std::pair<iterator, bool> try_emplace(const K& k, Args&&... args) {
        return try_emplace_impl(k, std::forward<Args>(args)...);
    }
    template <class... Args>
    GOMAP_ALWAYS_INLINE std::pair<iterator, bool> try_emplace(K&& k, Args&&... args) {
        return try_emplace_impl(std::move(k), std::forward<Args>(args)...);
    }
    template <class... Args>
    iterator try_emplace(const_iterator, const K& k, Args&&... args) {
        return try_emplace(k, std::forward<Args>(args)...).first;
    }
    template <class... Args>
    iterator try_emplace(const_iterator, K&& k, Args&&... args) {
        return try_emplace(std::move(k), std::forward<Args>(args)...).first;
    }
    template <class Q, class... Args>
        requires transparent_key<Q>
    std::pair<iterator, bool> try_emplace(Q&& k, Args&&... args) {
        return try_emplace_impl(std::forward<Q>(k), std::forward<Args>(args)...);
    }
    template <class Q, class... Args>
        requires transparent_key<Q>
    iterator try_emplace(const_iterator, Q&& k, Args&&... args) {
        return try_emplace_impl(std::forward<Q>(k), std::forward<Args>(args)...).first;
    }

    // emplace builds the key first when it can see it among the arguments (a
    // key and a value, or a pair), so that an existing key costs no entry.
    template <class... Args>
    std::pair<iterator, bool> emplace(Args&&... args) {
        if constexpr (sizeof...(Args) == 2) {
            return emplace_two(std::forward<Args>(args)...);
        } else if constexpr (sizeof...(Args) == 1 && (detail::is_pair<std::remove_cvref_t<Args>> && ...)) {
            return emplace_pair(std::forward<Args>(args)...);
        } else {
            value_type tmp(std::forward<Args>(args)...);
            return try_emplace(std::move(const_cast<K&>(tmp.first)), std::move(tmp.second));
        }
    }
    template <class... Args>
    iterator emplace_hint(const_iterator, Args&&... args) {
        return emplace(std::forward<Args>(args)...).first;
    }

    // ---- erase --------------------------------------------------------------

    GOMAP_ALWAYS_INLINE size_type erase(const K& k) { return t_.erase_key(k); }
    template <class Q, class = std::enable_if_t<transparent<Q> && !std::is_convertible_v<Q, iterator> &&
                                                !std::is_convertible_v<Q, const_iterator>>>
    size_type erase(Q&& k) {
        return t_.erase_key(k);
    }
    iterator erase(iterator it) {
        it.check_live();
        return {this, t_.erase_at(it.p_)};
    }
    iterator erase(const_iterator it) {
        it.check_live();
        return {this, t_.erase_at(it.p_)};
    }
    iterator erase(const_iterator first, const_iterator last) {
        iterator it{this, first.p_};
        while (it != iterator{this, last.p_}) it = erase(it);
        return it;
    }

    void clear() noexcept { t_.clear(); }

    // ---- node handles -------------------------------------------------------

    // Takes the entry out of the map (as erase(iterator): no resize step, no
    // other entry moves) into a node handle.
    node_type extract(const_iterator it) {
        it.check_live();
        if constexpr (nodes) {
            return node_type(t_.allocator(), t_.release_at(it.p_));
        } else {
            value_type& e = *table::entry_at(it.p_);
            // Copied when a move may throw: then the entry is still in the map.
            node_type nh(t_.allocator(), std::move_if_noexcept(const_cast<K&>(e.first)),
                         std::move_if_noexcept(e.second));
            t_.erase_at(it.p_);
            return nh;
        }
    }
    node_type extract(const K& k) {
        auto it = find(k);
        return it == end() ? node_type() : extract(const_iterator(it));
    }
    template <class Q>
        requires(transparent<std::remove_cvref_t<Q>> && !std::is_convertible_v<Q &&, iterator> &&
                 !std::is_convertible_v<Q &&, const_iterator>)
    node_type extract(Q&& k) {
        auto it = find(k);
        return it == end() ? node_type() : extract(const_iterator(it));
    }
    // Inserts the node's entry unless its key is present; then the node comes
    // back in the result, untouched (std's rule). The node's allocator must
    // equal this map's.
    insert_return_type insert(node_type&& nh) {
        if (nh.empty()) return {end(), false, node_type()};
        auto r = insert_node(nh);
        if (!r.second) return {r.first, false, std::move(nh)};
        return {r.first, true, node_type()};
    }
    iterator insert(const_iterator, node_type&& nh) {
        if (nh.empty()) return end();
        return insert_node(nh).first;
    }

    // Moves every entry of source whose key is absent here into this map;
    // the others stay in source. source may have another hasher, key_equal
    // or engine; its allocator must equal this map's. An exception (from a
    // Hash, KeyEqual or an allocation) leaves each entry in exactly one map.
    template <class H2, class E2, class P2>
    void merge(basic_map<K, V, H2, E2, Allocator, P2>& source) {
        if constexpr (std::is_same_v<basic_map<K, V, H2, E2, Allocator, P2>, basic_map>)
            if (std::addressof(source) == this) return;
        for (auto it = source.begin(); it != source.end();) {
            auto next = std::next(it);  // go_map may hash to find it: before anything moves
            if constexpr (nodes && std::is_same_v<P2, node_policy>) {
                // Both hold nodes: the node changes hands, nothing is moved.
                auto r = t_.find_or_insert(it->first, typename table::adopt_node{std::addressof(*it)});
                if (r.second) source.t_.release_at(it.p_);  // the same step erase(it) takes: next stays valid
                it = next;
            } else {
                value_type& e = *it;
                auto r = t_.find_or_insert(e.first, [&](auto& alloc, value_type* where) {
                    std::allocator_traits<std::remove_reference_t<decltype(alloc)>>::construct(
                        alloc, where, std::piecewise_construct,
                        std::forward_as_tuple(std::move_if_noexcept(const_cast<K&>(e.first))),
                        std::forward_as_tuple(std::move_if_noexcept(e.second)));
                });
                if (r.second)
                    it = source.erase(it);
                else
                    it = next;
            }
        }
    }
    template <class H2, class E2, class P2>
    void merge(basic_map<K, V, H2, E2, Allocator, P2>&& source) {
        merge(source);
    }

    // Allocators are swapped only when propagate_on_container_swap says so;
    // otherwise they must compare equal (as in std), which checked builds check.
    void swap(basic_map& o) noexcept(std::is_nothrow_swappable_v<Hash> && std::is_nothrow_swappable_v<KeyEqual>) {
#if GOMAP_CHECKED
        if (!alloc_traits::propagate_on_container_swap::value && !(get_allocator() == o.get_allocator()))
            detail::fatal("gomap: swap of maps with unequal allocators that do not propagate");
#endif
        swap_contents<alloc_traits::propagate_on_container_swap::value>(o);
    }
    friend void swap(basic_map& a, basic_map& b) noexcept(noexcept(a.swap(b))) { a.swap(b); }

    // ---- hash policy --------------------------------------------------------

    // Make room for n entries without a grow (Go's make hint, applied late).
    void reserve(size_type n) { t_.reserve(n); }
    // std::unordered_map::rehash: at least n buckets' worth (in entries: n * 6.5).
    void rehash(size_type n) { t_.reserve(table::entries_for_buckets(n)); }
    size_type bucket_count() const noexcept { return t_.bucket_count(); }
    float load_factor() const noexcept {
        const size_type n = bucket_count();  // gomap::map: 0 while nothing is allocated
        return n == 0 ? 0.0f : static_cast<float>(size()) / static_cast<float>(n);
    }
    // The load factor at which the engine grows: Go's loadFactorNum/Den, 6.5
    // entries per 8-slot bucket (go_map); 7/8 of the slots (map, node_map).
    static constexpr float load_limit() noexcept { return table::max_load_factor(); }
    // std's max_load_factor: the load factor the map keeps below. It starts at
    // std's 1.0 (go_map: Go's 6.5) and is what max_load_factor(z) last set,
    // raised to that starting value if z is below it: a flat map's load never
    // passes 1.0 (every slot full; it grows at 0.875, and passes it by a hair
    // while a new array is being prepared), and go_map grows at 6.5. Setting
    // it changes no growth: the load factor is part of each engine's design
    // (Go's growth and delete rules; the flat engine's group probing), as in
    // Boost's flat maps. Copies, moves, assignments and swap carry it.
    float max_load_factor() const noexcept { return mlf_; }
    void max_load_factor(float z) noexcept { mlf_ = z >= initial_mlf ? z : initial_mlf; }
    // The most buckets (engine units, as bucket_count()) a map can have.
    size_type max_bucket_count() const noexcept {
        return flat ? max_size() : max_size() / detail::bucketCnt + 1;
    }

    // ---- giving memory back ---------------------------------------------------

    // Finish any resize in progress now and shrink to the smallest array that
    // holds the entries; an empty map then holds nothing. O(n). gomap::map
    // never goes below its size hint or reserve; go_map, which otherwise never
    // gives memory back (Go's rule), goes to the B of make(map, size()): it is
    // an explicit request.
    void shrink_to_fit() { t_.shrink_to_fit(); }
    // gomap::map: whether erases give memory back (default on). Copies, moves
    // and assignments carry the setting with the contents. go_map has no such
    // setting: it never shrinks by itself.
    void set_auto_shrink(bool on) noexcept
        requires(!std::is_same_v<Policy, go_policy>)
    {
        t_.set_auto_shrink(on);
    }
    bool auto_shrink() const noexcept
        requires(!std::is_same_v<Policy, go_policy>)
    {
        return t_.auto_shrink();
    }

    // ---- Go's ---------------------------------------------------------------

    // for k, v := range m { ... } — see the contract at the top of this file.
    // fn(const K&, V&) or fn(const K&, V&) -> bool (false stops the loop).
    template <class Fn>
    void range(Fn&& fn) {
        typename table::range_pause pause(t_);
        table::range_impl(t_, fn);
    }
    // Read-only loop: fn(const K&, const V&); may run concurrently with other
    // const calls. fn must not modify the map.
    template <class Fn>
    void range(Fn&& fn) const {
        auto cfn = [&](const K& k, V& v) {
            if constexpr (std::is_same_v<std::invoke_result_t<Fn&, const K&, const V&>, bool>)
                return fn(k, std::as_const(v));
            else
                fn(k, std::as_const(v));
        };
        table::range_impl(t_, cfn);
    }

    map_stats stats() const noexcept { return t_.stats(); }

    // O(n) self-check of the table's invariants (the emptyRest rule, every entry
    // reachable from its key's chain, the counters). Empty string: all hold.
    std::string check_invariants() const { return t_.check_invariants(); }

    // Calls fn(head_bucket, is_old) for each bucket chain (tests and the lab).
    // Go's engine only (go_map).
    template <class Fn>
    void visit_chains(Fn&& fn) const
        requires std::is_same_v<Policy, go_policy>
    {
        t_.for_each_chain(fn);
    }

    // Calls fn(is_old, index, head, evacuated) for every bucket, old array first
    // while a resize is in progress (the lab's bucket inspector). Unlike
    // visit_chains it also reports the buckets that hold no chain to walk, with
    // head == nullptr: new buckets not initialised yet, and evacuated old buckets
    // whose pages went back to the OS. head is a const detail::bmap<K, V>*;
    // evacuated: an old bucket whose entries have moved (tophash holds the marks).
    template <class Fn>
    void inspect_buckets(Fn&& fn) const
        requires std::is_same_v<Policy, go_policy>
    {
        t_.inspect_buckets(fn);
    }

    // Flat engine (gomap::map): calls fn(const group_view&) for every group of
    // every array, old arrays first (see detail::flat_table::group_view).
    template <class Fn>
    void inspect_groups(Fn&& fn) const
        requires(!std::is_same_v<Policy, go_policy>)
    {
        t_.for_each_group(fn);
    }

    friend bool operator==(const basic_map& a, const basic_map& b) {
        // Contents only (std's rule): neither the seeds nor max_load_factor.
        if (a.size() != b.size()) return false;
        for (const auto& e : a) {
            auto it = b.find(e.first);
            if (it == b.end() || !(it->second == e.second)) return false;
        }
        return true;
    }

private:
    template <class Self, class Q>
    static auto& at_impl(Self& self, const Q& k) {
        auto it = self.find(k);
        if (it == self.end()) throw std::out_of_range("gomap: key not found");
        return it->second;
    }

    // How an insert reaches the engine: it hashes the key (unhashed), or it
    // takes the hash the caller computed (concurrent_map's shards).
    struct unhashed {};
    template <class Q, class Make, class OnFound>
    GOMAP_ALWAYS_INLINE auto engine_insert(unhashed, const Q& k, Make&& make, OnFound&& on_found) {
        return t_.find_or_insert(k, make, on_found);
    }
    template <class Q, class Make, class OnFound>
        requires flat
    GOMAP_ALWAYS_INLINE auto engine_insert(std::uint64_t h, const Q& k, Make&& make, OnFound&& on_found) {
        return t_.find_or_insert_hashed(k, h, make, on_found);
    }

    template <class KK, class... Args>
    GOMAP_ALWAYS_INLINE std::pair<iterator, bool> try_emplace_impl(KK&& k, Args&&... args) {
        return try_emplace_at(unhashed{}, std::forward<KK>(k), std::forward<Args>(args)...);
    }
    template <class HashArg, class KK, class... Args>
    GOMAP_ALWAYS_INLINE std::pair<iterator, bool> try_emplace_at(HashArg h, KK&& k, Args&&... args) {
        auto r = engine_insert(
            h, k,
            [&](auto& alloc, value_type* where) {
                std::allocator_traits<std::remove_reference_t<decltype(alloc)>>::construct(
                    alloc, where, std::piecewise_construct, std::forward_as_tuple(std::forward<KK>(k)),
                    std::forward_as_tuple(std::forward<Args>(args)...));
            },
            [](value_type&) {});
        return {iterator{this, r.first}, r.second};
    }

    // The assignment runs inside the engine's write, before any entry moves:
    // obj may refer to an entry of this map (m.insert_or_assign(k, m.at(x))).
    template <class KK, class M>
    GOMAP_ALWAYS_INLINE std::pair<iterator, bool> assign_impl(KK&& k, M&& obj) {
        return assign_at(unhashed{}, std::forward<KK>(k), std::forward<M>(obj));
    }
    template <class HashArg, class KK, class M>
    GOMAP_ALWAYS_INLINE std::pair<iterator, bool> assign_at(HashArg h, KK&& k, M&& obj) {
        auto r = engine_insert(
            h, k,
            [&](auto& alloc, value_type* where) {
                std::allocator_traits<std::remove_reference_t<decltype(alloc)>>::construct(
                    alloc, where, std::piecewise_construct, std::forward_as_tuple(std::forward<KK>(k)),
                    std::forward_as_tuple(std::forward<M>(obj)));
            },
            [&](value_type& e) {
                if constexpr (std::is_floating_point_v<K>) {
                    // Go's needkeyupdate: m[+0.0] = v after m[-0.0] stores +0.0 as
                    // the key. The key is const inside the entry; rebuild the
                    // entry in place (the value first: it may throw).
                    if (std::signbit(e.first) != std::signbit(static_cast<K>(k))) {
                        V tmp(std::forward<M>(obj));
                        auto alloc = typename std::allocator_traits<Allocator>::template rebind_alloc<value_type>(
                            t_.allocator());
                        using tr = std::allocator_traits<decltype(alloc)>;
                        tr::destroy(alloc, std::addressof(e));
                        tr::construct(alloc, std::addressof(e), static_cast<K>(k), std::move(tmp));
                        return;
                    }
                }
                e.second = std::forward<M>(obj);
            });
        return {iterator{this, r.first}, r.second};
    }

    template <class A, class B>
    std::pair<iterator, bool> emplace_two(A&& a, B&& b) {
        if constexpr (std::is_same_v<std::remove_cvref_t<A>, K>) {
            return try_emplace_impl(std::forward<A>(a), std::forward<B>(b));
        } else if constexpr (std::is_same_v<std::remove_cvref_t<A>, std::piecewise_construct_t>) {
            value_type tmp(std::forward<A>(a), std::forward<B>(b));
            return try_emplace(std::move(const_cast<K&>(tmp.first)), std::move(tmp.second));
        } else {
            return try_emplace_impl(K(std::forward<A>(a)), std::forward<B>(b));
        }
    }
    template <class P>
    std::pair<iterator, bool> emplace_pair(P&& p) {
        if constexpr (std::is_lvalue_reference_v<P>)
            return emplace_two(p.first, p.second);
        else
            return emplace_two(std::move(p.first), std::move(p.second));
    }

    template <class KK, class VV>
    void emplace_new(KK&& k, VV&& v) {
        try_emplace_impl(std::forward<KK>(k), std::forward<VV>(v));
    }

    // A copy is built in one array sized for o. gomap::map: the copy gives
    // memory back if o did, and its size is no floor (it may shrink later
    // like any map).
    void reserve_for_copy_of(const basic_map& o) {
        if constexpr (flat) {
            t_.set_auto_shrink(o.t_.auto_shrink());
            t_.reserve(o.size(), /*floor=*/false);
        } else {
            t_.reserve(o.size());
        }
    }

    // Swap contents and functors; the allocators too when WithAllocator
    // (otherwise they are equal, and either may free the other's arrays).
    template <bool WithAllocator>
    void swap_contents(basic_map& o) noexcept(std::is_nothrow_swappable_v<Hash> && std::is_nothrow_swappable_v<KeyEqual>) {
        std::swap(mlf_, o.mlf_);
        t_.template swap_functors<WithAllocator>(o.t_);
        t_.swap_table(o.t_);
    }

    // Insert the node's entry unless its key is present; on success nh is
    // left empty. node_map adopts the node itself; the others move its entry.
    std::pair<iterator, bool> insert_node(node_type& nh) {
        check_node_allocator(nh);
        if constexpr (nodes) {
            auto r = t_.find_or_insert(nh.key(), typename table::adopt_node{nh.node_});
            if (r.second) nh.release();
            return {iterator{this, r.first}, r.second};
        } else {
            auto r = try_emplace_impl(std::move(nh.key()), std::move(nh.mapped()));
            if (r.second) nh.reset();
            return r;
        }
    }

    void check_node_allocator([[maybe_unused]] const node_type& nh) const noexcept {
#if GOMAP_CHECKED
        if (!alloc_traits::is_always_equal::value && !(nh.get_allocator() == get_allocator()))
            detail::fatal("gomap: inserting a node whose allocator is not equal to the map's");
#endif
    }

    template <class, class, class, class, class, class>
    friend class basic_map;

    // ---- concurrent_map's shards ----------------------------------------------
    // A shard's seed is its concurrent_map's, fixed (never re-drawn), so that
    // the concurrent_map hashes a key once (detail::map_hash with that seed):
    // the hash picks the shard, and these members probe the shard with it
    // (try_emplace_at and assign_at take it too).
    template <class, class, class, class, class>
    friend class concurrent_map;
    void fix_seed(std::uint64_t seed)
        requires flat
    {
        t_.fix_seed(seed);
    }
    GOMAP_ALWAYS_INLINE iterator find_hashed(const K& k, std::uint64_t h)
        requires flat
    {
        return {this, t_.find_pos(k, h)};
    }
    GOMAP_ALWAYS_INLINE const_iterator find_hashed(const K& k, std::uint64_t h) const
        requires flat
    {
        return {this, t_.find_pos(k, h)};
    }
    GOMAP_ALWAYS_INLINE size_type erase_hashed(const K& k, std::uint64_t h)
        requires flat
    {
        return t_.erase_key(k, h);
    }

    template <class K2, class V2, class H2, class E2, class A2, class P2, class Pred>
    friend typename basic_map<K2, V2, H2, E2, A2, P2>::size_type erase_if(basic_map<K2, V2, H2, E2, A2, P2>&, Pred);

    static constexpr float initial_mlf = flat ? 1.0f : table::max_load_factor();
    table t_;
    float mlf_ = initial_mlf;  // max_load_factor()
};

// Go's map, exactly: never gives bucket memory back while it lives.
template <class K, class V, class Hash = gomap::hash<K>, class KeyEqual = std::equal_to<K>,
          class Allocator = std::allocator<std::pair<const K, V>>>
class go_map : public basic_map<K, V, Hash, KeyEqual, Allocator, go_policy> {
    using base = basic_map<K, V, Hash, KeyEqual, Allocator, go_policy>;

public:
    using base::base;
    using base::operator=;
    go_map() = default;
    go_map(std::initializer_list<typename base::value_type> il) : base(il) {}
    friend void swap(go_map& a, go_map& b) noexcept(noexcept(a.swap(b))) { a.swap(b); }
};

// Go's map semantics on the flat engine (detail/flat_table.hpp): SIMD-matched
// groups, bounded resize work in both directions, memory given back.
template <class K, class V, class Hash = gomap::hash<K>, class KeyEqual = std::equal_to<K>,
          class Allocator = std::allocator<std::pair<const K, V>>>
class map : public basic_map<K, V, Hash, KeyEqual, Allocator, flat_policy> {
    using base = basic_map<K, V, Hash, KeyEqual, Allocator, flat_policy>;

public:
    using base::base;
    using base::operator=;
    map() = default;
    map(std::initializer_list<typename base::value_type> il) : base(il) {}
    friend void swap(map& a, map& b) noexcept(noexcept(a.swap(b))) { a.swap(b); }
};

// gomap::map with each entry allocated on its own (as Boost's
// unordered_node_map and Abseil's node_hash_map): the same engine, whose
// slots hold pointers, so a resize moves pointers and never entries.
//   * References and pointers to an entry stay valid until it is erased
//     (m[a] = m[b] is safe, as in std); iterators follow gomap::map's rules.
//   * Values need not be movable (std::mutex, std::atomic): try_emplace and
//     operator[] build them in place.
//   * Unlike both peers, memory still goes back (arrays shrink, nodes are
//     freed as entries go) and no operation stalls (the resize is
//     incremental).
template <class K, class V, class Hash = gomap::hash<K>, class KeyEqual = std::equal_to<K>,
          class Allocator = std::allocator<std::pair<const K, V>>>
class node_map : public basic_map<K, V, Hash, KeyEqual, Allocator, node_policy> {
    using base = basic_map<K, V, Hash, KeyEqual, Allocator, node_policy>;

public:
    using base::base;
    using base::operator=;
    node_map() = default;
    node_map(std::initializer_list<typename base::value_type> il) : base(il) {}
    friend void swap(node_map& a, node_map& b) noexcept(noexcept(a.swap(b))) { a.swap(b); }
};

// ---- class template argument deduction ------------------------------------
// std::unordered_map's guides, for each face: gomap::map m(v.begin(), v.end())
// and gomap::map m{std::pair{1, 2}} deduce the key and value types.
namespace detail {
template <class It>
using iter_key_t = std::remove_const_t<typename std::iterator_traits<It>::value_type::first_type>;
template <class It>
using iter_val_t = typename std::iterator_traits<It>::value_type::second_type;
template <class It>
using iter_entry_t = std::pair<const iter_key_t<It>, iter_val_t<It>>;
template <class A>
concept allocator_like = requires(A& a) {
    typename A::value_type;
    a.allocate(std::size_t{});
};
template <class H>
concept hasher_like = !std::is_integral_v<H> && !allocator_like<H>;
}  // namespace detail

#define GOMAP_DEDUCTION_GUIDES(Map)                                                                             \
    template <class It, class Hash = gomap::hash<detail::iter_key_t<It>>,                                       \
              class KeyEqual = std::equal_to<detail::iter_key_t<It>>,                                           \
              class Allocator = std::allocator<detail::iter_entry_t<It>>>                                       \
        requires(detail::input_iterator_like<It> && detail::hasher_like<Hash> &&                                \
                 !detail::allocator_like<KeyEqual> && detail::allocator_like<Allocator>)                        \
    Map(It, It, std::size_t = 0, Hash = Hash(), KeyEqual = KeyEqual(), Allocator = Allocator())                  \
        -> Map<detail::iter_key_t<It>, detail::iter_val_t<It>, Hash, KeyEqual, Allocator>;                      \
    template <class K, class V, class Hash = gomap::hash<K>, class KeyEqual = std::equal_to<K>,                 \
              class Allocator = std::allocator<std::pair<const K, V>>>                                          \
        requires(detail::hasher_like<Hash> && !detail::allocator_like<KeyEqual> &&                              \
                 detail::allocator_like<Allocator>)                                                             \
    Map(std::initializer_list<std::pair<K, V>>, std::size_t = 0, Hash = Hash(), KeyEqual = KeyEqual(),           \
        Allocator = Allocator()) -> Map<K, V, Hash, KeyEqual, Allocator>;                                       \
    template <class It, class Allocator>                                                                        \
        requires(detail::input_iterator_like<It> && detail::allocator_like<Allocator>)                          \
    Map(It, It, std::size_t, Allocator)                                                                         \
        -> Map<detail::iter_key_t<It>, detail::iter_val_t<It>, gomap::hash<detail::iter_key_t<It>>,             \
               std::equal_to<detail::iter_key_t<It>>, Allocator>;                                               \
    template <class It, class Hash, class Allocator>                                                            \
        requires(detail::input_iterator_like<It> && detail::hasher_like<Hash> &&                                \
                 detail::allocator_like<Allocator>)                                                             \
    Map(It, It, std::size_t, Hash, Allocator)                                                                   \
        -> Map<detail::iter_key_t<It>, detail::iter_val_t<It>, Hash, std::equal_to<detail::iter_key_t<It>>,     \
               Allocator>;                                                                                      \
    template <class K, class V, class Allocator>                                                                \
        requires detail::allocator_like<Allocator>                                                              \
    Map(std::initializer_list<std::pair<K, V>>, std::size_t, Allocator)                                         \
        -> Map<K, V, gomap::hash<K>, std::equal_to<K>, Allocator>;                                              \
    template <class K, class V, class Hash, class Allocator>                                                    \
        requires(detail::hasher_like<Hash> && detail::allocator_like<Allocator>)                                \
    Map(std::initializer_list<std::pair<K, V>>, std::size_t, Hash, Allocator)                                   \
        -> Map<K, V, Hash, std::equal_to<K>, Allocator>;                                                        \
    template <class K, class V, class Hash, class KeyEqual, class Allocator>                                    \
    Map(const Map<K, V, Hash, KeyEqual, Allocator>&, const std::type_identity_t<Allocator>&)                    \
        -> Map<K, V, Hash, KeyEqual, Allocator>;                                                                \
    template <class K, class V, class Hash, class KeyEqual, class Allocator>                                    \
    Map(Map<K, V, Hash, KeyEqual, Allocator>&&, const std::type_identity_t<Allocator>&)                         \
        -> Map<K, V, Hash, KeyEqual, Allocator>;

GOMAP_DEDUCTION_GUIDES(go_map)
GOMAP_DEDUCTION_GUIDES(map)
GOMAP_DEDUCTION_GUIDES(node_map)
#undef GOMAP_DEDUCTION_GUIDES

// std::erase_if for gomap maps: erases every entry for which pred(entry) is true.
// gomap::map: like erase(key), it may start a shrink once the loop is done:
// iterators are then invalidated. go_map never shrinks (Go's rule).
template <class K, class V, class H, class E, class A, class P, class Pred>
typename basic_map<K, V, H, E, A, P>::size_type erase_if(basic_map<K, V, H, E, A, P>& m, Pred pred) {
    const auto before = m.size();
    for (auto it = m.begin(); it != m.end();) {
        if (pred(*it))
            it = m.erase(it);
        else
            ++it;
    }
    if constexpr (!std::is_same_v<P, go_policy>) {
        if (m.size() != before) m.t_.shrink_if_due();
    }
    return before - m.size();
}

}  // namespace gomap
