"""One typed settings object. Every field can be set by an environment variable RAG_<NAME>
(e.g. RAG_INDEX_DIR, RAG_EMBEDDING_MODEL) or a .env file; it is read when the app starts."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    # --- where things are
    corpus_dir: Path = Field(Path("corpus"), description="Folder of source documents indexed by default")
    index_dir: Path = Field(Path("index"), description="Generated index (never committed)")

    # --- parsing and chunking
    chunk_tokens: int = Field(512, ge=32, le=4096, description="Chunk budget in cl100k tokens")
    max_file_mb: int = Field(50, ge=1, description="Files larger than this are refused at ingest")
    ingest_workers: int = Field(
        2, ge=1, le=64, description="Processes that read, parse and chunk changed files during an ingest"
    )

    # --- dense retrieval
    embedding_model: str = Field(
        "intfloat/multilingual-e5-small",
        description="sentence-transformers model name or local folder; 'none' turns dense retrieval off",
    )
    embedding_query_prefix: str | None = Field(
        None, description="Prefix for queries; default 'query: ' for e5 models, '' otherwise"
    )
    embedding_passage_prefix: str | None = Field(
        None, description="Prefix for passages; default 'passage: ' for e5 models, '' otherwise"
    )
    embedding_batch_size: int = Field(32, ge=1, description="Texts per embedding batch")
    embedding_allow_download: bool = Field(
        False, description="Let sentence-transformers download the model from the hub when not cached"
    )
    chroma_url: str | None = Field(
        None, description="Use a 'chroma run' server (e.g. http://127.0.0.1:8000) instead of embedded Chroma"
    )
    chroma_collection_prefix: str = Field("chunks", description="Collection name prefix (one per model)")

    # --- retrieval
    top_k: int = Field(8, ge=1, le=100, description="Sections returned by retrieval")
    reranker_model: str | None = Field(None, description="Optional cross-encoder model name or folder")
    dense_weight: float = Field(
        0.3,
        ge=0,
        le=4,
        description="Weight of the dense ranking in reciprocal-rank fusion (BM25 has weight 1); "
        "measured in eval/README.md — use 0 with a model that does not know Vietnamese",
    )

    # --- LLM (any OpenAI-compatible server)
    llm_base_url: str | None = Field(
        None, description="e.g. http://127.0.0.1:8000/v1 (vLLM, Ollama, llama.cpp)"
    )
    llm_model: str | None = Field(None, description="Model name on that server")
    llm_api_key: str | None = Field(None, description="API key for the LLM server")
    llm_timeout_s: float = Field(
        30.0, gt=0, description="Give up on the LLM after this long and answer extractively"
    )
    llm_context_tokens: int = Field(3000, ge=256, description="Token budget for sources in the LLM prompt")

    # --- serving
    host: str = Field("127.0.0.1", description="Address the server listens on")
    port: int = Field(7860, ge=1, le=65535, description="Port of the API + UI server")
    api_keys: str = Field("", description="Comma-separated API keys; empty means no auth")
    admin_keys: str = Field("", description="Comma-separated admin keys (upload, re-index)")
    rate_limit_per_min: int = Field(
        120, ge=0, description="Requests per minute per API key (per address without keys); 0: no limit"
    )
    max_request_kb: int = Field(1024, ge=1, description="Largest request body of the JSON routes, in KB")
    cors_origins: str = Field("", description="Comma-separated origins allowed by CORS; empty: CORS off")

    @property
    def dense_enabled(self) -> bool:
        return self.embedding_model.strip().lower() not in ("", "none", "off")
