"""`rag bench` on a tiny run writes the Markdown report, the JSON results and the plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from rag.bench.report import targets, write_report
from rag.cli import main

GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold.jsonl"


def _run(size: int, docs: int, p95: float, hit5: float, rss: float) -> dict[str, Any]:
    return {
        "size": size,
        "label": f"{size}",
        "ingest": {"documents": docs, "chunks": docs * 30, "seconds": docs / 20, "bm25_seconds": 1.0,
                   "docs_per_s": 20.0, "chunks_per_s": 600.0, "peak_rss_mb": 300.0},
        "reingest": {"seconds": 0.2, "changed": False},
        "index": {"total_mb": docs * 0.3},
        "query": {"latency_ms": {"retrieve": {"p50": p95 / 2, "p95": p95, "p99": p95 * 1.2},
                                 "total": {"p50": 20.0, "p95": 40.0, "p99": 50.0},
                                 "search_lexical": {"p95": p95 / 2}, "search_fuse": {"p95": 1.0}},
                  "quality": {"hit@5": hit5, "top_citation": 0.8}, "peak_rss_mb": rss},
        "api": {"rss_peak_mb": rss + 50, "levels": [{"concurrency": c, "qps": 30.0 / c} for c in (1, 2, 4)]},
        "baseline": {"peak_rss_mb": 500.0, "systems": {"bm25": {"quality": {"hit@5": 0.5, "top_citation": 0.3},
                                                                 "latency_ms": {"p50": 1.0, "p95": 2.0}}}},
    }  # fmt: skip


def test_report_from_results(tmp_path: Path) -> None:
    results = {
        "meta": {"date": "2026-11-22T00:00:00+00:00", "seed": 1, "questions": 131, "repeat": 2, "ingest_workers": 2,
                 "api": "measured", "embedding_note": "none", "machine_start": {"load_avg": [1.0, 1.0, 1.0]}},
        "runs": [_run(0, 5, 2.0, 0.97, 100.0), _run(1000, 1005, 5.0, 0.96, 200.0), _run(10000, 10005, 30.0, 0.93, 900.0)],
        "notes": [],
    }  # fmt: skip
    paths = write_report(results, tmp_path)
    assert set(paths) == {"json", "markdown", "plot"} and all(p.is_file() for p in paths.values())
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "## Targets" in md and "| 10005 |" in md and "scaling.png" in md
    got = {t["target"]: t for t in targets(results)}
    assert got["retrieval p95"]["met"] is True and got["retrieval p95"]["value"] == 30.0
    assert got["Hit@5 drop vs the 5 documents"]["value"] == 4.0
    assert got["Hit@5 drop vs the 5 documents"]["met"] is False
    data = json.loads(paths["json"].read_text())
    assert data["growth"] and data["bottleneck"]


def test_tiny_bench_run(tmp_path: Path) -> None:
    out, corpora = tmp_path / "results", tmp_path / "corpora"
    result = CliRunner().invoke(
        main,
        ["bench", "--sizes", "8", "--questions", "4", "--repeat", "1", "--no-api", "--no-dense", "--quiet",
         "--workers", "1", "--gold", str(GOLD), "--corpora", str(corpora), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads((out / "results.json").read_text())
    assert [r["size"] for r in data["runs"]] == [0, 8]
    small, big = data["runs"]
    assert small["ingest"]["documents"] == 5 and big["ingest"]["documents"] == 13
    assert big["reingest"]["changed"] is False
    assert big["query"]["questions"] == 4 and big["query"]["latency_ms"]["retrieve"]["p95"] > 0
    assert big["baseline"]["systems"]["bm25"]["quality"]["hit@5"] is not None
    assert big["generation"]["safety"]["checked_documents"] == 8
    assert (out / "report.md").is_file() and (out / "scaling.png").is_file()
    assert "Report:" in result.output
