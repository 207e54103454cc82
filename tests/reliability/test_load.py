"""The load script, briefly: `rag serve` (a subprocess over a copy of the corpus) under 2 concurrent
clients for 5 s answers every request without a server error, and its memory stays flat.
`python scripts/load.py --clients 4 --seconds 30` is the longer run; docs/reliability.md has figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.reliability.conftest import ROOT

CLIENTS, SECONDS, WARMUP = 2, 5, 3
MAX_GROWTH_MB = 50


def test_load_script_zero_server_errors_and_flat_memory(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    args = [sys.executable, str(ROOT / "scripts" / "load.py"), "--clients", str(CLIENTS), "--seconds", str(SECONDS),
            "--warmup", str(WARMUP), "--max-growth-mb", str(MAX_GROWTH_MB), "--json", str(out)]  # fmt: skip
    run = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    print(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(out.read_text())
    assert result["passed"] and result["problems"] == []
    assert result["server_errors"] == 0 and result["other_non_2xx"] == 0
    endpoints = result["endpoints"]
    assert set(endpoints) == {
        "POST /api/ask", "POST /api/search", "POST /v1/chat/completions", "POST /v1/chat/completions stream",
        "GET /api/documents", "GET /api/documents/{id}", "GET /api/documents/{id}/sections/{path}",
    }  # fmt: skip
    for name, e in endpoints.items():
        assert e["requests"] > 0 and e["server_errors"] == 0, name
        assert 0 < e["p50_ms"] <= e["p95_ms"] <= e["max_ms"], name
    rss = result["rss_mb"]
    assert rss["samples"] > 5
    assert rss["start"] > 50, "RSS is sampled from the server process"
    assert rss["growth"] < MAX_GROWTH_MB and rss["peak"] - rss["start"] < MAX_GROWTH_MB
    assert "PASS" in run.stdout and "p95 ms" in run.stdout
