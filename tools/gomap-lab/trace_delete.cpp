// gomap-lab trace-delete — the article's walk through Go's mapdelete, run on a
// live gomap::go_map: for each key, its hash, bucket and tophash, the slot it
// is found in, the tophash cells of its chain before and after, how the slot
// becomes emptyOne and how a run of empty slots becomes emptyRest walking
// backwards through the chain, and whether hash0 was re-drawn (count 0).
//
// The chain is shown as the engine left it (read back with inspect_buckets);
// the prose follows Go's rule, and a note says so if the two ever disagree.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "lab.hpp"
#include "structure.hpp"

namespace lab {
namespace {

namespace dt = gomap::detail;
constexpr std::uint64_t kMaxN = 10'000;

// A position in a chain: bucket b (0 = head), slot s.
std::string where(std::size_t pos, bool one_bucket) {
    const std::size_t b = pos / dt::bucketCnt, s = pos % dt::bucketCnt;
    if (one_bucket || b == 0) return (one_bucket ? "slot " : "head slot ") + std::to_string(s);
    return "overflow " + std::to_string(b) + " slot " + std::to_string(s);
}

// "holds an entry", "is emptyOne", ...
std::string state_of(std::uint8_t top) {
    switch (top) {
        case dt::emptyRest:
            return "is emptyRest";
        case dt::emptyOne:
            return "is emptyOne";
        case dt::evacuatedX:
            return "is evacuatedX";
        case dt::evacuatedY:
            return "is evacuatedY";
        case dt::evacuatedEmpty:
            return "is evacuatedEmpty";
        default:
            return "holds an entry";
    }
}

std::vector<std::uint8_t> flatten(const chain_view& c) {
    std::vector<std::uint8_t> t;
    for (const auto& b : c.buckets)
        for (const auto& cell : b.cells) t.push_back(cell.top);
    return t;
}

// Go's mapdelete marking (runtime/map.go), on a copy of the chain's tophash
// cells, to explain what the engine did.
struct marking {
    std::vector<std::uint8_t> cells;  // after
    bool last = false;                // no entry follows the deleted slot
    std::size_t next = SIZE_MAX;      // position after the deleted slot (SIZE_MAX: end of chain)
    std::vector<std::size_t> rest;    // positions turned into emptyRest, in walk order
    std::ptrdiff_t stop = -1;         // where the backward walk stopped (-1: start of chain)
};

marking go_mark(std::vector<std::uint8_t> cells, std::size_t p0) {
    marking m;
    cells[p0] = dt::emptyOne;
    if (p0 + 1 < cells.size()) m.next = p0 + 1;
    m.last = m.next == SIZE_MAX || cells[m.next] == dt::emptyRest;
    if (m.last) {
        std::size_t p = p0;
        for (;;) {
            cells[p] = dt::emptyRest;
            m.rest.push_back(p);
            if (p == 0) break;
            --p;
            if (cells[p] != dt::emptyOne) {
                m.stop = static_cast<std::ptrdiff_t>(p);
                break;
            }
        }
    }
    m.cells = std::move(cells);
    return m;
}

struct options {
    std::uint64_t n = 20, seed = 1;
    bool real_hash = false;
    std::string colour = "auto";
    std::vector<std::int64_t> keys;
};

// Returns whether the key was in the map.
bool trace_one(lab_go_map& m, std::int64_t key, const text_style& base_style, std::string& out) {
    const structure before = capture(m, "m");
    const auto& st = before.stats;
    out += "delete(m, " + std::to_string(key) + ")\n";
    std::size_t b = 0, slot = 0;
    const chain_view* chain = before.find(key, b, slot);
    const std::uint64_t hash = m.hash_function()(key, st.hash0);
    if (chain == nullptr) {
        out += "  " + std::to_string(key) +
               " is not in the map: Go's mapdelete finds no matching tophash and key\n"
               "  in its chain and changes nothing.\n\n";
        m.erase(key);  // a no-op, as in Go (it still runs, and must not change anything)
        return false;
    }
    const std::uint8_t top = dt::tophash(hash);
    const std::size_t mask = (std::size_t{1} << st.B) - 1;
    char buf[256];
    const bool real = m.hash_function().real;
    out += "  hash     " + hex64(hash) + "   (" + (real ? "gomap::hash keyed by hash0" : "the lab's hash") +
           ")\n";
    out += "  bucket   hash & (2^B - 1) = hash & " + std::to_string(mask) + " = " +
           std::to_string(hash & mask) + "\n";
    const auto top_byte = static_cast<unsigned>(hash >> 56);
    if (top_byte < dt::minTopHash)
        std::snprintf(buf, sizeof buf,
                      "  tophash  top byte 0x%02x is below minTopHash (5), so 0x%02x + 5 = 0x%02x\n",
                      top_byte, top_byte, static_cast<unsigned>(top));
    else
        std::snprintf(buf, sizeof buf, "  tophash  top byte of the hash = 0x%02x\n", top_byte);
    out += buf;
    if (chain->old)
        out += "  a resize is in progress and old[" + std::to_string(chain->index) +
               "] (hash & (2^old_B - 1)) is not evacuated yet: the key is still there\n";
    const bool one_bucket = chain->buckets.size() == 1;
    const std::size_t p0 = b * dt::bucketCnt + slot;
    out += "  found in " + std::string(chain->old ? "old[" : "new[") + std::to_string(chain->index) + "], " +
           where(p0, one_bucket) + " (tophash matches, then the key)\n\n";

    text_style style = base_style;
    const std::string label = std::string(chain->old ? "old[" : "new[") + std::to_string(chain->index) + "]";
    out += "  before\n" + slot_header(style, label) + chain_text(*chain, style, b, slot, label);

    const chain_view chain_before = *chain;  // `before` stays valid; copy for clarity
    const marking go = go_mark(flatten(chain_before), p0);
    const std::size_t count_before = st.count;
    const std::uint64_t hash0_before = st.hash0;
    m.erase(key);
    const structure after = capture(m, "m");
    const auto& arr = chain_before.old ? after.old_array : after.new_array;
    const chain_view* chain_after = nullptr;
    for (const auto& c : arr)
        if (c.index == chain_before.index) chain_after = &c;
    if (chain_after != nullptr && chain_after->state == chain_state::live) {
        out += "  after\n" + chain_text(*chain_after, style, b, slot, label) + "\n";
        if (flatten(*chain_after) != go.cells) out += "  note: the engine's cells differ from Go's rule\n";
    } else {
        out +=
            "  after: " + label + " is evacuated: the delete's resize step (growWork) moved its entries\n\n";
    }

    // The story, in Go's words.
    out += "  1. " + where(p0, one_bucket) + ": the entry is destroyed and its tophash becomes emptyOne.\n";
    const std::string next = go.next == SIZE_MAX ? "" : where(go.next, one_bucket);
    if (!go.last) {
        const std::uint8_t t = chain_before.buckets[go.next / 8].cells[go.next % 8].top;
        out += "  2. the next slot, " + next + ", " + state_of(t) +
               (t == dt::emptyOne ? ", so an entry may follow further on" : "") +
               ": the slot stays emptyOne,\n     and lookups keep going past it.\n";
    } else {
        out += "  2. " +
               (go.next == SIZE_MAX ? std::string("this is the last slot of the chain")
                                    : next + " is emptyRest") +
               ": no entry follows, so the empty slots are marked\n"
               "     emptyRest, walking backwards through the chain:\n";
        for (std::size_t i = 0; i < go.rest.size(); ++i)
            out += "       " + where(go.rest[i], one_bucket) + (i ? " (emptyOne)" : "") + " -> emptyRest\n";
        out +=
            "     and the walk stops at " +
            (go.stop < 0 ? std::string("the start of the chain")
                         : where(static_cast<std::size_t>(go.stop), one_bucket) + ", which holds an entry") +
            ".\n";
    }
    const auto& ast = after.stats;
    if (ast.count == 0)
        out += "  3. count " + std::to_string(count_before) +
               " -> 0: the map is empty, so hash0 is re-drawn (Go: h.hash0 = fastrand()):\n     hash0 " +
               hex64(hash0_before) + " -> " + hex64(ast.hash0) +
               (ast.hash0 != hash0_before ? "" : " (same value)") + ".\n";
    else
        out += "  3. count " + std::to_string(count_before) + " -> " + std::to_string(ast.count) +
               "; hash0 unchanged (" + hex64(ast.hash0) + ").\n";
    if (st.resizing || ast.resizing) {
        out +=
            "  4. a resize was in progress: the delete also did its step of it (growWork),\n     nevacuate " +
            std::to_string(st.nevacuate) + " -> " +
            (ast.resizing ? std::to_string(ast.nevacuate) + "."
                          : std::string("the end: the resize is done.")) +
            "\n";
    }
    if (ast.bytes == st.bytes)
        out += "  bytes " + std::to_string(st.bytes) + " -> " + std::to_string(ast.bytes) +
               ": delete frees nothing, the buckets stay.\n\n";
    else
        out += "  bytes " + std::to_string(st.bytes) + " -> " + std::to_string(ast.bytes) +
               ": delete frees nothing; the resize did (its old array, or overflow buckets).\n\n";
    return true;
}

void usage() {
    std::puts(
        "usage: gomap-lab trace-delete [--n N] [--seed S] [--real-hash] [--color WHEN] KEY...\n"
        "\n"
        "Builds a gomap::go_map with keys 0..N-1 and deletes each KEY in turn, showing Go's\n"
        "mapdelete step by step: the key's hash, bucket (hash & (2^B - 1)) and tophash, the slot\n"
        "it is found in, its chain's tophash cells before and after, how the slot becomes\n"
        "emptyOne and a run of empty slots becomes emptyRest walking backwards, and whether\n"
        "hash0 is re-drawn because the map became empty.\n"
        "\n"
        "  --n N          keys 0..N-1 in the map (default 20, 1..10000)\n"
        "  --map go_map   the only map it traces (gomap::map has no buckets: see inspect --map map)\n"
        "  --seed S       the lab's hash (default 1): same --seed, same buckets on every run\n"
        "  --real-hash    use gomap::hash keyed by the map's random hash0 instead\n"
        "  --color WHEN   auto (default), always, never\n"
        "  KEY...         keys to delete, in order (non-negative integers)\n"
        "\n"
        "A KEY that is not in the map (never inserted, or deleted earlier on the same command\n"
        "line) is reported, the remaining keys are still traced, and the exit status is 1.");
}

}  // namespace

int cmd_trace_delete(const std::vector<std::string>& args) {
    options o;
    arg_reader in(args, "trace-delete");
    bool only_keys = false;
    while (in.more()) {
        const std::string a = in.next();
        // A key, or something meant as one ("-5"): parse_count says what is wrong.
        if (only_keys || a.size() < 2 || a[0] != '-' || (a[1] >= '0' && a[1] <= '9')) {
            o.keys.push_back(
                static_cast<std::int64_t>(parse_count("KEY", a, std::numeric_limits<std::int64_t>::max())));
        } else if (a == "--") {
            only_keys = true;
            in.only_positional();
        } else if (a == "--help" || a == "-h") {
            usage();
            return 0;
        } else if (a == "--n") {
            o.n = parse_count(a, in.value(), 1, kMaxN);
        } else if (a == "--map") {
            // Only go_map has Go's buckets and tophash marks to walk through.
            if (parse_choice(a, in.value(), {"go_map", "map"}) == "map")
                throw usage_error{
                    "--map map: trace-delete follows Go's mapdelete (tophash, emptyOne, emptyRest), "
                    "which only go_map runs; gomap::map's erase just zeroes its slot's byte "
                    "(see: gomap-lab inspect --map map)"};
        } else if (a == "--seed") {
            o.seed = parse_count(a, in.value(), UINT64_MAX);
        } else if (a == "--real-hash") {
            o.real_hash = true;
        } else if (a == "--color" || a == "--colour") {
            o.colour = parse_choice(a, in.value(), {"auto", "always", "never"});
        } else {
            in.unknown();
        }
    }
    if (o.keys.empty()) throw usage_error{"no KEY to delete (try: gomap-lab trace-delete --help)"};

    lab_go_map m(0, lab_hash{o.seed, o.real_hash});
    for (std::uint64_t i = 0; i < o.n; ++i)
        m.try_emplace(static_cast<std::int64_t>(i), static_cast<std::int64_t>(i));
    const structure start = capture(m, "m");
    const bool colour = o.colour == "always" || (o.colour == "auto" && ::isatty(STDOUT_FILENO) == 1 &&
                                                 std::getenv("NO_COLOR") == nullptr);
    const text_style style = style_for(start, colour);

    std::string out = "m := gomap::go_map<int64_t, int64_t> with keys 0.." + std::to_string(o.n - 1) +
                      ": count " + std::to_string(start.stats.count) + ", B " +
                      std::to_string(int(start.stats.B)) + " (" + std::to_string(start.stats.buckets) +
                      (start.stats.buckets == 1 ? " bucket), " : " buckets), ") +
                      (start.stats.resizing ? "a resize in progress" : "no resize in progress") + "\n";
    out += o.real_hash ? "hash: gomap::hash<int64_t> keyed by hash0 (the buckets change from run to run)\n"
                       : "hash: the lab's hash with --seed " + std::to_string(o.seed) +
                             " (the same buckets on every run; hash0 is not used by it)\n";
    out += "hash0 " + hex64(start.stats.hash0) + "\n\n";
    std::fwrite(out.data(), 1, out.size(), stdout);

    std::vector<std::int64_t> absent;
    for (auto key : o.keys) {
        std::string text;
        if (!trace_one(m, key, style, text)) absent.push_back(key);
        std::fwrite(text.data(), 1, text.size(), stdout);
    }
    std::fflush(stdout);
    if (!absent.empty()) {
        std::string list;
        for (auto k : absent) list += (list.empty() ? "" : ", ") + std::to_string(k);
        std::fprintf(stderr, "gomap-lab trace-delete: not in the map: %s\n", list.c_str());
        return kExitFailure;
    }
    return 0;
}

}  // namespace lab
