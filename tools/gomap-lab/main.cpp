// gomap-lab: the seed article as a lab. `gomap-lab help` lists the commands.
#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include "lab.hpp"

namespace lab {

std::uint64_t parse_count(std::string_view flag, std::string_view text, std::uint64_t max) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || text.empty())
        throw usage_error{std::string(flag) + ": expected a non-negative integer, got '" + std::string(text) + "'"};
    if (v > max)
        throw usage_error{std::string(flag) + ": " + std::string(text) + " is too large (at most " +
                          std::to_string(max) + ")"};
    return v;
}

std::string kib(std::uint64_t bytes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(bytes) / 1024.0);
    return buf;
}

}  // namespace lab

static void usage(std::FILE* out) {
    std::fputs(
        "usage: gomap-lab <command> [options]\n"
        "\n"
        "commands:\n"
        "  seed    the article's experiment: make a map of 10,000 Person entries, fill it,\n"
        "          delete everything, drop it; bytes held at each stage for gomap::go_map,\n"
        "          gomap::map and the real Go map (run live when `go` is installed)\n"
        "  help    this text\n"
        "\n"
        "`gomap-lab <command> --help` describes a command's options.\n",
        out);
}

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        usage(stderr);
        return 2;
    }
    const std::string cmd = args.front();
    args.erase(args.begin());
    try {
        if (cmd == "seed") return lab::cmd_seed(args);
        if (cmd == "help" || cmd == "--help" || cmd == "-h") {
            usage(stdout);
            return 0;
        }
        throw lab::usage_error{"unknown command '" + cmd + "' (try: gomap-lab help)"};
    } catch (const lab::usage_error& e) {
        std::fprintf(stderr, "gomap-lab %s: %s\n", cmd.c_str(), e.message.c_str());
        return 2;
    }
}
