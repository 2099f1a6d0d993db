// faces.hpp — the map types the std-interface tests run through the same
// checks: std::unordered_map (the control) and gomap's three faces.
// face<M>::type<K, V, H, A> names M with std::equal_to<K>.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>
#include <utility>

#include <gomap/gomap.hpp>
#include <gtest/gtest.h>

namespace gomap_test {

template <template <class...> class M>
struct face {
    template <class K, class V, class H = std::hash<K>, class A = std::allocator<std::pair<const K, V>>>
    using type = M<K, V, H, std::equal_to<K>, A>;
};
using StdAndGomapFaces =
    ::testing::Types<face<std::unordered_map>, face<gomap::map>, face<gomap::go_map>, face<gomap::node_map>>;

}  // namespace gomap_test
