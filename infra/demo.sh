#!/usr/bin/env bash
# `make demo`: EDAL end to end on this machine, no Docker. Installs what is missing, builds a release
# binary, starts LocalStack (S3, SQS) and moto (Kinesis) natively on 127.0.0.1, runs `edal setup`,
# uploads a synthetic MELT batch with injected anomalies, trains the baseline, drains the queue,
# prints the summary, example signals and the detection quality, then stops what it started.
#
#   SIZE=1GiB make demo        the proof of concept's acceptance run (10,240 objects of 100 KiB)
#   OBJECTS=500 make demo      a quick look
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZE="${SIZE:-200MiB}"
OBJECT_SIZE="${OBJECT_SIZE:-100KiB}"
ANOMALY_RATE="${ANOMALY_RATE:-0.05}"
SEED="${SEED:-42}"
BUCKET="${BUCKET:-edal-demo-telemetry}"
WORK="$ROOT/.demo"
export EDAL_TEST_SERVICES_DIR="$ROOT/.demo-services"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Objects from SIZE / OBJECT_SIZE unless OBJECTS is given.
to_bytes() {
    local text="$1" number unit
    number="${text%%[A-Za-z]*}"
    unit="${text#"$number"}"
    case "$unit" in
        ""|B) echo "$number" ;;
        KiB|K) echo $((number * 1024)) ;;
        MiB|M) echo $((number * 1024 * 1024)) ;;
        GiB|G) echo $((number * 1024 * 1024 * 1024)) ;;
        KB) echo $((number * 1000)) ;;
        MB) echo $((number * 1000 * 1000)) ;;
        GB) echo $((number * 1000 * 1000 * 1000)) ;;
        *) echo "demo: cannot read size $text (write e.g. 200MiB or 1GiB)" >&2; exit 2 ;;
    esac
}
OBJECTS="${OBJECTS:-$(( $(to_bytes "$SIZE") / $(to_bytes "$OBJECT_SIZE") ))}"

say "installing what is missing (Debian packages, Python services)"
"$ROOT/infra/install-deps.sh"
"$ROOT/infra/test-services.sh" install

say "building the release binary"
swift build -c release --product edal --package-path "$ROOT"
EDAL="$(swift build -c release --show-bin-path --package-path "$ROOT")/edal"

say "starting LocalStack (S3, SQS) and moto (Kinesis) on 127.0.0.1"
trap '"$ROOT/infra/test-services.sh" stop' EXIT
"$ROOT/infra/test-services.sh" start
# shellcheck disable=SC1091
. "$EDAL_TEST_SERVICES_DIR/env"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION="$EDAL_TEST_REGION"
export AWS_ENDPOINT_URL_S3="$EDAL_TEST_S3_ENDPOINT" AWS_ENDPOINT_URL_SQS="$EDAL_TEST_SQS_ENDPOINT"
export AWS_ENDPOINT_URL_KINESIS="$EDAL_TEST_KINESIS_ENDPOINT"
rm -rf "$WORK"
mkdir -p "$WORK"
export EDAL_STATE_STORE_URI="sqlite:$WORK/edal-state.db"
export EDAL_WATCH="$BUCKET"
export EDAL_LOG_LEVEL="${EDAL_LOG_LEVEL:-warning}"

say "edal setup: bucket, notification queue + DLQ, Kinesis stream, fallback queue"
"$EDAL" setup --bucket "$BUCKET"

say "edal generate: $OBJECTS objects of $OBJECT_SIZE, ${ANOMALY_RATE} with injected anomalies"
"$EDAL" generate --bucket "$BUCKET" --objects "$OBJECTS" --object-size "$OBJECT_SIZE" --anomaly-rate "$ANOMALY_RATE" \
    --seed "$SEED" --manifest "$WORK/manifest.jsonl"

say "edal train: a baseline per telemetry kind, from object metadata (HEAD only)"
"$EDAL" train --objects 2000

say "edal drain: every notification, claim -> HEAD -> score -> signal"
status=0
"$EDAL" drain --summary-json "$WORK/summary.json" || status=$?

say "edal signals: what reached Kinesis, and how it compares with the generator's ground truth"
"$EDAL" signals --manifest "$WORK/manifest.jsonl" --examples 2

say "done (drain exit status $status); the summary is in .demo/summary.json"
exit "$status"
