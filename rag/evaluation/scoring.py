"""Per-question scoring: turns one system's output on one gold question into metric values and
the details a developer needs to see why it failed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rag.answer.models import Answer, Citation
from rag.documents.labels import nodes_for
from rag.documents.models import Document
from rag.evaluation import metrics as M
from rag.evaluation.baselines import BaselineHits
from rag.evaluation.gold import GoldQuestion
from rag.evaluation.matching import Located, ResolvedGold, contained, matched, needle

CUTOFFS = (1, 3, 5, 10)
CITATION_KEYS = (
    "top_citation",
    "citation_precision",
    "citation_recall",
    "citation_validity",
    "cited_answer_rate",
)
#: Metric keys of a question, in report order. Values are None where a metric does not apply.
METRIC_KEYS = (
    "hit@1", "hit@3", "hit@5", "hit@10", "recall@5", "recall@10", "mrr@10", "ndcg@10",
    "top_citation", "citation_precision", "citation_recall", "citation_validity", "cited_answer_rate",
    "key_fact_recall", "abstention_recall", "false_refusal_rate", "crag",
)  # fmt: skip


@dataclass
class ItemView:
    """A retrieved item or a citation as shown in the per-question details."""

    doc: str
    where: str
    matches: list[int]
    valid: bool | None = None
    reason: str = ""


@dataclass
class Outcome:
    """One system's result on one question."""

    qid: str
    system: str
    metrics: dict[str, float | None]
    ranked: list[ItemView]
    citations: list[ItemView] = field(default_factory=list)
    answer: str = ""
    abstained: bool = False
    facts_missing: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    n_citations: int = 0
    n_valid: int = 0
    first_hit: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def retrieval_metrics(ranked: Sequence[frozenset[int]], n_gold: int) -> dict[str, float | None]:
    """Hit@1/3/5/10, Recall@5/10, MRR@10, nDCG@10; all None for an unanswerable question."""
    if n_gold == 0:
        return dict.fromkeys(
            ("hit@1", "hit@3", "hit@5", "hit@10", "recall@5", "recall@10", "mrr@10", "ndcg@10")
        )
    out: dict[str, float | None] = {f"hit@{k}": M.hit_at_k(ranked, k) for k in CUTOFFS}
    out["recall@5"] = M.recall_at_k(ranked, n_gold, 5)
    out["recall@10"] = M.recall_at_k(ranked, n_gold, 10)
    out["mrr@10"] = M.mrr_at_k(ranked, 10)
    out["ndcg@10"] = M.ndcg_at_k(ranked, n_gold, 10)
    return out


def citation_check(c: Citation, doc: Document | None) -> tuple[bool, str]:
    """Valid when the quote is the document text at [start, end) and the cited section (by path)
    contains that span."""
    if doc is None:
        return False, "unknown document"
    if doc.text[c.start : c.end] != c.quote:
        return False, "quote is not the document text at its offsets"
    chain = nodes_for(doc, c.section_path)
    if not chain:
        return False, "cited section does not exist"
    if not (chain[-1].start <= c.start and c.end <= chain[-1].end):
        return False, "quote lies outside the cited section"
    return True, ""


def answer_metrics(
    q: GoldQuestion, abstained: bool, top_correct: bool, facts: float | None
) -> dict[str, float | None]:
    """Abstention, false refusal and CRAG (the parts every system shares)."""
    return {
        "abstention_recall": None if q.answerable else float(abstained),
        "false_refusal_rate": float(abstained) if q.answerable else None,
        "crag": float(M.crag_score(q.answerable, abstained, top_correct, facts)),
    }


def _facts(q: GoldQuestion, text: str, abstained: bool) -> tuple[float | None, list[str]]:
    if not q.answerable or not q.key_facts:
        return None, []
    if abstained:  # a refusal lists nearby sections: their text is not an answer
        return 0.0, list(q.key_facts)
    missing = [f for f in q.key_facts if not M.fact_found(f, text)]
    return M.key_fact_recall(q.key_facts, text), missing


def score_ours(
    q: GoldQuestion, golds: list[ResolvedGold], ranked: list[Located], answer: Answer,
    document: Callable[[str], Document | None],
) -> Outcome:  # fmt: skip
    """Score our chain's ranking (``ranked``, depth k) and answer on one question."""
    rmatch = [matched(item, golds) for item in ranked]
    views = [
        ItemView(i.doc_number or "?", "/".join(i.section_path), sorted(m))
        for i, m in zip(ranked, rmatch, strict=True)
    ]
    cited: list[frozenset[int]] = []
    cviews: list[ItemView] = []
    n_valid = 0
    for c in answer.citations:
        ok, reason = citation_check(c, document(c.doc_id))
        n_valid += ok
        m = matched(Located(c.doc_number, tuple(c.section_path), c.start, c.end, c.doc_id), golds)
        cited.append(m)
        cviews.append(ItemView(c.doc_number or "?", "/".join(c.section_path), sorted(m), ok, reason))
    abstained = answer.abstained
    top_correct = bool(not abstained and cited and cited[0])
    facts, missing = _facts(q, answer.answer, abstained)
    out = retrieval_metrics(rmatch, len(golds))
    answered = q.answerable and not abstained
    out["top_citation"] = float(top_correct) if q.answerable else None
    out["citation_precision"] = (M.citation_precision(cited) or 0.0) if answered else None
    out["citation_recall"] = (
        (M.citation_recall(cited, len(golds)) if answered else 0.0) if q.answerable else None
    )
    out["citation_validity"] = n_valid / len(cited) if cited else None
    out["cited_answer_rate"] = float(bool(cited) and n_valid == len(cited)) if not abstained else None
    out["key_fact_recall"] = facts
    out.update(answer_metrics(q, abstained, top_correct, facts))
    return Outcome(
        q.id, "ours", out, views, cviews, answer.answer, abstained, missing, dict(answer.timings_ms),
        len(cited), n_valid, M.first_hit_rank(rmatch),
        {"signals": dict(answer.signals), "quotes": [c.quote for c in answer.citations]},
    )  # fmt: skip


def score_baseline(q: GoldQuestion, golds: list[ResolvedGold], hits: BaselineHits, system: str) -> Outcome:
    """Score a baseline's raw chunks: a chunk matches a gold section that it contains; its answer
    is its top chunk's text, its top chunk stands for the top citation, and it never abstains."""
    needles = [needle(g.text) for g in golds]
    rmatch = [contained(c.key, needles) for c in hits.chunks]
    views = [
        ItemView(c.source, f"chunk {c.ordinal}", sorted(m)) for c, m in zip(hits.chunks, rmatch, strict=True)
    ]
    text = hits.chunks[0].text if hits.chunks else ""
    top_correct = bool(rmatch and rmatch[0])
    facts, missing = _facts(q, text, False)
    out = retrieval_metrics(rmatch, len(golds))
    out.update(dict.fromkeys(CITATION_KEYS))  # a baseline cites nothing
    out["key_fact_recall"] = facts
    out.update(answer_metrics(q, False, top_correct, facts))
    return Outcome(
        q.id, system, out, views, [], text, False, missing, {"retrieve": hits.ms, "total": hits.ms},
        first_hit=M.first_hit_rank(rmatch),
    )  # fmt: skip
