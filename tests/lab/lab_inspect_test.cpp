// gomap-lab inspect: the drawing is the map. Golden text where the lab's hash
// makes it deterministic, and structural checks that tie the drawn buckets
// (go_map) or groups (gomap::map, the flat engine) to the header fields and to
// the script that built the map.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lab_run.hpp"

using labtest::lines_of;
using labtest::run_lab;
using labtest::split_cells;

namespace {

// What the text drawing says, parsed back.
struct drawing {
    std::map<std::string, std::string> field;  // hmap header: name -> value
    struct chain {
        std::string label;                              // "new[3]", "old[0]"
        std::string note;                               // "not initialised yet...", "evacuated; ..." or ""
        bool evacuated = false;                         // "  evacuated" after the head bucket
        std::vector<std::vector<std::string>> buckets;  // 8 cells each
    };
    std::vector<chain> old_array, new_array;
    std::vector<std::string> caption;
};

// "  new[12]   ..." -> "new[12]" (or "" when the line is not a bucket line).
std::string bucket_label(const std::string& line) {
    if (line.rfind("  old[", 0) != 0 && line.rfind("  new[", 0) != 0) return "";
    const auto close = line.find(']');
    return close == std::string::npos ? "" : line.substr(2, close - 1);
}

drawing parse(const std::string& text) {
    drawing d;
    std::vector<drawing::chain>* arr = nullptr;
    bool in_header = false, caption_done = false;
    for (const auto& line : lines_of(text)) {
        if (!caption_done) {
            if (line.empty())
                caption_done = true;
            else
                d.caption.push_back(line);
            continue;
        }
        if (line.rfind("hmap ", 0) == 0 || line.rfind("table ", 0) == 0) {
            in_header = true;
            continue;
        }
        if (in_header) {
            // "  name       value   note": the value ends at two spaces.
            if (line.empty()) {
                in_header = false;
            } else if (line.rfind("  ", 0) == 0) {
                auto [name, value] = labtest::header_field_of(line);
                d.field[name] = value;
            }
            continue;
        }
        if (line.rfind("old array", 0) == 0) arr = &d.old_array;
        if (line.rfind("new array", 0) == 0 || line.rfind("buckets:", 0) == 0) arr = &d.new_array;
        if (arr == nullptr) continue;
        const std::string label = bucket_label(line);
        const auto open = line.find("| "), close = line.rfind(" |");
        if (!label.empty() && open != std::string::npos && close > open) {
            drawing::chain c;
            c.label = label;
            c.buckets.push_back(split_cells(line.substr(open + 2, close - open - 2)));
            c.evacuated = line.find("evacuated", close) != std::string::npos;
            arr->push_back(c);
        } else if (line.rfind("    overflow | ", 0) == 0 && close > open && !arr->empty()) {
            arr->back().buckets.push_back(split_cells(line.substr(open + 2, close - open - 2)));
        } else if (!label.empty() && line.find(" . ") != std::string::npos) {
            drawing::chain c;
            c.label = label;
            c.note = line.substr(line.find(" . ") + 3);
            arr->push_back(c);
        }
    }
    return d;
}

bool live(const std::string& cell) {
    return cell.find(':') != std::string::npos;
}
long key_of(const std::string& cell) {
    return std::stol(cell.substr(cell.find(':') + 1));
}

// The invariants every drawing must show, whatever the script.
// deleted: the keys deleted, when all are known (the caption lists 12 at most).
void check_drawing(const drawing& d, long n_inserted, const std::set<long>& deleted,
                   bool know_deleted = true) {
    const std::size_t B = std::stoul(d.field.at("B"));
    ASSERT_EQ(d.new_array.size(), std::size_t{1} << B) << "one line per bucket of the current array";
    for (std::size_t i = 0; i < d.new_array.size(); ++i)
        EXPECT_EQ(d.new_array[i].label, "new[" + std::to_string(i) + "]");
    const bool resizing = d.field.at("resizing") != "no";
    if (resizing) {
        const std::size_t oldB = std::stoul(d.field.at("old_B"));
        ASSERT_EQ(d.old_array.size(), std::size_t{1} << oldB);
        const std::size_t nevacuate = std::stoul(d.field.at("nevacuate"));
        for (std::size_t j = 0; j < nevacuate; ++j)
            EXPECT_TRUE(d.old_array[j].evacuated) << "old[" << j << "]";
    } else {
        EXPECT_TRUE(d.old_array.empty());
        EXPECT_EQ(d.field.at("old_B"), "-");
        EXPECT_EQ(d.field.at("nevacuate"), "-");
    }
    std::size_t buckets = 0, overflow = 0, live_cells = 0;
    std::multiset<long> keys;
    for (const auto* arr : {&d.old_array, &d.new_array})
        for (const auto& c : *arr) {
            if (!c.note.empty()) continue;
            buckets += c.buckets.size();
            if (!c.evacuated) overflow += c.buckets.size() - 1;
            bool rest = false;
            for (const auto& b : c.buckets) {
                ASSERT_EQ(b.size(), 8u) << c.label << ": 8 tophash cells per bucket";
                for (const auto& cell : b) {
                    if (c.evacuated) {
                        EXPECT_TRUE(cell == "evX" || cell == "evY" || cell == "evE")
                            << c.label << " " << cell;
                        continue;
                    }
                    if (rest) {
                        EXPECT_EQ(cell, "rest") << c.label << ": only emptyRest after emptyRest";
                    }
                    if (cell == "rest") rest = true;
                    if (live(cell)) {
                        ++live_cells;
                        keys.insert(key_of(cell));
                    }
                }
            }
        }
    EXPECT_EQ(live_cells, std::stoul(d.field.at("count"))) << "the drawn entries are the count";
    std::multiset<long> expected;
    for (long k = 0; k < n_inserted; ++k)
        if (!deleted.count(k)) expected.insert(k);
    if (know_deleted) {
        EXPECT_EQ(keys, expected) << "every key present is drawn once, no deleted key is";
    }
    EXPECT_EQ(std::set<long>(keys.begin(), keys.end()).size(), keys.size()) << "no key drawn twice";
    for (long k : keys) EXPECT_TRUE(k >= 0 && k < n_inserted) << k;
    EXPECT_EQ(d.field.at("noverflow").empty(), false);
    // Below B = 4 there are no preallocated spares: every overflow bucket is
    // allocated by itself, so bytes are the buckets drawn (144 B each), plus
    // the array of a resize that just finished, which the next writes free.
    if (!resizing && B < 4) {
        const std::size_t bytes = std::stoul(d.field.at("bytes")),
                          drawn = ((std::size_t{1} << B) + overflow) * 144;
        EXPECT_GE(bytes, drawn);
        EXPECT_EQ((bytes - drawn) % 144, 0u);
        EXPECT_EQ(std::stoul(d.field.at("noverflow")), overflow);
    }
    EXPECT_GE(buckets, d.new_array.size());
}

std::set<long> deleted_in_caption(const drawing& d) {
    std::set<long> del;
    const auto& first = d.caption.at(1);  // "deleted in this order: 5, 9, ..."
    const auto at = first.find("in this order: ");
    if (at == std::string::npos) return del;
    long v = -1;
    for (char c : first.substr(at + 15) + ",") {
        if (c >= '0' && c <= '9') {
            v = (v < 0 ? 0 : v * 10) + (c - '0');
        } else if (v >= 0) {
            del.insert(v);
            v = -1;
        }
    }
    return del;
}

// ---- gomap::map: the flat engine's groups --------------------------------------

// What the flat drawing says, parsed back.
struct flat_drawing {
    std::map<std::string, std::string> field;  // the table header: name -> value
    std::vector<std::string> caption;
    struct group {
        std::string label;               // "cur[3]", "old[0]"
        std::vector<std::string> cells;  // 15: "5a:12", "5a:12*" (away from its home group) or "--"
        std::string overflow;            // the overflow byte, bits 7..0: "00100000"
        bool migrated = false;           // "  migrated" after the cells
    };
    struct array {
        bool current = false;
        std::size_t groups = 0, cursor = 0;  // as its heading says (cursor: old arrays)
        std::vector<group> drawn;
    };
    std::vector<array> arrays;  // the old arrays, oldest first, then the current one
    bool no_array = false;      // "no array: ..." instead of a current array
};

flat_drawing parse_flat(const std::string& text) {
    flat_drawing f;
    const drawing header = parse(text);  // the caption and the header fields
    f.field = header.field;
    f.caption = header.caption;
    for (const auto& line : lines_of(text)) {
        if (line.rfind("old array ", 0) == 0) {  // "old array 0: 8 groups, cursor 2 of 8: ..."
            flat_drawing::array a;
            a.groups = std::stoul(line.substr(line.find(": ") + 2));
            a.cursor = std::stoul(line.substr(line.find("cursor ") + 7));
            f.arrays.push_back(a);
        } else if (line.rfind("current array: 2^B = ", 0) == 0) {
            flat_drawing::array a;
            a.current = true;
            a.groups = std::stoul(line.substr(21));
            f.arrays.push_back(a);
        } else if (line.rfind("no array:", 0) == 0) {
            f.no_array = true;
        } else if ((line.rfind("  cur[", 0) == 0 || line.rfind("  old[", 0) == 0) && !f.arrays.empty()) {
            const auto open = line.find("| "), close = line.find(" | of ");
            if (open == std::string::npos || close == std::string::npos) continue;
            flat_drawing::group g;
            g.label = line.substr(2, line.find(']') - 1);
            g.cells = split_cells(line.substr(open + 2, close - open - 2));
            g.overflow = line.substr(close + 6, 8);
            g.migrated = line.find("  migrated", close) != std::string::npos;
            f.arrays.back().drawn.push_back(g);
        }
    }
    return f;
}

bool is_entry(const std::string& cell) {
    return cell.find(':') != std::string::npos;
}
bool is_away(const std::string& cell) {
    return !cell.empty() && cell.back() == '*';
}
// "5a:12" -> "5a", 12 (and "5a:12*" too).
bool well_formed(const std::string& cell) {
    if (cell == "--") return true;
    const auto colon = cell.find(':');
    if (colon != 2 || !labtest::is_hex(cell[0]) || !labtest::is_hex(cell[1])) return false;
    const std::string digits = cell.substr(3, cell.size() - 3 - (is_away(cell) ? 1 : 0));
    return !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos &&
           cell.substr(0, 2) != "00";
}

// An entry away from its home group is reachable all the same: from some other
// group, the probe sequence (home, home+1, home+3, home+6, ...) comes to it
// passing only groups whose overflow bit for its hash (h % 8, which the
// reduced byte keeps) is set.
bool reachable_from_another_home(const flat_drawing::array& a, std::size_t g, unsigned bit) {
    const std::size_t n = a.drawn.size();
    for (std::size_t home = 0; home < n; ++home) {
        if (home == g) continue;
        std::size_t at = home;
        for (std::size_t step = 0; step < n && a.drawn[at].overflow[7 - bit] == '1';) {
            at = (at + ++step) % n;
            if (at == g) return true;
        }
    }
    return false;
}

// The bytes of one group of int64 -> int64: 15 entries of 16 B and a 16-byte word.
constexpr std::size_t kGroupBytes = 15 * 16 + 16;

// The invariants every flat drawing must show, whatever the script.
// deleted: the keys deleted, when all are known (know_deleted).
void check_flat_drawing(const flat_drawing& d, long n_inserted, const std::set<long>& deleted,
                        bool know_deleted = true) {
    const std::size_t B = std::stoul(d.field.at("B")), groups = std::stoul(d.field.at("groups")),
                      count = std::stoul(d.field.at("count")), bytes = std::stoul(d.field.at("bytes"));
    if (groups == 0) {
        EXPECT_TRUE(d.no_array);
        EXPECT_TRUE(d.arrays.empty());
        EXPECT_EQ(count, 0u);
        EXPECT_EQ(bytes, 0u) << "a map with no array holds nothing";
        return;
    }
    EXPECT_EQ(groups, std::size_t{1} << B);
    EXPECT_EQ(d.field.at("max_load"), std::to_string(groups * 15 * 7 / 8));
    ASSERT_FALSE(d.arrays.empty());
    const auto& cur = d.arrays.back();
    ASSERT_TRUE(cur.current) << "the current array is drawn last";
    EXPECT_EQ(cur.groups, groups);
    ASSERT_EQ(cur.drawn.size(), groups) << "one line per group of the current array";
    for (std::size_t i = 0; i < groups; ++i) {
        EXPECT_EQ(cur.drawn[i].label, "cur[" + std::to_string(i) + "]");
        EXPECT_FALSE(cur.drawn[i].migrated);
    }
    const std::size_t olds = d.arrays.size() - 1;
    const std::string resizing = d.field.at("resizing");
    if (resizing != "no") {
        ASSERT_GE(olds, 1u) << "the old array is drawn while resizing";
        const std::size_t old_B = std::stoul(d.field.at("old_B")),
                          cursor = std::stoul(d.field.at("nevacuate"));
        EXPECT_EQ(d.arrays[0].drawn.size(), std::size_t{1} << old_B);
        EXPECT_EQ(d.arrays[0].cursor, cursor);
        const std::string dir = old_B < B ? "grow" : old_B > B ? "shrink" : "same-size";
        EXPECT_EQ(resizing, "yes: " + dir + ", old_B " + std::to_string(old_B) + " -> B " +
                                std::to_string(B) + ", cursor " + std::to_string(cursor) + " of " +
                                std::to_string(std::size_t{1} << old_B));
    } else {
        EXPECT_EQ(olds, 0u);
        EXPECT_EQ(d.field.at("old_B"), "-");
        EXPECT_EQ(d.field.at("nevacuate"), "-");
    }
    std::size_t live = 0, drawn_groups = 0;
    std::multiset<long> keys;
    for (const auto& a : d.arrays) {
        EXPECT_EQ(a.drawn.size(), a.groups) << "every group of the array is drawn";
        if (!a.current) {
            EXPECT_LT(a.cursor, a.groups) << "an old array whose cursor reached its end is gone";
        }
        drawn_groups += a.drawn.size();
        for (std::size_t j = 0; j < a.drawn.size(); ++j) {
            const auto& g = a.drawn[j];
            SCOPED_TRACE(g.label);
            if (!a.current) {
                EXPECT_EQ(g.label, "old[" + std::to_string(j) + "]");
                EXPECT_EQ(g.migrated, j < a.cursor) << "migrated: exactly the old groups below the cursor";
            }
            ASSERT_EQ(g.cells.size(), 15u) << "15 slots per group";
            ASSERT_EQ(g.overflow.size(), 8u);
            EXPECT_EQ(g.overflow.find_first_not_of("01"), std::string::npos) << g.overflow;
            for (const auto& cell : g.cells) {
                EXPECT_TRUE(well_formed(cell)) << cell;
                if (!is_entry(cell)) continue;
                EXPECT_FALSE(g.migrated) << "a migrated group is empty: " << cell;
                ++live;
                keys.insert(key_of(cell));
                if (is_away(cell)) {
                    const unsigned bit = std::stoul(cell.substr(0, 2), nullptr, 16) % 8;
                    EXPECT_TRUE(reachable_from_another_home(a, j, bit)) << cell;
                }
            }
        }
    }
    EXPECT_EQ(live, count) << "the drawn entries are the count";
    std::multiset<long> expected;
    for (long k = 0; k < n_inserted; ++k)
        if (!deleted.count(k)) expected.insert(k);
    if (know_deleted) {
        EXPECT_EQ(keys, expected) << "every key present is drawn once, no deleted key is";
    }
    EXPECT_EQ(std::set<long>(keys.begin(), keys.end()).size(), keys.size()) << "no key drawn twice";
    for (long k : keys) {
        EXPECT_TRUE(k >= 0 && k < n_inserted) << k;
        EXPECT_EQ(deleted.count(k), 0u) << "deleted, yet drawn: " << k;
    }
    // Bytes are the drawn groups, 256 B each, and a small header per array
    // (the lab's maps are far below the size whose arrays are freed gradually).
    ASSERT_GE(bytes, drawn_groups * kGroupBytes);
    const std::size_t headers = bytes - drawn_groups * kGroupBytes;
    EXPECT_EQ(headers % d.arrays.size(), 0u) << bytes;
    EXPECT_LT(headers / d.arrays.size(), kGroupBytes) << bytes;
}

// The deleted keys the caption lists ("deleted in this order: 5, 9, ..."), in order.
std::vector<long> deleted_in_order(const std::vector<std::string>& caption) {
    std::vector<long> del;
    for (const auto& line : caption) {
        const auto at = line.find("deleted in this order: ");
        if (at == std::string::npos) continue;
        long v = -1;
        for (char c : line.substr(at + 23) + ",") {
            if (c >= '0' && c <= '9') {
                v = (v < 0 ? 0 : v * 10) + (c - '0');
            } else if (v >= 0) {
                del.push_back(v);
                v = -1;
            }
        }
    }
    return del;
}

// "stopped after step 176 of 180 (delete 75): ..." -> 176 (0: ran to the end).
std::size_t steps_done(const std::vector<std::string>& caption) {
    for (const auto& line : caption)
        if (line.rfind("stopped after step ", 0) == 0) return std::stoul(line.substr(19));
    return 0;
}

TEST(LabInspect, DefaultDrawingIsGolden) {
    const auto r = run_lab({"inspect"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(labtest::golden_diff("inspect_default.txt", labtest::mask_hash0(r.out)), "");
    const auto d = parse(r.out);
    check_drawing(d, 20, deleted_in_caption(d));
    EXPECT_EQ(d.field.at("count"), "15");
    EXPECT_EQ(r.out.find("\033["), std::string::npos) << "no colour when stdout is not a terminal";
}

TEST(LabInspect, MidGrowDrawingIsGolden) {
    const auto r = run_lab({"inspect", "--n", "60", "--delete", "0", "--seed", "5", "--stop-mid-resize"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(labtest::golden_diff("inspect_mid_grow.txt", labtest::mask_hash0(r.out)), "");
    const auto d = parse(r.out);
    EXPECT_EQ(d.field.at("resizing"), "yes: grow (doubling), old_B 2 -> B 3");
    check_drawing(d, 27, {});  // stopped after 27 inserts
    // A new bucket is drawn as not initialised exactly when its old bucket
    // (i & (2^old_B - 1)) is not evacuated.
    for (std::size_t i = 0; i < d.new_array.size(); ++i) {
        const bool source_done = d.old_array[i & 3].evacuated;
        EXPECT_EQ(d.new_array[i].note.empty(), source_done) << d.new_array[i].label;
    }
}

TEST(LabInspect, StructureMatchesHeaderForManyScripts) {
    for (const std::string seed : {"1", "2", "3"})
        for (const auto& [n, k] :
             std::vector<std::pair<int, int>>{{1, 0}, {9, 3}, {26, 4}, {100, 37}, {300, 290}})
            for (const std::string map : {"go_map", "map"}) {
                SCOPED_TRACE(map + " n=" + std::to_string(n) + " k=" + std::to_string(k) + " seed=" + seed);
                const auto r = run_lab({"inspect", "--map", map, "--n", std::to_string(n), "--delete",
                                        std::to_string(k), "--seed", seed});
                ASSERT_EQ(r.status, 0) << r.err;
                EXPECT_EQ(r.out.find("invariant broken"), std::string::npos);
                if (map == "go_map") {
                    const auto d = parse(r.out);
                    EXPECT_EQ(deleted_in_caption(d).size(), std::size_t(k > 12 ? 12 : k));
                    check_drawing(d, n, deleted_in_caption(d), k <= 12);
                    EXPECT_EQ(std::stol(d.field.at("count")), n - k);
                } else {
                    const auto f = parse_flat(r.out);
                    EXPECT_EQ(r.out.find("\nhmap "), std::string::npos) << "map draws groups, not buckets";
                    const auto del = deleted_in_order(f.caption);
                    EXPECT_EQ(del.size(), std::size_t(k > 12 ? 12 : k));
                    check_flat_drawing(f, n, std::set<long>(del.begin(), del.end()), k <= 12);
                    EXPECT_EQ(std::stol(f.field.at("count")), n - k);
                }
            }
}

TEST(LabInspect, MapDrawingIsGolden) {
    const auto r = run_lab({"inspect", "--map", "map", "--n", "20", "--delete", "5"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(labtest::golden_diff("inspect_map_default.txt", labtest::mask_hash0(r.out)), "");
    const auto f = parse_flat(r.out);
    const auto del = deleted_in_order(f.caption);
    check_flat_drawing(f, 20, std::set<long>(del.begin(), del.end()));
    // 15 entries: the smallest array, 2 groups, no resize.
    EXPECT_EQ(f.field.at("count"), "15");
    EXPECT_EQ(f.field.at("B"), "1");
    EXPECT_EQ(f.field.at("resizing"), "no");
}

// Every script whose last phase leaves a flat grow or shrink half done, for a
// few seeds: the drawing shows the old array with its cursor, and still every
// entry exactly once.
TEST(LabInspect, MapMidResizeDrawingsMatchTheirHeaders) {
    for (const std::string seed : {"1", "2", "3"})
        for (const auto& [n, k] :
             std::vector<std::pair<long, long>>{{60, 0}, {100, 80}, {300, 290}, {1000, 900}}) {
            SCOPED_TRACE("n=" + std::to_string(n) + " k=" + std::to_string(k) + " seed=" + seed);
            const auto r = run_lab({"inspect", "--map", "map", "--n", std::to_string(n), "--delete",
                                    std::to_string(k), "--seed", seed, "--stop-mid-resize"});
            ASSERT_EQ(r.status, 0) << r.err;
            EXPECT_EQ(r.out.find("invariant broken"), std::string::npos);
            const auto f = parse_flat(r.out);
            const long done = static_cast<long>(steps_done(f.caption));
            ASSERT_GT(done, 0) << "stopped mid-resize";
            EXPECT_EQ(f.field.at("resizing").rfind(k == 0 ? "yes: grow, " : "yes: shrink, ", 0), 0u)
                << f.field.at("resizing");
            EXPECT_GT(std::stoul(f.field.at("nevacuate")), 0u);
            ASSERT_GE(f.arrays.size(), 2u);
            if (k == 0) {
                // Stopped after `done` inserts: keys 0..done-1, every one drawn once.
                check_flat_drawing(f, done, {});
            } else {
                // Stopped after done - n deletes: the first ones the caption lists are gone.
                const long deletes = done - n;
                auto del = deleted_in_order(f.caption);
                del.resize(std::min<std::size_t>(del.size(), static_cast<std::size_t>(deletes)));
                check_flat_drawing(f, n, std::set<long>(del.begin(), del.end()), false);
                EXPECT_EQ(std::stol(f.field.at("count")), n - deletes);
            }
        }
}

TEST(LabInspect, GoMapKeepsItsBucketsWhereMapShrinks) {
    const auto go = parse(run_lab({"inspect", "--map", "go_map", "--n", "300", "--delete", "290"}).out);
    const auto gm = parse_flat(run_lab({"inspect", "--map", "map", "--n", "300", "--delete", "290"}).out);
    EXPECT_EQ(go.field.at("B"), "6") << "300 entries need B = 6, and go_map keeps it";
    EXPECT_LT(std::stoi(gm.field.at("B")), 6) << "map shrank";
    // 10 entries: shrinks go to the array that holds twice the size, here the
    // smallest one (2 groups), and finish within the deletes that follow.
    EXPECT_EQ(gm.field.at("B"), "1");
    EXPECT_EQ(gm.field.at("resizing"), "no");
    check_flat_drawing(gm, 300, {}, false);
    EXPECT_EQ(gm.field.at("count"), "10");
    EXPECT_LT(std::stoul(gm.field.at("bytes")) * 8, std::stoul(go.field.at("bytes")));
}

TEST(LabInspect, MidShrinkShowsBothArrays) {
    const auto r = run_lab({"inspect", "--map", "map", "--n", "100", "--delete", "80", "--stop-mid-resize"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto f = parse_flat(r.out);
    EXPECT_EQ(f.field.at("resizing").rfind("yes: shrink, old_B ", 0), 0u) << f.field.at("resizing");
    EXPECT_GT(std::stoul(f.field.at("nevacuate")), 0u);
    ASSERT_EQ(f.arrays.size(), 2u) << "one old array and the current one";
    const auto& old = f.arrays[0];
    EXPECT_FALSE(old.current);
    EXPECT_GT(old.drawn.size(), f.arrays[1].drawn.size()) << "a shrink: the old array is the larger";
    // Below the cursor: migrated and empty; from it on, entries still to move.
    std::size_t waiting = 0;
    for (std::size_t j = 0; j < old.drawn.size(); ++j) {
        EXPECT_EQ(old.drawn[j].migrated, j < old.cursor) << old.drawn[j].label;
        for (const auto& cell : old.drawn[j].cells) waiting += is_entry(cell) ? 1 : 0;
    }
    EXPECT_GT(waiting, 0u) << "entries still in the old array";
    EXPECT_NE(f.caption.back().find("a resize is in progress"), std::string::npos);
    const long deletes = static_cast<long>(steps_done(f.caption)) - 100;
    auto del = deleted_in_order(f.caption);
    del.resize(std::min<std::size_t>(del.size(), static_cast<std::size_t>(deletes)));
    check_flat_drawing(f, 100, std::set<long>(del.begin(), del.end()), false);
}

TEST(LabInspect, OpsStopsTheScriptEarly) {
    const auto r = run_lab({"inspect", "--n", "20", "--delete", "5", "--ops", "22"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto d = parse(r.out);
    EXPECT_EQ(d.field.at("count"), "18") << "20 inserts and 2 of the 5 deletes";
    EXPECT_NE(r.out.find("stopped after step 22 of 25 (delete "), std::string::npos);
}

TEST(LabInspect, OpsZeroStopsBeforeTheFirstStep) {
    const auto r = run_lab({"inspect", "--n", "5", "--ops", "0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("stopped before the first of 10 steps"), std::string::npos) << r.out;
    EXPECT_EQ(parse(r.out).field.at("count"), "0");
}

TEST(LabInspect, EmptyMapHasNoBucketArray) {
    const auto r = run_lab({"inspect", "--n", "0", "--delete", "0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("no bucket array"), std::string::npos);
    EXPECT_EQ(parse(r.out).field.at("count"), "0");
}

// Issue #14, 5: the defaults adapt to a small --n. `--n 3` alone used to
// fail on the default --delete 5, which the user never typed; now --delete
// defaults to N below 5 and only what the user gave can conflict.
TEST(LabInspect, SmallNWorksWithTheDefaults) {
    for (const std::string n : {"0", "1", "3", "4", "5"}) {
        SCOPED_TRACE("--n " + n);
        const auto r = run_lab({"inspect", "--n", n});
        ASSERT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.err, "");
        const auto d = parse(r.out);
        EXPECT_EQ(d.field.at("count"), "0") << "every key inserted, then deleted (5 or N of them)";
        if (n != "0") {
            EXPECT_NE(r.out.find("then delete " + n + " of them"), std::string::npos) << r.out;
        }
    }
    // The default 5 is unchanged from N = 5 on: the golden default drawing and
    // a --n 6 script that deletes 5 keys.
    const auto six = run_lab({"inspect", "--n", "6"});
    ASSERT_EQ(six.status, 0) << six.err;
    EXPECT_EQ(parse(six.out).field.at("count"), "1");
    // What the user typed still conflicts.
    const auto typed = run_lab({"inspect", "--n", "3", "--delete", "5"});
    EXPECT_EQ(typed.status, 2);
    EXPECT_NE(typed.err.find("--delete 5 is more than --n 3"), std::string::npos) << typed.err;
    EXPECT_EQ(typed.err.find("default"), std::string::npos) << typed.err;
}

// Issue #14, 4: without --format, the format follows --out's extension: .svg
// is svg, anything else text. --format given and the name saying the other
// format is refused with exit 2 (tests/lab/lab_arguments_test.cpp), and a
// --format agreeing with the name, or with a neutral name, is obeyed.
TEST(LabInspect, OutFormatFollowsTheFileName) {
    struct out_case {
        std::vector<std::string> extra;
        std::string file;
        bool svg;
    };
    const std::vector<out_case> cases = {
        {{}, "a.svg", true},
        {{}, "b.SVG", true},
        {{}, "c.txt", false},
        {{}, "d", false},
        {{}, "e.out", false},
        {{"--format", "svg"}, "f.svg", true},
        {{"--format", "svg"}, "g.drawing", true},
        {{"--format", "text"}, "h.txt", false},
        {{"--format", "text"}, "i", false},
        {{"--map", "map"}, "j.svg", true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.file);
        const std::string path = labtest::scratch(c.file);
        std::vector<std::string> args = {"inspect", "--n", "26", "--delete", "4", "--out", path};
        args.insert(args.end(), c.extra.begin(), c.extra.end());
        const auto r = run_lab(args);
        ASSERT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.out, "");
        const std::string text = labtest::read_file(path);
        if (c.svg) {
            EXPECT_EQ(text.rfind("<?xml", 0), 0u) << text.substr(0, 80);
            EXPECT_NE(text.find("<svg "), std::string::npos);
        } else {
            EXPECT_EQ(text.rfind("gomap::go_map: insert keys 0..25", 0), 0u) << text.substr(0, 80);
            EXPECT_EQ(text.find("<svg"), std::string::npos);
        }
    }
    for (const auto& bad : {std::vector<std::string>{"--format", "text", "--out", "x.svg"},
                            std::vector<std::string>{"--format", "svg", "--out", "x.txt"}}) {
        const std::string path = labtest::scratch(bad[3]);
        const auto r = run_lab({"inspect", bad[0], bad[1], bad[2], path});
        EXPECT_EQ(r.status, 2) << bad[3];
        EXPECT_NE(r.err.find("contradicts --out"), std::string::npos) << r.err;
        EXPECT_FALSE(labtest::file_exists(path));
    }
}

TEST(LabInspect, SvgDrawsEveryCellAndKey) {
    const std::string path = labtest::scratch("inspect.svg");
    const auto r = run_lab({"inspect", "--n", "26", "--delete", "4", "--format", "svg", "--out", path});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "") << "--out: nothing on stdout";
    const std::string svg = labtest::read_file(path);
    ASSERT_EQ(svg.rfind("<?xml", 0), 0u);
    ASSERT_GE(svg.size(), 7u);
    EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
    const auto d = parse(run_lab({"inspect", "--n", "26", "--delete", "4"}).out);
    std::size_t buckets = 0;
    for (const auto& c : d.new_array) buckets += c.buckets.size();
    auto count = [&](const std::string& needle) {
        std::size_t n = 0;
        for (auto at = svg.find(needle); at != std::string::npos; at = svg.find(needle, at + 1)) ++n;
        return n;
    };
    EXPECT_EQ(count("<rect class=\"c "), 8 * buckets) << "8 tophash cells per bucket";
    EXPECT_EQ(count("<rect class=\"p\""), buckets) << "one overflow pointer field per bucket";
    EXPECT_EQ(count("<circle"), buckets - d.new_array.size()) << "one arrow per overflow link";
    std::size_t empty_one = 0;
    for (const auto& c : d.new_array)
        for (const auto& b : c.buckets)
            for (const auto& cell : b) empty_one += cell == "one";
    EXPECT_GT(empty_one, 0u);
    EXPECT_EQ(count("<rect class=\"c o\""), empty_one) << "the emptyOne cells of the text drawing";
    EXPECT_EQ(count(">k="), 22u) << "one key label per entry";
    EXPECT_NE(svg.find(">hmap<"), std::string::npos);
    EXPECT_NE(svg.find(">hash0<"), std::string::npos);
}

TEST(LabInspect, ColourOnlyWhenAsked) {
    const auto plain = run_lab({"inspect", "--color", "never"});
    const auto colour = run_lab({"inspect", "--color", "always"});
    EXPECT_EQ(plain.out.find("\033["), std::string::npos);
    EXPECT_NE(colour.out.find("\033[32m"), std::string::npos);
    EXPECT_EQ(labtest::mask_hash0(labtest::strip_ansi(colour.out)), labtest::mask_hash0(plain.out));
}

TEST(LabInspect, EmptyMapHasNoArray) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"inspect", "--map", "map", "--n", "0", "--delete", "0"},
                                               {"inspect", "--map", "map", "--n", "10", "--delete", "10"}}) {
        const auto r = run_lab(args);
        ASSERT_EQ(r.status, 0) << r.err;
        const auto f = parse_flat(r.out);
        EXPECT_EQ(f.field.at("count"), "0");
        EXPECT_TRUE(f.no_array) << "an empty gomap::map holds no array";
        check_flat_drawing(f, 10, {});
    }
}

TEST(LabInspect, MapSvgDrawsEveryGroupAndBit) {
    const std::vector<std::string> script = {"inspect", "--map",    "map", "--n",
                                             "100",     "--delete", "80",  "--stop-mid-resize"};
    const std::string path = labtest::scratch("inspect-map.svg");
    auto svg_args = script;
    for (const std::string a : {"--format", "svg", "--out", path.c_str()}) svg_args.push_back(a);
    const auto r = run_lab(svg_args);
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string svg = labtest::read_file(path);
    ASSERT_EQ(svg.rfind("<?xml", 0), 0u);
    ASSERT_GE(svg.size(), 7u);
    EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
    const auto f = parse_flat(run_lab(script).out);
    std::size_t groups = 0, entries = 0, away = 0, set_bits = 0, migrated = 0;
    for (const auto& a : f.arrays)
        for (const auto& g : a.drawn) {
            ++groups;
            migrated += g.migrated ? 1 : 0;
            for (const auto& cell : g.cells) {
                entries += is_entry(cell) ? 1 : 0;
                away += is_away(cell) ? 1 : 0;
            }
            set_bits += static_cast<std::size_t>(std::count(g.overflow.begin(), g.overflow.end(), '1'));
        }
    auto count = [&](const std::string& needle) {
        std::size_t n = 0;
        for (auto at = svg.find(needle); at != std::string::npos; at = svg.find(needle, at + 1)) ++n;
        return n;
    };
    EXPECT_EQ(groups, 12u) << "8 old groups and 4 current ones";
    EXPECT_EQ(count("<rect class=\"c "), 15 * groups) << "15 slots per group";
    EXPECT_EQ(count("<rect class=\"c e\""), entries - away);
    EXPECT_EQ(count("<rect class=\"c a\""), away) << "entries away from home, as in the text";
    EXPECT_EQ(count("<rect class=\"c g\""), 15 * migrated) << "the migrated groups' slots";
    EXPECT_EQ(count("<rect class=\"s\""), set_bits) << "the overflow bits set in the text drawing";
    EXPECT_EQ(count("<rect class=\"s\"") + count("<rect class=\"b\""), 8 * groups) << "8 bits per group";
    EXPECT_EQ(count(">k="), entries) << "one key label per entry";
    EXPECT_EQ(count(">migrated<"), migrated);
    EXPECT_GT(set_bits, 0u);
    EXPECT_NE(svg.find(">table<"), std::string::npos);
    EXPECT_NE(svg.find(">hash0<"), std::string::npos);
}

TEST(LabInspect, MapColourOnlyWhenAsked) {
    const std::vector<std::string> script = {"inspect", "--map",    "map", "--n",
                                             "100",     "--delete", "80",  "--stop-mid-resize"};
    auto plain_args = script, colour_args = script;
    plain_args.insert(plain_args.end(), {"--color", "never"});
    colour_args.insert(colour_args.end(), {"--color", "always"});
    const auto plain = run_lab(plain_args);
    const auto colour = run_lab(colour_args);
    EXPECT_EQ(plain.out.find("\033["), std::string::npos);
    EXPECT_NE(colour.out.find("\033[32m"), std::string::npos);
    EXPECT_EQ(labtest::mask_hash0(labtest::strip_ansi(colour.out)), labtest::mask_hash0(plain.out));
}

}  // namespace
