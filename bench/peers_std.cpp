// std::unordered_map with std::hash (see peers_harness.hpp).
#include <unordered_map>

#include "peers_harness.hpp"

namespace peers {
namespace {
template <class K, class V>
using std_map = std::unordered_map<K, V, std::hash<K>, std::equal_to<K>, alloc<std::pair<const K, V>>>;
}  // namespace

void add_std(std::vector<entry>& e) { add_family<std_map>(e, "std::unordered_map"); }
}  // namespace peers
