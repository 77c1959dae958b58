#!/usr/bin/env bash
# Create .venv and install rangectl with its development tools, again only when
# pyproject.toml changes (a stamp file remembers the hash it was installed from).
set -euo pipefail

VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3.11 or newer (Debian: apt-get install python3 python3-venv)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "rangectl needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)"

if [ ! -x "$VENV/bin/python" ]; then
  say "creating the virtual environment $VENV"
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
      say "installing Debian's python3-venv"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      "$PYTHON" -m venv "$VENV" || die "could not create $VENV"
    else
      die "could not create $VENV; install python3-venv (sudo apt-get install python3-venv)"
    fi
  fi
fi

STAMP="$VENV/.rangectl-installed-$(sha256sum pyproject.toml | cut -c1-12)"
if [ -f "$STAMP" ]; then
  say "Python environment is up to date ($VENV)"
  exit 0
fi
say "installing rangectl and its dependencies into $VENV (ansible is large: a minute or two)"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
"$VENV/bin/python" -m pip install -q -e '.[dev]' || die "pip install failed; see the messages above"
rm -f "$VENV"/.rangectl-installed-*
touch "$STAMP"
say "Python environment ready ($VENV)"
