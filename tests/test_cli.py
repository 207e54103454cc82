"""The `rag` command: ingest, docs and show, in-process with click's CliRunner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from rag.cli import main
from tests.conftest import CORPUS, FILES


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("cli")
    return {
        "RAG_INDEX_DIR": str(base / "index"),
        "RAG_CORPUS_DIR": str(CORPUS),
        "RAG_EMBEDDING_MODEL": "none",
    }


def _rag(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def ingest_result(cli_env: dict[str, str]) -> dict[str, Any]:
    result = _rag(cli_env, "ingest", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_ingest_json(ingest_result: dict[str, Any]) -> None:
    for field in ("documents", "chunks", "skipped", "failed", "seconds", "added", "generation", "dense"):
        assert field in ingest_result
    assert ingest_result["documents"] == 5
    assert ingest_result["chunks"] > 100
    assert ingest_result["skipped"] == [] and ingest_result["failed"] == []
    assert isinstance(ingest_result["seconds"], float) and ingest_result["seconds"] >= 0
    assert ingest_result["dense"] is False and ingest_result["changed"] is True


def test_ingest_again_text_summary(cli_env: dict[str, str], ingest_result: dict[str, Any]) -> None:
    result = _rag(cli_env, "ingest", "--quiet")
    assert result.exit_code == 0
    assert "5 documents" in result.stdout and "No changes: the index is up to date." in result.stdout


def test_docs_json(cli_env: dict[str, str], ingest_result: dict[str, Any]) -> None:
    result = _rag(cli_env, "docs", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == 5
    for row in rows:
        for field in (
            "id",
            "number",
            "type",
            "issuer",
            "issued_date",
            "title",
            "signer",
            "source",
            "sections",
            "chunks",
        ):
            assert field in row, field
        assert row["sections"] > 0 and row["chunks"] > 0
    assert sum(r["chunks"] for r in rows) == ingest_result["chunks"]
    by_id = {r["id"]: r for r in rows}
    cv = by_id["2395-ubnd-ktth-20220520"]
    assert (cv["number"], cv["type"], cv["issuer"], cv["issued_date"]) == (
        "2395/UBND-KTTH", "Công văn", "UBND tỉnh Quảng Ngãi", "2022-05-20",
    )  # fmt: skip
    assert cv["signer"] == {"name": "Đặng Văn Minh", "position": "Chủ tịch", "authority": None}
    assert cv["source"].endswith(FILES["2395/UBND-KTTH"].name)
    plan = by_id["25-qd-ubnd-20140108-ke-hoach"]
    assert plan["number"] is None and plan["cite_number"] == "25/QĐ-UBND"
    # Newest first.
    assert [r["issued_date"] for r in rows] == sorted((r["issued_date"] for r in rows), reverse=True)


def test_docs_text(cli_env: dict[str, str], ingest_result: dict[str, Any]) -> None:
    result = _rag(cli_env, "docs")
    assert result.exit_code == 0
    assert "2395/UBND-KTTH" in result.stdout and "id=997-qd-ubnd-20170529" in result.stdout


def test_show_tree(cli_env: dict[str, str], ingest_result: dict[str, Any]) -> None:
    result = _rag(cli_env, "show", "2395/UBND-KTTH")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Công văn 2395/UBND-KTTH — V/v triển khai thực hiện")
    assert any(line.startswith("2 ") for line in lines)
    assert any(line.startswith("  2.2 ") and "Ban Quản lý Khu kinh tế Dung Quất" in line for line in lines)
    assert any(line.startswith("    b ") for line in lines)
    assert any(line.startswith("Đoạn kết") for line in lines)


def test_show_section(cli_env: dict[str, str], ingest_result: dict[str, Any]) -> None:
    result = _rag(cli_env, "show", "2395/UBND-KTTH", "2/2.2/b")
    assert result.exit_code == 0
    assert "tuyến container" in result.stdout
    first = result.stdout.splitlines()[0]
    assert first == (
        "[điểm b mục 2.2] điểm b mục 2.2 Công văn số 2395/UBND-KTTH ngày 20/5/2022 của UBND tỉnh Quảng Ngãi"
    )


@pytest.mark.parametrize("ref", ["2395/ubnd-ktth", "2395-ubnd-ktth-20220520", FILES["2395/UBND-KTTH"].name])
def test_show_resolves_number_id_and_file_name(
    cli_env: dict[str, str], ingest_result: dict[str, Any], ref: str
) -> None:
    result = _rag(cli_env, "show", ref, "2 > 2.2 > b", "--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["doc_id"] == "2395-ubnd-ktth-20220520"
    assert payload["section_path"] == ["2", "2.2", "b"]
    assert "tuyến container" in payload["text"]


def test_show_table_row(cli_env: dict[str, str], ingest_result: dict[str, Any]) -> None:
    result = _rag(cli_env, "show", "39/KH-UBND", '["Phụ lục", "3"]', "--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["record"]["Đơn vị chủ trì/Thực hiện"] == "Sở Giao thông vận tải"
    assert payload["label"].startswith("dòng 3 Phụ lục Kế hoạch số 39/KH-UBND")


def test_show_unknown_document(cli_env: dict[str, str], ingest_result: dict[str, Any]) -> None:
    result = _rag(cli_env, "show", "9999/XX-YY")
    assert result.exit_code != 0
    assert "No document '9999/XX-YY'" in result.output and "rag docs" in result.output


def test_show_unknown_section_suggests(cli_env: dict[str, str], ingest_result: dict[str, Any]) -> None:
    result = _rag(cli_env, "show", "2395/UBND-KTTH", "2.2/b")
    assert result.exit_code != 0
    assert "No section 2.2/b" in result.output and "2/2.1/b" in result.output


def test_commands_without_index(tmp_path: Path) -> None:
    env = {
        "RAG_INDEX_DIR": str(tmp_path / "none"),
        "RAG_CORPUS_DIR": str(CORPUS),
        "RAG_EMBEDDING_MODEL": "none",
    }
    for args in (["docs"], ["show", "2395/UBND-KTTH"]):
        result = _rag(env, *args)
        assert result.exit_code != 0
        assert "run `rag ingest` first" in result.output


def test_ingest_corrupted_index_message(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    (index / "ACTIVE").write_text("not json")
    env = {"RAG_INDEX_DIR": str(index), "RAG_CORPUS_DIR": str(CORPUS), "RAG_EMBEDDING_MODEL": "none"}
    result = _rag(env, "ingest", "--quiet")
    assert result.exit_code != 0 and "rag ingest --rebuild" in result.output
    result = _rag(env, "docs")
    assert result.exit_code != 0 and "rag ingest --rebuild" in result.output
    assert _rag(env, "ingest", "--quiet", "--rebuild").exit_code == 0
    assert _rag(env, "docs").exit_code == 0


def test_ingest_only_bad_files_exits_3(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    env = {
        "RAG_INDEX_DIR": str(tmp_path / "index"),
        "RAG_CORPUS_DIR": str(corpus),
        "RAG_EMBEDDING_MODEL": "none",
    }
    result = _rag(env, "ingest", "--json")
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert report["documents"] == 0 and report["failed"][0]["reason"].startswith("empty")


def test_ingest_explicit_paths(tmp_path: Path) -> None:
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(FILES["39/KH-UBND"], one / "39.txt")
    env = {
        "RAG_INDEX_DIR": str(tmp_path / "index"),
        "RAG_CORPUS_DIR": str(CORPUS),
        "RAG_EMBEDDING_MODEL": "none",
    }
    result = _rag(env, "ingest", "--json", str(one))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["documents"] == 1
