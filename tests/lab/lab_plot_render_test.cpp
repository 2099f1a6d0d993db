// The lab's pictures render: each SVG it writes goes through rsvg-convert (the
// renderer a Debian machine has; it rejects malformed XML) to a PNG, which is
// decoded (tests/lab/png_check.py, Python's standard library) and must be a
// picture: its size, a good share of non-white pixels, and each map's line
// colour present. A blank or broken image fails.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "lab_run.hpp"

using labtest::run_lab;
using labtest::scratch;
using labtest::shell_quote;

namespace {

struct image {
    int width = 0, height = 0;
    double nonwhite = 0;
    int colours = 0;
    std::map<std::string, long> count;  // pixels of an exact colour
};

bool have_tools() {
    return std::string(GOMAP_LAB_PYTHON).size() > 0 && std::string(GOMAP_LAB_RSVG_CONVERT).size() > 0;
}

image inspect_png(const std::string& png, const std::vector<std::string>& colours) {
    std::string cmd =
        shell_quote(GOMAP_LAB_PYTHON) + " " + shell_quote(GOMAP_LAB_PNG_CHECK) + " " + shell_quote(png);
    for (const auto& c : colours) cmd += " " + shell_quote(c);
    const std::string out = scratch("png_check.out");
    cmd += " >" + shell_quote(out);
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    image im;
    std::istringstream in(labtest::read_file(out));
    for (std::string word; in >> word;) {
        if (word == "width")
            in >> im.width;
        else if (word == "height")
            in >> im.height;
        else if (word == "nonwhite")
            in >> im.nonwhite;
        else if (word == "colours")
            in >> im.colours;
        else if (word == "count") {
            std::string c;
            long n = 0;
            in >> c >> n;
            im.count[c] = n;
        }
    }
    return im;
}

std::string render(const std::string& svg) {
    const std::string png = svg + ".png";
    const std::string cmd = shell_quote(GOMAP_LAB_RSVG_CONVERT) + " --background-color=white -f png -o " +
                            shell_quote(png) + " " + shell_quote(svg);
    EXPECT_EQ(std::system(cmd.c_str()), 0) << "rsvg-convert rejected " << svg;
    return png;
}

const std::vector<std::string> kLineColours = {"#d62728", "#2ca02c", "#1f77b4"};  // go_map, map, std

TEST(LabPlotRender, ChurnSvgRendersToARealPicture) {
    if (!have_tools())
        GTEST_SKIP() << "needs python3 and rsvg-convert (scripts/setup.sh installs librsvg2-bin)";
    const std::string svg = scratch("churn.svg");
    const auto r =
        run_lab({"churn", "--peak", "4000", "--ops", "1000", "--maps", "go_map,map,std", "--plot", svg});
    ASSERT_EQ(r.status, 0) << r.err;
    const image im = inspect_png(render(svg), kLineColours);
    EXPECT_EQ(im.width, 980);
    EXPECT_EQ(im.height, 560);
    EXPECT_GT(im.nonwhite, 0.05) << "not blank";
    EXPECT_LT(im.nonwhite, 0.6) << "not a solid block";
    EXPECT_GT(im.colours, 20);
    for (const auto& c : kLineColours) EXPECT_GT(im.count.at(c), 100) << "the line drawn in " << c;
}

TEST(LabPlotRender, ChurnWritesPngItself) {
    if (!have_tools())
        GTEST_SKIP() << "needs python3 and rsvg-convert (scripts/setup.sh installs librsvg2-bin)";
    const std::string png = scratch("churn.png");
    const auto r =
        run_lab({"churn", "--peak", "4000", "--ops", "1000", "--maps", "go_map,map,std", "--plot", png});
    ASSERT_EQ(r.status, 0) << r.err;
    const image im = inspect_png(png, kLineColours);
    EXPECT_EQ(im.width, 980);
    EXPECT_GT(im.nonwhite, 0.05);
    for (const auto& c : kLineColours) EXPECT_GT(im.count.at(c), 100) << c;
}

TEST(LabPlotRender, InspectSvgRendersToARealPicture) {
    if (!have_tools())
        GTEST_SKIP() << "needs python3 and rsvg-convert (scripts/setup.sh installs librsvg2-bin)";
    const std::string svg = scratch("inspect.svg");
    const auto r = run_lab({"inspect", "--n", "60", "--delete", "0", "--seed", "5", "--stop-mid-resize",
                            "--format", "svg", "--out", svg});
    ASSERT_EQ(r.status, 0) << r.err;
    // Cell fills: entry, emptyRest, evacuatedX, evacuatedY, evacuatedEmpty.
    const std::vector<std::string> fills = {"#cfeecf", "#eeeeee", "#dcd2f4", "#cbdcf6", "#eeeaf5"};
    const image im = inspect_png(render(svg), fills);
    EXPECT_GE(im.width, 900);
    EXPECT_GT(im.height, 600);
    EXPECT_GT(im.nonwhite, 0.08);
    for (const auto& c : fills) EXPECT_GT(im.count.at(c), 200) << "cells filled with " << c;
}

TEST(LabPlotRender, MapInspectSvgRendersToARealPicture) {
    if (!have_tools())
        GTEST_SKIP() << "needs python3 and rsvg-convert (scripts/setup.sh installs librsvg2-bin)";
    const std::string svg = scratch("inspect-map.svg");
    const auto r = run_lab({"inspect", "--map", "map", "--n", "100", "--delete", "80", "--stop-mid-resize",
                            "--format", "svg", "--out", svg});
    ASSERT_EQ(r.status, 0) << r.err;
    // Fills: entry, entry away from its home group, empty slot, migrated
    // group's slot, overflow bit set.
    const std::vector<std::string> fills = {"#cfeecf", "#fde9a9", "#eeeeee", "#eeeaf5", "#e8743b"};
    const image im = inspect_png(render(svg), fills);
    EXPECT_GE(im.width, 900);
    EXPECT_GT(im.height, 600);
    EXPECT_GT(im.nonwhite, 0.08);
    for (const auto& c : fills) EXPECT_GT(im.count.at(c), 200) << "cells filled with " << c;
}

TEST(LabPlotRender, ABlankPictureIsCaught) {
    // The check itself must be able to fail: an SVG with nothing drawn.
    if (!have_tools()) GTEST_SKIP() << "needs python3 and rsvg-convert";
    const std::string svg = scratch("blank.svg");
    std::ofstream(svg) << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"100\"/>\n";
    const image im = inspect_png(render(svg), {"#d62728"});
    EXPECT_EQ(im.width, 200);
    EXPECT_EQ(im.nonwhite, 0.0);
    EXPECT_EQ(im.count.at("#d62728"), 0);
}

}  // namespace
