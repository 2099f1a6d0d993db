// fuzz/map_fuzz.cpp — the libFuzzer entry point for the differential fuzz body
// (map_fuzz.hpp). Built only with clang:
//
//   clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude fuzz/map_fuzz.cpp
//
// scripts/fuzz.sh builds and runs it. At exit it prints what the inputs ran
// (operations, range() visits, resizes), to stderr.
#define GOMAP_FUZZ_DEFINE_BODY
#include "map_fuzz.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {
void print_totals() { gomap_fuzz::print_totals(stderr, gomap_fuzz::totals()); }
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::atexit(print_totals);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    gomap_fuzz_one(data, size);
    return 0;
}
