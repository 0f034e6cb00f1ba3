"""Python smmap's side of `npm run bench`: the same file, settings and offsets as the
JavaScript contenders (given as JSON in argv[1]; offsets as little-endian u64 files), timed
here and reported as one JSON object on stdout. Nothing else is printed on stdout.

Each workload runs `repeats` times on a fresh manager and reports its fastest run in CPU
time, as the JavaScript side does (see bench.js for why CPU time, and why RSS is sampled).
"""
import json
import os
import sys
import time
from array import array

import smmap
from smmap import SlidingWindowMapManager

PAGE = 4096
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rss():
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * PAGE_SIZE


def load_offsets(path):
    offsets = array("Q")
    with open(path, "rb") as f:
        offsets.frombytes(f.read())
    if sys.byteorder != "little":
        offsets.byteswap()
    return offsets


def fastest(repeats, run):
    best = None
    for _ in range(repeats):
        result = run()
        if best is None or result["seconds"] < best["seconds"]:
            best = result
    return best


def w1b(path, offsets, read):
    """cursor.use_region(o, 64).buffer()[0] with the default manager and resident windows."""
    man = SlidingWindowMapManager()
    cursor = man.make_cursor(path)
    # Fault every page in first (the JavaScript side does too): this measures hits.
    cursor.use_region(0, 0)
    bytes(cursor.buffer()[::PAGE])
    total = 0
    start = time.process_time_ns()
    for o in offsets:
        cursor.use_region(o, read)
        total += cursor.buffer()[0]
    seconds = (time.process_time_ns() - start) / 1e9
    cursor.unuse_region()
    man.collect()
    return {"seconds": seconds, "sum": total}


def w2(path, offsets, read, window_size, max_memory_size, sample_every):
    """Random page reads copied out, with a budget far below the file: nearly all misses."""
    man = SlidingWindowMapManager(window_size=window_size, max_memory_size=max_memory_size)
    cursor = man.make_cursor(path)
    scratch = bytearray(read)
    base = peak = rss()
    total = 0
    start = time.process_time_ns()
    for i, o in enumerate(offsets):
        cursor.use_region(o, read)
        view = cursor.buffer()
        scratch[: len(view)] = view
        # A live view would stop smmap from unmapping the region when it is evicted.
        view.release()
        total += scratch[0] + scratch[read - 1]
        if i % sample_every == 0:
            peak = max(peak, rss())
    seconds = (time.process_time_ns() - start) / 1e9
    cursor.unuse_region()
    man.collect()
    return {"seconds": seconds, "sum": total, "peakRss": peak - base}


def w3(path, size, chunk, window_size, max_memory_size, sample_every):
    """A sequential pass in `chunk`-byte views, reading the first byte of every page."""
    man = SlidingWindowMapManager(window_size=window_size, max_memory_size=max_memory_size)
    cursor = man.make_cursor(path)
    base = peak = rss()
    total = 0
    chunks = 0
    ofs = 0
    start = time.process_time_ns()
    while ofs < size:
        cursor.use_region(ofs, chunk)
        view = cursor.buffer()
        total += sum(view[::PAGE])
        ofs += len(view)
        view.release()
        chunks += 1
        if chunks % sample_every == 0:
            peak = max(peak, rss())
    seconds = (time.process_time_ns() - start) / 1e9
    cursor.unuse_region()
    man.collect()
    return {"seconds": seconds, "sum": total, "peakRss": peak - base}


def main():
    spec = json.loads(sys.argv[1])
    path, size, repeats = spec["file"], spec["size"], spec["repeats"]
    s1, s2, s3 = spec["w1b"], spec["w2"], spec["w3"]
    w1b_offsets = load_offsets(s1["offsets"])
    w2_offsets = load_offsets(s2["offsets"])
    out = {
        "python": sys.version.split()[0],
        "smmap": getattr(smmap, "__version__", "?"),
        "w1b": fastest(repeats, lambda: w1b(path, w1b_offsets, s1["read"])),
        "w2": fastest(repeats, lambda: w2(path, w2_offsets, s2["read"], s2["windowSize"], s2["maxMemorySize"], s2["sampleEvery"])),
        "w3": fastest(repeats, lambda: w3(path, size, s3["chunk"], s3["windowSize"], s3["maxMemorySize"], s3["sampleEvery"])),
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
