// gomap/gomap.hpp — everything: go_map, map, safe_map, concurrent_map, hashing, stats.
#pragma once

#include "hash.hpp"
#include "map.hpp"
#include "safe_map.hpp"
#include "concurrent_map.hpp"
#include "stats.hpp"
