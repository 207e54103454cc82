#!/usr/bin/env bash
# The one command that runs the app: installs what it needs into .venv, indexes corpus/ on the
# first run, then serves the UI and the API on http://127.0.0.1:7860 (RAG_HOST, RAG_PORT).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
source "$ROOT/scripts/setup.sh" ""
cd "$ROOT"
exec rag serve "$@"
