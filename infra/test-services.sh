#!/usr/bin/env bash
# The local services EDAL's tests and demo talk to, on free 127.0.0.1 ports, without Docker:
#
#   LocalStack (native, Python >= 3.12)  S3 and SQS, the same LocalStack users run in Docker
#   moto_server                          Kinesis (LocalStack's needs a download at run time)
#   moto_server with IAM auth on         signature checks: a wrong signature gets SignatureDoesNotMatch
#   MongoDB wire-protocol test fixture   infra/testing/mongo_test_server.py (mockupdb + mongomock)
#   credential endpoints stand-in        infra/testing/credentials_stand_in.py (ECS/EKS and IMDSv2)
#
# Where no Python >= 3.12 exists, moto serves S3 and SQS as well (said at start).
#
# Usage: infra/test-services.sh install | start | stop | status
#   install  create the Python environments under .venvs/ (pinned versions; skipped when current)
#   start    start every service, wait until each answers, write .test-services/env
#   stop     stop what start started
# Source .test-services/env to get the endpoints (EDAL_TEST_* variables).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENVS="${EDAL_VENVS:-$ROOT/.venvs}"
STATE="${EDAL_TEST_SERVICES_DIR:-$ROOT/.test-services}"
TESTING="$ROOT/infra/testing"

log() { printf 'test-services: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# A Python of at least 3.12 for LocalStack, or nothing.
find_python312() {
    local candidate
    for candidate in "${EDAL_PYTHON:-}" python3.13 python3.12 python3.14 \
        /root/.pyenv/versions/3.13*/bin/python /root/.pyenv/versions/3.12*/bin/python \
        "$(command -v pyenv >/dev/null 2>&1 && pyenv root)"/versions/3.1[2-9]*/bin/python python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ] || continue
        if "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            command -v "$candidate" 2>/dev/null || echo "$candidate"
            return 0
        fi
    done
    return 1
}

find_python() {
    find_python312 && return 0
    local candidate
    for candidate in python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
            command -v "$candidate"; return 0
        fi
    done
    return 1
}

# make_venv DIR PYTHON STAMP-INPUT... : (re)creates DIR unless its stamp matches the inputs.
venv_is_current() {
    local dir="$1"; shift
    local want; want="$(cat "$@" | sha256sum | cut -d' ' -f1)"
    [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.edal-stamp" 2>/dev/null)" = "$want" ]
}
stamp_venv() {
    local dir="$1"; shift
    cat "$@" | sha256sum | cut -d' ' -f1 > "$dir/.edal-stamp"
}

install() {
    mkdir -p "$VENVS"
    local python
    python="$(find_python)" || die "no python3 >= 3.9 found; install python3 and python3-venv"
    if ! venv_is_current "$VENVS/tools" "$TESTING/requirements-tools.txt"; then
        log "installing test tools into $VENVS/tools (moto, botocore, mockupdb, mongomock) with $python"
        rm -rf "$VENVS/tools"
        "$python" -m venv "$VENVS/tools"
        "$VENVS/tools/bin/pip" install --quiet --disable-pip-version-check -r "$TESTING/requirements-tools.txt"
        stamp_venv "$VENVS/tools" "$TESTING/requirements-tools.txt"
    fi
    local python312
    if python312="$(find_python312)"; then
        if ! venv_is_current "$VENVS/localstack" "$TESTING/requirements-localstack.txt" "$TESTING/requirements-localstack-pins.txt"; then
            log "installing LocalStack into $VENVS/localstack with $python312 (about a minute)"
            rm -rf "$VENVS/localstack"
            "$python312" -m venv "$VENVS/localstack"
            "$VENVS/localstack/bin/pip" install --quiet --disable-pip-version-check -r "$TESTING/requirements-localstack.txt"
            "$VENVS/localstack/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$TESTING/requirements-localstack-pins.txt"
            stamp_venv "$VENVS/localstack" "$TESTING/requirements-localstack.txt" "$TESTING/requirements-localstack-pins.txt"
        fi
    else
        log "no Python >= 3.12 found: LocalStack cannot run natively; moto will serve S3 and SQS too"
    fi
}

free_port() {
    "$VENVS/tools/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_bg NAME COMMAND... : runs COMMAND in the background, logging to $STATE/NAME.log.
start_bg() {
    local name="$1"; shift
    ( cd "$STATE" && exec setsid "$@" ) > "$STATE/$name.log" 2>&1 < /dev/null &
    echo $! > "$STATE/$name.pid"
}

# wait_http NAME URL SECONDS
wait_http() {
    local name="$1" url="$2" seconds="$3" i
    for ((i = 0; i < seconds * 4; i++)); do
        if curl -s -o /dev/null --max-time 2 "$url"; then return 0; fi
        if ! kill -0 "$(cat "$STATE/$name.pid")" 2>/dev/null; then
            tail -n 30 "$STATE/$name.log" >&2
            die "$name exited during start-up (log above, full log in $STATE/$name.log)"
        fi
        sleep 0.25
    done
    tail -n 30 "$STATE/$name.log" >&2
    die "$name did not answer at $url within ${seconds}s"
}

start() {
    [ -x "$VENVS/tools/bin/python" ] || install
    command -v curl >/dev/null 2>&1 || die "curl is needed to wait for the services (apt-get install curl)"
    stop quiet
    mkdir -p "$STATE"
    local env="$STATE/env.partial"
    : > "$env"
    {
        echo "# written by infra/test-services.sh start; source it to reach the test services"
        echo "export EDAL_TEST_SERVICES=1"
        echo "export EDAL_TEST_REGION=us-east-1"
        echo "export EDAL_TEST_PYTHON=$VENVS/tools/bin/python"
        echo "export EDAL_TEST_SERVICES_DIR=$STATE"
        echo "export EDAL_TEST_MONGO_FIXTURE_SCRIPT=$TESTING/mongo_test_server.py"
        # The AWS CLI the LocalStack venv brings, for the localstack-init hook test.
        if [ -x "$VENVS/localstack/bin/aws" ]; then echo "export EDAL_TEST_AWS_CLI=$VENVS/localstack/bin/aws"; fi
    } >> "$env"

    local s3_sqs_port kinesis_port auth_port
    if [ -x "$VENVS/localstack/bin/python" ]; then
        s3_sqs_port="$(free_port)"
        mkdir -p "$STATE/localstack"
        start_bg localstack env GATEWAY_LISTEN="127.0.0.1:$s3_sqs_port" LOCALSTACK_HOST="127.0.0.1:$s3_sqs_port" \
            SQS_ENDPOINT_STRATEGY=path SERVICES=s3,sqs,cloudformation,iam,sts LOCALSTACK_VOLUME_DIR="$STATE/localstack" DISABLE_EVENTS=1 \
            "$VENVS/localstack/bin/python" -m localstack.runtime.main
        echo "export EDAL_TEST_S3_EMULATOR=localstack" >> "$env"
    else
        s3_sqs_port="$(free_port)"
        start_bg moto-s3-sqs "$VENVS/tools/bin/moto_server" -H 127.0.0.1 -p "$s3_sqs_port"
        echo "export EDAL_TEST_S3_EMULATOR=moto" >> "$env"
        log "S3 and SQS from moto (no Python >= 3.12 for LocalStack): deep queues will be slow"
    fi

    kinesis_port="$(free_port)"
    # Kinesis through a wrapper that fixes a race in moto (concurrent PutRecords could lose a record).
    start_bg moto-kinesis "$VENVS/tools/bin/python" "$TESTING/moto_kinesis_server.py" -H 127.0.0.1 -p "$kinesis_port"
    auth_port="$(free_port)"
    start_bg moto-auth env INITIAL_NO_AUTH_ACTION_COUNT=3 "$VENVS/tools/bin/moto_server" -H 127.0.0.1 -p "$auth_port"
    local credentials_port
    credentials_port="$(free_port)"
    start_bg credentials-stand-in "$VENVS/tools/bin/python" "$TESTING/credentials_stand_in.py" --port "$credentials_port" \
        --sts-upstream "http://127.0.0.1:$auth_port" --sts-keys-file "$STATE/env"
    rm -f "$STATE/mongo.port"
    start_bg mongo-fixture "$VENVS/tools/bin/python" "$TESTING/mongo_test_server.py" --host 127.0.0.1 --port 0 \
        --port-file "$STATE/mongo.port"

    if [ -f "$STATE/localstack.pid" ]; then
        wait_http localstack "http://127.0.0.1:$s3_sqs_port/_localstack/health" 90
    else
        wait_http moto-s3-sqs "http://127.0.0.1:$s3_sqs_port/moto-api/" 30
    fi
    wait_http moto-kinesis "http://127.0.0.1:$kinesis_port/moto-api/" 30
    wait_http moto-auth "http://127.0.0.1:$auth_port/moto-api/" 30
    wait_http credentials-stand-in "http://127.0.0.1:$credentials_port/" 30
    local i
    for ((i = 0; i < 120; i++)); do [ -s "$STATE/mongo.port" ] && break; sleep 0.25; done
    [ -s "$STATE/mongo.port" ] || { tail -n 30 "$STATE/mongo-fixture.log" >&2; die "the MongoDB test fixture did not start"; }

    {
        echo "export EDAL_TEST_S3_ENDPOINT=http://127.0.0.1:$s3_sqs_port"
        echo "export EDAL_TEST_SQS_ENDPOINT=http://127.0.0.1:$s3_sqs_port"
        echo "export EDAL_TEST_KINESIS_ENDPOINT=http://127.0.0.1:$kinesis_port"
        echo "export EDAL_TEST_AUTH_ENDPOINT=http://127.0.0.1:$auth_port"
        echo "export EDAL_TEST_CREDENTIALS_STAND_IN=http://127.0.0.1:$credentials_port"
        echo "export EDAL_TEST_MONGO_FIXTURE_URI='mongodb://127.0.0.1:$(cat "$STATE/mongo.port")/?directConnection=true'"
        "$VENVS/tools/bin/python" "$TESTING/moto_iam_bootstrap.py" "http://127.0.0.1:$auth_port"
    } >> "$env"
    mv "$env" "$STATE/env"
    log "ready: S3+SQS :$s3_sqs_port ($(grep -o 'EMULATOR=.*' "$STATE/env" | cut -d= -f2)), Kinesis :$kinesis_port, signature-checking moto :$auth_port, credentials stand-in :$credentials_port, MongoDB fixture :$(cat "$STATE/mongo.port")"
}

stop() {
    local quiet="${1:-}" pidfile pid
    [ -d "$STATE" ] || return 0
    for pidfile in "$STATE"/*.pid; do
        [ -e "$pidfile" ] || continue
        pid="$(cat "$pidfile")"
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
            [ -n "$quiet" ] || log "stopped $(basename "$pidfile" .pid)"
        fi
        rm -f "$pidfile"
    done
    rm -f "$STATE/env"
}

status() {
    local pidfile
    for pidfile in "$STATE"/*.pid; do
        [ -e "$pidfile" ] || { echo "nothing running"; return 0; }
        if kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "$(basename "$pidfile" .pid): running"; else echo "$(basename "$pidfile" .pid): dead"; fi
    done
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
