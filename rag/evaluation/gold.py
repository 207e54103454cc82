"""Load and validate the gold set (``eval/gold.jsonl``; schema in ``eval/README.md``)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LANGS = ("vi", "vi_nodiac", "en")
TYPES = ("who", "what", "when", "where", "how_much", "which_docs", "doc_meta", "table")
SPLITS = ("dev", "heldout")
TAGS = frozenset(
    {"multi_doc", "table", "english", "no_diacritics", "abbreviation", "by_number", "short_keyword", "long",
     "unanswerable", "meta_section"}
)  # fmt: skip
_ID = re.compile(r"^q\d{3,}$")


class GoldError(ValueError):
    """The gold file is unreadable or breaks the schema; ``problems`` lists every violation."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: {len(problems)} problem(s):\n  " + "\n  ".join(problems[:30]))
        self.problems = problems


@dataclass(frozen=True)
class GoldSection:
    """One gold section: the citation number of a document and a section path in it."""

    doc_number: str
    section_path: tuple[str, ...]

    def key(self) -> str:
        return f"{self.doc_number} {'/'.join(self.section_path)}"


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    lang: str
    type: str
    answerable: bool
    gold: tuple[GoldSection, ...]
    key_facts: tuple[str, ...]
    split: str
    tags: tuple[str, ...] = ()
    notes: str = field(default="", compare=False)


def split_of(qid: str) -> str:
    """The held-out rule of eval/README.md: it depends on the id only."""
    return "heldout" if int(hashlib.sha1(qid.encode("utf-8")).hexdigest(), 16) % 10 < 3 else "dev"


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _check(obj: Any, where: str) -> list[str]:
    """Schema violations of one parsed line (empty when it is valid)."""
    if not isinstance(obj, dict):
        return [f"{where}: not a JSON object"]
    out: list[str] = []
    required = ("id", "question", "lang", "type", "answerable", "gold", "key_facts", "tags", "split")
    missing = [k for k in required if k not in obj]
    if missing:
        return [f"{where}: missing field(s) {', '.join(missing)}"]
    extra = set(obj) - set(required) - {"notes"}
    if extra:
        out.append(f"{where}: unknown field(s) {', '.join(sorted(extra))}")
    qid = obj["id"]
    if not isinstance(qid, str) or not _ID.match(qid):
        out.append(f"{where}: id {qid!r} is not like q001")
    elif obj["split"] != split_of(qid):
        out.append(f"{where}: split {obj['split']!r} breaks the held-out rule (expected {split_of(qid)!r})")
    if not isinstance(obj["question"], str) or not obj["question"].strip():
        out.append(f"{where}: empty question")
    if obj["lang"] not in LANGS:
        out.append(f"{where}: lang {obj['lang']!r} not in {LANGS}")
    if obj["type"] not in TYPES:
        out.append(f"{where}: type {obj['type']!r} not in {TYPES}")
    if not isinstance(obj["answerable"], bool):
        out.append(f"{where}: answerable must be true or false")
    if not _str_list(obj["key_facts"]):
        out.append(f"{where}: key_facts must be a list of non-empty strings")
    if not _str_list(obj["tags"]) or set(obj["tags"]) - TAGS:
        out.append(f"{where}: tags must be a list among {sorted(TAGS)}")
    if "notes" in obj and not isinstance(obj["notes"], str):
        out.append(f"{where}: notes must be a string")
    gold = obj["gold"]
    if not isinstance(gold, list) or not all(
        isinstance(g, dict) and set(g) == {"doc_number", "section_path"} and isinstance(g["doc_number"], str)
        and g["doc_number"] and _str_list(g["section_path"]) and g["section_path"]
        for g in gold
    ):  # fmt: skip
        out.append(f"{where}: gold must be a list of {{doc_number, section_path (non-empty list)}}")
    elif obj["answerable"] is True and not gold:
        out.append(f"{where}: an answerable question needs at least one gold section")
    elif obj["answerable"] is False and (gold or obj["key_facts"]):
        out.append(f"{where}: an unanswerable question has no gold sections and no key facts")
    return out


def parse_gold(lines: list[str], path: Path = Path("<gold>")) -> list[GoldQuestion]:
    """Parse and validate JSON lines; raises GoldError listing every problem found."""
    problems: list[str] = []
    items: list[GoldQuestion] = []
    seen: set[str] = set()
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"line {no}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        found = _check(obj, where)
        if found:
            problems.extend(found)
            continue
        if obj["id"] in seen:
            problems.append(f"{where}: duplicate id {obj['id']}")
            continue
        seen.add(obj["id"])
        items.append(
            GoldQuestion(
                id=obj["id"],
                question=obj["question"],
                lang=obj["lang"],
                type=obj["type"],
                answerable=obj["answerable"],
                split=obj["split"],
                tags=tuple(obj["tags"]),
                gold=tuple(GoldSection(g["doc_number"], tuple(g["section_path"])) for g in obj["gold"]),
                key_facts=tuple(obj["key_facts"]),
                notes=obj.get("notes", ""),
            )
        )
    if problems:
        raise GoldError(path, problems)
    if not items:
        raise GoldError(path, ["no questions"])
    return items


def load_gold(path: Path, split: str = "all") -> list[GoldQuestion]:
    """The questions of ``split`` ("dev", "heldout" or "all") from a gold file, validated."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(path, [f"cannot read the file ({exc})"]) from exc
    items = parse_gold(text.splitlines(), path)
    return items if split == "all" else [q for q in items if q.split == split]
