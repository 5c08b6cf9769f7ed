#!/usr/bin/env python3
"""The worker's CPU split by stage, from a `perf record -g` profile of `edal drain`.

    infra/perf_stages.py PERF_DATA [--ms-per-object X] [--json PATH] [--top N]

Every sample is given to one stage: walking its call stack from the innermost frame outwards, the
first frame that belongs to one of the worker's stages (receive and parse, claim and complete, HEAD,
detect and score, publish, delete) decides; a sample with none of those in its stack goes to a
shared row (HTTP client and NIO event loops, the Swift concurrency runtime, ...). So a signature
computed for a HEAD counts as HEAD, while socket reads and writes on NIO's event loop, which no
stage's frames reach, count as "HTTP client and NIO". Symbols are demangled with swift-demangle.
With --ms-per-object (the measured CPU per object), each share is also given in ms per object.
"""
import argparse
import collections
import json
import re
import shutil
import subprocess
import sys

# (stage, pattern on the demangled frame); worker stages first, in the order a message meets them.
STAGES = [
    ("receive and parse", r"receiveMessage|NotificationParser|S3Notification|ObjectCreatedEvent|ObjectEventLimits|FormDecoding|BucketAllowList"),
    ("claim and complete (SQLite)", r"EDALState\.|sqlite3|ClaimRules"),
    ("HEAD", r"headObject|objectHead|S3Client\."),
    ("detect and score", r"EDALDetection\.|SourceTracker"),
    ("publish", r"SignalPublisher|SignalBuilder|EDALWorker\.Signal\b|SignalID|SignalMetadataPolicy|KinesisClient|putRecords"),
    ("delete and visibility", r"deleteMessageBatch|changeMessageVisibility|VisibilityHeartbeat"),
]
SHARED = [
    # SQLite is built without frame pointers: its writes show only as these system calls.
    ("store file I/O (SQLite's writes and syncs)", r"pwrite|fdatasync|fsync|pread"),
    ("signing (outside a stage)", r"SigV4"),
    ("JSON coding (outside a stage)", r"JSONEncoder|JSONDecoder|JSONSerialization|AWSJSONProtocol"),
    ("HTTP client and NIO", r"AsyncHTTPClient|NIOCore|NIOPosix|NIOHTTP1|NIOSSL|EDALAWS\.AWSClient|HTTP1ConnectionPool|HTTP1ExchangeHandler|epoll|HTTPClient"),
    ("worker loop and pipeline", r"EDALWorker\.|edal\."),
    ("Swift concurrency runtime", r"swift_task|swift::|swift_job|swift_continuation|Dispatch"),
]
# Only where nothing above is in the stack (the caller could not be unwound).
LAST = [
    ("allocation and reference counting (caller unknown)", r"malloc|_int_free|cfree|swift_retain|swift_release|swift_allocObject"),
]
COMPILED = [(name, re.compile(pattern)) for name, pattern in STAGES]
COMPILED_SHARED = [(name, re.compile(pattern)) for name, pattern in SHARED]
COMPILED_LAST = [(name, re.compile(pattern)) for name, pattern in LAST]


def samples(perf_data):
    """Yields each sample's symbols, innermost first."""
    perf = shutil.which("perf") or "/usr/bin/perf"
    out = subprocess.run([perf, "script", "-i", perf_data, "-F", "comm,tid,ip,sym", "--no-inline"],
                         check=True, capture_output=True, text=True, errors="replace").stdout
    frames = None
    for line in out.splitlines():
        if not line.strip():
            if frames:
                yield frames
            frames = None
            continue
        if not line.startswith((" ", "\t")):
            if frames:
                yield frames
            frames = []
            continue
        parts = line.strip().split(None, 1)
        if frames is not None:
            frames.append(parts[1] if len(parts) > 1 else "[unknown]")
    if frames:
        yield frames


def demangle(symbols):
    tool = shutil.which("swift-demangle")
    if not tool or not symbols:
        return {s: s for s in symbols}
    ordered = list(symbols)
    result = subprocess.run([tool], input="\n".join(ordered) + "\n", capture_output=True, text=True, errors="replace").stdout.splitlines()
    return dict(zip(ordered, result)) if len(result) == len(ordered) else {s: s for s in symbols}


def classify(frames, names):
    for tier in (COMPILED, COMPILED_SHARED, COMPILED_LAST):
        for frame in frames:
            name = names.get(frame, frame)
            for stage, pattern in tier:
                if pattern.search(name):
                    return stage
    leaf = frames[0] if frames else ""
    return "kernel and libc (outside a stage)" if ("[unknown]" in leaf or leaf.startswith("__") or "kernel" in leaf) else "other"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("perf_data")
    parser.add_argument("--ms-per-object", type=float)
    parser.add_argument("--json")
    parser.add_argument("--top", type=int, default=0, help="also list the N hottest innermost frames")
    arguments = parser.parse_args()

    all_samples = list(samples(arguments.perf_data))
    symbols = {frame for frames in all_samples for frame in frames}
    names = demangle(symbols)
    counts = collections.Counter(classify(frames, names) for frames in all_samples)
    leaves = collections.Counter(names.get(frames[0], frames[0])[:150] for frames in all_samples if frames)
    total = sum(counts.values()) or 1

    order = [name for name, _ in STAGES + SHARED + LAST] + ["kernel and libc (outside a stage)", "other"]
    rows = [{"stage": stage, "samples": counts[stage], "share": counts[stage] / total,
             "ms_per_object": (counts[stage] / total * arguments.ms_per_object) if arguments.ms_per_object else None}
            for stage in order if counts[stage]]
    print(f"worker CPU by stage ({total} samples of `edal drain`)")
    for row in rows:
        ms = f"  {row['ms_per_object']:.4f} ms/object" if row["ms_per_object"] is not None else ""
        print(f"  {row['stage']:<52} {100 * row['share']:5.1f} %{ms}")
    if arguments.top:
        print(f"hottest innermost frames:")
        for name, count in leaves.most_common(arguments.top):
            print(f"  {100 * count / total:5.1f} %  {name}")
    if arguments.json:
        with open(arguments.json, "w") as handle:
            json.dump({"samples": total, "stages": rows, "hottest": leaves.most_common(40)}, handle, indent=2)


if __name__ == "__main__":
    sys.exit(main())
