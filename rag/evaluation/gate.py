"""The CI gate (eval/thresholds.toml) and the issue's targets, both checked on a summary.

Metric names are the keys of report.json (``hit@5``, ``top_citation``, ``false_refusal_rate``
...); latency is named ``latency.<stage>.<p50|p95>`` (milliseconds).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The issue's targets: tracked in the report (pass/fail), never gating.
DEFAULT_TARGETS: dict[str, tuple[str, float]] = {
    "hit@5": (">=", 0.95),
    "top_citation": (">=", 0.90),
    "abstention_recall": (">=", 0.90),
    "false_refusal_rate": ("<=", 0.05),
}


class ThresholdsError(ValueError):
    """The thresholds file is unreadable or malformed."""


@dataclass
class Thresholds:
    split: str = "dev"
    min: dict[str, float] = field(default_factory=dict)
    max: dict[str, float] = field(default_factory=dict)
    min_by_lang: dict[str, dict[str, float]] = field(default_factory=dict)
    targets: dict[str, tuple[str, float]] = field(default_factory=lambda: dict(DEFAULT_TARGETS))


@dataclass(frozen=True)
class Check:
    """One comparison of a measured value against a limit."""

    name: str
    value: float | None
    op: str  # ">=" or "<="
    limit: float
    scope: str = "overall"

    @property
    def ok(self) -> bool:
        if self.value is None:
            return False  # a gated metric that was not measured fails: the gate cannot vouch for it
        return self.value >= self.limit if self.op == ">=" else self.value <= self.limit


def _numbers(table: Any, where: str) -> dict[str, float]:
    if not isinstance(table, dict) or not all(isinstance(v, int | float) for v in table.values()):
        raise ThresholdsError(f"[{where}] must map metric names to numbers")
    return {str(k): float(v) for k, v in table.items()}


def load_thresholds(path: Path) -> Thresholds:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThresholdsError(f"{path}: {exc}") from exc
    th = Thresholds(split=str(data.get("split", "dev")))
    th.min = _numbers(data.get("min", {}), "min")
    th.max = _numbers(data.get("max", {}), "max")
    by_lang = data.get("min_by_lang", {})
    if not isinstance(by_lang, dict):
        raise ThresholdsError("[min_by_lang] must hold one table per language form")
    th.min_by_lang = {lang: _numbers(t, f"min_by_lang.{lang}") for lang, t in by_lang.items()}
    if "targets" in data:
        targets = data["targets"]
        if not isinstance(targets, dict):
            raise ThresholdsError("[targets] must be a table")
        th.targets = {}
        for name, spec in targets.items():
            if not (isinstance(spec, dict) and len(spec) == 1 and next(iter(spec)) in ("min", "max")):
                raise ThresholdsError(f"targets.{name} must be {{min = x}} or {{max = x}}")
            kind, value = next(iter(spec.items()))
            th.targets[name] = (">=" if kind == "min" else "<=", float(value))
    return th


def value_of(agg: dict[str, Any], name: str) -> float | None:
    """A metric of an aggregate by report name; ``latency.total.p95`` reaches into latency_ms."""
    if name.startswith("latency."):
        _, stage, stat = name.split(".", 2)
        got = agg.get("latency_ms", {}).get(stage, {}).get(stat)
    else:
        got = agg.get(name)
    return float(got) if isinstance(got, int | float) else None


def gate(summary: dict[str, Any], th: Thresholds) -> list[Check]:
    """Our metrics on ``th.split`` against the thresholds."""
    ours = summary["metrics"]["ours"]
    if th.split not in ours:
        raise ThresholdsError(
            f"the gate reads split '{th.split}', which is not in this run (use --split all or {th.split})"
        )
    agg = ours[th.split]
    checks = [
        Check("errors", value_of(agg["overall"], "errors"), "<=", 0)
    ]  # always: the chain must not crash
    checks += [Check(k, value_of(agg["overall"], k), ">=", v) for k, v in th.min.items()]
    checks += [Check(k, value_of(agg["overall"], k), "<=", v) for k, v in th.max.items()]
    for lang, limits in th.min_by_lang.items():
        group = agg["by_lang"].get(lang, {})
        checks += [Check(k, value_of(group, k), ">=", v, f"lang={lang}") for k, v in limits.items()]
    return checks


def targets(summary: dict[str, Any], th: Thresholds) -> dict[str, list[Check]]:
    """Our overall metrics of every split in the run against the issue's targets."""
    ours = summary["metrics"]["ours"]
    return {
        split: [Check(k, value_of(ours[split]["overall"], k), op, v) for k, (op, v) in th.targets.items()]
        for split in summary["splits"]
    }
