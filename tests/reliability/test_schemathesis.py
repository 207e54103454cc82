"""Schemathesis against the server's own OpenAPI spec, on loopback: requests generated from the
schema (valid and invalid: wrong types, missing fields, odd Unicode, huge numbers, bad multipart)
for every operation, with an admin key so that uploads are exercised too. No response may be a
server error. Bounded: a fixed number of examples per operation, a fixed seed, a time budget."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.serve import server as server_module
from rag.serve.security import ServeLimits
from rag.serve.server import create_app
from tests.serve.conftest import Running, make_app, serve_in_thread, stop

ADMIN = "admin-key-schemathesis-01"
MAX_EXAMPLES = 30
MAX_SECONDS = 45
#: Real document ids and section paths, used in part of the generated requests so that the document
#: and section routes are exercised past their 404 (the rest stays random); the right model name.
CONFIG = """
[dictionaries.doc_refs]
values = ["2395/UBND-KTTH", "2395-ubnd-ktth-20220520", "39/KH-UBND", "997/QĐ-UBND", "350", "quang-ngai-2022-cong-van-2395-UBND-KTTH-lien-ket-vung.md"]
[dictionaries.section_paths]
values = ["2/2.2/b", "2 > 2.2 > b", '["2", "2.2", "b"]', "Phần đầu", "Phụ lục/3", "Kính gửi", "III/2/-6"]
[dictionaries.models]
values = ["rag-vn-docs"]
[parameters]
"path.doc_ref" = { dictionary = "doc_refs", probability = 0.6 }
"path.section_path" = { dictionary = "section_paths", probability = 0.4 }
"body.model" = { dictionary = "models", probability = 0.7 }
"""


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    run = make_app(tmp_path_factory.mktemp("fuzz"), api_keys="user-key-schemathesis-01", admin_keys=ADMIN,
                   max_file_mb=1)  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(server_module, "_find_ui", lambda: None)
        api = create_app(
            run.app, limits=ServeLimits(rate_limit_per_min=0, max_request_kb=64, cors_origins="")
        )
    handle, port = serve_in_thread(api)
    run.url, run.port = f"http://127.0.0.1:{port}", port
    yield run
    stop(handle)


def test_no_server_error_for_any_generated_request(api_server: Running, tmp_path: Path) -> None:
    cli = Path(sys.executable).with_name("schemathesis")
    if not cli.exists():
        pytest.fail("schemathesis is not installed: pip install -e '.[test]'")
    report = tmp_path / "report.json"
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    args = [
        str(cli), "--config-file", str(config), "run", f"{api_server.url}/openapi.json",
        "--checks", "not_a_server_error",
        "--max-examples", str(MAX_EXAMPLES), "--max-time", str(MAX_SECONDS),
        "--seed", "20261122", "--generation-database", "none", "--workers", "1",
        "--header", f"Authorization: Bearer {ADMIN}",
        "--request-timeout", "30", "--phases", "examples,coverage,fuzzing",
        "--suppress-health-check", "all", "--no-color",
        "--report", "json", "--report-json-path", str(report), "--report-dir", str(tmp_path / "reports"),
    ]  # fmt: skip
    run = subprocess.run(
        args, capture_output=True, text=True, timeout=MAX_SECONDS + 120, cwd=tmp_path, check=False
    )
    output = run.stdout + run.stderr
    print(output[-3000:])
    assert run.returncode == 0, output[-6000:]
    assert "not_a_server_error" in output or report.exists()
    if report.exists():
        summary = json.loads(report.read_text())
        print(json.dumps(summary, ensure_ascii=False)[:1500])
    shutil.rmtree(api_server.corpus_dir / "uploads", ignore_errors=True)


@pytest.mark.parametrize(
    "path", ["[abc", "[1, 2", "[" * 3000 + "]" * 3000, "%5B%22a%22", "[{}]", "[]", "%00", "/"]
)
def test_malformed_section_paths_are_404_not_500(api_server: Running, path: str) -> None:
    """Found while giving the fuzzing real document ids (the random section paths rarely start with
    '['): a section path starting with '[' that is not JSON, or nested too deep, was a 500
    (JSONDecodeError, RecursionError in rag.cli.parse_section_ref)."""
    r = httpx.get(f"{api_server.url}/api/documents/2395%2FUBND-KTTH/sections/{path}",
                  headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)  # fmt: skip
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "answer", [{"citations": ["x"]}, {"citations": 5}, {"citations": "ab"}, {"citations": [None]}]
)
def test_malformed_feedback_answer_never_breaks_the_export(
    api_server: Running, answer: dict[str, object]
) -> None:
    """Also found by hand next to the fuzzing (it takes two requests in a row): one feedback row whose
    answer object has malformed citations made every later /api/feedback/export a 500."""
    with httpx.Client(base_url=api_server.url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30) as c:
        r = c.post("/api/feedback", json={"question": "q", "answer": answer, "verdict": "correct"})
        assert r.status_code == 201
        export = c.get("/api/feedback/export")
        assert export.status_code == 200, export.text
        assert f'"id": "fb{r.json()["id"]:05d}"' in export.text
