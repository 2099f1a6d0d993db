// boost::unordered_flat_map with boost::hash (see peers_harness.hpp).
#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include "peers_harness.hpp"

namespace peers {
namespace {
template <class K, class V>
using boost_map = boost::unordered_flat_map<K, V, boost::hash<K>, std::equal_to<K>, alloc<std::pair<const K, V>>>;
}  // namespace

void add_boost(std::vector<entry>& e) { add_family<boost_map>(e, "boost::unordered_flat_map"); }
}  // namespace peers
