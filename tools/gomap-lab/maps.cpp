// gomap-lab — the registry of maps (maps.hpp). One entry per map.
#include <functional>
#include <gomap/hash.hpp>
#include <gomap/map.hpp>
#include <gomap/safe_map.hpp>
#include <string>
#include <unordered_map>
#include <vector>
#if GOMAP_LAB_HAVE_ABSL
#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_map.h>
#endif
#if GOMAP_LAB_HAVE_BOOST
#include <boost/unordered/unordered_flat_map.hpp>
#endif

#include "lab.hpp"
#include "maps.hpp"

namespace lab {

template <template <class...> class Map, class Hash>
using u64_map = Map<u64, u64, Hash, std::equal_to<u64>, counting_alloc>;

const std::vector<map_kind>& map_registry() {
    // To add a map: one line here (and its header above). std-style maps
    // (emplace/erase) and Go-style ones (set/del, like safe_map) both work.
    // safe_map is dashed: it runs gomap::map inside, and their lines coincide.
    static const std::vector<map_kind> kinds = {
        {"go_map", "gomap::go_map", "#d62728", "", make_map<u64_map<gomap::go_map, gomap::hash<u64>>>},
        {"map", "gomap::map", "#2ca02c", "", make_map<u64_map<gomap::map, gomap::hash<u64>>>},
        {"node_map", "gomap::node_map", "#17becf", "", make_map<u64_map<gomap::node_map, gomap::hash<u64>>>},
        {"safe_map", "gomap::safe_map", "#8c564b", "7,4",
         make_map<u64_map<gomap::safe_map, gomap::hash<u64>>>},
        {"gozero_safe_map", "gomap::gozero_safe_map", "#e377c2", "",
         make_map<u64_map<gomap::gozero_safe_map, gomap::hash<u64>>>},
        {"std", "std::unordered_map", "#1f77b4", "", make_map<u64_map<std::unordered_map, std::hash<u64>>>},
#if GOMAP_LAB_HAVE_ABSL
        {"absl", "absl::flat_hash_map", "#ff7f0e", "",
         make_map<u64_map<absl::flat_hash_map, absl::Hash<u64>>>},
        {"absl_node", "absl::node_hash_map", "#bcbd22", "",
         make_map<u64_map<absl::node_hash_map, absl::Hash<u64>>>},
#endif
#if GOMAP_LAB_HAVE_BOOST
        {"boost", "boost::unordered_flat_map", "#9467bd", "",
         make_map<u64_map<boost::unordered_flat_map, boost::hash<u64>>>},
#endif
    };
    return kinds;
}

std::vector<std::string> maps_not_built() {
    std::vector<std::string> out;
#if !GOMAP_LAB_HAVE_ABSL
    out.push_back("absl (Abseil was not found when gomap-lab was configured; Debian: libabsl-dev)");
#endif
#if !GOMAP_LAB_HAVE_BOOST
    out.push_back(
        "boost (Boost >= 1.81 was not found when gomap-lab was configured; Debian: libboost1.81-dev)");
#endif
    return out;
}

std::vector<const map_kind*> select_maps(std::string_view flag, std::string_view list) {
    const auto& all = map_registry();
    std::vector<const map_kind*> chosen;
    if (list == "all") {
        for (const auto& k : all) chosen.push_back(&k);
        return chosen;
    }
    std::string known;
    for (const auto& k : all) known += (known.empty() ? "" : ", ") + std::string(k.id);
    while (true) {
        const auto comma = list.find(',');
        const std::string_view id = list.substr(0, comma);
        const map_kind* found = nullptr;
        for (const auto& k : all)
            if (k.id == id) found = &k;
        if (found == nullptr) {
            std::string msg = std::string(flag) + ": unknown map '" + std::string(id) +
                              "' (this build knows: " + known + ", or all)";
            for (const auto& missing : maps_not_built())
                if (missing.rfind(std::string(id) + " ", 0) == 0) msg += "; not built in: " + missing;
            throw usage_error{msg};
        }
        for (const auto* c : chosen)
            if (c == found)
                throw usage_error{std::string(flag) + ": map '" + std::string(id) + "' listed twice"};
        chosen.push_back(found);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return chosen;
}

}  // namespace lab
