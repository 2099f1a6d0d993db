// gomap-lab — the helpers every command shares: arguments, output files,
// external tools, the progress bar, number formatting.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
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

namespace {

// The temporary files of this process, removed by a signal handler when it is
// interrupted: fixed storage, written before a slot is marked used, so that
// the handler (which may only call async-signal-safe functions) can read it.
constexpr int kMaxTemps = 8;
char g_temp_paths[kMaxTemps][4096];
volatile std::sig_atomic_t g_temp_used[kMaxTemps];

extern "C" void remove_temps_and_die(int sig) {
    for (int i = 0; i < kMaxTemps; ++i)
        if (g_temp_used[i]) ::unlink(g_temp_paths[i]);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void install_cleanup_handlers() {
    static bool installed = false;
    if (installed) return;
    installed = true;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction old {};
        if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;  // e.g. nohup
        struct sigaction sa {};
        sa.sa_handler = remove_temps_and_die;
        sigemptyset(&sa.sa_mask);
        ::sigaction(sig, &sa, nullptr);
    }
}

int register_temp(const std::string& path) {
    install_cleanup_handlers();
    if (path.size() >= sizeof g_temp_paths[0]) return -1;
    for (int i = 0; i < kMaxTemps; ++i)
        if (!g_temp_used[i]) {
            std::memcpy(g_temp_paths[i], path.c_str(), path.size() + 1);
            g_temp_used[i] = 1;
            return i;
        }
    return -1;  // not expected: a command makes two or three
}

void unregister_temp(int slot) {
    if (slot >= 0) g_temp_used[slot] = 0;
}

// Creates a new file next to `near`: ".NAME.gomap-lab-PID-N.tmp" in its
// directory, with the mode a new file gets (0666 minus the umask). Returns the
// descriptor and sets `path`; -1 with errno on failure.
int create_beside(const std::string& near, std::string& path) {
    static unsigned counter = 0;
    const auto slash = near.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "" : near.substr(0, slash + 1);
    const std::string base = slash == std::string::npos ? near : near.substr(slash + 1);
    for (int attempt = 0; attempt < 100; ++attempt) {
        path = dir + "." + base + ".gomap-lab-" + std::to_string(::getpid()) + "-" +
               std::to_string(counter++) + ".tmp";
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    return -1;
}

bool write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

output_file::output_file(std::string_view flag, std::string path) : path_(std::move(path)) {
    const std::string f(flag);
    if (path_.empty()) throw usage_error{f + ": empty file name"};
    if (path_.back() == '/') throw usage_error{f + ": '" + path_ + "' is a directory"};
    target_ = path_;
    struct stat st {};
    const bool exists = ::stat(path_.c_str(), &st) == 0;
    if (exists) {
        if (S_ISDIR(st.st_mode)) throw usage_error{f + ": '" + path_ + "' is a directory"};
        // The file is replaced, not written through: ask what writing it would.
        if (::access(path_.c_str(), W_OK) != 0)
            throw usage_error{f + ": cannot write '" + path_ + "': " + std::strerror(errno)};
        if (!S_ISREG(st.st_mode) || path_.rfind("/dev/", 0) == 0) {
            direct_ = true;  // a device, a pipe, /dev/stdout: nothing to replace
            return;
        }
        struct stat link {};
        if (::lstat(path_.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
            if (char* real = ::realpath(path_.c_str(), nullptr)) {
                target_ = real;
                std::free(real);
            }
        }
    }
    fd_ = create_beside(target_, temp_);
    if (fd_ < 0) {
        const int err = errno;
        temp_.clear();
        throw usage_error{f + ": cannot write '" + path_ + "': " + std::strerror(err)};
    }
    slot_ = register_temp(temp_);
    if (exists) ::fchmod(fd_, st.st_mode & 07777);  // as the file it replaces
}

output_file::output_file(output_file&& o) noexcept
    : path_(std::move(o.path_)),
      target_(std::move(o.target_)),
      temp_(std::move(o.temp_)),
      fd_(o.fd_),
      slot_(o.slot_),
      direct_(o.direct_),
      pending_(std::move(o.pending_)) {
    o.path_.clear();
    o.temp_.clear();
    o.fd_ = -1;
    o.slot_ = -1;
}

output_file& output_file::operator=(output_file&& o) noexcept {
    if (this != &o) {
        discard();
        path_ = std::move(o.path_);
        target_ = std::move(o.target_);
        temp_ = std::move(o.temp_);
        fd_ = o.fd_;
        slot_ = o.slot_;
        direct_ = o.direct_;
        pending_ = std::move(o.pending_);
        o.path_.clear();
        o.temp_.clear();
        o.fd_ = -1;
        o.slot_ = -1;
    }
    return *this;
}

output_file::~output_file() {
    discard();
}

void output_file::discard() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!temp_.empty()) ::unlink(temp_.c_str());
    temp_.clear();
    unregister_temp(slot_);
    slot_ = -1;
}

void output_file::write(std::string_view text) {
    if (direct_) {
        pending_ = text;
        return;
    }
    errno = 0;
    const bool ok = write_all(fd_, text);
    const int err = errno;
    const bool closed = ::close(fd_) == 0;
    fd_ = -1;
    if (!ok || !closed)
        throw run_error{"cannot write '" + path_ + "': " + std::strerror(!ok && err != 0 ? err : errno)};
}

void output_file::commit() {
    if (direct_) {
        const int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
        const bool ok = fd >= 0 && write_all(fd, pending_);
        const int err = errno;
        if (fd >= 0) ::close(fd);
        if (!ok) throw run_error{"cannot write '" + path_ + "': " + std::strerror(err)};
        return;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (::rename(temp_.c_str(), target_.c_str()) != 0)
        throw run_error{"cannot write '" + path_ + "': " + std::strerror(errno)};
    temp_.clear();
    unregister_temp(slot_);
    slot_ = -1;
}

scratch_file::scratch_file(std::string_view name) {
    const char* tmp = std::getenv("TMPDIR");
    const std::string near = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + std::string(name);
    const int fd = create_beside(near, path_);
    if (fd < 0) throw run_error{"cannot create a scratch file '" + path_ + "': " + std::strerror(errno)};
    ::close(fd);
    slot_ = register_temp(path_);
}

scratch_file::~scratch_file() {
    ::unlink(path_.c_str());
    unregister_temp(slot_);
}

void scratch_file::write(std::string_view text) {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    const bool ok = fd >= 0 && write_all(fd, text);
    const bool closed = fd >= 0 && ::close(fd) == 0;
    if (!ok || !closed) throw run_error{"cannot write '" + path_ + "': " + std::strerror(errno)};
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

std::string svg_to_png(const std::string& svg_path, const std::string& shown_as) {
    const std::string tool = find_on_path("rsvg-convert");
    if (tool.empty())
        throw run_error{
            "writing a PNG needs rsvg-convert, which is not on PATH (Debian: apt-get install "
            "librsvg2-bin, or run scripts/setup.sh); or ask for an .svg file instead"};
    // The PNG comes back through a pipe; the paths are passed as arguments,
    // not through a shell.
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0)
        throw run_error{std::string("cannot start rsvg-convert: ") + std::strerror(errno)};
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int err = errno;
        ::close(out[0]);
        ::close(out[1]);
        throw run_error{std::string("cannot start rsvg-convert: ") + std::strerror(err)};
    }
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);  // dup2 clears close-on-exec on the copy
        ::execl(tool.c_str(), "rsvg-convert", "--background-color=white", "-f", "png", svg_path.c_str(),
                static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    ::close(out[1]);
    std::string png;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n > 0)
            png.append(buf, static_cast<std::size_t>(n));
        else if (n == 0 || errno != EINTR)
            break;
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || png.empty())
        throw run_error{"rsvg-convert failed to render the plot for '" + shown_as + "'"};
    return png;
}

progress::progress(std::string_view label, std::uint64_t total)
    : total_(total == 0 ? 1 : total), enabled_(::isatty(STDERR_FILENO) == 1) {
    set_label(label);
}

progress::~progress() {
    if (enabled_) std::fputs("\r\033[K", stderr);
}

void progress::set_label(std::string_view label) {
    const std::size_t n = std::min(label.size(), sizeof label_ - 1);
    std::memcpy(label_, label.data(), n);
    label_[n] = '\0';
    if (enabled_ && label.size() > 0) draw(done_);
}

void progress::draw(std::uint64_t done) {
    constexpr int width = 30;
    done_ = done;
    const std::uint64_t permille = done >= total_ ? 1000 : done * 1000 / total_;
    const int filled = static_cast<int>(permille * width / 1000);
    char bar[width + 1];
    for (int i = 0; i < width; ++i) bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    std::fprintf(stderr, "\r\033[K[%s] %3d%%  %s", bar, static_cast<int>(permille / 10), label_);
    std::fflush(stderr);
    // Redraw at the next whole percent, not on every operation.
    next_ = (permille / 10 + 1) * total_ / 100;
}

std::string human_bytes(std::uint64_t bytes) {
    // Tenths of the unit, rounded half up, in integers (no overflow, no
    // round-half-even surprises: 72.25 MB is "72.3 MB"). The unit is the
    // largest whose figure is at least 1.0 once rounded: 1,048,575 bytes is
    // "1.0 MB", not "1024.0 KB".
    static constexpr const char* units[] = {"KB", "MB", "GB", "TB"};
    std::uint64_t unit = 1024;
    auto tenths = [&] { return bytes / unit * 10 + (bytes % unit * 10 + unit / 2) / unit; };
    std::size_t u = 0;
    while (u + 1 < std::size(units) && tenths() >= 10240) {
        unit *= 1024;
        ++u;
    }
    const std::uint64_t t = tenths();
    return std::to_string(t / 10) + "." + std::to_string(t % 10) + " " + units[u];
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
