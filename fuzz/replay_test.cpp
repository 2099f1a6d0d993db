// fuzz/replay_test.cpp — the differential fuzz body (map_fuzz.hpp) in ctest,
// built with the project's compiler: no libFuzzer needed.
//
//   FuzzReplay.Corpus     every file of fuzz/corpus/ (the committed seed corpus)
//   FuzzReplay.Generated  800 inputs from a fixed seed (16 B .. 4 KiB, mostly
//                         under 320 B), >= 10^6 operations in all (800, not
//                         2000: check_invariants() now runs after every
//                         operation, and the Debug build must stay near a minute)
//   FuzzReplay.Files      the files named in GOMAP_FUZZ_REPLAY (colon-separated),
//                         e.g. a crash file written by scripts/fuzz.sh; skipped
//                         when unset
//
// A divergence traps (the body prints what diverged and the input's name) and
// writes the input to fuzz_replay_failure.bin in the working directory; so do
// the library's fatal errors (abort), traps and sanitizer reports.
//
// Environment: GOMAP_TEST_SCALE (factor, default 1) scales the number of
// generated inputs; GOMAP_FUZZ_ONLY=<n> runs generated input #n alone;
// GOMAP_FUZZ_TRACE=1 prints every operation.
#include "map_fuzz.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#ifndef GOMAP_FUZZ_CORPUS_DIR
#error "GOMAP_FUZZ_CORPUS_DIR must name fuzz/corpus"
#endif

namespace {

namespace fs = std::filesystem;

double test_scale() {
    const char* s = std::getenv("GOMAP_TEST_SCALE");
    if (s == nullptr || *s == '\0') return 1.0;
    const double v = std::strtod(s, nullptr);
    return v > 0 ? v : 1.0;
}

std::vector<std::uint8_t> read_file(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void run_input(const std::vector<std::uint8_t>& d, const std::string& label) {
    gomap_fuzz::input_label() = label.c_str();
    gomap_fuzz_one(d.data(), d.size());
    gomap_fuzz::input_label() = nullptr;
}

// Generated input #i: its own stream, so that any one can be run alone. Sizes
// are log-uniform in 16 B .. 320 B, and in 512 B .. 4 KiB for 5% of inputs
// (bulk operations make a few thousand operations out of a few hundred bytes).
std::vector<std::uint8_t> generated_input(std::uint64_t i) {
    gomap_fuzz::rng r(0x676f6d6170ULL ^ (i * 0xD1B54A32D192ED03ULL));
    const bool large = r.below(100) < 5;
    const double u = static_cast<double>(r.next() >> 11) / 9007199254740992.0;  // [0, 1)
    const auto size = static_cast<std::size_t>(large ? 512.0 * std::pow(8.0, u) : 16.0 * std::pow(20.0, u));
    std::vector<std::uint8_t> d(size);
    for (auto& b : d) b = static_cast<std::uint8_t>(r.next() >> 56);
    // The base work budget (byte 0's high nibble 0): the larger budgets are
    // for tests/differential_test.cpp's long inputs and for libFuzzer.
    if (!d.empty()) d[0] &= 0x0F;
    return d;
}

struct report {
    const char* what;
    gomap_fuzz::totals_t before = gomap_fuzz::totals();
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    std::uint64_t ops() const { return gomap_fuzz::totals().ops - before.ops; }
    void print() const {
        const auto& t = gomap_fuzz::totals();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::cout << "[ fuzz     ] " << what << ": " << (t.inputs - before.inputs) << " inputs, " << ops()
                  << " ops in " << s << " s; totals so far:" << std::endl;
        gomap_fuzz::print_totals(stdout, t);
        std::fflush(stdout);
    }
};

class FuzzReplay : public ::testing::Test {
protected:
    void SetUp() override {
        gomap_fuzz::dump_path() = "fuzz_replay_failure.bin";
        gomap_fuzz::trace() = std::getenv("GOMAP_FUZZ_TRACE") != nullptr;
        gomap_fuzz::install_crash_dump();
    }
};

TEST_F(FuzzReplay, Corpus) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(GOMAP_FUZZ_CORPUS_DIR))
        if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    ASSERT_GE(files.size(), 30u) << "the seed corpus " << GOMAP_FUZZ_CORPUS_DIR << " is missing files";
    report rep{"corpus"};
    for (const auto& f : files) run_input(read_file(f), f.string());
    rep.print();
}

TEST_F(FuzzReplay, Generated) {
    if (const char* only = std::getenv("GOMAP_FUZZ_ONLY"); only != nullptr && *only != '\0') {
        const std::uint64_t i = std::strtoull(only, nullptr, 0);
        run_input(generated_input(i), "generated input #" + std::to_string(i));
        return;
    }
    const auto n = static_cast<std::uint64_t>(800 * test_scale());
    report rep{"generated"};
    for (std::uint64_t i = 0; i < n; ++i)
        run_input(generated_input(i), "generated input #" + std::to_string(i) +
                                          " (GOMAP_FUZZ_ONLY=" + std::to_string(i) + " runs it alone)");
    rep.print();
    if (test_scale() >= 1) {
        EXPECT_GE(rep.ops(), 1000000u);
    }
}

TEST_F(FuzzReplay, Files) {
    const char* env = std::getenv("GOMAP_FUZZ_REPLAY");
    if (env == nullptr || *env == '\0') GTEST_SKIP() << "GOMAP_FUZZ_REPLAY is not set";
    const std::string list = env;
    report rep{"GOMAP_FUZZ_REPLAY"};
    for (std::size_t a = 0; a <= list.size();) {
        std::size_t b = list.find(':', a);
        if (b == std::string::npos) b = list.size();
        if (b > a) {
            const fs::path p = list.substr(a, b - a);
            ASSERT_TRUE(fs::is_regular_file(p)) << p;
            run_input(read_file(p), p.string());
        }
        a = b + 1;
    }
    rep.print();
}

}  // namespace
