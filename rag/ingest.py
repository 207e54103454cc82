"""Ingest: files → documents → chunks → a new index generation, switched in atomically.

Idempotent by content hash: an unchanged file reuses its parsed document, chunks and tokens from
the active generation (and its vectors, keyed by chunk id), so re-running on an unchanged corpus
writes nothing. A changed file replaces its chunks, a removed file's chunks go, one bad file is
reported with its reason and never stops the rest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rag.documents.chunking import Chunker
from rag.documents.models import Chunk, Document
from rag.documents.parser import PARSER_VERSION, parse_document, source_stem
from rag.index.embedder import Embedder
from rag.index.generations import (
    Generation,
    IndexCorrupt,
    activate,
    active_name,
    ingest_lock,
    new_generation_dir,
    open_active,
    remove_stale,
)
from rag.index.lexical import LexicalIndex
from rag.index.store import FileRecord, StoreWriter
from rag.index.vectors import ChromaVectors, VectorStoreError
from rag.text.readers import SUPPORTED_SUFFIXES, UnreadableFileError, read_file
from rag.text.tokenize import lexical_tokens

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    documents: int = 0
    chunks: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    no_number: list[str] = field(default_factory=list)
    embedded: int = 0
    dense: bool = False
    dense_note: str = ""
    generation: str | None = None
    changed: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"{self.documents} documents, {self.chunks} chunks in the index "
            f"({len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged); {len(self.skipped)} skipped, {len(self.failed)} failed; "
            f"{self.seconds:.1f} s",
        ]
        if not self.changed:
            lines.append("No changes: the index is up to date.")
        for path, reason in self.failed:
            lines.append(f"  FAILED  {path}: {reason}")
        for path, reason in self.skipped:
            lines.append(f"  skipped {path}: {reason}")
        for doc_id in self.no_number:
            lines.append(f"  note    {doc_id}: no document number found; listed under this file-based id")
        if self.dense:
            lines.append(f"Dense retrieval: on ({self.embedded} chunks embedded now). {self.dense_note}".rstrip())
        else:
            lines.append(f"Dense retrieval: OFF. {self.dense_note}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents, "chunks": self.chunks, "added": self.added, "updated": self.updated,
            "removed": self.removed, "unchanged": self.unchanged,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "no_number": self.no_number, "embedded": self.embedded, "dense": self.dense,
            "dense_note": self.dense_note, "generation": self.generation, "changed": self.changed,
            "seconds": round(self.seconds, 3),
        }  # fmt: skip


def display_path(path: Path) -> str:
    """Path relative to the working directory when possible (how sources are cited)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def scan(roots: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Supported files under ``roots`` (sorted), and skipped ones with the reason."""
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for root in roots:
        if not root.exists():
            skipped.append((str(root), "path does not exist"))
            continue
        candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in candidates:
            if any(part.startswith(".") for part in p.relative_to(root).parts) and p != root:
                continue
            if p.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(p)
            else:
                skipped.append((display_path(p), f"unsupported file type '{p.suffix}'"))
    return files, skipped


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class _Entry:
    doc: Document
    chunks: list[tuple[Chunk, list[str]]]
    record: FileRecord


class Ingestor:
    """Runs one ingest against an index directory. Collaborators come from the composition root."""

    def __init__(
        self,
        index_dir: Path,
        *,
        chunker: Chunker,
        embedder_name: str | None,
        embedder_factory: Callable[[], Embedder | None],
        vectors_factory: Callable[[Embedder], ChromaVectors] | None,
        dense_note: Callable[[], str] = lambda: "",
        max_file_bytes: int = 50 * 1024 * 1024,
        progress: bool = True,
    ) -> None:
        self.index_dir = index_dir
        self.chunker = chunker
        self.embedder_name = embedder_name
        self.embedder_factory = embedder_factory
        self.embedder: Embedder | None = None
        self.vectors_factory = vectors_factory
        self.dense_note = dense_note
        self.max_file_bytes = max_file_bytes
        self.progress = progress

    def run(self, roots: list[Path], *, rebuild: bool = False) -> IngestReport:
        started = time.perf_counter()
        with ingest_lock(self.index_dir):
            report = self._run(roots, rebuild)
        report.seconds = time.perf_counter() - started
        return report

    # --- steps ---

    def _open_previous(self, rebuild: bool) -> Generation | None:
        if rebuild:
            return None
        try:
            return open_active(self.index_dir)
        except IndexCorrupt:
            raise

    def _run(self, roots: list[Path], rebuild: bool) -> IngestReport:
        report = IngestReport()
        previous = self._open_previous(rebuild)
        # Unfinished generations from interrupted ingests are garbage; the lock makes this safe. The
        # active generation keeps serving, also during a rebuild, until the new one replaces it.
        serving = previous.name if previous else self._active_or_none() if rebuild else None
        remove_stale(self.index_dir, keep={serving} if serving else set())
        old_files = self._old_files(previous)
        same_parser = bool(previous and previous.manifest.get("parser_version") == PARSER_VERSION)

        files, report.skipped = scan(roots)
        root_keys = [display_path(r) for r in roots]
        entries: dict[str, _Entry] = {}
        seen: set[str] = set()
        bar = tqdm(files, desc="Đọc và phân tích", unit="tệp", disable=not self.progress, file=sys.stderr)
        for path in bar:
            key = display_path(path)
            seen.add(key)
            try:
                st = path.stat()
                sha = sha256_file(path) if st.st_size <= self.max_file_bytes else f"size:{st.st_size}"
            except OSError as exc:
                report.failed.append((key, f"cannot read: {exc}"))
                continue
            old = old_files.get(key)
            if previous and old and old.sha256 == sha and old.status == "indexed" and same_parser and old.doc_id:
                doc = previous.store.document(old.doc_id)
                if doc is not None:
                    chunks = list(previous.store.iter_chunks_with_tokens(doc.id))
                    if doc.source != key:  # indexed from another working directory
                        doc = doc.model_copy(update={"source": key})
                        chunks = [(c.model_copy(update={"source": key}), t) for c, t in chunks]
                    entries[key] = _Entry(doc, chunks, old)
                    report.unchanged += 1
                    continue
            try:
                raw = read_file(path, max_bytes=self.max_file_bytes)
                doc = parse_document(raw.text, source=key, content_hash=sha)
                doc.warnings.extend(raw.warnings)
                chunks = [(c, lexical_tokens(c.embed_text)) for c in self.chunker.chunk(doc, PARSER_VERSION)]
            except UnreadableFileError as exc:
                report.failed.append((key, f"{exc.reason}. {exc.hint}"))
                continue
            except Exception as exc:  # a parser bug must not stop the batch either
                log.exception("parsing %s failed", key)
                report.failed.append((key, f"could not be parsed ({type(exc).__name__}: {exc}); please report it"))
                continue
            record = FileRecord(key, sha, st.st_size, st.st_mtime, doc.id, "indexed")
            entries[key] = _Entry(doc, chunks, record)
            (report.updated if old else report.added).append(key)

        # Files indexed before: kept when outside the roots of this run, removed when gone.
        for key, old in old_files.items():
            if key in seen or old.status != "indexed" or not old.doc_id or previous is None:
                continue
            inside = any(key == r or key.startswith(r.rstrip("/") + "/") for r in root_keys)
            if inside:
                report.removed.append(key)
                continue
            doc = previous.store.document(old.doc_id)
            if doc is not None:
                entries[key] = _Entry(doc, list(previous.store.iter_chunks_with_tokens(doc.id)), old)

        self._dedupe_ids(entries)
        self._dedupe_chunk_ids(entries)
        report.documents = len(entries)
        report.chunks = sum(len(e.chunks) for e in entries.values())
        report.no_number = sorted(e.doc.id for e in entries.values() if e.doc.cite_number is None)
        files_changed = bool(report.added or report.updated or report.removed or rebuild or not same_parser)
        files_changed = files_changed or previous is None
        prev_model = None
        if previous is not None and previous.manifest.get("dense_complete"):
            prev_model = previous.manifest.get("dense_model")
        # The embedding model is loaded only when vectors may need work: an unchanged corpus with
        # complete vectors re-ingests without importing torch.
        vectors = None
        need_vectors = files_changed or self.embedder_name != prev_model
        if need_vectors:
            vectors = self._vectors(report)
        dense_now = self.embedder.name if (self.embedder is not None and vectors is not None) else None
        if not files_changed and (not need_vectors or dense_now == prev_model) and previous is not None:
            report.generation = previous.name
            report.dense = prev_model is not None
            report.dense_note = report.dense_note or self.dense_note()
            previous.close()
            return report

        report.changed = True
        gen_dir = new_generation_dir(self.index_dir)
        ordered = sorted(entries.values(), key=lambda e: e.record.path)
        writer = StoreWriter(gen_dir / "store.sqlite")
        for e in ordered:
            writer.add_document(e.doc)
            writer.add_chunks(e.chunks)
            writer.add_file(e.record)
        for key, reason in report.failed:
            writer.add_file(FileRecord(key, "", 0, 0.0, None, "failed", reason))
        writer.set_meta("parser_version", PARSER_VERSION)
        writer.set_meta("base_dir", Path.cwd().resolve().as_posix())  # what relative file keys are relative to
        writer.commit()
        LexicalIndex.build((tokens for e in ordered for _, tokens in e.chunks), gen_dir / "lexical")

        live_ids = [c.id for e in ordered for c, _ in e.chunks]
        dense_ok = False
        if vectors is not None and self.embedder is not None:
            dense_ok = self._embed(ordered, vectors, live_ids, report)
        manifest = {
            "parser_version": PARSER_VERSION,
            "documents": report.documents,
            "chunks": report.chunks,
            "dense_model": self.embedder.name if self.embedder and vectors is not None else None,
            "dense_complete": dense_ok,
            "collection": vectors.name if vectors is not None else None,
            "created": time.time(),
        }
        (gen_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
        activate(self.index_dir, gen_dir)
        report.generation = gen_dir.name
        report.dense = dense_ok
        if previous is not None:
            previous.close()
        remove_stale(self.index_dir, keep={gen_dir.name})
        if vectors is not None and dense_ok:
            self._collect_garbage(vectors, set(live_ids))
        return report

    def _active_or_none(self) -> str | None:
        try:
            return active_name(self.index_dir)
        except IndexCorrupt:  # a garbage ACTIVE pointer: the rebuild replaces it
            return None

    @staticmethod
    def _old_files(previous: Generation | None) -> dict[str, FileRecord]:
        """The previous generation's files, keyed as this run keys them. Keys are paths relative to
        the working directory of the run that wrote them: re-key them for this run's directory, or an
        ingest started elsewhere would index every file a second time under another key."""
        if previous is None:
            return {}
        files = previous.store.files()
        base = previous.store.meta("base_dir")
        if not base:
            return files
        out: dict[str, FileRecord] = {}
        for key, rec in files.items():
            path = Path(key) if Path(key).is_absolute() else Path(base) / key
            new_key = display_path(path)
            out[new_key] = dataclasses.replace(rec, path=new_key)
        return out

    def _dedupe_ids(self, entries: dict[str, _Entry]) -> None:
        """Two files that parse to the same id (same number and date) both stay, told apart."""
        seen: dict[str, str] = {}
        for key in sorted(entries):
            e = entries[key]
            first = seen.get(e.doc.id)
            if first is not None and first != key:
                new_id = f"{e.doc.id}-{source_stem(key)[:24]}"
                e.doc.warnings.append(f"same number and date as {first}; indexed as {new_id}")
                e.doc.id = new_id
                e.chunks = [(c.model_copy(update={"doc_id": new_id}), t) for c, t in e.chunks]
                e.record = FileRecord(e.record.path, e.record.sha256, e.record.size, e.record.mtime, new_id, "indexed")
            seen[e.doc.id] = key

    def _dedupe_chunk_ids(self, entries: dict[str, _Entry]) -> None:
        """Chunk ids hash the file's content, so two byte-identical files (a document saved twice)
        would share them; the file sorting later gets ids derived from its own document id."""
        seen: set[str] = set()
        for key in sorted(entries):
            e = entries[key]
            if any(c.id in seen for c, _ in e.chunks):
                e.chunks = [
                    (c.model_copy(update={"id": hashlib.sha256(f"{c.id}|{e.doc.id}".encode()).hexdigest()[:24]}), t)
                    for c, t in e.chunks
                ]
            seen.update(c.id for c, _ in e.chunks)

    def _vectors(self, report: IngestReport) -> ChromaVectors | None:
        if self.embedder_name is not None and self.embedder is None:
            self.embedder = self.embedder_factory()
        report.dense_note = self.dense_note()
        if self.embedder is None or self.vectors_factory is None:
            return None
        try:
            return self.vectors_factory(self.embedder)
        except VectorStoreError as exc:
            report.dense_note = f"{exc}"
            return None

    def _embed(self, ordered: list[_Entry], vectors: ChromaVectors, live_ids: list[str], report: IngestReport) -> bool:
        assert self.embedder is not None
        try:
            have = vectors.existing(live_ids)
        except Exception as exc:
            report.dense_note = f"vector store error: {exc}"
            return False
        todo = [(c, e.doc) for e in ordered for c, _ in e.chunks if c.id not in have]
        batch = 64
        bar = tqdm(total=len(todo), desc="Nhúng vector", unit="đoạn", disable=not self.progress or not todo, file=sys.stderr)
        try:
            for i in range(0, len(todo), batch):
                part = todo[i : i + batch]
                vecs = self.embedder.embed_documents([c.embed_text for c, _ in part])
                metas = [_vector_meta(c) for c, _ in part]
                vectors.upsert([c.id for c, _ in part], vecs, metas)
                report.embedded += len(part)
                bar.update(len(part))
        except Exception as exc:
            log.exception("embedding failed")
            report.dense_note = f"embedding stopped after {report.embedded} chunks ({type(exc).__name__}: {exc}); re-run ingest"
            return False
        finally:
            bar.close()
        return True

    def _collect_garbage(self, vectors: ChromaVectors, live: set[str]) -> None:
        try:
            dead = [i for i in vectors.all_ids() if i not in live]
            if dead:
                vectors.delete(dead)
        except Exception as exc:  # stale vectors are filtered at query time anyway
            log.warning("could not remove stale vectors: %s", exc)


def _vector_meta(c: Chunk) -> dict[str, Any]:
    return {
        "doc_id": c.doc_id,
        "doc_number": c.doc_number or "",
        "doc_type": c.doc_type or "",
        "issued": int(c.issued_date.strftime("%Y%m%d")) if c.issued_date else 0,
        "section": "/".join(c.section_path),
    }
