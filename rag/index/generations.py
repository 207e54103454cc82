"""Index generations: each ingest writes a complete new generation directory, then switches the
ACTIVE pointer with one atomic rename. Readers only ever see a whole generation, old or new.

    index/
      ACTIVE                       {"generation": "gen-20261122T170000-1a2b"}
      generations/gen-.../store.sqlite, lexical/, manifest.json
      chroma/                      embedded Chroma (vectors keyed by content-hash chunk ids)
      ingest.lock                  one ingest at a time
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.index.lexical import LexicalIndex
from rag.index.store import Store


class IndexCorrupt(Exception):
    """The index on disk is damaged; the message says how to recover."""


class IngestBusy(Exception):
    """Another ingest holds the index lock."""


@dataclass
class Generation:
    name: str
    path: Path
    store: Store
    lexical: LexicalIndex
    manifest: dict[str, Any]

    def close(self) -> None:
        self.store.close()


def active_name(index_dir: Path) -> str | None:
    pointer = index_dir / "ACTIVE"
    if not pointer.exists():
        return None
    try:
        return str(json.loads(pointer.read_text())["generation"])
    except (OSError, ValueError, KeyError) as exc:
        raise IndexCorrupt(
            f"{pointer} is unreadable ({exc}); run `rag ingest --rebuild` to rebuild the index"
        ) from exc


def open_active(index_dir: Path) -> Generation | None:
    """The active generation, None when nothing was indexed yet; IndexCorrupt when it is damaged."""
    name = active_name(index_dir)
    if name is None:
        return None
    path = index_dir / "generations" / name
    try:
        manifest = json.loads((path / "manifest.json").read_text())
        store = Store(path / "store.sqlite")
        lexical = LexicalIndex.load(path / "lexical")
        if lexical.size != store.count_chunks():
            raise IndexCorrupt(f"lexical index has {lexical.size} rows, store has {store.count_chunks()}")
    except IndexCorrupt as exc:
        raise IndexCorrupt(
            f"index generation {name} is inconsistent ({exc}); run `rag ingest --rebuild`"
        ) from exc
    except Exception as exc:
        raise IndexCorrupt(
            f"index generation {name} under {index_dir} is damaged or partly deleted ({type(exc).__name__}: {exc}); "
            "run `rag ingest --rebuild` to rebuild it from the corpus"
        ) from exc
    return Generation(name, path, store, lexical, manifest)


def new_generation_dir(index_dir: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    path = index_dir / "generations" / f"gen-{stamp}-{secrets.token_hex(3)}"
    path.mkdir(parents=True)
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for p in path.rglob("*"):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(path)


def activate(index_dir: Path, gen_dir: Path) -> None:
    """Make ``gen_dir`` the active generation: durable first, then one atomic rename."""
    _fsync_tree(gen_dir)
    tmp = index_dir / f"ACTIVE.tmp-{os.getpid()}"
    tmp.write_text(json.dumps({"generation": gen_dir.name, "at": dt.datetime.now(dt.UTC).isoformat()}))
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / "ACTIVE")
    _fsync_dir(index_dir)


def remove_stale(index_dir: Path, keep: set[str]) -> list[str]:
    """Delete generation directories not in ``keep`` (unfinished ones from interrupted ingests)."""
    removed = []
    gens = index_dir / "generations"
    if gens.is_dir():
        for p in gens.iterdir():
            if p.name not in keep:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p.name)
    for p in index_dir.glob("ACTIVE.tmp-*"):
        p.unlink(missing_ok=True)
    return removed


@contextlib.contextmanager
def ingest_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / "ingest.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestBusy(
                f"another ingest is running on {index_dir} (lock {index_dir / 'ingest.lock'}); wait for it to finish"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
