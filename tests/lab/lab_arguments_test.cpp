// gomap-lab's command lines: every bad argument exits 2 with a message and
// does nothing; every flag takes `--flag value` and `--flag=value`; --help
// works for every command; a missing tool exits 1; an output file is replaced
// whole when the command succeeds and left as it was otherwise.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "lab_run.hpp"

using labtest::list_dir;
using labtest::read_file;
using labtest::run_lab;
using labtest::scratch;
using labtest::write_file;

namespace {

// Every 0x followed by 16 hex digits (hash0, wherever it is printed) masked.
std::string mask_hex64(std::string text) {
    for (std::size_t at = text.find("0x"); at != std::string::npos; at = text.find("0x", at + 2)) {
        std::size_t n = 0;
        while (n < 16 && at + 2 + n < text.size() && labtest::is_hex(text[at + 2 + n])) ++n;
        if (n == 16) text.replace(at + 2, 16, "<hash0>");
    }
    return text;
}

const std::string& scratch_dir_for_test() {
    return labtest::scratch_dir();
}

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
        // seed
        {{"inspect", "--script", scratch("no-such-script.txt")}, "--script: cannot read"},
        // explore
        {{"explore"}, "--out FILE.html is required"},
        {{"explore", "--n", "501", "--out", scratch("never.html")}, "--n: 501 is too large (at most 500)"},
        {{"explore", "--hint", "x", "--out", scratch("never.html")},
         "--hint: expected a non-negative integer"},
        {{"explore", "--out", nodir + ".html"}, "--out: cannot write '" + nodir + ".html'"},
        {{"explore", "--frobnicate"}, "unknown option '--frobnicate' (try: gomap-lab explore --help)"},
        {{"seed", "--n", "-1"}, "--n: expected a non-negative integer"},
        {{"seed", "--n=-1"}, "--n: expected a non-negative integer, got '-1'"},
        {{"seed", "--frobnicate"}, "unknown option '--frobnicate'"},
        // a flag that takes no value, given one
        {{"seed", "--json=1"}, "--json takes no value (got '--json=1')"},
        {{"seed", "--no-go=yes"}, "--no-go takes no value"},
        {{"inspect", "--real-hash=yes"}, "--real-hash takes no value"},
        {{"inspect", "--stop-mid-resize="}, "--stop-mid-resize takes no value"},
        {{"trace-delete", "--real-hash=1", "3"}, "--real-hash takes no value"},
        // a conflict with a default names it as such
        {{"inspect", "--delete", "30"}, "--delete 30 is more than --n 20 (the default; give a larger --n)"},
        {{"churn", "--steady", "2000000"},
         "--steady 2000000 is more than --peak 1000000 (the default; give a larger --peak)"},
        // inspect: --format against --out's name
        {{"inspect", "--format", "text", "--out", scratch("contradiction.svg")},
         "--format text contradicts --out '" + scratch("contradiction.svg") + "'"},
        {{"inspect", "--format", "svg", "--out", scratch("contradiction.txt")},
         "--format svg contradicts --out '" + scratch("contradiction.txt") + "'"},
        // outputs
        {{"inspect", "--out", scratch_dir_for_test() + "/"}, "is a directory"},
        {{"churn", "--csv", scratch_dir_for_test()},
         "--csv: '" + scratch_dir_for_test() + "' is a directory"},
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

// Issue #14, 1: docs/lab.md promises `--flag=value` as well as `--flag value`
// for every flag of every command; both spellings give the same run.
TEST(LabArguments, EveryFlagTakesItsValueAfterAnEqualsSign) {
    struct pair {
        std::vector<std::string> spaced, joined;
        std::string file;  // an output both write ("" if none); compared too
    };
    const std::string a = scratch("eq-a"), b = scratch("eq-b");
    const std::vector<pair> pairs = {
        {{"seed", "--no-go", "--n", "100", "--hint", "50", "--json"},
         {"seed", "--no-go", "--n=100", "--hint=50", "--json"},
         ""},
        {{"churn", "--peak", "300", "--steady", "10", "--ops", "50", "--seed", "4", "--samples", "7",
          "--maps", "std", "--csv", a + ".csv"},
         {"churn", "--peak=300", "--steady=10", "--ops=50", "--seed=4", "--samples=7", "--maps=std",
          "--csv=" + b + ".csv"},
         ".csv"},
        {{"inspect", "--n", "9", "--delete", "2", "--seed", "3", "--map", "map", "--hint", "4", "--color",
          "never", "--format", "svg", "--out", a + ".svg"},
         {"inspect", "--n=9", "--delete=2", "--seed=3", "--map=map", "--hint=4", "--color=never",
          "--format=svg", "--out=" + b + ".svg"},
         ".svg"},
        {{"inspect", "--n", "9", "--ops", "4", "--colour", "never"},
         {"inspect", "--n=9", "--ops=4", "--colour=never"},
         ""},
        {{"trace-delete", "--n", "7", "--seed", "2", "--map", "go_map", "--color", "never", "3"},
         {"trace-delete", "--n=7", "--seed=2", "--map=go_map", "--color=never", "3"},
         ""},
    };
    for (const auto& p : pairs) {
        SCOPED_TRACE(p.joined[0] + " " + p.joined[1]);
        const auto spaced = run_lab(p.spaced), joined = run_lab(p.joined);
        ASSERT_EQ(spaced.status, 0) << spaced.err;
        ASSERT_EQ(joined.status, 0) << joined.err;
        EXPECT_EQ(joined.err, "");
        // Output paths differ between the two runs; hash0 is random, and so
        // are the bytes that depend on it (seed: keep gomap::map's, which do not).
        auto same = [&](std::string text) {
            for (std::size_t at; (at = text.find(b)) != std::string::npos;) text.replace(at, b.size(), a);
            if (p.spaced[0] == "seed") {
                const std::size_t from = text.find("{\"name\":\"gomap::map\"");
                const std::size_t to = text.find("]}", from);
                return text.substr(0, text.find("\"maps\"")) + text.substr(from, to - from);
            }
            return mask_hex64(text);
        };
        EXPECT_EQ(same(joined.out), same(spaced.out));
        if (!p.file.empty()) {
            EXPECT_EQ(same(read_file(b + p.file)), same(read_file(a + p.file)));
        }
    }
    // The README's seed, with the value joined: go_map's row is there.
    const auto r = run_lab({"seed", "--no-go", "--n=1000"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("make(map[int]Person, 1000); 1000 inserts"), std::string::npos) << r.out;
    // After `--`, trace-delete takes everything as a KEY, even with '='.
    const auto k = run_lab({"trace-delete", "--", "--n=3"});
    EXPECT_EQ(k.status, 2);
    EXPECT_NE(k.err.find("KEY: expected a non-negative integer, got '--n=3'"), std::string::npos) << k.err;
}

// Issue #14, 2: a bad command line overwrites nothing. Each target exists
// with known content before the command; after it, the content is the same
// and the directory holds nothing else (no temporary file left behind).
TEST(LabArguments, ABadCommandLineLeavesExistingFilesAlone) {
    const std::string dir = labtest::fresh_dir("keep");
    const std::string svg = dir + "/existing.svg", csv = dir + "/existing.csv", txt = dir + "/existing.txt";
    const std::vector<std::vector<std::string>> cases = {
        // the two command lines
        {"churn", "--plot", svg, "--csv", "/nonexistent-gomap-lab-dir/a.csv"},
        {"inspect", "--out", txt, "--n", "5", "--delete", "0", "--stop-mid-resize"},
        {"inspect", "--out", txt, "--ops", "3", "--stop-mid-resize"},
        // every other kind of bad line, with existing outputs
        {"churn", "--csv", csv, "--plot", svg, "--maps", "nosuch"},
        {"churn", "--csv", csv, "--plot", svg, "--peak", "10", "--steady", "11"},
        {"churn", "--csv", csv, "--plot", dir + "/existing.txt"},
        {"churn", "--csv", csv, "--plot", svg, "--bogus"},
        {"churn", "--csv", svg, "--plot", svg},
        {"inspect", "--out", svg, "--format", "text"},
        {"inspect", "--out", txt, "--n", "20", "--delete", "21"},
        {"inspect", "--out", txt, "--map", "map", "--n", "20", "--delete", "5", "--stop-mid-resize"},
        {"inspect", "--out", txt, "--verbose"},
    };
    for (const auto& args : cases) {
        std::string line;
        for (const auto& a : args) line += " " + a;
        SCOPED_TRACE("gomap-lab" + line);
        write_file(svg, "svg before\n");
        write_file(csv, "csv before\n");
        write_file(txt, "txt before\n");
        const auto r = run_lab(args);
        EXPECT_EQ(r.status, 2) << r.err;
        EXPECT_NE(r.err, "") << "a message on stderr";
        EXPECT_EQ(r.out, "");
        EXPECT_EQ(read_file(svg), "svg before\n");
        EXPECT_EQ(read_file(csv), "csv before\n");
        EXPECT_EQ(read_file(txt), "txt before\n");
        EXPECT_EQ(list_dir(dir), (std::vector<std::string>{"existing.csv", "existing.svg", "existing.txt"}));
    }
}

// A run that fails after the work (here rsvg-convert failing on the PNG)
// exits 1 and replaces no output: the CSV, complete, is not put in place
// either, and no partial or temporary file is left.
TEST(LabArguments, AFailedRunReplacesNoOutput) {
    const std::string dir = labtest::fresh_dir("failed-run"), bin = labtest::fresh_dir("failing-tools");
    // An rsvg-convert that writes half a picture and fails.
    write_file(bin + "/rsvg-convert", "#!/bin/sh\necho 'half a png'\nexit 1\n");
    ::chmod((bin + "/rsvg-convert").c_str(), 0755);
    const std::string png = dir + "/plot.png", csv = dir + "/data.csv";
    write_file(png, "png before\n");
    write_file(csv, "csv before\n");
    const auto r =
        run_lab({"churn", "--peak", "200", "--ops", "10", "--maps", "std", "--csv", csv, "--plot", png},
                "PATH=" + labtest::shell_quote(bin) + ":\"$PATH\"");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("rsvg-convert failed to render the plot for '" + png + "'"), std::string::npos)
        << r.err;
    EXPECT_EQ(read_file(png), "png before\n");
    EXPECT_EQ(read_file(csv), "csv before\n");
    EXPECT_EQ(list_dir(dir), (std::vector<std::string>{"data.csv", "plot.png"}));
}

// When the command succeeds, each output replaces the old file whole: a
// new file gets the permissions of any new file (0666 minus the umask), an
// existing one keeps its own, a symbolic link stays a link to the replaced
// file, and nothing else is left in the directory.
TEST(LabArguments, OutputsReplaceTheOldFilesWhole) {
    const std::string dir = labtest::fresh_dir("replaced");
    const std::string svg = dir + "/plot.svg", csv = dir + "/data.csv", txt = dir + "/map.txt",
                      link = dir + "/link.txt", fresh = dir + "/new.csv";
    const std::string long_text(200000, 'x');  // longer than any output: no tail of it may survive
    for (const auto& f : {svg, csv, txt}) write_file(f, long_text);
    ::chmod(svg.c_str(), 0644);
    ::chmod(csv.c_str(), 0600);
    ::chmod(txt.c_str(), 0640);
    std::filesystem::create_symlink("map.txt", link);
    const auto c =
        run_lab({"churn", "--peak", "300", "--ops", "10", "--maps", "std,map", "--csv", csv, "--plot", svg},
                "umask 022;");
    ASSERT_EQ(c.status, 0) << c.err;
    const auto i = run_lab({"inspect", "--n", "9", "--out", link}, "umask 022;");
    ASSERT_EQ(i.status, 0) << i.err;
    const auto n =
        run_lab({"churn", "--peak", "300", "--ops", "10", "--maps", "std", "--csv", fresh}, "umask 027;");
    ASSERT_EQ(n.status, 0) << n.err;
    EXPECT_EQ(read_file(csv).rfind("op,phase,std::unordered_map,gomap::map\n", 0), 0u);
    EXPECT_EQ(read_file(csv).find('x'), std::string::npos);
    EXPECT_EQ(read_file(svg).rfind("<?xml", 0), 0u);
    EXPECT_EQ(read_file(svg).substr(read_file(svg).size() - 7), "</svg>\n");
    EXPECT_EQ(read_file(txt).rfind("gomap::go_map: insert keys 0..8", 0), 0u) << read_file(txt);
    EXPECT_EQ(read_file(txt).find("xxxx"), std::string::npos);
    EXPECT_TRUE(std::filesystem::is_symlink(link));
    EXPECT_EQ(std::filesystem::read_symlink(link), "map.txt");
    auto mode = [](const std::string& f) {
        struct stat st {};
        ::stat(f.c_str(), &st);
        return st.st_mode & 0777;
    };
    EXPECT_EQ(mode(svg), 0644u);
    EXPECT_EQ(mode(csv), 0600u);
    EXPECT_EQ(mode(txt), 0640u);
    EXPECT_EQ(mode(fresh), 0640u);
    EXPECT_EQ(list_dir(dir),
              (std::vector<std::string>{"data.csv", "link.txt", "map.txt", "new.csv", "plot.svg"}));
}

// Outputs that are not files to replace: /dev/stdout and /dev/null are
// written directly (and /dev/null stays a device), a pipe too.
TEST(LabArguments, DevicesAndPipesAreWrittenDirectly) {
    const auto r = run_lab({"inspect", "--n", "9", "--out", "/dev/stdout"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.rfind("gomap::go_map: insert keys 0..8", 0), 0u) << r.out;
    const auto null = run_lab({"churn", "--peak", "300", "--maps", "std", "--csv", "/dev/null"});
    ASSERT_EQ(null.status, 0) << null.err;
    struct stat st {};
    ASSERT_EQ(::stat("/dev/null", &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/null is still a device";
    const std::string fifo = scratch("csv.fifo"), got = scratch("from-fifo.csv");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    const std::string cmd = "cat " + labtest::shell_quote(fifo) + " > " + labtest::shell_quote(got) + " &";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    const auto p = run_lab({"churn", "--peak", "300", "--maps", "std", "--csv", fifo});
    ASSERT_EQ(p.status, 0) << p.err;
    for (int i = 0; i < 500 && read_file(got).find("drain") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(read_file(got).rfind("op,phase,std::unordered_map\n", 0), 0u) << read_file(got);
    // Had the run not opened the pipe, cat would wait for a writer forever.
    if (const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK); fd >= 0) ::close(fd);
    ::unlink(fifo.c_str());
}

// Interrupted (Ctrl-C, kill), a run leaves neither its outputs nor its
// temporary files behind.
TEST(LabArguments, AnInterruptedRunLeavesNoFile) {
    const std::string dir = labtest::fresh_dir("interrupted");
    const std::string svg = dir + "/plot.svg", csv = dir + "/data.csv";
    for (int sig : {SIGINT, SIGTERM}) {
        SCOPED_TRACE(sig == SIGINT ? "SIGINT" : "SIGTERM");
        const pid_t pid = ::fork();
        if (pid == 0) {
            // The signal as a terminal delivers it, whatever the test runner ignores.
            ::signal(sig, SIG_DFL);
            const int null = ::open("/dev/null", O_RDWR);
            ::dup2(null, 0);
            ::dup2(null, 1);
            ::dup2(null, 2);
            ::execl(GOMAP_LAB_BINARY, "gomap-lab", "churn", "--peak", "20000000", "--plot", svg.c_str(),
                    "--csv", csv.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        // Interrupt it once it has started on its files (at most 10 s).
        for (int i = 0; i < 1000 && list_dir(dir).size() < 2; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        ::kill(pid, sig);
        int status = 0;
        ::waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status;
        EXPECT_EQ(list_dir(dir), std::vector<std::string>{});
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
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
