#!/usr/bin/env sh
# CI step: build a fresh index of the corpus from the current code, run the gold set through the
# chain and both baselines, write eval/reports/ (keep it as a build artifact) and fail when a metric
# breaks eval/thresholds.toml. Takes well under two minutes without an embedding model.
set -eu
cd "$(dirname "$0")/.."
index_dir="$(mktemp -d)"
trap 'rm -rf "$index_dir"' EXIT
# The thresholds were measured with lexical retrieval only; set RAG_EMBEDDING_MODEL to gate another setup.
RAG_EMBEDDING_MODEL="${RAG_EMBEDDING_MODEL:-none}" RAG_INDEX_DIR="$index_dir" rag eval --check --quiet --out eval/reports "$@"
