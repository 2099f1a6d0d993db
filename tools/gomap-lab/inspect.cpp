// gomap-lab inspect — the article's diagram of hmap -> buckets -> overflow
// buckets, drawn from a live map after a short script: insert keys 0..N-1,
// then delete K of them (or a --script in the op language of script.hpp).
// For go_map every bucket shows its 8 tophash cells;
// for gomap::map (the flat engine) every group shows its 15 slot bytes and
// its overflow byte. During a resize the old array is drawn above the new one.

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "flat_structure.hpp"
#include "lab.hpp"
#include "script.hpp"
#include "structure.hpp"

namespace lab {
namespace {

constexpr std::uint64_t kMaxN = 10'000;

// Insert 0..n-1 in order, then delete k distinct keys in a --seed order.
std::vector<script_step> make_script(std::uint64_t n, std::uint64_t k, std::uint64_t seed) {
    std::vector<script_step> s;
    for (std::uint64_t i = 0; i < n; ++i)
        s.push_back({op_kind::insert, static_cast<std::int64_t>(i), "insert " + std::to_string(i)});
    std::vector<std::int64_t> keys(n);
    for (std::uint64_t i = 0; i < n; ++i) keys[i] = static_cast<std::int64_t>(i);
    splitmix64 rng{seed};
    for (std::uint64_t i = 0; i < k; ++i) {  // Fisher-Yates, first k places
        const std::uint64_t j = i + rng.below(n - i);
        std::swap(keys[i], keys[j]);
        s.push_back({op_kind::erase, keys[i], "delete " + std::to_string(keys[i])});
    }
    return s;
}

struct options {
    std::uint64_t n = 20, k = 5, seed = 1, hint = 0;
    std::uint64_t ops = UINT64_MAX;  // stop after this many steps
    bool stop_mid_resize = false, real_hash = false;
    std::string map = "go_map", format = "text", colour = "auto";
    std::string script_path;          // --script: its steps replace the insert/delete script
    std::vector<script_step> script;  // read from --script
    output_file out;
};

// gomap::map runs the flat engine (groups), go_map Go's (buckets).
template <class Map>
constexpr bool is_flat = requires(const Map& m) {
    m.inspect_groups([](const auto&) {});
};

// Scripts that do leave a resize half done, for the error message.
std::string mid_resize_examples(bool flat) {
    return flat ? "--map map --n 60 --delete 0 for a grow, --map map --n 100 --delete 80 for a shrink"
                : "--n 27 --delete 0 for a grow; go_map never shrinks, --map map --n 100 --delete 80 does";
}

template <class Map>
int run(options& o, const char* name) {
    Map m(o.hint, lab_hash{o.seed, o.real_hash});
    const bool scripted = !o.script_path.empty();
    const auto script = scripted ? o.script : make_script(o.n, o.k, o.seed);
    // --stop-mid-resize looks in the script's last phase: the deletes when
    // there are any, else the inserts (a --script: any step).
    const std::size_t phase_start = !scripted && o.k > 0 ? o.n : 0;
    std::size_t done = 0;
    bool stopped = false;
    for (const auto& s : script) {
        if (done == o.ops) {
            stopped = true;
            break;
        }
        apply_step(m, s);
        ++done;
        // Mid-resize: in progress, with some old buckets evacuated and some not.
        if (o.stop_mid_resize && done > phase_start && m.stats().resizing && m.stats().nevacuate > 0) {
            stopped = done < script.size();
            break;
        }
    }
    if (o.stop_mid_resize && !(m.stats().resizing && m.stats().nevacuate > 0))
        throw usage_error{
            "--stop-mid-resize: no " +
            std::string(scripted  ? "step"
                        : o.k > 0 ? "delete"
                                  : "insert") +
            " of this script leaves a resize in progress (try: " + mid_resize_examples(is_flat<Map>) + ")"};

    std::vector<std::string> caption;
    std::string what =
        std::string(name) + (o.hint ? " made with hint " + std::to_string(o.hint) : "") + ": " +
        (scripted   ? "script " + o.script_path + " (" + std::to_string(script.size()) + " steps)"
         : o.n == 0 ? "no inserts"
                    : "insert keys 0.." + std::to_string(o.n - 1));
    if (!scripted && o.k > 0) {
        std::vector<std::int64_t> del;
        for (std::size_t i = o.n; i < script.size(); ++i) del.push_back(script[i].key);
        std::string list;
        for (std::size_t i = 0; i < del.size() && i < 12; ++i)
            list += (i ? ", " : "") + std::to_string(del[i]);
        if (del.size() > 12) list += ", ...";
        what += ", then delete " + std::to_string(o.k) + " of them";
        caption.push_back(what);
        what = "deleted in this order: " + list;
    }
    caption.push_back(what);
    caption.push_back(o.real_hash
                          ? "hash: gomap::hash<int64_t> keyed by hash0 (the buckets change from run to run)"
                          : "hash: the lab's hash with --seed " + std::to_string(o.seed) +
                                " (the same buckets on every run)");
    if (stopped && done == 0)
        caption.push_back("stopped before the first of " + std::to_string(script.size()) + " steps");
    else if (stopped)
        caption.push_back("stopped after step " + std::to_string(done) + " of " +
                          std::to_string(script.size()) + " (" + script[done - 1].text + ")" +
                          (m.stats().resizing ? ": a resize is in progress" : ""));
    const std::string hash_note =
        o.real_hash ? "this map's hash seed" : "drawn at random; the lab's hash does not use it";

    const bool to_tty = !o.out && ::isatty(STDOUT_FILENO) == 1;
    const bool colour =
        o.colour == "always" || (o.colour == "auto" && to_tty && std::getenv("NO_COLOR") == nullptr);
    const std::string map_name = std::string(name) + "<int64_t, int64_t>";
    std::string text;
    if constexpr (is_flat<Map>) {
        const flat_structure s = capture_flat(m, map_name);
        text = o.format == "svg" ? render_flat_svg(s, caption, hash_note)
                                 : render_flat_text(s, colour, caption, hash_note);
    } else {
        const structure s = capture(m, map_name);
        text = o.format == "svg" ? render_svg(s, caption, hash_note)
                                 : render_text(s, style_for(s, colour), caption, hash_note);
    }
    if (const std::string err = m.check_invariants(); !err.empty())
        text += "note: invariant broken: " + err + "\n";
    if (o.out) {
        o.out.write(text);
        o.out.commit();
    } else {
        std::fwrite(text.data(), 1, text.size(), stdout);
    }
    return 0;
}

void usage() {
    std::puts(
        "usage: gomap-lab inspect [--n N] [--delete K] [--map go_map|map] [--seed S] [--real-hash]\n"
        "                         [--hint H] [--script FILE] [--ops M | --stop-mid-resize]\n"
        "                         [--format text|svg] [--out FILE] [--color auto|always|never]\n"
        "\n"
        "Builds a small map with a script (insert keys 0..N-1 in order, then delete K of them in\n"
        "an order drawn from --seed) and draws its structure. go_map: the hmap header (count, B,\n"
        "noverflow, hash0, resize state, old_B, nevacuate, bytes), every bucket's 8 tophash cells,\n"
        "overflow chains, and the old and new arrays while a resize is in progress. map (the flat\n"
        "engine): the table header, every group's 15 slots (reduced hash and key) and overflow\n"
        "byte, and each old array with its migration cursor while a resize is in progress.\n"
        "\n"
        "  --n N              keys inserted (default 20, at most 10000)\n"
        "  --delete K         keys deleted afterwards (default 5, or N when N < 5; at most N)\n"
        "  --map NAME         go_map (Go's rules, default) or map (gives memory back)\n"
        "  --seed S           the lab's hash and the delete order (default 1): same --seed, same picture\n"
        "  --real-hash        use gomap::hash keyed by the map's random hash0 instead\n"
        "  --hint H           make(map, H): the size hint (default 0)\n"
        "  --script FILE      run FILE's operations instead of the insert/delete script (the\n"
        "                     language `explore --script` reads; no --n or --delete with it)\n"
        "  --ops M            stop after the first M steps of the script\n"
        "  --stop-mid-resize  stop at the first step of the script's last phase (the deletes, or\n"
        "                     the inserts when K = 0) that leaves a resize half done: some old\n"
        "                     buckets (map: groups) evacuated (nevacuate > 0), some not\n"
        "  --format F         text (colour on a terminal) or svg; default: svg when --out\n"
        "                     ends in .svg, else text (--format text --out x.svg is refused)\n"
        "  --out FILE         write to FILE instead of stdout (replaced only when the command\n"
        "                     succeeds)\n"
        "  --color WHEN       colour the text: auto (default: when stdout is a terminal and\n"
        "                     NO_COLOR is unset), always, never\n");
    std::fputs(script_language_help(), stdout);
}

}  // namespace

int cmd_inspect(const std::vector<std::string>& args) {
    options o;
    std::string out_path;
    bool n_set = false, k_set = false, ops_set = false, out_set = false, format_set = false;
    arg_reader in(args, "inspect");
    while (in.more()) {
        const std::string a = in.next();
        if (a == "--help" || a == "-h") {
            usage();
            return 0;
        } else if (a == "--n") {
            o.n = parse_count(a, in.value(), kMaxN);
            n_set = true;
        } else if (a == "--delete") {
            o.k = parse_count(a, in.value(), kMaxN);
            k_set = true;
        } else if (a == "--map") {
            o.map = parse_choice(a, in.value(), {"go_map", "map"});
        } else if (a == "--seed") {
            o.seed = parse_count(a, in.value(), UINT64_MAX);
        } else if (a == "--real-hash") {
            o.real_hash = true;
        } else if (a == "--hint") {
            o.hint = parse_count(a, in.value(), 1'000'000);
        } else if (a == "--script") {
            o.script_path = in.value();
            if (o.script_path.empty()) throw usage_error{"--script: empty file name"};
        } else if (a == "--ops") {
            o.ops = parse_count(a, in.value(), 2 * kMaxN);
            ops_set = true;
        } else if (a == "--stop-mid-resize") {
            o.stop_mid_resize = true;
        } else if (a == "--format") {
            o.format = parse_choice(a, in.value(), {"text", "svg"});
            format_set = true;
        } else if (a == "--out") {
            out_path = in.value();
            out_set = true;
        } else if (a == "--color" || a == "--colour") {
            o.colour = parse_choice(a, in.value(), {"auto", "always", "never"});
        } else {
            in.unknown();
        }
    }
    // Defaults follow what was given: --delete is 5, or N when --n is below 5
    // (so `--n 3` alone works, and every command line that worked before
    // means what it meant). Only what the user typed can conflict.
    if (!o.script_path.empty()) {
        if (n_set || k_set) throw usage_error{"--script replaces --n and --delete; give one or the other"};
        o.script = read_script("--script", o.script_path, {2 * kMaxN, kMaxN});
        o.n = o.k = 0;
        if (ops_set && o.ops > o.script.size())
            throw usage_error{"--ops " + std::to_string(o.ops) + " is more than the script's " +
                              std::to_string(o.script.size()) + " steps"};
    }
    if (!k_set) o.k = std::min<std::uint64_t>(5, o.n);
    if (o.k > o.n)
        throw usage_error{"--delete " + std::to_string(o.k) + " is more than --n " + std::to_string(o.n) +
                          (n_set ? "" : " (the default; give a larger --n)")};
    if (ops_set && o.stop_mid_resize) throw usage_error{"--ops and --stop-mid-resize do not go together"};
    if (ops_set && o.script_path.empty() && o.ops > o.n + o.k)
        throw usage_error{"--ops " + std::to_string(o.ops) + " is more than the script's " +
                          std::to_string(o.n + o.k) + " steps"};
    // The format: --format when given, else from --out's extension (.svg is
    // svg, anything else text). A name that says the other format is refused.
    if (out_set) {
        const std::string ext = extension_of(out_path);
        const std::string implied = ext == "svg" ? "svg" : (ext == "txt" || ext == "text") ? "text" : "";
        if (!format_set && !implied.empty()) o.format = implied;
        if (format_set && !implied.empty() && implied != o.format)
            throw usage_error{"--format " + o.format + " contradicts --out '" + out_path + "' (a ." + ext +
                              " file is " + implied + "; drop --format, or change the name)"};
    }
    if (out_set) o.out = output_file("--out", out_path);
    if (o.map == "map") return run<lab_map>(o, "gomap::map");
    return run<lab_go_map>(o, "gomap::go_map");
}

}  // namespace lab
