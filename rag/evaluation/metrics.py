"""Metric functions: pure, deterministic, each unit-tested on hand-made cases.

Retrieval metrics take ``ranked``: for each retrieved item in rank order, the set of gold-section
indices it matches (see rag.evaluation.matching), and ``n_gold``, the number of gold sections.
Relevance is binary and every gold section counts once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence

from rag.text.normalize import fold

Ranked = Sequence[frozenset[int]]


# --- retrieval ------------------------------------------------------------------------------------


def hit_at_k(ranked: Ranked, k: int) -> float:
    """1.0 when any of the top-k items matches any gold section."""
    return 1.0 if any(m for m in ranked[:k]) else 0.0


def first_hit_rank(ranked: Ranked) -> int | None:
    """1-based rank of the first item that matches a gold section."""
    return next((i + 1 for i, m in enumerate(ranked) if m), None)


def recall_at_k(ranked: Ranked, n_gold: int, k: int) -> float:
    """Share of the gold sections matched by at least one of the top-k items."""
    if n_gold <= 0:
        raise ValueError("recall needs at least one gold section")
    covered: set[int] = set()
    for m in ranked[:k]:
        covered |= m
    return len(covered & set(range(n_gold))) / n_gold


def mrr_at_k(ranked: Ranked, k: int = 10) -> float:
    """Reciprocal rank of the first matching item within the top k (0 when none)."""
    rank = first_hit_rank(ranked[:k])
    return 0.0 if rank is None else 1.0 / rank


def ndcg_at_k(ranked: Ranked, n_gold: int, k: int = 10) -> float:
    """nDCG@k with binary gains: an item gains 1 when it matches a gold section that no higher item
    matched (a gold section counts once). The ideal ranking puts min(n_gold, k) relevant items first."""
    if n_gold <= 0:
        raise ValueError("nDCG needs at least one gold section")
    credited: set[int] = set()
    dcg = 0.0
    for i, m in enumerate(ranked[:k]):
        new = m - credited
        if new:
            credited |= new
            dcg += 1.0 / math.log2(i + 2)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(n_gold, k)))
    return dcg / ideal


# --- citations ------------------------------------------------------------------------------------


def citation_precision(cited: Sequence[frozenset[int]]) -> float | None:
    """Share of the citations that match some gold section; None without citations."""
    if not cited:
        return None
    return sum(1 for m in cited if m) / len(cited)


def citation_recall(cited: Sequence[frozenset[int]], n_gold: int) -> float:
    """Share of the gold sections matched by some citation."""
    return recall_at_k(cited, n_gold, len(cited)) if cited else 0.0


# --- key facts ------------------------------------------------------------------------------------

_EMPHASIS = re.compile(r"\*\*|__|`")
_WS = re.compile(r"\s+")
# 1.500.000 / 1,500,000 (groups of three) → 1500000; 2,5 → 2.5; 08 → 8
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*(?![\d]|[.,]\d)")
_DECIMAL = re.compile(r"(?<=\d),(?=\d)")
_LEADING_ZERO = re.compile(r"(?<![\d.,])0+(?=\d)")


def fact_key(text: str) -> str:
    """Key-fact comparison key: NFC, markdown emphasis removed, diacritics folded, lower case,
    whitespace collapsed."""
    text = _EMPHASIS.sub("", unicodedata.normalize("NFC", text))
    return _WS.sub(" ", fold(text).lower()).strip()


def number_key(text: str) -> str:
    """``fact_key`` with numbers written one way: no thousands separators, '.' as the decimal
    mark, no leading zeros ('1.500.000' = '1,500,000' = '1500000'; '08/01/2014' = '8/1/2014')."""
    key = _GROUPED.sub(lambda m: m.group(0).replace(m.group(1), ""), fact_key(text))
    key = _DECIMAL.sub(".", key)
    return _LEADING_ZERO.sub("", key)


def _occurs(needle: str, hay: str) -> bool:
    """Substring match where a number never matches inside a longer number ('20' not in '2022')."""
    if not needle:
        return False
    start = hay.find(needle)
    while start >= 0:
        end = start + len(needle)
        left_ok = not (needle[0].isdigit() and start > 0 and hay[start - 1].isdigit())
        right_ok = not (needle[-1].isdigit() and end < len(hay) and hay[end].isdigit())
        if left_ok and right_ok:
            return True
        start = hay.find(needle, start + 1)
    return False


def fact_found(fact: str, answer: str) -> bool:
    """A key fact occurs in the answer, compared by ``fact_key``, or by ``number_key``."""
    return _occurs(fact_key(fact), fact_key(answer)) or _occurs(number_key(fact), number_key(answer))


def key_fact_recall(facts: Sequence[str], answer: str) -> float | None:
    """Share of the key facts found in the answer; None when there are no key facts."""
    if not facts:
        return None
    return sum(1 for f in facts if fact_found(f, answer)) / len(facts)


# --- abstention and CRAG --------------------------------------------------------------------------


def crag_score(answerable: bool, abstained: bool, top_correct: bool, fact_recall: float | None) -> int:
    """+1 correct (answerable, answered, top citation right, key-fact recall >= 0.5 or no key
    facts), 0 abstained, -1 otherwise (a wrong answer, or any answer to an unanswerable question)."""
    if abstained:
        return 0
    if answerable and top_correct and (fact_recall is None or fact_recall >= 0.5):
        return 1
    return -1


# --- aggregation ----------------------------------------------------------------------------------


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values; None when none is defined."""
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation (numpy's default); None when empty."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError("q must be within [0, 100]")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
