#!/usr/bin/env python3
"""bench/report.py - the benchmark run's machine description, merged JSON,
tables and SVG plots. Python 3 standard library only (no matplotlib).

scripts/bench-all.sh calls it three times:

  report.py machine --build DIR [--go GO] --out FILE
      what the run ran on: CPU model, cores, memory, kernel, THP, compiler and
      flags (from DIR/CMakeCache.txt), Go, the peers' Debian versions, gomap's
      commit, load average.
  report.py merge --machine FILE --mode quick|full --reps R --started T
                  --out RESULTS PART.json...
      one JSON file: the machine, the run's settings, and every program's
      output (peers_bench, go_bench peers, random_access, memory_latency,
      go_bench latency; one part per repetition).
  report.py render RESULTS --template docs/benchmarks.md --md OUT.md --img DIR
      medians over the repetitions, ratios against gomap::map, the targets of
      marked met/missed, written between the markers
      <!-- BEGIN GENERATED --> and <!-- END GENERATED --> of the template
      (everything outside them is kept), and the plots as DIR/bench-*.svg.
"""

import argparse
import datetime
import html
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys

BEGIN = "<!-- BEGIN GENERATED -->"
END = "<!-- END GENERATED -->"

MAPS = ["gomap::map", "gomap::node_map", "gomap::go_map", "Go map", "absl::flat_hash_map",
        "absl::node_hash_map", "boost::unordered_flat_map", "tsl::hopscotch_map", "std::unordered_map"]
SHORT = {"gomap::map": "gomap::map", "gomap::node_map": "gomap::node_map", "gomap::go_map": "gomap::go_map",
         "Go map": "Go 1.19 map", "absl::flat_hash_map": "absl flat", "absl::node_hash_map": "absl node",
         "boost::unordered_flat_map": "boost flat", "tsl::hopscotch_map": "tsl hopscotch",
         "std::unordered_map": "std::unordered"}
COLORS = {"gomap::map": "#d62728", "gomap::node_map": "#e377c2", "gomap::go_map": "#ff7f0e", "Go map": "#17becf",
          "absl::flat_hash_map": "#1f77b4", "absl::node_hash_map": "#bcbd22", "boost::unordered_flat_map": "#2ca02c",
          "tsl::hopscotch_map": "#9467bd", "std::unordered_map": "#7f7f7f"}
TYPES = ["u64->u64", "u64->v24", "str15->u64", "str40->u64"]
TYPE_TITLE = {"u64->u64": "uint64 → uint64", "u64->v24": "uint64 → 24-byte struct",
              "str15->u64": "std::string key, 11–15 chars (SSO) → uint64",
              "str40->u64": "std::string key, 40 chars (heap) → uint64"}
WORKLOADS = ["insert", "insert_reserve", "find_hit", "find_miss", "erase", "iterate", "churn"]
WL_TITLE = {"insert": "insert", "insert_reserve": "insert, reserved", "find_hit": "find hit",
            "find_miss": "find miss", "erase": "erase", "iterate": "iterate (per entry)",
            "churn": "churn (per erase+insert)"}
BASE = "gomap::map"


# ---------------------------------------------------------------- machine

def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _bracketed(s):
    m = re.search(r"\[(\w+)\]", s)
    return m.group(1) if m else s.strip()


def machine(args):
    cpu = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.*)$", cpu, re.M)
    flags = re.search(r"^flags\s*:\s*(.*)$", cpu, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    cache = {}
    for line in _read(os.path.join(args.build, "CMakeCache.txt")).splitlines():
        m = re.match(r"^([A-Za-z_]+):[A-Z]+=(.*)$", line)
        if m:
            cache[m.group(1)] = m.group(2)
    btype = cache.get("CMAKE_BUILD_TYPE", "")
    cxx = cache.get("CMAKE_CXX_COMPILER", "c++")
    cxxflags = " ".join(x for x in [cache.get("CMAKE_CXX_FLAGS_" + btype.upper(), ""),
                                    cache.get("CMAKE_CXX_FLAGS", "")] if x)
    peers = {}
    for pkg in ["libabsl-dev", "libboost1.81-dev", "libtsl-hopscotch-map-dev", "libbenchmark-dev"]:
        v = _run(["dpkg-query", "-W", "-f=${Version}", pkg])
        if v:
            peers[pkg] = v
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    commit = _run(["git", "-C", root, "rev-parse", "--short=12", "HEAD"])
    dirty = _run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"])
    caches = []
    for i in range(8):
        d = f"/sys/devices/system/cpu/cpu0/cache/index{i}"
        level, kind, size = _read(d + "/level").strip(), _read(d + "/type").strip(), _read(d + "/size").strip()
        if level and kind != "Instruction":
            caches.append(f"L{level}{'d' if kind == 'Data' else ''} {size}")
    out = {
        "cpu": model.group(1).strip() if model else platform.processor(),
        "caches": ", ".join(caches),
        "cpu_flags": sorted(f for f in (flags.group(1).split() if flags else [])
                            if f in ("avx2", "avx512f", "bmi2", "sse4_2", "hypervisor")),
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem.group(1)) / 1048576, 1) if mem else None,
        "kernel": platform.release(),
        "thp_enabled": _bracketed(_read("/sys/kernel/mm/transparent_hugepage/enabled")),
        "thp_defrag": _bracketed(_read("/sys/kernel/mm/transparent_hugepage/defrag")),
        "compiler": (_run([cxx, "--version"]).splitlines() or [cxx])[0],
        "build_type": btype,
        "cxx_flags": cxxflags,
        "go": _run([args.go, "version"]) if args.go else "",
        "peers": peers,
        "gomap_commit": commit + ("+uncommitted" if dirty else ""),
        "loadavg": _read("/proc/loadavg").split()[:3],
        "hostname": platform.node(),
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)


# ---------------------------------------------------------------- merge

def merge(args):
    with open(args.machine) as f:
        mach = json.load(f)
    parts = []
    for p in args.parts:
        with open(p) as f:
            parts.append(json.load(f))
    finished = datetime.datetime.now().astimezone()
    started = datetime.datetime.fromisoformat(args.started)
    mach["loadavg_end"] = _read("/proc/loadavg").split()[:3]
    out = {"schema": "gomap-bench-run/1", "mode": args.mode, "reps": args.reps,
           "started": args.started, "finished": finished.isoformat(timespec="seconds"),
           "elapsed_s": round((finished - started).total_seconds()), "settings": args.settings or "",
           "machine": mach, "parts": parts}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")


# ---------------------------------------------------------------- aggregation

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


class Data:
    def __init__(self, run):
        self.run = run
        self.times = {}    # (map, types, n, workload) -> [ns]
        self.mem = {}      # (map, types, n) -> {field: [bytes]}
        self.probe = {}    # workload -> [ns]
        self.probe_bytes = None
        self.lat = {}      # map -> [map dict per rep]
        self.lat_ctx = None
        for p in run["parts"]:
            prog = p.get("program")
            if prog in ("peers_bench", "go_bench"):
                for r in p["records"]:
                    if r["workload"] == "memory":
                        d = self.mem.setdefault((r["map"], r["types"], r["n"]), {})
                        for k in ("peak_bytes", "built_bytes", "reserve_bytes", "churn_bytes", "final_bytes"):
                            d.setdefault(k, []).append(r.get(k))
                    else:
                        self.times.setdefault((r["map"], r["types"], r["n"], r["workload"]), []).append(
                            r["ns_per_op"])
            elif prog == "random_access":
                for r in p["records"]:
                    self.probe.setdefault(r["workload"], []).append(r["ns_per_op"])
                    self.probe_bytes = r["bytes"]
            elif prog in ("memory_latency", "go_latency"):
                self.lat_ctx = self.lat_ctx or p["context"]
                for m in p["maps"]:
                    self.lat.setdefault(m["map"], []).append(m)
        self.maps = [m for m in MAPS if any(k[0] == m for k in self.times)]
        self.maps += sorted({k[0] for k in self.times} - set(self.maps))
        self.sizes = sorted({k[2] for k in self.times})

    def t(self, m, ty, n, w):
        return med(self.times.get((m, ty, n, w), []))

    def nreps(self, m, ty, n, w):
        return len(self.times.get((m, ty, n, w), []))

    def m(self, m, ty, n, field):
        return med(self.mem.get((m, ty, n), {}).get(field, []))

    def sizes_for(self, ty):
        return sorted({k[2] for k in self.times if k[1] == ty})

    def lat_field(self, m, field):
        return med([r.get(field) for r in self.lat.get(m, [])])

    def lat_q(self, m, op, q):
        return med([r["latency"][op].get(q) for r in self.lat.get(m, [])])

    def lat_hist(self, m, op):
        h = {}
        for r in self.lat.get(m, []):
            for lo, c in r["latency"][op]["hist"]:
                h[lo] = h.get(lo, 0) + c
        return sorted(h.items())


# ---------------------------------------------------------------- formatting

def fmt_ns(x):
    if x is None:
        return "–"
    return f"{x:.1f}" if x < 100 else f"{x:.0f}"


def fmt_n(n):
    for div, suf in ((1000000, "M"), (1000, "K")):
        if n >= div and n % div == 0:
            return f"{n // div}{suf}"
    return str(n)


def fmt_mib(b):
    if b is None:
        return "–"
    v = b / 1048576
    return f"{v:.3f}" if v < 1 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def fmt_us(ns):
    if ns is None:
        return "–"
    us = ns / 1000
    return f"{us:,.1f} µs" if us < 1000 else f"{us / 1000:,.1f} ms"


def fmt_x(r):
    return "–" if r is None else f"{r:.2f}×"


# ---------------------------------------------------------------- svg

class Svg:
    def __init__(self, w, h):
        self.w, self.h, self.items = w, h, []

    def add(self, s):
        self.items.append(s)

    def text(self, x, y, s, size=11, anchor="start", weight="normal", color="#222", rotate=None):
        tr = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate else ""
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                 f'font-weight="{weight}" fill="{color}"{tr}>{html.escape(str(s))}</text>')

    def line(self, x1, y1, x2, y2, color="#ccc", width=1, dash=None):
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
                 f'stroke-width="{width}"{d}/>')

    def poly(self, pts, color, width=1.5, dots=False):
        if not pts:
            return
        self.add('<polyline fill="none" stroke="%s" stroke-width="%s" points="%s"/>' % (
            color, width, " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)))
        if dots:
            for x, y in pts:
                self.add(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>')

    def rect(self, x, y, w, h, color):
        self.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{color}"/>')

    def save(self, path):
        with open(path, "w") as f:
            f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" height="{self.h}" '
                    f'viewBox="0 0 {self.w} {self.h}" font-family="sans-serif">\n')
            f.write(f'<rect width="{self.w}" height="{self.h}" fill="white"/>\n')
            f.write("\n".join(self.items))
            f.write("\n</svg>\n")


def nice_log_ticks(lo, hi):
    ticks = []
    e = math.floor(math.log10(lo))
    while 10 ** e <= hi * 1.0001:
        for m in (1, 2, 5):
            v = m * 10 ** e
            if lo * 0.9999 <= v <= hi * 1.0001:
                ticks.append(v)
        e += 1
    return ticks


def nice_lin_ticks(lo, hi, n=5):
    if hi <= lo:
        return [lo]
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for m in (1, 2, 5, 10):
        if (hi - lo) / (step * m) <= n:
            step *= m
            break
    v = math.ceil(lo / step) * step
    out = []
    while v <= hi + 1e-9:
        out.append(v)
        v += step
    return out


def tick_label(v):
    if v >= 1e9:
        return f"{v / 1e9:g}G"
    if v >= 1e6:
        return f"{v / 1e6:g}M"
    if v >= 1e3:
        return f"{v / 1e3:g}K"
    return f"{v:g}"


class Panel:
    """One chart area inside an Svg: axes, grid, series."""

    def __init__(self, svg, x, y, w, h, xr, yr, xlog=True, ylog=True, title="", xlabel="", ylabel="",
                 xfmt=tick_label, yfmt=tick_label):
        self.s, self.x, self.y, self.w, self.h = svg, x, y, w, h
        self.xr, self.yr, self.xlog, self.ylog = xr, yr, xlog, ylog
        s = svg
        s.rect(x, y, w, h, "#fafafa")
        xt = nice_log_ticks(*xr) if xlog else nice_lin_ticks(*xr)
        yt = nice_log_ticks(*yr) if ylog else nice_lin_ticks(*yr)
        if ylog and len(yt) > 8:
            yt = [v for v in yt if str(v).lstrip("0.").startswith("1") or math.log10(v).is_integer()]
        if xlog and len(xt) > 8:
            yt_x = [v for v in xt if math.log10(v).is_integer()]
            xt = yt_x or xt
        for v in yt:
            py = self.py(v)
            s.line(x, py, x + w, py, "#e2e2e2")
            s.text(x - 4, py + 3.5, yfmt(v), 9, "end", color="#555")
        for v in xt:
            px = self.px(v)
            s.line(px, y, px, y + h, "#e2e2e2")
            s.text(px, y + h + 12, xfmt(v), 9, "middle", color="#555")
        s.line(x, y + h, x + w, y + h, "#888")
        s.line(x, y, x, y + h, "#888")
        if title:
            s.text(x + w / 2, y - 6, title, 12, "middle", "bold")
        if xlabel:
            s.text(x + w / 2, y + h + 26, xlabel, 10, "middle", color="#444")
        if ylabel:
            s.text(x - 38, y + h / 2, ylabel, 10, "middle", color="#444", rotate=-90)

    def _f(self, v, r, log):
        if log:
            return (math.log10(v) - math.log10(r[0])) / (math.log10(r[1]) - math.log10(r[0]))
        return (v - r[0]) / (r[1] - r[0]) if r[1] != r[0] else 0.5

    def px(self, v):
        return self.x + self.w * min(max(self._f(v, self.xr, self.xlog), 0), 1)

    def py(self, v):
        return self.y + self.h * (1 - min(max(self._f(v, self.yr, self.ylog), 0), 1))

    def series(self, pts, color, width=1.5, dots=False):
        self.s.poly([(self.px(a), self.py(b)) for a, b in pts], color, width, dots)


def legend(svg, x, y, maps, cols=4, colw=150):
    for i, m in enumerate(maps):
        cx, cy = x + (i % cols) * colw, y + (i // cols) * 16
        svg.line(cx, cy - 4, cx + 18, cy - 4, COLORS.get(m, "#000"), 3 if m == BASE else 2)
        svg.text(cx + 23, cy, SHORT.get(m, m), 11)


def log_range(vals, pad=1.25):
    vals = [v for v in vals if v and v > 0]
    if not vals:
        return (1, 10)
    lo, hi = min(vals) / pad, max(vals) * pad
    return (10 ** math.floor(math.log10(lo)) if hi / lo > 30 else lo, hi)


def plot_throughput(d, ty, path, note):
    sizes = d.sizes_for(ty)
    maps = [m for m in d.maps if any(d.t(m, ty, n, "insert") for n in sizes)]
    cols, pw, ph = 4, 210, 170
    W = 60 + cols * (pw + 60)
    rows = math.ceil(len(WORKLOADS) / cols)
    H = 70 + rows * (ph + 70)
    s = Svg(W, H)
    s.text(W / 2, 22, f"Throughput vs size, {TYPE_TITLE[ty]} (million operations per second, higher is better)",
           14, "middle", "bold")
    if note:
        s.text(W / 2, 40, note, 11, "middle", color="#b00")
    xr = (min(sizes) / 1.5, max(sizes) * 1.5) if len(sizes) > 1 else (sizes[0] / 3, sizes[0] * 3)
    for i, w in enumerate(WORKLOADS):
        vals = [1000 / d.t(m, ty, n, w) for m in maps for n in sizes if d.t(m, ty, n, w)]
        if not vals:
            continue
        px, py = 60 + (i % cols) * (pw + 60), 70 + (i // cols) * (ph + 70)
        p = Panel(s, px, py, pw, ph, xr, log_range(vals), title=WL_TITLE[w], xlabel="entries",
                  ylabel="Mops/s")
        for m in maps:
            pts = [(n, 1000 / d.t(m, ty, n, w)) for n in sizes if d.t(m, ty, n, w)]
            p.series(pts, COLORS.get(m, "#000"), 2.5 if m == BASE else 1.5, dots=True)
    # legend in the free cell
    i = len(WORKLOADS)
    legend(s, 60 + (i % cols) * (pw + 60), 90 + (i // cols) * (ph + 70), maps, cols=1)
    s.save(path)


def plot_memory(d, path, note):
    maps = [m for m in MAPS if m in d.lat] + sorted(set(d.lat) - set(MAPS))
    if not maps:
        return False
    ctx = d.lat_ctx
    n, churn = ctx["n"], ctx["churn"]
    W, H = 900, 430
    s = Svg(W, H)
    s.text(W / 2, 22, f"Bytes held over time: grow to {fmt_n(n)} uint64 → uint64, erase to {fmt_n(ctx['keep'])}, "
                      f"{fmt_n(churn)} churn pairs, erase the rest", 13, "middle", "bold")
    if note:
        s.text(W / 2, 40, note, 11, "middle", color="#b00")
    xs_max = 2 * n + churn
    ymax = max(b for m in maps for _, _, b in d.lat[m][0]["samples"]) / 1048576 * 1.05
    p = Panel(s, 70, 60, 800, 280, (0, xs_max), (0, max(ymax, 0.001)), xlog=False, ylog=False,
              xlabel="operations (grow: inserts; shrink: erases; then churn pairs)", ylabel="MiB held",
              xfmt=tick_label, yfmt=lambda v: f"{v:g}")
    for x, label in ((0, "grow"), (n, "shrink"), (2 * n, "churn")):
        s.line(p.px(x), p.y, p.px(x), p.y + p.h, "#999", 1, "4,3")
        s.text(p.px(x) + 4, p.y + 12, label, 10, color="#666")
    for m in maps:
        pts = [(op, b / 1048576) for _, op, b in d.lat[m][0]["samples"]]
        p.series(pts, COLORS.get(m, "#000"), 2.5 if m == BASE else 1.5)
    legend(s, 70, 380, maps, cols=4, colw=200)
    if "Go map" in maps:
        s.text(70, 420, "Go map: runtime HeapAlloc (live heap plus garbage not yet collected); "
                        "C++ maps: bytes from a counting allocator.", 10, color="#555")
    s.save(path)
    return True


def plot_latency(d, path, note):
    maps = [m for m in MAPS if m in d.lat] + sorted(set(d.lat) - set(MAPS))
    if not maps:
        return False
    W, H = 900, 440
    s = Svg(W, H)
    ctx = d.lat_ctx
    s.text(W / 2, 22, f"Latency of single operations while growing to {fmt_n(ctx['n'])} entries and shrinking "
                      f"(fraction of operations slower than t)", 13, "middle", "bold")
    if note:
        s.text(W / 2, 40, note, 11, "middle", color="#b00")
    for j, op in enumerate(("insert", "erase")):
        curves, tmax, fmin = {}, 100, 1.0
        for m in maps:
            h = d.lat_hist(m, op)
            total = sum(c for _, c in h)
            if not total:
                continue
            pts, above = [], total
            for lo, c in h:
                pts.append((max(lo, 10), above / total))
                above -= c
            if pts:
                # the last bin's upper edge: the measured maximum
                mx = d.lat_q(m, op, "max_ns") or pts[-1][0]
                pts.append((max(mx, 10), 1 / total))
                tmax = max(tmax, mx)
                fmin = min(fmin, 1 / total)
            curves[m] = pts
        p = Panel(s, 70 + j * 420, 80, 360, 270, (10, tmax * 1.5), (fmin / 2, 1.5),
                  title=f"{op}: P(time ≥ t)", xlabel="t (ns, including ~20–40 ns of clock reads)",
                  ylabel="fraction of operations", yfmt=lambda v: f"{v:g}")
        for m, pts in curves.items():
            step = []
            for i, (x, y) in enumerate(pts):
                if i:
                    step.append((x, pts[i - 1][1]))
                step.append((x, y))
            p.series(step, COLORS.get(m, "#000"), 2.5 if m == BASE else 1.5)
    legend(s, 70, 395, maps, cols=4, colw=200)
    s.save(path)
    return True


def plot_findhit(d, path, note):
    pi, pd = med(d.probe.get("probe_independent", [])), med(d.probe.get("probe_dependent", []))
    n = max(d.sizes_for("u64->u64") or [0])
    rows = [(m, d.t(m, "u64->u64", n, "find_hit")) for m in d.maps if d.t(m, "u64->u64", n, "find_hit")]
    if not rows or not pi:
        return False
    W, bh = 900, 22
    H = 60 + len(rows) * (bh + 6) + 70
    s = Svg(W, H)
    s.text(W / 2, 22, f"find hit at {fmt_n(n)} uint64 → uint64 entries against the machine's cache-miss cost",
           13, "middle", "bold")
    if note:
        s.text(W / 2, 40, note, 11, "middle", color="#b00")
    vmax = max([v for _, v in rows] + [pd or 0, pi]) * 1.05
    x0, x1 = 170, W - 150
    sc = (x1 - x0) / vmax
    ytop, ybot = 55, 60 + len(rows) * (bh + 6)
    for v, label in ((pi, "independent 64-byte reads"), (pd, "dependent reads (one full miss each)")):
        if v:
            x = x0 + v * sc
            s.line(x, ytop, x, ybot, "#000", 1.5, "5,3")
            s.text(x, ybot + 14, f"{label}: {v:.1f} ns", 10, "end" if x > W / 2 else "start")
            ybot += 14
    for i, (m, v) in enumerate(rows):
        y = 60 + i * (bh + 6)
        s.text(x0 - 6, y + bh * 0.7, SHORT.get(m, m), 11, "end")
        s.rect(x0, y, v * sc, bh, COLORS.get(m, "#000"))
        s.text(x0 + v * sc + 4, y + bh * 0.7, f"{v:.1f} ns ({v / pi:.1f}× probe)", 10)
    s.text(x0, H - 8, f"probe buffer: {fmt_mib(d.probe_bytes)} MiB (a {fmt_n(10000000)}-entry gomap::map's "
                      f"array), random addresses", 10, color="#555")
    s.save(path)
    return True


# ---------------------------------------------------------------- markdown

def md_table(head, rows, align=None):
    align = align or ["---"] + ["---:"] * (len(head) - 1)
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def targets(d):
    """The engine's targets (throughput against Boost's and Abseil's flat maps,
    worst single operation, p99.99, peak bytes, memory after churn), evaluated
    on this run's medians. Returns table rows."""
    rows = []

    def tp(peer, ty, n, w, need, label, base=BASE):
        g, p = d.t(base, ty, n, w), d.t(peer, ty, n, w)
        if g is None or p is None:
            rows.append((label, "not in this run", "–"))
            return
        r = p / g
        rows.append((label, f"{SHORT.get(peer, peer)} {fmt_ns(p)} ns / {base} {fmt_ns(g)} ns = {r:.2f}×",
                     "**met**" if r >= need else "missed"))

    for peer in ("boost::unordered_flat_map", "absl::flat_hash_map"):
        for ty in TYPES:
            if ty == "u64->v24":
                continue
            for n in [x for x in (1000000, 10000000) if x in d.sizes_for(ty)]:
                for w in ("insert", "insert_reserve", "find_hit", "find_miss", "erase", "churn"):
                    tp(peer, ty, n, w, 1.0,
                       f"≥ 1× {SHORT.get(peer, peer)}: {WL_TITLE[w]}, {TYPE_TITLE[ty]}, {fmt_n(n)}")
    for n in (1000000, 10000000):
        for w in ("insert", "find_hit", "find_miss", "erase"):
            tp("Go map", "u64->u64", n, w, 2.0, f"≥ 2× the Go map: {WL_TITLE[w]}, {fmt_n(n)}")
    # gomap::node_map against the node-based peers (issue #14): Abseil's
    # node_hash_map (Boost's unordered_node_map is not in Debian 12's Boost 1.81).
    for ty in ("u64->u64", "str40->u64"):
        for w in ("insert", "find_hit", "find_miss"):
            tp("absl::node_hash_map", ty, 1000000, w, 1.0,
               f"≥ 1× absl node: {WL_TITLE[w]}, {TYPE_TITLE[ty]}, 1M (gomap::node_map)", base="gomap::node_map")
    if BASE in d.lat:
        n = fmt_n(d.lat_ctx["n"])
        worst = max(d.lat_q(BASE, "insert", "max_ns") or 0, d.lat_q(BASE, "erase", "max_ns") or 0)
        if worst:
            rows.append((f"worst single operation ≤ 50 µs (growing to {n}, draining to 0)",
                         f"gomap::map worst op {fmt_us(worst)}", "**met**" if worst <= 50000 else "missed"))
        p = max(d.lat_q(BASE, "insert", "p9999_ns") or 0, d.lat_q(BASE, "erase", "p9999_ns") or 0)
        if p:
            rows.append((f"p99.99 of single operations ≤ 5 µs (growing to {n}, draining to 0)",
                         f"gomap::map p99.99 {fmt_us(p)} (the larger of insert's and erase's)",
                         "**met**" if p <= 5000 else "missed"))
        pk, gr = d.lat_field(BASE, "peak_bytes"), d.lat_field(BASE, "grown_bytes")
        if pk and gr:
            r = pk / gr
            rows.append((f"peak bytes while growing ≤ 1.25× the built map ({n})",
                         f"{fmt_mib(pk)} MiB / {fmt_mib(gr)} MiB = {r:.2f}× (allocator bytes)",
                         "**met**" if r <= 1.25 else "missed"))
        ac, fr = d.lat_field(BASE, "after_churn_bytes"), d.lat_field(BASE, "fresh_steady_bytes")
        if ac is not None and fr:
            r = ac / fr
            rows.append((f"memory after churn ≤ 2× a fresh map of the same size "
                         f"({n} → {fmt_n(d.lat_ctx['keep'])}, then churn)",
                         f"{fmt_mib(ac)} MiB / fresh {fmt_mib(fr)} MiB = {r:.2f}×",
                         "**met**" if r <= 2 else "missed"))
    ty = "u64->u64"
    for n in [x for x in (1000000, 10000000) if x in d.sizes_for(ty)]:
        ch, bu = d.m(BASE, ty, n, "churn_bytes"), d.m(BASE, ty, n, "built_bytes")
        if ch is not None and bu:
            r = ch / bu
            rows.append((f"memory after churn ≤ 2× a fresh map of the same size ({fmt_n(n)}, churn at full size)",
                         f"{fmt_mib(ch)} MiB / fresh {fmt_mib(bu)} MiB = {r:.2f}×", "**met**" if r <= 2 else "missed"))
    return rows


def render_md(d, img_rel, plots, note):
    run, mach = d.run, d.run["machine"]
    L = [BEGIN, ""]
    L.append("<!-- Written by scripts/bench-all.sh (bench/report.py) from "
             f"{html.escape(run.get('results_path', 'the run'))}; edits between the markers are lost. -->")
    L.append("")
    L.append("## Side by side: one run of `scripts/bench-all.sh`")
    L.append("")
    if note:
        L += [f"> **{note}**", ""]
    reps = run["reps"]
    L.append("### The machine and the run")
    L.append("")
    peers = ", ".join(f"{k} {v}" for k, v in mach.get("peers", {}).items())
    load = " ".join(mach.get("loadavg", [])), " ".join(mach.get("loadavg_end", []))
    L.append(md_table(["", ""], [
        ("CPU", f"{mach['cpu']} ({', '.join(mach.get('cpu_flags', []))})"),
        ("cores", mach["cores"]),
        ("caches (as the kernel reports them)", mach.get("caches") or "–"),
        ("memory", f"{mach['memory_gib']} GiB"),
        ("kernel", mach["kernel"]),
        ("transparent huge pages", f"enabled: {mach['thp_enabled']}, defrag: {mach['thp_defrag']}"),
        ("compiler", mach["compiler"]),
        ("flags", f"`{mach['cxx_flags']}` (CMAKE_BUILD_TYPE={mach['build_type']})"),
        ("Go", mach.get("go") or "–"),
        ("peers (Debian)", peers or "–"),
        ("gomap", f"commit {mach.get('gomap_commit', '?')}"),
        ("run", f"{run['started']}, {reps} repetition{'s' if reps != 1 else ''} (medians), "
                f"{run['elapsed_s'] // 60} min {run['elapsed_s'] % 60} s; load average before {load[0]}, "
                f"after {load[1]}"),
        ("settings", f"`{run.get('settings', '')}`"),
    ], ["---", "---"]))
    L.append("")
    L.append("Every C++ map uses its own default hash (gomap::hash, std::hash, absl::Hash, boost::hash; "
             "tsl::hopscotch_map's default, std::hash) and a counting allocator. Keys are pseudo-random 64-bit "
             "numbers from a fixed seed (splitmix64), the same in C++ and Go; lookups and erases go in a "
             "shuffled order. What each workload does: `bench/peers_harness.hpp`.")
    L.append("")

    L.append("### Targets")
    L.append("")
    L.append("Throughput targets read as *peer's time / gomap::map's time* (medians; ≥ 1 = gomap::map as fast "
             "or faster). The string key types run up to 1M.")
    L.append("")
    L.append(md_table(["target", "this run", ""], targets(d), ["---", "---", "---"]))
    L.append("")

    pi, pd = med(d.probe.get("probe_independent", [])), med(d.probe.get("probe_dependent", []))
    if pi:
        n = max(d.sizes_for("u64->u64") or [0])
        L.append("### Find-hit against the machine's cache-miss cost")
        L.append("")
        L.append(f"`random_access` reads whole 64-byte lines at random addresses of a {fmt_mib(d.probe_bytes)} MiB "
                 f"buffer (what a 10M-entry uint64 → uint64 gomap::map allocates): **{pi:.1f} ns** per read when "
                 f"the reads are independent (the CPU overlaps the misses, as it does across the lookups of the "
                 f"find-hit loop), **{pd:.1f} ns** when each address comes from the previous read (one full miss "
                 f"at a time). find hit at {fmt_n(n)} entries:")
        L.append("")
        rows = []
        for m in d.maps:
            v = d.t(m, "u64->u64", n, "find_hit")
            if v:
                rows.append((m, fmt_ns(v), f"{v / pi:.2f}×", f"{v / pd:.2f}×" if pd else "–"))
        L.append(md_table(["map", "find hit, ns", "× independent read", "× dependent read"], rows))
        L.append("")
        if "findhit" in plots:
            L += [f"![find hit vs cache-miss cost]({img_rel}{plots['findhit']})", ""]

    L.append("### Time per operation")
    L.append("")
    L.append("Median ns per operation over the repetitions; in parentheses, that time over gomap::map's "
             "(2.00× = takes twice as long as gomap::map; below 1 = faster). insert grows from empty; "
             "insert, reserved calls `reserve(n)` (Go: `make(map, n)`) first; iterate is per entry; "
             "churn is per erase+insert pair at constant size.")
    L.append("")
    for ty in TYPES:
        sizes = d.sizes_for(ty)
        if not sizes:
            continue
        L.append(f"#### {TYPE_TITLE[ty]}")
        L.append("")
        if ty != "u64->u64" and max(sizes) < max(d.sizes):
            L.append(f"(Up to {fmt_n(max(sizes))} entries: the larger sizes run for uint64 → uint64 only, "
                     f"to keep the run short.)")
            L.append("")
        rows = []
        for w in WORKLOADS:
            for n in sizes:
                g = d.t(BASE, ty, n, w)
                row = [WL_TITLE[w], fmt_n(n)]
                for m in d.maps:
                    v = d.t(m, ty, n, w)
                    if v is None:
                        row.append("–")
                    elif m == BASE or g is None:
                        row.append(f"**{fmt_ns(v)}**" if m == BASE else fmt_ns(v))
                    else:
                        row.append(f"{fmt_ns(v)} ({v / g:.2f}×)")
                rows.append(row)
        L.append(md_table(["workload", "n"] + [SHORT.get(m, m) for m in d.maps], rows,
                          ["---", "---:"] + ["---:"] * len(d.maps)))
        L.append("")
        key = f"tp-{ty}"
        if key in plots:
            L += [f"![throughput vs size, {TYPE_TITLE[ty]}]({img_rel}{plots[key]})", ""]

    L.append("### Bytes held")
    L.append("")
    L.append("MiB from the counting allocator (the map's arrays and nodes; a string key's heap buffer is not "
             "counted). peak: most held while inserting (old and new arrays during a resize); built: after "
             "inserting n keys; after churn: after the churn workload on the map built with `reserve(n)` "
             "(× built); after erase-all: after erasing every key. Go map: live heap after `runtime.GC()`, "
             "no peak (Go does not report one).")
    L.append("")
    for ty in TYPES:
        sizes = d.sizes_for(ty)
        if not sizes:
            continue
        n = max(sizes)
        rows = []
        for m in d.maps:
            bu = d.m(m, ty, n, "built_bytes")
            if bu is None:
                continue
            ch, fi = d.m(m, ty, n, "churn_bytes"), d.m(m, ty, n, "final_bytes")
            rows.append((m, fmt_mib(d.m(m, ty, n, "peak_bytes")), fmt_mib(bu),
                         f"{fmt_mib(ch)} ({ch / bu:.2f}×)" if ch is not None and bu else fmt_mib(ch),
                         f"{fmt_mib(fi)} ({100 * fi / bu:.0f}%)" if fi is not None and bu else fmt_mib(fi)))
        L.append(f"{TYPE_TITLE[ty]}, {fmt_n(n)} entries:")
        L.append("")
        L.append(md_table(["map", "peak", "built", "after churn", "after erase-all (% of built)"], rows))
        L.append("")

    if d.lat:
        ctx = d.lat_ctx
        lreps = max(len(v) for v in d.lat.values())
        L.append(f"### Memory and single-operation latency, {fmt_n(ctx['n'])} entries")
        L.append("")
        L.append(f"`memory_latency` (and `go_bench latency` for the Go map): uint64 → uint64, insert "
                 f"{fmt_n(ctx['n'])} keys timing each insert, erase down to {fmt_n(ctx['keep'])} timing each "
                 f"erase, {fmt_n(ctx['churn'])} churn pairs, erase the rest; {lreps} run{'s' if lreps > 1 else ''}"
                 f"{' (medians)' if lreps > 1 else ''}. Times include two clock reads per operation "
                 f"(~20–40 ns); ns/op are averages over the phase.")
        L.append("")
        rows = []
        maps = [m for m in MAPS if m in d.lat] + sorted(set(d.lat) - set(MAPS))
        for m in maps:
            rows.append((m, fmt_us(d.lat_q(m, "insert", "max_ns")), fmt_us(d.lat_q(m, "erase", "max_ns")),
                         fmt_us(d.lat_q(m, "insert", "p9999_ns")), fmt_us(d.lat_q(m, "erase", "p9999_ns")),
                         fmt_ns(d.lat_field(m, "insert_ns")), fmt_ns(d.lat_field(m, "erase_ns")),
                         fmt_ns(d.lat_field(m, "churn_ns"))))
        L.append(md_table(["map", "worst insert", "worst erase", "p99.99 insert", "p99.99 erase", "insert ns/op",
                           "erase ns/op", "churn ns/pair"], rows))
        L.append("")
        rows = []
        for m in maps:
            gr, fr = d.lat_field(m, "grown_bytes"), d.lat_field(m, "fresh_steady_bytes")
            st, ac, dr = (d.lat_field(m, k) for k in ("steady_bytes", "after_churn_bytes", "drained_bytes"))
            rows.append((m, fmt_mib(d.lat_field(m, "peak_bytes")), fmt_mib(gr),
                         f"{fmt_mib(st)} ({st / fr:,.1f}×)" if st is not None and fr else fmt_mib(st),
                         f"{fmt_mib(ac)} ({ac / fr:,.1f}×)" if ac is not None and fr else fmt_mib(ac),
                         f"{fmt_mib(dr)} ({100 * dr / gr:.0f}%)" if dr is not None and gr else fmt_mib(dr)))
        L.append(md_table(["map", "peak MiB", "full MiB", f"at {fmt_n(ctx['keep'])} live (× fresh map)",
                           "after churn (× fresh map)", "after erasing all (% of full)"], rows))
        L.append("")
        for key, alt in (("memory", "bytes held over time"), ("latency", "latency distribution")):
            if key in plots:
                L += [f"![{alt}]({img_rel}{plots[key]})", ""]
    L.append(END)
    return "\n".join(L)


def render(args):
    with open(args.results) as f:
        run = json.load(f)
    run["results_path"] = os.path.relpath(args.results, os.path.dirname(os.path.abspath(args.md)) or ".")
    d = Data(run)
    note = ""
    if run.get("mode") == "quick":
        note = ("PIPELINE CHECK (scripts/bench-all.sh --quick): small sizes, one repetition, a busy machine "
                "allowed. These are not the benchmark's figures.")
    os.makedirs(args.img, exist_ok=True)
    plots = {}
    for ty in TYPES:
        if d.sizes_for(ty):
            name = f"bench-throughput-{ty.replace('->', '-')}.svg"
            plot_throughput(d, ty, os.path.join(args.img, name), note)
            plots[f"tp-{ty}"] = name
    for key, fn in (("memory", plot_memory), ("latency", plot_latency), ("findhit", plot_findhit)):
        name = f"bench-{key}.svg"
        if fn(d, os.path.join(args.img, name), note):
            plots[key] = name
    img_rel = os.path.relpath(os.path.abspath(args.img), os.path.dirname(os.path.abspath(args.md))) + "/"
    body = render_md(d, img_rel, plots, note)
    with open(args.template) as f:
        text = f.read()
    if BEGIN in text and END in text:
        a, b = text.index(BEGIN), text.index(END) + len(END)
        text = text[:a] + body + text[b:]
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    tmp = args.md + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, args.md)
    print(f"report.py: wrote {args.md} and {len(plots)} plots in {args.img}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("machine")
    a.add_argument("--build", required=True)
    a.add_argument("--go", default="")
    a.add_argument("--out", required=True)
    a = sub.add_parser("merge")
    a.add_argument("--machine", required=True)
    a.add_argument("--mode", choices=["quick", "full"], required=True)
    a.add_argument("--reps", type=int, required=True)
    a.add_argument("--started", required=True)
    a.add_argument("--settings", default="")
    a.add_argument("--out", required=True)
    a.add_argument("parts", nargs="+")
    a = sub.add_parser("render")
    a.add_argument("results")
    a.add_argument("--template", required=True)
    a.add_argument("--md", required=True)
    a.add_argument("--img", required=True)
    args = ap.parse_args()
    {"machine": machine, "merge": merge, "render": render}[args.cmd](args)


if __name__ == "__main__":
    main()
