// peers_bench — gomap::map, gomap::go_map and the C++ maps a user would pick
// today, on the same work: insert (without and with reserve), find-hit,
// find-miss, iterate, erase, erase+insert churn; bytes held. The workloads and
// the data are described in peers_harness.hpp; bench/go/main.go runs the same
// on the real Go map. One invocation is one repetition (scripts/bench-all.sh
// runs R of them, interleaved with the Go program, and bench/report.py takes
// the medians).
//
//   peers_bench [--sizes 1000,100000,1000000,10000000] [--types u64->u64,...]
//               [--maps gomap::map,...] [--max-n-others 1000000]
//               [--min-ops 1000000] [--rep I] [--json FILE] [--list]
//
// --max-n-others: key/value types other than u64->u64 skip the sizes above it
// (by default, 10M runs for u64->u64 only, to keep the full run short).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "peers_harness.hpp"

namespace {

using namespace peers;

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> v;
    std::size_t b = 0;
    while (b <= s.size()) {
        std::size_t e = s.find(',', b);
        if (e == std::string::npos) e = s.size();
        if (e > b) v.push_back(s.substr(b, e - b));
        b = e + 1;
    }
    return v;
}

bool listed(const std::vector<std::string>& filter, const std::string& name) {
    if (filter.empty()) return true;
    for (const auto& f : filter)
        if (f == name) return true;
    return false;
}

std::string json_string(const std::string& s) {
    std::string r = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') r.push_back('\\');
        r.push_back(c);
    }
    return r + "\"";
}

std::string json_bytes(long long b) { return b < 0 ? "null" : std::to_string(b); }

void write_json(std::FILE* f, const config& cfg, const std::vector<std::size_t>& sizes,
                const std::vector<record>& recs) {
    std::fprintf(f, "{\"schema\": \"gomap-bench/1\", \"program\": \"peers_bench\", \"lang\": \"c++\",\n");
    std::fprintf(f, " \"context\": {\"compiler\": %s, \"rep\": %d, \"min_ops\": %zu, \"sizes\": [",
                 json_string(__VERSION__).c_str(), cfg.rep, cfg.min_ops);
    for (std::size_t i = 0; i < sizes.size(); ++i) std::fprintf(f, "%s%zu", i ? ", " : "", sizes[i]);
    std::fprintf(f, "]},\n \"records\": [\n");
    for (std::size_t i = 0; i < recs.size(); ++i) {
        const record& r = recs[i];
        std::fprintf(f, "  {\"map\": %s, \"types\": %s, \"n\": %zu, \"workload\": %s, \"rep\": %d",
                     json_string(r.map).c_str(), json_string(r.types).c_str(), r.n, json_string(r.workload).c_str(),
                     r.rep);
        if (r.workload == "memory")
            std::fprintf(f,
                         ", \"peak_bytes\": %s, \"built_bytes\": %s, \"reserve_bytes\": %s, \"churn_bytes\": %s, "
                         "\"final_bytes\": %s}",
                         json_bytes(r.peak).c_str(), json_bytes(r.built).c_str(), json_bytes(r.reserved).c_str(),
                         json_bytes(r.churned).c_str(), json_bytes(r.final_).c_str());
        else
            std::fprintf(f, ", \"ns_per_op\": %.3f, \"ops\": %zu}", r.ns_per_op, r.ops);
        std::fprintf(f, "%s\n", i + 1 < recs.size() ? "," : "");
    }
    std::fprintf(f, " ]}\n");
}

// One line per map on stderr while the run goes.
void progress(const std::vector<record>& recs, std::size_t from) {
    const record& first = recs[from];
    std::fprintf(stderr, "%-10s n=%-9zu %-26s", first.types.c_str(), first.n, first.map.c_str());
    for (std::size_t i = from; i < recs.size(); ++i) {
        const record& r = recs[i];
        if (r.workload == "memory")
            std::fprintf(stderr, " | built %.1f MiB, final %.1f MiB", double(r.built) / 1048576.0,
                         double(r.final_) / 1048576.0);
        else
            std::fprintf(stderr, " %s %.1f", r.workload.c_str(), r.ns_per_op);
    }
    std::fprintf(stderr, "\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes{1000, 100000, 1000000, 10000000};
    std::vector<std::string> type_filter, map_filter;
    std::size_t max_n_others = 1000000;
    config cfg;
    const char* json = nullptr;
    bool list = false;
    for (int i = 1; i < argc; ++i) {
        auto arg = [&](const char* name) { return !std::strcmp(argv[i], name) && i + 1 < argc; };
        if (arg("--sizes")) {
            sizes.clear();
            for (const auto& s : split(argv[++i])) sizes.push_back(std::strtoull(s.c_str(), nullptr, 10));
        } else if (arg("--types")) {
            type_filter = split(argv[++i]);
        } else if (arg("--maps")) {
            map_filter = split(argv[++i]);
        } else if (arg("--max-n-others")) {
            max_n_others = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg("--min-ops")) {
            cfg.min_ops = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg("--rep")) {
            cfg.rep = std::atoi(argv[++i]);
        } else if (arg("--json")) {
            json = argv[++i];
        } else if (!std::strcmp(argv[i], "--list")) {
            list = true;
        } else {
            std::fprintf(stderr,
                         "usage: peers_bench [--sizes LIST] [--types LIST] [--maps LIST] [--max-n-others N]\n"
                         "                   [--min-ops N] [--rep I] [--json FILE] [--list]\n");
            return 2;
        }
    }
    for (std::size_t n : sizes)
        if (n == 0) {
            std::fprintf(stderr, "peers_bench: sizes must be positive\n");
            return 2;
        }

    std::vector<entry> all;
    add_gomap(all);
    add_std(all);
#if GOMAP_BENCH_HAVE_ABSL
    add_absl(all);
#endif
#if GOMAP_BENCH_HAVE_BOOST
    add_boost(all);
#endif
#if GOMAP_BENCH_HAVE_TSL
    add_tsl(all);
#endif
    if (list) {
        for (const auto& e : all)
            if (e.t == types::u64_u64) std::printf("%s\n", e.map.c_str());
        return 0;
    }

    std::vector<record> recs;
    const types order[] = {types::u64_u64, types::u64_v24, types::str15_u64, types::str40_u64};
    for (std::size_t n : sizes) {
        for (types t : order) {
            if (!listed(type_filter, types_name(t))) continue;
            if (t != types::u64_u64 && n > max_n_others) continue;
            std::vector<const entry*> es;
            for (const auto& e : all)
                if (e.t == t && listed(map_filter, e.map)) es.push_back(&e);
            if (es.empty()) continue;
            // Start with a different map in each repetition, so that no map
            // always runs first (cold) or right after the same neighbour.
            std::rotate(es.begin(), es.begin() + static_cast<std::ptrdiff_t>(std::size_t(cfg.rep) % es.size()),
                        es.end());
            dataset<u64> du;
            dataset<std::string> ds;
            const void* d;
            if (string_keys(t)) {
                ds = make_dataset<std::string>(t, n, cfg.min_ops);
                d = &ds;
            } else {
                du = make_dataset<u64>(t, n, cfg.min_ops);
                d = &du;
            }
            for (const entry* e : es) {
                const std::size_t from = recs.size();
                e->fn(d, cfg, recs);
                progress(recs, from);
            }
        }
    }

    if (json) {
        std::FILE* f = std::fopen(json, "w");
        if (!f) {
            std::fprintf(stderr, "peers_bench: cannot write %s\n", json);
            return 1;
        }
        write_json(f, cfg, sizes, recs);
        if (std::fclose(f) != 0) return 1;
    } else {
        write_json(stdout, cfg, sizes, recs);
    }
    return 0;
}
