#!/usr/bin/env bash
# `make demo`: EDAL end to end on this machine, no Docker. Installs what is missing, builds a release
# binary, starts LocalStack (S3, SQS) and moto (Kinesis) natively on 127.0.0.1, runs `edal setup`,
# fills one bucket the way three producers would (MELT telemetry with summary metadata from our
# generator, CloudTrail and ALB access logs laid out as AWS writes them), drains it in two rounds (a
# clean first hour from which every source learns its baseline, then traffic with injected incidents),
# prints the summary, example signals, the detection quality against the ground truth and the
# sources EDAL found; then starts `edal run` with the operator page, gives it one more batch so it
# has signals of its own to show, writes the page to .demo/report.html, prints its URL and (on a
# terminal) keeps it running until Enter; then stops what it started.
#
#   SIZE=1GiB make demo        the proof of concept's acceptance run (10,240 MELT objects of 100 KiB)
#   OBJECTS=500 make demo      a quick look
#   PAGE_OBJECTS=300           the live worker's batch (0: no page step)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZE="${SIZE:-200MiB}"
AWS_OBJECTS="${AWS_OBJECTS:-400}"
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
RUN_PID=""
cleanup() {
    if [ -n "$RUN_PID" ]; then kill -TERM "$RUN_PID" 2>/dev/null || true; wait "$RUN_PID" 2>/dev/null || true; fi
    "$ROOT/infra/test-services.sh" stop
}
trap cleanup EXIT
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

WARM=$(( OBJECTS / 3 ))
say "edal generate: a clean first batch of $WARM MELT objects, and CloudTrail and ALB logs as AWS lays them out ($AWS_OBJECTS each)"
"$EDAL" generate --bucket "$BUCKET" --objects "$WARM" --object-size "$OBJECT_SIZE" --anomaly-rate 0 \
    --seed "$SEED" --manifest "$WORK/melt-learning.jsonl"
"$EDAL" generate --bucket "$BUCKET" --profile cloudtrail --sources 4 --objects "$AWS_OBJECTS" --seed "$SEED" --manifest "$WORK/cloudtrail.jsonl"
"$EDAL" generate --bucket "$BUCKET" --profile alb --sources 2 --objects "$AWS_OBJECTS" --seed "$SEED" --manifest "$WORK/alb.jsonl"

say "edal drain: every notification, claim -> HEAD -> judge against the object's source -> signal"
status=0
"$EDAL" drain --summary-json "$WORK/summary-1.json" || status=$?

say "edal generate: $OBJECTS more MELT objects of $OBJECT_SIZE, ${ANOMALY_RATE} with injected anomalies"
"$EDAL" generate --bucket "$BUCKET" --objects "$OBJECTS" --first-index "$WARM" --object-size "$OBJECT_SIZE" \
    --anomaly-rate "$ANOMALY_RATE" --seed "$SEED" --manifest "$WORK/melt.jsonl"

say "edal drain: the second batch"
"$EDAL" drain --summary-json "$WORK/summary.json" || status=$?

say "edal signals: what reached Kinesis, and how it compares with the ground truth"
"$EDAL" signals --manifest "$WORK/melt.jsonl" --manifest "$WORK/cloudtrail.jsonl" --manifest "$WORK/alb.jsonl" --examples 2

say "edal sources: what EDAL learnt about the bucket"
"$EDAL" sources

PAGE_OBJECTS="${PAGE_OBJECTS:-300}"
if [ "$PAGE_OBJECTS" != 0 ]; then
    say "edal run: a live worker with the operator page, and $PAGE_OBJECTS more MELT objects for it"
    PAGE_PORT="${PAGE_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
    EDAL_OPERATOR_ADDRESS="127.0.0.1:$PAGE_PORT" EDAL_METRICS_ADDRESS=127.0.0.1:0 EDAL_LOG_LEVEL=warning \
        "$EDAL" run > "$WORK/run.log" 2>&1 &
    RUN_PID=$!
    health() { curl -fs "http://127.0.0.1:$PAGE_PORT/api/health" 2>/dev/null || true; }
    deleted() { health | python3 -c 'import json, sys; print(json.load(sys.stdin).get("messagesDeleted", 0))' 2>/dev/null || echo 0; }
    for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$PAGE_PORT/api/health" >/dev/null 2>&1 && break; sleep 0.5; done
    "$EDAL" generate --bucket "$BUCKET" --objects "$PAGE_OBJECTS" --first-index $(( WARM + OBJECTS )) --object-size "$OBJECT_SIZE" \
        --anomaly-rate 0.1 --seed "$(( SEED + 1 ))" --manifest "$WORK/melt-page.jsonl"
    for _ in $(seq 1 240); do [ "$(deleted)" -ge "$PAGE_OBJECTS" ] && break; sleep 0.5; done
    curl -fs "http://127.0.0.1:$PAGE_PORT/" -o "$WORK/report.html"
    say "the operator page: http://127.0.0.1:$PAGE_PORT/ ($(deleted) messages done by this worker); a snapshot is in .demo/report.html"
    if [ -t 0 ] && [ -z "${CI:-}" ]; then
        read -r -p "press Enter to stop the worker and the services " _
    fi
fi

say "done (drain exit status $status); the summary is in .demo/summary.json"
exit "$status"
