// tsl::hopscotch_map with its default hash, std::hash (see peers_harness.hpp).
// Its allocator's value_type is std::pair<K, V> (not const K).
#include <tsl/hopscotch_map.h>

#include "peers_harness.hpp"

namespace peers {
namespace {
template <class K, class V>
using tsl_map = tsl::hopscotch_map<K, V, std::hash<K>, std::equal_to<K>, alloc<std::pair<K, V>>>;
}  // namespace

void add_tsl(std::vector<entry>& e) { add_family<tsl_map>(e, "tsl::hopscotch_map"); }
}  // namespace peers
