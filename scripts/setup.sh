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

# The extras to install: the demo needs dam and its models (ml); the tests add the dev tools
# (pytest, ruff, the browser driver...), which scripts/test.sh asks for.
EXTRAS="${DAM_EXTRAS:-ml}"

# Reinstall only when the declared dependencies change, or extras are asked for that are not in yet.
# The stamp holds the hash of pyproject.toml and the extras installed with it.
stamp="$VENV/.dam-installed"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
read -r installed_hash installed_extras 2>/dev/null < "$stamp" || true
missing_extra=""
for extra in ${EXTRAS//,/ }; do
  case ",${installed_extras:-}," in *",$extra,"*) ;; *) missing_extra="$extra" ;; esac
done
if [ "${installed_hash:-}" != "$wanted" ] || [ -n "$missing_extra" ]; then
  if [ "${installed_hash:-}" = "$wanted" ]; then
    EXTRAS="${installed_extras:+$installed_extras,}$EXTRAS"  # keep what is there, add what is asked for
  fi
  log "installing dam and its Python dependencies (extras: $EXTRAS) into $VENV…"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  # torch is installed first, in a step of its own, at the versions dam is tested with (torch 2.14.1,
  # torchvision 0.29.1), so that open-clip-torch, transformers and faster-whisper, installed after it,
  # find it and none of them pulls in another torch build.
  #
  # PyPI's torch for Linux x86_64 is the CUDA build: over 4 GB of NVIDIA libraries that only a GPU
  # uses (the virtualenv grows to about 7 GB). On a machine without a GPU, take the CPU-only build
  # (a few hundred MB) from PyTorch's own package index instead; dam runs the same on it:
  #   DAM_TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu ./scripts/demo.sh
  # (or install it yourself first: .venv/bin/pip install torch==2.14.1 torchvision==0.29.1
  #  --index-url https://download.pytorch.org/whl/cpu; this step keeps a torch that is installed).
  if ! "$VENV/bin/python" -c "import torch, torchvision" >/dev/null 2>&1; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
      ${DAM_TORCH_INDEX_URL:+--index-url "$DAM_TORCH_INDEX_URL"} "torch==2.14.1" "torchvision==0.29.1"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$EXTRAS]"
  echo "$wanted $EXTRAS" > "$stamp"
fi
