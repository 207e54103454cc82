"""`rag serve`: the API, the OpenAI-compatible endpoint, the MCP server and the UI in one process."""

from __future__ import annotations

import logging

import click

from rag.app import App
from rag.index.generations import IndexCorrupt, IngestBusy
from rag.settings import Settings

HELP = """Serve the web UI and the HTTP API in one process.

\b
  UI              http://HOST:PORT/
  API docs        http://HOST:PORT/docs
  OpenAI-compat.  http://HOST:PORT/v1   (model "rag-vn-docs")
  MCP             http://HOST:PORT/mcp  (streamable HTTP; tools search, ask)

Before serving, RAG_CORPUS_DIR is indexed (idempotent: only new, changed or removed files are
processed; --no-ingest skips it). Set RAG_API_KEYS (and RAG_ADMIN_KEYS
for uploads) to require 'Authorization: Bearer KEY'.

One worker: a process holds one embedded Chroma client, which must not be shared between
processes. Several workers (`uvicorn --factory rag.serve.server:from_env --workers N
--http h11`) need a Chroma server (`chroma run --path index/chroma`) and RAG_CHROMA_URL; rate
limits and MCP sessions are then per worker.

\b
Examples:
  rag serve
  RAG_API_KEYS=k1,k2 RAG_ADMIN_KEYS=adm rag serve --port 8080
"""


#: Largest request line + headers `rag serve` accepts (h11 answers 400 above it).
MAX_HEAD_BYTES = 16 * 1024


def _prepare(app: App, ingest: bool) -> None:
    """Bring the index up to date with the corpus before serving. Ingest is idempotent: an
    unchanged corpus costs a fraction of a second; new, changed or removed files (and a parser
    upgrade) are applied, and an empty index is built."""
    try:
        gen = app.generation()
    except IndexCorrupt as exc:
        raise click.ClickException(str(exc)) from exc
    if not ingest:
        return
    corpus = app.settings.corpus_dir
    if not corpus.is_dir():
        if gen is None:
            click.echo(
                f"The index is empty and {corpus} does not exist: upload documents with POST /api/documents."
            )
        return
    click.echo(f"Indexing {corpus} ..." if gen is None else f"Checking {corpus} for changes ...")
    try:
        report = app.ingestor(progress=True).run([corpus])
    except (IngestBusy, IndexCorrupt) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(report.summary())


def _banner(app: App, host: str, port: int) -> None:
    s = app.settings
    base = f"http://{host}:{port}"
    dense = "on" if app.embedder is not None else "OFF"
    llm = (
        f"on ({s.llm_model} at {s.llm_base_url})"
        if s.llm_base_url and s.llm_model
        else "off (extractive answers)"
    )
    keys = len([k for k in s.api_keys.split(",") if k.strip()])
    auth = f"on ({keys} API keys)" if keys else "off: anyone who can reach this address can use the API"
    click.echo(
        f"\n  UI        {base}/\n  API docs  {base}/docs\n  OpenAI    {base}/v1   (model rag-vn-docs)\n"
        f"  MCP       {base}/mcp\n\n  Dense retrieval: {dense}. {app.dense_note}\n  LLM: {llm}\n  API keys: {auth}\n"
    )


@click.command("serve", help=HELP)
@click.option("--host", default=None, help="Address to listen on (RAG_HOST, default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (RAG_PORT, default 7860).")
@click.option(
    "--no-ingest", is_flag=True, help="Serve the index as it is, without syncing it with the corpus."
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="Server log level.",
)
def serve_command(host: str | None, port: int | None, no_ingest: bool, log_level: str) -> None:
    import uvicorn

    from rag.serve.server import create_app

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    app = App.from_settings(settings)
    _prepare(app, ingest=not no_ingest)
    _banner(app, settings.host, settings.port)
    # h11 rather than httptools: h11 refuses a request line + headers over 16 KB, httptools buffers
    # headers of any size (a client could fill the memory); bodies are limited by SecurityMiddleware.
    uvicorn.run(create_app(app), host=settings.host, port=settings.port, workers=1, log_level=log_level,
                http="h11", h11_max_incomplete_event_size=MAX_HEAD_BYTES)  # fmt: skip
