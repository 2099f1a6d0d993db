// gomap-lab — shared pieces: argument parsing and printing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab {

// Thrown for bad command lines; main prints it and exits with status 2.
struct usage_error {
    std::string message;
};

// Parses a non-negative integer argument with an upper bound, or throws usage_error.
std::uint64_t parse_count(std::string_view flag, std::string_view text, std::uint64_t max);

// "584.0 KB" style: bytes in KiB with one decimal, as the article's figures.
std::string kib(std::uint64_t bytes);

int cmd_seed(const std::vector<std::string>& args);

}  // namespace lab
