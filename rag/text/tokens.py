"""Token counting with tiktoken's cl100k_base, the budget unit for chunks and LLM prompts.

tiktoken downloads its encoding file on first use; offline machines point TIKTOKEN_CACHE_DIR at a
folder holding it (the project looks for ../shared/tiktoken when the variable is unset). When the
encoding cannot be loaded at all, counts fall back to an estimate (never a crash) and say so once.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def _default_cache_dir() -> None:
    if os.environ.get("TIKTOKEN_CACHE_DIR"):
        return
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        candidate = base.parent / "shared" / "tiktoken"
        if candidate.is_dir():
            os.environ["TIKTOKEN_CACHE_DIR"] = str(candidate)
            return


@functools.cache
def _encoder() -> Callable[[str], list[int]] | None:
    _default_cache_dir()
    try:
        import tiktoken

        enc = tiktoken.get_encoding("cl100k_base")
    except Exception as exc:  # offline without a cache: estimate instead
        log.warning(
            "tiktoken cl100k_base is unavailable (%s); token counts are estimated. "
            "Set TIKTOKEN_CACHE_DIR to a folder holding the encoding file.",
            exc,
        )
        return None
    return functools.partial(enc.encode, disallowed_special=())


def count_tokens(text: str) -> int:
    enc = _encoder()
    if enc is None:
        return max(1, len(text.encode("utf-8")) // 3)
    return len(enc(text))


def tokenizer_available() -> bool:
    return _encoder() is not None
