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

// The plot's geometry: its size, margins and scales.
struct frame {
    static constexpr double W = 980, H = 560;
    static constexpr double left = 84, top = 88, right = 270, bottom = 74;
    static constexpr double pw = W - left - right, ph = H - top - bottom;
    double x_max = 1, y_top = 1, x_top = 1;
    std::vector<double> yt, xt;
    explicit frame(const line_plot& p) {
        x_max = p.x.empty() ? 1 : std::max(p.x.back(), 1.0);
        double y_max = 0;
        for (const auto& s : p.lines)
            for (double v : s.y) y_max = std::max(y_max, v);
        yt = ticks(y_max * 1.05, 6);
        xt = ticks(x_max, 8);
        y_top = yt.back();
        x_top = std::max(xt.back(), x_max);
    }
    double X(double x) const { return left + pw * x / x_top; }
    double Y(double y) const { return top + ph - ph * y / y_top; }
};

// Splits "coincides with a, b, c" into lines of at most `width` characters,
// breaking after the commas.
std::vector<std::string> wrap_list(const std::string& head, const std::vector<std::string>& items,
                                   std::size_t width) {
    std::vector<std::string> lines{head};
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string item = items[i] + (i + 1 < items.size() ? "," : "");
        if (lines.back().size() + 1 + item.size() > width && lines.back() != head)
            lines.push_back(item);
        else
            lines.back() += " " + item;
    }
    return lines;
}

}  // namespace

layout lay_out(const line_plot& p) {
    const frame f(p);
    const std::size_t k = p.lines.size();
    layout out;
    out.coincides.resize(k);
    // Two series coincide where their pixels are less than 1 apart, not
    // counting points where both lie on the x axis (every map starts empty).
    constexpr double kNear = 1.0;
    const double axis = f.Y(0) - kNear;
    for (std::size_t a = 0; a < k; ++a)
        for (std::size_t b = a + 1; b < k; ++b) {
            const auto& ya = p.lines[a].y;
            const auto& yb = p.lines[b].y;
            const std::size_t n = std::min({ya.size(), yb.size(), p.x.size()});
            std::size_t near = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const double pa = f.Y(ya[i]), pb = f.Y(yb[i]);
                if (std::abs(pa - pb) < kNear && !(pa > axis && pb > axis)) ++near;
            }
            if (near >= 3 && near * 20 >= n) {
                out.coincides[a].push_back(b);
                out.coincides[b].push_back(a);
            }
        }
    // Widths by level: the first series takes the narrowest, each later one
    // the narrowest no earlier series it coincides with has (a greedy
    // colouring): the first series, the one the plot is about, is on top.
    constexpr double kWidths[] = {2.2, 5.5, 8.8, 12.1};
    std::vector<std::size_t> level(k, 0);
    for (std::size_t a = 0; a < k; ++a) {
        std::size_t l = 0;
        for (bool taken = true; taken && l + 1 < std::size(kWidths);) {
            taken = false;
            for (std::size_t b : out.coincides[a])
                if (b < a && level[b] == l) taken = true;
            if (taken) ++l;
        }
        level[a] = l;
    }
    for (std::size_t a = 0; a < k; ++a) out.width.push_back(kWidths[level[a]]);
    for (std::size_t l = std::size(kWidths); l-- > 0;)
        for (std::size_t a = 0; a < k; ++a)
            if (level[a] == l) out.order.push_back(a);
    return out;
}

std::string render(const line_plot& p) {
    const frame f(p);
    const double W = frame::W, H = frame::H, left = frame::left, top = frame::top, pw = frame::pw,
                 ph = frame::ph;
    const double x_max = f.x_max;
    const auto& yt = f.yt;
    const auto& xt = f.xt;
    auto X = [&](double x) { return f.X(x); };
    auto Y = [&](double y) { return f.Y(y); };
    const layout lay = lay_out(p);

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

    // The lines, widest first (lay_out): where two coincide (go_map and
    // go-zero's SafeMap while they grow, map and safe_map always) the later,
    // narrower one is a stripe inside the earlier one's band.
    for (std::size_t k : lay.order) {
        const auto& s = p.lines[k];
        std::string pts;
        const std::size_t n = std::min(s.y.size(), p.x.size());
        for (std::size_t i = 0; i < n; ++i) {
            // Inside a flat run a point adds nothing to the picture.
            if (i > 0 && i + 1 < n && s.y[i] == s.y[i - 1] && s.y[i] == s.y[i + 1]) continue;
            pts += (pts.empty() ? "" : " ") + num(X(p.x[i]), 1) + "," + num(Y(s.y[i]), 1);
        }
        const std::string dash = s.dash.empty() ? "" : "\" stroke-dasharray=\"" + s.dash;
        o += "<polyline fill=\"none\" stroke=\"" + s.colour + "\" stroke-width=\"" + num(lay.width[k], 1) +
             dash + "\" stroke-linejoin=\"round\" points=\"" + pts + "\"><title>" + escape(s.label) +
             "</title></polyline>\n";
    }

    // Legend: each series' line as drawn, its label, its note, and the series
    // it coincides with.
    const double lx = left + pw + 24;
    double ly = top + 8;
    o += text(lx, ly, "map (bytes held: peak → end)", "start", 12, "font-weight=\"bold\"") + "\n";
    ly += 24;
    bool any_coincide = false;
    for (std::size_t k = 0; k < p.lines.size(); ++k) {
        const auto& s = p.lines[k];
        o += line(lx, ly - 4, lx + 26, ly - 4, s.colour, lay.width[k],
                  s.dash.empty() ? "" : "stroke-dasharray=\"" + s.dash + "\"") +
             "\n";
        o += text(lx + 34, ly, s.label, "start", 12.5) + "\n";
        double next = ly + 24;
        if (!s.note.empty()) {
            o += text(lx + 34, ly + 16, s.note, "start", 11, "fill=\"#555555\"") + "\n";
            next += 16;
        }
        if (!lay.coincides[k].empty()) {
            any_coincide = true;
            std::vector<std::string> names;
            for (std::size_t b : lay.coincides[k])
                names.push_back(p.lines[b].short_label.empty() ? p.lines[b].label : p.lines[b].short_label);
            for (const auto& l : wrap_list("coincides with", names, 30)) {
                o += text(lx + 34, next - 8, l, "start", 10.5, "fill=\"#555555\" font-style=\"italic\"") +
                     "\n";
                next += 13;
            }
            next += 2;
        }
        ly = next;
    }
    if (any_coincide) {
        o += text(lx, ly + 2, "Where lines coincide, the wider", "start", 10.5, "fill=\"#555555\"") + "\n";
        o += text(lx, ly + 15, "one is drawn beneath the other.", "start", 10.5, "fill=\"#555555\"") + "\n";
    }
    o += close();
    return o;
}

}  // namespace lab::svg
