// gomap-lab — shared pieces: argument parsing, output files, progress, printing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace lab {

// Exit statuses: 0 done; 1 the run failed (a tool missing, a write failed, a
// key to delete was absent); 2 a bad command line (nothing was run).
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Thrown for bad command lines; main prints it and exits with status 2.
struct usage_error {
    std::string message;
};
// Thrown when the run cannot go on; main prints it and exits with status 1.
struct run_error {
    std::string message;
};

// Parses a non-negative integer argument with an upper bound, or throws usage_error.
std::uint64_t parse_count(std::string_view flag, std::string_view text, std::uint64_t max);
// The same with a lower bound (e.g. at least 1).
std::uint64_t parse_count(std::string_view flag, std::string_view text, std::uint64_t min, std::uint64_t max);
// One of `choices`, or usage_error naming them.
std::string parse_choice(std::string_view flag, std::string_view text,
                         const std::vector<std::string_view>& choices);

// Walks a command's arguments: `--flag value` and `--flag=value` both work,
// for every flag of every command. A flag that takes no value given one
// (`--json=1`) is a usage error.
class arg_reader {
public:
    arg_reader(const std::vector<std::string>& args, std::string command);
    // Whether arguments are left; usage_error if the flag just read was given
    // `=value` and did not take it.
    bool more();
    // The next argument (a flag, or a positional one), consumed.
    std::string next();
    // The value of the flag just read, or usage_error.
    std::string value();
    // usage_error for the flag just read: "unknown option".
    [[noreturn]] void unknown() const;
    // After `--`: every argument is positional, none is split at '='.
    void only_positional() { positional_ = true; }
    const std::string& flag() const { return flag_; }

private:
    std::vector<std::string> args_;
    std::string command_;
    std::size_t i_ = 0;
    std::string flag_;
    std::string inline_value_;
    bool has_inline_value_ = false;
    bool positional_ = false;
};

// An output file. Made when the command line is read: the path is checked
// and a temporary file is created next to it (".NAME.gomap-lab-PID-N.tmp"),
// so that an unwritable path is a usage error (exit 2) before any work is
// done. The command writes the temporary file and, once everything has
// succeeded, commit() renames it over the target. Until then the target is
// untouched: a failed run (or Ctrl-C) leaves no partial file and no
// temporary one. A symbolic link is followed (the file it names is
// replaced), an existing file keeps its permissions, and a target that is
// not a regular file, or is under /dev (/dev/stdout, /dev/null, a pipe), is
// written directly at commit().
// Empty (default-constructed): no output.
class output_file {
public:
    output_file() = default;
    output_file(std::string_view flag, std::string path);
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;
    output_file(output_file&& o) noexcept;
    output_file& operator=(output_file&& o) noexcept;
    ~output_file();  // removes the temporary file unless committed

    explicit operator bool() const { return !path_.empty(); }
    const std::string& path() const { return path_; }
    // Writes the temporary file; run_error if the write fails.
    void write(std::string_view text);
    // Renames the temporary file over the target; run_error if that fails.
    void commit();

private:
    void discard() noexcept;
    std::string path_;    // as given, for messages
    std::string target_;  // what commit() replaces: path_, or the file a link names
    std::string temp_;
    int fd_ = -1;
    int slot_ = -1;        // in the list of files removed on SIGINT/SIGTERM/SIGHUP
    bool direct_ = false;  // not a regular file: written at commit()
    std::string pending_;  // direct_: what commit() writes
};

// A scratch file in the temporary directory ($TMPDIR, else /tmp), named
// ".NAME.gomap-lab-PID-N.tmp", removed when it goes out of scope or the
// process is interrupted: e.g. the SVG rsvg-convert renders.
class scratch_file {
public:
    explicit scratch_file(std::string_view name);
    scratch_file(const scratch_file&) = delete;
    scratch_file& operator=(const scratch_file&) = delete;
    ~scratch_file();
    const std::string& path() const { return path_; }
    void write(std::string_view text);

private:
    std::string path_;
    int slot_ = -1;
};

// Lower-case extension of a path, without the dot ("" when none).
std::string extension_of(std::string_view path);
// Full path of an executable found on PATH, or "" when there is none.
std::string find_on_path(std::string_view name);
// Renders an SVG file with rsvg-convert and returns the PNG's bytes
// (run_error if it is missing or fails; the message names `shown_as`, the
// file the user asked for).
std::string svg_to_png(const std::string& svg_path, const std::string& shown_as);

// A progress bar on stderr, drawn only when stderr is a terminal, and erased
// when done: stdout (the tables) never sees it. It never allocates after it
// is made, so that `seed`'s heap figures are the same with and without it.
class progress {
public:
    progress(std::string_view label, std::uint64_t total);
    ~progress();
    progress(const progress&) = delete;
    progress& operator=(const progress&) = delete;
    // A new label, drawn at once (a long step with no update() shows what it is).
    void set_label(std::string_view label);
    void update(std::uint64_t done) {
        if (enabled_ && done >= next_) draw(done);
    }

private:
    void draw(std::uint64_t done);
    char label_[120] = {};
    std::uint64_t total_;
    std::uint64_t done_ = 0;
    std::uint64_t next_ = 0;
    bool enabled_;
};

// Bytes as the article prints them, with one decimal: "584.0 KB" below 1 MiB
// (KB = 1024 bytes), then "72.3 MB", "1.5 GB" (1024 KB, 1024 MB).
std::string human_bytes(std::uint64_t bytes);
// 1234567 -> "1,234,567".
std::string with_commas(std::uint64_t n);

// Deterministic pseudo-random numbers (SplitMix64): the same sequence on every
// platform, so that --seed reproduces a run exactly.
struct splitmix64 {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // Uniform enough in [0, n) for the lab (n far below 2^64).
    std::uint64_t below(std::uint64_t n) { return next() % n; }
};

int cmd_seed(const std::vector<std::string>& args);
int cmd_churn(const std::vector<std::string>& args);
int cmd_inspect(const std::vector<std::string>& args);
int cmd_trace_delete(const std::vector<std::string>& args);
int cmd_explore(const std::vector<std::string>& args);

}  // namespace lab
