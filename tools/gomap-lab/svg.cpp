// gomap-lab — SVG helpers and the line plot (svg.hpp).
#include "svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lab::svg {

std::string escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string num(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    if (s == "-0") s = "0";
    return s;
}

std::string open(double width, double height, std::string_view title) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
           num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
           "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
           "<title>" +
           escape(title) + "</title>\n" + rect(0, 0, width, height, "#ffffff") + "\n";
}

std::string close() {
    return "</svg>\n";
}

std::string text(double x, double y, std::string_view content, std::string_view anchor, double size,
                 std::string_view extra) {
    std::string s = "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) + "\"";
    if (anchor != "start") s += " text-anchor=\"" + std::string(anchor) + "\"";
    if (!extra.empty()) s += " " + std::string(extra);
    return s + ">" + escape(content) + "</text>";
}

std::string rect(double x, double y, double w, double h, std::string_view fill, std::string_view stroke,
                 std::string_view extra) {
    std::string s = "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
                    num(h) + "\" fill=\"" + std::string(fill) + "\"";
    if (stroke != "none") s += " stroke=\"" + std::string(stroke) + "\"";
    if (!extra.empty()) s += " " + std::string(extra);
    return s + "/>";
}

std::string line(double x1, double y1, double x2, double y2, std::string_view stroke, double width,
                 std::string_view extra) {
    std::string s = "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
                    num(y2) + "\" stroke=\"" + std::string(stroke) + "\" stroke-width=\"" + num(width) + "\"";
    if (!extra.empty()) s += " " + std::string(extra);
    return s + "/>";
}

std::vector<double> ticks(double max, int target) {
    if (!(max > 0)) max = 1;
    const double raw = max / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (m * mag >= raw) {
            step = m * mag;
            break;
        }
    std::vector<double> out;
    for (int i = 0;; ++i) {
        const double v = step * i;
        out.push_back(v);
        if (v >= max * (1 - 1e-9)) break;
    }
    return out;
}

namespace {

// 1500000 -> "1.5M", 250000 -> "250k": axis labels for operation counts.
std::string short_count(double v) {
    if (v >= 1e6) return num(v / 1e6, 2) + "M";
    if (v >= 1e3) return num(v / 1e3, 2) + "k";
    return num(v, 0);
}

// Rough width of a label in pixels (DejaVu Sans averages ~0.6 em).
double text_width(std::string_view s, double size) {
    return static_cast<double>(s.size()) * size * 0.6;
}

}  // namespace

std::string render(const line_plot& p) {
    constexpr double W = 980, H = 560;
    constexpr double left = 84, top = 88, right = 270, bottom = 74;
    const double pw = W - left - right, ph = H - top - bottom;
    const double x_max = p.x.empty() ? 1 : std::max(p.x.back(), 1.0);
    double y_max = 0;
    for (const auto& s : p.lines)
        for (double v : s.y) y_max = std::max(y_max, v);
    const auto yt = ticks(y_max * 1.05, 6);
    const auto xt = ticks(x_max, 8);
    const double y_top = yt.back(), x_top = std::max(xt.back(), x_max);
    auto X = [&](double x) { return left + pw * x / x_top; };
    auto Y = [&](double y) { return top + ph - ph * y / y_top; };

    std::string o = open(W, H, p.title);
    o += text(left, 28, p.title, "start", 18, "font-weight=\"bold\"") + "\n";
    o += text(left, 50, p.subtitle, "start", 12.5, "fill=\"#444444\"") + "\n";

    // Phases: alternate shading, dashed boundaries, names along the top.
    for (std::size_t i = 0; i < p.phases.size(); ++i) {
        const double x0 = X(p.phases[i].first);
        const double x1 = X(i + 1 < p.phases.size() ? p.phases[i + 1].first : x_max);
        if (i % 2 == 1) o += rect(x0, top, x1 - x0, ph, "#f3f4f7") + "\n";
        if (i > 0) o += line(x0, top, x0, top + ph, "#888888", 1, "stroke-dasharray=\"5,4\"") + "\n";
        // Centre the name over its phase, but keep it inside the plot area.
        const double w = text_width(p.phases[i].second, 11.5);
        double cx = (x0 + x1) / 2;
        cx = std::clamp(cx, left + w / 2 + 2, left + pw - w / 2 - 2);
        o += text(cx, top - 8, p.phases[i].second, "middle", 11.5, "fill=\"#555555\"") + "\n";
    }

    // Grid and ticks.
    for (double v : yt) {
        const double y = Y(v);
        o += line(left, y, left + pw, y, "#e3e3e3") + "\n";
        o += text(left - 8, y + 4, num(v, 2), "end", 11.5) + "\n";
    }
    for (double v : xt) {
        const double x = X(v);
        o += line(x, top + ph, x, top + ph + 5, "#333333") + "\n";
        o += text(x, top + ph + 19, short_count(v), "middle", 11.5) + "\n";
    }
    o += rect(left, top, pw, ph, "none", "#333333") + "\n";
    o += text(left + pw / 2, H - 24, p.x_label, "middle", 13) + "\n";
    o += text(22, top + ph / 2, p.y_label, "middle", 13,
              "transform=\"rotate(-90 22 " + num(top + ph / 2) + ")\"") +
         "\n";

    // Every other line is wide and drawn first, the others narrow on top: where
    // two coincide (go_map and map while growing) both stay visible, as a
    // stripe inside a band (or dashes: series.dash).
    for (int pass = 0; pass < 2; ++pass)
        for (std::size_t k = 0; k < p.lines.size(); ++k) {
            const bool wide = k % 2 == 1;
            if (wide != (pass == 0)) continue;
            const auto& s = p.lines[k];
            std::string pts;
            const std::size_t n = std::min(s.y.size(), p.x.size());
            for (std::size_t i = 0; i < n; ++i) {
                // Inside a flat run a point adds nothing to the picture.
                if (i > 0 && i + 1 < n && s.y[i] == s.y[i - 1] && s.y[i] == s.y[i + 1]) continue;
                pts += (pts.empty() ? "" : " ") + num(X(p.x[i]), 1) + "," + num(Y(s.y[i]), 1);
            }
            const std::string dash = s.dash.empty() ? "" : "\" stroke-dasharray=\"" + s.dash;
            o += "<polyline fill=\"none\" stroke=\"" + s.colour + "\" stroke-width=\"" +
                 (wide ? "5.5" : "2.2") + dash + "\" stroke-linejoin=\"round\" points=\"" + pts +
                 "\"><title>" + escape(s.label) + "</title></polyline>\n";
        }

    // Legend.
    const double lx = left + pw + 24;
    double ly = top + 8;
    o += text(lx, ly, "map (bytes held: peak → end)", "start", 12, "font-weight=\"bold\"") + "\n";
    ly += 24;
    for (const auto& s : p.lines) {
        const bool wide = (&s - p.lines.data()) % 2 == 1;
        o += line(lx, ly - 4, lx + 26, ly - 4, s.colour, wide ? 5.5 : 2.2,
                  s.dash.empty() ? "" : "stroke-dasharray=\"" + s.dash + "\"") +
             "\n";
        o += text(lx + 34, ly, s.label, "start", 12.5) + "\n";
        if (!s.note.empty()) o += text(lx + 34, ly + 16, s.note, "start", 11, "fill=\"#555555\"") + "\n";
        ly += s.note.empty() ? 24 : 40;
    }
    o += close();
    return o;
}

}  // namespace lab::svg
