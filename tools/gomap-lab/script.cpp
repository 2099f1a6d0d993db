// gomap-lab — the op language of script.hpp: parsed and expanded into steps.
#include "script.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "lab.hpp"

namespace lab {

namespace {

std::vector<std::string> words_of(std::string_view line) {
    std::vector<std::string> words;
    std::string cur;
    for (char c : line) {
        if (c == ' ' || c == '\t' || c == '\r') {
            if (!cur.empty()) words.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) words.push_back(cur);
    return words;
}

bool parse_int64(std::string_view text, std::int64_t& v) {
    if (text.empty()) return false;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    return ec == std::errc() && p == text.data() + text.size();
}

// The keys present while the script runs: what range-delete ranges over and
// what the live-key limit counts. A set of keys, not a model of the map.
class expander {
public:
    expander(const std::string& name, const script_limits& limits) : name_(name), limits_(limits) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw usage_error{name_ + ":" + std::to_string(line_) + ": " + what};
    }
    void at_line(std::size_t line) { line_ = line; }

    void add(op_kind kind, std::int64_t key, std::string text) {
        if (steps_.size() >= limits_.max_steps)
            fail("the script has more than " + std::to_string(limits_.max_steps) +
                 " steps (the limit, so that the page stays readable)");
        if (kind == op_kind::insert) {
            keys_.insert(key);
            if (keys_.size() > limits_.max_live)
                fail("more than " + std::to_string(limits_.max_live) + " keys present at once (the limit)");
        } else if (kind == op_kind::erase) {
            keys_.erase(key);
        } else {
            keys_.clear();
        }
        steps_.push_back({kind, key, std::move(text)});
    }

    std::int64_t key(const std::string& word) const {
        std::int64_t k = 0;
        if (!parse_int64(word, k)) fail("'" + word + "' is not an integer key (int64)");
        return k;
    }

    // "K" or "A..B": the keys, in order; at most max_steps of them.
    std::vector<std::int64_t> keys(const std::string& word) const {
        const auto dots = word.find("..");
        if (dots == std::string::npos) return {key(word)};
        if (dots == 0 || dots + 2 == word.size())
            fail("'" + word + "' is not a key or a range (write K, or A..B for A, A+1, ..., B)");
        const std::int64_t a = key(word.substr(0, dots)), b = key(word.substr(dots + 2));
        if (b < a) fail("empty range '" + word + "' (write A..B with A <= B)");
        // b - a in unsigned: no overflow for any int64 pair.
        const std::uint64_t span = static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(a);
        if (span >= limits_.max_steps)
            fail("the range '" + word + "' has more than " + std::to_string(limits_.max_steps) + " keys");
        std::vector<std::int64_t> out;
        for (std::uint64_t i = 0; i <= span; ++i)
            out.push_back(static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + i));
        return out;
    }

    const std::set<std::int64_t>& present() const { return keys_; }
    std::vector<script_step> take() { return std::move(steps_); }

private:
    std::string name_;
    script_limits limits_;
    std::size_t line_ = 0;
    std::set<std::int64_t> keys_;
    std::vector<script_step> steps_;
};

}  // namespace

std::vector<script_step> parse_script(std::string_view text, const std::string& name,
                                      const script_limits& limits) {
    expander ex(name, limits);
    std::size_t line_no = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ex.at_line(++line_no);
        if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        const auto w = words_of(line);
        if (w.empty()) continue;
        const std::string& op = w[0];
        auto want = [&](std::size_t n, const char* form) {
            if (w.size() != n) ex.fail("expected '" + std::string(form) + "'");
        };
        if (op == "insert" || op == "delete") {
            want(2, op == "insert" ? "insert K' or 'insert A..B" : "delete K' or 'delete A..B");
            for (std::int64_t k : ex.keys(w[1]))
                ex.add(op == "insert" ? op_kind::insert : op_kind::erase, k, op + " " + std::to_string(k));
        } else if (op == "range-delete") {
            if (w.size() < 2) ex.fail("expected 'range-delete PRED' (PRED: all, even, odd, lt K, ge K)");
            const std::string& pred = w[1];
            std::int64_t bound = 0;
            if (pred == "all" || pred == "even" || pred == "odd") {
                want(2, ("range-delete " + pred).c_str());
            } else if (pred == "lt" || pred == "ge") {
                want(3, ("range-delete " + pred + " K").c_str());
                bound = ex.key(w[2]);
            } else {
                ex.fail("unknown predicate '" + pred + "' (one of: all, even, odd, lt K, ge K)");
            }
            auto accepts = [&](std::int64_t k) {
                if (pred == "even") return k % 2 == 0;
                if (pred == "odd") return k % 2 != 0;
                if (pred == "lt") return k < bound;
                if (pred == "ge") return k >= bound;
                return true;
            };
            std::string label = "range-delete " + pred + (w.size() == 3 ? " " + w[2] : "") + ": delete ";
            const std::vector<std::int64_t> present(ex.present().begin(), ex.present().end());
            for (std::int64_t k : present)
                if (accepts(k)) ex.add(op_kind::erase, k, label + std::to_string(k));
        } else if (op == "clear") {
            want(1, "clear");
            ex.add(op_kind::clear, 0, "clear");
        } else {
            ex.fail("unknown operation '" + op + "' (one of: insert, delete, range-delete, clear)");
        }
    }
    return ex.take();
}

std::vector<script_step> read_script(std::string_view flag, const std::string& path,
                                     const script_limits& limits) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error{std::string(flag) + ": cannot read '" + path + "': " + std::strerror(errno)};
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) throw usage_error{std::string(flag) + ": cannot read '" + path + "'"};
    return parse_script(text, path, limits);
}

std::vector<script_step> default_script(std::uint64_t n) {
    std::vector<script_step> s;
    for (std::uint64_t i = 0; i < n; ++i) {
        const auto k = static_cast<std::int64_t>(i);
        s.push_back({op_kind::insert, k, "insert " + std::to_string(k)});
    }
    for (std::uint64_t i = 0; i < n; ++i) {
        const auto k = static_cast<std::int64_t>(i);
        s.push_back({op_kind::erase, k, "range-delete all: delete " + std::to_string(k)});
    }
    return s;
}

const char* script_language_help() {
    return "Script language (--script FILE): one operation a line; '#' starts a comment.\n"
           "  insert K | insert A..B    insert key K (an int64), or A, A+1, ..., B: one step each\n"
           "  delete K | delete A..B    delete key K (absent: nothing happens), or A..B\n"
           "  range-delete PRED         delete every present key PRED accepts, one step each, in\n"
           "                            ascending key order; PRED: all, even, odd, lt K, ge K\n"
           "  clear                     Go's clear(m): one step\n";
}

}  // namespace lab
