"""The runner on five gold questions against the session's temporary lexical index, the report
files, and `rag eval` itself (gate exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.evaluation.cli import eval_command
from rag.evaluation.gate import Thresholds, gate, targets
from rag.evaluation.report import write_report
from rag.evaluation.runner import EvalOptions, run_eval
from rag.evaluation.scoring import METRIC_KEYS
from rag.evaluation.summary import summarize
from tests.conftest import Ingested

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def five(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four answerable dev questions and one unanswerable one, from the real gold set."""
    rows = [
        json.loads(x)
        for x in (ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
        if x.strip()
    ]
    dev = [r for r in rows if r["split"] == "dev"]
    chosen = [r for r in dev if r["answerable"]][:4] + [r for r in dev if not r["answerable"]][:1]
    path = tmp_path_factory.mktemp("gold") / "five.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in chosen) + "\n", encoding="utf-8")
    return path


def test_runner_writes_the_report(ingested: Ingested, five: Path, tmp_path: Path) -> None:
    result = run_eval(
        ingested.app, EvalOptions(gold=five, split="all", k=10, baselines=False, progress=False)
    )
    assert len(result.outcomes["ours"]) == 5 and result.unavailable["bm25"].startswith("not run")
    summary = summarize(result)
    paths = write_report(
        result, summary, tmp_path, targets(summary, Thresholds()), gate(summary, Thresholds()), "dev"
    )
    for p in [*paths.values(), tmp_path / "plots" / "by_type.png", tmp_path / "plots" / "latency.png"]:
        assert p.is_file() and p.stat().st_size > 0, p
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    overall = data["metrics"]["ours"]["all"]["overall"]
    assert set(METRIC_KEYS) <= set(overall) and overall["n"] == 5
    assert {"retrieve", "answer", "total"} <= set(overall["latency_ms"])
    assert set(data["metrics"]["ours"]["dev"]["by_lang"]) == {"vi", "vi_nodiac", "en"}
    assert overall["citation_validity"] in (None, 1.0)  # extractive citations are verbatim
    assert len(data["questions_dev"]) == 5 and data["gate"]["split"] == "dev"
    assert set(data["misses_dev"]) >= {
        "retrieval_miss@5",
        "wrong_top_citation",
        "false_refusal",
        "missed_refusal",
    }
    md = paths["md"].read_text(encoding="utf-8")
    assert "## Targets of the issue" in md and "hit@5" in md
    assert "data:image/png;base64," in paths["html"].read_text(encoding="utf-8")


def test_cli_gate_exit_codes(
    ingested: Ingested, five: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_EMBEDDING_MODEL", "none")
    monkeypatch.setenv("RAG_CORPUS_DIR", str(ingested.corpus_dir))
    strict, lax = tmp_path / "strict.toml", tmp_path / "lax.toml"
    strict.write_text('split = "dev"\n[min]\n"hit@1" = 1.01\n')
    lax.write_text('split = "dev"\n[min]\n"hit@10" = 0.0\n')
    base = [
        "--gold",
        str(five),
        "--index-dir",
        str(ingested.index_dir),
        "--out",
        str(tmp_path / "r"),
        "--no-baselines",
        "--quiet",
    ]
    runner = CliRunner()
    ok = runner.invoke(eval_command, [*base, "--check", "--thresholds", str(lax), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["gate"]["ok"] is True
    bad = runner.invoke(eval_command, [*base, "--check", "--thresholds", str(strict)])
    assert bad.exit_code == 1 and "GATE FAIL" in bad.output
    missing = runner.invoke(eval_command, [*base, "--check", "--thresholds", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2


def test_a_crashing_chain_is_scored_and_listed(
    ingested: Ingested, five: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.chain import AnswerChain

    def boom(self: AnswerChain, *args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(AnswerChain, "invoke", boom)
    result = run_eval(ingested.app, EvalOptions(gold=five, baselines=False, progress=False))
    summary = summarize(result)
    assert summary["misses_dev"]["error"] == [q.id for q in result.questions]
    overall = summary["metrics"]["ours"]["all"]["overall"]
    assert overall["errors"] == 5 and overall["hit@1"] == 0.0 and overall["crag"] == -1.0
    assert not next(c for c in gate(summary, Thresholds()) if c.name == "errors").ok


def test_judge_adds_faithfulness(
    ingested: Ingested, five: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.app import App
    from rag.evaluation.judge import Judge
    from rag.evaluation.runner import run_judge
    from rag.settings import Settings

    result = run_eval(ingested.app, EvalOptions(gold=five, baselines=False, progress=False))
    monkeypatch.setattr(Judge, "faithfulness", lambda self, q, a, quotes: 0.5)
    app = App.from_settings(
        Settings(index_dir=tmp_path, llm_base_url="http://judge/v1", llm_model="m", embedding_model="none")
    )
    info = run_judge(app, result, progress=False)
    answered = [o for o in result.outcomes["ours"] if not o.abstained]
    assert info["judged"] == len(answered) and info["errors"] == 0
    assert summarize(result)["metrics"]["ours"]["all"]["overall"].get("faithfulness") in (None, 0.5)
