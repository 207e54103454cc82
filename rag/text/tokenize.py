"""Lexical tokens for BM25, shared by the index and the query side.

One stream per text: folded syllables (``quat``), the diacritic form when it differs (``o:quất``, so
an exact-diacritic match scores above a folded one), folded syllable bigrams (``dung_quat``, for
phrases) and whole document codes (``c:2395/ubnd-ktth``, matched exactly). One-character tokens
are kept: "Điều 5" and "điểm a" need them.
"""

from __future__ import annotations

import itertools
import re

from rag.text.normalize import fold, search_key

CODE = (
    r"\d{1,5}(?:/\d{4})?/\s?[A-ZĐÐ][A-ZĐÐa-zđ0-9&]*(?:\s?-\s?[A-ZĐÐ][A-ZĐÐa-zđ0-9&]*)*"
    r"|\d{1,5}-[A-ZĐ]{1,5}/[A-ZĐ]{1,5}"
)
CODE_RE = re.compile(r"(?<![\w/])(" + CODE + r")(?![\w])")
_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{4}")
_WORD = re.compile(r"\d+(?:[.,/]\d+)*|[^\W\d_]+", re.UNICODE)


def _canon_number(w: str) -> str:
    """'06' → '6', '08/01/2014' → '8/1/2014': a figure matches however it is padded."""
    return "/".join(p.lstrip("0") or "0" if p.isdigit() else p for p in w.split("/"))


def code_key(code: str) -> str:
    """Canonical key of a document code: no spaces, folded, lower case ('2395/ubnd-ktth')."""
    return fold(re.sub(r"\s+", "", code)).lower()


def words(text: str) -> list[str]:
    """Syllables and numbers of ``text`` in index-key form (lower case, canonical tone style)."""
    return _WORD.findall(search_key(text))


def lexical_tokens(text: str, bigrams: bool = True) -> list[str]:
    tokens = ["c:" + code_key(m.group(1)) for m in CODE_RE.finditer(text)]
    ws = [_canon_number(w) if w[:1].isdigit() else w for w in words(text)]
    folded = [fold(w) for w in ws]
    for w, f in zip(ws, folded, strict=True):
        tokens.append(f)
        if w != f:
            tokens.append("o:" + w)
        if "/" in f and _DATE.fullmatch(f):
            tokens.append(f.rsplit("/", 1)[1])  # "20/5/2022" also matches a question about 2022
    if bigrams:
        tokens.extend(f"{a}_{b}" for a, b in itertools.pairwise(folded))
    return tokens
