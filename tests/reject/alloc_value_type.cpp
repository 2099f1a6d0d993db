// Must not compile: an allocator whose value_type is not the map's value_type
// (std::pair<const K, V>). The test passes when the compiler prints the
// library's message (tests/CMakeLists.txt, "reject_").
// expect: the allocator's value_type must be std::pair<const K, V>
#include <gomap/gomap.hpp>

#include <memory>
#include <utility>

int main() {
    gomap::map<int, int, gomap::hash<int>, std::equal_to<int>, std::allocator<std::pair<int, int>>> m;
    return static_cast<int>(m.size());
}
