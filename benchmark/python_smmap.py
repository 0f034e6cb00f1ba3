"""Python smmap's side of `npm run bench`: one run of one workload on the same file, settings
and offsets as the JavaScript contenders (given as JSON in argv[1]; offsets as little-endian
u64 files), timed here in CPU time and reported as one JSON object on stdout. Nothing else
is printed on stdout. bench.js runs it once per round, between the JavaScript contenders
(see bench.js for why rounds, why CPU time and why RSS is sampled).
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
    workload = spec["workload"]
    if workload == "version":
        out = {"python": sys.version.split()[0], "smmap": getattr(smmap, "__version__", "?")}
    elif workload == "w1b":
        out = w1b(spec["file"], load_offsets(spec["offsets"]), spec["read"])
    elif workload == "w2":
        out = w2(spec["file"], load_offsets(spec["offsets"]), spec["read"], spec["windowSize"], spec["maxMemorySize"], spec["sampleEvery"])
    elif workload == "w3":
        out = w3(spec["file"], spec["size"], spec["chunk"], spec["windowSize"], spec["maxMemorySize"], spec["sampleEvery"])
    else:
        raise SystemExit(f"unknown workload {workload!r}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
