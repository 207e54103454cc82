"""Report plots (matplotlib, Agg backend): metrics by question type and by language form, and the
latency distribution per stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from rag.evaluation.gold import LANGS, TYPES
from rag.evaluation.scoring import Outcome

TYPE_METRICS = ("hit@5", "mrr@10", "top_citation", "key_fact_recall")
LANG_METRICS = ("hit@5", "mrr@10", "key_fact_recall")


def _bars(ax: Any, groups: list[str], series: dict[str, list[float]], title: str) -> None:
    x = np.arange(len(groups))
    width = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series.items()):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, label=name)
    ax.set_xticks(x, groups, rotation=20)
    ax.set_ylim(0, 1.2)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)


def _value(agg: dict[str, Any], key: str) -> float:
    v = agg.get(key)
    return float(v) if isinstance(v, int | float) else 0.0


def by_type(metrics: dict[str, Any], split: str, path: Path) -> None:
    """Our main metrics per question type."""
    groups = metrics["ours"][split]["by_type"]
    types = [t for t in TYPES if groups[t]["n"]]
    fig, ax = plt.subplots(figsize=(10, 4))
    _bars(ax, [f"{t}\n(n={groups[t]['n']})" for t in types],
          {m: [_value(groups[t], m) for t in types] for m in TYPE_METRICS}, f"Ours by question type ({split})")  # fmt: skip
    ax.legend(fontsize=8, ncols=len(TYPE_METRICS), loc="upper center")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def by_lang(metrics: dict[str, Any], split: str, path: Path) -> None:
    """Main metrics per language form, ours next to each baseline that ran."""
    fig, axes = plt.subplots(1, len(LANG_METRICS), figsize=(12, 4))
    ours = metrics["ours"][split]["by_lang"]
    labels = [f"{lang}\n(n={ours[lang]['n']})" for lang in LANGS]
    for ax, m in zip(axes, LANG_METRICS, strict=True):
        series = {
            name: [_value(sys[split]["by_lang"][lang], m) for lang in LANGS] for name, sys in metrics.items()
        }
        _bars(ax, labels, series, m)
    axes[0].legend(fontsize=8, ncols=len(metrics), loc="upper center")
    fig.suptitle(f"By language form ({split})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def latency(outcomes: dict[str, list[Outcome]], path: Path) -> None:
    """Box plots of per-question latency: our stages, and the baselines' retrieval."""
    data: dict[str, list[float]] = {}
    for stage in ("retrieve", "answer", "total"):
        data[f"ours {stage}"] = [
            o.timings_ms[stage] for o in outcomes.get("ours", []) if stage in o.timings_ms
        ]
    for name, outs in outcomes.items():
        if name != "ours":
            data[f"{name} retrieve"] = [o.timings_ms["retrieve"] for o in outs if "retrieve" in o.timings_ms]
    data = {k: v for k, v in reversed(data.items()) if v}  # ours on top
    fig, ax = plt.subplots(figsize=(10, 4))
    if data:
        ax.boxplot([[max(x, 1e-3) for x in v] for v in data.values()], tick_labels=list(data), vert=False)
        ax.set_xscale("log")
    ax.set_xlabel("milliseconds per question (log scale)")
    ax.set_title("Latency distribution")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
