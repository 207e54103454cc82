#!/usr/bin/env bash
# Create .venv and install the project (idempotent: skipped when pyproject.toml is unchanged).
# Usage: source scripts/setup.sh [extras]   (extras: "" for the app, "dev" for tests and linters)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXTRAS="${1:-}"
PY="${PYTHON:-python3}"
cd "$ROOT"
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
STAMP=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-12)-${EXTRAS:-app}"
if [ ! -f "$STAMP" ]; then
  echo "[setup] installing dependencies (first run takes a few minutes)"
  python -m pip install --quiet --upgrade pip
  # torch first and pinned: an unpinned torch pulls several GB of CUDA packages.
  # Elsewhere, install the CPU build of this version from PyTorch's CPU wheel index.
  python -m pip install --quiet "torch==2.13.0"
  if [ -n "$EXTRAS" ]; then
    python -m pip install --quiet -e ".[$EXTRAS]"
  else
    python -m pip install --quiet -e .
  fi
  touch "$STAMP"
fi
# tiktoken cannot download its encoding offline: use the shared copy when it is there.
if [ -z "${TIKTOKEN_CACHE_DIR:-}" ] && [ -d "$ROOT/../shared/tiktoken" ]; then
  export TIKTOKEN_CACHE_DIR="$ROOT/../shared/tiktoken"
fi
