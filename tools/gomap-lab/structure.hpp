// gomap-lab — a map's structure as the article draws it: the hmap header, each
// bucket's 8 tophash cells, overflow chains, and the old and new arrays while a
// resize is in progress. `inspect` draws it whole; `trace-delete` draws chains.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <gomap/detail/bmap.hpp>
#include <gomap/hash.hpp>
#include <gomap/map.hpp>
#include <gomap/stats.hpp>
#include <string>
#include <vector>

namespace lab {

// The lab's hash for int64 keys. By default a fixed mix keyed by --seed, which
// ignores the hash0 the engine passes in (drawn at random for every map), so
// that the same --seed gives the same buckets on every run. With `real` set it
// is gomap::hash<int64_t> keyed by hash0, as in any program: the layout then
// changes from run to run, and with every re-draw of hash0.
struct lab_hash {
    std::uint64_t seed = 1;
    bool real = false;
    std::uint64_t operator()(const std::int64_t& key, std::uint64_t hash0) const noexcept {
        if (real) return gomap::hash<std::int64_t>{}(key, hash0);
        std::uint64_t z =
            static_cast<std::uint64_t>(key) * 0x9e3779b97f4a7c15ULL + seed * 0xd1b54a32d192ed03ULL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    std::size_t operator()(const std::int64_t& key) const noexcept { return (*this)(key, 0); }
};

using lab_go_map = gomap::go_map<std::int64_t, std::int64_t, lab_hash>;
using lab_map = gomap::map<std::int64_t, std::int64_t, lab_hash>;

struct cell_view {
    std::uint8_t top = gomap::detail::emptyRest;  // the tophash byte
    std::int64_t key = 0;                         // when top >= minTopHash
};
struct bucket_view {
    std::array<cell_view, gomap::detail::bucketCnt> cells;
};

enum class chain_state {
    live,           // a chain to walk: head bucket, then its overflow buckets
    evacuated,      // an old bucket whose entries moved: its head shows the marks
    released,       // an evacuated old bucket whose pages went back to the OS
    uninitialised,  // a new bucket whose source old bucket is not evacuated yet
};

struct chain_view {
    bool old = false;
    std::size_t index = 0;
    chain_state state = chain_state::live;
    std::vector<bucket_view> buckets;  // head first; empty when released/uninitialised
};

struct structure {
    std::string map_name;  // "gomap::go_map<int64_t, int64_t>"
    gomap::map_stats stats;
    std::vector<chain_view> old_array, new_array;

    // The chain holding `key` (nullptr: absent); sets bucket (0 = head) and slot.
    const chain_view* find(std::int64_t key, std::size_t& bucket, std::size_t& slot) const;
};

// Reads the map through its read-only inspect_buckets() hook.
template <class Map>
structure capture(const Map& m, std::string map_name) {
    structure s;
    s.map_name = std::move(map_name);
    s.stats = m.stats();
    m.inspect_buckets([&](bool is_old, std::size_t index, const auto* head, bool evacuated) {
        chain_view c;
        c.old = is_old;
        c.index = index;
        if (head == nullptr) {
            c.state = is_old ? chain_state::released : chain_state::uninitialised;
        } else {
            c.state = evacuated ? chain_state::evacuated : chain_state::live;
            for (const auto* b = head; b != nullptr; b = b->overflow) {
                bucket_view v;
                for (std::size_t i = 0; i < gomap::detail::bucketCnt; ++i) {
                    v.cells[i].top = b->tophash[i];
                    if (b->tophash[i] >= gomap::detail::minTopHash) v.cells[i].key = b->entry(i)->first;
                }
                c.buckets.push_back(v);
            }
        }
        (is_old ? s.old_array : s.new_array).push_back(std::move(c));
    });
    return s;
}

// Terminal colours (ANSI), used only when asked to.
struct text_style {
    bool colour = false;
    int key_width = 2;  // digits of the widest key, for aligned cells
};
text_style style_for(const structure& s, bool colour);

// A cell as text: "9c:12" (tophash and key), or one/rest/evX/evY/evE.
std::string cell_text(const cell_view& c);
// One chain: its label, then the 8 cells of each bucket, one bucket per line.
// `mark` (bucket, slot) is drawn in reverse video when colour is on, or in
// brackets otherwise; pass bucket = SIZE_MAX for none.
std::string chain_text(const chain_view& c, const text_style& st, std::size_t mark_bucket = SIZE_MAX,
                       std::size_t mark_slot = 0, const std::string& label = "");
// The line that numbers the slots above chain_text's cells.
std::string slot_header(const text_style& st, const std::string& label);
// A header field: its name, its value, a note.
struct header_field {
    std::string name, value, note;
};
// The hmap header fields, as header_text prints them.
std::vector<header_field> header_fields(const structure& s, const std::string& hash_note);
// The header fields, one per line.
std::string header_text(const structure& s, const std::string& hash_note);
// The whole structure: header, old array (during a resize), new array, legend.
std::string render_text(const structure& s, const text_style& st, const std::vector<std::string>& caption,
                        const std::string& hash_note);
// The same as an SVG picture.
std::string render_svg(const structure& s, const std::vector<std::string>& caption,
                       const std::string& hash_note);

// Prose for the resize in progress ("grow: old_B 2 -> B 3, nevacuate 1 of 4").
std::string resize_text(const gomap::map_stats& st);
std::string hex64(std::uint64_t v);
// A byte as 2 hex digits (a tophash, a slot byte).
std::string hex8(std::uint8_t v);

}  // namespace lab
