"""The benchmark's measured work, one task per child process (``python -m rag.bench.probe TASK
JSON``): each prints one JSON object as its last stdout line. Running them in child processes
gives each its own peak RSS (the parent samples it) and keeps the parent's memory out of it.

Tasks: ``ingest`` (parse + chunk + BM25, optionally re-ingest), ``query`` (our chain: latency and
quality on the gold questions), ``baseline`` (the LangChain recipe: BM25 and optionally dense over
raw 1000/200 chunks), ``dense`` (embedding throughput on a sample of chunks, vector insert and
query latency in Chroma).
"""

from __future__ import annotations

import json
import logging
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psutil


def _rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 1e6


def _percentiles(values: Sequence[float]) -> dict[str, float | None]:
    from rag.evaluation.metrics import percentile

    out: dict[str, float | None] = {}
    for q in (50, 95, 99):
        v = percentile(list(values), q)
        out[f"p{q}"] = None if v is None else round(v, 2)
    out["mean"] = round(sum(values) / len(values), 2) if values else None
    out["n"] = len(values)
    return out


def _mean(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


# --- ingest -----------------------------------------------------------------------------------------


def task_ingest(args: dict[str, Any]) -> dict[str, Any]:
    """Ingest ``roots`` into ``index_dir`` (lexical only unless ``embedding_model``), timing the
    BM25 build separately; then, when ``reingest``, ingest the unchanged corpus again."""
    from rag.app import App
    from rag.index import lexical
    from rag.settings import Settings

    settings = Settings(
        index_dir=Path(args["index_dir"]),
        corpus_dir=Path(args["roots"][0]),
        embedding_model=args.get("embedding_model") or "none",
        chroma_url=None,
    )
    app = App.from_settings(settings)
    timings: dict[str, float] = {"bm25_s": 0.0}
    build = lexical.LexicalIndex.build

    def timed_build(token_lists: Any, directory: Path) -> Any:
        t0 = time.perf_counter()
        try:
            return build(token_lists, directory)
        finally:
            timings["bm25_s"] += time.perf_counter() - t0

    lexical.LexicalIndex.build = staticmethod(timed_build)  # type: ignore[method-assign]
    roots = [Path(r) for r in args["roots"]]
    ingestor = app.ingestor(progress=bool(args.get("progress")))
    ingestor.workers = int(args.get("workers", 1))
    t0 = time.perf_counter()
    report = ingestor.run(roots, rebuild=bool(args.get("rebuild")))
    first_s = time.perf_counter() - t0
    out: dict[str, Any] = {
        "report": {k: v for k, v in report.to_dict().items() if k not in ("added", "updated", "removed")},
        "added": len(report.added),
        "seconds": round(first_s, 3),
        "bm25_seconds": round(timings["bm25_s"], 3),
        "rss_after_mb": round(_rss_mb(), 1),
    }
    if args.get("reingest"):
        t0 = time.perf_counter()
        again = app.ingestor(progress=False).run(roots)
        out["reingest"] = {
            "seconds": round(time.perf_counter() - t0, 3),
            "changed": again.changed,
            "unchanged": again.unchanged,
            "embedded": again.embedded,
        }
    return out


# --- our chain --------------------------------------------------------------------------------------


class _GoldDocs:
    """The gold documents of a (possibly large) store, for GoldResolver: only the documents whose
    number is a gold number are read (the generated ones never are)."""

    def __init__(self, store: Any, numbers: set[str]) -> None:
        from rag.text.tokenize import code_key

        self.store = store
        keys = {code_key(n) for n in numbers}
        self.rows = [
            r for r in store.document_rows() if r.get("number") and code_key(str(r["number"])) in keys
        ]

    def document(self, doc_id: str) -> Any:
        return self.store.document(doc_id)

    def document_rows(self) -> list[dict[str, str | None]]:
        return self.rows


def task_query(args: dict[str, Any]) -> dict[str, Any]:
    """Warm up, then time ``chain.invoke`` (answer) and ``chain.retrieve`` on every gold question
    (``repeat`` passes), and score Hit@5 and the top citation on the answerable ones."""
    from rag.app import App
    from rag.evaluation.gold import load_gold
    from rag.evaluation.matching import GoldResolver, Located
    from rag.evaluation.scoring import score_ours
    from rag.settings import Settings

    settings = Settings(
        index_dir=Path(args["index_dir"]),
        embedding_model=args.get("embedding_model") or "none",
        chroma_url=args.get("chroma_url"),
        llm_base_url=None,
        llm_model=None,
    )
    app = App.from_settings(settings)
    rss_start = _rss_mb()
    questions = load_gold(Path(args["gold"]))
    if args.get("limit"):
        questions = questions[: int(args["limit"])]
    chain = app.chain()
    t0 = time.perf_counter()
    gen = app.generation()
    if gen is None:
        raise SystemExit(f"no index in {settings.index_dir}")
    chain.searcher()
    open_s = time.perf_counter() - t0
    for q in questions:  # warm caches: models, mmap pages, sqlite pages
        chain.invoke({"question": q.question})
    retrieve: list[float] = []
    total: list[float] = []
    answer_ms: list[float] = []
    wall: list[float] = []
    search_only: list[float] = []
    stages: dict[str, list[float]] = {"lexical": [], "dense": [], "fuse": []}
    resolver = GoldResolver(_GoldDocs(gen.store, {s.doc_number for q in questions for s in q.gold}))
    scored: list[dict[str, float | None]] = []
    dense_used = 0
    for rep in range(int(args.get("repeat", 2))):
        for q in questions:
            t = time.perf_counter()
            answer = chain.invoke({"question": q.question})
            wall.append((time.perf_counter() - t) * 1000)
            retrieve.append(answer.timings_ms["retrieve"])
            answer_ms.append(answer.timings_ms["answer"])
            total.append(answer.timings_ms["total"])
            t = time.perf_counter()
            _query, found = chain.retrieve(q.question, k=10)
            search_only.append((time.perf_counter() - t) * 1000)
            for stage, values in stages.items():
                values.append(float(found.timings_ms.get(stage, 0.0)))
            if rep == 0:
                dense_used += bool(answer.signals.get("dense"))
                golds = resolver.resolve_all(q.gold)
                ranked = [Located(h.chunk.doc_number, tuple(h.chunk.section_path), h.chunk.start, h.chunk.end,
                                  h.chunk.doc_id) for h in found.hits]  # fmt: skip
                scored.append(score_ours(q, golds, ranked, answer, gen.store.document).metrics)
    answerable = [m for m, q in zip(scored, questions, strict=True) if q.answerable]
    return {
        "bm25_postings_per_query": _percentiles(_postings(gen, [q.question for q in questions])),
        "questions": len(questions),
        "answerable": len(answerable),
        "open_s": round(open_s, 3),
        "chunks": gen.store.count_chunks(),
        "documents": gen.store.count_documents(),
        "latency_ms": {
            "retrieve": _percentiles(retrieve),
            "answer_stage": _percentiles(answer_ms),
            "total": _percentiles(total),
            "invoke_wall": _percentiles(wall),
            "retrieve_k10": _percentiles(search_only),
            **{f"search_{k}": _percentiles(v) for k, v in stages.items()},
        },
        "quality": {
            "hit@5": _mean([m.get("hit@5") for m in answerable]),
            "hit@10": _mean([m.get("hit@10") for m in answerable]),
            "top_citation": _mean([m.get("top_citation") for m in answerable]),
            "mrr@10": _mean([m.get("mrr@10") for m in answerable]),
            "key_fact_recall": _mean([m.get("key_fact_recall") for m in answerable]),
            "abstention_recall": _mean([m.get("abstention_recall") for m in scored]),
        },
        "dense_answers": dense_used,
        "dense_note": app.dense_note,
        "rss_start_mb": round(rss_start, 1),
        "rss_after_mb": round(_rss_mb(), 1),
    }


def _postings(gen: Any, questions: list[str]) -> list[float]:
    """How many (chunk, score) entries of the BM25 matrix each question's tokens add up: the work
    of exhaustive term-at-a-time scoring, which grows with the corpus."""
    from rag.retrieve.query import analyze

    return [float(sum(gen.lexical.chunk_count(t) for t in analyze(q).tokens)) for q in questions]


# --- the LangChain-recipe baselines -------------------------------------------------------------------


def task_baseline(args: dict[str, Any]) -> dict[str, Any]:
    """BM25 (and, with ``embedding_model``, dense) over RecursiveCharacterTextSplitter(1000, 200)
    chunks of the raw files of ``roots``; the first root holds the real documents. A raw chunk of a
    generated document never counts as a gold hit (its text may repeat a gold section verbatim)."""
    from rag.evaluation.baselines import BM25Baseline, DenseBaseline, RawChunk, raw_chunks
    from rag.evaluation.gold import load_gold
    from rag.evaluation.matching import GoldResolver
    from rag.evaluation.scoring import score_baseline
    from rag.index.generations import open_active

    questions = load_gold(Path(args["gold"]))
    if args.get("limit"):
        questions = questions[: int(args["limit"])]
    rss_start = _rss_mb()
    t0 = time.perf_counter()
    real = raw_chunks(Path(args["roots"][0]))
    chunks = list(real)
    for root in args["roots"][1:]:
        chunks += [RawChunk(c.source, c.ordinal, c.text, "") for c in raw_chunks(Path(root))]
    split_s = time.perf_counter() - t0
    gen = open_active(Path(args["gold_index"]))
    if gen is None:
        raise SystemExit(f"no index in {args['gold_index']} to resolve gold sections")
    resolver = GoldResolver(gen.store)
    out: dict[str, Any] = {"chunks": len(chunks), "split_s": round(split_s, 2), "systems": {}}
    wanted = args.get("systems") or ["bm25", "dense"]
    systems: list[tuple[str, Callable[[], Any]]] = []
    if "bm25" in wanted:
        systems.append(("bm25", lambda: BM25Baseline(chunks)))
    if "dense" in wanted and args.get("embedding_model"):
        from rag.index.embedder import SentenceTransformerEmbedder

        model = SentenceTransformerEmbedder(args["embedding_model"])
        systems.append(("dense", lambda: DenseBaseline(chunks, model)))
    for name, make in systems:
        t0 = time.perf_counter()
        system = make()
        build_s = time.perf_counter() - t0
        for q in questions:  # warm
            system.search(q.question, 10)
        ms: list[float] = []
        scored = []
        for rep in range(int(args.get("repeat", 2))):
            for q in questions:
                hits = system.search(q.question, 10)
                ms.append(hits.ms)
                if rep == 0:
                    scored.append(score_baseline(q, resolver.resolve_all(q.gold), hits, name).metrics)
        answerable = [m for m, q in zip(scored, questions, strict=True) if q.answerable]
        out["systems"][name] = {
            "build_s": round(build_s, 2),
            "latency_ms": _percentiles(ms),
            "quality": {
                "hit@5": _mean([m.get("hit@5") for m in answerable]),
                "hit@10": _mean([m.get("hit@10") for m in answerable]),
                "top_citation": _mean([m.get("hit@1") for m in answerable]),  # its top chunk stands for it
                "mrr@10": _mean([m.get("mrr@10") for m in answerable]),
                "key_fact_recall": _mean([m.get("key_fact_recall") for m in answerable]),
            },
            "rss_after_mb": round(_rss_mb(), 1),
        }
        if hasattr(system, "close"):
            system.close()
    gen.close()
    out["rss_start_mb"] = round(rss_start, 1)
    return out


# --- dense -----------------------------------------------------------------------------------------------


def task_dense(args: dict[str, Any]) -> dict[str, Any]:
    """Embed a random sample of the index's chunks with the model (throughput), upsert them into a
    fresh embedded Chroma collection (insert rate), then time query embedding and Chroma queries;
    with ``fill``, first fill the collection to that many vectors (the sample's vectors with noise)
    so the query time is measured at the corpus' scale."""
    import chromadb
    import numpy as np
    from chromadb.config import Settings as ChromaSettings

    from rag.documents.models import Chunk
    from rag.index.embedder import SentenceTransformerEmbedder
    from rag.index.generations import open_active

    gen = open_active(Path(args["index_dir"]))
    if gen is None:
        raise SystemExit(f"no index in {args['index_dir']}")
    n = gen.store.count_chunks()
    rng = random.Random(int(args.get("seed", 1)))
    rows = sorted(rng.sample(range(n), min(int(args["sample"]), n)))
    chunks: list[Chunk] = []
    for i in range(0, len(rows), 500):
        chunks += gen.store.chunks(rows[i : i + 500])
    gen.close()
    t0 = time.perf_counter()
    model = SentenceTransformerEmbedder(args["embedding_model"])
    load_s = time.perf_counter() - t0
    texts = [c.embed_text for c in chunks]
    model.embed_documents(texts[:8])  # warm
    t0 = time.perf_counter()
    vecs = np.concatenate([model.embed_documents(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    embed_s = time.perf_counter() - t0
    client = chromadb.PersistentClient(
        path=args["chroma_dir"], settings=ChromaSettings(anonymized_telemetry=False)
    )
    col = client.get_or_create_collection(
        "bench", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    t0 = time.perf_counter()
    for i in range(0, len(chunks), 250):
        col.upsert(ids=[c.id for c in chunks[i : i + 250]], embeddings=vecs[i : i + 250].tolist())
    upsert_s = time.perf_counter() - t0
    fill = int(args.get("fill") or 0)
    fill_s = 0.0
    if fill > len(chunks):
        nprng = np.random.default_rng(int(args.get("seed", 1)))
        t0 = time.perf_counter()
        done = len(chunks)
        while done < fill:
            m = min(2000, fill - done)
            base = vecs[nprng.integers(0, len(vecs), m)]
            noisy = base + nprng.normal(0, 0.05, base.shape).astype(np.float32)
            noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
            col.add(ids=[f"fill-{done + j}" for j in range(m)], embeddings=noisy.tolist())
            done += m
        fill_s = time.perf_counter() - t0
    questions = [
        json.loads(line)["question"]
        for line in Path(args["gold"]).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    questions = questions[: int(args.get("limit") or len(questions))]
    for q in questions[:5]:
        col.query(query_embeddings=[model.embed_query(q).tolist()], n_results=100)
    qe: list[float] = []
    qc: list[float] = []
    for q in questions:
        t = time.perf_counter()
        v = model.embed_query(q)
        qe.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        col.query(query_embeddings=[v.tolist()], n_results=100, include=["distances"])
        qc.append((time.perf_counter() - t) * 1000)
    count = col.count()
    return {
        "model": args["embedding_model"],
        "sample_chunks": len(chunks),
        "index_chunks": n,
        "model_load_s": round(load_s, 2),
        "embed_s": round(embed_s, 2),
        "embed_chunks_per_s": round(len(chunks) / embed_s, 2) if embed_s else None,
        "upsert_s": round(upsert_s, 2),
        "upsert_chunks_per_s": round(len(chunks) / upsert_s, 1) if upsert_s else None,
        "fill_vectors": count,
        "fill_s": round(fill_s, 1),
        "query_embed_ms": _percentiles(qe),
        "chroma_query_ms": _percentiles(qc),
        "rss_after_mb": round(_rss_mb(), 1),
    }


TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "ingest": task_ingest,
    "query": task_query,
    "baseline": task_baseline,
    "dense": task_dense,
}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    task, args = argv[0], json.loads(argv[1])
    result = TASKS[task](args)
    sys.stdout.write("\n" + json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":  # pragma: no cover
    main()
