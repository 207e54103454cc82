"""The evaluation report: report.md, report.html (self-contained), report.json and plots/ in the
output folder (eval/reports/ by default, git-ignored)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rag.evaluation import plots
from rag.evaluation.gate import Check
from rag.evaluation.gold import LANGS, TYPES
from rag.evaluation.render import Block, Bullets, Heading, Image, Para, Table, to_html, to_markdown
from rag.evaluation.runner import EvalResult
from rag.evaluation.scoring import METRIC_KEYS
from rag.evaluation.summary import RATIO_KEYS, STAGES

NAMES = {"ours": "Ours", "bm25": "BM25 (raw chunks)", "dense": "Dense (LangChain tutorial)"}
GROUP_COLS = ("hit@1", "hit@5", "mrr@10", "ndcg@10", "top_citation", "citation_precision", "citation_recall",
              "key_fact_recall", "abstention_recall", "false_refusal_rate", "crag")  # fmt: skip
LANG_RATIO_KEYS = ("hit@1", "hit@5", "mrr@10", "ndcg@10", "key_fact_recall")


def fmt(v: Any, digits: int = 3) -> str:
    return f"{v:.{digits}f}" if isinstance(v, int | float) else "—"


def fmt_ratio(v: Any) -> str:
    return f"{v:.2f}×" if isinstance(v, int | float) else "n/a"


def _checks_row(c: Check) -> list[str]:
    return [c.scope, c.name, fmt(c.value), f"{c.op} {c.limit:g}", "pass" if c.ok else "**FAIL**"]


def _header(s: dict[str, Any]) -> list[Block]:
    m = s["meta"]
    ours = s["metrics"]["ours"]
    n = ", ".join(f"{sp}: {ours[sp]['overall']['n']}" for sp in s["splits"])
    dense = "on" if m.get("ours_dense") else f"off ({m.get('dense_note') or 'no embedding model'})"
    items = [
        f"Date {m.get('date')}; gold `{m.get('gold')}`, split `{m.get('split')}` ({n} questions).",
        f"Index `{m.get('index_dir')}` generation `{m.get('generation')}`, {m.get('chunks')} chunks; "
        f"ranking depth k={m.get('k')}, answers at the default top_k={m.get('answer_top_k')}.",
        f"Ours: lexical on, dense {dense}, LLM {'on' if m.get('ours_llm') else 'off (extractive answers)'}.",
        f"Embedding model setting: `{m.get('embedding_model')}`; vectors in the index: `{m.get('index_dense_model')}`.",
        f"Runtime {m.get('runtime_s')} s.",
    ]
    for name in ("bm25", "dense"):
        why = s["unavailable"].get(name)
        items.append(f"{NAMES[name]}: {why if why else 'ran'}.")
    return [Heading("Evaluation report", 1), Bullets(items)]


def _targets(
    target_checks: dict[str, list[Check]], gate_checks: list[Check] | None, split: str
) -> list[Block]:
    splits = list(target_checks)
    blocks: list[Block] = [Heading("Targets of the issue (tracked, not gating)")]
    if splits:
        rows = []
        for i, c in enumerate(target_checks[splits[0]]):
            cells = [c.name, f"{c.op} {c.limit:g}"]
            for sp in splits:
                t = target_checks[sp][i]
                cells.append(f"{fmt(t.value)} {'pass' if t.ok else 'FAIL'}")
            rows.append(cells)
        blocks.append(Table(["metric", "target", *splits], rows))
    if gate_checks is not None:
        ok = all(c.ok for c in gate_checks)
        blocks += [Heading("Gate (eval/thresholds.toml)"),
                   Para(f"Split `{split}`: **{'PASS' if ok else 'FAIL'}** ({sum(c.ok for c in gate_checks)}/{len(gate_checks)} checks)."),
                   Table(["scope", "metric", "value", "limit", "status"], [_checks_row(c) for c in gate_checks])]  # fmt: skip
    return blocks


def _comparison(s: dict[str, Any], split: str) -> list[Block]:
    mets, ratios = s["metrics"], s["ratios"]
    bases = [b for b in ("bm25", "dense") if b in mets]
    headers = ["metric", "Ours"]
    for b in bases:
        headers += [NAMES[b], f"ours/{b}"]
    keys = [*METRIC_KEYS, *(["faithfulness"] if "faithfulness" in mets["ours"][split]["overall"] else [])]
    rows = []
    for k in keys:
        row = [k, fmt(mets["ours"][split]["overall"].get(k))]
        for b in bases:
            row += [
                fmt(mets[b][split]["overall"].get(k)),
                fmt_ratio(ratios[b][split]["overall"].get(k)) if k in RATIO_KEYS else "",
            ]
        rows.append(row)
    out: list[Block] = [Heading(f"Ours vs baselines — {split}", 3), Table(headers, rows)]
    missing = [f"{NAMES[b]}: {why}" for b, why in s["unavailable"].items()]
    if missing:
        out.append(Para("; ".join(missing) + "."))
    if bases:
        lrows = []
        for lang in LANGS:
            for k in LANG_RATIO_KEYS:
                row = [lang, k, fmt(mets["ours"][split]["by_lang"][lang].get(k))]
                for b in bases:
                    row += [
                        fmt(mets[b][split]["by_lang"][lang].get(k)),
                        fmt_ratio(ratios[b][split]["by_lang"][lang].get(k)),
                    ]
                lrows.append(row)
        out += [Para(f"By language form ({split}):"), Table(["lang", "metric", *headers[1:]], lrows)]
    return out


def _groups(s: dict[str, Any], split: str) -> list[Block]:
    ours = s["metrics"]["ours"][split]
    out: list[Block] = []
    for title, key, names in (("language form", "by_lang", LANGS), ("question type", "by_type", TYPES)):
        rows = [
            [g, str(ours[key][g]["n"]), *(fmt(ours[key][g].get(c)) for c in GROUP_COLS),
             fmt(ours[key][g]["latency_ms"].get("total", {}).get("p50"), 1),
             fmt(ours[key][g]["latency_ms"].get("total", {}).get("p95"), 1)]
            for g in names
            if ours[key][g]["n"]
        ]  # fmt: skip
        headers = [key[3:], "n", *GROUP_COLS, "total p50 ms", "total p95 ms"]
        out += [Heading(f"Ours by {title} — {split}", 3), Table(headers, rows)]
    return out


def _latency(s: dict[str, Any], split: str) -> list[Block]:
    rows = []
    for name, m in s["metrics"].items():
        for stage in STAGES:
            lat = m[split]["overall"]["latency_ms"].get(stage)
            if lat:
                rows.append([f"{name} {stage}", fmt(lat["p50"], 1), fmt(lat["p95"], 1), fmt(lat["max"], 1)])
    return [Heading(f"Latency (ms) — {split}", 3), Table(["stage", "p50", "p95", "max"], rows)]


def _misses(s: dict[str, Any]) -> list[Block]:
    out: list[Block] = [Heading("Misses (dev questions)"),
                        Para("Held-out questions are counted, never listed (eval/README.md, \"Held-out split\").")]  # fmt: skip
    held = s["misses_heldout_counts"]
    rows = [[k, s["miss_kinds"][k], str(len(ids)), ", ".join(ids) or "—", str(held[k]) if "heldout" in s["splits"] else "—"]
            for k, ids in s["misses_dev"].items()]  # fmt: skip
    out.append(Table(["kind", "meaning", "dev", "dev ids", "held-out count"], rows))
    out.append(Heading("Per-question details (dev questions with a miss)", 3))
    for d in s["questions_dev"]:
        if not d["misses"]:
            continue
        gold = "; ".join(d["gold"]) or "(unanswerable)"
        ret = ", ".join(
            f"{i}. {r['doc']} {r['where']}{' ✓' if r['matches'] else ''}"
            for i, r in enumerate(d["retrieved"][:5], 1)
        )
        cites = ", ".join(f"{c['doc']} {c['where']}{' ✓' if c['matches'] else ''}{'' if c['valid'] else ' (INVALID: ' + c['reason'] + ')'}"
                          for c in d["citations"]) or "none"  # fmt: skip
        base = ", ".join(f"{k} {v if v else '—'}" for k, v in d["baseline_first_hit"].items())
        items = [f"question: {d['question']}", f"gold: {gold}; key facts: {', '.join(d['key_facts']) or '—'}",
                 f"misses: {', '.join(d['misses'])}; first gold hit at rank {d['first_hit_rank'] or '—'}"
                 + (f" (baselines: {base})" if base else ""),
                 f"retrieved top 5: {ret or 'nothing'}", f"citations: {cites}",
                 f"{'abstained' if d['abstained'] else 'answer'}: {' '.join(d['answer'].split())[:300]}"]  # fmt: skip
        if d.get("error"):
            items.append(f"error: {d['error']}")
        if d["facts_missing"]:
            items.append(f"key facts not in the answer: {', '.join(d['facts_missing'])}")
        out += [Heading(f"{d['id']} ({d['type']}, {d['lang']})", 4), Bullets(items)]
    return out


def build(s: dict[str, Any], target_checks: dict[str, list[Check]], gate_checks: list[Check] | None,
          gate_split: str, plot_files: list[str]) -> list[Block]:  # fmt: skip
    """The report's blocks, in reading order."""
    blocks = _header(s) + _targets(target_checks, gate_checks, gate_split)
    blocks.append(Heading("Ours vs baselines"))
    blocks.append(Para("Ratios are ours / baseline (n/a when the baseline scores 0). Baselines have no citations; "
                       "their answer is their top chunk and they never abstain. Definitions: eval/README.md."))  # fmt: skip
    for split in s["splits"]:
        blocks += _comparison(s, split)
    blocks.append(Heading("Breakdowns"))
    for split in s["splits"]:
        blocks += _groups(s, split)
    blocks.append(Heading("Latency"))
    for split in s["splits"]:
        blocks += _latency(s, split)
    blocks.append(Heading("Plots"))
    blocks += [Image(p, p) for p in plot_files]
    blocks += _misses(s)
    notes = list(s["notes"])
    unreachable = s["meta"].get("unreachable_for_baselines") or []
    if unreachable:
        notes.append(
            f"{len(unreachable)} gold section(s) are in no raw chunk, so no baseline can hit them: {', '.join(unreachable)}"
        )
    if s.get("judge"):
        j = s["judge"]
        notes.append(
            f"LLM judge {j['model']}: {j['judged']} answers judged, {j['errors']} errors (faithfulness never gates)."
        )
    if notes:
        blocks += [Heading("Notes"), Bullets(notes)]
    return blocks


def write_report(result: EvalResult, s: dict[str, Any], out: Path, target_checks: dict[str, list[Check]],
                 gate_checks: list[Check] | None, gate_split: str) -> dict[str, Path]:  # fmt: skip
    """Write report.json, plots, report.md and report.html under ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "plots").mkdir(exist_ok=True)
    split = "dev" if "dev" in s["splits"] else s["splits"][0]
    plots.by_type(s["metrics"], split, out / "plots" / "by_type.png")
    plots.by_lang(s["metrics"], split, out / "plots" / "by_lang.png")
    plots.latency(result.outcomes, out / "plots" / "latency.png")
    files = ["plots/by_type.png", "plots/by_lang.png", "plots/latency.png"]
    payload = {**s, "targets": {sp: [c.__dict__ | {"ok": c.ok} for c in cs] for sp, cs in target_checks.items()},
               "gate": None if gate_checks is None else {"split": gate_split, "ok": all(c.ok for c in gate_checks),
                                                         "checks": [c.__dict__ | {"ok": c.ok} for c in gate_checks]}}  # fmt: skip
    paths = {"json": out / "report.json", "md": out / "report.md", "html": out / "report.html"}
    paths["json"].write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    blocks = build(s, target_checks, gate_checks, gate_split, files)
    paths["md"].write_text(to_markdown(blocks), encoding="utf-8")
    paths["html"].write_text(to_html(blocks, out, "rag evaluation report"), encoding="utf-8")
    return paths
