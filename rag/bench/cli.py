"""`rag bench`: the scale benchmark (see bench/README.md and docs/scaling.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from rag.bench.generator import GenerationError
from rag.bench.report import write_report
from rag.bench.runner import BenchOptions, ChildFailed, default_workers, run_bench

HELP = """Measure ingest, index size, memory, query latency, API throughput and quality at growing
corpus sizes: the 5 real documents, then 5 + N generated distractors (bench/corpora/N-SEED/,
generated from the real documents with no gold answer in them). Writes report.md, results.json
and scaling.png under --out.

\b
Examples:
  rag bench                                   # 1000 and 10000 generated documents
  rag bench --sizes 1000,10000,50000          # 50000 is opt-in (about an hour on 2 CPUs)
  rag bench --sizes 200 --no-api --dense-sample 64    # a quick check
"""


def _write(results: dict[str, Any], out: Path) -> None:
    write_report(results, out)


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(x) for x in value.replace(" ", "").split(",") if x]
    except ValueError as exc:
        raise click.BadParameter("a comma-separated list of document counts, e.g. 1000,10000") from exc
    if not sizes or any(s <= 0 for s in sizes):
        raise click.BadParameter("sizes must be positive")
    return sorted(set(sizes))


@click.command("bench", help=HELP)
@click.option(
    "--sizes", default="1000,10000", show_default=True, help="Generated document counts (50000: opt-in)."
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Generator seed (corpora are reused per size+seed).",
)
@click.option("--dense-sample", type=click.IntRange(1), default=512, show_default=True,
              help="Chunks embedded to measure dense throughput at the generated sizes.")  # fmt: skip
@click.option("--dense-fill-max", type=click.IntRange(0), default=400_000, show_default=True,
              help="Vectors in the Chroma collection the dense query time is measured on (at most).")  # fmt: skip
@click.option("--no-dense", is_flag=True, help="Skip the dense measurements.")
@click.option("--no-api", is_flag=True, help="Skip the HTTP API throughput (QPS).")
@click.option(
    "--api-seconds", type=float, default=15.0, show_default=True, help="Seconds per concurrency level."
)
@click.option("--no-baseline", is_flag=True, help="Skip the LangChain-recipe baselines.")
@click.option("--baseline-max-mb", type=float, default=400.0, show_default=True,
              help="Raw text above which the baseline is not built (its bm25s index holds every token in Python lists).")  # fmt: skip
@click.option("--no-reingest", is_flag=True, help="Skip the re-ingest of the unchanged corpus.")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Ingest worker processes (RAG_INGEST_WORKERS, else min(2, CPUs)).")  # fmt: skip
@click.option(
    "--repeat", type=click.IntRange(1), default=2, show_default=True, help="Timed passes over the questions."
)
@click.option(
    "--questions", "limit", type=click.IntRange(1), default=None, help="Only the first N gold questions."
)
@click.option(
    "--gold", type=click.Path(path_type=Path, exists=True), default=Path("eval/gold.jsonl"), show_default=True
)
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path, exists=True, file_okay=False), default=None,
              help="The real documents (RAG_CORPUS_DIR).")  # fmt: skip
@click.option("--corpora", type=click.Path(path_type=Path), default=Path("bench/corpora"), show_default=True,
              help="Where generated corpora and benchmark indexes go.")  # fmt: skip
@click.option(
    "--embedding-model",
    default=None,
    help="Model for the dense figures (default: RAG_EMBEDDING_MODEL, else MiniLM).",
)
@click.option("--out", type=click.Path(path_type=Path), default=Path("bench/results"), show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bars.")
def bench_command(
    sizes: str, seed: int, dense_sample: int, dense_fill_max: int, no_dense: bool, no_api: bool,
    api_seconds: float, no_baseline: bool, baseline_max_mb: float, no_reingest: bool, workers: int | None, repeat: int,
    limit: int | None, gold: Path, corpus_dir: Path | None, corpora: Path, embedding_model: str | None,
    out: Path, quiet: bool,
) -> None:  # fmt: skip
    from rag.settings import Settings

    opts = BenchOptions(
        sizes=_sizes(sizes), seed=seed, dense_sample=dense_sample, dense_fill_max=dense_fill_max,
        api=not no_api, api_seconds=api_seconds, out=out, corpora=corpora,
        corpus_dir=corpus_dir or Settings().corpus_dir, gold=gold, workers=workers or default_workers(),
        repeat=repeat, limit=limit, baseline=not no_baseline, baseline_max_mb=baseline_max_mb, dense=not no_dense, reingest=not no_reingest,
        progress=not quiet, embedding_model=embedding_model, command="rag bench " + " ".join(sys.argv[2:]),
    )  # fmt: skip

    def echo(msg: str) -> None:
        click.echo(msg, err=True)

    try:
        results = run_bench(opts, echo, on_size=lambda partial: _write(partial, out))
    except (GenerationError, ChildFailed) as exc:
        raise click.ClickException(str(exc)) from exc
    paths = write_report(results, out)
    for t in results["targets"]:
        met = "–" if t["met"] is None else ("met" if t["met"] else "MISSED")
        value = "–" if t["value"] is None else f"{t['value']:g}"
        click.echo(f"  {t['target']}: {value} {t['unit']} (≤ {t['limit']:g}) {met}")
    click.echo("Report: " + ", ".join(str(p) for p in paths.values()))
