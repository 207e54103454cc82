"""Appendix tables: rows of cells become records keyed by their column names.

The readers write every table the same way (one cell per line prefixed with TAB, a blank line
after each row; a line break inside a cell continues without TAB). Header rows are the rows
before the first row whose first cell is a number; a two-row header (a group cell spanning
sub-columns, as in "Chuẩn bị báo cáo" → "Đơn vị chủ trì", "Đơn vị phối hợp", ...) is merged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text.normalize import fold

#: Column name keywords (folded, lower case) → role. First match wins, so specific ones first.
ROLE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("stt", "index"),
    ("chu tri", "lead"),
    ("thuc hien", "lead"),
    ("phoi hop", "coordinating"),
    ("hoan thanh", "deadline"),
    ("thoi han", "deadline"),
    ("han ", "deadline"),
    ("thoi gian", "time"),
    ("dia diem", "place"),
    ("hoat dong", "activity"),
    ("noi dung", "activity"),
    ("nhiem vu", "task"),
    ("kinh phi", "budget"),
    ("ghi chu", "note"),
)


@dataclass
class Row:
    label: str
    start: int
    end: int
    record: dict[str, str]
    roles: dict[str, str]


@dataclass
class _Cell:
    text: str
    start: int
    end: int


def role_of(column: str) -> str | None:
    key = fold(column).lower() + " "
    for word, role in ROLE_KEYWORDS:
        if word in key:
            return role
    return None


def _column_names(header_rows: list[list[_Cell]], width: int) -> list[str]:
    if not header_rows:
        return [f"Cột {i + 1}" for i in range(width)]
    top = [c.text for c in header_rows[0]]
    if len(header_rows) == 1:
        names = top
    else:
        sub = [c.text for c in header_rows[1]]
        names, t, prev_filled = [], 0, False
        for cell in sub:
            if not cell:
                names.append(top[t] if t < len(top) else f"Cột {len(names) + 1}")
                t += 1
                prev_filled = False
            else:
                if not prev_filled:
                    t += 1  # the group cell spanning these sub-columns
                names.append(cell)
                prev_filled = True
    names = [n or f"Cột {i + 1}" for i, n in enumerate(names)]
    while len(names) < width:
        names.append(f"Cột {len(names) + 1}")
    return names


def parse_table_rows(items: list[tuple[str, int, int, bool]]) -> list[Row]:
    """Rows from (line text, start, end, is_cell) items of a table region."""
    raw_rows: list[list[_Cell]] = []
    current: list[_Cell] = []
    for text, start, end, is_cell in items:
        if not text and not is_cell:
            if current:
                raw_rows.append(current)
                current = []
            continue
        if is_cell or not current:
            current.append(_Cell(text, start, end))
        else:  # a line break inside the previous cell
            last = current[-1]
            current[-1] = _Cell(
                f"{last.text}\n{text}" if last.text else text, last.start if last.text else start, end
            )
    if current:
        raw_rows.append(current)
    raw_rows = [r for r in raw_rows if any(c.text for c in r)]
    first_data = next((i for i, r in enumerate(raw_rows) if re.fullmatch(r"\d+\.?", r[0].text)), None)
    if first_data is None:
        return []
    width = max(len(r) for r in raw_rows[first_data:])
    names = _column_names(raw_rows[:first_data], width)
    rows: list[Row] = []
    for n, cells in enumerate(raw_rows[first_data:], 1):
        record: dict[str, str] = {}
        roles: dict[str, str] = {}
        for name, cell in zip(names, cells, strict=False):
            if not cell.text:
                continue
            record[name] = cell.text
            role = role_of(name)
            if role and role not in roles:
                roles[role] = cell.text
        filled = [c for c in cells if c.text]
        label = cells[0].text.rstrip(".") if re.fullmatch(r"\d+\.?", cells[0].text) else str(n)
        rows.append(Row(label, filled[0].start, filled[-1].end, record, roles))
    return rows
