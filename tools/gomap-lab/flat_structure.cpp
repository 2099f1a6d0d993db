// gomap-lab — drawing gomap::map's flat engine as text and as SVG (flat_structure.hpp).
#include "flat_structure.hpp"

#include <algorithm>
#include <cstdio>

#include "lab.hpp"
#include "svg.hpp"

namespace lab {

namespace {

// The overflow byte as bits 7..0, the order the legend reads them in.
std::string bits8(std::uint8_t v) {
    std::string s;
    for (int b = 7; b >= 0; --b) s += (v >> b) & 1 ? '1' : '0';
    return s;
}

std::string pad(std::string s, std::size_t w) {
    if (s.size() < w) s.resize(w, ' ');
    return s;
}

std::string pow2(std::size_t n) {
    return std::to_string(std::size_t{1} << n);
}

std::size_t old_arrays(const flat_structure& s) {
    std::size_t n = 0;
    for (const auto& a : s.arrays) n += a.current ? 0 : 1;
    return n;
}

std::string label_of(const flat_array& a, const flat_group& g) {
    return std::string(a.current ? "cur[" : "old[") + std::to_string(g.index) + "]";
}

std::string cell_text(const flat_cell& c) {
    if (c.reduced == 0) return "--";
    return hex8(c.reduced) + ":" + std::to_string(c.key) + (c.away ? "*" : "");
}

const char* direction_word(gomap::resize_direction d) {
    switch (d) {
        case gomap::resize_direction::grow:
            return "grow";
        case gomap::resize_direction::shrink:
            return "shrink";
        case gomap::resize_direction::same_size:
            return "same-size";
        default:
            return "none";
    }
}

// The max load of g groups, as flat_table::max_load_of computes it.
std::size_t max_load_of(std::size_t groups) {
    return groups * kGroupSlots * 7 / 8;
}

// When the current array shrinks, as flat_table::update_shrink_at decides it.
std::string shrink_note(const gomap::map_stats& st) {
    if (!st.auto_shrink) return "auto-shrink is off";
    if (st.buckets <= 2) return "2 groups never shrink";
    if (st.min_B != 0 && st.buckets <= (std::size_t{1} << st.min_B)) return "the size hint stops shrinks";
    return "an erase below " + std::to_string(max_load_of(st.buckets) / 4) + " (1/4) shrinks";
}

std::string old_heading(std::size_t i, const flat_array& a) {
    const std::size_t n = a.groups.size();
    std::string h = "old array " + std::to_string(i) + ": " + std::to_string(n) + " groups, cursor " +
                    std::to_string(a.cursor) + " of " + std::to_string(n) +
                    ": the groups below it are migrated";
    h += i == 0 ? "; each write migrates the next non-empty ones" : "; its turn comes after the older ones";
    return h;
}

std::string current_heading(const flat_structure& s) {
    std::string h = "current array: 2^B = " + std::to_string(s.stats.buckets) + " groups";
    if (const std::size_t n = old_arrays(s); n > 0)
        h += std::string("; lookups look here first, then in the old array") + (n > 1 ? "s" : "");
    return h;
}

}  // namespace

std::string flat_resize_text(const gomap::map_stats& st, const flat_structure& s) {
    if (!st.resizing) return "no";
    std::string t = std::string("yes: ") + direction_word(st.direction);
    if (old_arrays(s) == 0) return t + ", the next array's metadata is being zeroed (not drawn)";
    return t + ", old_B " + std::to_string(st.old_B) + " -> B " + std::to_string(st.B) + ", cursor " +
           std::to_string(st.nevacuate) + " of " + pow2(st.old_B);
}

std::vector<flat_field> flat_header_fields(const flat_structure& s, const std::string& hash_note) {
    const auto& st = s.stats;
    const bool any = st.buckets != 0;
    const std::size_t olds = old_arrays(s);
    const bool drawn = st.resizing && olds > 0;
    return {
        {"count", std::to_string(st.count), "live entries"},
        {"B", std::to_string(st.B),
         any ? "2^B = " + std::to_string(st.buckets) + " groups in the current array"
             : "no array (none before the first insert; an emptied map gives its arrays back)"},
        {"groups", std::to_string(st.buckets),
         any ? std::to_string(kGroupSlots) + " slots each (" + std::to_string(st.buckets * kGroupSlots) +
                   " slots), " + std::to_string(st.bucket_size) +
                   " B a group: " + std::to_string(kGroupSlots) + " entries and a 16-byte word"
             : ""},
        {"max_load", any ? std::to_string(max_load_of(st.buckets)) : "-",
         any ? "7/8 of the slots: an insert at it grows; " + shrink_note(st) : ""},
        {"hash0", hex64(st.hash0), hash_note},
        {"resizing", flat_resize_text(st, s), ""},
        {"old_B", drawn ? std::to_string(st.old_B) : "-",
         drawn ? "2^old_B = " + pow2(st.old_B) + " groups in the " +
                     (olds > 1 ? "oldest of " + std::to_string(olds) + " old arrays" : "old array")
               : ""},
        {"nevacuate", drawn ? std::to_string(st.nevacuate) : "-",
         drawn ? "the old array's migration cursor: its groups below it are migrated" : ""},
        {"bytes", std::to_string(st.bytes), human_bytes(st.bytes) + " held from the allocator"},
    };
}

std::string flat_header_text(const flat_structure& s, const std::string& hash_note) {
    char buf[320];
    std::string o = "table  " + s.map_name + "\n";
    for (const auto& f : flat_header_fields(s, hash_note)) {
        std::snprintf(buf, sizeof buf, "  %-10s %-20s %s", f.name.c_str(), f.value.c_str(), f.note.c_str());
        std::string line = buf;
        while (!line.empty() && line.back() == ' ') line.pop_back();
        o += line + "\n";
    }
    return o;
}

std::string render_flat_text(const flat_structure& s, bool colour, const std::vector<std::string>& caption,
                             const std::string& hash_note) {
    std::string o;
    for (const auto& c : caption) o += c + "\n";
    if (!caption.empty()) o += "\n";
    o += flat_header_text(s, hash_note);

    std::size_t cw = 2, lw = 8;  // widest cell, widest label
    for (const auto& a : s.arrays)
        for (const auto& g : a.groups) {
            lw = std::max(lw, label_of(a, g).size());
            for (const auto& c : g.cells) cw = std::max(cw, cell_text(c).size());
        }
    auto paint = [&](const char* code, const std::string& t) { return colour ? code + t + "\033[0m" : t; };
    auto draw = [&](const flat_array& a) {
        std::string slots = "  " + pad("slot", lw) + "   ";
        for (std::size_t i = 0; i < kGroupSlots; ++i) slots += pad(std::to_string(i), cw + 1);
        o += slots + "  overflow bits 7..0\n";
        for (const auto& g : a.groups) {
            std::string line = "  " + pad(label_of(a, g), lw) + " | ";
            for (std::size_t i = 0; i < kGroupSlots; ++i) {
                const auto& c = g.cells[i];
                const std::string t = pad(cell_text(c), cw);
                line += (c.reduced == 0 ? paint("\033[2m", t) : paint(c.away ? "\033[33m" : "\033[32m", t)) +
                        (i + 1 < kGroupSlots ? " " : "");
            }
            line += " | of " + (g.overflow ? paint("\033[35m", bits8(g.overflow)) : bits8(g.overflow));
            if (g.migrated) line += "  " + paint("\033[2m", "migrated");
            o += line + "\n";
        }
    };
    std::size_t i = 0;
    for (const auto& a : s.arrays) {
        if (a.current) continue;
        o += "\n" + old_heading(i++, a) + "\n";
        draw(a);
    }
    if (s.stats.buckets == 0) {
        o += "\nno array: gomap::map allocates its first array at the first insert, and gives every array\n"
             "back when it becomes empty\n";
    } else {
        for (const auto& a : s.arrays)
            if (a.current) {
                o += "\n" + current_heading(s) + "\n";
                draw(a);
            }
    }
    o +=
        "\ncells: 5a:12 = an entry: reduced hash 0x5a (the low byte of the key's hash; 00 is stored as 08),\n"
        "       key 12; 5a:12* = an entry away from its home group (the hash's top B bits), which was\n"
        "       full when the entry was placed; -- = an empty slot (byte 0: an erase just zeroes it).\n"
        "of:    the overflow byte, bits 7..0: bit h % 8 is set when an insert of a key with hash h found\n"
        "       this group full and probed on (home, home+1, home+3, home+6, ...); a lookup of hash h\n"
        "       stops at the first group on that path whose bit h % 8 is clear.\n";
    if (old_arrays(s) > 0)
        o += "migrated: an old group below the cursor, now empty; it keeps its overflow byte, and lookups\n"
             "       in the old array still pass through it.\n";
    return o;
}

// ---- SVG ------------------------------------------------------------------------

namespace {

constexpr double kCellW = 46, kCellH = 40, kRowGap = 12, kBitW = 12, kBitH = 20, kBitsGap = 14;
constexpr double kLeft = 20, kLabelW = 92;
constexpr double kSlotsW = kGroupSlots * kCellW;
constexpr double kRowW = kSlotsW + kBitsGap + 8 * kBitW;

constexpr const char *kEntryFill = "#cfeecf", *kAwayFill = "#fde9a9", *kEmptyFill = "#eeeeee",
                     *kMigratedFill = "#eeeaf5", *kBitFill = "#e8743b";

// Cells are many: their look lives in one stylesheet (as in structure.cpp).
// Classes: c e/a/r/g = a slot (entry, entry away, empty, migrated group's
// slot); s/b = an overflow bit set/clear; t, k, n = texts.
std::string flat_style() {
    return std::string("<style>\n") + ".c{stroke:#555555}.e{fill:" + kEntryFill + "}.a{fill:" + kAwayFill +
           "}.r{fill:" + kEmptyFill + "}.g{fill:" + kMigratedFill + "}\n" +
           ".b{stroke:#555555;fill:#ffffff}.s{stroke:#555555;fill:" + kBitFill +
           "}\n"
           ".t{font-family:'DejaVu Sans "
           "Mono',monospace;font-weight:bold;font-size:13.5px;text-anchor:middle}\n"
           ".k{font-size:10.5px;fill:#333333;text-anchor:middle}.n{font-size:9.5px;fill:#888888;text-anchor:"
           "middle}\n"
           "</style>\n";
}

std::string svg_group(double x, double y, const flat_group& g) {
    std::string o = "<g transform=\"translate(" + svg::num(x) + "," + svg::num(y) + ")\">";
    for (std::size_t i = 0; i < kGroupSlots; ++i) {
        const auto& c = g.cells[i];
        const double cx = kCellW * static_cast<double>(i);
        const char* fill = c.reduced == 0 ? (g.migrated ? "g" : "r") : c.away ? "a" : "e";
        o += "<rect class=\"c " + std::string(fill) + "\" x=\"" + svg::num(cx) + "\" width=\"" +
             svg::num(kCellW) + "\" height=\"" + svg::num(kCellH) + "\"/>";
        if (c.reduced != 0) {
            const std::string mid = svg::num(cx + kCellW / 2);
            o += "<text class=\"t\" x=\"" + mid + "\" y=\"17\">" + hex8(c.reduced) +
                 "</text><text class=\"k\" x=\"" + mid + "\" y=\"33\">k=" + std::to_string(c.key) + "</text>";
        }
        o += "\n";
    }
    // The overflow byte: bits 7..0, set bits filled.
    const double bx = kSlotsW + kBitsGap, by = (kCellH - kBitH) / 2;
    for (int b = 7; b >= 0; --b) {
        const bool set = (g.overflow >> b) & 1;
        o += "<rect class=\"" + std::string(set ? "s" : "b") + "\" x=\"" +
             svg::num(bx + kBitW * static_cast<double>(7 - b)) + "\" y=\"" + svg::num(by) + "\" width=\"" +
             svg::num(kBitW) + "\" height=\"" + svg::num(kBitH) + "\"/>";
    }
    return o + "</g>\n";
}

// Slot numbers over the cells and bit numbers over the overflow byte.
std::string svg_numbers(double x, double y) {
    std::string o;
    for (std::size_t i = 0; i < kGroupSlots; ++i)
        o += "<text class=\"n\" x=\"" + svg::num(x + kCellW * static_cast<double>(i) + kCellW / 2) +
             "\" y=\"" + svg::num(y) + "\">" + std::to_string(i) + "</text>";
    for (int b = 7; b >= 0; --b)
        o += "<text class=\"n\" x=\"" + svg::num(x + kSlotsW + kBitsGap + kBitW * (7 - b) + kBitW / 2) +
             "\" y=\"" + svg::num(y) + "\">" + std::to_string(b) + "</text>";
    return o + "\n";
}

}  // namespace

std::string render_flat_svg(const flat_structure& s, const std::vector<std::string>& caption,
                            const std::string& hash_note) {
    const auto& st = s.stats;
    const double W = std::max(900.0, kLeft + kLabelW + kRowW + kLeft);
    std::string body;
    double y = 28;
    for (std::size_t i = 0; i < caption.size(); ++i) {
        body += svg::text(kLeft, y, caption[i], "start", i == 0 ? 16 : 12.5,
                          i == 0 ? "font-weight=\"bold\"" : "fill=\"#444444\"") +
                "\n";
        y += i == 0 ? 22 : 18;
    }
    y += 8;

    // Header: the text drawing's fields.
    const std::vector<flat_field> fields = flat_header_fields(s, hash_note);
    const double hh = 26 + 19 * static_cast<double>(fields.size());
    body += svg::rect(kLeft, y, W - 2 * kLeft, hh, "#f8f8fb", "#888888", "rx=\"6\"") + "\n";
    body += svg::text(kLeft + 12, y + 20, "table", "start", 13.5, "font-weight=\"bold\"") + "\n";
    body +=
        svg::text(kLeft + 60, y + 20, s.map_name + " (the flat engine)", "start", 12.5, "fill=\"#444444\"") +
        "\n";
    double fy = y + 40;
    const std::string mono = "font-family=\"DejaVu Sans Mono, monospace\"";
    for (const auto& f : fields) {
        body += svg::text(kLeft + 24, fy, f.name, "start", 12.5, mono) + "\n";
        body += svg::text(kLeft + 124, fy, f.value, "start", 12.5, mono + " font-weight=\"bold\"") + "\n";
        if (!f.note.empty())
            body += svg::text(kLeft + 400, fy, f.note, "start", 11.5, "fill=\"#555555\"") + "\n";
        fy += 19;
    }
    y += hh + 26;

    auto array = [&](const flat_array& a, const std::string& title) {
        body += svg::text(kLeft, y, title, "start", 13, "font-weight=\"bold\"") + "\n";
        y += 18;
        const double x0 = kLeft + kLabelW;
        body += svg_numbers(x0, y);
        y += 5;
        for (const auto& g : a.groups) {
            body += svg::text(kLeft, y + 18, label_of(a, g), "start", 13,
                              "font-family=\"DejaVu Sans Mono, monospace\" font-weight=\"bold\"") +
                    "\n";
            if (g.migrated)
                body += svg::text(kLeft, y + 33, "migrated", "start", 10.5, "fill=\"#6a51a3\"") + "\n";
            body += svg_group(x0, y, g);
            y += kCellH + kRowGap;
        }
        y += 16;
    };
    std::size_t i = 0;
    for (const auto& a : s.arrays)
        if (!a.current) {
            array(a, old_heading(i, a));
            ++i;
        }
    if (st.buckets == 0) {
        body +=
            svg::text(kLeft, y, "no array: allocated at the first insert, given back when the map empties",
                      "start", 13) +
            "\n";
        y += 30;
    } else {
        for (const auto& a : s.arrays)
            if (a.current) array(a, current_heading(s));
    }

    // Legend (plain fills, not the cell classes: each class counts the drawn cells).
    struct swatch {
        const char* fill;
        std::string text;
    };
    const std::vector<swatch> legend = {
        {kEntryFill, "entry: reduced hash (low byte of the hash) and key"},
        {kAwayFill, "entry away from its home group (the hash's top B bits)"},
        {kEmptyFill, "empty slot (byte 0; an erase just zeroes it)"},
        {kMigratedFill, "migrated old group: empty, its entries moved on"},
        {kBitFill, "overflow bit h % 8: an insert of hash h passed this group full"},
        {"#ffffff", "bit clear: lookups of hashes with this h % 8 stop here"},
    };
    for (std::size_t k = 0; k < legend.size(); ++k) {
        const double lx = kLeft + static_cast<double>(k % 2) * 450;
        const double ly = y + static_cast<double>(k / 2) * 22;
        body += svg::rect(lx, ly - 12, 22, 15, legend[k].fill, "#555555") + "\n";
        body += svg::text(lx + 30, ly, legend[k].text, "start", 12) + "\n";
    }
    y += 3 * 22 + 10;

    return svg::open(W, y, caption.empty() ? s.map_name : caption.front()) + flat_style() + body +
           svg::close();
}

}  // namespace lab
