#!/usr/bin/env bash
# `make bench`: EDAL's benchmarks, release build, against natively started LocalStack (S3, SQS) and
# moto (Kinesis) on 127.0.0.1. Prints the figures and writes them as JSON to .bench/results.json.
#
#   micro:  SigV4 signing, event parsing, source templates, detection per object, IsolationForest training and scoring
#   ceiling: the worker's own limit: `edal drain` with SQLite against an in-memory S3/SQS/Kinesis
#           (edal-bench's backend), pinned to one core; objects/s on that core, CPU per object, and
#           the CPU split by stage from a `perf record` profile (infra/perf_stages.py)
#   store:  the SQLite store alone: 10 million claims kept, then 1 million pruned with a 5 s retention
#   e2e:    1 GiB as 10,000 objects of 100 KiB, then 100,000 small objects: upload, let the
#           notifications queue up, `edal drain`; objects/s, worker CPU per object, peak RSS,
#           requests per object by operation, store round trips, and the emulator's ceiling
#
#   BENCH_LARGE_OBJECTS=10000 BENCH_SMALL_OBJECTS=100000 BENCH_STORE_OBJECTS=10000000 BENCH_CEILING_OBJECTS=50000 make bench      (0 skips a run)
#   BENCH_COMPARE_EDAL=/path/to/other/edal make bench   the large run with that binary and this
#       build's, alternately, BENCH_ROUNDS (2) times each: CPU figures on this shared machine move
#       20-30 % between sittings, so a change is only measured against a baseline in the same one
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LARGE="${BENCH_LARGE_OBJECTS:-10000}"
SMALL="${BENCH_SMALL_OBJECTS:-100000}"
WORK="$ROOT/.bench"
export EDAL_TEST_SERVICES_DIR="$ROOT/.bench-services"

"$ROOT/infra/install-deps.sh" --bench
swift build -c release --product edal --package-path "$ROOT"
swift build -c release --product edal-bench --package-path "$ROOT"
BIN="$(swift build -c release --show-bin-path --package-path "$ROOT")"
rm -rf "$WORK"
mkdir -p "$WORK"

echo
"$BIN/edal-bench" micro --json "$WORK/micro.json"

# The worker's own ceiling: the drain on core 0, edal-bench's in-memory backend on core 1 (where there are
# two cores), then the same run under perf for the CPU split by stage.
CEILING="${BENCH_CEILING_OBJECTS:-50000}"
if [ "$CEILING" != 0 ]; then
    echo
    pin=()
    core=()
    if [ "$(nproc)" -ge 2 ]; then pin=(taskset -c 1); core=(--core 0); fi
    "${pin[@]}" "$BIN/edal-bench" ceiling --edal "$BIN/edal" --objects "$CEILING" "${core[@]}" --work "$WORK" --json "$WORK/ceiling.json"
    if perf record -q -o "$WORK/perf-check.data" true >/dev/null 2>&1; then
        "${pin[@]}" "$BIN/edal-bench" ceiling --edal "$BIN/edal" --objects "$CEILING" "${core[@]}" --work "$WORK" --perf-data "$WORK/ceiling.perf" >/dev/null
        cpu="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cpuMillisecondsPerObject"])' "$WORK/ceiling.json")"
        python3 "$ROOT/infra/perf_stages.py" "$WORK/ceiling.perf" --ms-per-object "$cpu" --json "$WORK/ceiling-stages.json"
    else
        echo "perf cannot record here (kernel.perf_event_paranoid?): no CPU split by stage"
    fi
fi

# The SQLite store alone: 10 million claims kept (time per batch at the start and the end, file size),
# then 1 million with a 5 s retention pruned as `edal run` does (the file stays flat).
STORE="${BENCH_STORE_OBJECTS:-10000000}"
if [ "$STORE" != 0 ]; then
    echo
    "$BIN/edal-bench" store --objects "$STORE" --retention 0 --path "$WORK/store.db" --json "$WORK/store.json"
    "$BIN/edal-bench" store --objects "${BENCH_PRUNED_OBJECTS:-1000000}" --retention 5 --path "$WORK/store-pruned.db" --json "$WORK/store-pruned.json"
fi

if [ "$LARGE" != 0 ] || [ "$SMALL" != 0 ]; then
    "$ROOT/infra/test-services.sh" install
    trap '"$ROOT/infra/test-services.sh" stop' EXIT
    "$ROOT/infra/test-services.sh" start
    # shellcheck disable=SC1091
    . "$EDAL_TEST_SERVICES_DIR/env"
    export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION="$EDAL_TEST_REGION"
    export AWS_ENDPOINT_URL_S3="$EDAL_TEST_S3_ENDPOINT" AWS_ENDPOINT_URL_SQS="$EDAL_TEST_SQS_ENDPOINT"
    export AWS_ENDPOINT_URL_KINESIS="$EDAL_TEST_KINESIS_ENDPOINT"
    echo
    echo "EDAL end to end (release, $(nproc) cores, LocalStack $EDAL_TEST_S3_EMULATOR for S3+SQS, moto for Kinesis)"
    if [ -n "${BENCH_COMPARE_EDAL:-}" ]; then
        for round in $(seq 1 "${BENCH_ROUNDS:-2}"); do
            "$BIN/edal-bench" e2e --edal "$BENCH_COMPARE_EDAL" --objects "$LARGE" --object-size 104857 --label "baseline-$round" --work "$WORK" --json "$WORK/baseline-$round.json"
            "$BIN/edal-bench" e2e --edal "$BIN/edal" --objects "$LARGE" --object-size 104857 --label "this-build-$round" --work "$WORK" --json "$WORK/this-build-$round.json"
        done
    elif [ "$LARGE" != 0 ]; then
        "$BIN/edal-bench" e2e --edal "$BIN/edal" --objects "$LARGE" --object-size 104857 --label "large" --work "$WORK" --json "$WORK/large.json"
    fi
    if [ "$SMALL" != 0 ]; then
        "$BIN/edal-bench" e2e --edal "$BIN/edal" --objects "$SMALL" --object-size 1024 --label "small" --work "$WORK" --json "$WORK/small.json"
    fi
fi

# One JSON document with every figure.
python3 - "$WORK" <<'PY'
import json, pathlib, sys
work = pathlib.Path(sys.argv[1])
results = {path.stem: json.loads(path.read_text()) for path in sorted(work.glob("*.json"))
           if path.stem in ("micro", "large", "small", "store", "store-pruned", "ceiling", "ceiling-stages") or path.stem.startswith(("baseline-", "this-build-"))}
(work / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True))
print(f"\nfigures written to {work / 'results.json'}")
PY

# The tables of docs/performance.md are this run's figures.
python3 "$ROOT/infra/bench_table.py" "$WORK/results.json" "$ROOT/docs/performance.md"
