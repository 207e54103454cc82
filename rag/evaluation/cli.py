"""`rag eval`: run the gold set through the chain and the baselines, write the report, gate CI."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from rag.app import App
from rag.evaluation.gate import Thresholds, ThresholdsError, gate, load_thresholds, targets
from rag.evaluation.gold import GoldError
from rag.evaluation.report import fmt, write_report
from rag.evaluation.runner import EvalOptions, run_eval
from rag.evaluation.summary import summarize
from rag.index.generations import IndexCorrupt, IngestBusy
from rag.settings import Settings


class EvalError(click.ClickException):
    """A configuration or input problem (exit code 2; a failed gate exits with 1)."""

    exit_code = 2


def _settings(embedding_model: str | None, index_dir: Path | None) -> Settings:
    extra: dict[str, object] = {}
    if embedding_model:
        extra["embedding_model"] = embedding_model
    if index_dir:
        extra["index_dir"] = index_dir
    return Settings(**extra)  # type: ignore[arg-type]


@click.command(
    "eval", help="Score retrieval, citations, answers and abstention on the gold set; write eval/reports/."
)
@click.option(
    "--gold",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("eval/gold.jsonl"),
    show_default=True,
)
@click.option("--split", type=click.Choice(["dev", "heldout", "all"]), default="all", show_default=True)
@click.option(
    "--k", "k", type=click.IntRange(1, 100), default=10, show_default=True, help="Ranking depth scored."
)
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), default=Path("eval/reports"), show_default=True
)
@click.option("--check", is_flag=True, help="Exit 1 when a metric breaks eval/thresholds.toml.")
@click.option(
    "--thresholds",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("eval/thresholds.toml"),
    show_default=True,
)
@click.option("--no-baselines", is_flag=True, help="Skip the BM25 and dense baselines.")
@click.option("--no-judge", is_flag=True, help="Skip the LLM judge even when an LLM is configured.")
@click.option(
    "--embedding-model",
    default=None,
    help="Model name or folder (RAG_EMBEDDING_MODEL); use with --index-dir.",
)
@click.option(
    "--index-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Index folder (RAG_INDEX_DIR).",
)
@click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout instead of a summary.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def eval_command(gold: Path, split: str, k: int, out: Path, check: bool, thresholds: Path, no_baselines: bool,
                 no_judge: bool, embedding_model: str | None, index_dir: Path | None, as_json: bool, quiet: bool) -> None:  # fmt: skip
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    th = Thresholds()
    if thresholds.is_file():
        try:
            th = load_thresholds(thresholds)
        except ThresholdsError as exc:
            raise EvalError(str(exc)) from exc
    elif check:
        raise EvalError(f"--check needs a thresholds file; {thresholds} does not exist")
    app = App.from_settings(_settings(embedding_model, index_dir))
    opts = EvalOptions(
        gold=gold, split=split, k=k, baselines=not no_baselines, judge=not no_judge, progress=not quiet
    )
    try:
        result = run_eval(app, opts)
    except (GoldError, IndexCorrupt, IngestBusy, RuntimeError) as exc:
        raise EvalError(str(exc)) from exc
    summary = summarize(result)
    try:
        gate_checks = gate(summary, th) if thresholds.is_file() else None
    except ThresholdsError as exc:
        if check:
            raise EvalError(str(exc)) from exc
        gate_checks = None
    target_checks = targets(summary, th)
    paths = write_report(result, summary, out, target_checks, gate_checks, th.split)
    if as_json:
        click.echo(paths["json"].read_text(encoding="utf-8"))
    else:
        _echo_summary(summary, paths)
    if gate_checks is not None:
        failed = [c for c in gate_checks if not c.ok]
        for c in failed:
            click.echo(
                f"GATE FAIL [{th.split} {c.scope}] {c.name} = {fmt(c.value)} (limit {c.op} {c.limit:g})",
                err=True,
            )
        if check and failed:
            sys.exit(1)
        if check:
            click.echo(f"Gate passed: {len(gate_checks)} checks on split '{th.split}'.", err=True)


def _echo_summary(s: dict[str, object], paths: dict[str, Path]) -> None:
    metrics = s["metrics"]
    assert isinstance(metrics, dict)
    keys = ("hit@1", "hit@5", "mrr@10", "ndcg@10", "top_citation", "key_fact_recall", "abstention_recall",
            "false_refusal_rate", "crag")  # fmt: skip
    short = {"top_citation": "top_cit", "key_fact_recall": "facts", "abstention_recall": "abst_rec",
             "false_refusal_rate": "false_ref"}  # fmt: skip
    click.echo(f"{'system/split':22}" + "".join(f"{short.get(k, k):>10}" for k in keys))
    for name, per_split in metrics.items():
        for split, agg in per_split.items():
            overall = agg["overall"]
            label = f"{name}/{split} n={overall['n']}"
            click.echo(f"{label:22}" + "".join(f"{fmt(overall.get(k)):>10}" for k in keys))
    unavailable = s["unavailable"]
    assert isinstance(unavailable, dict)
    for name, why in unavailable.items():
        click.echo(f"{name}: {why}")
    click.echo("Report: " + ", ".join(str(p) for p in paths.values()))
    click.echo(json.dumps(s["misses_dev"], ensure_ascii=False))
