#!/usr/bin/env bash
# The one command that runs the tests: lint, types, the test suite and the evaluation gate.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
source "$ROOT/scripts/setup.sh" dev
cd "$ROOT"
# Browser tests drive Debian's chromium (a test tool's own browser download cannot work offline).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "[test] installing chromium"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "[test] could not install chromium: the browser test will fail and say so"
  else
    echo "[test] /usr/bin/chromium is missing: run 'apt-get install -y chromium' (the browser test needs it)"
  fi
fi
echo "[test] ruff"; ruff check . && ruff format --check .
echo "[test] mypy"; mypy
echo "[test] pytest"; python -m pytest -q -p no:cacheprovider "$@"
echo "[test] evaluation gate"; sh eval/ci.sh
