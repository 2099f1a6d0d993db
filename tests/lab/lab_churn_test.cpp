// gomap-lab churn: the CSV behind the plot has one row per sample and one
// column per map, and its numbers tell the article's story: go_map holds its
// peak array after every key is gone, gomap::map holds nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "lab_run.hpp"

using labtest::lines_of;
using labtest::run_lab;

namespace {

struct csv {
    std::vector<std::string> header;
    std::vector<std::uint64_t> op;
    std::vector<std::string> phase;
    std::map<std::string, std::vector<std::uint64_t>> bytes;  // column -> one value per row
};

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> v;
    std::stringstream in(line);
    for (std::string f; std::getline(in, f, ',');) v.push_back(f);
    return v;
}

csv parse(const std::string& text) {
    csv c;
    const auto lines = lines_of(text);
    c.header = split(lines.at(0));
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const auto f = split(lines[i]);
        EXPECT_EQ(f.size(), c.header.size()) << "row " << i;
        if (f.size() != c.header.size()) continue;
        c.op.push_back(std::stoull(f[0]));
        c.phase.push_back(f[1]);
        for (std::size_t k = 2; k < f.size(); ++k) c.bytes[c.header[k]].push_back(std::stoull(f[k]));
    }
    return c;
}

// Rows a phase of `len` operations contributes with `per` samples per phase.
std::size_t rows_for(std::uint64_t len, std::uint64_t per) {
    const std::uint64_t every = std::max<std::uint64_t>(1, (len + per - 1) / per);
    return len / every + (len % every != 0 ? 1 : 0);
}

TEST(LabChurn, CsvShapeAndTheArticlesNumbers) {
    const std::string csv_path = labtest::scratch("churn.csv"), svg_path = labtest::scratch("churn.svg");
    const std::uint64_t peak = 5000, steady = 100, ops = 2000, per = 50;
    const auto r =
        run_lab({"churn", "--peak", "5000", "--steady", "100", "--ops", "2000", "--samples", "50", "--seed",
                 "3", "--maps", "go_map,map,std", "--csv", csv_path, "--plot", svg_path});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "") << "no progress bar when stderr is not a terminal";
    const csv c = parse(labtest::read_file(csv_path));

    EXPECT_EQ(c.header,
              (std::vector<std::string>{"op", "phase", "gomap::go_map", "gomap::map", "std::unordered_map"}));
    const std::size_t rows = 1 + rows_for(peak, per) + rows_for(peak - steady, per) + rows_for(2 * ops, per) +
                             rows_for(steady, per);
    ASSERT_EQ(c.op.size(), rows);
    EXPECT_EQ(c.op.front(), 0u);
    EXPECT_EQ(c.phase.front(), "start");
    EXPECT_EQ(c.op.back(), peak + (peak - steady) + 2 * ops + steady);
    for (std::size_t i = 1; i < c.op.size(); ++i) EXPECT_LT(c.op[i - 1], c.op[i]) << "row " << i;
    // Phases in order, each ending on its boundary.
    const std::vector<std::pair<std::string, std::uint64_t>> ends = {{"grow", peak},
                                                                     {"delete", 2 * peak - steady},
                                                                     {"churn", 2 * peak - steady + 2 * ops},
                                                                     {"drain", 2 * peak + 2 * ops}};
    std::size_t at = 1;
    for (const auto& [name, end] : ends) {
        while (at < c.op.size() && c.phase[at] == name && c.op[at] != end) ++at;
        ASSERT_LT(at, c.op.size()) << name;
        EXPECT_EQ(c.phase[at], name);
        EXPECT_EQ(c.op[at], end) << name << " ends on its boundary";
        ++at;
    }
    EXPECT_EQ(at, c.op.size());
    auto row_at = [&](std::uint64_t op) {
        for (std::size_t i = 0; i < c.op.size(); ++i)
            if (c.op[i] == op) return i;
        ADD_FAILURE() << "no row at op " << op;
        return std::size_t{0};
    };
    const std::size_t grown = row_at(peak), steady_row = row_at(2 * peak - steady);

    // Nothing is allocated before the first insert.
    for (const auto& [name, col] : c.bytes) EXPECT_EQ(col.front(), 0u) << name;
    // go_map: from the end of the grow on, not one byte comes back (5000 keys:
    // the grow to B = 10 finished long before the last insert).
    const auto& go = c.bytes.at("gomap::go_map");
    EXPECT_GT(go[grown], 5000u * 16);
    for (std::size_t i = grown; i < go.size(); ++i) EXPECT_EQ(go[i], go[grown]) << "row " << i;
    // map: a small fraction at the steady state, and nothing once empty.
    const auto& gm = c.bytes.at("gomap::map");
    // The flat engine grown to 5,000 entries: the smallest array whose 7/8
    // holds them, 512 groups of 256 B (15 entries of 16 B and a 16-byte word),
    // plus the array's small header; less than go_map's buckets.
    EXPECT_GE(gm[grown], 512u * 256);
    EXPECT_LT(gm[grown], 512u * 256 + 256);
    EXPECT_LT(gm[grown], go[grown]);
    EXPECT_LT(gm[steady_row] * 4, go[steady_row]);
    EXPECT_EQ(gm.back(), 0u);
    // std::unordered_map frees its nodes but keeps its bucket array.
    const auto& su = c.bytes.at("std::unordered_map");
    EXPECT_LT(su.back(), su[grown]);
    EXPECT_GT(su.back(), 0u);

    // The summary says the same.
    const auto lines = lines_of(r.out);
    auto summary = [&](const std::string& label) {
        for (const auto& l : lines)
            if (l.rfind(label + " ", 0) == 0) return l;
        return std::string();
    };
    EXPECT_NE(summary("gomap::map").find("0.00 KiB"), std::string::npos) << summary("gomap::map");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f KiB", static_cast<double>(go.back()) / 1024);
    const std::string go_line = summary("gomap::go_map");
    EXPECT_EQ(go_line.substr(go_line.size() - std::string(buf).size()), buf) << go_line;
    EXPECT_NE(r.out.find("csv:  " + csv_path), std::string::npos);
    EXPECT_NE(r.out.find("plot: " + svg_path), std::string::npos);

    // The plot: one line per map, its legend, axes with units, the phases.
    const std::string svg = labtest::read_file(svg_path);
    std::size_t polylines = 0;
    for (auto p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1))
        ++polylines;
    EXPECT_EQ(polylines, 3u);
    for (const std::string s : {">gomap::go_map<", ">gomap::map<", ">std::unordered_map<", ">KiB held<",
                                ">operations (one insert or erase each)<", ">grow to 5,000<",
                                ">delete to 100<", ">churn 2,000 pairs<", ">delete all<"})
        EXPECT_NE(svg.find(s), std::string::npos) << s;
}

// The plot's lines as drawn: in document order (later ones on top).
struct drawn_line {
    std::string label, colour, dash;
    double width = 0;
    std::vector<std::pair<double, double>> points;  // pixels
};

std::string attribute(const std::string& element, const std::string& name) {
    const std::string key = " " + name + "=\"";
    const std::size_t at = element.find(key);
    if (at == std::string::npos) return "";
    const std::size_t start = at + key.size();
    return element.substr(start, element.find('"', start) - start);
}

std::vector<drawn_line> polylines(const std::string& svg) {
    std::vector<drawn_line> out;
    for (std::size_t at = svg.find("<polyline"); at != std::string::npos;
         at = svg.find("<polyline", at + 1)) {
        const std::string el = svg.substr(at, svg.find("</polyline>", at) - at);
        drawn_line l;
        l.colour = attribute(el, "stroke");
        l.dash = attribute(el, "stroke-dasharray");
        l.width = std::stod(attribute(el, "stroke-width"));
        const std::size_t t = el.find("<title>");
        l.label = el.substr(t + 7, el.find("</title>") - t - 7);
        std::stringstream pts(attribute(el, "points"));
        for (std::string xy; pts >> xy;) {
            const std::size_t comma = xy.find(',');
            l.points.emplace_back(std::stod(xy.substr(0, comma)), std::stod(xy.substr(comma + 1)));
        }
        out.push_back(std::move(l));
    }
    return out;
}

// y of a polyline at pixel x (linear between its points; NaN outside).
double y_at(const drawn_line& l, double x) {
    for (std::size_t i = 1; i < l.points.size(); ++i) {
        const auto [x0, y0] = l.points[i - 1];
        const auto [x1, y1] = l.points[i];
        if (x >= x0 && x <= x1) return x1 == x0 ? y1 : y0 + (y1 - y0) * (x - x0) / (x1 - x0);
    }
    return std::nan("");
}

// The legend's lines for a map: its label, then its notes up to the next label.
std::string legend_of(const std::string& svg, const std::string& label) {
    const std::size_t at = svg.find("font-size=\"12.5\">" + label + "</text>");
    if (at == std::string::npos) return "";
    const std::size_t end = svg.find("font-size=\"12.5\">", at + 1);
    std::string text;
    for (std::size_t t = svg.find("\">", at); t < end && t != std::string::npos; t = svg.find("\">", t + 1)) {
        const std::size_t close = svg.find("</text>", t);
        if (close == std::string::npos || close > end) break;
        text += svg.substr(t + 2, close - t - 2) + " ";
    }
    return text;
}

// Issue #14, 6: go_map's line was hidden under go-zero's SafeMap's where the
// two coincide (while growing and deleting, the SafeMap is one go_map), and
// whether a line showed depended on its place in --maps. Now every line
// stays visible wherever it coincides with another: at every x, a line is
// hidden only where a later, at least as wide, solid line lies on it.
TEST(LabChurn, EveryLineStaysVisibleWhereLinesCoincide) {
    const std::string svg_path = labtest::scratch("coincide.svg"),
                      csv_path = labtest::scratch("coincide.csv");
    // go_map and gozero_safe_map coincide for half the run, map and safe_map
    // all along; in this order the old plot drew gozero_safe_map over go_map
    // at the same width.
    const auto r =
        run_lab({"churn", "--peak", "20000", "--ops", "20000", "--maps",
                 "go_map,std,gozero_safe_map,map,safe_map", "--plot", svg_path, "--csv", csv_path});
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string svg = labtest::read_file(svg_path);
    const auto lines = polylines(svg);
    ASSERT_EQ(lines.size(), 5u);
    const csv c = parse(labtest::read_file(csv_path));

    // Pairs that coincide in the data (equal bytes, not 0, on a tenth of the
    // rows or more) are drawn at different widths, the wider first.
    auto drawn = [&](const std::string& label) {
        for (std::size_t i = 0; i < lines.size(); ++i)
            if (lines[i].label == label) return i;
        ADD_FAILURE() << "no line for " << label;
        return std::size_t{0};
    };
    const std::map<std::string, std::string> id = {{"gomap::go_map", "go_map"},
                                                   {"std::unordered_map", "std"},
                                                   {"gomap::gozero_safe_map", "gozero_safe_map"},
                                                   {"gomap::map", "map"},
                                                   {"gomap::safe_map", "safe_map"}};
    std::size_t coinciding_pairs = 0;
    for (const auto& [a, ya] : c.bytes)
        for (const auto& [b, yb] : c.bytes) {
            if (a >= b) continue;
            std::size_t equal = 0;
            for (std::size_t i = 0; i < ya.size(); ++i) equal += ya[i] == yb[i] && ya[i] != 0;
            if (equal * 10 < ya.size()) continue;
            ++coinciding_pairs;
            SCOPED_TRACE(a + " and " + b);
            const auto& first = lines[std::min(drawn(a), drawn(b))];
            const auto& second = lines[std::max(drawn(a), drawn(b))];
            EXPECT_GT(first.width, second.width) << "the one beneath is wider";
            // The legend says so, for both.
            EXPECT_NE(legend_of(svg, a).find(id.at(b)), std::string::npos) << legend_of(svg, a);
            EXPECT_NE(legend_of(svg, b).find(id.at(a)), std::string::npos) << legend_of(svg, b);
            EXPECT_NE(legend_of(svg, a).find("coincides with"), std::string::npos) << legend_of(svg, a);
        }
    EXPECT_EQ(coinciding_pairs, 2u) << "go_map with gozero_safe_map, map with safe_map";
    EXPECT_EQ(legend_of(svg, "std::unordered_map").find("coincides"), std::string::npos);

    // Every line shows: hidden at fewer than a tenth of the plot's x positions.
    std::set<double> xs;
    for (const auto& l : lines)
        for (const auto& p : l.points) xs.insert(p.first);
    for (std::size_t a = 0; a < lines.size(); ++a) {
        std::size_t seen = 0, hidden = 0;
        for (double x : xs) {
            const double ya = y_at(lines[a], x);
            if (std::isnan(ya)) continue;
            ++seen;
            for (std::size_t b = a + 1; b < lines.size(); ++b) {
                const double yb = y_at(lines[b], x);
                if (lines[b].dash.empty() && lines[b].width >= lines[a].width && !std::isnan(yb) &&
                    std::abs(ya - yb) < (lines[b].width - lines[a].width) / 2 + 0.5) {
                    ++hidden;
                    break;
                }
            }
        }
        EXPECT_LT(hidden * 10, seen) << lines[a].label << " is hidden at " << hidden << " of " << seen
                                     << " points";
    }
}

TEST(LabChurn, SameSeedSameKeys) {
    // Bytes of go_map and std::unordered_map depend only on the operations
    // (go_map's overflow buckets depend on its random hash0 too).
    const auto a = run_lab(
        {"churn", "--peak", "3000", "--ops", "500", "--maps", "std", "--csv", labtest::scratch("a.csv")});
    const auto b = run_lab(
        {"churn", "--peak", "3000", "--ops", "500", "--maps", "std", "--csv", labtest::scratch("b.csv")});
    ASSERT_EQ(a.status, 0);
    ASSERT_EQ(b.status, 0);
    EXPECT_EQ(labtest::read_file(labtest::scratch("a.csv")), labtest::read_file(labtest::scratch("b.csv")));
}

TEST(LabChurn, WithoutOutputsPrintsTheSummaryOnly) {
    const auto r = run_lab({"churn", "--peak", "1000", "--steady", "10", "--ops", "0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("all deleted"), std::string::npos);
    EXPECT_EQ(r.out.find("plot:"), std::string::npos);
    EXPECT_EQ(r.out.find("csv:"), std::string::npos);
}

}  // namespace
