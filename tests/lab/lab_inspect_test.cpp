// gomap-lab inspect: the drawing is the map. Golden text where the lab's hash
// makes it deterministic, and structural checks that tie the drawn buckets to
// the header fields and to the script that built the map.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "lab_run.hpp"

using labtest::lines_of;
using labtest::run_lab;

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

std::vector<std::string> split_cells(const std::string& inside) {
    std::vector<std::string> cells;
    std::string cur;
    for (char c : inside + " ") {
        if (c == ' ') {
            if (!cur.empty()) cells.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    return cells;
}

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
        if (line.rfind("hmap ", 0) == 0) {
            in_header = true;
            continue;
        }
        if (in_header) {
            // "  name       value   note": the value ends at two spaces.
            if (line.empty()) {
                in_header = false;
            } else if (line.rfind("  ", 0) == 0) {
                const auto name_end = line.find(' ', 2);
                const auto value_at = line.find_first_not_of(' ', name_end);
                const auto value_end = line.find("  ", value_at);
                d.field[line.substr(2, name_end - 2)] = line.substr(
                    value_at, value_end == std::string::npos ? std::string::npos : value_end - value_at);
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
                const auto d = parse(r.out);
                EXPECT_EQ(deleted_in_caption(d).size(), std::size_t(k > 12 ? 12 : k));
                check_drawing(d, n, deleted_in_caption(d), k <= 12);
                EXPECT_EQ(std::stol(d.field.at("count")), n - k);
            }
}

TEST(LabInspect, GoMapKeepsItsBucketsWhereMapShrinks) {
    const auto go = parse(run_lab({"inspect", "--map", "go_map", "--n", "300", "--delete", "290"}).out);
    const auto gm = parse(run_lab({"inspect", "--map", "map", "--n", "300", "--delete", "290"}).out);
    EXPECT_EQ(go.field.at("B"), "6") << "300 entries need B = 6, and go_map keeps it";
    EXPECT_LT(std::stoi(gm.field.at("B")), 6) << "map shrank";
    EXPECT_LT(std::stoul(gm.field.at("bytes")) * 8, std::stoul(go.field.at("bytes")));
}

TEST(LabInspect, MidShrinkShowsBothArrays) {
    const auto r = run_lab({"inspect", "--map", "map", "--n", "100", "--delete", "80", "--stop-mid-resize"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto d = parse(r.out);
    EXPECT_EQ(d.field.at("resizing").rfind("yes: shrink, old_B ", 0), 0u) << d.field.at("resizing");
    EXPECT_GT(std::stoul(d.field.at("nevacuate")), 0u);
    EXPECT_FALSE(d.old_array.empty());
    EXPECT_NE(d.caption.back().find("a resize is in progress"), std::string::npos);
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

}  // namespace
