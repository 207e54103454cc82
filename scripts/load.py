#!/usr/bin/env python
"""Load test of `rag serve`: concurrent clients asking, searching, chatting through the
OpenAI-compatible endpoint and reading documents, for a bounded time.

By default it starts `rag serve` itself, as a subprocess on a free 127.0.0.1 port, over a temporary
copy of the corpus with RAG_EMBEDDING_MODEL=none and no rate limit, and samples the server's
resident memory (RSS, psutil) the whole time. It prints, per endpoint, the number of requests, the
server errors (5xx and broken connections), other non-2xx answers and the latency percentiles, then
the RSS at start (after the warm-up), peak and end. It fails (exit 1) when there was any server
error or when the RSS grew by more than --max-growth-mb between the end of the warm-up and the end.

    python scripts/load.py                          # 4 clients, 10 s after a 5 s warm-up
    python scripts/load.py --clients 4 --seconds 30 --json load.json
    python scripts/load.py --url http://127.0.0.1:7860 --key KEY [--pid PID]   # a running server

docs/reliability.md has the figures measured on the reference machine.
"""

# ruff: noqa: E402 - the rag imports come after the path set-up below

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python scripts/load.py` from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

# The benchmark (rag/bench/load.py) measures the QPS of /api/ask under uvicorn; this script drives
# `rag serve` with the whole request mix and checks errors and memory. It reuses the benchmark's
# port helper and percentile definition, so that the figures of both are comparable.
from rag.bench.load import free_port
from rag.evaluation.metrics import percentile

MODEL_ID = "rag-vn-docs"

#: Questions the clients cycle through: diacritics, none, English, a document number, no answer.
QUESTIONS = [
    "Ai chịu trách nhiệm đầu tư tuyến container tại Khu kinh tế Dung Quất?",
    "ai chiu trach nhiem tuyen container dung quat",
    "Who signed Official Letter 2395/UBND-KTTH?",
    "Kế hoạch 39/KH-UBND được ban hành ngày nào?",
    "Mục tiêu phát triển công nghiệp của tỉnh Quảng Ngãi đến năm 2020 là gì?",
    "Những văn bản nào về liên kết vùng?",
    "Thừa Thiên Huế liên kết vùng giai đoạn 2021-2025 gồm những nhiệm vụ gì?",
    "Tỉnh Quảng Ngãi bố trí bao nhiêu tỷ đồng cho dự án cảng hàng không Lý Sơn năm 2023?",
]


# --- the server under test ---------------------------------------------------------------------


def server_env(index_dir: Path, corpus_dir: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of a `rag serve` child: no RAG_* variable of the caller, lexical retrieval
    only, no rate limit (a load test is one address), loopback never through a proxy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    shared = ROOT.parent / "shared" / "tiktoken"
    if "TIKTOKEN_CACHE_DIR" not in env and shared.is_dir():
        env["TIKTOKEN_CACHE_DIR"] = str(shared)
    env |= {
        "RAG_EMBEDDING_MODEL": "none",
        "RAG_INDEX_DIR": str(index_dir),
        "RAG_CORPUS_DIR": str(corpus_dir),
        "RAG_HOST": "127.0.0.1",
        "RAG_PORT": str(port),
        "RAG_RATE_LIMIT_PER_MIN": "0",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    env |= extra
    return env


class ServerProcess:
    """`rag serve` as a child process (its own process group), its output in a log file."""

    def __init__(
        self, workdir: Path, env: dict[str, str], *, log_level: str = "warning", name: str = "serve"
    ) -> None:
        self.workdir = workdir
        self.env = env
        self.port = int(env["RAG_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_level = log_level
        self.log_path = workdir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        cmd = [sys.executable, "-m", "rag.cli", "serve", "--log-level", self.log_level]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 240.0) -> dict[str, Any]:
        """The /api/health answer once the server answers; RuntimeError when it exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"rag serve exited with {self.returncode()}:\n{self.output()[-4000:]}")
            try:
                r = httpx.get(f"{self.url}/api/health", timeout=5)
                body: dict[str, Any] = r.json()
                return body
            except (httpx.TransportError, ValueError):
                time.sleep(0.2)
        raise RuntimeError(f"rag serve did not answer within {timeout:.0f} s:\n{self.output()[-4000:]}")

    def wait_exit(self, timeout: float = 120.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc is not None else None

    def rss(self) -> int:
        """Resident memory of the server and any children, in bytes (0 once it is gone)."""
        try:
            proc = psutil.Process(self.pid)
            return int(proc.memory_info().rss) + sum(
                int(c.memory_info().rss) for c in proc.children(recursive=True)
            )
        except psutil.Error:
            return 0

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            os.killpg(self.pid, sig)
        if sig == signal.SIGKILL and self.proc is not None:
            self.proc.wait(timeout=30)

    def stop(self, timeout: float = 20.0) -> int | None:
        """Ctrl-C, as a user stops it; SIGKILL when it does not exit in time."""
        if self.proc is None:
            return None
        if self.alive():
            os.killpg(self.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        return self.proc.returncode

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# --- clients -------------------------------------------------------------------------------------


@dataclass
class Sample:
    endpoint: str
    status: int  # 0: the connection broke or timed out
    ms: float


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # a few examples of server errors
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample, detail: str = "") -> None:
        with self.lock:
            self.samples.append(sample)
            if (sample.status == 0 or sample.status >= 500) and len(self.failures) < 20:
                self.failures.append(f"{sample.endpoint}: {sample.status} {detail[:300]}")


Op = tuple[str, Callable[[httpx.Client, random.Random], httpx.Response]]


def _ask(c: httpx.Client, rng: random.Random) -> httpx.Response:
    return c.post("/api/ask", json={"question": rng.choice(QUESTIONS)})


def _search(c: httpx.Client, rng: random.Random) -> httpx.Response:
    return c.post("/api/search", json={"question": rng.choice(QUESTIONS), "k": 5})


def _chat(c: httpx.Client, rng: random.Random) -> httpx.Response:
    body = {"model": MODEL_ID, "messages": [{"role": "user", "content": rng.choice(QUESTIONS)}]}
    return c.post("/v1/chat/completions", json=body)


def _chat_stream(c: httpx.Client, rng: random.Random) -> httpx.Response:
    body = {
        "model": MODEL_ID,
        "stream": True,
        "messages": [{"role": "user", "content": rng.choice(QUESTIONS)}],
    }
    with c.stream("POST", "/v1/chat/completions", json=body) as r:
        done = False
        for line in r.iter_lines():
            done = done or line.strip() == "data: [DONE]"
        if r.status_code == 200 and not done:
            raise httpx.RemoteProtocolError("the event stream ended without [DONE]")
    return r


def operations(base: httpx.Client) -> list[Op]:
    """The request mix: each client runs these in a shuffled cycle. Document and section reads use
    ids and section paths the server lists."""
    docs = base.get("/api/documents")
    docs.raise_for_status()
    ids = [d["id"] for d in docs.json()]
    sections: list[str] = []
    for doc_id in ids:
        tree = base.get(f"/api/documents/{quote(doc_id, safe='')}")
        tree.raise_for_status()
        stack = list(tree.json()["tree"])
        while stack:
            node = stack.pop()
            sections.append(
                f"{quote(doc_id, safe='')}/sections/" + "/".join(quote(p, safe="") for p in node["path"])
            )
            stack.extend(node["children"])
    if not ids or not sections:
        raise RuntimeError("the server lists no documents: nothing to read")

    def documents(c: httpx.Client, rng: random.Random) -> httpx.Response:
        return c.get("/api/documents")

    def document(c: httpx.Client, rng: random.Random) -> httpx.Response:
        return c.get(f"/api/documents/{quote(rng.choice(ids), safe='')}")

    def section(c: httpx.Client, rng: random.Random) -> httpx.Response:
        return c.get(f"/api/documents/{rng.choice(sections)}")

    return [
        ("POST /api/ask", _ask),
        ("POST /api/search", _search),
        ("POST /v1/chat/completions", _chat),
        ("POST /v1/chat/completions stream", _chat_stream),
        ("GET /api/documents", documents),
        ("GET /api/documents/{id}", document),
        ("GET /api/documents/{id}/sections/{path}", section),
    ]


def _client_loop(
    url: str, headers: dict[str, str], ops: list[Op], until: float, rec: Recorder, seed: int
) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
        while time.monotonic() < until:
            cycle = list(ops)
            rng.shuffle(cycle)
            for name, op in cycle:
                if time.monotonic() >= until:
                    return
                t0 = time.perf_counter()
                try:
                    r = op(c, rng)
                    ms = (time.perf_counter() - t0) * 1000
                    rec.add(Sample(name, r.status_code, ms), r.text if r.status_code >= 500 else "")
                except httpx.HTTPError as exc:
                    ms = (time.perf_counter() - t0) * 1000
                    rec.add(Sample(name, 0, ms), f"{type(exc).__name__}: {exc}")


def run_clients(
    url: str, headers: dict[str, str], ops: list[Op], clients: int, seconds: float, seed: int
) -> Recorder:
    rec = Recorder()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=_client_loop, args=(url, headers, ops, until, rec, seed * 1000 + i), daemon=True
        )
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    return rec


class RSSSampler:
    """Samples a process's RSS every ``every`` seconds in a background thread."""

    def __init__(self, read: Callable[[], int], every: float = 0.2) -> None:
        self.read = read
        self.every = every
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), self.read()))
            self._stop.wait(self.every)

    def start(self) -> RSSSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def between(self, t0: float, t1: float) -> list[int]:
        return [v for t, v in self.samples if t0 <= t <= t1 and v > 0]


# --- figures -----------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """The q-th percentile, interpolated as the benchmark's (rag.evaluation.metrics); 0 when empty."""
    return round(percentile(values, q) or 0.0, 1)


def summarize(rec: Recorder, seconds: float) -> dict[str, Any]:
    by: dict[str, list[Sample]] = {}
    for s in rec.samples:
        by.setdefault(s.endpoint, []).append(s)
    endpoints = {}
    for name in sorted(by):
        ss = by[name]
        ok = [s.ms for s in ss if 200 <= s.status < 300]
        endpoints[name] = {
            "requests": len(ss),
            "server_errors": sum(1 for s in ss if s.status == 0 or s.status >= 500),
            "other_non_2xx": sum(1 for s in ss if 300 <= s.status < 500),
            "p50_ms": pct(ok, 50),
            "p95_ms": pct(ok, 95),
            "p99_ms": pct(ok, 99),
            "max_ms": round(max(ok, default=0.0), 1),
            "mean_ms": round(statistics.fmean(ok), 1) if ok else 0.0,
        }
    total = len(rec.samples)
    return {
        "requests": total,
        "requests_per_s": round(total / seconds, 1) if seconds else 0.0,
        "server_errors": sum(e["server_errors"] for e in endpoints.values()),
        "other_non_2xx": sum(e["other_non_2xx"] for e in endpoints.values()),
        "endpoints": endpoints,
        "failures": rec.failures,
    }


def _mb(n: int) -> float:
    return round(n / (1024 * 1024), 1)


def print_report(result: dict[str, Any]) -> None:
    print(f"\n{result['clients']} clients × {result['seconds']:g} s (after {result['warmup']:g} s of warm-up): "
          f"{result['requests']} requests, {result['requests_per_s']} req/s, "
          f"{result['server_errors']} server errors, {result['other_non_2xx']} other non-2xx")  # fmt: skip
    print(
        f"{'endpoint':42} {'n':>6} {'5xx':>4} {'4xx':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    for name, e in result["endpoints"].items():
        print(f"{name:42} {e['requests']:>6} {e['server_errors']:>4} {e['other_non_2xx']:>4} "
              f"{e['p50_ms']:>8.1f} {e['p95_ms']:>8.1f} {e['p99_ms']:>8.1f} {e['max_ms']:>8.1f}")  # fmt: skip
    m = result.get("rss_mb")
    if m:
        print(f"server RSS (MB): ready {m['ready']}, start {m['start']}, peak {m['peak']}, end {m['end']}; "
              f"growth {m['growth']} (bound {result['max_growth_mb']})")  # fmt: skip
    for f in result["failures"][:10]:
        print(f"  FAIL {f}")
    print("PASS" if result["passed"] else "FAIL: " + "; ".join(result["problems"]))


# --- main ----------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    tmp: Path | None = None
    server: ServerProcess | None = None
    read_rss: Callable[[], int] | None = None
    try:
        if args.url:
            url = args.url.rstrip("/")
            if args.pid:
                pid = args.pid
                read_rss = lambda: int(psutil.Process(pid).memory_info().rss)  # noqa: E731
        else:
            tmp = Path(tempfile.mkdtemp(prefix="rag-load-"))
            shutil.copytree(args.corpus, tmp / "corpus")
            env = server_env(tmp / "index", tmp / "corpus", free_port())
            server = ServerProcess(tmp, env).start()
            health = server.wait_ready()
            if health.get("status") != "ok":
                raise RuntimeError(f"the server is not ready: {health}")
            url = server.url
            read_rss = server.rss
        with httpx.Client(base_url=url, headers=headers, timeout=60) as base:
            ops = operations(base)
        sampler = RSSSampler(read_rss).start() if read_rss else None
        ready_rss = read_rss() if read_rss else 0
        if args.warmup > 0:
            run_clients(url, headers, ops, args.clients, args.warmup, args.seed + 1)
        t_start = time.monotonic()
        start_rss = read_rss() if read_rss else 0
        rec = run_clients(url, headers, ops, args.clients, args.seconds, args.seed)
        time.sleep(0.5)  # let the last responses be freed
        end_rss = read_rss() if read_rss else 0
        t_end = time.monotonic()
        if sampler is not None:
            sampler.stop()
        result: dict[str, Any] = {
            "url": url,
            "clients": args.clients,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "seed": args.seed,
            "max_growth_mb": args.max_growth_mb,
            **summarize(rec, args.seconds),
        }
        problems = []
        if result["server_errors"]:
            problems.append(f"{result['server_errors']} server errors")
        if not result["requests"]:
            problems.append("no request completed")
        if sampler is not None:
            during = [*sampler.between(t_start, t_end), start_rss, end_rss]
            result["rss_mb"] = {
                "ready": _mb(ready_rss),
                "start": _mb(start_rss),
                "peak": _mb(max(during)),
                "end": _mb(end_rss),
                "growth": _mb(end_rss - start_rss),
                "samples": len(during),
            }
            if end_rss == 0:
                problems.append("the server process is gone")
            elif (end_rss - start_rss) / (1024 * 1024) > args.max_growth_mb:
                problems.append(f"RSS grew by {_mb(end_rss - start_rss)} MB (bound {args.max_growth_mb} MB)")
        if server is not None and not server.alive():
            problems.append(f"the server exited ({server.returncode()})")
        result["problems"] = problems
        result["passed"] = not problems
        return result
    finally:
        if server is not None:
            server.stop()
            if args.keep and tmp is not None:
                print(f"server log and index kept in {tmp}", file=sys.stderr)
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    p.add_argument("--seconds", type=float, default=10.0, help="measured duration (default 10)")
    p.add_argument("--warmup", type=float, default=5.0, help="warm-up before measuring (default 5)")
    p.add_argument("--max-growth-mb", type=float, default=50.0, help="fail when RSS grows more (default 50)")
    p.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="documents to serve (copied)")
    p.add_argument("--url", help="drive this running server instead of starting one")
    p.add_argument("--pid", type=int, help="with --url: the server's process id, to sample its RSS")
    p.add_argument("--key", default=os.environ.get("RAG_LOAD_KEY"), help="API key (or RAG_LOAD_KEY)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the request mix")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument("--keep", action="store_true", help="keep the temporary index and server log")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args)
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
