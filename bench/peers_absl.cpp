// absl::flat_hash_map and absl::node_hash_map with absl::Hash (see
// peers_harness.hpp).
#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_map.h>
#include <absl/hash/hash.h>

#include "peers_harness.hpp"

namespace peers {
namespace {
template <class K, class V>
using absl_map = absl::flat_hash_map<K, V, absl::Hash<K>, std::equal_to<K>, alloc<std::pair<const K, V>>>;
template <class K, class V>
using absl_node_map = absl::node_hash_map<K, V, absl::Hash<K>, std::equal_to<K>, alloc<std::pair<const K, V>>>;
}  // namespace

void add_absl(std::vector<entry>& e) {
    add_family<absl_map>(e, "absl::flat_hash_map");
    add_family<absl_node_map>(e, "absl::node_hash_map");
}
}  // namespace peers
