// scripts/gomap-lab, the wrapper the README runs: it installs what is missing
// and builds the lab on its first run, and after that only brings the build up
// to date. The real script runs here in a copy of the repository's layout,
// with stand-ins for scripts/setup.sh, cmake, make and c++ that log their
// calls (cmake --build writes a stand-in gomap-lab that prints its arguments),
// and a PATH with nothing else but the few commands the script uses.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "lab_run.hpp"

using labtest::read_file;
using labtest::shell_quote;
using labtest::write_file;

namespace {

struct fake_repo {
    std::string root, bin, log;

    fake_repo() {
        root = labtest::fresh_dir("repo");
        bin = labtest::fresh_dir("repo-bin");
        log = root + "/calls.log";
        std::filesystem::create_directories(root + "/scripts");
        std::filesystem::copy_file(GOMAP_LAB_SCRIPT, root + "/scripts/gomap-lab");
        // The stand-in setup "installs" c++ (as apt-get would), and fails
        // when asked to (SETUP_FAILS=1).
        script(root + "/scripts/setup.sh",
               "echo \"setup GOMAP_SETUP_LAB=$GOMAP_SETUP_LAB\" >> " + shell_quote(log) + "\n" +
                   "[ \"${SETUP_FAILS:-0}\" = 1 ] && exit 1\n" + "printf '#!/bin/sh\\nexit 0\\n' > " +
                   shell_quote(bin + "/c++") + "\nchmod +x " + shell_quote(bin + "/c++") + "\n");
        script(bin + "/cmake",
               "echo \"cmake $*\" >> " + shell_quote(log) +
                   "\n"
                   "if [ \"$1\" = --build ]; then\n"
                   "  mkdir -p \"$2/tools/gomap-lab\"\n"
                   "  printf '#!/bin/sh\\necho \"lab: $*\"\\n' > \"$2/tools/gomap-lab/gomap-lab\"\n"
                   "  chmod +x \"$2/tools/gomap-lab/gomap-lab\"\n"
                   "else\n"
                   "  while [ $# -gt 0 ]; do [ \"$1\" = -B ] && { mkdir -p \"$2\"; : > "
                   "\"$2/CMakeCache.txt\"; }; "
                   "shift; done\n"
                   "fi\n");
        script(bin + "/make", "exit 0\n");
        script(bin + "/c++", "exit 0\n");
        // The commands the script itself needs, and nothing else on PATH.
        const std::string link =
            "for c in bash sh dirname nproc mkdir touch chmod printf cat; do ln -s \"$(command -v "
            "$c)\" " +
            shell_quote(bin) + "/$c; done";
        EXPECT_EQ(std::system(link.c_str()), 0);
    }

    static void script(const std::string& path, const std::string& body) {
        write_file(path, "#!/bin/sh\n" + body);
        ::chmod(path.c_str(), 0755);
    }

    // Runs root/scripts/gomap-lab with `args`; `env` adds variables.
    labtest::result run(const std::vector<std::string>& args, const std::string& env = "") const {
        std::string cmd = "env -i PATH=" + shell_quote(bin) + " HOME=" + shell_quote(root) + " " + env + " " +
                          shell_quote(root + "/scripts/gomap-lab");
        for (const auto& a : args) cmd += " " + shell_quote(a);
        const std::string out = labtest::scratch("script.out"), err = labtest::scratch("script.err");
        cmd += " >" + shell_quote(out) + " 2>" + shell_quote(err);
        const int raw = std::system(cmd.c_str());
        labtest::result r;
        if (raw != -1 && WIFEXITED(raw)) r.status = WEXITSTATUS(raw);
        r.out = read_file(out);
        r.err = read_file(err);
        return r;
    }

    // The calls logged since the last take, one per line.
    std::vector<std::string> take_calls() const {
        auto lines = labtest::lines_of(read_file(log));
        write_file(log, "");
        return lines;
    }

    std::string stamp() const { return root + "/build/lab/.setup-done"; }
};

std::size_t count_prefix(const std::vector<std::string>& calls, const std::string& prefix) {
    std::size_t n = 0;
    for (const auto& c : calls) n += c.rfind(prefix, 0) == 0;
    return n;
}

// Issue #14, 7: the setup ran on every call. Now: once, and again only when
// its stamp is gone or older than setup.sh, or a build tool is missing.
TEST(LabScript, SetupRunsOnlyWhenSomethingIsMissing) {
    fake_repo repo;
    // A fresh clone: setup (with the lab's packages), configure, build, run.
    auto r = repo.run({"seed", "--n", "5"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "lab: seed --n 5\n");
    auto calls = repo.take_calls();
    EXPECT_EQ(count_prefix(calls, "setup GOMAP_SETUP_LAB=1"), 1u);
    EXPECT_EQ(count_prefix(calls, "cmake -S " + repo.root + " -B " + repo.root + "/build/lab"), 1u);
    EXPECT_EQ(count_prefix(calls, "cmake --build " + repo.root + "/build/lab --target gomap-lab"), 1u);
    EXPECT_NE(r.err.find("building"), std::string::npos) << "the first build says what it is doing";
    EXPECT_TRUE(labtest::file_exists(repo.stamp()));

    // The next calls: no setup, no configure; the build is brought up to date.
    for (int i = 0; i < 2; ++i) {
        r = repo.run({"churn", "--peak=10"});
        ASSERT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.out, "lab: churn --peak=10\n");
        EXPECT_EQ(r.err, "");
        calls = repo.take_calls();
        EXPECT_EQ(count_prefix(calls, "setup"), 0u);
        EXPECT_EQ(count_prefix(calls, "cmake -S"), 0u);
        EXPECT_EQ(count_prefix(calls, "cmake --build"), 1u);
    }

    // setup.sh changed since the stamp (a pull that adds a package): setup again.
    std::filesystem::last_write_time(
        repo.stamp(),
        std::filesystem::last_write_time(repo.root + "/scripts/setup.sh") - std::chrono::hours(1));
    ASSERT_EQ(repo.run({"help"}).status, 0);
    calls = repo.take_calls();
    EXPECT_EQ(count_prefix(calls, "setup"), 1u);
    EXPECT_EQ(count_prefix(calls, "cmake -S"), 1u) << "reconfigured, to find what setup installed";
    ASSERT_EQ(repo.run({"help"}).status, 0);
    EXPECT_EQ(count_prefix(repo.take_calls(), "setup"), 0u);

    // A build tool gone (c++ uninstalled): setup again, which installs it.
    std::filesystem::remove(repo.bin + "/c++");
    r = repo.run({"help"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(count_prefix(repo.take_calls(), "setup"), 1u);
    ASSERT_EQ(repo.run({"help"}).status, 0);
    EXPECT_EQ(count_prefix(repo.take_calls(), "setup"), 0u);

    // The binary gone (the tools are there): rebuilt, without the setup.
    std::filesystem::remove(repo.root + "/build/lab/tools/gomap-lab/gomap-lab");
    r = repo.run({"inspect"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "lab: inspect\n");
    calls = repo.take_calls();
    EXPECT_EQ(count_prefix(calls, "setup"), 0u);
    EXPECT_EQ(count_prefix(calls, "cmake --build"), 1u);
}

// A setup that fails stops the script (the lab is not run) and leaves no
// stamp, so the next call tries the setup again.
TEST(LabScript, AFailedSetupIsTriedAgain) {
    fake_repo repo;
    auto r = repo.run({"seed"}, "SETUP_FAILS=1");
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(r.out, "");
    EXPECT_FALSE(labtest::file_exists(repo.stamp()));
    EXPECT_EQ(count_prefix(repo.take_calls(), "cmake"), 0u) << "nothing is built after a failed setup";
    r = repo.run({"seed"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "lab: seed\n");
    EXPECT_EQ(count_prefix(repo.take_calls(), "setup"), 1u);
    EXPECT_TRUE(labtest::file_exists(repo.stamp()));
}

}  // namespace
