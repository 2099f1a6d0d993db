#!/usr/bin/env python3
"""Mutation testing for gomap: inject each plausible bug of mutants.py into a
copy of the sources, build the test suite, and check that some test fails.

Usage: scripts/mutate.sh [--only SUBSTRING] [--list] [--keep] [--check]

--check builds nothing: it only checks that each mutant's original text
occurs exactly once in today's sources (ctest mutants_apply), so that a
change to the engine cannot silently retire a mutant.

The copy lives in build/mutate/src (the repository is never modified); the
build in build/mutate/build (Debug, checked mode on, -O1 without debug info,
so that both the build and the tests are quick). The unmutated suite must
pass first. For each mutant the build is incremental (every test includes the
engine, so all of them rebuild) and ctest stops at the first failing test.
Exit status: 0 when every mutant is killed, 1 when one survives, 2 when a
mutant no longer applies or does not compile (fix the list).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from mutants import MUTANTS  # noqa: E402

WORK = os.path.join(ROOT, "build", "mutate")
SRC = os.path.join(WORK, "src")
BUILD = os.path.join(WORK, "build")
COPY = ["CMakeLists.txt", "cmake", "include", "tests", "fuzz"]
# The tests that exercise the engine (all but the threaded maps, the lab, the
# installed-package build and the Go side-by-side run, which need minutes of
# building per mutant and test the same engine through the same API).
TESTS = ["go_port_test", "api_test", "shrink_trigger_test", "evacuation_progress_test",
         "aliasing_test", "exception_points_test", "flooding_test", "differential_test", "fuzz_replay_test",
         "range_test", "checked_test", "shrink_memory_test", "shrink_iteration_test", "lifetime_test",
         "iterator_check_test", "hash_test", "relocation_test", "flat_engine_test"]


def test_regex(tests):
    return "^(" + "|".join(t if t != "fuzz_replay_test" else "fuzz_replay" for t in tests) + ")$"
JOBS = str(os.cpu_count() or 2)


def log(msg):
    print(msg, flush=True)


def sh(cmd, timeout=None, quiet=True):
    r = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE if quiet else None,
                       stderr=subprocess.STDOUT if quiet else None, text=True, timeout=timeout)
    return r.returncode, (r.stdout or "")


def fresh_copy():
    if os.path.isdir(SRC):
        shutil.rmtree(SRC)
    os.makedirs(SRC)
    for p in COPY:
        s, d = os.path.join(ROOT, p), os.path.join(SRC, p)
        if os.path.isdir(s):
            shutil.copytree(s, d, copy_function=shutil.copyfile)
        else:
            shutil.copyfile(s, d)


def configure():
    rc, out = sh(["cmake", "-S", SRC, "-B", BUILD, "-DCMAKE_BUILD_TYPE=Debug", "-DGOMAP_BUILD_TESTS=ON",
                  "-DGOMAP_BUILD_TOOLS=OFF", "-DCMAKE_CXX_FLAGS_DEBUG=-O1"])
    if rc != 0:
        log(out)
        sys.exit("mutate: cmake configure failed")


def build(tests=TESTS):
    return sh(["cmake", "--build", BUILD, "-j" + JOBS, "--target"] + tests)


def run_tests(tests=TESTS):
    """Returns (passed, first failing test name or '')."""
    rc, out = sh(["ctest", "--test-dir", BUILD, "-j" + JOBS, "--timeout", "300", "--stop-on-failure",
                  "-R", test_regex(tests), "--output-on-failure"])
    if rc == 0:
        return True, ""
    failed = ""
    for line in out.splitlines():
        if "***" in line or "(Failed)" in line or "(Timeout)" in line or "Failed  " in line:
            parts = line.split()
            for i, w in enumerate(parts):
                if w.startswith("Test") and i + 2 < len(parts) and parts[i + 1].startswith("#"):
                    failed = parts[i + 2]
                    break
            if failed:
                break
    return False, failed or "(see ctest output)"


def apply(m):
    path = os.path.join(SRC, m["file"])
    with open(path) as f:
        text = f.read()
    for old, new in m["edits"]:
        n = text.count(old)
        if n != 1:
            return f"the original text occurs {n} times in {m['file']}: {old[:60]!r}..."
        text = text.replace(old, new)
    with open(path, "w") as f:
        f.write(text)
    return ""


def restore(m):
    # copyfile, not copy2: the restored file must look newer than the objects
    # built from the mutant, or the next build would keep the mutant's objects.
    shutil.copyfile(os.path.join(ROOT, m["file"]), os.path.join(SRC, m["file"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", help="run the mutants whose name contains this")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--keep", action="store_true", help="keep build/mutate afterwards")
    ap.add_argument("--check", action="store_true", help="check that every mutant applies, and exit")
    a = ap.parse_args()
    mutants = [m for m in MUTANTS if not a.only or a.only in m["name"]]
    if a.list:
        for i, m in enumerate(mutants, 1):
            log(f"{i:2d}. {m['name']}: {m['why']}")
        return 0
    if a.check:
        stale = 0
        for m in mutants:
            with open(os.path.join(ROOT, m["file"])) as f:
                text = f.read()
            bad = [old for old, _ in m["edits"] if text.count(old) != 1]
            for old in bad:
                log(f"stale: {m['name']}: its original text occurs {text.count(old)} times in {m['file']}: "
                    f"{old[:60]!r}...")
            stale += bool(bad)
        log(f"mutate --check: {len(mutants) - stale} of {len(mutants)} mutants apply")
        return 1 if stale else 0

    t0 = time.time()
    fresh_copy()
    configure()
    log(f"mutate: {len(mutants)} mutants; baseline build and tests first")
    # The baseline: every test some selected mutant will run, in TESTS order.
    wanted = {t for m in mutants for t in m.get("tests", TESTS)}
    baseline = [t for t in TESTS if t in wanted] + sorted(wanted - set(TESTS))
    rc, out = build(baseline)
    if rc != 0:
        log(out[-4000:])
        sys.exit("mutate: the unmutated sources do not build")
    ok, failed = run_tests(baseline)
    if not ok:
        sys.exit(f"mutate: the unmutated suite fails ({failed}); fix that first")
    log(f"mutate: baseline green in {time.time() - t0:.0f} s")

    results = []
    for i, m in enumerate(mutants, 1):
        t = time.time()
        err = apply(m)
        if err:
            results.append((m, "STALE", err, 0))
            log(f"[{i}/{len(mutants)}] STALE     {m['name']}: {err}")
            restore(m)
            continue
        # A mutant may name the tests that exercise its code (the flat
        # engine's mutants: the engine's own tests, the fuzz body, checked
        # mode); fewer tests can only make it harder to kill.
        tests = m.get("tests", TESTS)
        rc, out = build(tests)
        if rc != 0:
            results.append((m, "NOBUILD", out[-2000:], time.time() - t))
            log(f"[{i}/{len(mutants)}] NOBUILD   {m['name']}\n{out[-2000:]}")
            restore(m)
            continue
        ok, failed = run_tests(tests)
        dt = time.time() - t
        status = "SURVIVED" if ok else "killed"
        results.append((m, status, failed, dt))
        log(f"[{i}/{len(mutants)}] {status:9s} {m['name']}  ({'by ' + failed if failed else 'no test failed'}, {dt:.0f} s)")
        restore(m)

    killed = sum(1 for r in results if r[1] == "killed")
    log(f"\nmutate: {killed}/{len(results)} mutants killed in {(time.time() - t0) / 60:.1f} min")
    for m, status, detail, _ in results:
        if status != "killed":
            log(f"  {status}: {m['name']} — {m['why']}")
    if not a.keep:
        shutil.rmtree(WORK, ignore_errors=True)
    if any(r[1] in ("STALE", "NOBUILD") for r in results):
        return 2
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
