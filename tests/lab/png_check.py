#!/usr/bin/env python3
"""Decodes a PNG (8-bit RGB or RGBA, as rsvg-convert writes) with the standard
library only, and prints what a test needs to tell a real picture from a blank
one:

    width <w>
    height <h>
    nonwhite <fraction of pixels that are not (near) white>
    colours <number of distinct RGB values>
    count <#rrggbb> <pixels of exactly that colour>   (one line per colour asked)

usage: png_check.py FILE.png [#rrggbb ...]
"""
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("not a PNG: " + path)
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace != 0:
                sys.exit("unsupported PNG: depth %d colour type %d interlace %d" % (depth, ctype, interlace))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    if width is None:
        sys.exit("no IHDR")
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif ftype == 4:
                line[x] = (line[x] + paeth(a, b, c)) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def main():
    path, wanted = sys.argv[1], [c.lower() for c in sys.argv[2:]]
    width, height, bpp, rows = decode(path)
    counts = {}
    nonwhite = 0
    for line in rows:
        for x in range(0, width * bpp, bpp):
            r, g, b = line[x], line[x + 1], line[x + 2]
            if bpp == 4 and line[x + 3] == 0:
                r = g = b = 255  # transparent reads as the white page
            if r < 245 or g < 245 or b < 245:
                nonwhite += 1
            key = "#%02x%02x%02x" % (r, g, b)
            counts[key] = counts.get(key, 0) + 1
    print("width", width)
    print("height", height)
    print("nonwhite %.4f" % (nonwhite / float(width * height)))
    print("colours", len(counts))
    for c in wanted:
        print("count", c, counts.get(c, 0))


if __name__ == "__main__":
    main()
