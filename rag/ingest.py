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
import multiprocessing
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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
from rag.index.store import ChunkRecord, DocumentRecord, FileRecord, Store, StoreWriter, unpack
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
            lines.append(
                f"Dense retrieval: on ({self.embedded} chunks embedded now). {self.dense_note}".rstrip()
            )
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


#: What parsing one file gives: ("ok", rows), ("failed", reason) or ("error", (reason, traceback)).
ParseOutcome = tuple[str, Any]


@dataclass
class _Rows:
    """One document as the store holds it: its row and its chunk rows, JSON already serialized."""

    doc: DocumentRecord
    chunks: list[ChunkRecord]

    @property
    def doc_id(self) -> str:
        return self.doc[0]

    @property
    def cite_number(self) -> str | None:
        return self.doc[1]


def _rows(doc: Document, chunks: list[tuple[Chunk, list[str]]]) -> _Rows:
    record: DocumentRecord = (
        doc.id, doc.cite_number, doc.doc_type, doc.issuer,
        doc.issued_date.isoformat() if doc.issued_date else None, doc.source, doc.model_dump_json(),
    )  # fmt: skip
    return _Rows(
        record, [(c.id, c.section_kind.value, c.model_dump_json(), json.dumps(t)) for c, t in chunks]
    )


def _parse_file(path: str, key: str, sha: str, max_bytes: int, chunker: Chunker) -> ParseOutcome:
    """Read, parse, chunk and tokenize one file. Runs in this process or in a worker process;
    never raises for a bad file (one broken file must not stop the others)."""
    try:
        raw = read_file(Path(path), max_bytes=max_bytes)
        doc = parse_document(raw.text, source=key, content_hash=sha)
        doc.warnings.extend(raw.warnings)
        chunks = [(c, lexical_tokens(c.embed_text)) for c in chunker.chunk(doc, PARSER_VERSION)]
        return "ok", _rows(doc, chunks)
    except UnreadableFileError as exc:
        return "failed", f"{exc.reason}. {exc.hint}"
    except Exception as exc:  # a parser bug must not stop the batch either
        reason = f"could not be parsed ({type(exc).__name__}: {exc}); please report it"
        return "error", (reason, traceback.format_exc())


def _parse_task(task: tuple[str, str, str, int, Chunker]) -> ParseOutcome:
    return _parse_file(*task)


@dataclass
class _Plan:
    """What this run does with one file key: parse it, or reuse its rows from the previous generation."""

    key: str
    parse: bool
    old: FileRecord | None  # its record in the previous generation
    record: FileRecord | None = None  # for a file to parse: path, sha, size, mtime (doc id filled later)
    path: Path | None = None
    scanned: bool = True  # False for a file kept from the previous generation outside this run's roots


class Ingestor:
    """Runs one ingest against an index directory. Collaborators come from the composition root.

    ``workers`` > 1 reads, parses, chunks and tokenizes changed files in that many worker processes;
    the result (report, index) is the same as with one. Rows stream into the new generation's store
    as they are produced, so memory does not grow with the corpus (10^4-10^5 documents)."""

    #: Below this many files to parse, worker processes cost more than they save.
    MIN_FILES_FOR_WORKERS = 16

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
        workers: int = 1,
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
        self.workers = max(1, int(workers))

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
        prev_docs = previous.store.document_sources() if previous is not None else {}

        # 1. Which files changed (content hash), without loading any document.
        files, report.skipped = scan(roots)
        root_keys = [display_path(r) for r in roots]
        plans: dict[str, _Plan] = {}
        scan_order: list[str] = []
        reasons: dict[str, str] = {}  # key -> why it failed
        bar = tqdm(
            total=len(files), desc="Đọc và phân tích", unit="tệp", disable=not self.progress, file=sys.stderr
        )
        for path in files:
            key = display_path(path)
            scan_order.append(key)
            try:
                st = path.stat()
                sha = sha256_file(path) if st.st_size <= self.max_file_bytes else f"size:{st.st_size}"
            except OSError as exc:
                reasons[key] = f"cannot read: {exc}"
                bar.update(1)
                continue
            old = old_files.get(key)
            reusable = previous and old and old.sha256 == sha and old.status == "indexed" and same_parser
            if reusable and old is not None and old.doc_id and old.doc_id in prev_docs:
                plans[key] = _Plan(key, parse=False, old=old)
                report.unchanged += 1
                bar.update(1)
                continue
            plans[key] = _Plan(
                key, True, old, FileRecord(key, sha, st.st_size, st.st_mtime, None, "indexed"), path
            )
        seen = set(scan_order)

        # Files indexed before: kept when outside the roots of this run, removed when gone.
        for key, old in old_files.items():
            if key in seen or old.status != "indexed" or not old.doc_id or previous is None:
                continue
            inside = any(key == r or key.startswith(r.rstrip("/") + "/") for r in root_keys)
            if inside:
                report.removed.append(key)
                continue
            if old.doc_id in prev_docs:
                plans[key] = _Plan(key, parse=False, old=old, scanned=False)

        prev_model = None
        if previous is not None and previous.manifest.get("dense_complete"):
            prev_model = previous.manifest.get("dense_model")
        to_parse = [p for p in plans.values() if p.parse]
        quick = previous is not None and not to_parse and not report.removed and same_parser
        vectors: ChromaVectors | None = None
        if quick:
            # Nothing to parse and nothing removed: the report comes from the previous store alone.
            assert previous is not None
            bar.close()
            report.failed = [(k, reasons[k]) for k in scan_order if k in reasons]
            counts = previous.store.chunk_ids_by_document()
            doc_ids = {p.old.doc_id for p in plans.values() if p.old is not None and p.old.doc_id}
            report.documents = len(plans)
            report.chunks = sum(len(counts.get(d, [])) for d in doc_ids)
            report.no_number = sorted(d for d in doc_ids if prev_docs[d][0] is None)
            early, vectors = self._unchanged(previous, False, prev_model, report)
            if early:
                return report

        # 2. A new generation: rows stream into its store in file-key order.
        gen_dir = new_generation_dir(self.index_dir)
        try:
            added, (report.documents, report.chunks, report.no_number) = self._write(
                gen_dir, plans, previous, prev_docs, reasons, bar
            )
        finally:
            bar.close()
        report.failed = [(k, reasons[k]) for k in scan_order if k in reasons]
        report.added = [k for k in scan_order if added.get(k) is True]
        report.updated = [k for k in scan_order if added.get(k) is False]
        files_changed = bool(report.added or report.updated or report.removed or rebuild or not same_parser)
        files_changed = files_changed or previous is None
        if not quick:
            early, vectors = self._unchanged(previous, files_changed, prev_model, report)
            if early:
                shutil.rmtree(gen_dir, ignore_errors=True)
                return report

        report.changed = True
        store = Store(gen_dir / "store.sqlite")
        try:
            LexicalIndex.build(store.iter_tokens(), gen_dir / "lexical")
            live_ids = store.chunk_id_list()
            dense_ok = False
            if vectors is not None and self.embedder is not None:
                dense_ok = self._embed(store, vectors, live_ids, report)
        finally:
            store.close()
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

    def _unchanged(
        self, previous: Generation | None, files_changed: bool, prev_model: str | None, report: IngestReport
    ) -> tuple[bool, ChromaVectors | None]:
        """Whether the previous generation stays as it is (and then closes it); else the vector
        store the new generation uses. The embedding model is loaded only when vectors may need
        work: an unchanged corpus with complete vectors re-ingests without importing torch."""
        vectors = None
        need_vectors = files_changed or self.embedder_name != prev_model
        if need_vectors:
            vectors = self._vectors(report)
        dense_now = self.embedder.name if (self.embedder is not None and vectors is not None) else None
        if not files_changed and (not need_vectors or dense_now == prev_model) and previous is not None:
            report.generation = previous.name
            report.dense = prev_model is not None
            report.dense_note = report.dense_note or self._note()
            previous.close()
            return True, vectors
        return False, vectors

    def _parsed(self, plans: list[_Plan]) -> Generator[ParseOutcome, None, None]:
        """Parse outcomes of ``plans``, in order; in worker processes when configured."""
        tasks = [
            (str(p.path), p.key, p.record.sha256 if p.record else "", self.max_file_bytes, self.chunker)
            for p in plans
        ]
        if self.workers <= 1 or len(tasks) < self.MIN_FILES_FOR_WORKERS:
            for task in tasks:
                yield _parse_task(task)
            return
        # Spawned, not forked: the parent may hold threads (Chroma, torch).
        ctx = multiprocessing.get_context("spawn")
        done = 0
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        try:
            chunksize = max(1, min(32, len(tasks) // (self.workers * 8)))
            for outcome in pool.map(_parse_task, tasks, chunksize=chunksize):
                done += 1
                yield outcome
        except BrokenProcessPool as exc:  # a worker died (killed, out of memory): finish here
            log.warning(
                "ingest worker process died (%s); parsing the remaining %d files in this process",
                exc,
                len(tasks) - done,
            )
            for task in tasks[done:]:
                yield _parse_task(task)
        finally:  # also when the ingest stops early: do not wait for files nobody will write
            pool.shutdown(wait=True, cancel_futures=True)

    def _write(
        self,
        gen_dir: Path,
        plans: dict[str, _Plan],
        previous: Generation | None,
        prev_docs: dict[str, tuple[str | None, str]],
        reasons: dict[str, str],
        bar: Any,
    ) -> tuple[dict[str, bool], tuple[int, int, list[str]]]:
        """Write the new generation's store, entries in file-key order. Returns, for each parsed file,
        whether it was added (True) or updated (False), and the documents, chunks and ids of documents
        without a number written; failures go to ``reasons``.

        Two files that parse to the same id (same number and date) both stay, told apart; chunk ids
        hash the file's content, so byte-identical files would share them: the file sorting later gets
        ids derived from its own document id. Both rules look only at files sorting earlier, so
        applying them while streaming gives what applying them to the whole set would."""
        report_added: dict[str, bool] = {}
        keys = sorted(plans)
        parsed = self._parsed([plans[k] for k in keys if plans[k].parse])
        seen_ids: dict[str, str] = {}
        seen_chunks: set[str] = set()
        documents = chunks = 0
        no_number: list[str] = []
        writer = StoreWriter(gen_dir / "store.sqlite")
        try:
            for key in keys:
                plan = plans[key]
                resource = False
                if plan.parse:
                    status, payload = next(parsed)
                    bar.update(1)
                    if status == "error":
                        reason, tb = payload
                        log.error("parsing %s failed\n%s", key, tb)
                        reasons[key] = reason
                        continue
                    if status != "ok":
                        reasons[key] = str(payload)
                        continue
                    rows: _Rows = payload
                    assert plan.record is not None
                    record = dataclasses.replace(plan.record, doc_id=rows.doc_id)
                    report_added[key] = plan.old is None
                else:
                    assert previous is not None and plan.old is not None and plan.old.doc_id is not None
                    doc_record = previous.store.document_record(plan.old.doc_id)
                    assert doc_record is not None
                    rows = _Rows(doc_record, previous.store.chunk_records(plan.old.doc_id))
                    record = plan.old
                    # Another source: the file was indexed from another working directory.
                    resource = plan.scanned and prev_docs[plan.old.doc_id][1] != key
                new_id: str | None = None
                first = seen_ids.get(rows.doc_id)
                if first is not None and first != key:
                    new_id = f"{rows.doc_id}-{source_stem(key)[:24]}"
                doc_id = new_id or rows.doc_id
                rehash = any(c[0] in seen_chunks for c in rows.chunks)
                if resource or new_id or rehash:
                    rows = _adjust(rows, key if resource else None, new_id, first, rehash)
                    record = FileRecord(
                        record.path, record.sha256, record.size, record.mtime, doc_id, "indexed"
                    )
                seen_ids[doc_id] = key
                seen_chunks.update(c[0] for c in rows.chunks)
                writer.add_document_record(rows.doc)
                writer.add_chunk_records(doc_id, rows.chunks)
                writer.add_file(record)
                documents += 1
                chunks += len(rows.chunks)
                if rows.cite_number is None:
                    no_number.append(doc_id)
        finally:  # stop the parse workers too when writing fails
            parsed.close()
        for key in sorted(reasons):
            writer.add_file(FileRecord(key, "", 0, 0.0, None, "failed", reasons[key]))
        writer.set_meta("parser_version", PARSER_VERSION)
        # What relative file keys are relative to.
        writer.set_meta("base_dir", Path.cwd().resolve().as_posix())
        writer.commit()
        return report_added, (documents, chunks, sorted(no_number))

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

    def _note(self) -> str:
        """Why dense retrieval is on or off (the model is not loaded just to say it is disabled)."""
        note = self.dense_note()
        if not note and self.embedder_name is None:
            note = "Dense retrieval is disabled (RAG_EMBEDDING_MODEL=none)."
        return note

    def _vectors(self, report: IngestReport) -> ChromaVectors | None:
        if self.embedder_name is not None and self.embedder is None:
            self.embedder = self.embedder_factory()
        report.dense_note = self._note()
        if self.embedder is None or self.vectors_factory is None:
            return None
        try:
            return self.vectors_factory(self.embedder)
        except VectorStoreError as exc:
            report.dense_note = f"{exc}"
            return None

    def _embed(self, store: Store, vectors: ChromaVectors, live_ids: list[str], report: IngestReport) -> bool:
        assert self.embedder is not None
        try:
            have = vectors.existing(live_ids)
        except Exception as exc:
            report.dense_note = f"vector store error: {exc}"
            return False
        total = sum(1 for i in live_ids if i not in have)
        batch = 64
        bar = tqdm(
            total=total,
            desc="Nhúng vector",
            unit="đoạn",
            disable=not self.progress or not total,
            file=sys.stderr,
        )
        part: list[Chunk] = []
        try:
            for chunk_id, body in store.iter_chunk_bodies():
                if chunk_id in have:
                    continue
                part.append(Chunk.model_validate_json(body))
                if len(part) == batch:
                    self._embed_batch(part, vectors, report, bar)
                    part = []
            if part:
                self._embed_batch(part, vectors, report, bar)
        except Exception as exc:
            log.exception("embedding failed")
            report.dense_note = f"embedding stopped after {report.embedded} chunks ({type(exc).__name__}: {exc}); re-run ingest"
            return False
        finally:
            bar.close()
        return True

    def _embed_batch(self, part: list[Chunk], vectors: ChromaVectors, report: IngestReport, bar: Any) -> None:
        assert self.embedder is not None
        vecs = self.embedder.embed_documents([c.embed_text for c in part])
        vectors.upsert([c.id for c in part], vecs, [_vector_meta(c) for c in part])
        report.embedded += len(part)
        bar.update(len(part))

    def _collect_garbage(self, vectors: ChromaVectors, live: set[str]) -> None:
        try:
            dead = [i for i in vectors.all_ids() if i not in live]
            if dead:
                vectors.delete(dead)
        except Exception as exc:  # stale vectors are filtered at query time anyway
            log.warning("could not remove stale vectors: %s", exc)


def _adjust(rows: _Rows, source: str | None, new_id: str | None, first: str | None, rehash: bool) -> _Rows:
    """Apply the rare per-document changes (re-keyed source, renamed id, re-hashed chunk ids) on
    the models, in the order the batch ingest applied them."""
    doc = Document.model_validate_json(unpack(rows.doc[6]))
    chunks = [
        (Chunk.model_validate_json(unpack(body)), json.loads(unpack(tokens)))
        for _, _, body, tokens in rows.chunks
    ]
    if source is not None:
        doc = doc.model_copy(update={"source": source})
        chunks = [(c.model_copy(update={"source": source}), t) for c, t in chunks]
    if new_id is not None:
        doc.warnings.append(f"same number and date as {first}; indexed as {new_id}")
        doc.id = new_id
        chunks = [(c.model_copy(update={"doc_id": new_id}), t) for c, t in chunks]
    if rehash:
        chunks = [
            (c.model_copy(update={"id": hashlib.sha256(f"{c.id}|{doc.id}".encode()).hexdigest()[:24]}), t)
            for c, t in chunks
        ]
    return _rows(doc, chunks)


def _vector_meta(c: Chunk) -> dict[str, Any]:
    return {
        "doc_id": c.doc_id,
        "doc_number": c.doc_number or "",
        "doc_type": c.doc_type or "",
        "issued": int(c.issued_date.strftime("%Y%m%d")) if c.issued_date else 0,
        "section": "/".join(c.section_path),
    }
