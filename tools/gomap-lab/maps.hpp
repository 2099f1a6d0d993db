// gomap-lab — the maps a memory experiment runs on, as one small registry.
//
// Every map holds uint64 -> uint64 and allocates through a
// gomap::counting_allocator pointing at its own allocation_counter, so that
// "bytes held" means the same thing for every map: what its allocator handed
// out and has not got back. A map is added to every experiment with one entry
// in map_registry() (maps.cpp).
#pragma once

#include <cstdint>
#include <gomap/stats.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace lab {

using u64 = std::uint64_t;
using counting_alloc = gomap::counting_allocator<std::pair<const u64, u64>>;

// The operations an experiment needs, behind one interface so that each
// workload is written once for every map.
class map_under_test {
public:
    virtual ~map_under_test() = default;
    virtual void insert(u64 key, u64 value) = 0;
    virtual void erase(u64 key) = 0;
    virtual std::size_t size() const = 0;
};

// The adapter for a map type: std-style maps (emplace/erase, constructed from
// a bucket count, hasher, key_equal and allocator) and Go-style ones
// (set/del, constructed from an allocator, like gomap::safe_map).
template <class Map>
class map_adapter final : public map_under_test {
public:
    explicit map_adapter(gomap::allocation_counter* counter) : m_(make(counter)) {}
    void insert(u64 key, u64 value) override {
        if constexpr (requires(Map & m) { m.emplace(key, value); })
            m_.emplace(key, value);
        else
            m_.set(key, value);
    }
    void erase(u64 key) override {
        if constexpr (requires(Map & m) { m.erase(key); })
            m_.erase(key);
        else
            m_.del(key);
    }
    std::size_t size() const override { return m_.size(); }

private:
    static Map make(gomap::allocation_counter* counter) {
        using H = typename Map::hasher;
        using E = typename Map::key_equal;
        if constexpr (std::is_constructible_v<Map, std::size_t, H, E, counting_alloc>)
            return Map(0, H(), E(), counting_alloc(counter));
        else
            return Map(counting_alloc(counter));
    }
    Map m_;
};

struct map_kind {
    std::string_view id;      // its name on the command line (--maps)
    std::string_view label;   // its name in tables, CSV columns and legends
    std::string_view colour;  // its line in plots
    std::string_view dash;    // "" for a solid line, or an SVG dash pattern ("7,4")
    std::unique_ptr<map_under_test> (*make)(gomap::allocation_counter*);
};

template <class Map>
std::unique_ptr<map_under_test> make_map(gomap::allocation_counter* counter) {
    return std::make_unique<map_adapter<Map>>(counter);
}

// Every map this build of gomap-lab knows, in the order experiments list them.
const std::vector<map_kind>& map_registry();
// Maps that exist but were not built in, with the reason ("absl: ...").
std::vector<std::string> maps_not_built();
// Parses --maps: comma-separated ids, or "all". usage_error for an unknown id.
std::vector<const map_kind*> select_maps(std::string_view flag, std::string_view list);

}  // namespace lab
