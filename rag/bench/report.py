"""The benchmark report: ``results.json`` (every figure), ``report.md`` (tables, targets, ratios to
the baseline, growth and the next bottleneck) and ``scaling.png`` (matplotlib, Agg)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: The issue's targets on this machine, checked at TARGET_SIZE generated documents.
TARGET_SIZE = 10000
TARGETS = {
    "retrieval_p95_ms": 100.0,
    "answer_p95_ms": 300.0,
    "serving_rss_mb": 2000.0,
    "reingest_s": 10.0,
    "hit5_drop_points": 3.0,
}


def _get(d: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def _fmt(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _ratio(a: Any, b: Any) -> str:
    if a is None or b is None or not b:
        return "–"
    return f"{a / b:.2f}"


def serving_rss(run: dict[str, Any]) -> float | None:
    """The serving process' peak RSS: the API server when measured, else the query process."""
    api = _get(run, "api", "rss_peak_mb")
    return float(api) if api else _get(run, "query", "peak_rss_mb")


def qps(run: dict[str, Any], c: int) -> float | None:
    for level in _get(run, "api", "levels") or []:
        if level["concurrency"] == c:
            return float(level["qps"]) if level.get("qps") is not None else None
    return None


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target: the measured value at TARGET_SIZE (or the largest size run), met or not."""
    runs = results["runs"]
    base = next((r for r in runs if r["size"] == 0), None)
    at = next((r for r in runs if r["size"] == TARGET_SIZE), None)
    where = f"{TARGET_SIZE} generated + 5 real documents"
    if at is None:
        bigger = [r for r in runs if r["size"]]
        at = bigger[-1] if bigger else base
        where = f"{at['size']} generated documents (no {TARGET_SIZE} run)" if at else "no run"
    out: list[dict[str, Any]] = []
    if at is None:
        return out

    def add(name: str, value: float | None, limit: float, unit: str, lower_is_better: bool = True) -> None:
        met = None if value is None else (value <= limit if lower_is_better else value >= limit)
        out.append({"target": name, "value": value, "limit": limit, "unit": unit, "met": met, "at": where})

    add(
        "retrieval p95", _get(at, "query", "latency_ms", "retrieve", "p95"), TARGETS["retrieval_p95_ms"], "ms"
    )
    add(
        "end-to-end answer p95 (no LLM)",
        _get(at, "query", "latency_ms", "total", "p95"),
        TARGETS["answer_p95_ms"],
        "ms",
    )
    add("serving RSS", serving_rss(at), TARGETS["serving_rss_mb"], "MB")
    add("re-ingest of the unchanged corpus", _get(at, "reingest", "seconds"), TARGETS["reingest_s"], "s")
    h0 = _get(base, "query", "quality", "hit@5") if base else None
    h1 = _get(at, "query", "quality", "hit@5")
    drop = None if h0 is None or h1 is None else round((h0 - h1) * 100, 1)
    add("Hit@5 drop vs the 5 documents", drop, TARGETS["hit5_drop_points"], "points")
    return out


def _slope(xs: Sequence[float], ys: Sequence[float | None]) -> float | None:
    """Log-log slope between the smallest and the largest generated size (growth exponent)."""
    pts = [(x, y) for x, y in zip(xs, ys, strict=True) if x > 0 and y is not None and y > 0]
    if len(pts) < 2:
        return None
    (x0, y0), (x1, y1) = pts[0], pts[-1]
    return math.log(y1 / y0) / math.log(x1 / x0) if x1 != x0 else None


def growth(results: dict[str, Any]) -> list[dict[str, Any]]:
    """How each figure grows with the number of documents (exponent b in y ~ docs^b)."""
    runs = [r for r in results["runs"] if r["size"]]
    docs = [float(_get(r, "ingest", "documents") or 0) for r in runs]
    series = {
        "ingest seconds": [_get(r, "ingest", "seconds") for r in runs],
        "BM25 build seconds": [_get(r, "ingest", "bm25_seconds") for r in runs],
        "ingest peak RSS (MB)": [_get(r, "ingest", "peak_rss_mb") for r in runs],
        "re-ingest seconds": [_get(r, "reingest", "seconds") for r in runs],
        "index size (MB)": [_get(r, "index", "total_mb") for r in runs],
        "retrieval p95 (ms)": [_get(r, "query", "latency_ms", "retrieve", "p95") for r in runs],
        "BM25 scoring p95 (ms)": [_get(r, "query", "latency_ms", "search_lexical", "p95") for r in runs],
        "fuse + fetch p95 (ms)": [_get(r, "query", "latency_ms", "search_fuse", "p95") for r in runs],
        "BM25 postings per query, median (M)": [
            (_get(r, "query", "bm25_postings_per_query", "p50") or 0) / 1e6 or None for r in runs
        ],
        "answer p95 (ms)": [_get(r, "query", "latency_ms", "total", "p95") for r in runs],
        "serving RSS (MB)": [serving_rss(r) for r in runs],
        "Chroma top-100 p95 (ms)": [_get(r, "dense", "chroma_query_ms", "p95") for r in runs],
    }
    out = []
    for name, ys in series.items():
        b = _slope(docs, ys)
        out.append(
            {"figure": name, "values": ys, "docs": docs, "exponent": None if b is None else round(b, 2)}
        )
    return out


def bottleneck(results: dict[str, Any]) -> list[str]:
    """What the curves say breaks first, extrapolated with each figure's growth exponent (a power
    law through the smallest and largest generated sizes: indicative, not a prediction)."""
    g = {x["figure"]: x for x in growth(results)}
    runs = [r for r in results["runs"] if r["size"]]
    if len(runs) < 2:
        return ["Only one generated size was run: no growth curve to extrapolate."]
    last = runs[-1]
    n = float(_get(last, "ingest", "documents") or 1)
    lines = []

    def project(name: str, limit: float, unit: str) -> None:
        s = g.get(name)
        if not s or s["exponent"] is None or s["values"][-1] is None:
            return
        y, b = float(s["values"][-1]), float(s["exponent"])
        if y >= limit:
            lines.append(f"{name}: {y:.0f} {unit} at {n:.0f} documents, already over {limit:.0f} {unit}.")
        elif b > 0.05:
            at = n * (limit / y) ** (1 / b)
            lines.append(f"{name}: {y:.0f} {unit} at {n:.0f} documents, growing as docs^{b:.2f}: "
                         f"reaches {limit:.0f} {unit} near {at:,.0f} documents.")  # fmt: skip
        else:
            lines.append(f"{name}: {y:.0f} {unit} at {n:.0f} documents, flat (docs^{b:.2f}).")

    project("retrieval p95 (ms)", TARGETS["retrieval_p95_ms"], "ms")
    project("answer p95 (ms)", TARGETS["answer_p95_ms"], "ms")
    project("serving RSS (MB)", TARGETS["serving_rss_mb"], "MB")
    project("ingest peak RSS (MB)", 16000.0, "MB")
    project("re-ingest seconds", TARGETS["reingest_s"], "s")
    post = _get(last, "query", "bm25_postings_per_query", "p50")
    if post:
        lines.append(f"BM25 scores every chunk that shares a token with the question (term at a time): a median "
                     f"question adds up {post / 1e6:.1f} M (chunk, score) entries at {n:.0f} documents, growing "
                     "linearly with the corpus (common syllables occur in most chunks). Skipping low-impact common "
                     "tokens (MaxScore / WAND, as search engines do) or sharding is the fix.")  # fmt: skip
    lex = _get(last, "query", "latency_ms", "search_lexical", "p95")
    fuse = _get(last, "query", "latency_ms", "search_fuse", "p95")
    ret = _get(last, "query", "latency_ms", "retrieve", "p95")
    if lex is not None and ret:
        lines.append(f"Inside retrieval at {n:.0f} documents (p95): BM25 scoring {lex:.1f} ms, fusion and "
                     f"fetching the top chunks {_fmt(fuse)} ms, of {ret:.1f} ms in all (the rest is query analysis).")  # fmt: skip
    bm25 = _get(last, "ingest", "bm25_seconds")
    secs = _get(last, "ingest", "seconds")
    if bm25 is not None and secs:
        lines.append(f"Inside ingest at {n:.0f} documents: BM25 build {bm25:.0f} s of {secs:.0f} s; the rest is "
                     "reading, parsing, chunking, tokenizing and writing the store.")  # fmt: skip
    return lines


# --- writing -------------------------------------------------------------------------------------------


def _main_table(results: dict[str, Any]) -> list[str]:
    head = ("| documents | chunks | ingest docs/s | ingest chunks/s | BM25 build s | re-ingest s | index MB | "
            "ingest peak RSS MB | retrieval p50 / p95 / p99 ms | answer p50 / p95 / p99 ms | QPS c1 / c2 / c4 | "
            "serving RSS MB | Hit@5 | top citation |")  # fmt: skip
    lines = [head, "|" + "---:|" * 14]
    for r in results["runs"]:
        ing, q = r.get("ingest", {}), r.get("query", {})
        lat = q.get("latency_ms", {})
        ret, tot = lat.get("retrieve", {}), lat.get("total", {})
        quality = q.get("quality", {})
        lines.append(
            f"| {_fmt(ing.get('documents'))} | {_fmt(ing.get('chunks'))} | {_fmt(ing.get('docs_per_s'))} | "
            f"{_fmt(ing.get('chunks_per_s'))} | {_fmt(ing.get('bm25_seconds'))} | {_fmt(_get(r, 'reingest', 'seconds'), 2)} | "
            f"{_fmt(_get(r, 'index', 'total_mb'))} | {_fmt(ing.get('peak_rss_mb'), 0)} | "
            f"{_fmt(ret.get('p50'))} / {_fmt(ret.get('p95'))} / {_fmt(ret.get('p99'))} | "
            f"{_fmt(tot.get('p50'))} / {_fmt(tot.get('p95'))} / {_fmt(tot.get('p99'))} | "
            f"{_fmt(qps(r, 1))} / {_fmt(qps(r, 2))} / {_fmt(qps(r, 4))} | {_fmt(serving_rss(r), 0)} | "
            f"{_fmt(quality.get('hit@5'), 3)} | {_fmt(quality.get('top_citation'), 3)} |"
        )  # fmt: skip
    return lines


def _baseline_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| documents | system | Hit@5 | top citation (baseline: top chunk) | search p50 / p95 ms | process peak RSS MB |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    ratios = [
        "| documents | vs | Hit@5 ours/baseline | top citation ours/baseline | retrieval p95 ours/baseline | RSS ours/baseline |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for r in results["runs"]:
        q = r.get("query", {})
        docs = _fmt(_get(r, "ingest", "documents"))
        lat = _get(q, "latency_ms", "retrieve") or {}
        lines.append(f"| {docs} | ours (lexical) | {_fmt(_get(q, 'quality', 'hit@5'), 3)} | "
                     f"{_fmt(_get(q, 'quality', 'top_citation'), 3)} | {_fmt(lat.get('p50'))} / {_fmt(lat.get('p95'))} | "
                     f"{_fmt(q.get('peak_rss_mb'), 0)} |")  # fmt: skip
        dq = _get(r, "dense", "query")
        if dq:
            dl = _get(dq, "latency_ms", "retrieve") or {}
            lines.append(f"| {docs} | ours (hybrid, dense model) | {_fmt(_get(dq, 'quality', 'hit@5'), 3)} | "
                         f"{_fmt(_get(dq, 'quality', 'top_citation'), 3)} | {_fmt(dl.get('p50'))} / {_fmt(dl.get('p95'))} | "
                         f"{_fmt(dq.get('peak_rss_mb'), 0)} |")  # fmt: skip
        b = r.get("baseline")
        if r.get("baseline_skipped"):
            lines.append(f"| {docs} | baseline | – | – | – | – ({r['baseline_skipped']}) |")
        if not b:
            continue
        for name, s in b["systems"].items():
            bl = s.get("latency_ms", {})
            brss = s.get("peak_rss_mb", b.get("peak_rss_mb"))
            lines.append(f"| {docs} | baseline {name} | {_fmt(_get(s, 'quality', 'hit@5'), 3)} | "
                         f"{_fmt(_get(s, 'quality', 'top_citation'), 3)} | {_fmt(bl.get('p50'))} / {_fmt(bl.get('p95'))} | "
                         f"{_fmt(brss, 0)} |")  # fmt: skip
            ours = dq if (name == "dense" and dq) else q
            ours_lat = _get(ours, "latency_ms", "retrieve", "p95")
            ratios.append(
                f"| {docs} | {'hybrid' if ours is dq else 'lexical'} vs {name} | "
                f"{_ratio(_get(ours, 'quality', 'hit@5'), _get(s, 'quality', 'hit@5'))} | "
                f"{_ratio(_get(ours, 'quality', 'top_citation'), _get(s, 'quality', 'top_citation'))} | "
                f"{_ratio(ours_lat, bl.get('p95'))} | {_ratio(ours.get('peak_rss_mb'), brss)} |"
            )  # fmt: skip
    return [
        *lines,
        "",
        "Ours / baseline (quality above 1 is better for us; latency and memory below 1):",
        "",
        *ratios,
    ]


def _dense_lines(results: dict[str, Any]) -> list[str]:
    out = [f"Model: {results['meta'].get('embedding_note')}.", ""]
    out.append("| documents | mode | chunks embedded | embedding chunks/s | full corpus would take | "
               "query embedding p95 ms | Chroma top-100 p95 ms (vectors) | peak RSS MB |")  # fmt: skip
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in results["runs"]:
        d = r.get("dense")
        if not d:
            continue
        docs = _fmt(_get(r, "ingest", "documents"))
        if d["mode"] == "full":
            out.append(f"| {docs} | all chunks (ingest with the model) | {d['embedded']} | {_fmt(d['chunks_per_s'])} | "
                       f"{_fmt(d['ingest_seconds'])} s (measured) | – | – | {_fmt(d['ingest_peak_rss_mb'], 0)} |")  # fmt: skip
        else:
            hours = d.get("full_embedding_hours_estimate")
            out.append(f"| {docs} | sample | {d['sample_chunks']} | {_fmt(d['embed_chunks_per_s'])} | "
                       f"~{_fmt(hours)} h (estimate) | {_fmt(_get(d, 'query_embed_ms', 'p95'))} | "
                       f"{_fmt(_get(d, 'chroma_query_ms', 'p95'))} ({d['fill_vectors']}) | {_fmt(d.get('peak_rss_mb'), 0)} |")  # fmt: skip
    return out


def render_markdown(results: dict[str, Any], plot: str | None) -> str:
    meta = results["meta"]
    ms, me = meta.get("machine_start", {}), meta.get("machine_end", {})
    lines = [
        "# Benchmark: scale, latency, throughput, quality",
        "",
        f"Run {meta['date']} ({_fmt(meta.get('seconds'), 0)} s), commit {meta.get('commit') or '–'}: `{meta.get('command') or 'rag bench'}`.",
        "",
        f"Machine: {ms.get('cpus')} CPUs, {ms.get('memory_gb')} GB RAM ({ms.get('available_gb')} GB available at the "
        f"start), {ms.get('platform')}, Python {ms.get('python')}. Load average (1/5/15 min) at the start "
        f"{ms.get('load_avg')}, at the end {me.get('load_avg')}: other work shared the machine, so latencies are "
        "upper bounds for an idle machine.",
        "",
        f"Corpora: the 5 real documents, then the 5 real + N generated distractors (seed {meta['seed']}, "
        "`bench/corpora/`); the generated ones contain no gold answer (checked on every document). Queries: "
        f"{meta['questions']} gold questions, {meta['repeat']} timed passes after a warm-up pass; quality on the "
        "answerable ones. Ingest and queries run lexical-only at every size (BM25; the dense path is measured "
        f"separately below); ingest with {meta['ingest_workers']} worker process(es). API: {meta['api']}.",
        "",
        "## Results",
        "",
        *_main_table(results),
        "",
        "Latencies are the chain's own timings: retrieval = query analysis + hybrid search; answer = retrieval + "
        "the extractive answer with verified citations (no LLM). Peak RSS: ingest = the ingest process plus its "
        "worker processes; serving = the API server process (else the query process).",
        "",
        "## Targets",
        "",
        "| target | limit | measured | met | where |",
        "|---|---:|---:|---|---|",
    ]  # fmt: skip
    for t in targets(results):
        met = "–" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(
            f"| {t['target']} | ≤ {t['limit']:g} {t['unit']} | {_fmt(t['value'])} {t['unit']} | {met} | {t['at']} |"
        )
    lines += ["", "## Ours vs the LangChain recipe", "",
              "Baseline: the raw files split with RecursiveCharacterTextSplitter(1000, 200); `bm25` = bm25s over "
              "lower-cased `\\w+` tokens, `dense` = the same embedding model, in-memory Chroma (cosine), "
              "similarity top-k (measured where all chunks could be embedded). A raw chunk of a generated document "
              "never counts as a hit. Latency: ours = analysis + search (k=8); baseline = its search alone.", "",
              *_baseline_table(results), "", "## Dense embedding", "", *_dense_lines(results), ""]  # fmt: skip
    lines += ["## Growth and the next bottleneck", ""]
    g = growth(results)
    if g and g[0]["docs"]:
        lines.append(
            "| figure | " + " | ".join(f"{int(d)} docs" for d in g[0]["docs"]) + " | growth exponent |"
        )
        lines.append("|---|" + "---:|" * (len(g[0]["docs"]) + 1))
        for s in g:
            lines.append(
                f"| {s['figure']} | "
                + " | ".join(_fmt(v) for v in s["values"])
                + f" | {_fmt(s['exponent'], 2)} |"
            )
        lines.append("")
    lines += [
        "Extrapolations fit y = a·docs^b through the smallest and largest generated sizes; they are "
        "indicative only (a 2-CPU machine shared with other work).",
        "",
    ]
    lines += [f"- {x}" for x in bottleneck(results)]
    if plot:
        lines += ["", f"![scaling]({plot})"]
    gens = [r for r in results["runs"] if r.get("generation")]
    if gens:
        lines += ["", "## Generated corpora", "", "| size | MB | generated in s | reused | regenerated docs (safety) |",
                  "|---:|---:|---:|---|---:|"]  # fmt: skip
        for r in gens:
            gr = r["generation"]
            lines.append(f"| {r['size']} | {gr['mb']} | {gr['generate_seconds']} | {gr['reused']} | "
                         f"{gr['safety']['regenerated_documents']} |")  # fmt: skip
    if results.get("notes"):
        lines += ["", "## Notes", "", *[f"- {n}" for n in results["notes"]]]
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any], path: Path) -> bool:
    """Four panels against the number of documents (log scale): latency, throughput, memory, quality."""
    runs = [r for r in results["runs"] if r.get("ingest")]
    if len(runs) < 2:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    docs = [r["ingest"]["documents"] for r in runs]
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))

    def series(ax: Any, values: list[Any], label: str, style: str = "o-") -> None:
        pts = [(x, y) for x, y in zip(docs, values, strict=True) if y is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=label)

    ax = axes[0][0]
    series(ax, [_get(r, "query", "latency_ms", "retrieve", "p95") for r in runs], "retrieval p95")
    series(ax, [_get(r, "query", "latency_ms", "total", "p95") for r in runs], "answer p95")
    series(
        ax, [_get(r, "query", "latency_ms", "search_lexical", "p95") for r in runs], "BM25 scoring p95", "s--"
    )
    ax.axhline(TARGETS["retrieval_p95_ms"], color="grey", ls=":", lw=1)
    ax.axhline(TARGETS["answer_p95_ms"], color="grey", ls=":", lw=1)
    ax.set_title("query latency (ms)")
    ax = axes[0][1]
    series(ax, [_get(r, "ingest", "docs_per_s") for r in runs], "ingest docs/s")
    series(ax, [_get(r, "ingest", "chunks_per_s") for r in runs], "ingest chunks/s")
    series(ax, [qps(r, 1) for r in runs], "API QPS c=1", "s--")
    series(ax, [qps(r, 4) for r in runs], "API QPS c=4", "s--")
    ax.set_title("throughput")
    ax = axes[1][0]
    series(ax, [_get(r, "ingest", "peak_rss_mb") for r in runs], "ingest peak RSS")
    series(ax, [serving_rss(r) for r in runs], "serving RSS")
    series(ax, [_get(r, "index", "total_mb") for r in runs], "index on disk", "s--")
    ax.axhline(TARGETS["serving_rss_mb"], color="grey", ls=":", lw=1)
    ax.set_title("memory and disk (MB)")
    ax = axes[1][1]
    series(ax, [_get(r, "query", "quality", "hit@5") for r in runs], "ours Hit@5")
    series(ax, [_get(r, "query", "quality", "top_citation") for r in runs], "ours top citation")
    series(
        ax,
        [_get(r, "baseline", "systems", "bm25", "quality", "hit@5") for r in runs],
        "baseline BM25 Hit@5",
        "s--",
    )
    ax.set_ylim(0, 1.05)
    ax.set_title("quality")
    for row in axes:
        for a in row:
            a.set_xscale("log")
            a.set_xlabel("documents")
            a.grid(True, alpha=0.3)
            a.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_report(results: dict[str, Any], out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    results["targets"] = targets(results)
    results["growth"] = growth(results)
    results["bottleneck"] = bottleneck(results)
    png = out / "scaling.png"
    has_plot = plot(results, png)
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (out / "report.md").write_text(render_markdown(results, png.name if has_plot else None), encoding="utf-8")
    paths = {"json": out / "results.json", "markdown": out / "report.md"}
    if has_plot:
        paths["plot"] = png
    return paths
