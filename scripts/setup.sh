#!/usr/bin/env bash
# Set-up shared by the demo and the tests: ExifTool, and a virtualenv with dam installed.
# Idempotent: a second run checks and returns in about a second.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
VENV="${DAM_VENV:-.venv}"

log() { printf '[dam setup] %s\n' "$*" >&2; }

apt_install() {
  if [ "$(id -u)" != "0" ]; then
    return 1
  fi
  if [ -z "${DAM_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    export DAM_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ExifTool reads and writes image metadata; dam uses the real one.
if ! command -v exiftool >/dev/null 2>&1; then
  log "installing ExifTool (Debian package libimage-exiftool-perl)…"
  if ! apt_install libimage-exiftool-perl; then
    cat >&2 <<'MSG'
[dam setup] ExifTool is not installed, and this script is not running as root, so it cannot install it.
            Install it, then run this command again:
              Debian/Ubuntu:  sudo apt-get install libimage-exiftool-perl
              macOS:          brew install exiftool
            or point DAM_EXIFTOOL at an exiftool executable.
MSG
    exit 1
  fi
fi

# Extra system packages a caller asks for (the tests ask for the ones they need).
if [ -n "${DAM_SYSTEM_PACKAGES:-}" ]; then
  missing=()
  for package in ${DAM_SYSTEM_PACKAGES}; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}…"
    apt_install "${missing[@]}" || log "could not install ${missing[*]} (not root?); tests that need them are skipped"
  fi
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  log "dam needs Python 3.11 or newer; set PYTHON=/path/to/python3.11"
  exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating the virtualenv $VENV…"
  "$PYTHON" -m venv "$VENV"
fi

# Reinstall only when the declared dependencies change.
stamp="$VENV/.dam-installed"
wanted="$(cat pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  log "installing dam and its Python dependencies into $VENV…"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  # torch first, in a step of its own, from the releases this machine kind keeps on disk, so that no
  # later requirement pulls in another build (DESIGN: torch 2.14.1 with torchvision 0.29.1).
  if ! "$VENV/bin/python" -c "import torch, torchvision" >/dev/null 2>&1; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "torch==2.14.1" "torchvision==0.29.1"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[dev,ml]"
  echo "$wanted" > "$stamp"
fi
