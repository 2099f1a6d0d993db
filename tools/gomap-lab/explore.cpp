// gomap-lab explore — the article as one interactive page. A script (the
// article's experiment by default: insert N keys, delete them all) runs on a
// gomap::go_map and a gomap::map side by side; after every step both maps are
// read through the same read-only hooks `inspect` draws from (capture() and
// capture_flat()), and the page replays the recording: the hmap header, every
// bucket's tophash cells, the old and new arrays of a grow (a shrink on
// gomap::map), the key just placed or deleted, and the bytes each map holds.
//
// Nothing is re-modelled in the page's JavaScript: every state, and the probe
// path of every key the script names at every step, is recorded here from the
// engines and only drawn there. States are stored once and shared (a bucket
// chain or a group that did not change is the same entry), so a step is a
// list of small numbers.

#include "explore.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "flat_structure.hpp"
#include "lab.hpp"
#include "script.hpp"
#include "structure.hpp"
#include "svg.hpp"

namespace lab {
namespace {

namespace dt = gomap::detail;

// The largest default script: 500 keys make a go_map of 2^7 buckets (1,024
// tophash cells on the page, 1,536 during the last grow) and a page of about
// 2 MB; past that the buckets no longer fit in a few screens.
constexpr std::uint64_t kMaxN = 500;
// A --script: at most this many steps, and this many keys present at once.
constexpr script_limits kLimits{2 * kMaxN, kMaxN};

// ---- JSON -------------------------------------------------------------------------

// A JSON string that is also safe inside <script> ('<' escaped).
std::string json_str(std::string_view s) {
    std::string o = "\"";
    for (char c : s) {
        switch (c) {
            case '"':
                o += "\\\"";
                break;
            case '\\':
                o += "\\\\";
                break;
            case '\n':
                o += "\\n";
                break;
            case '<':
                o += "\\u003c";
                break;
            case '>':
                o += "\\u003e";
                break;
            case '&':
                o += "\\u0026";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                    o += buf;
                } else {
                    o += c;
                }
        }
    }
    return o + "\"";
}

// A key: a number while JavaScript holds it exactly, else its digits as a string.
std::string json_key(std::int64_t k) {
    constexpr std::int64_t exact = std::int64_t{1} << 53;
    return k > -exact && k < exact ? std::to_string(k) : json_str(std::to_string(k));
}

template <class Seq, class Fn>
std::string json_list(const Seq& seq, Fn&& fn) {
    std::string o = "[";
    bool first = true;
    for (const auto& x : seq) {
        if (!first) o += ",";
        first = false;
        o += fn(x);
    }
    return o + "]";
}

std::string json_ids(const std::vector<std::size_t>& ids) {
    return json_list(ids, [](std::size_t i) { return std::to_string(i); });
}

// Distinct JSON texts, numbered in order of first use: a state that repeats
// (an unchanged chain, an unchanged header line) is stored once.
class interner {
public:
    std::size_t id(const std::string& json) {
        auto [it, added] = ids_.try_emplace(json, items_.size());
        if (added) items_.push_back(json);
        return it->second;
    }
    std::string json() const {
        std::string o = "[";
        for (std::size_t i = 0; i < items_.size(); ++i) o += (i ? ",\n" : "") + items_[i];
        return o + "]";
    }

private:
    std::unordered_map<std::string, std::size_t> ids_;
    std::vector<std::string> items_;
};

// ---- one map's recording -------------------------------------------------------

// A lookup as the engine runs it, over a captured state: the cells or groups
// it reads, whether it finds the key, and why it stops.
struct probe_path {
    bool hit = false;
    std::string hash_text;  // the key's hash and what the lookup takes from it
    std::string detail;     // where it looks and why it stops
    std::vector<long long>
        segments;  // go_map: [array, chain, bucket, last slot]...; map: [array, group, slot]...
};

struct recording {
    std::string id, name, engine;  // "go_map", "gomap::go_map<int64_t, int64_t>", "buckets" or "groups"
    interner texts, chains, paths;
    std::vector<std::string> steps;  // one JSON object per step
    std::vector<std::uint64_t> bytes;
    // For each key of the script: (step, path id) each time its probe path changes.
    std::vector<std::vector<std::pair<std::size_t, std::size_t>>> runs;
    std::vector<std::size_t> key_hash;  // for each key: its hash in words (a text id)

    std::size_t text(const std::string& s) { return texts.id(json_str(s)); }
    std::vector<std::size_t> fields(const std::vector<header_field>& fs) {
        std::vector<std::size_t> ids;
        for (const auto& f : fs)
            ids.push_back(
                texts.id("[" + json_str(f.name) + "," + json_str(f.value) + "," + json_str(f.note) + "]"));
        return ids;
    }
    // A path is [hit (0/1), text id of its explanation, segments...].
    void path(std::size_t key_index, std::size_t step, const probe_path& pp) {
        if (key_hash.size() <= key_index) key_hash.resize(key_index + 1, text(pp.hash_text));
        std::string json = std::string("[") + (pp.hit ? "1" : "0") + "," + std::to_string(text(pp.detail));
        for (long long v : pp.segments) json += "," + std::to_string(v);
        const std::size_t p = paths.id(json + "]");
        auto& r = runs[key_index];
        if (r.empty() || r.back().second != p) r.push_back({step, p});
    }
    std::string json() const {
        std::string o = "{\"id\":" + json_str(id) + ",\"name\":" + json_str(name) +
                        ",\"engine\":" + json_str(engine) + ",\n\"texts\":" + texts.json() +
                        ",\n\"chains\":" + chains.json() + ",\n\"paths\":" + paths.json() + ",\n\"steps\":[";
        for (std::size_t i = 0; i < steps.size(); ++i) o += (i ? ",\n" : "") + steps[i];
        o += "],\n\"bytes\":" + json_list(bytes, [](std::uint64_t b) { return std::to_string(b); });
        o += ",\n\"khash\":" + json_ids(key_hash);
        o += ",\n\"runs\":" + json_list(runs, [](const auto& r) {
                 std::string s = "[";
                 for (std::size_t i = 0; i < r.size(); ++i)
                     s += (i ? "," : "") + std::to_string(r[i].first) + "," + std::to_string(r[i].second);
                 return s + "]";
             });
        return o + "}";
    }
};

const std::string kHashNote = "drawn at random; the lab's hash does not use it";

// ---- go_map: buckets --------------------------------------------------------------

const char* chain_state_code(chain_state s) {
    switch (s) {
        case chain_state::live:
            return "l";
        case chain_state::evacuated:
            return "e";
        case chain_state::released:
            return "r";
        default:
            return "u";
    }
}

// ["l", bucket, bucket...]: a bucket is 8 cells, a number for the reserved
// tophash states (0..4), [tophash, key] for an entry.
std::string chain_json(const chain_view& c) {
    std::string o = "[\"" + std::string(chain_state_code(c.state)) + "\"";
    for (const auto& b : c.buckets)
        o += "," + json_list(b.cells, [](const cell_view& cell) {
                 if (cell.top < dt::minTopHash) return std::to_string(cell.top);
                 return "[" + std::to_string(cell.top) + "," + json_key(cell.key) + "]";
             });
    return o + "]";
}

// A cell of a go_map: its array, chain, bucket in the chain and slot.
struct go_cell {
    bool old = false;
    std::size_t chain = 0, bucket = 0, slot = 0;
};

// Where `key` is in `s`, if it is there.
std::optional<go_cell> go_find(const structure& s, std::int64_t key) {
    std::size_t b = 0, slot = 0;
    const chain_view* c = s.find(key, b, slot);
    if (c == nullptr) return std::nullopt;
    return go_cell{c->old, c->index, b, slot};
}

// [array (0 old, 1 new), chain index, bucket in chain, slot], or "null".
std::string go_mark_json(const std::optional<go_cell>& c) {
    if (!c) return "null";
    return "[" + std::string(c->old ? "0" : "1") + "," + std::to_string(c->chain) + "," +
           std::to_string(c->bucket) + "," + std::to_string(c->slot) + "]";
}

const cell_view* go_cell_in(const structure& s, const go_cell& at) {
    const auto& arr = at.old ? s.old_array : s.new_array;
    if (at.chain >= arr.size() || at.bucket >= arr[at.chain].buckets.size()) return nullptr;
    return &arr[at.chain].buckets[at.bucket].cells[at.slot];
}

// Go's mapaccess over the captured buckets: the chain the hash picks (the old
// bucket while it is not evacuated), then each bucket's cells in order until
// the key, or an emptyRest, or the chain's end. Segments: [array, chain,
// bucket, last slot read] (slots 0..last are read). `hit` is checked against
// the engine.
probe_path go_probe(const structure& s, const lab_go_map& m, std::int64_t key, bool say_hash) {
    probe_path p;
    const auto& st = s.stats;
    const std::uint64_t h = dt::seeded_hash(m.hash_function(), key, st.hash0);
    const std::uint8_t top = dt::tophash(h);
    if (say_hash) p.hash_text = "hash " + hex64(h) + ": tophash " + hex8(top) + " (its top byte)";
    if (st.count == 0 || st.buckets == 0) {
        p.detail = "count is 0: mapaccess returns at once, no bucket is read";
        return p;
    }
    const std::size_t i = h & (st.buckets - 1);
    const chain_view* c = &s.new_array[i];
    p.detail = "bucket hash & " + std::to_string(st.buckets - 1) + " = " + std::to_string(i);
    if (st.resizing) {
        const std::size_t j = h & ((std::size_t{1} << st.old_B) - 1);
        if (s.old_array[j].state == chain_state::live) {
            c = &s.old_array[j];
            p.detail += "; old[" + std::to_string(j) + "] is not evacuated yet: read it instead";
        } else {
            p.detail += "; old[" + std::to_string(j) + "] is evacuated: read the new bucket";
        }
    }
    std::string end = "; not found: the chain ends";
    for (std::size_t b = 0; b < c->buckets.size() && !p.hit; ++b) {
        std::size_t last = 0;
        bool stop = false;
        for (std::size_t k = 0; k < dt::bucketCnt; ++k) {
            last = k;
            const auto& cell = c->buckets[b].cells[k];
            if (cell.top == top && cell.key == key) {
                p.hit = true;
                end = "; found in slot " + std::to_string(k) +
                      (b ? " of overflow bucket " + std::to_string(b) : "");
                break;
            }
            if (cell.top == dt::emptyRest) {
                stop = true;
                end = "; not found: emptyRest at slot " + std::to_string(k) + " ends the search";
                break;
            }
        }
        for (std::size_t v : {std::size_t{c->old ? 0u : 1u}, c->index, b, last})
            p.segments.push_back(static_cast<long long>(v));
        if (stop) break;
    }
    p.detail += end;
    return p;
}

std::size_t count_top(const structure& s, std::uint8_t top) {
    std::size_t n = 0;
    for (const auto* arr : {&s.old_array, &s.new_array})
        for (const auto& c : *arr)
            if (c.state == chain_state::live)
                for (const auto& b : c.buckets)
                    for (const auto& cell : b.cells) n += cell.top == top;
    return n;
}

// What this step did to the go_map, in the article's words.
std::string go_event(const structure* prev, const structure& s, const script_step* op) {
    if (prev == nullptr) return "makemap: the hmap header; the bucket array comes at the first insert";
    const auto &a = prev->stats, &b = s.stats;
    std::vector<std::string> said;
    if (op && op->kind == op_kind::erase) {
        const std::size_t ones = count_top(s, dt::emptyOne), rests = count_top(s, dt::emptyRest);
        const std::size_t ones0 = count_top(*prev, dt::emptyOne), rests0 = count_top(*prev, dt::emptyRest);
        if (b.count == a.count)
            said.push_back("mapdelete: key absent, nothing to do");
        else if (!b.resizing && !a.resizing && rests > rests0)
            said.push_back("mapdelete: the slot becomes emptyRest" +
                           (rests - rests0 > 1 ? ", and " + std::to_string(rests - rests0 - 1) +
                                                     " slots before it turn from emptyOne to emptyRest"
                                               : std::string()));
        else if (!b.resizing && !a.resizing && ones > ones0)
            said.push_back("mapdelete: the slot becomes emptyOne (a later slot of the chain is in use)");
        else
            said.push_back("mapdelete: the slot is emptied");
    }
    if (op && op->kind == op_kind::clear) said.push_back("mapclear: every bucket emptied, the array kept");
    if (!a.resizing && b.resizing)
        said.push_back(b.direction == gomap::resize_direction::same_size
                           ? "hashGrow: a same-size grow starts (too many overflow buckets)"
                           : "hashGrow: B " + std::to_string(a.B) + " -> " + std::to_string(b.B) +
                                 "; the old array stays until every bucket is evacuated");
    if (a.resizing && b.resizing && b.nevacuate > a.nevacuate)
        said.push_back("growWork: nevacuate " + std::to_string(a.nevacuate) + " -> " +
                       std::to_string(b.nevacuate));
    if (a.resizing && !b.resizing) said.push_back("the grow is done: oldbuckets = nil, the old array freed");
    if (b.noverflow > a.noverflow) said.push_back("an overflow bucket is chained");
    if (b.count == 0 && a.count != 0) said.push_back("the map is empty: hash0 re-drawn, every bucket kept");
    if (b.bytes != a.bytes) said.push_back("bytes " + human_bytes(a.bytes) + " -> " + human_bytes(b.bytes));
    std::string o;
    for (const auto& x : said) o += (o.empty() ? "" : "; ") + x;
    return o.empty() ? "no change to the structure but the cell" : o;
}

// inspect's header fields, and Go's oldbuckets pointer after `resizing`.
std::vector<header_field> go_header(const structure& s) {
    auto fields = header_fields(s, kHashNote);
    const auto& st = s.stats;
    header_field old{"oldbuckets", "nil", "no grow in progress"};
    if (st.resizing)
        old = {"oldbuckets", "2^old_B = " + std::to_string(std::size_t{1} << st.old_B),
               "the old array, kept until nevacuate reaches its end"};
    for (std::size_t i = 0; i < fields.size(); ++i)
        if (fields[i].name == "resizing") {
            fields.insert(fields.begin() + static_cast<std::ptrdiff_t>(i) + 1, old);
            break;
        }
    return fields;
}

std::string go_headings(const structure& s, std::string& old_heading) {
    const auto& st = s.stats;
    old_heading.clear();
    if (st.resizing) {
        const std::size_t nold = std::size_t{1} << st.old_B;
        old_heading = "oldbuckets: 2^old_B = " + std::to_string(nold) + " buckets; " +
                      (st.direction == gomap::resize_direction::grow
                           ? "old[j] splits into new[j] (X) and new[j+" + std::to_string(nold) + "] (Y)"
                           : std::string("old[j] moves into new[j]")) +
                      "; nevacuate = " + std::to_string(st.nevacuate);
    }
    if (st.buckets == 0) return "no bucket array: B = 0 allocates its one bucket at the first insert";
    return std::string(st.resizing ? "buckets (new array)" : "buckets") +
           ": 2^B = " + std::to_string(st.buckets) + " buckets of 8 cells, then overflow buckets";
}

// ---- gomap::map: groups -----------------------------------------------------------

// [overflow byte, migrated (0/1), cells...]: a cell is 0 (empty) or
// [reduced byte, key, away (0/1)].
std::string group_json(const flat_group& g) {
    std::string o = "[" + std::to_string(g.overflow) + "," + (g.migrated ? "1" : "0");
    for (const auto& c : g.cells)
        o += c.reduced == 0 ? std::string(",0")
                            : ",[" + std::to_string(c.reduced) + "," + json_key(c.key) + "," +
                                  (c.away ? "1" : "0") + "]";
    return o + "]";
}

// A slot of a gomap::map: its array's position in flat_structure::arrays, group, slot.
struct flat_slot {
    std::size_t array = 0, group = 0, slot = 0;
};

// Where `key` is in `s`, if it is there.
std::optional<flat_slot> flat_find(const flat_structure& s, std::int64_t key) {
    for (std::size_t a = 0; a < s.arrays.size(); ++a)
        for (const auto& g : s.arrays[a].groups)
            for (std::size_t i = 0; i < kGroupSlots; ++i)
                if (g.cells[i].reduced != 0 && g.cells[i].key == key) return flat_slot{a, g.index, i};
    return std::nullopt;
}

// [array position, group, slot], or "null".
std::string flat_mark_json(const std::optional<flat_slot>& at) {
    if (!at) return "null";
    return "[" + std::to_string(at->array) + "," + std::to_string(at->group) + "," +
           std::to_string(at->slot) + "]";
}

// The slot step k's erase emptied, in the arrays of the state after it. The
// erase zeroes the key's slot where it was before the step, then may run a
// resize step: a migration that gives old arrays back (oldest first: they
// leave the front of the list) and a shrink that makes a new current array
// (at the end; stats().resizes counts it). Positions move by the number of
// arrays given back; a slot whose array was given back is gone (nullopt).
std::optional<flat_slot> flat_erased_at(const flat_structure& before, const flat_structure& after,
                                        std::int64_t key, std::size_t k) {
    std::optional<flat_slot> at = flat_find(before, key);
    if (!at) return at;
    const std::size_t made = after.stats.resizes - before.stats.resizes;
    const std::size_t given_back = before.arrays.size() + made - after.arrays.size();
    if (at->array < given_back) return std::nullopt;
    const std::size_t was = at->array;
    at->array -= given_back;
    if (before.arrays[was].groups.size() != after.arrays[at->array].groups.size())
        throw run_error{"map: cannot follow the array of key " + std::to_string(key) + " through step " +
                        std::to_string(k)};
    return at;
}

// The flat engine's find over the captured groups: the current array first,
// then each old array; in each, the probe sequence home, home+1, home+3, ...
// from the home group (the hash's top bits), comparing the reduced byte in
// all 15 slots of a group at once, until the key or a group whose overflow
// bit for the hash is clear. Segments: [array, group, slot found or -1].
probe_path flat_probe(const flat_structure& s, const lab_map& m, std::int64_t key, bool say_hash) {
    probe_path p;
    const auto& st = s.stats;
    const std::uint64_t h = dt::seeded_hash(m.hash_function(), key, st.hash0);
    const std::uint8_t r = dt::reduced_hash(h);
    const unsigned bit = static_cast<unsigned>(h & 7);
    if (say_hash)
        p.hash_text = "hash " + hex64(h) + ": reduced byte " + hex8(r) + " (its low byte), overflow bit " +
                      std::to_string(bit) + " (hash % 8)";
    std::vector<std::size_t> order;
    for (std::size_t a = 0; a < s.arrays.size(); ++a)
        if (s.arrays[a].current) order.push_back(a);
    for (std::size_t a = 0; a < s.arrays.size(); ++a)
        if (!s.arrays[a].current) order.push_back(a);
    if (order.empty()) {
        p.detail = "no array: not found";
        return p;
    }
    std::string end;
    for (std::size_t a : order) {
        const auto& arr = s.arrays[a];
        const std::size_t n = arr.groups.size();
        if (n < 2) continue;
        const unsigned bits = static_cast<unsigned>(std::countr_zero(n));
        std::size_t g = h >> (64 - bits);
        p.detail += std::string(p.detail.empty() ? "" : "; ") + (arr.current ? "current" : "then old") +
                    " array: home group " + std::to_string(g) + " (the hash's top " + std::to_string(bits) +
                    " bits)";
        for (std::size_t step = 0;;) {
            long long found = -1;
            for (std::size_t i = 0; i < kGroupSlots; ++i)
                if (arr.groups[g].cells[i].reduced == r && arr.groups[g].cells[i].key == key)
                    found = static_cast<long long>(i);
            p.segments.insert(p.segments.end(),
                              {static_cast<long long>(a), static_cast<long long>(g), found});
            if (found >= 0) {
                p.hit = true;
                end = "; found in group " + std::to_string(g) + ", slot " + std::to_string(found);
                break;
            }
            if (((arr.groups[g].overflow >> bit) & 1) == 0) {
                end = "; group " + std::to_string(g) + "'s overflow bit " + std::to_string(bit) +
                      " is clear: stop";
                break;
            }
            if (++step >= n) break;
            g = (g + step) & (n - 1);
        }
        p.detail += end;
        if (p.hit) break;
    }
    if (!p.hit) p.detail += "; not found";
    return p;
}

std::string flat_event(const flat_structure* prev, const flat_structure& s, const script_step* op) {
    if (prev == nullptr) return "made: no array until the first insert";
    const auto &a = prev->stats, &b = s.stats;
    std::vector<std::string> said;
    if (op && op->kind == op_kind::erase)
        said.push_back(b.count == a.count ? "erase: key absent"
                                          : "erase: the slot's byte is zeroed (no tombstone)");
    if (op && op->kind == op_kind::clear) said.push_back("clear: every array given back");
    if (!a.resizing && b.resizing)
        said.push_back(std::string(b.direction == gomap::resize_direction::shrink ? "a shrink" : "a grow") +
                       " starts: 2^" + std::to_string(a.B) + " -> 2^" + std::to_string(b.B) +
                       " groups; each write migrates at most 2 old groups");
    if (a.resizing && b.resizing && b.nevacuate > a.nevacuate)
        said.push_back("migration cursor " + std::to_string(a.nevacuate) + " -> " +
                       std::to_string(b.nevacuate));
    if (a.resizing && !b.resizing)
        said.push_back("the resize is done: the old array went back to the allocator");
    if (b.bytes == 0 && a.bytes != 0) said.push_back("the map is empty: it holds no array, 0 bytes");
    if (b.bytes != a.bytes) said.push_back("bytes " + human_bytes(a.bytes) + " -> " + human_bytes(b.bytes));
    std::string o;
    for (const auto& x : said) o += (o.empty() ? "" : "; ") + x;
    return o.empty() ? "no change to the structure but the slot" : o;
}

std::string flat_heading(const flat_structure& s, const flat_array& a, std::size_t old_index) {
    const std::size_t n = a.groups.size();
    if (!a.current)
        return "old array " + std::to_string(old_index) + ": " + std::to_string(n) +
               " groups, migration cursor " + std::to_string(a.cursor) + " of " + std::to_string(n) +
               " (groups below it are migrated)";
    return "current array: 2^B = " + std::to_string(s.stats.buckets) +
           " groups of 15 slots, then the overflow byte";
}

// ---- the run --------------------------------------------------------------------

struct options {
    std::uint64_t n = 100, hint = 0, seed = 1;
    std::string script_path;
    std::vector<script_step> script;
    output_file out;
};

// Keys the probe paths are recorded for: every key the script names, sorted.
std::vector<std::int64_t> script_keys(const std::vector<script_step>& script) {
    std::set<std::int64_t> keys;
    for (const auto& s : script)
        if (s.kind != op_kind::clear) keys.insert(s.key);
    return {keys.begin(), keys.end()};
}

// The cell step k's delete emptied in the go_map. Go's mapdelete runs
// growWork before it deletes: a key still in an old bucket is evacuated first
// and deleted from its new bucket, so where it was before the step (`before`)
// is not where it went. That cell is read from the engine, not re-modelled: a
// replay of the steps before k (the lab's hash ignores hash0, so the replay has
// the same buckets), then the delete of an absent key of the same bucket (the
// same growWork, nothing deleted), then where the key is.
std::optional<go_cell> go_deleted_at(const options& o, std::size_t k, const structure& before,
                                     const structure& after) {
    const std::int64_t key = o.script[k - 1].key;
    std::optional<go_cell> at = go_find(before, key);
    if (!at) return at;  // absent: nothing deleted
    if (at->old) {
        lab_go_map replay(o.hint, lab_hash{o.seed, false});
        for (std::size_t i = 0; i + 1 < k; ++i) apply_step(replay, o.script[i]);
        const auto& st = replay.stats();
        auto bucket_of = [&](std::int64_t x) {
            return dt::seeded_hash(replay.hash_function(), x, st.hash0) & (st.buckets - 1);
        };
        std::optional<std::int64_t> absent;
        for (std::uint64_t i = 1; i <= 1'000'000 && !absent; ++i) {
            const auto x = static_cast<std::int64_t>(static_cast<std::uint64_t>(key) + i);
            if (bucket_of(x) == bucket_of(key) && !replay.contains(x)) absent = x;
        }
        if (absent) replay.erase(*absent);
        at = absent ? go_find(capture(replay, ""), key) : std::nullopt;
    }
    // The cell is emptyOne or emptyRest now.
    const cell_view* cell = at ? go_cell_in(after, *at) : nullptr;
    if (cell == nullptr || cell->top > dt::emptyOne)
        throw run_error{"go_map: cannot find the cell the delete of key " + std::to_string(key) +
                        " emptied at step " + std::to_string(k)};
    return at;
}

recording record_go(const options& o, const std::vector<std::int64_t>& keys) {
    recording rec;
    rec.id = "go_map";
    rec.name = "gomap::go_map<int64_t, int64_t>";
    rec.engine = "buckets";
    rec.runs.resize(keys.size());
    lab_go_map m(o.hint, lab_hash{o.seed, false});
    structure prev;
    for (std::size_t k = 0; k <= o.script.size(); ++k) {
        const script_step* op = k == 0 ? nullptr : &o.script[k - 1];
        if (op) apply_step(m, *op);
        const structure s = capture(m, rec.name);
        // The cell the step filled, or the one its delete emptied.
        std::string mark = "null";
        if (op && op->kind == op_kind::insert) mark = go_mark_json(go_find(s, op->key));
        if (op && op->kind == op_kind::erase) mark = go_mark_json(go_deleted_at(o, k, prev, s));
        if (const std::string err = m.check_invariants(); !err.empty())
            throw run_error{"go_map invariant broken at step " + std::to_string(k) + ": " + err};
        std::vector<std::size_t> olds, news;
        for (const auto& c : s.old_array) olds.push_back(rec.chains.id(chain_json(c)));
        for (const auto& c : s.new_array) news.push_back(rec.chains.id(chain_json(c)));
        std::string old_heading;
        const std::string new_heading = go_headings(s, old_heading);
        rec.steps.push_back("{\"f\":" + json_ids(rec.fields(go_header(s))) + ",\"o\":" + json_ids(olds) +
                            ",\"n\":" + json_ids(news) + ",\"ho\":" + std::to_string(rec.text(old_heading)) +
                            ",\"hn\":" + std::to_string(rec.text(new_heading)) + ",\"m\":" + mark +
                            ",\"e\":" + std::to_string(rec.text(go_event(k ? &prev : nullptr, s, op))) + "}");
        rec.bytes.push_back(s.stats.bytes);
        for (std::size_t i = 0; i < keys.size(); ++i) {
            // The lab's hash ignores hash0: a key's hash is the same at every step.
            const probe_path p = go_probe(s, m, keys[i], k == 0);
            if (p.hit != m.contains(keys[i]))
                throw run_error{"go_map: the recorded probe path of key " + std::to_string(keys[i]) +
                                " at step " + std::to_string(k) + " disagrees with find()"};
            rec.path(i, k, p);
        }
        prev = s;
    }
    return rec;
}

recording record_flat(const options& o, const std::vector<std::int64_t>& keys) {
    recording rec;
    rec.id = "map";
    rec.name = "gomap::map<int64_t, int64_t>";
    rec.engine = "groups";
    rec.runs.resize(keys.size());
    lab_map m(o.hint, lab_hash{o.seed, false});
    flat_structure prev;
    for (std::size_t k = 0; k <= o.script.size(); ++k) {
        const script_step* op = k == 0 ? nullptr : &o.script[k - 1];
        if (op) apply_step(m, *op);
        const flat_structure s = capture_flat(m, rec.name);
        // The slot the step filled, or the one its erase emptied.
        std::string mark = "null";
        if (op && op->kind == op_kind::insert) mark = flat_mark_json(flat_find(s, op->key));
        if (op && op->kind == op_kind::erase) mark = flat_mark_json(flat_erased_at(prev, s, op->key, k));
        if (const std::string err = m.check_invariants(); !err.empty())
            throw run_error{"map invariant broken at step " + std::to_string(k) + ": " + err};
        std::string arrays = "[";
        std::size_t old_index = 0;
        for (std::size_t a = 0; a < s.arrays.size(); ++a) {
            const auto& arr = s.arrays[a];
            std::vector<std::size_t> groups;
            for (const auto& g : arr.groups) groups.push_back(rec.chains.id(group_json(g)));
            arrays += std::string(a ? "," : "") + "{\"c\":" + (arr.current ? "1" : "0") +
                      ",\"k\":" + std::to_string(arr.cursor) +
                      ",\"h\":" + std::to_string(rec.text(flat_heading(s, arr, old_index))) +
                      ",\"g\":" + json_ids(groups) + "}";
            old_index += arr.current ? 0 : 1;
        }
        arrays += "]";
        const std::string none =
            s.stats.buckets == 0 ? "no array: allocated at the first insert, given back when the map empties"
                                 : "";
        rec.steps.push_back(
            "{\"f\":" + json_ids(rec.fields(flat_header_fields(s, kHashNote))) + ",\"a\":" + arrays +
            ",\"hn\":" + std::to_string(rec.text(none)) + ",\"m\":" + mark +
            ",\"e\":" + std::to_string(rec.text(flat_event(k ? &prev : nullptr, s, op))) + "}");
        rec.bytes.push_back(s.stats.bytes);
        for (std::size_t i = 0; i < keys.size(); ++i) {
            const probe_path p = flat_probe(s, m, keys[i], k == 0);
            if (p.hit != m.contains(keys[i]))
                throw run_error{"map: the recorded probe path of key " + std::to_string(keys[i]) +
                                " at step " + std::to_string(k) + " disagrees with find()"};
            rec.path(i, k, p);
        }
        prev = s;
    }
    return rec;
}

// The bytes-held timeline of both maps, one point per step; the page moves
// the cursor (#tl-cursor) to the step shown.
std::string timeline_svg(const recording& go, const recording& flat, double& x0, double& dx) {
    const double W = 1100, H = 170, left = 80, right = 190, top = 16, bottom = 34;
    const std::size_t steps = go.bytes.size();
    double max = 1;
    for (const auto* r : {&go, &flat})
        for (auto b : r->bytes) max = std::max(max, static_cast<double>(b));
    const auto ticks = svg::ticks(max / 1024.0, 4);
    const double ymax = std::max(max / 1024.0, ticks.empty() ? 1.0 : ticks.back());
    x0 = left;
    dx = steps > 1 ? (W - left - right) / static_cast<double>(steps - 1) : 0;
    auto y_of = [&](double kb) { return top + (H - top - bottom) * (1 - kb / ymax); };
    std::string o = "<svg id=\"timeline\" viewBox=\"0 0 " + svg::num(W) + " " + svg::num(H) +
                    "\" role=\"img\" aria-label=\"bytes held by each map at every step\">\n";
    for (double t : ticks) {
        o += svg::line(left, y_of(t), W - right, y_of(t), "#e4e4e4") + "\n";
        o += svg::text(left - 6, y_of(t) + 4, svg::num(t, 1) + " KB", "end", 11, "fill=\"#555555\"") + "\n";
    }
    o += svg::line(left, H - bottom, W - right, H - bottom, "#888888") + "\n";
    o += svg::text(left, H - 12, "step 0", "start", 11, "fill=\"#555555\"") + "\n";
    o += svg::text(W - right, H - 12, "step " + std::to_string(steps - 1), "end", 11, "fill=\"#555555\"") +
         "\n";
    struct line_style {
        const recording* r;
        const char* colour;
        const char* dash;
    };
    double ly = top + 14;
    for (const auto& [r, colour, dash] :
         {line_style{&go, "#d62728", ""}, line_style{&flat, "#2ca02c", "6,3"}}) {
        std::string pts;
        for (std::size_t i = 0; i < r->bytes.size(); ++i)
            pts += (i ? " " : "") + svg::num(x0 + dx * static_cast<double>(i)) + "," +
                   svg::num(y_of(static_cast<double>(r->bytes[i]) / 1024.0));
        o += "<polyline fill=\"none\" stroke=\"" + std::string(colour) + "\" stroke-width=\"2.5\"" +
             (*dash ? " stroke-dasharray=\"" + std::string(dash) + "\"" : std::string()) + " points=\"" +
             pts + "\"/>\n";
        o += svg::line(W - right + 14, ly - 4, W - right + 40, ly - 4, colour, 2.5,
                       *dash ? "stroke-dasharray=\"" + std::string(dash) + "\"" : "") +
             "\n";
        o += svg::text(W - right + 46, ly, r->id == "go_map" ? "gomap::go_map" : "gomap::map", "start", 12) +
             "\n";
        ly += 20;
    }
    o += "<line id=\"tl-cursor\" x1=\"" + svg::num(x0) + "\" x2=\"" + svg::num(x0) + "\" y1=\"" +
         svg::num(top - 6) + "\" y2=\"" + svg::num(H - bottom) +
         "\" stroke=\"#1f4e9c\" stroke-width=\"2\"/>\n";
    return o + "</svg>";
}

void usage() {
    std::printf(
        "usage: gomap-lab explore [--n N] [--hint H] [--seed S] [--script FILE] --out FILE.html\n"
        "\n"
        "Runs a script on a gomap::go_map and a gomap::map side by side and writes one\n"
        "self-contained HTML page (no network, no library; open it from disk) that replays it\n"
        "step by step: the hmap header, every bucket's tophash cells, overflow chains, the old\n"
        "and new arrays of a grow; gomap::map's groups, slot bytes and overflow bytes, and its\n"
        "old arrays with their migration cursor during a grow or a shrink; the key each step\n"
        "places or deletes; the bytes both maps hold. Controls: play/pause (space), step\n"
        "(arrow keys), a slider, and a box that shows a key's probe path. FILE.html#step=K opens\n"
        "at step K.\n"
        "\n"
        "  --n N          the default script: insert keys 0..N-1, then range-delete all\n"
        "                 (default 100, at most %llu: past that the buckets fill many screens)\n"
        "  --hint H       make(map, H): the size hint of both maps (default 0: they grow as Go's\n"
        "                 map does; --hint N is the article's make(map[int]Person, N))\n"
        "  --seed S       the lab's hash (default 1): the same --seed, the same buckets\n"
        "  --script FILE  run FILE instead (at most %zu steps and %zu keys present at once)\n"
        "  --out FILE     the page to write (replaced only when the command succeeds)\n"
        "\n",
        static_cast<unsigned long long>(kMaxN), kLimits.max_steps, kLimits.max_live);
    std::fputs(script_language_help(), stdout);
}

}  // namespace

int cmd_explore(const std::vector<std::string>& args) {
    options o;
    std::string out_path;
    bool n_set = false, out_set = false;
    arg_reader in(args, "explore");
    while (in.more()) {
        const std::string a = in.next();
        if (a == "--help" || a == "-h") {
            usage();
            return 0;
        } else if (a == "--n") {
            o.n = parse_count(a, in.value(), kMaxN);
            n_set = true;
        } else if (a == "--hint") {
            o.hint = parse_count(a, in.value(), 1'000'000);
        } else if (a == "--seed") {
            o.seed = parse_count(a, in.value(), UINT64_MAX);
        } else if (a == "--script") {
            o.script_path = in.value();
            if (o.script_path.empty()) throw usage_error{"--script: empty file name"};
        } else if (a == "--out") {
            out_path = in.value();
            out_set = true;
        } else {
            in.unknown();
        }
    }
    if (!out_set) throw usage_error{"--out FILE.html is required (the page to write)"};
    if (!o.script_path.empty()) {
        if (n_set) throw usage_error{"--script replaces --n; give one or the other"};
        o.script = read_script("--script", o.script_path, kLimits);
    } else {
        o.script = default_script(o.n);
    }
    o.out = output_file("--out", out_path);

    const auto keys = script_keys(o.script);
    const recording go = record_go(o, keys);
    const recording flat = record_flat(o, keys);

    page p;
    p.title = "gomap-lab explore: " + (o.script_path.empty()
                                           ? "insert " + std::to_string(o.n) + " keys, delete them all"
                                           : "script " + o.script_path);
    p.caption = std::string("make(map[int64]int64") + (o.hint ? ", " + std::to_string(o.hint) : "") +
                "), then " +
                (o.script_path.empty() ? (o.n ? "insert keys 0.." + std::to_string(o.n - 1) +
                                                    ", then delete every key (range-delete all)"
                                              : "nothing")
                                       : "the script " + o.script_path) +
                "; the same steps on gomap::go_map and gomap::map. Hash: the lab's, --seed " +
                std::to_string(o.seed) + " (the same buckets on every run).";
    double x0 = 0, dx = 0;
    p.timeline_svg = timeline_svg(go, flat, x0, dx);
    std::string data = "{\"title\":" + json_str(p.title) + ",\"caption\":" + json_str(p.caption) +
                       ",\"x0\":" + svg::num(x0, 3) + ",\"dx\":" + svg::num(dx, 5) + ",\n\"ops\":[" +
                       json_str("make");
    std::string kinds = "m";  // per step: m made, i insert, d delete, c clear
    for (const auto& s : o.script) {
        data += "," + json_str(s.text);
        kinds += s.kind == op_kind::insert ? 'i' : s.kind == op_kind::erase ? 'd' : 'c';
    }
    data += "],\n\"kinds\":" + json_str(kinds);
    data += ",\n\"keys\":" + json_list(keys, [](std::int64_t k) { return json_str(std::to_string(k)); });
    data += ",\n\"maps\":[" + go.json() + ",\n" + flat.json() + "]}";
    p.data_json = data;
    o.out.write(render_page(p));
    o.out.commit();
    return 0;
}

}  // namespace lab
