"""A feedback writer for the multi-process test: a module of its own, so that a spawned process
imports only this and rag.serve.feedback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rag.serve.feedback import FeedbackStore


def write(path: str, worker: int, count: int, barrier: Any) -> None:
    store = FeedbackStore(Path(path))
    barrier.wait(timeout=60)  # every writer starts at once
    for i in range(count):
        answer = {"answer": f"trả lời {worker}-{i}", "citations": [], "worker": worker, "i": i}
        store.add(
            f"câu hỏi {worker}-{i}",
            answer,
            ("correct", "incorrect", "wrong_evidence")[i % 3],
            user=f"w{worker}",
        )
    store.close()
