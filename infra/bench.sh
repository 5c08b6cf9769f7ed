#!/usr/bin/env bash
# `make bench`: EDAL's benchmarks, release build, against natively started LocalStack (S3, SQS) and
# moto (Kinesis) on 127.0.0.1. Prints the figures and writes them as JSON to .bench/results.json.
#
#   micro:  SigV4 signing, event parsing, source templates, detection per object, IsolationForest training and scoring
#   store:  the SQLite store alone: 10 million claims kept, then 1 million pruned with a 5 s retention
#   e2e:    1 GiB as 10,000 objects of 100 KiB, then 100,000 small objects: upload, let the
#           notifications queue up, `edal drain`; objects/s, worker CPU per object, peak RSS,
#           requests per object by operation, store round trips, and the emulator's ceiling
#
#   BENCH_LARGE_OBJECTS=10000 BENCH_SMALL_OBJECTS=100000 BENCH_STORE_OBJECTS=10000000 make bench      (0 skips a run)
#   BENCH_COMPARE_EDAL=/path/to/other/edal make bench   the large run with that binary and this
#       build's, alternately, BENCH_ROUNDS (2) times each: CPU figures on this shared machine move
#       20-30 % between sittings, so a change is only measured against a baseline in the same one
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LARGE="${BENCH_LARGE_OBJECTS:-10000}"
SMALL="${BENCH_SMALL_OBJECTS:-100000}"
WORK="$ROOT/.bench"
export EDAL_TEST_SERVICES_DIR="$ROOT/.bench-services"

"$ROOT/infra/install-deps.sh"
swift build -c release --product edal --package-path "$ROOT"
swift build -c release --product edal-bench --package-path "$ROOT"
BIN="$(swift build -c release --show-bin-path --package-path "$ROOT")"
rm -rf "$WORK"
mkdir -p "$WORK"

echo
"$BIN/edal-bench" micro --json "$WORK/micro.json"

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
           if path.stem in ("micro", "large", "small", "store", "store-pruned") or path.stem.startswith(("baseline-", "this-build-"))}
(work / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True))
print(f"\nfigures written to {work / 'results.json'}")
PY
