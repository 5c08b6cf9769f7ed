#!/usr/bin/env bash
# Builds EDAL's container image (make image) from nothing but Debian's packages and this repository:
#   1. podman, buildah, runc and debootstrap from Debian (infra/install-deps.sh --image)
#   2. a bookworm base: debootstrap --variant=minbase, trimmed as debian:bookworm-slim is, imported
#      as localhost/edal-bookworm-base (built once, then reused)
#   3. the release binary, built on the host with --static-swift-stdlib at Package.resolved's versions
#   4. podman build of infra/Dockerfile with that base and binary (BINARY_FROM=context), in Docker's
#      image format so HEALTHCHECK is kept; tagged localhost/edal:VERSION and localhost/edal:latest
# Prints the image's size. podman runs with infra/containers.conf (runc, no ulimit changes).
#
#   infra/image.sh                build as above
#   infra/image.sh --if-possible  the same, but exit 0 with a note where podman cannot run (make test)
#   infra/image.sh --new-base     make the bookworm base again now (with today's Debian updates)
#   infra/image.sh --registry     on a machine with Docker Hub: docker build, the binary compiled in
#                                 the Swift image, on debian:bookworm-slim (both pinned by digest)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SWIFT="${SWIFT:-swift}"
IMAGE="${EDAL_IMAGE:-localhost/edal}"
BASE="localhost/edal-bookworm-base:1"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/infra/containers.conf}"
mode=local
if_possible=0
new_base=0
for argument in "$@"; do
    case "$argument" in
        --if-possible) if_possible=1 ;;
        --new-base) new_base=1 ;;
        --registry) mode=registry ;;
        *) echo "image: unknown option $argument" >&2; exit 2 ;;
    esac
done
log() { echo "image: $*" >&2; }

# The pins, as build arguments.
pins=()
while IFS='=' read -r name value; do
    [[ "$name" =~ ^[A-Z0-9_]+_VERSION$ ]] && pins+=(--build-arg "$name=$value")
done < infra/image-pins.env

if [ "$mode" = registry ]; then
    # The Dockerfile's defaults: the Swift image and debian:bookworm-slim by digest.
    docker build -f infra/Dockerfile "${pins[@]}" -t edal:latest .
    exit 0
fi

# Where the image cannot be built, --if-possible says why and removes an older image, so the
# container tests skip rather than run a stale one.
cannot() {
    if [ "$if_possible" = 1 ]; then
        log "$1: no image built (the container tests skip)"
        podman rmi --force "$IMAGE:latest" >/dev/null 2>&1 || true
        exit 0
    fi
    log "$1"
    exit 1
}
# The binary is built on this host and runs on bookworm: the host must be bookworm too (glibc).
grep -q '^VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null \
    || cannot "this host is not Debian 12 (bookworm), which the image's binary is built on and for"
infra/install-deps.sh --image --no-python || cannot "podman, buildah, runc or debootstrap could not be installed"
podman info >/dev/null 2>&1 || cannot "podman cannot run here: $(podman info 2>&1 | tail -1)"

started=$(date +%s)
# The base is made once and kept for a week: after that it is made again, with that week's updates
# (the tag moves to the new one; images built on the old one keep it).
make_base=1
if [ "$new_base" = 0 ] && podman image exists "$BASE"; then
    made=$(podman image inspect "$BASE" --format '{{.Created.Unix}}' 2>/dev/null || echo 0)
    if [ $((started - made)) -le $((7 * 86400)) ]; then
        make_base=0
    else
        log "the bookworm base is more than a week old: making it again"
    fi
fi
if [ "$make_base" = 1 ]; then
    rootfs="$(mktemp -d)"
    [ -d "$rootfs" ] && [ "$rootfs" != / ] || exit 1
    # A debootstrap that dies half-way can leave /proc and /sys mounted inside the tree; a failed
    # update leaves its container. Neither may outlive this script.
    cleanup() {
        umount -R "$rootfs/proc" "$rootfs/sys" 2>/dev/null || true
        rm -rf --one-file-system "$rootfs"
        podman rm --force edal-base-update >/dev/null 2>&1 || true
        podman rmi --force "$BASE-unpatched" >/dev/null 2>&1 || true
    }
    trap cleanup EXIT
    log "making the bookworm base with debootstrap (a minute or two, once)"
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
    # As debian:bookworm-slim: no documentation, manuals or locales, now or from later installs.
    printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
        'path-exclude /usr/share/man/*' 'path-exclude /usr/share/groff/*' 'path-exclude /usr/share/info/*' \
        'path-exclude /usr/share/locale/*' 'path-exclude /usr/share/lintian/*' 'path-exclude /usr/share/linda/*' \
        > "$rootfs/etc/dpkg/dpkg.cfg.d/docker"
    find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    rm -rf "$rootfs"/usr/share/{man,groff,info,locale,lintian,linda}/* "$rootfs"/var/cache/apt/archives/*.deb \
        "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
    # The security archive, as the official image has it.
    printf '%s\n' 'deb http://deb.debian.org/debian bookworm main' \
        'deb http://deb.debian.org/debian bookworm-updates main' \
        'deb http://deb.debian.org/debian-security bookworm-security main' > "$rootfs/etc/apt/sources.list"
    tar -C "$rootfs" -c . | podman import --quiet --change 'CMD ["bash"]' - "$BASE-unpatched" >/dev/null
    # debootstrap takes bookworm as released: add its security and point-release updates.
    podman rm --force edal-base-update >/dev/null 2>&1 || true
    podman run --name edal-base-update --network host "$BASE-unpatched" sh -c \
        'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt/* /var/log/dpkg.log'
    podman commit --quiet --change 'CMD ["bash"]' edal-base-update "$BASE" >/dev/null
    cleanup
    trap - EXIT
fi

log "building the release binary (--static-swift-stdlib)"
# (grep's own status is dropped inside the braces, so pipefail reports a failed build.)
"$SWIFT" build -c release --product edal --static-swift-stdlib --force-resolved-versions 2>&1 \
    | { grep -v -e "^\[[0-9]*/[0-9]*\] Compiling" -e "ignoring duplicate product" || true; }
binary="$("$SWIFT" build -c release --show-bin-path)/edal"
[ -x "$binary" ] || { log "no release binary at $binary"; exit 1; }
mkdir -p .image
cp "$binary" .image/edal
strip .image/edal
version="$(.image/edal --version | awk '{print $NF}')"

log "building $IMAGE:$version from $BASE"
podman build --pull=never --network host --format docker -f infra/Dockerfile \
    --build-arg BINARY_FROM=context --build-arg RUNTIME_IMAGE="$BASE" "${pins[@]}" \
    --label org.opencontainers.image.version="$version" \
    --label io.edal.build=image -t "$IMAGE:$version" -t "$IMAGE:latest" . >/dev/null
# Untagged leftovers of this and earlier builds (the binary's stage, images a rebuild replaced); only
# EDAL's own, by their label.
podman image prune --force --filter label=io.edal.build=stage >/dev/null
podman image prune --force --filter label=io.edal.build=image >/dev/null
# The image runs: the binary finds its libraries in it.
podman run --rm --network host --no-healthcheck "$IMAGE:latest" --version >/dev/null \
    || { log "the built image does not run edal --version"; exit 1; }
# What the image got, package by package (the pins, and ca-certificates' and tzdata's versions).
podman run --rm --network host --no-healthcheck --entrypoint dpkg-query "$IMAGE:latest" -W > .image/packages.txt
size=$(podman image inspect "$IMAGE:latest" --format '{{.Size}}')
log "built $IMAGE:$version ($IMAGE:latest): $((size / 1000000)) MB, in $(($(date +%s) - started)) s"
