"""Runs the gold set through the real chain (and the baselines) and scores every question."""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rag.answer.models import Answer
from rag.app import App
from rag.evaluation.baselines import Baseline, BM25Baseline, DenseBaseline, raw_chunks
from rag.evaluation.gold import GoldQuestion, load_gold
from rag.evaluation.judge import Judge, JudgeError
from rag.evaluation.matching import GoldResolver, Located, contained, needle
from rag.evaluation.scoring import Outcome, score_baseline, score_ours
from rag.index.embedder import Embedder, Vectors
from rag.index.generations import Generation

NO_MODEL = "not available (no embedding model)"


@dataclass
class EvalOptions:
    gold: Path = Path("eval/gold.jsonl")
    split: str = "all"  # "dev" | "heldout" | "all"
    k: int = 10
    baselines: bool = True
    judge: bool = True
    progress: bool = True


@dataclass
class EvalResult:
    questions: list[GoldQuestion]
    outcomes: dict[str, list[Outcome]]  # system -> one outcome per question, in question order
    unavailable: dict[str, str] = field(default_factory=dict)  # system -> why it was not run
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    judge: dict[str, Any] | None = None


def ensure_index(app: App, progress: bool) -> Generation:
    """The active generation; the corpus is ingested first when the index is empty."""
    gen = app.generation()
    if gen is None or gen.store.count_documents() == 0:
        app.ingestor(progress=progress).run([app.settings.corpus_dir])
        gen = app.generation()
    if gen is None or gen.store.count_documents() == 0:
        raise RuntimeError(f"nothing could be indexed from {app.settings.corpus_dir}")
    return gen


def _bar(items: list[GoldQuestion], progress: bool, desc: str) -> Any:
    return tqdm(items, desc=desc, unit="q", file=sys.stderr, disable=not progress, leave=False)


def _baselines(app: App, opts: EvalOptions, result: EvalResult) -> list[Baseline]:
    out: list[Baseline] = []
    if not opts.baselines:
        result.unavailable.update({"bm25": "not run (--no-baselines)", "dense": "not run (--no-baselines)"})
        return out
    t0 = time.perf_counter()
    chunks = raw_chunks(app.settings.corpus_dir)
    out.append(BM25Baseline(chunks))
    emb = app.embedder
    if emb is None:
        result.unavailable["dense"] = NO_MODEL
    else:
        out.append(DenseBaseline(chunks, emb))
    result.meta["baseline_chunks"] = len(chunks)
    result.meta["baseline_build_s"] = round(time.perf_counter() - t0, 2)
    return out


def _unreachable(
    questions: list[GoldQuestion], resolver: GoldResolver, baselines: list[Baseline]
) -> list[str]:
    """Gold sections that no raw chunk contains: no baseline can ever hit them."""
    chunks = getattr(baselines[0], "chunks", []) if baselines else []
    out = []
    for s in dict.fromkeys(s for q in questions for s in q.gold):
        n = needle(resolver.resolve(s).text)
        if not any(contained(c.key, [n]) for c in chunks):
            out.append(s.key())
    return out


class _LastQueryMemo:
    """Wraps the searcher's embedder so that the second retrieval of a question (the depth-k
    ranking) reuses the query vector computed by the first (the answer, whose timings are the
    ones reported). Only the last query is kept."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self._last: tuple[str, Vectors] | None = None

    def embed_documents(self, texts: list[str]) -> Vectors:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> Vectors:
        if self._last is None or self._last[0] != text:
            self._last = (text, self.inner.embed_query(text))
        return self._last[1]


def run_eval(app: App, opts: EvalOptions) -> EvalResult:
    """Score our chain and the baselines on the gold questions of ``opts.split``."""
    started = time.perf_counter()
    questions = load_gold(opts.gold, opts.split)
    t_index = time.perf_counter()
    gen = ensure_index(app, opts.progress)
    result_meta: dict[str, Any] = {"index_s": round(time.perf_counter() - t_index, 2)}
    resolver = GoldResolver(gen.store)
    result = EvalResult(questions, {"ours": []}, meta=result_meta)
    result.notes.extend(
        f"gold section not in the index: {p}" for p in resolver.problems(s for q in questions for s in q.gold)
    )
    chain = app.chain()
    searcher = chain.searcher()
    if searcher.embedder is not None and not isinstance(searcher.embedder, _LastQueryMemo):
        searcher.embedder = _LastQueryMemo(searcher.embedder)
    baselines = _baselines(app, opts, result)
    for b in baselines:
        result.outcomes[b.name] = []
    if baselines:
        result.meta["unreachable_for_baselines"] = _unreachable(questions, resolver, baselines)
    top_k = app.settings.top_k
    t_loop = time.perf_counter()
    inconsistent: list[str] = []
    for q in _bar(questions, opts.progress, "eval"):
        golds = resolver.resolve_all(q.gold)
        try:
            answer = chain.invoke({"question": q.question})
            _query, found = chain.retrieve(q.question, k=max(opts.k, 1))
        except Exception as exc:  # a crash is scored as a wrong answer and listed, not fatal to the run
            outcome = score_ours(q, golds, [], Answer(question=q.question, answer=""), gen.store.document)
            outcome.extra["error"] = f"{type(exc).__name__}: {exc}"
            result.outcomes["ours"].append(outcome)
        else:
            ranked = [Located(h.chunk.doc_number, tuple(h.chunk.section_path), h.chunk.start, h.chunk.end,
                              h.chunk.doc_id) for h in found.hits]  # fmt: skip
            seen = [(r.doc_id, list(r.section_path), r.start) for r in answer.retrieved]
            if seen != [(r.doc_id, list(r.section_path), r.start) for r in ranked[: len(seen)]]:
                inconsistent.append(q.id if q.split == "dev" else "a held-out question")
            result.outcomes["ours"].append(score_ours(q, golds, ranked, answer, gen.store.document))
        for b in baselines:
            result.outcomes[b.name].append(score_baseline(q, golds, b.search(q.question, opts.k), b.name))
    result.meta["questions_s"] = round(time.perf_counter() - t_loop, 2)
    for b in baselines:
        if isinstance(b, DenseBaseline):
            b.close()
    if inconsistent:
        result.notes.append(
            f"{len(inconsistent)} answer(s) were built on a ranking that is not the prefix of the depth-{opts.k} "
            f"ranking (retrieval at top_k is not the first top_k items of retrieval at depth k): {', '.join(inconsistent)}"
        )
    signals = [o.extra.get("signals", {}) for o in result.outcomes["ours"]]
    result.meta.update({
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "gold": str(opts.gold), "split": opts.split,
        "questions": len(questions), "k": opts.k, "answer_top_k": top_k, "index_dir": str(app.settings.index_dir),
        "generation": gen.name, "chunks": gen.store.count_chunks(), "embedding_model": app.settings.embedding_model,
        "index_dense_model": gen.manifest.get("dense_model"),
        "ours_dense": any(s.get("dense") for s in signals), "ours_llm": any(s.get("llm") for s in signals),
        "dense_note": app.dense_note,
    })  # fmt: skip
    if app.settings.llm_base_url and app.settings.llm_model and opts.judge:
        result.judge = run_judge(app, result, opts.progress)
    result.meta["runtime_s"] = round(time.perf_counter() - started, 2)
    return result


def run_judge(app: App, result: EvalResult, progress: bool) -> dict[str, Any]:
    """Faithfulness of our non-abstained answers, by the configured LLM (never gates)."""
    s = app.settings
    assert s.llm_base_url and s.llm_model
    judge = Judge(s.llm_base_url, s.llm_model, s.llm_api_key, s.llm_timeout_s)
    scores: dict[str, float] = {}
    errors: list[str] = []
    pairs = list(zip(result.questions, result.outcomes["ours"], strict=True))
    for q, o in tqdm(pairs, desc="judge", unit="q", file=sys.stderr, disable=not progress, leave=False):
        if o.abstained or "error" in o.extra:
            continue
        try:
            scores[q.id] = judge.faithfulness(q.question, o.answer, o.extra.get("quotes", []))
        except JudgeError as exc:
            errors.append(f"{q.id if q.split == 'dev' else 'a held-out question'}: {exc}")
    judge.close()
    for o in result.outcomes["ours"]:
        if o.qid in scores:
            o.metrics["faithfulness"] = scores[o.qid]
    return {"model": s.llm_model, "judged": len(scores), "errors": len(errors), "first_errors": errors[:3]}
