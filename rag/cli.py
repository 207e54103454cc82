"""The `rag` command: thin wrappers over the services built by rag.app."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from rag.app import App
from rag.documents.labels import citation_label, nodes_for, section_label
from rag.documents.models import Document, Section
from rag.index.generations import IndexCorrupt, IngestBusy
from rag.settings import Settings


def _app() -> App:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return App.from_settings(Settings())


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _print_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


@click.group(help="Hỏi đáp văn bản hành chính với trích dẫn đến từng điểm, khoản, mục.")
@click.version_option(package_name="rag")
def main() -> None:
    pass


@main.command(help="Index documents (default: the corpus folder, RAG_CORPUS_DIR).")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Ignore the current index and build it again from scratch.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def ingest(paths: tuple[Path, ...], rebuild: bool, as_json: bool, quiet: bool) -> None:
    app = _app()
    roots = list(paths) or [app.settings.corpus_dir]
    try:
        report = app.ingestor(progress=not quiet and not as_json).run(roots, rebuild=rebuild)
    except (IngestBusy, IndexCorrupt) as exc:
        _fail(str(exc))
        return
    if as_json:
        _print_json(report.to_dict())
    else:
        click.echo(report.summary())
    if report.failed:
        sys.exit(3 if report.documents == 0 else 0)


def _open(app: App) -> Any:
    try:
        gen = app.generation()
    except IndexCorrupt as exc:
        _fail(str(exc))
    if gen is None:
        _fail(f"No index in {app.settings.index_dir}: run `rag ingest` first.")
    return gen


def doc_summary(doc: Document, chunks: int) -> dict[str, Any]:
    return {
        "id": doc.id,
        "number": doc.number,
        "cite_number": doc.cite_number,
        "type": doc.doc_type,
        "issuer": doc.issuer,
        "place": doc.place,
        "issued_date": doc.issued_date.isoformat() if doc.issued_date else None,
        "title": doc.title,
        "signer": doc.signer.model_dump() if doc.signer else None,
        "issued_with": doc.issued_with.number if doc.issued_with else None,
        "legal_bases": [r.number or r.text for r in doc.legal_bases],
        "source": doc.source,
        "sections": len(doc.iter_sections()),
        "chunks": chunks,
        "warnings": doc.warnings,
    }


@main.command(help="List indexed documents with their metadata.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def docs(as_json: bool) -> None:
    app = _app()
    gen = _open(app)
    rows = []
    for doc_id in gen.store.document_ids():
        doc = gen.store.document(doc_id)
        rows.append(doc_summary(doc, len(gen.store.chunks_of(doc_id))))
    rows.sort(key=lambda r: r["issued_date"] or "", reverse=True)
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        num = r["cite_number"] or "(không số)"
        click.echo(f"{r['issued_date'] or '?':10}  {num:18} {r['type'] or '?':11} {r['issuer'] or '?'}")
        click.echo(f"{'':12}{(r['title'] or '')[:100]}")
        click.echo(f"{'':12}id={r['id']}  {r['sections']} sections, {r['chunks']} chunks  [{r['source']}]")


def resolve_document(gen: Any, ref: str) -> Document | None:
    """A document by id, number ('2395/UBND-KTTH', any case/diacritics) or source file name."""
    from rag.text.tokenize import code_key

    doc = gen.store.document(ref)
    if doc is not None:
        return doc  # type: ignore[no-any-return]
    key = code_key(ref)
    for row in gen.store.document_rows():
        d = gen.store.document(row["id"])
        if d is None:
            continue
        numbers = [n for n in (d.number, d.cite_number) if n]
        if any(code_key(n) == key for n in numbers) or Path(d.source).name == ref or d.source == ref:
            return d  # type: ignore[no-any-return]
    return None


def parse_section_ref(ref: str) -> list[str]:
    """'2/2.2/b', '2 > 2.2 > b' or a JSON list → ['2', '2.2', 'b']."""
    ref = ref.strip()
    if ref.startswith("["):
        try:
            items = json.loads(ref)
        except (ValueError, RecursionError):  # not JSON after all (e.g. '[abc', '[[[[...'): a label
            items = None
        if isinstance(items, list):
            return [str(x) for x in items]
    for sep in (">", "/", ","):
        if sep in ref:
            return [p.strip() for p in ref.split(sep) if p.strip()]
    return [ref]


def _print_tree(doc: Document, sections: list[Section], path: list[str], depth: int) -> None:
    for s in sections:
        p = [*path, s.label]
        head = s.heading or doc.text[s.start : min(s.body_end, s.start + 90)].split("\n")[0]
        click.echo(f"{'  ' * depth}{s.label:<10} {head[:90]}")
        _print_tree(doc, s.children, p, depth + 1)


@main.command(help="Show a document's section tree, or one section's text.")
@click.argument("doc")
@click.argument("section", required=False)
@click.option("--json", "as_json", is_flag=True)
def show(doc: str, section: str | None, as_json: bool) -> None:
    app = _app()
    gen = _open(app)
    d = resolve_document(gen, doc)
    if d is None:
        _fail(f"No document '{doc}'. `rag docs` lists ids and numbers.")
        return
    if section is None:
        if as_json:
            _print_json({**doc_summary(d, len(gen.store.chunks_of(d.id))),
                         "tree": [s.model_dump(exclude={"body_start", "body_end"}) for s in d.sections]})  # fmt: skip
            return
        click.echo(f"{d.doc_type} {d.cite_number or ''} — {d.title or ''}")
        _print_tree(d, d.sections, [], 0)
        return
    path = parse_section_ref(section)
    chain = nodes_for(d, path)
    if not chain:
        matches = [p for p, _ in d.iter_sections() if p[-1] == path[-1]]
        hint = f" Did you mean: {', '.join('/'.join(m) for m in matches[:5])}?" if matches else ""
        _fail(f"No section {'/'.join(path)} in {d.cite_number or d.id}.{hint}")
        return
    node = chain[-1]
    text = d.text[node.start : node.end]
    if as_json:
        _print_json({"doc_id": d.id, "section_path": path, "label": citation_label(d, path),
                     "start": node.start, "end": node.end, "text": text, "record": node.record})  # fmt: skip
        return
    click.echo(f"[{section_label(chain)}] {citation_label(d, path)}")
    click.echo(text)


@main.command(help="Ask a question; the answer cites document number and section.")
@click.argument("question")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object (answer, citations, retrieved, signals)."
)
@click.option("--k", "k", type=click.IntRange(1, 100), default=None, help="Sections to retrieve (RAG_TOP_K).")
@click.option("--doc", "doc", default=None, help="Only this document (number or id), e.g. 2395/UBND-KTTH.")
def ask(question: str, as_json: bool, k: int | None, doc: str | None) -> None:
    app = _app()
    _open(app)
    if not question.strip():
        _fail("The question is empty.")
    chain = app.chain()
    payload = {"question": question, "k": k, "filters": {"doc_number": doc} if doc else None}
    answer = chain.invoke(payload)
    if as_json:
        _print_json(answer.to_public())
        return
    click.echo(answer.answer)
    if answer.citations:
        click.echo("\nTrích dẫn:")
        for i, c in enumerate(answer.citations, 1):
            click.echo(f"  [{i}] {c.label}  ({c.source}:{c.start}-{c.end})")
    for note in answer.notices:
        click.echo(f"\n* {note}", err=True)


def _register_commands() -> None:
    """Commands that live beside their services (evaluation, serving, benchmarks)."""
    from rag.bench.cli import bench_command
    from rag.evaluation.cli import eval_command
    from rag.serve.cli import serve_command

    for command in (eval_command, serve_command, bench_command):
        main.add_command(command)


_register_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
