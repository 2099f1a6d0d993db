// huge_pages_test — GOMAP_HUGE_PAGES=1 (opt-in, config.hpp): big bucket arrays
// from the standard allocator are advised as huge-page eligible, arrays from
// any other allocator are left alone, and the maps behave the same.
#define GOMAP_HUGE_PAGES 1
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gomap/map.hpp>

namespace {

using u64 = std::uint64_t;

// An allocator gomap knows nothing about (its memory could be anything).
template <class T>
struct plain_allocator {
    using value_type = T;
    plain_allocator() = default;
    template <class U>
    plain_allocator(const plain_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>{}.deallocate(p, n); }
    template <class U>
    bool operator==(const plain_allocator<U>&) const noexcept {
        return true;
    }
};

std::string thp_mode() {
    std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (const char* m : {"always", "madvise", "never"})
        if (s.find(std::string("[") + m + "]") != std::string::npos) return m;
    return "";
}

// The THPeligible field of the mapping that holds address a (/proc/self/smaps).
int thp_eligible(const void* a) {
    std::ifstream f("/proc/self/smaps");
    const auto x = reinterpret_cast<std::uintptr_t>(a);
    bool in = false;
    for (std::string line; std::getline(f, line);) {
        unsigned long lo = 0, hi = 0;
        char dash = 0;
        std::istringstream h(line);
        if (h >> std::hex >> lo >> dash >> hi && dash == '-') {
            in = lo <= x && x < hi;
            continue;
        }
        if (in && line.rfind("THPeligible:", 0) == 0) return std::stoi(line.substr(12));
    }
    return -1;
}

// Fills m with 1M entries (a 38 MiB array) and returns an address 1 MiB into
// its bucket array (begin() is its bucket 0: no resize is left in progress).
template <class Map>
const void* fill(Map& m) {
    for (u64 i = 0; i < 1'000'000; ++i) m[i * 2654435761u] = i;
    EXPECT_FALSE(m.stats().resizing);
    return reinterpret_cast<const char*>(&*m.begin()) + (1 << 20);
}

TEST(HugePages, BigArraysFromTheStandardAllocatorAreAdvised) {
    if (thp_mode() != "madvise") {
        // Under "always" every mapping is eligible and under "never" none is,
        // so the advice cannot be observed; the maps must still work.
        gomap::map<u64, u64> m;
        fill(m);
        EXPECT_EQ(m.size(), 1'000'000u);
        EXPECT_EQ(m.check_invariants(), "");
        GTEST_SKIP() << "THP mode is '" << thp_mode() << "', not 'madvise': the advice is invisible";
    }
    gomap::map<u64, u64> advised;
    gomap::map<u64, u64, gomap::hash<u64>, std::equal_to<u64>, plain_allocator<std::pair<const u64, u64>>> plain;
    const void* a = fill(advised);
    const void* p = fill(plain);
    EXPECT_EQ(1, thp_eligible(a));
    EXPECT_EQ(0, thp_eligible(p));
    gomap::map<u64, u64> small;
    for (u64 i = 0; i < 1000; ++i) small[i] = i;  // 36 KiB: below the 4 MiB floor
    EXPECT_NE(1, thp_eligible(&*small.begin()));
    for (u64 i = 0; i < 1'000'000; ++i) ASSERT_EQ(advised.at(i * 2654435761u), i);
    for (u64 i = 0; i < 1'000'000; ++i) advised.erase(i * 2654435761u);
    EXPECT_EQ(advised.stats().bytes, 0u);
    EXPECT_EQ(advised.check_invariants(), "");
}

}  // namespace
