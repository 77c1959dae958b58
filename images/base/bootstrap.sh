#!/usr/bin/env bash
# Bootstrap rangectl's base image from Debian with debootstrap and
# `docker import`: no image registry is reachable from an exercise machine, so
# every range image is built FROM this one. The image is tagged with a hash of
# this recipe, so it is rebuilt only when the recipe changes.
set -euo pipefail

SUITE="${RANGECTL_BASE_SUITE:-bookworm}"
MIRROR="${RANGECTL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PACKAGES="python3,iproute2,iputils-ping,procps,netcat-openbsd,ca-certificates"
IMAGE="rangectl/base"
HERE="$(cd "$(dirname "$0")" && pwd)"
RECIPE_HASH="$( (cat "$0"; echo "$SUITE $MIRROR $PACKAGES") | sha256sum | cut -c1-12)"
TAG="$IMAGE:$RECIPE_HASH"
FORCE="${1:-}"

say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

if [ "$FORCE" != "--force" ] && docker image inspect "$TAG" >/dev/null 2>&1; then
  docker tag "$TAG" "$IMAGE:latest"
  say "base image $TAG is up to date"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "debootstrap needs root; run: sudo $0"
if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } \
    || die "could not install debootstrap with apt-get"
fi

ROOTFS="$(mktemp -d /var/tmp/rangectl-base.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
say "bootstrapping Debian $SUITE into $ROOTFS (about a minute)"
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" \
    >"$ROOTFS.log" 2>&1; then
  tail -n 20 "$ROOTFS.log" >&2
  die "debootstrap failed (full log: $ROOTFS.log); check that $MIRROR is reachable"
fi
rm -f "$ROOTFS.log"

# Later images install packages with apt-get: give them the same suites and
# keep the image small.
cat >"$ROOTFS/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
SOURCES
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
  >"$ROOTFS/etc/apt/apt.conf.d/90rangectl"
chroot "$ROOTFS" apt-get clean
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/usr/share/doc/* \
  "$ROOTFS"/usr/share/man/*

say "importing the root file system as $TAG"
tar -C "$ROOTFS" -c . | docker import \
  --change 'CMD ["/bin/bash"]' \
  --change 'ENV LANG=C.UTF-8' \
  --change "LABEL rangectl.image=base rangectl.recipe=$RECIPE_HASH" \
  - "$TAG" >/dev/null
docker tag "$TAG" "$IMAGE:latest"
say "base image $TAG ready"
