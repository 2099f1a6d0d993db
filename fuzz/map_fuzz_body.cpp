// The fuzz body, compiled once for the tests that replay it
// (tests/differential_test.cpp, fuzz/replay_test.cpp): see map_fuzz.hpp.
#define GOMAP_FUZZ_DEFINE_BODY
#include "map_fuzz.hpp"
