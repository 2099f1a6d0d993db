// gomap-lab — drawing a map's structure as text and as SVG (structure.hpp).
#include "structure.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "lab.hpp"
#include "svg.hpp"

namespace lab {

namespace dt = gomap::detail;

const chain_view* structure::find(std::int64_t key, std::size_t& bucket, std::size_t& slot) const {
    for (const auto* arr : {&old_array, &new_array})
        for (const auto& c : *arr) {
            if (c.state != chain_state::live) continue;
            for (std::size_t b = 0; b < c.buckets.size(); ++b)
                for (std::size_t i = 0; i < dt::bucketCnt; ++i) {
                    const auto& cell = c.buckets[b].cells[i];
                    if (cell.top >= dt::minTopHash && cell.key == key) {
                        bucket = b;
                        slot = i;
                        return &c;
                    }
                }
        }
    return nullptr;
}

std::string hex8(std::uint8_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02x", v);
    return buf;
}

std::string hex64(std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%016" PRIx64, v);
    return buf;
}

namespace {

// Short names of the reserved tophash values (detail/bmap.hpp).
const char* marker(std::uint8_t top) {
    switch (top) {
        case dt::emptyRest:
            return "rest";
        case dt::emptyOne:
            return "one";
        case dt::evacuatedX:
            return "evX";
        case dt::evacuatedY:
            return "evY";
        default:
            return "evE";
    }
}

const char* colour_of(std::uint8_t top) {
    if (top >= dt::minTopHash) return "\033[32m";  // live: green
    if (top == dt::emptyOne) return "\033[33m";    // emptyOne: yellow
    if (top == dt::emptyRest) return "\033[2m";    // emptyRest: dim
    return "\033[35m";                             // evacuated: magenta
}

// "1 overflow bucket", "2 overflow buckets".
std::string count_of(std::size_t n, const std::string& what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

std::string pad(std::string s, std::size_t w) {
    if (s.size() < w) s.resize(w, ' ');
    return s;
}

std::string label_of(const chain_view& c) {
    return std::string(c.old ? "old[" : "new[") + std::to_string(c.index) + "]";
}

std::size_t label_width(const structure& s) {
    std::size_t w = 6;
    for (const auto* arr : {&s.old_array, &s.new_array})
        if (!arr->empty()) w = std::max(w, label_of(arr->back()).size());
    return w;
}

// Where an uninitialised new bucket gets its entries from.
std::string source_of(const structure& s, std::size_t i) {
    const auto& st = s.stats;
    const std::size_t j = st.old_B > st.B ? i : (i & ((std::size_t{1} << st.old_B) - 1));
    return "old[" + std::to_string(j) + "]";
}

std::string direction_text(gomap::resize_direction d) {
    switch (d) {
        case gomap::resize_direction::grow:
            return "grow (doubling)";
        case gomap::resize_direction::same_size:
            return "same-size grow (compacting overflow chains)";
        case gomap::resize_direction::shrink:
            return "shrink";
        default:
            return "none";
    }
}

}  // namespace

std::string cell_text(const cell_view& c) {
    if (c.top >= dt::minTopHash) return hex8(c.top) + ":" + std::to_string(c.key);
    return marker(c.top);
}

text_style style_for(const structure& s, bool colour) {
    text_style st;
    st.colour = colour;
    for (const auto* arr : {&s.old_array, &s.new_array})
        for (const auto& c : *arr)
            for (const auto& b : c.buckets)
                for (const auto& cell : b.cells)
                    if (cell.top >= dt::minTopHash)
                        st.key_width =
                            std::max<int>(st.key_width, static_cast<int>(std::to_string(cell.key).size()));
    return st;
}

std::string chain_text(const chain_view& c, const text_style& st, std::size_t mark_bucket,
                       std::size_t mark_slot, const std::string& label) {
    const std::size_t cw = std::max<std::size_t>(4, 3 + static_cast<std::size_t>(st.key_width));
    const std::size_t lw = std::max<std::size_t>(label.size(), 10);
    std::string out;
    for (std::size_t b = 0; b < c.buckets.size(); ++b) {
        std::string line = "  " + pad(b == 0 ? label : "  overflow", lw) + " | ";
        for (std::size_t i = 0; i < dt::bucketCnt; ++i) {
            const auto& cell = c.buckets[b].cells[i];
            std::string t = pad(cell_text(cell), cw);
            if (st.colour) t = colour_of(cell.top) + t + "\033[0m";
            line += t + (i + 1 < dt::bucketCnt ? " " : "");
        }
        line += " |";
        if (b + 1 < c.buckets.size()) line += " -> overflow";
        if (b == 0 && c.state == chain_state::evacuated) line += "  evacuated";
        out += line + "\n";
        if (b == mark_bucket) {
            std::string caret(2 + lw + 3 + mark_slot * (cw + 1), ' ');
            out += caret + std::string(cw, '^') + "\n";
        }
    }
    return out;
}

std::string slot_header(const text_style& st, const std::string& label) {
    const std::size_t cw = std::max<std::size_t>(4, 3 + static_cast<std::size_t>(st.key_width));
    const std::size_t lw = std::max<std::size_t>(label.size(), 10);
    std::string line = "  " + pad("slot", lw) + "   ";
    for (std::size_t i = 0; i < dt::bucketCnt; ++i) line += pad(std::to_string(i), cw + 1);
    while (line.back() == ' ') line.pop_back();
    return line + "\n";
}

std::string resize_text(const gomap::map_stats& st) {
    if (!st.resizing) return "no";
    return "yes: " + direction_text(st.direction) + ", old_B " + std::to_string(st.old_B) + " -> B " +
           std::to_string(st.B);
}

std::vector<header_field> header_fields(const structure& s, const std::string& hash_note) {
    const auto& st = s.stats;
    return {
        {"count", std::to_string(st.count), "live entries"},
        {"B", std::to_string(st.B),
         st.buckets
             ? "2^B = " + std::to_string(st.buckets) + " buckets of " + std::to_string(st.bucket_size) + " B"
             : "no bucket array yet (allocated at the first insert)"},
        {"noverflow", std::to_string(st.noverflow),
         count_of(st.overflow_buckets, "overflow bucket") + " in chains, " +
             std::to_string(st.preallocated_overflow) + " preallocated with the array"},
        {"hash0", hex64(st.hash0), hash_note},
        {"resizing", resize_text(st), ""},
        {"old_B", st.resizing ? std::to_string(st.old_B) : "-",
         st.resizing ? "2^old_B = " + std::to_string(std::size_t{1} << st.old_B) + " old buckets" : ""},
        {"nevacuate", st.resizing ? std::to_string(st.nevacuate) : "-",
         st.resizing ? "old buckets below it are evacuated" : ""},
        {"bytes", std::to_string(st.bytes), human_bytes(st.bytes) + " held from the allocator"},
    };
}

std::string header_text(const structure& s, const std::string& hash_note) {
    char buf[256];
    std::string o = "hmap  " + s.map_name + "\n";
    for (const auto& f : header_fields(s, hash_note)) {
        std::snprintf(buf, sizeof buf, "  %-10s %-20s %s", f.name.c_str(), f.value.c_str(), f.note.c_str());
        std::string line = buf;
        while (!line.empty() && line.back() == ' ') line.pop_back();
        o += line + "\n";
    }
    return o;
}

std::string render_text(const structure& s, const text_style& st, const std::vector<std::string>& caption,
                        const std::string& hash_note) {
    std::string o;
    for (const auto& c : caption) o += c + "\n";
    if (!caption.empty()) o += "\n";
    o += header_text(s, hash_note);
    const std::size_t lw = label_width(s);
    auto array = [&](const std::vector<chain_view>& arr, const std::string& title) {
        o += "\n" + title + "\n";
        for (const auto& c : arr) {
            const std::string label = pad(label_of(c), lw);
            if (c.state == chain_state::uninitialised) {
                o += "  " + pad(label, 10) + " . not initialised yet: filled when " + source_of(s, c.index) +
                     " is evacuated\n";
            } else if (c.state == chain_state::released) {
                o += "  " + pad(label, 10) + " . evacuated; its pages went back to the OS\n";
            } else {
                o += chain_text(c, st, SIZE_MAX, 0, label);
            }
        }
    };
    const auto& hs = s.stats;
    if (hs.resizing) {
        const std::size_t nold = std::size_t{1} << hs.old_B;
        std::string how;
        if (hs.direction == gomap::resize_direction::grow)
            how = "old[j] splits into new[j] (X) and new[j+" + std::to_string(nold) + "] (Y)";
        else
            how = "old[j] moves into new[j]";
        array(s.old_array, "old array: 2^old_B = " + std::to_string(nold) + " buckets; " + how +
                               "; nevacuate = " + std::to_string(hs.nevacuate));
    }
    if (hs.buckets == 0) {
        o += "\nno bucket array: B = 0 allocates its one bucket at the first insert\n";
    } else {
        array(s.new_array, (hs.resizing ? "new array: 2^B = " : "buckets: 2^B = ") +
                               std::to_string(hs.buckets) + " buckets");
    }
    o += "\ncells: 9c:12 = an entry: tophash 0x9c, key 12; one = emptyOne (1); rest = emptyRest (0):\n"
         "       this slot and every later one in the chain are empty, lookups stop here;\n"
         "       evX / evY = evacuatedX / evacuatedY (2 / 3): moved to the first / second half;\n"
         "       evE = evacuatedEmpty (4): was empty when evacuated.\n";
    return o;
}

// ---- SVG ------------------------------------------------------------------------

namespace {

constexpr double kCellW = 50, kCellH = 40, kPtrW = 18, kChainGap = 34, kRowGap = 14;
constexpr double kBucketW = 8 * kCellW + kPtrW;

const char* fill_of(std::uint8_t top) {
    if (top >= dt::minTopHash) return "#cfeecf";
    switch (top) {
        case dt::emptyRest:
            return "#eeeeee";
        case dt::emptyOne:
            return "#ffe7a3";
        case dt::evacuatedX:
            return "#dcd2f4";
        case dt::evacuatedY:
            return "#cbdcf6";
        default:
            return "#eeeaf5";
    }
}

// The CSS class of a cell's fill (see kCellStyle).
const char* fill_class(std::uint8_t top) {
    if (top >= dt::minTopHash) return "e";
    switch (top) {
        case dt::emptyRest:
            return "r";
        case dt::emptyOne:
            return "o";
        case dt::evacuatedX:
            return "x";
        case dt::evacuatedY:
            return "y";
        default:
            return "z";
    }
}

// Cells are many: their look lives in one stylesheet, so that each cell is a
// rect and two short texts (a mid-shrink picture stays a few tens of KB).
constexpr const char* kCellStyle =
    "<style>\n"
    ".c{stroke:#555555}.e{fill:#cfeecf}.r{fill:#eeeeee}.o{fill:#ffe7a3}.x{fill:#dcd2f4}.y{fill:#cbdcf6}"
    ".z{fill:#eeeaf5}\n"
    ".t{font-family:'DejaVu Sans Mono',monospace;font-weight:bold;font-size:14px;text-anchor:middle}\n"
    ".k{font-size:11px;fill:#333333;text-anchor:middle}.m{font-size:12.5px;fill:#444444;text-anchor:middle}"
    ".v{font-size:10px;fill:#777777;text-anchor:middle}.p{fill:#ffffff;stroke:#555555}\n"
    "</style>\n";

std::string svg_bucket(double x, double y, const bucket_view& b, bool has_next) {
    std::string o = "<g transform=\"translate(" + svg::num(x) + "," + svg::num(y) + ")\">";
    for (std::size_t i = 0; i < dt::bucketCnt; ++i) {
        const auto& c = b.cells[i];
        const std::string cx = svg::num(kCellW * static_cast<double>(i)),
                          mid = svg::num(kCellW * static_cast<double>(i) + kCellW / 2);
        o += "<rect class=\"c " + std::string(fill_class(c.top)) + "\" x=\"" + cx + "\" width=\"" +
             svg::num(kCellW) + "\" height=\"" + svg::num(kCellH) + "\"/>";
        if (c.top >= dt::minTopHash)
            o += "<text class=\"t\" x=\"" + mid + "\" y=\"17\">" + hex8(c.top) +
                 "</text><text class=\"k\" x=\"" + mid + "\" y=\"33\">k=" + std::to_string(c.key) + "</text>";
        else
            o += "<text class=\"m\" x=\"" + mid + "\" y=\"17\">" + marker(c.top) +
                 "</text><text class=\"v\" x=\"" + mid + "\" y=\"33\">(" + std::to_string(c.top) + ")</text>";
        o += "\n";
    }
    // The overflow pointer field: a dot and an arrow to the next bucket, or nil.
    const double px = 8 * kCellW;
    o += "<rect class=\"p\" x=\"" + svg::num(px) + "\" width=\"" + svg::num(kPtrW) + "\" height=\"" +
         svg::num(kCellH) + "\"/>";
    if (has_next) {
        const double my = kCellH / 2;
        o += "<circle cx=\"" + svg::num(px + kPtrW / 2) + "\" cy=\"" + svg::num(my) +
             "\" r=\"3\" fill=\"#333333\"/>";
        o += svg::line(px + kPtrW / 2, my, px + kPtrW + kChainGap - 6, my, "#333333", 1.5);
        const double ax = px + kPtrW + kChainGap;
        o += "<path d=\"M" + svg::num(ax) + "," + svg::num(my) + " l-8,-4 l0,8 z\" fill=\"#333333\"/>";
    } else {
        o += svg::line(px + 3, kCellH - 3, px + kPtrW - 3, 3, "#999999");  // nil
    }
    return o + "</g>\n";
}

}  // namespace

std::string render_svg(const structure& s, const std::vector<std::string>& caption,
                       const std::string& hash_note) {
    const auto& st = s.stats;
    std::size_t longest = 1;
    for (const auto* arr : {&s.old_array, &s.new_array})
        for (const auto& c : *arr) longest = std::max(longest, c.buckets.size());
    constexpr double left = 20, label_w = 104;
    const double chains_w = static_cast<double>(longest) * (kBucketW + kChainGap);
    const double W = std::max(900.0, left + label_w + chains_w + 10);

    std::string body;
    double y = 28;
    for (std::size_t i = 0; i < caption.size(); ++i) {
        body += svg::text(left, y, caption[i], "start", i == 0 ? 16 : 12.5,
                          i == 0 ? "font-weight=\"bold\"" : "fill=\"#444444\"") +
                "\n";
        y += i == 0 ? 22 : 18;
    }
    y += 8;

    // Header: Go's hmap fields, as the text form prints them.
    const std::vector<header_field> fields = header_fields(s, hash_note);
    const double hh = 26 + 19 * static_cast<double>(fields.size());
    body += svg::rect(left, y, W - 2 * left, hh, "#f8f8fb", "#888888", "rx=\"6\"") + "\n";
    body += svg::text(left + 12, y + 20, "hmap", "start", 13.5, "font-weight=\"bold\"") + "\n";
    body += svg::text(left + 60, y + 20, s.map_name, "start", 12.5, "fill=\"#444444\"") + "\n";
    double fy = y + 40;
    for (const auto& f : fields) {
        const std::string mono = "font-family=\"DejaVu Sans Mono, monospace\"";
        body += svg::text(left + 24, fy, f.name, "start", 12.5, mono) + "\n";
        body += svg::text(left + 124, fy, f.value, "start", 12.5, mono + " font-weight=\"bold\"") + "\n";
        if (!f.note.empty())
            body += svg::text(left + 330, fy, f.note, "start", 12, "fill=\"#555555\"") + "\n";
        fy += 19;
    }
    y += hh + 26;

    auto array = [&](const std::vector<chain_view>& arr, const std::string& title) {
        body += svg::text(left, y, title, "start", 14, "font-weight=\"bold\"") + "\n";
        y += 14;
        for (const auto& c : arr) {
            body += svg::text(left, y + 18, label_of(c), "start", 13,
                              "font-family=\"DejaVu Sans Mono, monospace\" font-weight=\"bold\"") +
                    "\n";
            const double x0 = left + label_w;
            if (c.state == chain_state::uninitialised || c.state == chain_state::released) {
                const std::string why =
                    c.state == chain_state::uninitialised
                        ? "not initialised yet: filled when " + source_of(s, c.index) + " is evacuated"
                        : "evacuated; its pages went back to the OS";
                body += svg::rect(x0, y, 8 * kCellW + kPtrW, kCellH, "#ffffff", "#aaaaaa",
                                  "stroke-dasharray=\"5,4\"") +
                        "\n";
                body +=
                    svg::text(x0 + 12, y + 25, why, "start", 12, "fill=\"#777777\" font-style=\"italic\"") +
                    "\n";
            } else {
                if (c.state == chain_state::evacuated)
                    body += svg::text(left, y + 33, "evacuated", "start", 10.5, "fill=\"#6a51a3\"") + "\n";
                for (std::size_t b = 0; b < c.buckets.size(); ++b)
                    body += svg_bucket(x0 + static_cast<double>(b) * (kBucketW + kChainGap), y, c.buckets[b],
                                       b + 1 < c.buckets.size());
            }
            y += kCellH + kRowGap;
        }
        y += 16;
    };
    if (st.resizing) {
        const std::size_t nold = std::size_t{1} << st.old_B;
        std::string how = st.direction == gomap::resize_direction::grow
                              ? "old[j] splits into new[j] (X) and new[j+" + std::to_string(nold) + "] (Y)"
                          : "old[j] moves into new[j]";
        array(s.old_array, "old array: 2^old_B = " + std::to_string(nold) + " buckets (" + how +
                               "), nevacuate = " + std::to_string(st.nevacuate));
    }
    if (st.buckets == 0) {
        body += svg::text(left, y, "no bucket array: B = 0 allocates its one bucket at the first insert",
                          "start", 13) +
                "\n";
        y += 30;
    } else {
        array(s.new_array, std::string(st.resizing ? "new array" : "buckets") +
                               ": 2^B = " + std::to_string(st.buckets) +
                               " buckets (each: 8 tophash cells, then the overflow "
                               "pointer)");
    }

    // Legend.
    struct swatch {
        std::uint8_t top;
        std::string text;
    };
    const std::vector<swatch> legend = {
        {dt::minTopHash, "entry: tophash (top byte of the hash) and key"},
        {dt::emptyOne, "emptyOne (1): empty, later slots may not be"},
        {dt::emptyRest, "emptyRest (0): empty, and so is every later slot of the chain"},
        {dt::evacuatedX, "evacuatedX (2): moved to the first half"},
        {dt::evacuatedY, "evacuatedY (3): moved to the second half"},
        {dt::evacuatedEmpty, "evacuatedEmpty (4): was empty when evacuated"},
    };
    for (std::size_t i = 0; i < legend.size(); ++i) {
        const double lx = left + static_cast<double>(i % 2) * 430;
        const double ly = y + static_cast<double>(i / 2) * 22;
        body += svg::rect(lx, ly - 12, 22, 15, fill_of(legend[i].top), "#555555") + "\n";
        body += svg::text(lx + 30, ly, legend[i].text, "start", 12) + "\n";
    }
    y += 3 * 22 + 10;

    return svg::open(W, y, caption.empty() ? s.map_name : caption.front()) + kCellStyle + body + svg::close();
}

}  // namespace lab
