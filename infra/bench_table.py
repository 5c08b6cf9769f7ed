#!/usr/bin/env python3
"""Writes the latest `make bench` figures into docs/performance.md.

    infra/bench_table.py RESULTS_JSON DOC

RESULTS_JSON is `.bench/results.json` as infra/bench.sh writes it; DOC is the Markdown file whose
text between the two marker lines below is replaced by tables of what that run measured (a part
the run skipped is left out). Everything outside the markers is left as it is, so the prose that
explains the benchmarks stays hand-written and the figures are always the last run's.
"""
import json
import os
import pathlib
import platform
import sys

BEGIN = "<!-- the tables below are written by `make bench` (infra/bench_table.py); edits are overwritten -->"
END = "<!-- end of the tables `make bench` writes -->"


def number(value, digits=0):
    return f"{value:,.{digits}f}"


def requests(per_object):
    return ", ".join(f"{name} {value:.3f}" for name, value in sorted(per_object.items()))


def micro_table(micro):
    lines = ["| micro-benchmark (`edal-bench micro`) | time |", "| --- | --- |"]
    for name, seconds in micro.items():
        shown = f"{seconds * 1e3:.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.2f} µs"
        lines.append(f"| {name} | {shown} |")
    return lines


def ceiling_table(ceiling, stages):
    lines = [
        f"| the worker's ceiling (`edal-bench ceiling --objects {ceiling['objects']}`, drain on one core) | |",
        "| --- | --- |",
        f"| worker CPU per object | {ceiling['cpuMillisecondsPerObject']:.3f} ms |",
        f"| objects/s while working | {number(ceiling['workObjectsPerSecond'])} |",
        f"| AWS requests per object | {requests(ceiling['requestsPerObject'])} |",
        f"| peak RSS | {ceiling['peakRSSMegabytes']:.1f} MB |",
        f"| drained completely | {'yes' if ceiling['complete'] else 'no'} |",
    ]
    if stages:
        lines += ["", f"| stage (`perf`, {number(stages['samples'])} samples) | share | ms per object |", "| --- | --- | --- |"]
        for row in stages["stages"]:
            share = row.get("share", 0)
            milliseconds = row.get("ms_per_object")
            shown = f"{milliseconds:.3f}" if milliseconds is not None else ""
            lines.append(f"| {row.get('stage', '?')} | {share * 100:.1f} % | {shown} |")
    return lines


def store_table(store, pruned):
    lines = ["| the SQLite store alone (`edal-bench store`) | objects/s | ms per batch of 10, first → last sample | file | bytes per claim |",
             "| --- | --- | --- | --- | --- |"]
    for label, result in (("claims kept", store), ("claims pruned after 5 s", pruned)):
        if not result:
            continue
        samples = result["samples"]
        rate = result["objects"] / result["seconds"] if result["seconds"] else 0
        first, last = samples[0], samples[-1]
        lines.append(f"| {number(result['objects'])} objects, {label} | {number(rate)} | "
                     f"{first['millisecondsPerBatch']:.3f} → {last['millisecondsPerBatch']:.3f} | "
                     f"{last['fileMegabytes']:.1f} MB | {result['bytesPerClaim']:.0f} |")
    return lines


def drain_table(drains):
    lines = ["| drain against LocalStack (`edal-bench e2e`) | objects/s working | share of the emulator's ceiling | worker CPU per object | AWS requests per object | store round trips per object | peak RSS |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for result in drains:
        lines.append(f"| {result['label']}: {number(result['objects'])} objects, {result['objectBytes'] / 1e6:,.1f} MB in all | {number(result['workObjectsPerSecond'])} | "
                     f"{result['shareOfCeiling'] * 100:.0f} % of {number(result['ceilingObjectsPerSecond'])} | "
                     f"{result['cpuMillisecondsPerObject']:.3f} ms | {result['awsRequestsPerObject']:.3f} | "
                     f"{result['storeRoundTripsPerObject']:.2f} | {result['peakRSSMegabytes']:.1f} MB |")
    return lines


def tables(results):
    cores = os.cpu_count() or 1
    out = [f"Last `make bench` run: release build, {platform.machine()}, {cores} cores.", ""]
    if "micro" in results:
        out += micro_table(results["micro"]) + [""]
    if "ceiling" in results:
        out += ceiling_table(results["ceiling"], results.get("ceiling-stages")) + [""]
    if "store" in results or "store-pruned" in results:
        out += store_table(results.get("store"), results.get("store-pruned")) + [""]
    drains = [results[name] for name in sorted(results) if name in ("large", "small") or name.startswith(("baseline-", "this-build-"))]
    if drains:
        out += drain_table(drains) + [""]
    return out[:-1] if out and out[-1] == "" else out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    results = json.loads(pathlib.Path(sys.argv[1]).read_text())
    document = pathlib.Path(sys.argv[2])
    text = document.read_text()
    if BEGIN not in text or END not in text:
        sys.exit(f"{document} has no marker lines for the benchmark tables")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    document.write_text(head + BEGIN + "\n\n" + "\n".join(tables(results)) + "\n\n" + END + tail)
    print(f"tables written to {document}")


if __name__ == "__main__":
    main()
