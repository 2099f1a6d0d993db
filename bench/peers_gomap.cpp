// gomap::map, gomap::node_map and gomap::go_map with gomap::hash (see
// peers_harness.hpp).
#include <gomap/gomap.hpp>

#include "peers_harness.hpp"

namespace peers {
namespace {
template <class K, class V>
using gomap_map = gomap::map<K, V, gomap::hash<K>, std::equal_to<K>, alloc<std::pair<const K, V>>>;
template <class K, class V>
using gomap_node_map = gomap::node_map<K, V, gomap::hash<K>, std::equal_to<K>, alloc<std::pair<const K, V>>>;
template <class K, class V>
using gomap_go_map = gomap::go_map<K, V, gomap::hash<K>, std::equal_to<K>, alloc<std::pair<const K, V>>>;
}  // namespace

void add_gomap(std::vector<entry>& e) {
    add_family<gomap_map>(e, "gomap::map");
    add_family<gomap_node_map>(e, "gomap::node_map");
    add_family<gomap_go_map>(e, "gomap::go_map");
}
}  // namespace peers
