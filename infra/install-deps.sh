#!/usr/bin/env bash
# Installs what building and testing EDAL needs on a fresh Debian/Ubuntu machine:
#   Debian packages: libmongoc-dev (MongoDB C driver), libsqlite3-dev, zlib1g-dev, pkg-config, curl, python3-venv,
#   chromium (headless, for the operator page's test), openssl (a certificate for the HTTPS transport test)
#   Python test services: infra/test-services.sh install (pinned versions, into .venvs/)
#   promtool (checks and unit-tests the alert rules in infra/observability): taken from Debian's
#   `prometheus` package into .tools/bin without installing it (no Prometheus server is started)
# Already-installed pieces are skipped, so running it again is quick.
#   with --bench: linux-perf (the worker's CPU by stage) and util-linux (taskset), for `make bench`
#   with --image: podman, buildah, runc, debootstrap and the Debian archive keys, for `make image` (infra/image.sh)
# Usage: infra/install-deps.sh [--no-python] [--bench] [--image]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# chromium: the operator page's test renders it headless.
packages=(libmongoc-dev libbson-dev libsqlite3-dev zlib1g-dev pkg-config curl chromium openssl)
command -v python3 >/dev/null 2>&1 || packages+=(python3 python3-venv)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
python_services=1
for argument in "$@"; do
    case "$argument" in
        --no-python) python_services=0 ;;
        --bench) packages+=(linux-perf util-linux) ;;
        --image) packages+=(podman buildah runc debootstrap debian-archive-keyring) ;;
        *) echo "install-deps: unknown option $argument" >&2; exit 2 ;;
    esac
done

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "install-deps: installing Debian packages: ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$python_services" = 1 ]; then
    "$ROOT/infra/test-services.sh" install
fi

if [ ! -x "$ROOT/.tools/bin/promtool" ]; then
    echo "install-deps: fetching promtool from Debian's prometheus package" >&2
    work="$(mktemp -d)"
    if ! (cd "$work" && apt-get download prometheus >/dev/null 2>&1); then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        (cd "$work" && apt-get download prometheus >/dev/null)
    fi
    dpkg-deb -x "$work"/prometheus_*.deb "$work/extracted"
    mkdir -p "$ROOT/.tools/bin"
    cp "$work/extracted/usr/bin/promtool" "$ROOT/.tools/bin/promtool"
    rm -rf "$work"
fi
