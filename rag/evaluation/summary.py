"""Aggregation: metric means by split, language form and question type, ours/baseline ratios,
and the list of misses (dev questions only: held-out questions are never listed one by one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from rag.evaluation import metrics as M
from rag.evaluation.gold import LANGS, TYPES, GoldQuestion
from rag.evaluation.runner import EvalResult
from rag.evaluation.scoring import METRIC_KEYS, Outcome

STAGES = ("retrieve", "answer", "total")
#: Metrics compared as ours / baseline (non-negative, higher is better, defined for baselines).
RATIO_KEYS = (
    "hit@1",
    "hit@3",
    "hit@5",
    "hit@10",
    "recall@5",
    "recall@10",
    "mrr@10",
    "ndcg@10",
    "key_fact_recall",
)
MISS_KINDS = {
    "retrieval_miss@5": "no gold section in the top 5 retrieved",
    "retrieval_miss@10": "no gold section in the top 10 retrieved",
    "wrong_top_citation": "answered, but the first citation is not a gold section",
    "false_refusal": "answerable, but the system abstained",
    "missed_refusal": "unanswerable, but the system answered",
    "missing_key_facts": "answered, but some key facts are not in the answer",
    "invalid_citation": "a citation's quote is not verbatim in its section",
    "error": "the chain raised an exception (scored as a wrong answer)",
}


def aggregate(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Means of every metric over the questions where it applies, with counts and latencies."""
    out: dict[str, Any] = {"n": len(outcomes)}
    keys = [*METRIC_KEYS, *(["faithfulness"] if any("faithfulness" in o.metrics for o in outcomes) else [])]
    for key in keys:
        out[key] = M.mean(o.metrics.get(key) for o in outcomes)
    cited = sum(o.n_citations for o in outcomes)
    out["citation_validity"] = sum(o.n_valid for o in outcomes) / cited if cited else None
    out["errors"] = sum(1 for o in outcomes if "error" in o.extra)
    out["n_answerable"] = sum(1 for o in outcomes if o.metrics.get("false_refusal_rate") is not None)
    out["n_unanswerable"] = sum(1 for o in outcomes if o.metrics.get("abstention_recall") is not None)
    latency: dict[str, dict[str, float | None]] = {}
    for stage in STAGES:
        values = [o.timings_ms[stage] for o in outcomes if stage in o.timings_ms]
        if values:
            latency[stage] = {
                "p50": M.percentile(values, 50),
                "p95": M.percentile(values, 95),
                "max": max(values),
            }
    out["latency_ms"] = latency
    return out


def breakdown(
    questions: Sequence[GoldQuestion], outcomes: Sequence[Outcome], splits: Sequence[str]
) -> dict[str, Any]:
    """{split: {"overall": agg, "by_lang": {lang: agg}, "by_type": {type: agg}}}."""
    out: dict[str, Any] = {}
    pairs = list(zip(questions, outcomes, strict=True))
    for split in splits:
        chosen = [(q, o) for q, o in pairs if split == "all" or q.split == split]
        out[split] = {
            "overall": aggregate([o for _, o in chosen]),
            "by_lang": {lang: aggregate([o for q, o in chosen if q.lang == lang]) for lang in LANGS},
            "by_type": {t: aggregate([o for q, o in chosen if q.type == t]) for t in TYPES},
        }
    return out


def ratio(ours: float | None, base: float | None) -> float | None:
    """ours / baseline, None when either is missing or the baseline is 0."""
    if ours is None or base is None or base <= 0:
        return None
    return ours / base


def ratios(ours: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Ratios per split, overall and by language form, for RATIO_KEYS."""
    out: dict[str, Any] = {}
    for split, b in base.items():
        o = ours[split]
        out[split] = {
            "overall": {k: ratio(o["overall"][k], b["overall"][k]) for k in RATIO_KEYS},
            "by_lang": {
                lang: {k: ratio(o["by_lang"][lang][k], b["by_lang"][lang][k]) for k in RATIO_KEYS}
                for lang in LANGS
            },
        }
    return out


def miss_kinds(q: GoldQuestion, o: Outcome) -> list[str]:
    """What went wrong with our answer to one question (empty when nothing did)."""
    m = o.metrics
    kinds = ["error"] if "error" in o.extra else []
    if q.answerable:
        if m.get("hit@5") == 0:
            kinds.append("retrieval_miss@5")
        if m.get("hit@10") == 0:
            kinds.append("retrieval_miss@10")
        if o.abstained:
            kinds.append("false_refusal")
        else:
            if m.get("top_citation") == 0:
                kinds.append("wrong_top_citation")
            if o.facts_missing:
                kinds.append("missing_key_facts")
    elif not o.abstained:
        kinds.append("missed_refusal")
    if o.n_valid < o.n_citations:
        kinds.append("invalid_citation")
    return kinds


def details(q: GoldQuestion, outcomes: dict[str, Outcome]) -> dict[str, Any]:
    """Everything about one dev question: gold, our ranking, citations, answer, baselines' ranks."""
    o = outcomes["ours"]
    return {
        "id": q.id, "question": q.question, "lang": q.lang, "type": q.type, "answerable": q.answerable,
        "gold": [g.key() for g in q.gold], "key_facts": list(q.key_facts), "misses": miss_kinds(q, o),
        "abstained": o.abstained, "first_hit_rank": o.first_hit, "facts_missing": o.facts_missing,
        "retrieved": [asdict(v) for v in o.ranked], "citations": [asdict(v) for v in o.citations],
        "answer": o.answer[:600], "error": o.extra.get("error"), "metrics": o.metrics, "timings_ms": o.timings_ms,
        "baseline_first_hit": {name: oc.first_hit for name, oc in outcomes.items() if name != "ours"},
    }  # fmt: skip


def summarize(result: EvalResult) -> dict[str, Any]:
    """The machine-readable report (report.json)."""
    split = result.meta.get("split", "all")
    splits = ["all", "dev", "heldout"] if split == "all" else [split]
    splits = [s for s in splits if s == "all" or any(q.split == s for q in result.questions)]
    metrics = {name: breakdown(result.questions, outs, splits) for name, outs in result.outcomes.items()}
    by_id = {name: {o.qid: o for o in outs} for name, outs in result.outcomes.items()}
    misses: dict[str, list[str]] = {k: [] for k in MISS_KINDS}
    heldout_misses: dict[str, int] = dict.fromkeys(MISS_KINDS, 0)
    questions = []
    for q in result.questions:
        kinds = miss_kinds(q, by_id["ours"][q.id])
        if q.split == "heldout":  # counted, never listed (eval/README.md, "Held-out split")
            for k in kinds:
                heldout_misses[k] += 1
            continue
        for k in kinds:
            misses[k].append(q.id)
        questions.append(details(q, {name: ids[q.id] for name, ids in by_id.items()}))
    return {
        "meta": result.meta, "notes": result.notes, "unavailable": result.unavailable,
        "systems": list(result.outcomes), "splits": splits, "metrics": metrics,
        "ratios": {name: ratios(metrics["ours"], m) for name, m in metrics.items() if name != "ours"},
        "misses_dev": misses, "misses_heldout_counts": heldout_misses, "miss_kinds": MISS_KINDS,
        "judge": result.judge, "questions_dev": questions,
    }  # fmt: skip
