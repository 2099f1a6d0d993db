// fuzz/map_fuzz.cpp — the libFuzzer entry point for the differential fuzz body
// (map_fuzz.hpp). Built only with clang:
//
//   clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude fuzz/map_fuzz.cpp
//
// scripts/fuzz.sh builds and runs it. At exit it prints what the inputs ran
// (operations, range() visits, resizes), to stderr.
#include "map_fuzz.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {
void print_totals() {
    const auto& t = gomap_fuzz::totals();
    std::fprintf(stderr,
                 "gomap fuzz totals: inputs=%llu ops=%llu map_ops=%llu ops_resizing=%llu ranges=%llu "
                 "range_visits=%llu range_mutations=%llu full_checks=%llu resizes=%llu shrinks=%llu\n",
                 gomap_fuzz::ull(t.inputs), gomap_fuzz::ull(t.ops), gomap_fuzz::ull(t.map_ops),
                 gomap_fuzz::ull(t.ops_resizing), gomap_fuzz::ull(t.ranges), gomap_fuzz::ull(t.range_visits),
                 gomap_fuzz::ull(t.range_mutations), gomap_fuzz::ull(t.full_checks),
                 gomap_fuzz::ull(t.resizes), gomap_fuzz::ull(t.shrinks));
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::atexit(print_totals);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    gomap_fuzz_one(data, size);
    return 0;
}
