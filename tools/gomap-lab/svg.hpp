// gomap-lab — writing SVG by hand: a few element helpers and a line plot.
// No plotting tool is needed; browsers and rsvg-convert read the result.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lab::svg {

// Text made safe for SVG content and attribute values.
std::string escape(std::string_view text);
// A number with at most `decimals` decimals and no trailing zeros ("12.5", "3").
std::string num(double v, int decimals = 2);

// The opening <svg> element (white background included) and the closing one.
std::string open(double width, double height, std::string_view title);
std::string close();

// <text>: anchor is start, middle or end; extra holds more attributes.
std::string text(double x, double y, std::string_view content, std::string_view anchor = "start",
                 double size = 12, std::string_view extra = "");
std::string rect(double x, double y, double w, double h, std::string_view fill,
                 std::string_view stroke = "none", std::string_view extra = "");
std::string line(double x1, double y1, double x2, double y2, std::string_view stroke, double width = 1,
                 std::string_view extra = "");

// "Nice" tick values from 0 to at least `max`: steps of 1, 2 or 5 times a
// power of ten, about `target` of them.
std::vector<double> ticks(double max, int target);

struct series {
    std::string label;      // legend
    std::string short_label;  // in "coincides with ..." notes ("" : the label)
    std::string note;       // second legend line (may be empty)
    std::string colour;     // stroke colour
    std::string dash;       // stroke-dasharray, or "" for a solid line
    std::vector<double> y;  // one value per x
};

struct line_plot {
    std::string title, subtitle;
    std::string x_label, y_label;
    std::vector<double> x;  // ascending
    std::vector<series> lines;
    // Phases along x: (start, name); each ends where the next starts, the last at x.back().
    std::vector<std::pair<double, std::string>> phases;
};

// How the series are drawn so that every one stays visible: series that
// coincide (within a pixel, away from the x axis, at 5% of the points or more)
// get different stroke widths, and the wider is drawn first, beneath; each
// then shows as a stripe in the other's band.
struct layout {
    std::vector<double> width;                        // stroke width of each series
    std::vector<std::size_t> order;                   // drawing order: widest first
    std::vector<std::vector<std::size_t>> coincides;  // for each series, those it coincides with
};
layout lay_out(const line_plot& plot);

// Renders the plot: labelled axes with ticks, shaded phases separated by
// dashed lines and named, one polyline per series (lay_out), a legend on the
// right that says which series coincide.
std::string render(const line_plot& plot);

}  // namespace lab::svg
