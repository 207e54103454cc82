"""Queries per second through the HTTP API: a real server (``rag.serve.server.create_app`` under
uvicorn, one worker, in a child process) against the benchmark's index, and N client threads
posting the gold questions to ``/api/ask`` for a fixed time at each concurrency level."""

from __future__ import annotations

import importlib.util
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil


def api_available() -> bool:
    """Whether the HTTP API exists (rag/serve/server.py with create_app and from_env)."""
    try:
        spec = importlib.util.find_spec("rag.serve.server")
    except ModuleNotFoundError:
        return False
    if spec is None or spec.origin is None:
        return False
    source = Path(spec.origin).read_text(encoding="utf-8")
    return "def create_app(" in source and "def from_env(" in source


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A `uvicorn --factory rag.serve.server:from_env` child process on 127.0.0.1."""

    proc: subprocess.Popen[bytes]
    url: str
    peak_rss_mb: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _sampler: threading.Thread | None = None

    @staticmethod
    def start(env_extra: dict[str, str], *, cwd: Path, timeout_s: float = 180.0) -> Server:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
        env.update({"RAG_RATE_LIMIT_PER_MIN": "0", "RAG_API_KEYS": "", "RAG_LLM_BASE_URL": "", **env_extra})
        env["RAG_HOST"], env["RAG_PORT"] = "127.0.0.1", str(port)
        cmd = [sys.executable, "-m", "uvicorn", "--factory", "rag.serve.server:from_env",
               "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning"]  # fmt: skip
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        server = Server(proc, f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"the API server exited ({proc.returncode}): {err[-2000:]}")
            try:
                r = httpx.get(server.url + "/api/health", timeout=2.0)
                if r.status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"the API server did not answer /api/health within {timeout_s:.0f} s")
            time.sleep(0.25)
        server._sampler = threading.Thread(target=server._sample, daemon=True)
        server._sampler.start()
        return server

    def _sample(self) -> None:
        try:
            ps = psutil.Process(self.proc.pid)
            while not self._stop.is_set() and self.proc.poll() is None:
                self.peak_rss_mb = max(self.peak_rss_mb, ps.memory_info().rss / 1e6)
                time.sleep(0.1)
        except psutil.Error:
            return

    def rss_mb(self) -> float:
        try:
            return float(psutil.Process(self.proc.pid).memory_info().rss / 1e6)
        except psutil.Error:
            return 0.0

    def stop(self) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stderr is not None:
            self.proc.stderr.close()


def _pct(values: Sequence[float], q: float) -> float | None:
    from rag.evaluation.metrics import percentile

    v = percentile(list(values), q)
    return None if v is None else round(v, 1)


def run_level(
    url: str, questions: Sequence[str], concurrency: int, duration_s: float, min_requests: int = 8
) -> dict[str, Any]:
    """``concurrency`` threads post questions (round robin) to /api/ask until ``duration_s`` has
    passed and at least ``min_requests`` answered; QPS = answered requests / wall time."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    stop_at = start + duration_s

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=120.0) as client:
            while True:
                i = next(counter)
                with lock:
                    done = len(latencies) + len(errors)
                if time.perf_counter() >= stop_at and done >= min_requests:
                    return
                q = questions[i % len(questions)]
                t = time.perf_counter()
                try:
                    r = client.post("/api/ask", json={"question": q})
                    ok = r.status_code == 200
                    why = f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    ok, why = False, type(exc).__name__
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    (latencies.append(ms) if ok else errors.append(why))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "seconds": round(wall, 2),
        "qps": round(len(latencies) / wall, 2) if wall else None,
        "latency_ms": {"p50": _pct(latencies, 50), "p95": _pct(latencies, 95), "p99": _pct(latencies, 99)},
    }


def measure_api(
    index_dir: Path,
    questions: Sequence[str],
    *,
    levels: Sequence[int] = (1, 2, 4),
    duration_s: float = 15.0,
    env_extra: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> dict[str, Any]:
    """Start a server on ``index_dir``, warm it with every question once, then run each level."""
    env = {"RAG_INDEX_DIR": str(index_dir.resolve()), "RAG_EMBEDDING_MODEL": "none", **(env_extra or {})}
    t0 = time.perf_counter()
    server = Server.start(env, cwd=cwd or Path.cwd())
    startup_s = time.perf_counter() - t0
    try:
        rss_idle = server.rss_mb()
        with httpx.Client(base_url=server.url, timeout=120.0) as client:
            for q in questions:
                client.post("/api/ask", json={"question": q})
        results = [run_level(server.url, questions, c, duration_s) for c in levels]
        return {
            "available": True,
            "startup_s": round(startup_s, 2),
            "rss_idle_mb": round(rss_idle, 1),
            "rss_peak_mb": round(max(server.peak_rss_mb, server.rss_mb()), 1),
            "levels": results,
        }
    finally:
        server.stop()
