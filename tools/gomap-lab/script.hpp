// gomap-lab — the op language `inspect --script` and `explore --script` read:
// one operation a line, replayed on a live map one step at a time.
//
//   insert K            insert key K (an int64; the value is K too)
//   insert A..B         insert A, A+1, ..., B: one step each
//   delete K            delete key K (absent: nothing happens, as Go's delete)
//   delete A..B         delete A, A+1, ..., B: one step each
//   range-delete PRED   Go's `for k := range m { if PRED(k) { delete(m, k) } }`:
//                       one delete step per present key that PRED accepts, in
//                       ascending key order (Go's range order is random; the lab
//                       fixes it so that a replay is the same every time)
//   clear               Go's clear(m): one step
//
// PRED is one of: all, even, odd, lt K (key < K), ge K (key >= K).
// '#' starts a comment; blank lines are skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lab {

enum class op_kind { insert, erase, clear };

// One step of a script: one call on the map.
struct script_step {
    op_kind kind = op_kind::insert;
    std::int64_t key = 0;  // insert, erase
    std::string text;      // "insert 5", "delete 7", "range-delete even: delete 4", "clear"
};

// How much a script may do: its steps once expanded, and the keys present at
// any time (so that the picture stays readable).
struct script_limits {
    std::size_t max_steps;
    std::size_t max_live;
};

// Parses a script (`name` is used in messages: "FILE:LINE: ..."); usage_error
// for an unknown operation, a key that is not an int64, a limit passed.
std::vector<script_step> parse_script(std::string_view text, const std::string& name,
                                      const script_limits& limits);
// Reads and parses the file `path` given to `flag`; usage_error when it cannot be read.
std::vector<script_step> read_script(std::string_view flag, const std::string& path,
                                     const script_limits& limits);
// The article's experiment at size n: insert 0..n-1, then range-delete all.
std::vector<script_step> default_script(std::uint64_t n);
// The language, for --help texts.
const char* script_language_help();

// Runs one step on a map: Go's m[k] = k, delete(m, k), clear(m).
template <class Map>
void apply_step(Map& m, const script_step& s) {
    switch (s.kind) {
        case op_kind::insert:
            m.try_emplace(s.key, s.key);
            break;
        case op_kind::erase:
            m.erase(s.key);
            break;
        case op_kind::clear:
            m.clear();
            break;
    }
}

}  // namespace lab
