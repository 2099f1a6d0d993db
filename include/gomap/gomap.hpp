// gomap/gomap.hpp — everything: go_map, map, hashing, stats.
#pragma once

#include "hash.hpp"
#include "map.hpp"
#include "stats.hpp"
