"""Optional LLM judge: answer faithfulness on a 0-1 scale, by any OpenAI-compatible chat model.

Used only when Settings.llm_base_url and Settings.llm_model are set. The judge reads the question,
the answer and the quoted sources, and says how much of the answer the sources support. Its score
is reported next to the deterministic metrics and never gates CI.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

PROMPT = """You check answers of a question-answering assistant over Vietnamese government documents.
Decide how faithful the ANSWER is to the SOURCES: the share (0 to 1) of the answer's factual
statements that the sources support. 1 = everything supported, 0 = nothing supported or
contradicted. Ignore style and citation wording. Reply with JSON only: {{"score": <0..1>, "reason": "<short>"}}

QUESTION: {question}

SOURCES:
{sources}

ANSWER:
{answer}
"""
_NUMBER = re.compile(r"(?<![\w.])(0(?:\.\d+)?|1(?:\.0+)?)(?![\w.])")


class JudgeError(Exception):
    """The judge model could not be reached or gave no usable score."""


def parse_score(text: str) -> float:
    """The score from the judge's reply: a JSON object with "score", else the first number in [0, 1]."""
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if match:
        try:
            value = json.loads(match.group(0)).get("score")
            if isinstance(value, int | float) and 0 <= value <= 1:
                return float(value)
        except (ValueError, AttributeError):
            pass
    found = _NUMBER.search(text)
    if found is None:
        raise JudgeError(f"no score in the judge's reply: {text[:120]!r}")
    return float(found.group(1))


@dataclass
class Judge:
    """A faithfulness judge over an OpenAI-compatible /chat/completions endpoint."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 30.0
    client: httpx.Client | None = field(default=None, repr=False)

    def _client(self) -> httpx.Client:
        if self.client is None:
            self.client = httpx.Client(timeout=self.timeout_s)
        return self.client

    def faithfulness(self, question: str, answer: str, quotes: Sequence[str]) -> float:
        sources = "\n".join(f"[{i}] {q}" for i, q in enumerate(quotes, 1)) or "(none)"
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "user", "content": PROMPT.format(question=question, sources=sources, answer=answer)}
            ],
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = self.base_url.rstrip("/") + "/chat/completions"
        try:
            resp = self._client().post(url, json=body, headers=headers)
            resp.raise_for_status()
            content = resp.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise JudgeError(f"{type(exc).__name__}: {exc}") from exc
        return parse_score(str(content))

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
