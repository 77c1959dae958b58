#!/usr/bin/env bash
# Make sure a Docker engine answers. On Debian, install docker.io and start
# dockerd ourselves when none is running: CI machines and fresh work machines
# have the client at most, never a running daemon, and a dockerd killed without
# warning leaves a stale pid file that makes the next one refuse to start.
set -euo pipefail

STATE_DIR="${RANGECTL_STATE_DIR:-$PWD/.rangectl}"
LOG="$STATE_DIR/dockerd.log"
say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

if docker info >/dev/null 2>&1; then
  say "Docker engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || die "dockerd is missing; run as root or install it: sudo apt-get install docker.io"
    say "installing Debian's docker.io (no Docker engine on this machine)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed; check the network to Debian's mirror"
    apt-get install -y -qq docker.io iptables >/dev/null || die "apt-get install docker.io failed"
  else
    die "no Docker engine: install Docker Engine (https://docs.docker.com/engine/install/) and start it, then run this again"
  fi
fi

[ "$(id -u)" = 0 ] || die "the Docker engine is installed but not running; start it (sudo systemctl start docker) and add yourself to the docker group"

# A dockerd killed with SIGKILL leaves its pid files behind; the next one
# refuses to start ("pid file found"). Remove them only when no such process lives.
for pidfile in /var/run/docker.pid /run/docker/containerd/containerd.pid; do
  if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then
    say "removing stale $pidfile (its process is gone)"
    rm -f "$pidfile"
  fi
done

mkdir -p "$STATE_DIR"
say "starting dockerd in the background (log: $LOG)"
nohup dockerd >"$LOG" 2>&1 &

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    say "Docker engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
    exit 0
  fi
  sleep 1
done
tail -n 20 "$LOG" >&2 || true
die "dockerd did not answer within 60 s; its log is $LOG"
