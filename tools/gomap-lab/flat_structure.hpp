// gomap-lab — gomap::map's flat engine drawn the way structure.hpp draws Go's
// hmap: the table header, every group's 15 slot bytes and its overflow byte,
// and each old array with its migration cursor while a resize is in progress.
// The engine is include/gomap/detail/flat_table.hpp; its metadata word is
// described in include/gomap/detail/group.hpp.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <gomap/detail/group.hpp>
#include <gomap/hash.hpp>
#include <gomap/stats.hpp>
#include <string>
#include <vector>

#include "structure.hpp"

namespace lab {

inline constexpr std::size_t kGroupSlots = gomap::detail::group_slots;

struct flat_cell {
    std::uint8_t reduced = 0;  // the slot's byte of the word: the hash's low byte, 0 = empty
    std::int64_t key = 0;      // when reduced != 0
    bool away = false;         // not in its home group: its insert found the home group full
};

struct flat_group {
    std::size_t index = 0;
    std::array<flat_cell, kGroupSlots> cells;
    std::uint8_t overflow = 0;  // byte 15 of the word: bit h % 8 set when an insert of hash h passed it full
    bool migrated = false;      // an old group below its array's cursor: its entries moved on
};

struct flat_array {
    bool current = false;
    std::size_t cursor = 0;  // old arrays: groups below it are migrated
    std::vector<flat_group> groups;
};

struct flat_structure {
    std::string map_name;  // "gomap::map<int64_t, int64_t>"
    gomap::map_stats stats;
    std::vector<flat_array> arrays;  // the old arrays, oldest first, then the current one
};

// Reads the map through its read-only inspect_groups() hook. An entry is
// "away" when the engine's hash of its key (seeded_hash with the map's hash0,
// as flat_table::hash_of) puts its home group elsewhere in its array.
template <class Map>
flat_structure capture_flat(const Map& m, std::string map_name) {
    flat_structure s;
    s.map_name = std::move(map_name);
    s.stats = m.stats();
    m.inspect_groups([&](const auto& v) {
        if (s.arrays.size() <= v.array_index) {
            s.arrays.emplace_back();
            s.arrays.back().current = v.current;
            s.arrays.back().cursor = v.cursor;
            s.arrays.back().groups.reserve(v.groups);
        }
        // Home group of hash h: its top log2(groups) bits (an array has at least 2 groups).
        const unsigned bits = static_cast<unsigned>(std::countr_zero(v.groups));
        flat_group g;
        g.index = v.index;
        g.overflow = v.word[gomap::detail::overflow_byte];
        g.migrated = !v.current && v.index < v.cursor;
        for (std::size_t i = 0; i < kGroupSlots; ++i) {
            if (v.word[i] == 0) continue;
            auto& c = g.cells[i];
            c.reduced = v.word[i];
            c.key = v.entry(i).first;
            const std::uint64_t h = gomap::detail::seeded_hash(m.hash_function(), c.key, s.stats.hash0);
            c.away = bits != 0 && (h >> (64 - bits)) != v.index;
        }
        s.arrays.back().groups.push_back(g);
    });
    return s;
}

// "yes: shrink, old_B 3 -> B 2, cursor 2 of 8", or "no".
std::string flat_resize_text(const gomap::map_stats& st, const flat_structure& s);
// The header fields: the name, its value, a note.
using flat_field = header_field;
std::vector<flat_field> flat_header_fields(const flat_structure& s, const std::string& hash_note);
// The header fields, one per line.
std::string flat_header_text(const flat_structure& s, const std::string& hash_note);
// The whole table: header, each old array (during a resize), the current array, legend.
std::string render_flat_text(const flat_structure& s, bool colour, const std::vector<std::string>& caption,
                             const std::string& hash_note);
// The same as an SVG picture.
std::string render_flat_svg(const flat_structure& s, const std::vector<std::string>& caption,
                            const std::string& hash_note);

}  // namespace lab
