"""A tiny document model (headings, paragraphs, tables, lists, images) rendered as Markdown and
as one self-contained HTML file (images inlined)."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Para:
    text: str  # `code` spans are rendered as code


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Bullets:
    items: list[str] = field(default_factory=list)


@dataclass
class Image:
    path: str  # relative to the report folder
    alt: str


Block = Heading | Para | Table | Bullets | Image

_CODE = re.compile(r"`([^`]+)`")


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"{'#' * b.level} {b.text}\n")
        elif isinstance(b, Para):
            out.append(b.text + "\n")
        elif isinstance(b, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            out.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(b.headers))) + "|")
            out.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows)
            out.append("")
        elif isinstance(b, Bullets):
            out.extend(f"- {item}" for item in b.items)
            out.append("")
        else:
            out.append(f"![{b.alt}]({b.path})\n")
    return "\n".join(out).rstrip() + "\n"


def _inline(text: str) -> str:
    return _CODE.sub(r"<code>\1</code>", html.escape(text, quote=False))


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:14px}
th,td{border:1px solid #ccc;padding:3px 8px}td:not(:first-child){text-align:right}
th{background:#f3f3f3}tr:nth-child(even) td{background:#fafafa}
code{background:#f3f3f3;padding:0 3px}img{max-width:100%;border:1px solid #eee;margin:.5em 0}
h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
"""


def to_html(blocks: list[Block], folder: Path, title: str) -> str:
    """One HTML page; images under ``folder`` are embedded as data URIs."""
    out = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
           f"<style>{_CSS}</style></head><body>"]  # fmt: skip
    for b in blocks:
        if isinstance(b, Heading):
            anchor = re.sub(r"[^a-z0-9]+", "-", b.text.lower()).strip("-")
            out.append(f"<h{b.level} id='{anchor}'>{_inline(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            out.append(f"<p>{_inline(b.text)}</p>")
        elif isinstance(b, Table):
            head = "".join(f"<th>{_inline(h)}</th>" for h in b.headers)
            body = "".join(
                "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in b.rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
        else:
            file = folder / b.path
            if file.is_file():
                data = base64.b64encode(file.read_bytes()).decode("ascii")
                out.append(f"<p><img alt='{html.escape(b.alt)}' src='data:image/png;base64,{data}'></p>")
    out.append("</body></html>")
    return "\n".join(out)
