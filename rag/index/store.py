"""The document store of one index generation: documents, chunks and ingested files in SQLite.

A generation is written once, in a fresh directory, and never modified afterwards; serving reads
it. Chunk row ids are the positions of the chunks in the generation's BM25 matrix.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.documents.models import Chunk, Document

_SCHEMA = """
CREATE TABLE documents (id TEXT PRIMARY KEY, number TEXT, doc_type TEXT, issuer TEXT, issued_date TEXT,
                        source TEXT, body TEXT NOT NULL);
CREATE TABLE chunks (row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL, kind TEXT NOT NULL,
                     body TEXT NOT NULL, tokens TEXT NOT NULL);
CREATE INDEX chunks_doc ON chunks(doc_id);
CREATE TABLE files (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, mtime REAL NOT NULL,
                    doc_id TEXT, status TEXT NOT NULL, error TEXT);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


#: A documents row: (id, number, doc_type, issuer, issued_date, source, body JSON).
DocumentRecord = tuple[str, str | None, str | None, str | None, str | None, str, str | bytes]
#: A chunks row without its position: (chunk id, section kind, body JSON, tokens JSON).
ChunkRecord = tuple[str, str, str | bytes, str | bytes]


def pack(text: str) -> bytes:
    """Bodies and token lists are stored zlib-compressed (a generation is about 5x smaller)."""
    return zlib.compress(text.encode("utf-8"), 6)


def packed(value: bytes | str) -> bytes:
    """A stored value, compressed unless it already is (rows copied from an earlier generation)."""
    return value if isinstance(value, bytes) else pack(value)


def unpack(value: bytes | str) -> str:
    """Reads both compressed values and plain text written by earlier versions."""
    return zlib.decompress(value).decode("utf-8") if isinstance(value, bytes) else value


@dataclass(frozen=True)
class FileRecord:
    path: str
    sha256: str
    size: int
    mtime: float
    doc_id: str | None
    status: str  # "indexed" | "failed"
    error: str | None = None


class StoreWriter:
    """Writes a new generation's store. Use as a context manager; nothing is visible until commit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.executescript(_SCHEMA)
        self.rows = 0

    def add_document(self, doc: Document) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?)",
            (doc.id, doc.cite_number, doc.doc_type, doc.issuer,
             doc.issued_date.isoformat() if doc.issued_date else None, doc.source, pack(doc.model_dump_json())),
        )  # fmt: skip

    def add_chunks(self, chunks: Iterable[tuple[Chunk, list[str]]]) -> None:
        rows = []
        for chunk, tokens in chunks:
            row = (
                self.rows,
                chunk.id,
                chunk.doc_id,
                chunk.section_kind.value,
                pack(chunk.model_dump_json()),
                pack(json.dumps(tokens, ensure_ascii=False)),
            )
            rows.append(row)
            self.rows += 1
        self.db.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?)", rows)

    def add_document_record(self, record: DocumentRecord) -> None:
        """A document row as stored (the body is the Document's JSON), without re-serializing it."""
        row = (*record[:6], packed(record[6]))
        self.db.execute("INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?)", row)

    def add_chunk_records(self, doc_id: str, records: Iterable[ChunkRecord]) -> None:
        """Chunk rows as stored: (chunk id, kind, body JSON, tokens JSON), in order."""
        rows = []
        for chunk_id, kind, body, tokens in records:
            rows.append((self.rows, chunk_id, doc_id, kind, packed(body), packed(tokens)))
            self.rows += 1
        self.db.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?)", rows)

    def add_file(self, rec: FileRecord) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?)",
            (rec.path, rec.sha256, rec.size, rec.mtime, rec.doc_id, rec.status, rec.error),
        )

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value))

    def commit(self) -> None:
        self.db.commit()
        self.db.close()


class Store:
    """Read-only access to a generation's store, safe to share between threads."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"index store missing: {path}")
        self.path = path
        self._local = threading.local()
        # Fail now, with a clear message, if the file is not a readable store.
        self.count_chunks()

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.conn = conn
        return conn

    def count_chunks(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def count_documents(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def chunks(self, rows: list[int]) -> list[Chunk]:
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        found = {r: Chunk.model_validate_json(unpack(b)) for r, b in self.db.execute(
            f"SELECT row, body FROM chunks WHERE row IN ({marks})", rows)}  # fmt: skip
        return [found[r] for r in rows if r in found]

    def rows_for_ids(self, ids: list[str]) -> dict[str, int]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        return {
            i: int(r) for i, r in self.db.execute(f"SELECT id, row FROM chunks WHERE id IN ({marks})", ids)
        }

    def chunk_ids(self) -> set[str]:
        return {str(r[0]) for r in self.db.execute("SELECT id FROM chunks")}

    def chunk_doc_ids(self) -> list[str]:
        return [str(r[0]) for r in self.db.execute("SELECT doc_id FROM chunks ORDER BY row")]

    def chunk_kinds(self) -> list[str]:
        return [str(r[0]) for r in self.db.execute("SELECT kind FROM chunks ORDER BY row")]

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return [Chunk.model_validate_json(unpack(b)) for (b,) in self.db.execute(
            "SELECT body FROM chunks WHERE doc_id=? ORDER BY row", (doc_id,))]  # fmt: skip

    def iter_chunks_with_tokens(self, doc_id: str) -> Iterator[tuple[Chunk, list[str]]]:
        for body, tokens in self.db.execute(
            "SELECT body, tokens FROM chunks WHERE doc_id=? ORDER BY row", (doc_id,)
        ):
            yield Chunk.model_validate_json(unpack(body)), json.loads(unpack(tokens))

    def iter_tokens(self) -> Iterator[list[str]]:
        for (tokens,) in self.db.execute("SELECT tokens FROM chunks ORDER BY row"):
            yield json.loads(unpack(tokens))

    def document_record(self, doc_id: str) -> DocumentRecord | None:
        """A document's row as stored (no JSON parsing)."""
        row = self.db.execute(
            "SELECT id, number, doc_type, issuer, issued_date, source, body FROM documents WHERE id=?",
            (doc_id,),
        ).fetchone()
        return None if row is None else (str(row[0]), row[1], row[2], row[3], row[4], str(row[5]), row[6])

    def chunk_records(self, doc_id: str) -> list[ChunkRecord]:
        """A document's chunk rows as stored, in order (no JSON parsing)."""
        q = "SELECT id, kind, body, tokens FROM chunks WHERE doc_id=? ORDER BY row"
        return [(str(i), str(k), b, t) for i, k, b, t in self.db.execute(q, (doc_id,))]

    def document_sources(self) -> dict[str, tuple[str | None, str]]:
        """(citation number, source) of every document, by id."""
        return {
            str(i): (n, str(s)) for i, n, s in self.db.execute("SELECT id, number, source FROM documents")
        }

    def chunk_ids_by_document(self) -> dict[str, list[str]]:
        """Chunk ids of every document, in row order."""
        out: dict[str, list[str]] = {}
        for doc_id, chunk_id in self.db.execute("SELECT doc_id, id FROM chunks ORDER BY row"):
            out.setdefault(str(doc_id), []).append(str(chunk_id))
        return out

    def iter_chunk_bodies(self) -> Iterator[tuple[str, str]]:
        """(chunk id, body JSON) of every chunk, in row order."""
        for chunk_id, body in self.db.execute("SELECT id, body FROM chunks ORDER BY row"):
            yield str(chunk_id), unpack(body)

    def chunk_id_list(self) -> list[str]:
        """Chunk ids in row order."""
        return [str(r[0]) for r in self.db.execute("SELECT id FROM chunks ORDER BY row")]

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one Store per generation, bounded
    def document(self, doc_id: str) -> Document | None:
        row = self.db.execute("SELECT body FROM documents WHERE id=?", (doc_id,)).fetchone()
        return None if row is None else Document.model_validate_json(unpack(row[0]))

    def document_rows(self) -> list[dict[str, str | None]]:
        """Light metadata of every document (no text), for filters and listings."""
        cols = ("id", "number", "doc_type", "issuer", "issued_date", "source")
        q = "SELECT id, number, doc_type, issuer, issued_date, source FROM documents ORDER BY issued_date DESC"
        return [dict(zip(cols, r, strict=True)) for r in self.db.execute(q)]

    def document_ids(self) -> list[str]:
        return [str(r[0]) for r in self.db.execute("SELECT id FROM documents")]

    def files(self) -> dict[str, FileRecord]:
        out = {}
        for path, sha, size, mtime, doc_id, status, error in self.db.execute("SELECT * FROM files"):
            out[path] = FileRecord(path, sha, size, mtime, doc_id, status, error)
        return out

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None
