// gomap-lab seed — the article's experiment, for every map side by side.
//
// The Go program of the article: m := make(map[int]Person, 10000); insert 10,000
// entries; GC; delete them all; GC; m = nil; GC — printing the heap at each
// stage. Here the same four stages run for every map, with the bytes each map
// holds from its allocator:
//   gomap::go_map, gomap::map;
//   gomap::safe_map and gomap::gozero_safe_map (the article's second remedy,
//     go-zero's SafeMap: keys deleted one by one, as a caller of Del does);
//   "rebuild the map" (the article's first remedy: after the deletes, copy what
//     is left into a new go_map and drop the old one);
//   gomap::node_map (entries allocated one by one);
//   std::unordered_map, and absl::flat_hash_map / absl::node_hash_map /
//     boost::unordered_flat_map
//     when gomap-lab was built with them;
// and for the real Go map (the program in go/seed, run live when `go` is
// installed).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <unordered_map>

#include <malloc.h>

#include <gomap/map.hpp>
#include <gomap/safe_map.hpp>
#include <gomap/stats.hpp>
#if GOMAP_LAB_HAVE_ABSL
#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_map.h>
#endif
#if GOMAP_LAB_HAVE_BOOST
#include <boost/unordered/unordered_flat_map.hpp>
#endif

#include "lab.hpp"

namespace lab {
namespace {

// Go's Person{ID int64; Name string} is 24 bytes: an int64 and a string header
// (pointer + length). string_view is the same pair in C++.
struct Person {
    std::int64_t ID;
    std::string_view Name;
};
static_assert(sizeof(Person) == 24);

struct stage_figure {
    std::string stage;
    std::uint64_t bytes = 0;  // held by the map (its allocator's count)
    int B = -1;               // -1: no map
    bool known = true;
    long long heap = -1;      // the process's heap in use (malloc), minus before make; -1: not measured
};

// The process's heap in use, as malloc sees it: small chunks in use plus
// mmapped chunks (mallinfo2: uordblks + hblkhd). Includes malloc's own
// per-chunk overhead, which the allocator counts above do not.
// A sanitizer replaces malloc, and glibc's counters no longer see the heap:
// then the figure is "not measured" (-1), never a wrong number.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GOMAP_LAB_MALLOC_REPLACED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define GOMAP_LAB_MALLOC_REPLACED 1
#endif
#endif

long long heap_in_use() {
#if defined(GOMAP_LAB_MALLOC_REPLACED)
    return -1;
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const struct mallinfo2 mi = mallinfo2();
    return static_cast<long long>(mi.uordblks + mi.hblkhd);
#else
    return -1;
#endif
}

struct column {
    std::string name;
    std::vector<stage_figure> stages;
    std::string note;
};

constexpr const char* kStages[] = {"made", "filled", "deleted", "dropped"};

// Progress on stderr while the maps run (seconds at a large --n): a bar with
// the map and its stage, drawn only when stderr is a terminal and erased
// before the table is printed on stdout. Each C++ map counts 2n steps (its
// inserts and its deletes); the Go program, a separate process, is a last
// stage of its own. Nothing here allocates once the maps run: a block freed
// between two stages would stay in malloc's cache, counted as in use, and
// move the heap figures.
struct tracker {
    progress bar;
    std::size_t maps, index = 0;
    std::uint64_t done = 0;
    const std::string insert_n, set_n;  // "insert 10,000", made before any map is measured
    tracker(std::size_t cpp_maps, std::size_t all_maps, std::uint64_t n)
        : bar("seed: starting", 2 * n * cpp_maps),
          maps(all_maps),
          insert_n("insert " + with_commas(n)),
          set_n("set " + with_commas(n)) {}
    void next_map() { ++index; }
    void stage(const std::string& map, std::string_view what) {
        char label[160];
        std::snprintf(label, sizeof label, "%s (%zu/%zu): %.*s", map.c_str(), index, maps,
                      static_cast<int>(what.size()), what.data());
        bar.set_label(label);
    }
    void tick() { bar.update(++done); }
};

using person_alloc = gomap::counting_allocator<std::pair<const std::int64_t, Person>>;

Person person(std::uint64_t i) { return Person{static_cast<std::int64_t>(i * 7919 % 1000000000), "hello world"}; }

// The article's loop on a map with std's interface. gomap maps delete inside
// range(), as Go's `for k := range m { delete(m, k) }`; the others delete every
// key they hold (collected first: erasing while iterating is not allowed in all
// of them). `rebuild` adds the article's first remedy after the deletes.
template <class Map>
column run_cpp(tracker& t, const std::string& name, std::uint64_t n, std::uint64_t hint,
               bool rebuild = false) {
    t.next_map();
    t.stage(name, "make");
    gomap::allocation_counter counter;
    column c{name, {}, {}};
    const long long base = heap_in_use();
    auto heap = [&] { return base < 0 ? -1 : heap_in_use() - base; };
    {
        Map m(hint, typename Map::hasher(), typename Map::key_equal(), person_alloc(&counter));
        auto B = [&]() -> int {
            if constexpr (requires { m.stats(); })
                return m.stats().B;
            else
                return -1;
        };
        c.stages.push_back({"made", counter.bytes, B(), true, heap()});
        t.stage(name, t.insert_n);
        for (std::uint64_t i = 0; i < n; ++i) {
            m[static_cast<std::int64_t>(i)] = person(i);
            t.tick();
        }
        c.stages.push_back({"filled", counter.bytes, B(), true, heap()});
        t.stage(name, "delete every key");
        if constexpr (requires { m.range([](const std::int64_t&, Person&) {}); }) {
            m.range([&](const std::int64_t& k, Person&) {
                m.erase(k);
                t.tick();
            });
        } else {
            std::vector<std::int64_t> keys;
            for (const auto& e : m) keys.push_back(e.first);
            for (std::int64_t k : keys) {
                m.erase(k);
                t.tick();
            }
        }
        if (rebuild) {
            t.stage(name, "rebuild");
            // m = rebuild(m): a new map with what is left, the old one dropped.
            Map fresh(m.size(), typename Map::hasher(), typename Map::key_equal(), person_alloc(&counter));
            for (const auto& e : m) fresh.emplace(e.first, e.second);
            m = std::move(fresh);
        }
        c.stages.push_back({"deleted", counter.bytes, B(), true, heap()});
        t.stage(name, "drop");
    }
    c.stages.push_back({"dropped", counter.bytes, -1, true, heap()});
    return c;
}

// The same on go-zero's interface: Set, then Del of every key.
template <class Map>
column run_safe(tracker& t, const std::string& name, std::uint64_t n) {
    t.next_map();
    t.stage(name, "make");
    gomap::allocation_counter counter;
    column c{name, {}, {}};
    const long long base = heap_in_use();
    auto heap = [&] { return base < 0 ? -1 : heap_in_use() - base; };
    {
        Map m{person_alloc(&counter)};
        c.stages.push_back({"made", counter.bytes, -1, true, heap()});
        t.stage(name, t.set_n);
        for (std::uint64_t i = 0; i < n; ++i) {
            m.set(static_cast<std::int64_t>(i), person(i));
            t.tick();
        }
        c.stages.push_back({"filled", counter.bytes, -1, true, heap()});
        t.stage(name, "del every key");
        for (std::uint64_t i = 0; i < n; ++i) {
            m.del(static_cast<std::int64_t>(i));
            t.tick();
        }
        c.stages.push_back({"deleted", counter.bytes, -1, true, heap()});
        t.stage(name, "drop");
    }
    c.stages.push_back({"dropped", counter.bytes, -1, true, heap()});
    return c;
}

column run_go(tracker& t, std::uint64_t n, std::uint64_t hint) {
    column c{"Go 1.19 map (live)", {}, {}};
    t.next_map();
    t.stage(c.name, "go run (the Go program, compiled on its first run)");
    const char* tmp = std::getenv("TMPDIR");
    std::string cmd = std::string("cd '") + GOMAP_LAB_GO_SEED_DIR + "' && GOCACHE='" + (tmp ? tmp : "/tmp") +
                      "/gomap-lab-gocache' GOFLAGS=-mod=mod GO111MODULE=on '" + GOMAP_LAB_GO + "' run . -n " +
                      std::to_string(n) + " -hint " + std::to_string(hint) + " 2>&1";
    std::FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    if (p) {
        char buf[512];
        while (std::fgets(buf, sizeof buf, p)) out += buf;
    }
    const int rc = p ? pclose(p) : -1;
    for (const char* s : kStages) {
        stage_figure f{s, 0, -1, false};
        auto at = out.find(std::string(s) + " ");
        unsigned long long bytes = 0;
        int B = -1;
        if (rc == 0 && at != std::string::npos && std::sscanf(out.c_str() + at + std::string_view(s).size(), " %llu %d", &bytes, &B) == 2) {
            f.bytes = bytes;
            f.B = B;
            f.known = true;
        }
        c.stages.push_back(f);
    }
    if (rc != 0) c.note = "Go not run (install golang-go): " + out.substr(0, out.find('\n'));
    return c;
}

void print_table(const std::vector<column>& cols, std::uint64_t n, std::uint64_t hint) {
    std::printf("The seed article's experiment: m := make(map[int]Person, %llu); %llu inserts;\n"
                "delete every key; m = nil. Bytes held by each map at each stage.\n\n",
                static_cast<unsigned long long>(hint), static_cast<unsigned long long>(n));
    std::size_t w = 3;
    for (const auto& c : cols) w = std::max(w, c.name.size());
    std::printf("%-*s  %-18s  %-18s  %-24s  %s\n", static_cast<int>(w), "map", "made", "filled",
                "all deleted (% kept)", "dropped");
    for (const auto& c : cols) {
        std::printf("%-*s", static_cast<int>(w), c.name.c_str());
        for (std::size_t s = 0; s < 4; ++s) {
            const auto& f = c.stages[s];
            std::string cell = !f.known ? "-" : human_bytes(f.bytes);
            if (f.known && f.B >= 0) cell += "  B=" + std::to_string(f.B);
            if (f.known && s == 2 && c.stages[1].known && c.stages[1].bytes > 0)
                cell += "  (" + std::to_string(f.bytes * 100 / c.stages[1].bytes) + "%)";
            if (s < 3)
                std::printf("  %-*s", s == 2 ? 24 : 18, cell.c_str());
            else
                std::printf("  %s", cell.c_str());
        }
        std::printf("\n");
    }
    bool heap_known = false;
    for (const auto& c : cols) heap_known = heap_known || (!c.stages.empty() && c.stages[0].heap >= 0);
    if (!heap_known)
        std::printf("\n(The process's heap is not measured in this build: malloc is replaced, e.g. by a sanitizer.)\n");
    else
        std::printf("\nThe same stages as the process's heap sees them (malloc's bytes in use, minus\n"
                    "before make; includes malloc's own overhead per allocation):\n\n");
    if (heap_known)
        std::printf("%-*s  %-18s  %-18s  %-24s  %s\n", static_cast<int>(w), "map", "made", "filled", "all deleted",
                    "dropped");
    for (const auto& c : cols) {
        if (c.stages.empty() || c.stages[0].heap < 0) continue;
        std::printf("%-*s", static_cast<int>(w), c.name.c_str());
        for (std::size_t s = 0; s < 4; ++s) {
            const long long h = c.stages[s].heap;
            const std::string cell = h < 0 ? "-" : human_bytes(static_cast<std::uint64_t>(h < 0 ? 0 : h));
            if (s < 3)
                std::printf("  %-*s", s == 2 ? 24 : 18, cell.c_str());
            else
                std::printf("  %s", cell.c_str());
        }
        std::printf("\n");
    }
    std::printf("\n(%% kept) = share of the filled map's bytes still held after deleting every key.\n"
                "C++ maps: bytes counted by a counting allocator; Go: runtime HeapAlloc after GC,\n"
                "minus the heap before make (the map's bucket arrays and overflow buckets).\n"
                "rebuilt: the article's first remedy, the survivors copied into a new map.\n"
                "safe_map rows: go-zero's interface, Del of every key.\n");
    for (const auto& c : cols)
        if (!c.note.empty()) std::printf("note: %s\n", c.note.c_str());
}

void print_json(const std::vector<column>& cols, std::uint64_t n, std::uint64_t hint) {
    std::printf("{\"experiment\":\"seed\",\"n\":%llu,\"hint\":%llu,\"maps\":[",
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(hint));
    for (std::size_t i = 0; i < cols.size(); ++i) {
        std::printf("%s{\"name\":\"%s\",\"stages\":[", i ? "," : "", cols[i].name.c_str());
        for (std::size_t s = 0; s < cols[i].stages.size(); ++s) {
            const auto& f = cols[i].stages[s];
            if (f.known)
                std::printf("%s{\"stage\":\"%s\",\"bytes\":%llu,\"B\":%d,\"heap\":%s}", s ? "," : "",
                            f.stage.c_str(), static_cast<unsigned long long>(f.bytes), f.B,
                            f.heap < 0 ? "null" : std::to_string(f.heap).c_str());
            else
                std::printf("%s{\"stage\":\"%s\",\"bytes\":null,\"B\":null}", s ? "," : "", f.stage.c_str());
        }
        std::printf("]}");
    }
    std::printf("]}\n");
}

}  // namespace

int cmd_seed(const std::vector<std::string>& args) {
    std::uint64_t n = 10000, hint = 10000;
    bool json = false, go = true, hint_set = false;
    constexpr std::uint64_t kMax = 100'000'000;
    arg_reader in(args, "seed");
    while (in.more()) {
        const std::string a = in.next();
        if (a == "--help" || a == "-h") {
            std::puts(
                "usage: gomap-lab seed [--n N] [--hint H] [--json] [--no-go]\n"
                "  --n N      entries to insert (default 10000, at most 100000000)\n"
                "  --hint H   make() size hint (default 10000, or N when --n is given)\n"
                "  --json     machine-readable output\n"
                "  --no-go    do not run the real Go map even if `go` is installed\n"
                "Bytes are printed in KB below 1 MiB, then MB and GB (1 KB = 1024 bytes);\n"
                "--json gives exact bytes. A progress bar is drawn on stderr when it is a\n"
                "terminal.");
            return 0;
        } else if (a == "--n") {
            n = parse_count(a, in.value(), kMax);
            if (!hint_set) hint = n;
        } else if (a == "--hint") {
            hint = parse_count(a, in.value(), kMax);
            hint_set = true;
        } else if (a == "--json") {
            json = true;
        } else if (a == "--no-go") {
            go = false;
        } else {
            in.unknown();
        }
    }
    using K = std::int64_t;
    using A = person_alloc;
    std::size_t cpp_maps = 7;
#if GOMAP_LAB_HAVE_ABSL
    cpp_maps += 2;
#endif
#if GOMAP_LAB_HAVE_BOOST
    ++cpp_maps;
#endif
    std::vector<column> cols;
    {
        tracker t(cpp_maps, cpp_maps + (go ? 1 : 0), n);
        cols.push_back(run_cpp<gomap::go_map<K, Person, gomap::hash<K>, std::equal_to<K>, A>>(
            t, "gomap::go_map", n, hint));
        cols.push_back(
            run_cpp<gomap::map<K, Person, gomap::hash<K>, std::equal_to<K>, A>>(t, "gomap::map", n, hint));
        cols.push_back(run_cpp<gomap::node_map<K, Person, gomap::hash<K>, std::equal_to<K>, A>>(
            t, "gomap::node_map", n, hint));
        cols.push_back(run_safe<gomap::safe_map<K, Person, gomap::hash<K>, std::equal_to<K>, A>>(
            t, "gomap::safe_map", n));
        cols.push_back(run_safe<gomap::gozero_safe_map<K, Person, gomap::hash<K>, std::equal_to<K>, A>>(
            t, "go-zero SafeMap (gozero_safe_map)", n));
        cols.push_back(run_cpp<gomap::go_map<K, Person, gomap::hash<K>, std::equal_to<K>, A>>(
            t, "gomap::go_map, rebuilt", n, hint, /*rebuild=*/true));
        cols.push_back(run_cpp<std::unordered_map<K, Person, std::hash<K>, std::equal_to<K>, A>>(
            t, "std::unordered_map", n, hint));
#if GOMAP_LAB_HAVE_ABSL
        cols.push_back(run_cpp<absl::flat_hash_map<K, Person, absl::Hash<K>, std::equal_to<K>, A>>(
            t, "absl::flat_hash_map", n, hint));
        cols.push_back(run_cpp<absl::node_hash_map<K, Person, absl::Hash<K>, std::equal_to<K>, A>>(
            t, "absl::node_hash_map", n, hint));
#endif
#if GOMAP_LAB_HAVE_BOOST
        cols.push_back(run_cpp<boost::unordered_flat_map<K, Person, boost::hash<K>, std::equal_to<K>, A>>(
            t, "boost::unordered_flat_map", n, hint));
#endif
        if (go) cols.push_back(run_go(t, n, hint));
    }  // the progress bar is erased before the table is printed
    if (json)
        print_json(cols, n, hint);
    else
        print_table(cols, n, hint);
    return 0;
}

}  // namespace lab
