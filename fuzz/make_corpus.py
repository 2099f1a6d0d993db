#!/usr/bin/env python3
"""fuzz/make_corpus.py — writes the seed corpus, fuzz/corpus/.

Usage: fuzz/make_corpus.py [OUT_DIR]   (default: fuzz/corpus next to this file)

Each file is a small scripted scenario in the input format of map_fuzz.hpp
(byte 0: key space and work budget, byte 1: configuration and key mapping,
byte 2: size hint, then opcodes and their arguments), for each of the 17
configurations (hash x key type x value type): grow then shrink, churn with
tombstones, whole-map operations, range() while a resize is in progress,
auto-shrink toggles (gomap::map) around clear(), and range() erasing
colliding groups while a shrink is in progress. The output is deterministic; libFuzzer takes
it from there (scripts/fuzz.sh). The Python twin of map_fuzz.hpp's encoder.
"""
import os
import random
import sys

N_CONFIGS = 17  # configs[] in map_fuzz.hpp
N_KEY_MAPS = 5
CONFIG_NAMES = ["hash-u64", "hash-string", "hash-big", "identity-u64", "identity-string",
                "constant-u64", "constant-string", "topbyte-big", "stdstyle-u64",
                "collide8-u64", "collide16-u64", "collide16-string", "collide64-u64",
                "highbits-u64", "lowbits-u64", "strkey-string", "strkey-collide16-u64"]
HASH_OF_CONFIG = [0, 0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 6, 7, 8, 9, 10, 11]


class Input:
    def __init__(self, bits, config, key_kind=0, hint=0, work=0):
        assert 4 <= bits <= 16 and 0 <= work <= 15 and key_kind < N_KEY_MAPS
        self.bits = bits
        h = HASH_OF_CONFIG[config]
        if h == 2:
            self.bits = min(bits, 9)
        if h == 3 or h == 8 or (h == 1 and key_kind == 3):
            self.bits = min(self.bits, 10)
        if h == 1 and key_kind == 4:
            self.bits = min(self.bits, 11)
        self.keyspace = 1 << self.bits
        self.b = bytearray([(bits - 4) | (work << 4), key_kind * N_CONFIGS + config, hint])

    def key(self, idx):  # explicit key index
        idx %= self.keyspace
        self.b += bytes([64, idx & 255, idx >> 8])

    def recent(self, j):  # one of the last 256 inserted keys
        self.b += bytes([j & 63, (j >> 6) & 255])

    def insert(self, form, idx):
        self.b.append(form % 16)
        self.key(idx)

    def insert_recent(self, form, j):
        self.b.append(form % 16)
        self.recent(j)

    def erase(self, idx, by_iter=False, const=False):
        self.b.append(40 + (1 if by_iter else 0) + (2 if const else 0))
        self.key(idx)

    def erase_recent(self, j, by_iter=False):
        self.b.append(40 + (1 if by_iter else 0))
        self.recent(j)

    def lookup(self, form, idx):
        self.b.append(72 + form % 6)
        self.key(idx)

    def bulk_insert(self, n, start, stride=1, mult=1, form=0):
        assert 1 <= n <= 256 and 1 <= mult <= 4
        self.b += bytes([96 + mult - 1, n - 1, start & 255, (start >> 8) & 255, stride | 1, form])

    def bulk_erase(self, n, start, stride=1, by_iter=False):  # erases 4n keys
        self.b += bytes([112 + (1 if by_iter else 0), n - 1, start & 255, (start >> 8) & 255, stride | 1])

    def drain(self, eighths, seed, by_iter=False):  # erases about eighths/8 of the keys
        assert 1 <= eighths <= 8
        self.b += bytes([114 + (1 if by_iter else 0), eighths - 1, seed & 255, (seed >> 8) & 255, 1])

    def range(self, erase_self=0, erase_other=0, insert=0, stop=None, may_clear=False, seed=1,
              neighbours=0, toggle=False, fresh=False):
        flags = erase_self | (erase_other << 2) | (insert << 4)
        if stop is not None:
            flags |= 64
        if may_clear:
            flags |= 128
        extra = neighbours | (4 if toggle else 0) | (8 if fresh else 0)
        self.b += bytes([124, flags, seed & 255, (seed >> 8) & 255, stop or 0, extra])

    def read_only(self, form, stop=0):
        self.b += bytes([136 + form % 4, stop])

    def erase_if(self, by_hand, rate, seed=0):
        self.b += bytes([140 + (1 if by_hand else 0), rate, seed])

    def erase_span(self, idx, length):
        self.b.append(144)
        self.key(idx)
        self.b.append(length)

    def clear(self):
        self.b.append(148)

    def reserve(self, form, n):
        self.b += bytes([152 + form % 4, n & 255, (n >> 8) & 255])

    def shrink_to_fit(self):
        self.b.append(156)

    def copy(self, form):
        self.b.append([160, 161, 162, 159][form % 4])

    def move(self, form):
        self.b.append([164, 165, 166, 163][form % 4])

    def swap(self, form):
        self.b.append([168, 169, 170, 167][form % 4])

    def auto_shrink(self, on, other=False, relative=False):
        self.b += bytes([171, (1 if on else 0) | (2 if other else 0) | (4 if relative else 0)])

    # action: 0 insert fresh, 1 expire by erase(key), 2 churn, 3 expire by erase(it);
    # target: 0 none, 1 growing, 2 shrinking, 3 idle; up to 16 * n steps.
    def drive(self, action, target, n, form=0):
        assert 1 <= n <= 256
        self.b += bytes([200 + action, target | (form % 16) << 2, n - 1])


def grow_shrink(c, r):
    x = Input(12, c, key_kind=r.randrange(4))
    x.bulk_insert(256, 0, 1, mult=4, form=r.randrange(256))
    for _ in range(8):
        x.lookup(r.randrange(6), r.randrange(x.keyspace))
    x.range(erase_self=1, erase_other=1, insert=1, seed=r.randrange(65536))
    x.drain(7, r.randrange(65536))
    x.read_only(2)
    x.drain(6, r.randrange(65536), by_iter=True)
    for _ in range(6):
        x.erase_recent(r.randrange(256), by_iter=r.random() < 0.5)
    x.bulk_insert(200, 7, 3, mult=2, form=201)
    x.erase_if(False, 200, r.randrange(256))
    x.shrink_to_fit()
    x.bulk_insert(128, 99, 5, mult=1, form=4)
    x.drain(8, 3)
    x.insert(0, 1)
    return x


def churn(c, r):
    x = Input(6, c, key_kind=r.randrange(4))
    for _ in range(90):
        k = r.randrange(x.keyspace)
        p = r.random()
        if p < 0.45:
            x.insert(r.randrange(16), k)
        elif p < 0.8:
            x.erase(k, by_iter=r.random() < 0.5, const=r.random() < 0.3)
        else:
            x.lookup(r.randrange(6), k)
    x.range(erase_self=2, erase_other=2, insert=2, seed=r.randrange(65536))
    x.erase_span(r.randrange(x.keyspace), 5)
    x.clear()
    x.bulk_insert(40, 0, 1)
    x.reserve(0, 200)
    x.range(erase_self=3, insert=3, may_clear=True, seed=r.randrange(65536))
    x.shrink_to_fit()
    return x


def whole_map(c, r):
    x = Input(10, c, key_kind=r.randrange(4), hint=128 + r.randrange(128))
    x.bulk_insert(150, r.randrange(1024), 1, mult=2, form=r.randrange(256))
    for form in range(4):
        x.copy(form)
        x.insert(r.randrange(16), r.randrange(x.keyspace))
        x.move(form)
        x.erase(r.randrange(x.keyspace))
        x.swap(form)
        x.bulk_insert(20, r.randrange(1024), 7)
    x.auto_shrink(False, other=True)
    x.auto_shrink(True)
    for form in range(4):
        x.reserve(form, r.randrange(2048))
        x.read_only(form, stop=10)
    x.drain(8, 5, by_iter=True)
    x.shrink_to_fit()
    x.swap(0)
    x.clear()
    x.swap(1)
    return x


def range_in_resize(c, r):
    x = Input(14, c, key_kind=r.randrange(4))
    # 53 entries: past 6.5 * 8 with B = 3, a grow is in progress
    x.bulk_insert(53, r.randrange(16384), 1, form=2)
    x.range(erase_self=1, erase_other=2, insert=3, seed=r.randrange(65536))
    x.bulk_insert(60, r.randrange(16384), 3, form=r.randrange(16))
    x.range(erase_other=3, insert=1, stop=30, seed=r.randrange(65536))
    x.erase_span(r.randrange(x.keyspace), 20)
    x.read_only(3)
    x.erase_if(True, 90, r.randrange(256))
    x.bulk_insert(200, r.randrange(16384), 9, mult=2)
    x.range(erase_self=3, erase_other=3, seed=r.randrange(65536))
    x.drain(6, r.randrange(65536))
    x.range(erase_self=1, insert=3, seed=r.randrange(65536))
    x.copy(0)
    x.move(3)
    return x


def toggles(c, r):
    x = Input(9, c, key_kind=r.randrange(4))
    x.bulk_insert(100, 0, 1, mult=2)
    x.auto_shrink(False)
    x.drain(7, r.randrange(65536))
    x.auto_shrink(True)
    x.drain(5, r.randrange(65536), by_iter=True)
    x.auto_shrink(False)
    x.clear()
    x.bulk_insert(120, 5, 1, mult=2)
    x.auto_shrink(True, other=True)
    x.swap(0)
    x.bulk_insert(50, 17, 1)
    x.drain(8, 1)
    x.auto_shrink(False)
    x.bulk_insert(64, 3, 1)
    x.shrink_to_fit()
    return x


def shrink_ranges(c, r):
    """Keys expire one by one until a shrink is in progress; then range()
    erases whole colliding groups (k ^ 1 .. k ^ 15), or erases run with
    auto-shrink off; the shrink goes on (issue #12, defect 1)."""
    x = Input(12, c, key_kind=0, work=6)
    x.drive(0, 0, 64 + r.randrange(128), form=r.randrange(16))
    x.drive(0, 3, 256)
    for i in range(10):
        x.drive(1 if i % 3 else 3, 2, 256)
        if i % 4 == 3:
            x.auto_shrink(False, relative=True)
            for _ in range(8):
                x.erase_recent(r.randrange(256), by_iter=r.random() < 0.5)
            x.auto_shrink(True, relative=True)
        else:
            x.range(erase_self=r.randrange(4), neighbours=1 + r.randrange(3), stop=4 + r.randrange(40),
                    toggle=r.random() < 0.3, seed=r.randrange(65536))
        x.drive(1, 0, 1)
        for _ in range(4):
            x.lookup(r.randrange(6), r.randrange(x.keyspace))
    x.drive(1, 3, 256)
    return x


def regress_clear_spares():
    """clear() with auto-shrink off after auto-shrink deletes released spare
    overflow buckets: Go's clear path must not hand a spare out twice. (The
    bug was in the shrink rules gomap::map had on Go's buckets, since removed;
    the input stays in the corpus.)"""
    x = Input(10, 3)  # identity hash, uint64 values: bucket = key & (2^B - 1)
    x.reserve(0, 200)  # B = 5: 32 buckets and spare overflow buckets
    for i in range(24):  # one chain: bucket 0 and two spare overflow buckets
        x.insert(2, i * 32)
    for i in range(8, 24):  # compacting deletes release the spares
        x.erase(i * 32)
    x.auto_shrink(False)
    x.clear()
    for b in range(3):  # three chains that each take an overflow bucket
        for i in range(9):
            x.insert(2, b + i * 32)
    return x


SCENARIOS = [("grow-shrink", grow_shrink), ("churn", churn), ("whole-map", whole_map),
             ("range-in-resize", range_in_resize), ("toggles", toggles), ("shrink-ranges", shrink_ranges)]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    r = random.Random(20240611)
    n = 0
    for c in range(N_CONFIGS):
        for name, make in SCENARIOS:
            data = bytes(make(c, r).b)
            with open(os.path.join(out, "seed-%s-%s" % (name, CONFIG_NAMES[c])), "wb") as f:
                f.write(data)
            n += 1
    with open(os.path.join(out, "regress-clear-spares"), "wb") as f:
        f.write(bytes(regress_clear_spares().b))
    n += 1
    print("wrote %d files to %s" % (n, out))


if __name__ == "__main__":
    main()
