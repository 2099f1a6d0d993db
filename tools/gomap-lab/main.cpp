// gomap-lab: the seed article as a lab. `gomap-lab help` lists the commands.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "lab.hpp"

static void usage(std::FILE* out) {
    std::fputs(
        "usage: gomap-lab <command> [options]\n"
        "\n"
        "commands:\n"
        "  seed          the article's experiment: make a map of 10,000 Person entries, fill it,\n"
        "                delete everything, drop it; bytes held at each stage by every map:\n"
        "                go_map, map, node_map, safe_map, go-zero's SafeMap, go_map rebuilt, std,\n"
        "                Abseil (flat and node), Boost and the real Go map (run live when `go` is\n"
        "                installed)\n"
        "  churn         grow to a peak, delete to a steady state, churn, delete all: bytes held\n"
        "                by every map over time, as a plot (SVG or PNG) and a CSV\n"
        "  inspect       draw a small map's structure: go_map's hmap header, buckets, tophash\n"
        "                cells, overflow chains; gomap::map's groups and overflow bytes; old and\n"
        "                new arrays during a resize (text or SVG)\n"
        "  trace-delete  Go's mapdelete, step by step: bucket, slot, emptyOne -> emptyRest,\n"
        "                hash0 re-drawn when the map empties\n"
        "  explore       one self-contained HTML page that replays a script (insert N keys, delete\n"
        "                them all, or --script FILE) on go_map and map step by step: buckets,\n"
        "                tophash cells, grow and shrink, probe paths, bytes held; open it from disk\n"
        "  help          this text\n"
        "\n"
        "`gomap-lab <command> --help` describes a command's options. Every option takes its\n"
        "value as `--flag value` or `--flag=value`.\n"
        "Exit status: 0 done, 1 the run failed, 2 bad command line (nothing was run or written).\n"
        "Output files are replaced only when the command succeeds.\n",
        out);
}

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        usage(stderr);
        return lab::kExitUsage;
    }
    const std::string cmd = args.front();
    args.erase(args.begin());
    try {
        if (cmd == "seed") return lab::cmd_seed(args);
        if (cmd == "churn") return lab::cmd_churn(args);
        if (cmd == "inspect") return lab::cmd_inspect(args);
        if (cmd == "trace-delete") return lab::cmd_trace_delete(args);
        if (cmd == "explore") return lab::cmd_explore(args);
        if (cmd == "help" || cmd == "--help" || cmd == "-h") {
            usage(stdout);
            return 0;
        }
        throw lab::usage_error{"unknown command '" + cmd + "' (try: gomap-lab help)"};
    } catch (const lab::usage_error& e) {
        std::fprintf(stderr, "gomap-lab %s: %s\n", cmd.c_str(), e.message.c_str());
        return lab::kExitUsage;
    } catch (const lab::run_error& e) {
        std::fprintf(stderr, "gomap-lab %s: %s\n", cmd.c_str(), e.message.c_str());
        return lab::kExitFailure;
    } catch (const std::exception& e) {
        // Caught, so that the stack unwinds and temporary files are removed.
        std::fprintf(stderr, "gomap-lab %s: %s\n", cmd.c_str(), e.what());
        return lab::kExitFailure;
    }
}
