"""User feedback on answers, kept in SQLite (WAL) under the index folder so that it survives
restarts and concurrent writers, and exportable as gold-set candidates for evaluation."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Literal

Verdict = Literal["correct", "incorrect", "wrong_evidence"]
VERDICTS: tuple[str, ...] = ("correct", "incorrect", "wrong_evidence")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  question TEXT NOT NULL,
  answer TEXT NOT NULL,          -- the answer object as JSON (Answer.to_public())
  verdict TEXT NOT NULL CHECK (verdict IN ('correct', 'incorrect', 'wrong_evidence')),
  comment TEXT NOT NULL DEFAULT '',
  user TEXT NOT NULL DEFAULT ''
);
"""


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        with self._conn() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def add(
        self, question: str, answer: dict[str, Any], verdict: str, comment: str = "", user: str = ""
    ) -> int:
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
        db = self._conn()
        with db:
            cur = db.execute(
                "INSERT INTO feedback (at, question, answer, verdict, comment, user) VALUES (?,?,?,?,?,?)",
                (
                    dt.datetime.now(dt.UTC).isoformat(),
                    question,
                    json.dumps(answer, ensure_ascii=False, default=str),
                    verdict,
                    comment[:4000],
                    user,
                ),
            )
        return int(cur.lastrowid or 0)

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._conn().execute(
            "SELECT id, at, question, answer, verdict, comment FROM feedback ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            {"id": i, "at": at, "question": q, "answer": json.loads(a), "verdict": v, "comment": c}
            for i, at, q, a, v, c in rows
        ]

    def count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM feedback").fetchone()[0])

    def gold_candidates(self) -> list[dict[str, Any]]:
        """Feedback turned into gold-set lines (eval/gold.jsonl schema) for a maintainer to review:
        a 'correct' answer proposes its citations as gold; the others are marked for review."""
        out = []
        for row in reversed(self.recent(limit=100000)):
            ans = row["answer"] if isinstance(row["answer"], dict) else {}
            # The answer object comes from the client: one malformed row must not break the export.
            cited = ans.get("citations")
            gold = (
                [
                    {"doc_number": c.get("doc_number"), "section_path": c.get("section_path")}
                    for c in cited
                    if isinstance(c, dict)
                ]
                if row["verdict"] == "correct" and isinstance(cited, list)
                else []
            )
            out.append(
                {
                    "id": f"fb{row['id']:05d}",
                    "question": row["question"],
                    "lang": ans.get("lang", "vi"),
                    "type": ans.get("qtype", "what"),
                    "answerable": not ans.get("abstained", False),
                    "gold": gold,
                    "key_facts": [],
                    "tags": ["feedback", row["verdict"]],
                    "split": "dev",
                    "notes": row["comment"] or f"from user feedback ({row['verdict']}); review before use",
                }
            )
        return out

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
