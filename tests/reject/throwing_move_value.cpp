// Must not compile (yet): a value type whose move constructor may throw.
// gomap::map moves entries when it resizes and promises the strong guarantee;
// docs/design.md and README say so.
// expect: nothrow move constructible
#include <gomap/gomap.hpp>

struct throwing_move {
    throwing_move() = default;
    throwing_move(const throwing_move&) = default;
    throwing_move(throwing_move&&) noexcept(false) {}
};

int main() {
    gomap::map<int, throwing_move> m;
    m[1];
    return static_cast<int>(m.size());
}
