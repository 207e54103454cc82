"""`rag ingest` killed with SIGKILL at random points, round after round, over ~150 files: after
every kill the active index is one whole generation, the previous one or the new one, never a mix
of both, and consistent; a final run completes. (tests/index/test_ingest.py kills one ingest at
one chosen point and simulates a crash in-process; this drives many random points.)"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from rag.index.generations import active_name, open_active
from tests.reliability.conftest import (
    assert_consistent,
    file_state,
    free_port,
    indexed_state,
    many_copies,
    rag_cli,
    server_env,
    write_copy,
)

COPIES = 150
ROUNDS = 8
#: The same kill points on every run; set FAULT_SEED to explore others.
SEED = int(os.environ.get("FAULT_SEED", "20261122"))


def _check(index: Path, allowed: list[dict[str, str]]) -> dict[str, str]:
    """The active generation is consistent and holds exactly one of the ``allowed`` file states."""
    gen = open_active(index)
    assert gen is not None, "no active generation after a kill"
    try:
        state = indexed_state(gen)
        assert state in allowed, (
            f"generation {gen.name} mixes states: {len(state)} files, "
            f"{sum(1 for k, v in state.items() if allowed[0].get(k) == v)} as before, "
            f"{sum(1 for k, v in state.items() if allowed[-1].get(k) == v)} as after"
        )
        assert gen.store.count_documents() == len(state)
        assert_consistent(gen)
        return state
    finally:
        gen.close()


def _mutate(corpus: Path, rng: random.Random, revisions: dict[int, int], next_copy: int) -> int:
    """Change 10-40 files, add 3, delete 2: the next ingest has real work to do."""
    alive = sorted(revisions)
    for i in rng.sample(alive, rng.randint(10, 40)):
        revisions[i] += 1
        write_copy(corpus, i, revisions[i])
    for _ in range(3):
        revisions[next_copy] = 0
        write_copy(corpus, next_copy)
        next_copy += 1
    for i in rng.sample(sorted(revisions), 2):
        del revisions[i]
        for p in corpus.glob(f"ban-sao-{i:04d}.*"):
            p.unlink()
    return next_copy


def test_ingest_killed_at_random_points_never_mixes_generations(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    corpus = tmp_path / "corpus"
    index = tmp_path / "index"
    many_copies(corpus, COPIES)
    env = server_env(index, corpus, free_port())
    revisions = dict.fromkeys(range(COPIES), 0)
    next_copy = COPIES

    t0 = time.monotonic()
    first = rag_cli(["ingest", "--quiet"], env, tmp_path)
    full_s = time.monotonic() - t0
    assert first.returncode == 0, first.stderr
    committed = _check(index, [file_state(corpus, tmp_path)])
    assert len(committed) == COPIES

    next_copy = _mutate(corpus, rng, revisions, next_copy)  # a timed incremental run
    t0 = time.monotonic()
    assert rag_cli(["ingest", "--quiet"], env, tmp_path).returncode == 0
    incremental_s = time.monotonic() - t0
    committed = _check(index, [file_state(corpus, tmp_path)])

    outcomes: list[str] = []
    for round_no in range(ROUNDS):
        next_copy = _mutate(corpus, rng, revisions, next_copy)
        target = file_state(corpus, tmp_path)
        rebuild = round_no % 2 == 1
        # Spread over the run, mostly past the imports and the scan: while rows stream into the new store.
        delay = rng.uniform(0.3, 1.05) * full_s if rebuild else rng.uniform(0.5, 1.1) * incremental_s
        before = active_name(index)
        dirs_before = {p.name for p in (index / "generations").iterdir()}
        args = [sys.executable, "-m", "rag.cli", "ingest", "--quiet", *(["--rebuild"] if rebuild else [])]
        proc = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
        try:
            proc.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the ingest and any worker it started
            proc.wait()
            killed = True
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        if not killed:
            assert proc.returncode == 0, stderr

        gens = {p.name for p in (index / "generations").iterdir()}
        now = active_name(index)
        if not killed:
            phase = "finished"
        elif now != before:
            phase = "killed after the switch"
        elif gens - dirs_before:
            phase = "killed while writing the new generation"
        else:
            phase = "killed before writing"
        outcomes.append(f"{'rebuild' if rebuild else 'ingest'} {delay:.2f}s: {phase}")

        state = _check(index, [committed, target])
        if not killed or now != before:
            assert state == target, phase
        committed = state

    final = rag_cli(["ingest", "--quiet"], env, tmp_path)
    assert final.returncode == 0, final.stderr
    expected = file_state(corpus, tmp_path)
    assert _check(index, [expected]) == expected
    assert [p.name for p in (index / "generations").iterdir()] == [active_name(index)]
    assert not list(index.glob("ACTIVE.tmp-*"))
    print(f"\ningest kill rounds (seed {SEED}, {len(expected)} files, full {full_s:.1f}s, "
          f"incremental {incremental_s:.1f}s):\n  " + "\n  ".join(outcomes))  # fmt: skip
    assert any(o.endswith("killed while writing the new generation") for o in outcomes), outcomes
