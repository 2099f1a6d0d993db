// Running the built gomap-lab from a test: its exit status, stdout and stderr.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace labtest {

struct result {
    int status = -1;  // exit status; -1 when it did not exit normally (a crash, a sanitizer abort)
    std::string out, err;
};

// The words of a line of inspect's text, split at spaces: a chain's cells
// ("5c:4", "one", "rest", "--"), or a header line's name and value.
inline std::vector<std::string> split_cells(const std::string& inside) {
    std::vector<std::string> cells;
    std::string cur;
    for (char c : inside + " ") {
        if (c == ' ') {
            if (!cur.empty()) cells.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    return cells;
}

// A header line of inspect's text, "  name       value   note": {name, value}
// (the value ends at two spaces).
inline std::pair<std::string, std::string> header_field_of(const std::string& line) {
    const auto name_end = line.find(' ', 2);
    const auto value_at = line.find_first_not_of(' ', name_end);
    const auto value_end = line.find("  ", value_at);
    return {line.substr(2, name_end - 2),
            line.substr(value_at, value_end == std::string::npos ? std::string::npos : value_end - value_at)};
}

inline std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline bool file_exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// A directory of its own for each test program (ctest runs them in parallel),
// removed when the program ends.
inline const std::string& scratch_dir() {
    struct dir_holder {
        std::string path;
        dir_holder() {
            const char* tmp = std::getenv("TMPDIR");
            std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/gomap-lab-test-XXXXXX";
            std::vector<char> buf(templ.begin(), templ.end());
            buf.push_back('\0');
            if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
            path = buf.data();
        }
        ~dir_holder() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    };
    static const dir_holder dir;
    return dir.path;
}
inline std::string scratch(const std::string& name) {
    return scratch_dir() + "/" + name;
}

// Runs `env_prefix gomap-lab args...` through /bin/sh; stdin is /dev/null.
inline result run_lab(const std::vector<std::string>& args, const std::string& env_prefix = "") {
    static int n = 0;
    const std::string out = scratch("stdout." + std::to_string(n)),
                      err = scratch("stderr." + std::to_string(n));
    ++n;
    std::string cmd = env_prefix + (env_prefix.empty() ? "" : " ") + shell_quote(GOMAP_LAB_BINARY);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    cmd += " </dev/null >" + shell_quote(out) + " 2>" + shell_quote(err);
    const int raw = std::system(cmd.c_str());
    result r;
    if (raw != -1 && WIFEXITED(raw)) r.status = WEXITSTATUS(raw);
    r.out = read_file(out);
    r.err = read_file(err);
    ::unlink(out.c_str());
    ::unlink(err.c_str());
    return r;
}

inline void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// The names in a directory (hidden ones too), sorted.
inline std::vector<std::string> list_dir(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// A fresh empty directory inside the scratch directory.
inline std::string fresh_dir(const std::string& name) {
    const std::string d = scratch(name);
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}

// Runs gomap-lab with its stderr on a pseudo-terminal (as a user at a
// terminal sees it) and its stdout to a file: `err` is what the terminal got.
inline result run_lab_with_terminal_stderr(const std::vector<std::string>& args) {
    result r;
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return r;
    const std::string slave = ::ptsname(master);
    const std::string out = scratch("tty-stdout");
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setsid();
        const int s = ::open(slave.c_str(), O_RDWR);
        const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int in = ::open("/dev/null", O_RDONLY);
        if (s < 0 || o < 0 || in < 0) ::_exit(126);
        ::dup2(in, 0);
        ::dup2(o, 1);
        ::dup2(s, 2);
        ::close(master);
        std::vector<char*> argv{const_cast<char*>(GOMAP_LAB_BINARY)};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(GOMAP_LAB_BINARY, argv.data());
        ::_exit(127);
    }
    // Read until the child has exited and the terminal is drained (EIO once
    // the last slave descriptor is closed).
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(master, buf, sizeof buf);
        if (n > 0) {
            r.err.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(master);
    if (WIFEXITED(status)) r.status = WEXITSTATUS(status);
    r.out = read_file(out);
    return r;
}

inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> v;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) v.push_back(line);
    return v;
}

inline bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// hash0 is drawn at random for every map, even when the lab's hash makes the
// layout reproducible: golden texts compare everything else. (No std::regex:
// GCC 12 warns inside it at -O2 with sanitizers, and warnings are errors.)
inline std::string mask_hash0(const std::string& text) {
    std::string out;
    for (const auto& line : lines_of(text)) {
        if (line.find("hash0") == std::string::npos) {
            out += line + "\n";
            continue;
        }
        for (std::size_t i = 0; i < line.size();) {
            std::size_t n = 0;
            if (line.compare(i, 2, "0x") == 0)
                while (n < 16 && i + 2 + n < line.size() && is_hex(line[i + 2 + n])) ++n;
            if (n == 16) {
                out += "0x<hash0>";
                i += 18;
            } else {
                out += line[i++];
            }
        }
        out += "\n";
    }
    return out;
}

// Text without ANSI colour codes (ESC [ ... m).
inline std::string strip_ansi(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\033' && i + 1 < text.size() && text[i + 1] == '[') {
            while (i < text.size() && text[i] != 'm') ++i;
            continue;
        }
        out += text[i];
    }
    return out;
}

// Compares with tests/lab/golden/<name>; GOMAP_LAB_UPDATE_GOLDEN=1 rewrites it.
inline std::string golden_diff(const std::string& name, const std::string& actual) {
    const std::string path = std::string(GOMAP_LAB_GOLDEN_DIR) + "/" + name;
    if (const char* u = std::getenv("GOMAP_LAB_UPDATE_GOLDEN"); u && std::string(u) == "1") {
        std::ofstream(path, std::ios::binary) << actual;
        return "";
    }
    const std::string expected = read_file(path);
    if (expected == actual) return "";
    const auto e = lines_of(expected), a = lines_of(actual);
    for (std::size_t i = 0; i < std::max(e.size(), a.size()); ++i) {
        const std::string el = i < e.size() ? e[i] : "<end>", al = i < a.size() ? a[i] : "<end>";
        if (el != al)
            return name + " differs at line " + std::to_string(i + 1) + ":\n  expected: " + el +
                   "\n  actual:   " + al +
                   "\n(GOMAP_LAB_UPDATE_GOLDEN=1 rewrites the golden file after a deliberate change)";
    }
    return name + " differs";
}

}  // namespace labtest
