// gomap-lab explore: the page a real browser builds is the engines' state.
// For several steps k of a script (one mid-grow for go_map, one mid-shrink for
// gomap::map), headless Chromium loads FILE.html#step=k and dumps its DOM; the
// header fields and every bucket's (group's) cells read back from the DOM must
// equal what `gomap-lab inspect --script FILE --ops k` prints for the same
// prefix of the script: a separate run of the engine, read by a separate
// command. A screenshot must show the state colours. Bad input exits 2 and
// leaves no file.
//
// Skipped, with a message, only when no chromium is installed
// (scripts/setup.sh installs Debian's `chromium`).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "lab_run.hpp"

using labtest::lines_of;
using labtest::run_lab;
using labtest::split_cells;

namespace {

// ---- chromium ------------------------------------------------------------------

std::string find_chromium() {
    if (const char* env = std::getenv("GOMAP_LAB_CHROMIUM"); env && *env) return env;
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    for (const std::string name : {"chromium", "chromium-browser"}) {
        std::size_t at = 0;
        while (at <= dirs.size()) {
            const auto colon = dirs.find(':', at);
            const std::string dir =
                dirs.substr(at, colon == std::string::npos ? std::string::npos : colon - at);
            const std::string full = (dir.empty() ? "." : dir) + "/" + name;
            if (::access(full.c_str(), X_OK) == 0) return full;
            if (colon == std::string::npos) break;
            at = colon + 1;
        }
    }
    return "";
}

#define REQUIRE_CHROMIUM()                                                                                \
    const std::string chromium = find_chromium();                                                         \
    if (chromium.empty())                                                                                 \
    GTEST_SKIP() << "chromium is not installed (Debian: apt-get install chromium; scripts/setup.sh does " \
                    "it): the page cannot be checked in a browser"

// Runs headless chromium on `url` with `mode` (--dump-dom, or --screenshot=...)
// and returns its stdout. Its own profile directory each time, no sandbox
// (tests may run as root), no GPU; the virtual time budget lets the page's
// script finish before the dump whatever the machine's speed. One retry: a
// browser that failed to start is not what is tested.
std::string run_chromium(const std::string& chromium, const std::string& mode, const std::string& url,
                         const std::string& size = "1600,1400") {
    static int n = 0;
    for (int attempt = 0; attempt < 2; ++attempt) {
        const std::string profile = labtest::fresh_dir("chromium-profile-" + std::to_string(n++));
        const std::string out = labtest::scratch("chromium.out");
        const std::string cmd = "timeout 120 " + labtest::shell_quote(chromium) +
                                " --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run"
                                " --disable-extensions --mute-audio --user-data-dir=" +
                                labtest::shell_quote(profile) +
                                " --virtual-time-budget=5000 --window-size=" + size + " " + mode + " " +
                                labtest::shell_quote(url) + " >" + labtest::shell_quote(out) + " 2>/dev/null";
        const int raw = std::system(cmd.c_str());
        std::string text = labtest::read_file(out);
        if (raw != -1 && WIFEXITED(raw) && WEXITSTATUS(raw) == 0 &&
            (mode != "--dump-dom" || text.find("</html>") != std::string::npos))
            return text;
    }
    return "";
}

// ---- the DOM, read back ----------------------------------------------------------

struct element {
    std::string tag;
    std::map<std::string, std::string> attr;
    std::string text;  // the text right after the start tag, up to the next tag
    bool has(const std::string& a) const { return attr.count(a) != 0; }
    std::string at(const std::string& a) const {
        auto it = attr.find(a);
        return it == attr.end() ? "" : it->second;
    }
};

std::string unescape(std::string s) {
    const std::vector<std::pair<std::string, std::string>> ents = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}, {"&amp;", "&"}};
    for (const auto& [from, to] : ents)
        for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
            s.replace(at, from.size(), to);
    return s;
}

// Start tags in document order, with their attributes; scripts dropped (the
// recording and the code are not what the page shows).
std::vector<element> elements_of(std::string html) {
    for (auto at = html.find("<script"); at != std::string::npos; at = html.find("<script", at)) {
        const auto end = html.find("</script>", at);
        html.erase(at, end == std::string::npos ? std::string::npos : end + 9 - at);
    }
    std::vector<element> out;
    for (std::size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
        if (at + 1 >= html.size() || html[at + 1] == '/' || html[at + 1] == '!') continue;
        const auto close = html.find('>', at);
        if (close == std::string::npos) break;
        const std::string tag = html.substr(at + 1, close - at - 1);
        element e;
        std::size_t i = 0;
        while (i < tag.size() && tag[i] != ' ') e.tag += tag[i++];
        while (i < tag.size()) {
            while (i < tag.size() && tag[i] == ' ') ++i;
            std::string name;
            while (i < tag.size() && tag[i] != '=' && tag[i] != ' ') name += tag[i++];
            std::string value;
            if (i < tag.size() && tag[i] == '=') {
                i += 2;  // ="
                while (i < tag.size() && tag[i] != '"') value += tag[i++];
                ++i;
            }
            if (!name.empty()) e.attr[name] = unescape(value);
        }
        const auto next = html.find('<', close);
        e.text = unescape(
            html.substr(close + 1, next == std::string::npos ? std::string::npos : next - close - 1));
        out.push_back(e);
    }
    return out;
}

// One map's state as the page shows it.
struct shown_map {
    std::map<std::string, std::string> field;
    // go_map: "old"/"new" -> chains; map: "old0", "cur" -> groups. A chain is
    // its state and its buckets' cells as inspect writes them ("9c:12", "one").
    struct chain {
        std::string array, index, state;
        std::vector<std::vector<std::string>> buckets;
        std::string overflow, migrated;  // map's groups
    };
    std::vector<chain> chains;
    std::vector<std::string> arrays;  // map: the array names in order
};

struct shown_page {
    std::string step, op;
    std::map<std::string, shown_map> maps;         // "go_map", "map"
    std::map<std::string, std::string> probe_hit;  // map -> data-hit of its probe line
    std::map<std::string, std::vector<std::string>> probe_hit_keys,
        marked;  // map -> data-key of probe-hit / mark cells
    // map -> the marked cells: "new[5] bucket 0 slot 3: one", "cur[1] slot 4: --".
    std::map<std::string, std::vector<std::string>> marked_at;
};

std::string go_cell_token(const element& e) {
    const int top = std::stoi(e.at("data-top"), nullptr, 16);
    static const char* names[] = {"rest", "one", "evX", "evY", "evE"};
    if (top < 5) return names[top];
    return e.at("data-top").substr(2) + ":" + e.at("data-key");
}

std::string flat_cell_token(const element& e) {
    if (e.at("data-reduced") == "0x00") return "--";
    return e.at("data-reduced").substr(2) + ":" + e.at("data-key") + (e.at("data-away") == "1" ? "*" : "");
}

bool has_class(const element& e, const std::string& c) {
    return (" " + e.at("class") + " ").find(" " + c + " ") != std::string::npos;
}

shown_page read_page(const std::string& dom) {
    shown_page p;
    shown_map* m = nullptr;
    std::string map_id;
    for (const auto& e : elements_of(dom)) {
        if (e.at("id") == "step-index") p.step = e.at("data-step");
        if (e.at("id") == "op-text") p.op = e.text;
        if (e.tag == "p" && e.at("data-role") == "probe") p.probe_hit[e.at("data-map")] = e.at("data-hit");
        if (e.tag == "section" && e.has("data-map")) {
            map_id = e.at("data-map");
            m = &p.maps[map_id];
            continue;
        }
        if (m == nullptr) continue;
        if (e.tag == "td" && e.has("data-field")) m->field[e.at("data-field")] = e.text;
        if (has_class(e, "chain") || has_class(e, "fgroup")) {
            shown_map::chain c;
            c.array = e.at("data-array");
            c.index = e.at("data-index");
            c.state = e.at("data-state");
            c.overflow = e.at("data-overflow");
            c.migrated = e.at("data-migrated");
            if (has_class(e, "fgroup")) {
                c.buckets.emplace_back();
                if (m->arrays.empty() || m->arrays.back() != c.array) m->arrays.push_back(c.array);
            }
            m->chains.push_back(c);
        }
        if (has_class(e, "bucket") && !m->chains.empty()) m->chains.back().buckets.emplace_back();
        if (has_class(e, "cell") && !m->chains.empty() && !m->chains.back().buckets.empty()) {
            m->chains.back().buckets.back().push_back(e.has("data-top") ? go_cell_token(e)
                                                                        : flat_cell_token(e));
            if (has_class(e, "probe-hit")) p.probe_hit_keys[map_id].push_back(e.at("data-key"));
            if (has_class(e, "mark")) {
                const auto& c = m->chains.back();
                p.marked[map_id].push_back(e.at("data-key"));
                p.marked_at[map_id].push_back(
                    c.array + "[" + c.index + "]" +
                    (e.has("data-top") ? " bucket " + std::to_string(c.buckets.size() - 1) : "") + " slot " +
                    e.at("data-slot") + ": " + c.buckets.back().back());
            }
        }
    }
    return p;
}

// ---- inspect's text, read back (the format lab_inspect_test.cpp checks) ---------

struct inspected {
    std::map<std::string, std::string> field;
    std::vector<shown_map::chain> chains;  // in the same terms as shown_map
    std::vector<std::string> arrays;
    std::string stopped_at;  // the op of the last step run ("insert 5"), from the caption
};

inspected read_inspect(const std::string& text) {
    inspected d;
    bool in_header = false, caption = true;
    std::string array;  // go: old/new; map: old0.../cur
    int olds = 0;
    for (const auto& line : lines_of(text)) {
        if (caption) {
            if (line.empty()) caption = false;
            if (line.rfind("stopped after step ", 0) == 0) {
                const auto open = line.find(" ("), close = line.rfind(')');
                d.stopped_at = line.substr(open + 2, close - open - 2);
            }
            continue;
        }
        if (line.rfind("hmap ", 0) == 0 || line.rfind("table ", 0) == 0) {
            in_header = true;
            continue;
        }
        if (in_header) {
            if (line.empty()) {
                in_header = false;
            } else {
                auto [name, value] = labtest::header_field_of(line);
                d.field[name] = value;
            }
            continue;
        }
        if (line.rfind("old array", 0) == 0) {
            // go_map: "old array: 2^old_B = ..."; map: "old array 0: ...".
            array = line.rfind("old array:", 0) == 0 ? "old" : "old" + std::to_string(olds++);
            if (array != "old") d.arrays.push_back(array);
            continue;
        }
        if (line.rfind("new array", 0) == 0 || line.rfind("buckets:", 0) == 0) array = "new";
        if (line.rfind("current array", 0) == 0) {
            array = "cur";
            d.arrays.push_back(array);
        }
        const bool chain_line =
            line.rfind("  old[", 0) == 0 || line.rfind("  new[", 0) == 0 || line.rfind("  cur[", 0) == 0;
        const auto open = line.find("| ");
        if (chain_line) {
            shown_map::chain c;
            c.array = array;
            c.index = line.substr(line.find('[') + 1, line.find(']') - line.find('[') - 1);
            if (line.find(" . not initialised") != std::string::npos) {
                c.state = "uninitialised";
            } else if (line.find(" . evacuated; its pages") != std::string::npos) {
                c.state = "released";
            } else if (line.find(" | of ") != std::string::npos) {  // a group
                const auto of = line.find(" | of ");
                c.buckets.push_back(split_cells(line.substr(open + 2, of - open - 2)));
                c.overflow = line.substr(of + 6, 8);
                c.migrated = line.find("  migrated", of) != std::string::npos ? "1" : "0";
            } else {
                const auto close = line.rfind(" |");
                c.buckets.push_back(split_cells(line.substr(open + 2, close - open - 2)));
                c.state = line.find("evacuated", close) != std::string::npos ? "evacuated" : "live";
            }
            d.chains.push_back(c);
        } else if (line.rfind("    overflow | ", 0) == 0 && !d.chains.empty()) {
            d.chains.back().buckets.push_back(
                split_cells(line.substr(open + 2, line.rfind(" |") - open - 2)));
        }
    }
    return d;
}

// ---- the script and its pages -------------------------------------------------------

// Grows both maps (go_map: B 0 -> 4; map: 2 -> 8 groups), deletes half, grows
// again, deletes everything (map shrinks): every kind of step, both directions.
const char* kScript =
    "# lab_explore_test\n"
    "insert 0..59\n"
    "range-delete odd\n"
    "insert 100..119   # more\n"
    "delete 7          # absent by now\n"
    "range-delete all\n";

std::string write_script() {
    const std::string path = labtest::scratch("explore-script.txt");
    labtest::write_file(path, kScript);
    return path;
}

// The engine's state after the first k steps of the script, as inspect prints it.
inspected inspect_at(const std::string& script, const std::string& map, std::size_t k,
                     const std::string& seed) {
    const auto r = run_lab({"inspect", "--script", script, "--map", map, "--seed", seed, "--ops",
                            std::to_string(k), "--color", "never"});
    EXPECT_EQ(r.status, 0) << r.err;
    return read_inspect(r.out);
}

std::string page_url(const std::string& path, const std::string& fragment) {
    return "file://" + path + "#" + fragment;
}

void expect_same_state(const shown_map& page, const inspected& engine,
                       const std::vector<std::string>& fields) {
    for (const auto& f : fields) {
        ASSERT_TRUE(engine.field.count(f)) << "inspect printed no " << f;
        EXPECT_EQ(page.field.count(f) ? page.field.at(f) : "<none>", engine.field.at(f))
            << "header field " << f;
    }
    // hash0 is drawn at random for every map: the two runs differ; its form is checked.
    ASSERT_TRUE(page.field.count("hash0"));
    EXPECT_EQ(page.field.at("hash0").size(), 18u) << page.field.at("hash0");
    ASSERT_EQ(page.chains.size(), engine.chains.size())
        << "one row per bucket chain (group), as inspect draws";
    for (std::size_t i = 0; i < engine.chains.size(); ++i) {
        const auto &a = page.chains[i], &b = engine.chains[i];
        SCOPED_TRACE(b.array + "[" + b.index + "]");
        EXPECT_EQ(a.array, b.array);
        EXPECT_EQ(a.index, b.index);
        EXPECT_EQ(a.state, b.state);
        EXPECT_EQ(a.buckets, b.buckets) << "every cell: state, tophash (reduced byte) and key";
        EXPECT_EQ(a.overflow, b.overflow);
        EXPECT_EQ(a.migrated, b.migrated);
    }
    EXPECT_EQ(page.arrays, engine.arrays);
}

const std::vector<std::string> kGoFields = {"count", "B",         "noverflow", "resizing",
                                            "old_B", "nevacuate", "bytes"};
const std::vector<std::string> kMapFields = {"count",    "B",     "groups",    "max_load",
                                             "resizing", "old_B", "nevacuate", "bytes"};

TEST(LabExplore, PageAtStepKIsTheEnginesStateAtStepK) {
    REQUIRE_CHROMIUM();
    const std::string script = write_script();
    const std::string page = labtest::scratch("explore.html");
    const auto r = run_lab({"explore", "--script", script, "--seed", "3", "--out", page});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");

    // Every step's state from inspect (cheap), to pick the steps worth a browser.
    const std::size_t steps = 60 + 30 + 20 + 1 + 50;
    std::vector<inspected> go(steps + 1), gm(steps + 1);
    std::size_t go_mid_grow = 0, map_mid_grow = 0, map_mid_shrink = 0, emptied_one = 0;
    for (std::size_t k = 0; k <= steps; ++k) {
        go[k] = inspect_at(script, "go_map", k, "3");
        gm[k] = inspect_at(script, "map", k, "3");
        ASSERT_TRUE(go[k].field.count("resizing") && gm[k].field.count("resizing")) << "step " << k;
        auto mid = [](const inspected& d, const char* how) {
            return d.field.at("resizing").rfind(how, 0) == 0 && d.field.at("nevacuate") != "0";
        };
        if (!go_mid_grow && mid(go[k], "yes: grow")) go_mid_grow = k;
        if (!map_mid_grow && mid(gm[k], "yes: grow")) map_mid_grow = k;
        if (!map_mid_shrink && mid(gm[k], "yes: shrink")) map_mid_shrink = k;
        if (!emptied_one && k > 60)
            for (const auto& c : go[k].chains)
                for (const auto& b : c.buckets)
                    for (const auto& cell : b)
                        if (cell == "one") emptied_one = k;
    }
    ASSERT_GT(go_mid_grow, 0u) << "the script leaves a go_map grow half done at some step";
    ASSERT_GT(map_mid_grow, 0u) << "the script leaves a gomap::map grow half done at some step";
    ASSERT_GT(map_mid_shrink, 0u) << "the script leaves a gomap::map shrink half done at some step";
    ASSERT_GT(emptied_one, 0u);
    EXPECT_EQ(go[steps].stopped_at, "") << "the script has exactly `steps` steps";

    for (const std::size_t k :
         {std::size_t{0}, go_mid_grow, map_mid_grow, emptied_one, map_mid_shrink, steps}) {
        SCOPED_TRACE("step " + std::to_string(k));
        const std::string dom =
            run_chromium(chromium, "--dump-dom", page_url(page, "step=" + std::to_string(k)));
        ASSERT_FALSE(dom.empty()) << "chromium dumped no DOM";
        const shown_page shown = read_page(dom);
        EXPECT_EQ(shown.step, std::to_string(k));
        ASSERT_TRUE(shown.maps.count("go_map") && shown.maps.count("map"));
        {
            SCOPED_TRACE("go_map");
            expect_same_state(shown.maps.at("go_map"), go[k], kGoFields);
            EXPECT_EQ(shown.maps.at("go_map").field.at("oldbuckets") == "nil",
                      go[k].field.at("resizing") == "no");
            if (k == go_mid_grow) {
                std::size_t old_rows = 0;
                for (const auto& c : shown.maps.at("go_map").chains) old_rows += c.array == "old";
                EXPECT_GT(old_rows, 0u) << "mid-grow: the old array is drawn";
            }
        }
        {
            SCOPED_TRACE("map");
            expect_same_state(shown.maps.at("map"), gm[k], kMapFields);
            if (k == map_mid_shrink) {
                EXPECT_EQ(shown.maps.at("map").arrays.size(), 2u)
                    << "mid-shrink: the old array and the current one";
            }
        }
        if (k > 0 && k < steps) {
            EXPECT_EQ(shown.op, go[k].stopped_at) << "the step's operation, as inspect names it";
        }
    }
}

TEST(LabExplore, TheStepJustRunIsMarked) {
    REQUIRE_CHROMIUM();
    const std::string script = write_script();
    const std::string page = labtest::scratch("explore-mark.html");
    ASSERT_EQ(run_lab({"explore", "--script", script, "--out", page}).status, 0);
    // Step 5 inserts key 4: both maps mark the cell holding it.
    const shown_page p = read_page(run_chromium(chromium, "--dump-dom", page_url(page, "step=5")));
    EXPECT_EQ(p.op, "insert 4");
    EXPECT_EQ(p.marked.count("go_map") ? p.marked.at("go_map") : std::vector<std::string>{},
              std::vector<std::string>{"4"});
    EXPECT_EQ(p.marked.count("map") ? p.marked.at("map") : std::vector<std::string>{},
              std::vector<std::string>{"4"});
}

// Where inspect draws `key` at a step: "old[3] bucket 0 slot 5" (go_map) or
// "cur[1] slot 4" (map); "" when absent.
std::string place_of(const inspected& d, const std::string& key) {
    for (const auto& c : d.chains)
        for (std::size_t b = 0; b < c.buckets.size(); ++b)
            for (std::size_t i = 0; i < c.buckets[b].size(); ++i) {
                const std::string& t = c.buckets[b][i];
                const std::string bare = t.back() == '*' ? t.substr(0, t.size() - 1) : t;
                if (bare.size() > key.size() &&
                    bare.compare(bare.size() - key.size() - 1, std::string::npos, ":" + key) == 0)
                    return c.array + "[" + c.index + "]" +
                           (c.overflow.empty() ? " bucket " + std::to_string(b) : "") + " slot " +
                           std::to_string(i);
            }
    return "";
}

// A delete marks the cell it emptied, in the state after the step, also when
// the step moved things: go_map's mapdelete runs growWork first, so a key
// still in an old bucket is evacuated (to new[j], X, or new[j + 2^old_B], Y)
// and deleted there; gomap::map's erase zeroes the key's slot, then its
// migration step may give the old array back, which moves the current array
// to the front of the list.
TEST(LabExplore, ADeleteMarksTheCellItEmptied) {
    REQUIRE_CHROMIUM();
    const std::string script = labtest::scratch("explore-delete-script.txt");
    labtest::write_file(script, "insert 0..53\ndelete 0..53\n");
    const std::string page = labtest::scratch("explore-delete.html");
    ASSERT_EQ(run_lab({"explore", "--script", script, "--out", page}).status, 0);
    std::size_t go_step = 0, map_step = 0;
    std::string go_was, map_was;
    std::size_t go_old_buckets = 0;
    for (std::size_t k = 55; k <= 108 && !(go_step && map_step); ++k) {
        const std::string key = std::to_string(k - 55);
        const inspected go = inspect_at(script, "go_map", k - 1, "1"),
                        gm = inspect_at(script, "map", k - 1, "1");
        if (!go_step && place_of(go, key).rfind("old[", 0) == 0) {
            go_step = k;
            go_was = place_of(go, key);
            go_old_buckets = std::size_t{1} << std::stoi(go.field.at("old_B"));
        }
        if (!map_step && gm.arrays.size() == 2 && place_of(gm, key).rfind("cur[", 0) == 0 &&
            inspect_at(script, "map", k, "1").arrays.size() == 1) {
            map_step = k;
            map_was = place_of(gm, key);
        }
    }
    ASSERT_GT(go_step, 0u) << "a delete of a key still in an old bucket of a go_map grow";
    ASSERT_GT(map_step, 0u) << "an erase of a key in gomap::map's current array that ends a resize";
    {
        SCOPED_TRACE("go_map, step " + std::to_string(go_step) + ", the key was at " + go_was);
        shown_page p = read_page(
            run_chromium(chromium, "--dump-dom", page_url(page, "step=" + std::to_string(go_step))));
        ASSERT_TRUE(p.maps.count("go_map")) << "chromium dumped no page";
        const inspected after = inspect_at(script, "go_map", go_step, "1");
        expect_same_state(p.maps.at("go_map"), after, kGoFields);
        ASSERT_EQ(p.marked_at["go_map"].size(), 1u);
        const std::string& at = p.marked_at["go_map"][0];
        const std::size_t j = std::stoul(go_was.substr(4));
        EXPECT_TRUE(at.rfind("new[" + std::to_string(j) + "]", 0) == 0 ||
                    at.rfind("new[" + std::to_string(j + go_old_buckets) + "]", 0) == 0)
            << at << ": evacuated to X or Y, then deleted there";
        EXPECT_TRUE(at.size() > 5 &&
                    (at.substr(at.size() - 5) == ": one" || at.substr(at.size() - 6) == ": rest"))
            << at;
    }
    {
        SCOPED_TRACE("map, step " + std::to_string(map_step) + ", the key was at " + map_was);
        shown_page p = read_page(
            run_chromium(chromium, "--dump-dom", page_url(page, "step=" + std::to_string(map_step))));
        ASSERT_EQ(p.marked_at["map"].size(), 1u);
        EXPECT_EQ(p.marked_at["map"][0].rfind(map_was + ": ", 0), 0u) << p.marked_at["map"][0];
    }
}

TEST(LabExplore, LookUpShowsTheProbePath) {
    REQUIRE_CHROMIUM();
    const std::string script = write_script();
    const std::string page = labtest::scratch("explore-lookup.html");
    ASSERT_EQ(run_lab({"explore", "--script", script, "--out", page}).status, 0);
    // At step 60 keys 0..59 are present: 42 is found, where the page draws it.
    const shown_page hit =
        read_page(run_chromium(chromium, "--dump-dom", page_url(page, "step=60&lookup=42")));
    for (const std::string m : {"go_map", "map"}) {
        SCOPED_TRACE(m);
        EXPECT_EQ(hit.probe_hit.count(m) ? hit.probe_hit.at(m) : "", "1");
        EXPECT_EQ(hit.probe_hit_keys.count(m) ? hit.probe_hit_keys.at(m) : std::vector<std::string>{},
                  std::vector<std::string>{"42"});
    }
    // After range-delete odd, 41 is gone: the probe misses and marks no cell as found.
    const shown_page miss =
        read_page(run_chromium(chromium, "--dump-dom", page_url(page, "step=90&lookup=41")));
    for (const std::string m : {"go_map", "map"}) {
        SCOPED_TRACE(m);
        EXPECT_EQ(miss.probe_hit.count(m) ? miss.probe_hit.at(m) : "", "0");
        EXPECT_EQ(miss.probe_hit_keys.count(m), 0u);
    }
}

// The controls, driven by a script added to a copy of the page: the arrow
// keys, Home and End, the buttons, the look-up box, the address (#step=k,
// written as the page steps and read when it changes) and play/pause. Virtual
// time (--virtual-time-budget) runs the timers; only "play moved forward" is
// asserted about playing, not how far.
TEST(LabExplore, ControlsStepPlayAndKeepTheAddress) {
    REQUIRE_CHROMIUM();
    const std::string page = labtest::scratch("explore-controls.html");
    ASSERT_EQ(run_lab({"explore", "--out", page}).status, 0);
    std::string html = labtest::read_file(page);
    const std::string driver = R"(<script>
(function () {
  var log = [];
  function step() { return document.getElementById('step-index').textContent; }
  function key(k) {
    document.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true}));
    log.push(k + ' ' + step() + ' ' + location.hash);
  }
  key('ArrowRight'); key('ArrowRight'); key('ArrowLeft'); key('End'); key('Home');
  document.getElementById('next').click();
  log.push('next ' + step() + ' ' + location.hash);
  document.getElementById('lookup').value = '0';
  document.getElementById('lookup-go').click();
  log.push('lookup ' + step() + ' ' + location.hash + ' ' + document.querySelectorAll('.probe-hit').length);
  location.hash = '#step=77';
  setTimeout(function () {
    log.push('hash ' + step());
    key(' ');
    setTimeout(function () {
      key(' ');
      log.push('played ' + (parseInt(step(), 10) > 77 ? 'forward' : 'not'));
      var d = document.createElement('pre');
      d.id = 'driver-log';
      d.textContent = log.join('|');
      document.body.appendChild(d);
    }, 1500);
  }, 100);
})();
</script>
)";
    html.insert(html.rfind("</body>"), driver);
    labtest::write_file(page, html);
    const std::string dom = run_chromium(chromium, "--dump-dom", "file://" + page);
    const auto at = dom.find("<pre id=\"driver-log\">");
    ASSERT_NE(at, std::string::npos) << "the driver did not finish";
    const std::string log = unescape(dom.substr(at + 21, dom.find("</pre>", at) - at - 21));
    EXPECT_EQ(
        log,
        "ArrowRight 1 #step=1|ArrowRight 2 #step=2|ArrowLeft 1 #step=1|End 200 #step=200|Home 0 #step=0|"
        "next 1 #step=1|lookup 1 #step=1&lookup=0 2|hash 77|  77 #step=77|  " +
            log.substr(log.rfind("|  ") + 3, log.rfind("|played") - log.rfind("|  ") - 3) +
            "|played forward");
}

// An address out of range opens the nearest step; one that is not a step opens
// the first. A key looked up from the address is read as the box reads it.
TEST(LabExplore, AddressOutOfRangeOpensTheNearestStep) {
    REQUIRE_CHROMIUM();
    const std::string page = labtest::scratch("explore-address.html");
    ASSERT_EQ(run_lab({"explore", "--n", "10", "--out", page}).status, 0);  // steps 0..20
    for (const auto& [fragment, step] :
         std::vector<std::pair<std::string, std::string>>{{"step=21", "20"},
                                                          {"step=4294967299", "20"},
                                                          {"step=99999999999999999999999", "20"},
                                                          {"step=-3", "0"},
                                                          {"step=abc", "0"},
                                                          {"step=7&lookup=006", "7"}}) {
        SCOPED_TRACE(fragment);
        const shown_page p = read_page(run_chromium(chromium, "--dump-dom", page_url(page, fragment)));
        EXPECT_EQ(p.step, step);
        if (fragment.find("lookup") != std::string::npos) {
            EXPECT_EQ(
                p.probe_hit_keys.count("go_map") ? p.probe_hit_keys.at("go_map") : std::vector<std::string>{},
                std::vector<std::string>{"6"})
                << "key 6, inserted at step 7";
        }
    }
}

TEST(LabExplore, ScreenshotShowsTheStateColours) {
    REQUIRE_CHROMIUM();
    if (std::string(GOMAP_LAB_PYTHON).empty())
        GTEST_SKIP() << "python3 is not installed: cannot read the PNG";
    const std::string page = labtest::scratch("explore-default.html");
    const auto r = run_lab({"explore", "--out", page});
    ASSERT_EQ(r.status, 0) << r.err;
    // The default script: insert 0..99, delete them in order; step 140 is
    // mid-delete, with live entries, emptyOne and emptyRest cells in go_map.
    const std::string png = labtest::scratch("explore.png");
    run_chromium(chromium, "--screenshot=" + png, page_url(page, "step=140&lookup=97"), "1600,1400");
    ASSERT_TRUE(labtest::file_exists(png)) << "chromium wrote no screenshot";
    const std::string check = labtest::scratch("explore-png.txt");
    const std::string cmd = std::string(GOMAP_LAB_PYTHON) + " " + labtest::shell_quote(GOMAP_LAB_PNG_CHECK) +
                            " " + labtest::shell_quote(png) + " '#cfeecf' '#ffe7a3' '#eeeeee' '#e8743b' > " +
                            labtest::shell_quote(check);
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    std::map<std::string, double> v;
    for (const auto& line : lines_of(labtest::read_file(check))) {
        const auto words = split_cells(line);
        if (words.size() == 2) v[words[0]] = std::stod(words[1]);
        if (words.size() == 3 && words[0] == "count") v[words[1]] = std::stod(words[2]);
    }
    EXPECT_EQ(v["width"], 1600);
    EXPECT_EQ(v["height"], 1400);
    EXPECT_GT(v["nonwhite"], 0.10) << "not a blank page";
    EXPECT_GT(v["colours"], 50);
    // Each legend swatch is about 300 pixels: more than that is cells.
    EXPECT_GT(v["#cfeecf"], 5000) << "live entries (green)";
    EXPECT_GT(v["#ffe7a3"], 5000) << "emptyOne cells (yellow)";
    EXPECT_GT(v["#eeeeee"], 5000) << "emptyRest and empty slots (grey)";
    EXPECT_GT(v["#e8743b"], 100) << "overflow bits set (orange)";
    // GOMAP_LAB_EXPLORE_PNG=docs/img/explore.png keeps the picture (the README's).
    if (const char* keep = std::getenv("GOMAP_LAB_EXPLORE_PNG"); keep && *keep)
        labtest::write_file(keep, labtest::read_file(png));
}

// The README's command, word for word (scripts/gomap-lab runs the binary
// with the same arguments; lab_script_test checks the wrapper).
TEST(LabExplore, PageIsSelfContainedAndSmall) {
    const std::string dir = labtest::fresh_dir("explore-readme");
    const auto r = run_lab({"explore", "--out", "explore.html"}, "cd " + labtest::shell_quote(dir) + " &&");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string page = dir + "/explore.html";
    ASSERT_TRUE(labtest::file_exists(page));
    const std::string html = labtest::read_file(page);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(html.find("http:"), std::string::npos) << "no network";
    EXPECT_EQ(html.find("https:"), std::string::npos) << "no network";
    EXPECT_EQ(html.find(" src="), std::string::npos) << "nothing loaded from elsewhere";
    EXPECT_LT(html.size(), 1'000'000u) << "the default page stays small";
    EXPECT_NE(html.find("id=\"gomap-data\""), std::string::npos);
}

// ---- bad input -------------------------------------------------------------------

TEST(LabExplore, BadInputExits2AndWritesNothing) {
    const std::string dir = labtest::fresh_dir("explore-bad");
    const std::string kept = dir + "/kept.html";
    labtest::write_file(kept, "the old page\n");
    struct bad_case {
        std::string script;  // "" : no --script
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<bad_case> cases = {
        {"insert 1\nfrobnicate 2\n", {}, ":2: unknown operation 'frobnicate'"},
        {"insert 1\ninsert x1\n", {}, ":2: 'x1' is not an integer key"},
        {"delete 1.5\n", {}, ":1: '1.5' is not an integer key"},
        {"insert 99999999999999999999\n", {}, "is not an integer key"},
        {"range-delete prime\n", {}, ":1: unknown predicate 'prime'"},
        {"range-delete lt\n", {}, "expected 'range-delete lt K'"},
        {"insert 0..2000\n", {}, "has more than 1000 keys"},
        {"insert 5..3\n", {}, ":1: empty range '5..3'"},
        {"insert 5..\n", {}, ":1: '5..' is not a key or a range"},
        {"insert 0..499\ninsert 500\n", {}, ":2: more than 500 keys present at once"},
        {"insert 1 2\n", {}, "expected 'insert K' or 'insert A..B'"},
        {"", {"--n", "501"}, "--n: 501 is too large (at most 500)"},
        {"", {"--n", "ten"}, "--n: expected a non-negative integer, got 'ten'"},
        {"", {"--script", dir + "/missing.txt"}, "--script: cannot read"},
        {"insert 1\n", {"--n", "5"}, "--script replaces --n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.message);
        std::vector<std::string> args = {"explore"};
        if (!c.script.empty()) {
            const std::string s = labtest::scratch("bad-script.txt");
            labtest::write_file(s, c.script);
            args.insert(args.end(), {"--script", s});
        }
        args.insert(args.end(), c.args.begin(), c.args.end());
        for (const std::string& out : {dir + "/new.html", kept}) {
            auto with_out = args;
            with_out.insert(with_out.end(), {"--out", out});
            const auto r = run_lab(with_out);
            EXPECT_EQ(r.status, 2) << r.err;
            EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
            EXPECT_EQ(r.err.rfind("gomap-lab explore: ", 0), 0u) << r.err;
            EXPECT_EQ(r.out, "");
        }
        EXPECT_FALSE(labtest::file_exists(dir + "/new.html")) << "no file made";
        EXPECT_EQ(labtest::read_file(kept), "the old page\n") << "an existing page is not touched";
        EXPECT_EQ(labtest::list_dir(dir), std::vector<std::string>{"kept.html"}) << "no temporary file left";
    }
    const auto no_out = run_lab({"explore"});
    EXPECT_EQ(no_out.status, 2);
    EXPECT_NE(no_out.err.find("--out FILE.html is required"), std::string::npos) << no_out.err;
}

// The op language is inspect's too: a bad script there is the same usage error.
TEST(LabExplore, InspectReadsTheSameScripts) {
    const std::string s = labtest::scratch("inspect-script.txt");
    labtest::write_file(s, "insert 0..9\nrange-delete even\nclear\ninsert 3\n");
    const auto r = run_lab({"inspect", "--script", s, "--color", "never"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_inspect(r.out).field.at("count"), "1");
    const auto mid = run_lab({"inspect", "--script", s, "--ops", "12", "--color", "never"});
    ASSERT_EQ(mid.status, 0) << mid.err;
    const auto d = read_inspect(mid.out);
    EXPECT_EQ(d.field.at("count"), "8") << "10 inserts, then 2 of the 5 even keys deleted";
    EXPECT_EQ(d.stopped_at, "range-delete even: delete 2");
    // Windows line ends and tabs are spaces.
    labtest::write_file(s, "insert\t0..9\r\nrange-delete even  # comment\r\nclear\r\ninsert 3\r\n");
    const auto crlf = run_lab({"inspect", "--script", s, "--color", "never"});
    ASSERT_EQ(crlf.status, 0) << crlf.err;
    EXPECT_EQ(read_inspect(crlf.out).field.at("count"), "1");
    labtest::write_file(s, "insert 1\nfrobnicate\n");
    const auto bad = run_lab({"inspect", "--script", s});
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find(":2: unknown operation 'frobnicate'"), std::string::npos) << bad.err;
    const auto both = run_lab({"inspect", "--script", s, "--n", "5"});
    EXPECT_EQ(both.status, 2);
}

}  // namespace
