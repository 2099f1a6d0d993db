// gomap-lab's command lines: every bad argument exits 2 with a message and
// does nothing; --help works for every command; a missing tool exits 1.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lab_run.hpp"

using labtest::run_lab;
using labtest::scratch;

namespace {

struct bad_case {
    std::vector<std::string> args;
    std::string message;  // a part of what stderr must say
};

TEST(LabArguments, EveryBadArgumentExitsTwoWithAMessage) {
    const std::string nodir = "/nonexistent-gomap-lab-dir/out";
    const std::vector<bad_case> cases = {
        {{}, "usage: gomap-lab <command>"},
        {{"frobnicate"}, "unknown command 'frobnicate'"},
        // churn: sizes
        {{"churn", "--peak", "-5"}, "--peak: expected a non-negative integer, got '-5'"},
        {{"churn", "--peak", "abc"}, "--peak: expected a non-negative integer, got 'abc'"},
        {{"churn", "--peak", "12x"}, "--peak: expected a non-negative integer"},
        {{"churn", "--peak", ""}, "--peak: expected a non-negative integer"},
        {{"churn", "--peak", "0"}, "--peak: 0 is too small (at least 1)"},
        {{"churn", "--peak", "99999999999"}, "--peak: 99999999999 is too large"},
        {{"churn", "--peak", "18446744073709551616"}, "is too large"},
        {{"churn", "--ops", "1000000000000"}, "--ops: 1000000000000 is too large"},
        {{"churn", "--samples", "0"}, "--samples: 0 is too small"},
        {{"churn", "--peak", "10", "--steady", "11"}, "--steady 11 is more than --peak 10"},
        {{"churn", "--peak"}, "--peak needs a value"},
        {{"churn", "--peak=abc"}, "--peak: expected a non-negative integer, got 'abc'"},
        // churn: maps, flags, files
        {{"churn", "--maps", "go_map,nosuch"}, "--maps: unknown map 'nosuch'"},
        {{"churn", "--maps", ""}, "--maps: unknown map ''"},
        {{"churn", "--maps", "map,map"}, "--maps: map 'map' listed twice"},
        {{"churn", "--bogus"}, "unknown option '--bogus' (try: gomap-lab churn --help)"},
        {{"churn", "--plot", scratch("plot.txt")},
         "--plot: '" + scratch("plot.txt") + "' must end in .svg or .png"},
        {{"churn", "--plot", nodir + ".svg"}, "--plot: cannot write '" + nodir + ".svg'"},
        {{"churn", "--csv", nodir + ".csv"}, "--csv: cannot write '" + nodir + ".csv'"},
        {{"churn", "--csv", ""}, "--csv: empty file name"},
        // inspect
        {{"inspect", "--n", "100000"}, "--n: 100000 is too large (at most 10000)"},
        {{"inspect", "--n", "-1"}, "--n: expected a non-negative integer, got '-1'"},
        {{"inspect", "--n", "20", "--delete", "21"}, "--delete 21 is more than --n 20"},
        {{"inspect", "--map", "std"}, "--map: unknown value 'std' (one of: go_map, map)"},
        {{"inspect", "--format", "png"}, "--format: unknown value 'png' (one of: text, svg)"},
        {{"inspect", "--color", "sometimes"}, "--color: unknown value 'sometimes'"},
        {{"inspect", "--out", nodir + ".txt"}, "--out: cannot write '" + nodir + ".txt'"},
        {{"inspect", "--ops", "3", "--stop-mid-resize"}, "--ops and --stop-mid-resize do not go together"},
        {{"inspect", "--n", "5", "--delete", "1", "--ops", "7"}, "--ops 7 is more than the script's 6 steps"},
        {{"inspect", "--n", "5", "--delete", "0", "--stop-mid-resize"},
         "--stop-mid-resize: no insert of this script leaves a resize in progress"},
        {{"inspect", "--map", "map", "--n", "5", "--delete", "0", "--stop-mid-resize"},
         "(try: --map map --n 60 --delete 0 for a grow, --map map --n 100 --delete 80 for a shrink)"},
        {{"inspect", "--map", "map", "--n", "20", "--delete", "5", "--stop-mid-resize"},
         "--stop-mid-resize: no delete of this script leaves a resize in progress"},
        {{"inspect", "--seed"}, "--seed needs a value"},
        {{"inspect", "--verbose"}, "unknown option '--verbose' (try: gomap-lab inspect --help)"},
        // trace-delete
        {{"trace-delete"}, "no KEY to delete"},
        {{"trace-delete", "abc"}, "KEY: expected a non-negative integer, got 'abc'"},
        {{"trace-delete", "-5"}, "KEY: expected a non-negative integer, got '-5'"},
        {{"trace-delete", "--n", "0", "1"}, "--n: 0 is too small (at least 1)"},
        {{"trace-delete", "--n", "20000", "1"}, "--n: 20000 is too large"},
        {{"trace-delete", "--x", "1"}, "unknown option '--x' (try: gomap-lab trace-delete --help)"},
        {{"trace-delete", "--map", "map", "1"}, "--map map: trace-delete follows Go's mapdelete"},
        {{"trace-delete", "--map", "std", "1"}, "--map: unknown value 'std' (one of: go_map, map)"},
        // seed (its own parser, same conventions)
        {{"seed", "--n", "-1"}, "--n: expected a non-negative integer"},
        {{"seed", "--frobnicate"}, "unknown option '--frobnicate'"},
    };
    for (const auto& c : cases) {
        std::string line;
        for (const auto& a : c.args) line += " " + a;
        SCOPED_TRACE("gomap-lab" + line);
        const auto r = run_lab(c.args);
        EXPECT_EQ(r.status, 2);
        EXPECT_NE(r.err.find(c.message), std::string::npos) << "stderr: " << r.err;
        EXPECT_EQ(r.out, "") << "a bad command line prints nothing on stdout";
    }
}

TEST(LabArguments, NothingIsWrittenOnABadCommandLine) {
    const std::string csv = scratch("never.csv"), plot = scratch("never.svg");
    const auto r = run_lab({"churn", "--csv", csv, "--plot", plot, "--maps", "nosuch"});
    EXPECT_EQ(r.status, 2);
    EXPECT_FALSE(labtest::file_exists(csv));
    EXPECT_FALSE(labtest::file_exists(plot));
}

TEST(LabArguments, HelpForEveryCommand) {
    for (const std::string cmd : {"seed", "churn", "inspect", "trace-delete"}) {
        SCOPED_TRACE(cmd);
        for (const std::string flag : {"--help", "-h"}) {
            const auto r = run_lab({cmd, flag});
            EXPECT_EQ(r.status, 0);
            EXPECT_EQ(r.out.rfind("usage: gomap-lab " + cmd, 0), 0u) << r.out;
            EXPECT_EQ(r.err, "");
        }
    }
    const auto r = run_lab({"help"});
    EXPECT_EQ(r.status, 0);
    for (const std::string cmd : {"seed", "churn", "inspect", "trace-delete"})
        EXPECT_NE(r.out.find("  " + cmd + " "), std::string::npos) << cmd;
}

TEST(LabArguments, PngWithoutRsvgConvertExitsOneBeforeRunning) {
    const std::string png = scratch("no-tool.png");
    const auto r = run_lab({"churn", "--peak", "100", "--plot", png}, "PATH=/nonexistent-gomap-lab-dir");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("rsvg-convert"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("librsvg2-bin"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "") << "the experiment did not run";
    EXPECT_FALSE(labtest::file_exists(png));
}

TEST(LabArguments, MapsThatAreNotBuiltInAreNamedAsSuch) {
    // absl and boost are in the lab only when it was built with them.
    for (const std::string id : {"absl", "boost"}) {
        SCOPED_TRACE(id);
        const auto r = run_lab({"churn", "--peak", "10", "--steady", "1", "--ops", "0", "--maps", id});
        if (r.status == 0) {
            EXPECT_NE(r.out.find(id + "::"), std::string::npos) << r.out;
        } else {
            EXPECT_EQ(r.status, 2);
            EXPECT_NE(r.err.find("not built in: " + id), std::string::npos) << r.err;
        }
    }
}

}  // namespace
