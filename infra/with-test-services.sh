#!/usr/bin/env bash
# Starts the test services, runs the given command with their endpoints in the environment, and
# stops them again whatever the command's outcome. Exits with the command's status.
# Usage: infra/with-test-services.sh COMMAND [ARGS...]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES="$ROOT/infra/test-services.sh"

trap '"$SERVICES" stop' EXIT
trap 'exit 130' INT TERM
"$SERVICES" start || exit 1
set -a
# shellcheck disable=SC1091
. "${EDAL_TEST_SERVICES_DIR:-$ROOT/.test-services}/env"
set +a
"$@"
status=$?
echo  # swift test ends its last line without a newline
if [ "$status" -ne 0 ]; then
    # What the services complained about, for a failure seen only on a CI machine.
    for log in "${EDAL_TEST_SERVICES_DIR:-$ROOT/.test-services}"/*.log; do
        [ -f "$log" ] || continue
        lines="$(grep -E 'WARN|ERROR|Traceback|Exception' "$log" | tail -n 20)"
        [ -n "$lines" ] && printf 'test-services: the last warnings in %s:\n%s\n' "$(basename "$log")" "$lines"
    done
fi
exit "$status"
