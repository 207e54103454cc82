"""The scale-corpus generator: deterministic by seed, fast, and never answering a gold question in
place of its gold document."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from rag.bench.generator import (
    GENERIC_FACTS,
    Fact,
    Generator,
    SafetyCheck,
    _words,
    fold_bytes,
    generate_corpus,
    names_its_document,
    verify_corpus,
)
from rag.documents.parser import parse_document
from rag.text.normalize import fold
from tests.conftest import CORPUS, FILES

GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold.jsonl"
GOLD_NUMBERS = {n.split("/")[0] for n in FILES}


@pytest.fixture(scope="module")
def generator() -> Generator:
    return Generator(CORPUS, GOLD, seed=11)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.txt"))}


def test_same_seed_same_corpus_other_seed_other_corpus(tmp_path: Path) -> None:
    a = generate_corpus(CORPUS, GOLD, 24, 5, tmp_path / "a")
    b = generate_corpus(CORPUS, GOLD, 24, 5, tmp_path / "b")
    c = generate_corpus(CORPUS, GOLD, 24, 6, tmp_path / "c")
    fa, fb, fc = _files(a.docs_dir), _files(b.docs_dir), _files(c.docs_dir)
    assert len(fa) == 24 and fa == fb
    assert fa != fc
    assert a.root == tmp_path / "a" / "24-5" and (a.root / "manifest.json").is_file()
    # Document i does not depend on how many are generated, nor on the worker split.
    d = generate_corpus(CORPUS, GOLD, 30, 5, tmp_path / "d")
    assert {k: v for k, v in _files(d.docs_dir).items() if k in fa} == fa


def test_existing_corpus_is_reused(tmp_path: Path) -> None:
    first = generate_corpus(CORPUS, GOLD, 6, 3, tmp_path)
    again = generate_corpus(CORPUS, GOLD, 6, 3, tmp_path)
    assert (first.reused, again.reused) == (False, True)
    assert again.manifest["documents"] == 6 and again.manifest["complete"] is True


def test_every_generated_document_is_answer_safe(tmp_path: Path) -> None:
    corpus = generate_corpus(CORPUS, GOLD, 80, 2, tmp_path)
    assert verify_corpus(corpus.root, GOLD) == []
    safety = corpus.manifest["safety"]
    assert safety["checked_documents"] == 80
    assert set(safety["generic_facts_present"]) <= GENERIC_FACTS
    # The brief's rule, spelled out: no answerable question's key facts together with its gold number.
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in corpus.docs_dir.rglob("*.txt"):
        text = fold(path.read_text(encoding="utf-8")).lower()
        for q in gold:
            if not q["answerable"]:
                continue
            numbers = [fold(g["doc_number"]).lower() for g in q["gold"]]
            facts = [fold(f).lower() for f in q["key_facts"]]
            assert not (any(n in text for n in numbers) and all(f in text for f in facts)), (
                path.name,
                q["id"],
            )


def test_the_check_catches_real_documents_and_key_facts() -> None:
    check = SafetyCheck.from_gold(GOLD)
    for path in FILES.values():  # as the generator writes text: normalized (no markdown emphasis)
        text = parse_document(path.read_text(encoding="utf-8"), source=path.name, content_hash="").text
        found = check.violations(text)
        assert any("gold document number" in v for v in found), path.name
    assert any("Sở Tài chính" in v for v in check.violations("Giao Sở Tài chính chủ trì thẩm tra."))
    # Word boundaries: a number never matches inside a longer number.
    fact = Fact.of("125MW")
    folded = fold_bytes("công suất 1125MW và 125 MW")
    assert not fact.found_in(folded, _words(folded))
    assert Fact.of("125MW").found_in(fold_bytes("đạt 125MW."), _words(fold_bytes("đạt 125MW.")))


def test_generated_documents_parse_and_keep_no_gold_number(generator: Generator) -> None:
    for i in range(10):
        doc = generator.document(i)
        assert doc.text.strip() and doc.attempts >= 1
        parsed = parse_document(doc.text, source=f"gen-{i}.txt", content_hash=str(i))
        assert parsed.sections, i
        assert parsed.cite_number is not None
        assert parsed.cite_number.split("/")[0] not in GOLD_NUMBERS
        assert "Quảng Ngãi" not in doc.text and "Dung Quất" not in doc.text


def test_questions_that_name_no_document_lose_their_passages(generator: Generator) -> None:
    assert names_its_document("Công văn 2395 giao việc gì?", GOLD_NUMBERS)
    assert names_its_document("Who is responsible for the container route at Dung Quat port?", GOLD_NUMBERS)
    assert names_its_document("Sàn giao dịch việc làm năm 2014 do ai tổ chức?", GOLD_NUMBERS)
    assert not names_its_document(
        "ai tham tra du toan kinh phi hang nam thuc hien ke hoach hoi nhap quoc te", GOLD_NUMBERS
    )
    assert "q021" in generator.dropped
    assert any("q021" in qids for qids, _ in generator.check.needles)


def test_generation_is_fast(generator: Generator) -> None:
    t0 = time.perf_counter()
    for i in range(100, 300):
        generator.document(i)
    per_doc = (time.perf_counter() - t0) / 200
    assert per_doc < 0.05, f"{per_doc * 1000:.1f} ms per document"
