#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets from the test scripts.

fuzz/seed.sh runs this; the corpora go to fuzz/corpus/<target>/ (not
committed). The input formats are those of fuzz/harness/*.rs.
"""
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")


def scripts(sub):
    d = os.path.join(ROOT, "tests", sub)
    for name in sorted(os.listdir(d)):
        if name.endswith(".script"):
            with open(os.path.join(d, name), encoding="utf-8") as f:
                yield name[: -len(".script")], f.read().splitlines()


def frame(xml):
    b = xml.encode()
    return (len(b) + 4).to_bytes(4, "big") + b


def wire(lines, keyword):
    """The bytes a script's peer sends: its `keyword`, `split` and `raw` lines."""
    out = b""
    for line in lines:
        kw, _, rest = line.partition(" ")
        if kw == keyword:
            out += frame(rest)
        elif kw == "split":
            out += frame(rest.partition(" ")[2])
        elif kw == "raw":
            out += bytes.fromhex(rest.replace(" ", ""))
    return out


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    rng = random.Random(13)
    n = {}
    for name, lines in scripts("scripts"):
        w = wire(lines, "frame")
        if not w:
            continue
        # server_bytes: flags, host seed, the bytes.
        write("server_bytes", name, b"\x00\x00\x00" + w)
        write("server_bytes", name + "-small", b"\x05\x00\x01" + w)
        # capi: op 0 (feed a segment: session byte, 2-byte length, bytes)
        # per frame.
        ops = b""
        for line in lines:
            kw, _, rest = line.partition(" ")
            if kw in ("frame", "split"):
                f = frame(rest if kw == "frame" else rest.partition(" ")[2])[:0xFFFF]
                # feed (session 0), answer (session 0, request 0, as a command),
                # take all output.
                ops += b"\x00\x00" + len(f).to_bytes(2, "big") + f + b"\x05\x00\x00\x06\x03\x00\x00"
        write("capi", name, ops)
    for name, lines in scripts("client_scripts"):
        w = wire(lines, "server")
        if w:
            write("client_bytes", name, b"\x00\x00\x00" + w)
    for name, lines in scripts("etp_scripts"):
        ops = b""
        for line in lines:
            kw, _, rest = line.partition(" ")
            if kw == "message":
                m = b"" if rest == "-" else bytes.fromhex(rest.replace(" ", ""))[:0xFFFF]
                ops += b"\x00" + len(m).to_bytes(2, "big") + m
            elif kw == "answer":
                ops += b"\x03\x00" + bytes([{"finish": 0, "respond": 1, "raise": 2}.get(rest.split(" ")[1], 0)])
            elif kw == "eof":
                ops += b"\x06"
            elif kw == "close":
                ops += b"\x07"
        write("etp", name, b"\x00" + ops)
    # server_frames picks and mutates the scripts' frames itself: its
    # seeds are varied control bytes.
    for i in range(32):
        write("server_frames", "seed-%02d" % i, bytes(rng.randrange(256) for _ in range(16 + 8 * i)))
    for t in sorted(os.listdir(OUT)):
        n[t] = len(os.listdir(os.path.join(OUT, t)))
    print(" ".join("%s=%d" % kv for kv in sorted(n.items())))


if __name__ == "__main__":
    sys.exit(main())
