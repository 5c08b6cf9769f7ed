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
exit "$status"
