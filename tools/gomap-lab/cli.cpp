// gomap-lab — the helpers every command shares: arguments, output files,
// external tools, the progress bar, number formatting.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "lab.hpp"

namespace lab {

std::uint64_t parse_count(std::string_view flag, std::string_view text, std::uint64_t max) {
    return parse_count(flag, text, 0, max);
}

std::uint64_t parse_count(std::string_view flag, std::string_view text, std::uint64_t min,
                          std::uint64_t max) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc::result_out_of_range)
        throw usage_error{std::string(flag) + ": " + std::string(text) + " is too large (at most " +
                          std::to_string(max) + ")"};
    if (ec != std::errc() || p != text.data() + text.size() || text.empty())
        throw usage_error{std::string(flag) + ": expected a non-negative integer, got '" + std::string(text) +
                          "'"};
    if (v > max)
        throw usage_error{std::string(flag) + ": " + std::string(text) + " is too large (at most " +
                          std::to_string(max) + ")"};
    if (v < min)
        throw usage_error{std::string(flag) + ": " + std::string(text) + " is too small (at least " +
                          std::to_string(min) + ")"};
    return v;
}

std::string parse_choice(std::string_view flag, std::string_view text,
                         const std::vector<std::string_view>& choices) {
    std::string list;
    for (auto c : choices) {
        if (c == text) return std::string(text);
        list += (list.empty() ? "" : ", ") + std::string(c);
    }
    throw usage_error{std::string(flag) + ": unknown value '" + std::string(text) + "' (one of: " + list +
                      ")"};
}

arg_reader::arg_reader(const std::vector<std::string>& args, std::string command)
    : args_(args), command_(std::move(command)) {}

bool arg_reader::more() {
    if (has_inline_value_)
        throw usage_error{flag_ + " takes no value (got '" + flag_ + "=" + inline_value_ + "')"};
    return i_ < args_.size();
}

std::string arg_reader::next() {
    std::string a = args_[i_++];
    has_inline_value_ = false;
    if (!positional_ && a.rfind("--", 0) == 0) {
        if (auto eq = a.find('='); eq != std::string::npos) {
            inline_value_ = a.substr(eq + 1);
            has_inline_value_ = true;
            a.resize(eq);
        }
    }
    flag_ = a;
    return a;
}

std::string arg_reader::value() {
    if (has_inline_value_) {
        has_inline_value_ = false;
        return inline_value_;
    }
    if (i_ >= args_.size()) throw usage_error{flag_ + " needs a value"};
    return args_[i_++];
}

void arg_reader::unknown() const {
    throw usage_error{"unknown option '" + flag_ + "' (try: gomap-lab " + command_ + " --help)"};
}

output_file::output_file(std::string_view flag, std::string path) : path_(std::move(path)) {
    if (path_.empty()) throw usage_error{std::string(flag) + ": empty file name"};
    f_ = std::fopen(path_.c_str(), "w");
    if (f_ == nullptr)
        throw usage_error{std::string(flag) + ": cannot write '" + path_ + "': " + std::strerror(errno)};
}
output_file::output_file(output_file&& o) noexcept : path_(std::move(o.path_)), f_(o.f_) {
    o.f_ = nullptr;
}
output_file& output_file::operator=(output_file&& o) noexcept {
    if (this != &o) {
        close();
        path_ = std::move(o.path_);
        f_ = o.f_;
        o.f_ = nullptr;
    }
    return *this;
}
output_file::~output_file() {
    close();
}

void output_file::write_and_close(std::string_view text) {
    const bool ok = std::fwrite(text.data(), 1, text.size(), f_) == text.size();
    const bool closed = std::fclose(f_) == 0;
    f_ = nullptr;
    if (!ok || !closed) throw run_error{"cannot write '" + path_ + "': " + std::strerror(errno)};
}
void output_file::close() {
    if (f_ != nullptr) std::fclose(f_);
    f_ = nullptr;
}

std::string extension_of(std::string_view path) {
    const auto slash = path.find_last_of('/');
    const auto dot = path.find_last_of('.');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return "";
    std::string ext(path.substr(dot + 1));
    for (char& c : ext)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return ext;
}

std::string find_on_path(std::string_view name) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) return "";
    for (std::string_view rest(path);;) {
        const auto colon = rest.find(':');
        const std::string_view dir = rest.substr(0, colon);
        const std::string full =
            (dir.empty() ? std::string(".") : std::string(dir)) + "/" + std::string(name);
        if (::access(full.c_str(), X_OK) == 0) return full;
        if (colon == std::string_view::npos) return "";
        rest.remove_prefix(colon + 1);
    }
}

std::string temp_path(std::string_view stem) {
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp && *tmp ? tmp : "/tmp") + "/gomap-lab-" + std::to_string(::getpid()) + "-" +
           std::string(stem);
}

void svg_to_png(const std::string& svg_path, const std::string& png_path) {
    const std::string tool = find_on_path("rsvg-convert");
    if (tool.empty())
        throw run_error{
            "writing a PNG needs rsvg-convert, which is not on PATH (Debian: apt-get install "
            "librsvg2-bin, or run scripts/setup.sh); or ask for an .svg file instead"};
    // The paths are passed as arguments, not through a shell.
    const pid_t pid = ::fork();
    if (pid < 0) throw run_error{std::string("cannot start rsvg-convert: ") + std::strerror(errno)};
    if (pid == 0) {
        ::execl(tool.c_str(), "rsvg-convert", "--background-color=white", "-f", "png", "-o", png_path.c_str(),
                svg_path.c_str(), static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw run_error{"rsvg-convert failed to render '" + svg_path + "' to '" + png_path + "'"};
}

progress::progress(std::string label, std::uint64_t total)
    : label_(std::move(label)), total_(total == 0 ? 1 : total), enabled_(::isatty(STDERR_FILENO) == 1) {}

progress::~progress() {
    if (enabled_) std::fputs("\r\033[K", stderr);
}

void progress::set_label(std::string label) {
    label_ = std::move(label);
}

void progress::draw(std::uint64_t done) {
    constexpr int width = 30;
    const std::uint64_t permille = done >= total_ ? 1000 : done * 1000 / total_;
    const int filled = static_cast<int>(permille * width / 1000);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r\033[K[%s] %3d%%  %s", bar.c_str(), static_cast<int>(permille / 10),
                 label_.c_str());
    std::fflush(stderr);
    // Redraw at the next whole percent, not on every operation.
    next_ = (permille / 10 + 1) * total_ / 100;
}

std::string kib(std::uint64_t bytes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(bytes) / 1024.0);
    return buf;
}

std::string with_commas(std::uint64_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

}  // namespace lab
