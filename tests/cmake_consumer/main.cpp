#include <gomap/gomap.hpp>

#include <cstdio>
#include <string>

int main() {
    gomap::map<std::string, int> m;
    m["answer"] = 42;
    gomap::go_map<int, int> g(100);
    g[1] = 2;
    if (m.at("answer") != 42 || g.stats().B != 4) return 1;
    std::puts("consumer ok");
    return 0;
}
