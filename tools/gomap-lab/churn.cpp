// gomap-lab churn — memory over time: grow to a peak, delete down to a steady
// state, churn (erase one key, insert a new one), delete everything; bytes held
// by every map's allocator, sampled along the way, as a plot and a CSV.
//
// The question of the seed article, asked of a long-running service: a Go map
// keeps its peak bucket array forever; which C++ maps do the same?

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "lab.hpp"
#include "maps.hpp"
#include "svg.hpp"

namespace lab {
namespace {

constexpr std::uint64_t kMaxPeak = 20'000'000;
constexpr std::uint64_t kMaxOps = 100'000'000;
constexpr std::uint64_t kMaxSamples = 100'000;

struct options {
    std::uint64_t peak = 1'000'000;
    std::uint64_t steady = 10'000;
    std::uint64_t ops = 1'000'000;
    std::uint64_t seed = 1;
    std::uint64_t samples = 200;  // per phase
    std::vector<const map_kind*> maps;
    output_file plot, csv;
    std::string plot_format;  // svg or png
};

// The workload's phases, in order; every map runs exactly the same operations.
struct phase {
    std::string name;      // CSV
    std::string title;     // plot
    std::uint64_t length;  // operations (an insert or an erase is one)
};

std::vector<phase> phases_of(const options& o) {
    return {{"grow", "grow to " + with_commas(o.peak), o.peak},
            {"delete", "delete to " + with_commas(o.steady), o.peak - o.steady},
            {"churn", "churn " + with_commas(o.ops) + " pairs", 2 * o.ops},
            {"drain", "delete all", o.steady}};
}

// Key i of the run: a bijective mix of i, so keys are distinct and look random.
u64 key_of(u64 i, u64 seed) {
    u64 z = i + seed * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

struct run_result {
    std::vector<std::uint64_t> bytes;  // one per sample row
    std::uint64_t peak = 0, grown = 0, steady = 0, churned = 0, drained = 0, dropped = 0;
};

// Sample rows: op 0, then every `interval` operations of each phase and at its end.
struct sample_row {
    std::uint64_t op;
    std::string phase;
};

std::uint64_t interval_of(const phase& ph, std::uint64_t samples) {
    return std::max<std::uint64_t>(1, (ph.length + samples - 1) / samples);
}

std::vector<sample_row> sample_rows(const std::vector<phase>& phases, std::uint64_t samples) {
    std::vector<sample_row> rows{{0, "start"}};
    std::uint64_t op = 0;
    for (const auto& ph : phases) {
        const std::uint64_t every = interval_of(ph, samples);
        for (std::uint64_t done = 1; done <= ph.length; ++done)
            if (done % every == 0 || done == ph.length) rows.push_back({op + done, ph.name});
        op += ph.length;
    }
    return rows;
}

run_result run_one(const map_kind& kind, const options& o, const std::vector<phase>& phases, progress& bar,
                   std::uint64_t& progress_done) {
    gomap::allocation_counter counter;
    run_result r;
    r.bytes.push_back(0);
    {
        auto m = kind.make(&counter);
        r.bytes.front() = counter.bytes;
        std::size_t ph = 0;
        std::uint64_t done = 0, every = interval_of(phases[0], o.samples);
        // After each operation of phase `ph`.
        auto tick = [&] {
            ++done;
            if (done % every == 0 || done == phases[ph].length) r.bytes.push_back(counter.bytes);
            bar.update(++progress_done);
        };
        auto next_phase = [&] {
            ++ph;
            done = 0;
            if (ph < phases.size()) every = interval_of(phases[ph], o.samples);
        };

        for (u64 i = 0; i < o.peak; ++i) {
            m->insert(key_of(i, o.seed), i);
            tick();
        }
        r.grown = counter.bytes;
        next_phase();
        for (u64 i = o.steady; i < o.peak; ++i) {
            m->erase(key_of(i, o.seed));
            tick();
        }
        r.steady = counter.bytes;
        next_phase();
        std::vector<u64> live(o.steady);
        for (u64 i = 0; i < o.steady; ++i) live[i] = key_of(i, o.seed);
        splitmix64 pick{o.seed ^ 0x5eed};
        for (u64 j = 0; j < o.ops; ++j) {
            u64& slot = live[pick.below(o.steady)];
            m->erase(slot);
            tick();
            slot = key_of(o.peak + j, o.seed);
            m->insert(slot, j);
            tick();
        }
        r.churned = counter.bytes;
        next_phase();
        for (u64 k : live) {
            m->erase(k);
            tick();
        }
        r.drained = counter.bytes;
        if (m->size() != 0)
            throw run_error{std::string(kind.label) + " is not empty after deleting every key"};
    }
    r.dropped = counter.bytes;
    r.peak = counter.peak;
    return r;
}

struct unit {
    double div;
    const char* name;
};
unit unit_for(std::uint64_t max_bytes) {
    return max_bytes >= (1u << 20) ? unit{1024.0 * 1024.0, "MiB"} : unit{1024.0, "KiB"};
}
std::string in_unit(std::uint64_t bytes, unit u) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f %s", static_cast<double>(bytes) / u.div, u.name);
    return buf;
}

void print_summary(const options& o, const std::vector<run_result>& rs) {
    std::uint64_t max_peak = 0;
    for (const auto& r : rs) max_peak = std::max(max_peak, r.peak);
    const unit u = unit_for(max_peak);
    std::printf(
        "churn: insert %s random uint64 keys, delete down to %s, %s churn pairs\n"
        "(erase a key, insert a new one), then delete every key (--seed %llu).\n"
        "Bytes held by each map's allocator:\n\n",
        with_commas(o.peak).c_str(), with_commas(o.steady).c_str(), with_commas(o.ops).c_str(),
        static_cast<unsigned long long>(o.seed));
    std::printf("%-26s %13s %13s %13s %13s\n", "map", "peak", "steady", "after churn", "all deleted");
    for (std::size_t i = 0; i < rs.size(); ++i) {
        const auto& r = rs[i];
        std::printf("%-26s %13s %13s %13s %13s\n", std::string(o.maps[i]->label).c_str(),
                    in_unit(r.peak, u).c_str(), in_unit(r.steady, u).c_str(), in_unit(r.churned, u).c_str(),
                    in_unit(r.drained, u).c_str());
    }
    std::printf(
        "\npeak: the most held at any moment (a resize holds the old and the new array).\n"
        "steady: after deleting down to %s keys. all deleted: the map still alive, empty.\n",
        with_commas(o.steady).c_str());
}

std::string make_csv(const options& o, const std::vector<sample_row>& rows,
                     const std::vector<run_result>& rs) {
    std::string s = "op,phase";
    for (const auto* k : o.maps) s += "," + std::string(k->label);
    s += "\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        s += std::to_string(rows[i].op) + "," + rows[i].phase;
        for (const auto& r : rs) s += "," + std::to_string(r.bytes[i]);
        s += "\n";
    }
    return s;
}

std::string make_plot(const options& o, const std::vector<phase>& phases, const std::vector<sample_row>& rows,
                      const std::vector<run_result>& rs) {
    std::uint64_t max_peak = 0;
    for (const auto& r : rs) max_peak = std::max(max_peak, r.peak);
    const unit u = unit_for(max_peak);
    svg::line_plot p;
    p.title = "Bytes held by each map's allocator over time";
    p.subtitle = "uint64 → uint64: insert " + with_commas(o.peak) + " random keys, delete down to " +
                 with_commas(o.steady) + ", " + with_commas(o.ops) +
                 " churn pairs (erase + insert), delete the rest";
    p.x_label = "operations (one insert or erase each)";
    p.y_label = std::string(u.name) + " held";
    for (const auto& row : rows) p.x.push_back(static_cast<double>(row.op));
    std::uint64_t start = 0;
    for (const auto& ph : phases) {
        if (ph.length > 0) p.phases.emplace_back(static_cast<double>(start), ph.title);
        start += ph.length;
    }
    for (std::size_t i = 0; i < rs.size(); ++i) {
        svg::series s;
        s.label = std::string(o.maps[i]->label);
        s.short_label = std::string(o.maps[i]->id);
        s.colour = std::string(o.maps[i]->colour);
        s.dash = std::string(o.maps[i]->dash);
        s.note = "peak " + svg::num(static_cast<double>(rs[i].peak) / u.div, 2) + " → " +
                 svg::num(static_cast<double>(rs[i].drained) / u.div, 2) + " " + u.name;
        for (auto b : rs[i].bytes) s.y.push_back(static_cast<double>(b) / u.div);
        p.lines.push_back(std::move(s));
    }
    return svg::render(p);
}

// Whether two paths name one file: the same string, or (for files that
// exist) the same inode.
bool same_file(const std::string& a, const std::string& b) {
    if (a == b) return true;
    struct stat sa {};
    struct stat sb {};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

void usage() {
    std::puts(
        "usage: gomap-lab churn [--peak N] [--steady M] [--ops K] [--seed S] [--maps LIST]\n"
        "                       [--samples P] [--plot FILE.svg|FILE.png] [--csv FILE]\n"
        "\n"
        "Grows each map to N random uint64 keys, deletes down to M, runs K churn pairs (erase a\n"
        "live key, insert a new one), then deletes every key; samples the bytes each map's\n"
        "allocator holds P times per phase. Every map runs the same operations.\n"
        "\n"
        "  --peak N      keys inserted (default 1000000, 1..20000000)\n"
        "  --steady M    keys left after the delete phase (default N/100, at least 1, at most N)\n"
        "  --ops K       churn pairs (default N, at most 100000000)\n"
        "  --seed S      keys and churn choices (default 1)\n"
        "  --maps LIST   comma-separated: go_map, map, node_map, safe_map, gozero_safe_map, std, absl,\n"
        "                absl_node, boost\n"
        "                (absl and boost when built in), or all (default)\n"
        "  --samples P   samples per phase (default 200, 1..100000)\n"
        "  --plot FILE   write the plot: .svg, or .png (rendered with rsvg-convert)\n"
        "  --csv FILE    write the samples: op,phase, then one column of bytes per map\n"
        "\n"
        "Prints peak / steady / after churn / all deleted per map. A progress bar is drawn on\n"
        "stderr when it is a terminal. Files are replaced only when the run succeeds.");
}

}  // namespace

int cmd_churn(const std::vector<std::string>& args) {
    options o;
    bool steady_set = false, ops_set = false, peak_set = false;
    std::string plot_path, csv_path, maps = "all";
    bool plot_set = false, csv_set = false;
    arg_reader in(args, "churn");
    while (in.more()) {
        const std::string a = in.next();
        if (a == "--help" || a == "-h") {
            usage();
            return 0;
        } else if (a == "--peak") {
            o.peak = parse_count(a, in.value(), 1, kMaxPeak);
            peak_set = true;
        } else if (a == "--steady") {
            o.steady = parse_count(a, in.value(), 1, kMaxPeak);
            steady_set = true;
        } else if (a == "--ops") {
            o.ops = parse_count(a, in.value(), kMaxOps);
            ops_set = true;
        } else if (a == "--seed") {
            o.seed = parse_count(a, in.value(), UINT64_MAX);
        } else if (a == "--samples") {
            o.samples = parse_count(a, in.value(), 1, kMaxSamples);
        } else if (a == "--maps") {
            maps = in.value();
        } else if (a == "--plot") {
            plot_path = in.value();
            plot_set = true;
        } else if (a == "--csv") {
            csv_path = in.value();
            csv_set = true;
        } else {
            in.unknown();
        }
    }
    if (!steady_set) o.steady = std::max<std::uint64_t>(1, o.peak / 100);
    if (!ops_set) o.ops = o.peak;
    if (o.steady > o.peak)
        throw usage_error{"--steady " + std::to_string(o.steady) + " is more than --peak " +
                          std::to_string(o.peak) + (peak_set ? "" : " (the default; give a larger --peak)")};
    o.maps = select_maps("--maps", maps);
    // Every argument is checked before anything is created, then the outputs
    // are made (temporary files next to their targets: an unwritable path is
    // reported now, and a target is replaced only when the whole run has
    // succeeded), then the tools the run needs are looked for.
    if (plot_set) {
        if (plot_path.empty()) throw usage_error{"--plot: empty file name"};
        o.plot_format = extension_of(plot_path);
        if (o.plot_format != "svg" && o.plot_format != "png")
            throw usage_error{"--plot: '" + plot_path + "' must end in .svg or .png"};
    }
    if (plot_set && csv_set && same_file(plot_path, csv_path))
        throw usage_error{"--plot and --csv name the same file '" + csv_path + "'"};
    if (plot_set) o.plot = output_file("--plot", plot_path);
    if (csv_set) o.csv = output_file("--csv", csv_path);
    if (o.plot_format == "png" && find_on_path("rsvg-convert").empty())
        throw run_error{
            "--plot " + plot_path +
            ": writing a PNG needs rsvg-convert, which is not on PATH "
            "(Debian: apt-get install librsvg2-bin, or run scripts/setup.sh); or ask for an .svg"};

    const auto phases = phases_of(o);
    const auto rows = sample_rows(phases, o.samples);
    std::uint64_t per_map = 0;
    for (const auto& ph : phases) per_map += ph.length;
    std::vector<run_result> rs;
    {
        progress bar("", per_map * o.maps.size());  // erased from the terminal when done
        std::uint64_t progress_done = 0;
        for (const auto* kind : o.maps) {
            bar.set_label(kind->label);
            rs.push_back(run_one(*kind, o, phases, bar, progress_done));
            if (rs.back().bytes.size() != rows.size()) throw run_error{"internal: sample count mismatch"};
        }
    }

    print_summary(o, rs);
    // Every output is written to its temporary file first; only when all of
    // them are complete are they renamed into place.
    if (o.csv) o.csv.write(make_csv(o, rows, rs));
    if (o.plot) {
        const std::string svg = make_plot(o, phases, rows, rs);
        if (o.plot_format == "svg") {
            o.plot.write(svg);
        } else {
            scratch_file in_svg("churn.svg");
            in_svg.write(svg);
            o.plot.write(svg_to_png(in_svg.path(), o.plot.path()));
        }
    }
    if (o.csv) o.csv.commit();
    if (o.plot) o.plot.commit();
    if (o.csv) std::printf("csv:  %s\n", o.csv.path().c_str());
    if (o.plot) std::printf("plot: %s\n", o.plot.path().c_str());
    return 0;
}

}  // namespace lab
