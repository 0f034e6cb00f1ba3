"""Python smmap's side of `npm run bench`: one run of one workload on the same file, settings
and offsets as the JavaScript contenders (given as JSON in argv[1]; offsets as little-endian
u64 files), reported as one JSON object on stdout with the seconds each clock measured (wall,
process CPU, this thread's CPU) and a checksum the JavaScript contenders must match. Nothing
else is printed on stdout. harness.js runs it as a child process once per round, between the
JavaScript contenders (see harness.js for why).
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
# Peak RSS is sampled as workloads.js samples it (see SAMPLE_READS there), if spec asks.
SAMPLE_READS = 256
SAMPLE_BYTES = 8 * 1024 * 1024


def rss():
    """Resident bytes, and of those the ones backed by files or shared memory (as harness.js reads them)."""
    with open("/proc/self/statm", "rb") as f:
        fields = f.read().split()
    return (int(fields[1]) * PAGE_SIZE, int(fields[2]) * PAGE_SIZE)


def peaks(sampling, base, peak):
    """What a run reports of RSS: the growth of its peak when sampled (as harness.js's rssPeak)."""
    return {"peakRss": peak[0] - base[0], "peakRssFile": peak[1] - base[1]} if sampling else {}


def load_offsets(path):
    offsets = array("Q")
    if path is None:
        return offsets
    with open(path, "rb") as f:
        offsets.frombytes(f.read())
    if sys.byteorder != "little":
        offsets.byteswap()
    return offsets


def clock():
    return (time.perf_counter_ns(), time.process_time_ns(), time.thread_time_ns())


def done(start, total, **extra):
    end = clock()
    wall, cpu, thread = ((b - a) / 1e9 for a, b in zip(start, end))
    return {"wall": wall, "cpu": cpu, "thread": thread, "sum": total, **extra}


def manager(spec):
    kwargs = {}
    if spec.get("window"):
        kwargs["window_size"] = spec["window"]
    if spec.get("budget"):
        kwargs["max_memory_size"] = spec["budget"]
    return SlidingWindowMapManager(**kwargs)


def warm_up(loop, warmup):
    """The reads workloads.js makes before its timed call (`warmUp` there): the warm-up list
    twice. Python compiles nothing; this leaves its budget and the file's pages as Node's."""
    loop(warmup)
    loop(warmup)


def views(spec, offsets, warmup):
    """cursor.use_region(o, read).buffer()[0] with the default manager and resident windows."""
    man = manager(spec)
    cursor = man.make_cursor(spec["file"])
    read = spec["read"]
    # Fault every page in first (the JavaScript side does too): this measures hits.
    cursor.use_region(0, 0)
    bytes(cursor.buffer()[::PAGE])

    def loop(offsets):
        total = 0
        for o in offsets:
            cursor.use_region(o, read)
            total += cursor.buffer()[0]
        return total

    warm_up(loop, warmup)
    start = clock()
    out = done(start, loop(offsets))
    cursor.unuse_region()
    man.collect()
    return out


def pages(spec, offsets, warmup):
    """Random reads copied out, with a budget far below the file: nearly all misses."""
    base = peak = rss()
    man = manager(spec)
    cursor = man.make_cursor(spec["file"])
    read = spec["read"]
    sampling = spec.get("sampleRss")
    scratch = bytearray(read)

    def loop(offsets):
        nonlocal peak
        total = 0
        for i, o in enumerate(offsets):
            cursor.use_region(o, read)
            view = cursor.buffer()
            scratch[: len(view)] = view
            # A live view would stop smmap from unmapping the region when it is evicted.
            view.release()
            total += scratch[0] + scratch[read - 1]
            if sampling and i % SAMPLE_READS == 0:
                peak = max(peak, rss())
        return total

    warm_up(loop, warmup)  # the steady state: the budget is full and every miss evicts
    start = clock()
    out = done(start, loop(offsets), **peaks(sampling, base, peak))
    cursor.unuse_region()
    man.collect()
    return out


def pass_chunks(spec, offsets, warmup):
    """A sequential pass in `chunk`-byte views, reading the first byte of every page; first
    over `warmupBytes` and then `warmupPasses` times over the whole file, each with its own
    manager, as workloads.js does (see `warmed` there)."""
    if spec.get("warmupBytes"):
        one_pass(spec, min(spec["warmupBytes"], spec["size"]))
        for _ in range(spec["warmupPasses"]):
            one_pass(spec, spec["size"])
    return one_pass(spec, spec["size"])


def one_pass(spec, size):
    base = peak = rss()
    man = manager(spec)
    cursor = man.make_cursor(spec["file"])
    chunk = spec["chunk"]
    sampling = spec.get("sampleRss")
    total = 0
    unsampled = 0
    ofs = 0
    start = clock()
    while ofs < size:
        cursor.use_region(ofs, min(chunk, size - ofs))
        view = cursor.buffer()
        total += sum(view[::PAGE])
        ofs += len(view)
        unsampled += len(view)
        view.release()
        if sampling and unsampled >= SAMPLE_BYTES:
            unsampled = 0
            peak = max(peak, rss())
    out = done(start, total, **peaks(sampling, base, peak))
    cursor.unuse_region()
    man.collect()
    return out


KINDS = {"views": views, "pages": pages, "pass": pass_chunks}


def main():
    spec = json.loads(sys.argv[1])
    if spec["kind"] == "version":
        out = {"python": sys.version.split()[0], "smmap": getattr(smmap, "__version__", "?")}
    elif spec["kind"] in KINDS:
        out = KINDS[spec["kind"]](spec, load_offsets(spec.get("offsets")), load_offsets(spec.get("warmup")))
    else:
        raise SystemExit(f"unknown kind {spec['kind']!r}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
