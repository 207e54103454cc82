"""Uploaded documents: a safe file name, the content checked by reading it before it is stored,
then an ingest of that one file. Uploads go to ``RAG_CORPUS_DIR/uploads`` so that a full
`rag ingest` of the corpus keeps them."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import threading
import unicodedata
from pathlib import Path
from typing import BinaryIO, Literal

from rag.app import App
from rag.index.generations import IndexCorrupt, IngestBusy
from rag.serve.schemas import UploadOut
from rag.serve.service import IndexUnavailable, ServeError
from rag.text.readers import SUPPORTED_SUFFIXES, UnreadableFileError, read_file

_VI_LOWER = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"  # precomposed (NFC) letters
_ALLOWED = frozenset(
    "abcdefghijklmnopqrstuvwxyz0123456789_.-" + _VI_LOWER + _VI_LOWER.upper() + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
_MAX_NAME = 120
Outcome = Literal["new", "same", "replaced"]
_MB = 1024 * 1024


def safe_filename(raw: str) -> str:
    """The base name only (any directory part dropped), NFC, spaces as '_', characters other than
    ASCII letters and digits, Vietnamese letters, '_', '.' and '-' replaced, no leading dots."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch if ch in _ALLOWED else "_" for ch in name.strip())
    name = re.sub(r"_{2,}", "_", re.sub(r"\.{2,}", ".", name)).lstrip("._-")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem[: _MAX_NAME - len(suffix) - 1].rstrip("._-")
    if not stem:
        raise ServeError(
            f"The file name {raw!r} has no usable characters; rename the file, e.g. 'ke-hoach-39.txt'.",
            code="invalid_file_name",
        )
    return f"{stem}.{suffix}" if suffix else stem


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_MB), b""):
            h.update(block)
    return h.hexdigest()


class Uploads:
    """Stores and indexes uploaded files, one at a time per process."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.folder = app.settings.corpus_dir / "uploads"
        self.max_bytes = app.settings.max_file_mb * _MB
        self._lock = threading.Lock()

    def add(self, filename: str, data: BinaryIO, *, replace: bool = False) -> UploadOut:
        name = safe_filename(filename)
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
            raise ServeError(
                f"'{name}': files of type '{suffix or '(none)'}' are not accepted; upload one of {allowed}.",
                code="unsupported_file_type",
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            target, outcome = self._store(name, data, replace)
            return self._ingest(name, target, outcome)

    def _store(self, name: str, data: BinaryIO, replace: bool) -> tuple[Path, Outcome]:
        # A hidden temporary file in the same folder: ingest never picks it up, and the final
        # rename is atomic.
        tmp = self.folder / f".upload-{secrets.token_hex(6)}{Path(name).suffix}"
        target = self.folder / name
        try:
            with tmp.open("wb") as out:
                shutil.copyfileobj(_Capped(data, self.max_bytes), out)
            try:
                read_file(tmp, max_bytes=self.max_bytes)
            except UnreadableFileError as exc:
                raise ServeError(
                    f"'{name}' was refused: {exc.reason}. {exc.hint}.", code="unreadable_file"
                ) from None
            if target.is_symlink() or (target.exists() and not target.is_file()):
                raise ServeError(
                    f"'{name}' exists in {self.folder} and is not a regular file; rename your file.",
                    code="file_exists",
                )
            if target.exists():
                if _sha256(target) == _sha256(tmp):
                    return target, "same"  # the same document again: nothing to replace
                if not replace:
                    raise ServeError(
                        f"A different file named '{name}' was uploaded before; send replace=true to overwrite it, "
                        "or rename your file.",
                        code="file_exists",
                    )
                os.replace(tmp, target)
                return target, "replaced"
            os.replace(tmp, target)
            return target, "new"
        finally:
            tmp.unlink(missing_ok=True)

    def _ingest(self, name: str, target: Path, outcome: Outcome) -> UploadOut:
        try:
            report = self.app.ingestor(progress=False).run([target])
        except IngestBusy as exc:
            raise ServeError(
                f"{exc}. The file is stored and will be indexed by the next ingest; or retry the upload.",
                code="ingest_busy",
            ) from exc
        except IndexCorrupt as exc:
            raise IndexUnavailable(str(exc), code="index_corrupt") from exc
        if report.failed:
            reason = "; ".join(r for _, r in report.failed)
            if outcome == "new":  # leave no file behind that every later ingest would fail on
                target.unlink(missing_ok=True)
            raise ServeError(f"'{name}' could not be indexed: {reason}", code="ingest_failed")
        return UploadOut(file=name, path=str(target), replaced=outcome == "replaced", report=report.to_dict())


class _Capped:
    """A reader that refuses to go past ``limit`` bytes (the upload limit, RAG_MAX_FILE_MB)."""

    def __init__(self, data: BinaryIO, limit: int) -> None:
        self.data = data
        self.limit = limit
        self.seen = 0

    def read(self, size: int = -1) -> bytes:
        block = self.data.read(size)
        self.seen += len(block)
        if self.seen > self.limit:
            raise ServeError(
                f"The file is over RAG_MAX_FILE_MB={self.limit // _MB} MB; split it or raise the limit.",
                code="payload_too_large",
            )
        return block
