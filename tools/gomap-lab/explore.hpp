// gomap-lab explore — the page: one self-contained HTML file (explore_page.cpp)
// around the recording explore.cpp makes.
#pragma once

#include <string>

namespace lab {

struct page {
    std::string title;         // the <title> and the heading
    std::string caption;       // one sentence under it: what ran
    std::string timeline_svg;  // the bytes-held plot, with a cursor (#tl-cursor)
    std::string data_json;     // the recording, read by the page's script
};

// The whole page: HTML, CSS and the script that draws a step from data_json.
std::string render_page(const page& p);

}  // namespace lab
