"""API keys, admin keys, per-key rate limits and request size limits, as one ASGI middleware.

Only /api, /v1 and /mcp are guarded; /api/health, the OpenAPI docs and the UI stay open. Keys are
compared in constant time against every configured key and never logged: a client is identified
in logs, rate buckets and feedback rows by a short hash of its key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import threading
import time
from dataclasses import dataclass

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.settings import Settings

GUARDED_PREFIXES = ("/api", "/v1", "/mcp")
OPEN_PATHS = frozenset({"/api/health"})
UPLOAD_ROUTE = ("POST", "/api/documents")
_MB = 1024 * 1024


class ServeLimits(BaseSettings):
    """Serving limits. Read from RAG_* variables until rag/settings.py carries these fields."""

    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    rate_limit_per_min: int = Field(
        default=120,
        ge=0,
        description="Requests per minute per API key (per address without keys); 0: no limit",
    )
    max_request_kb: int = Field(
        default=1024, ge=1, description="Largest request body of the JSON routes, in KB"
    )
    cors_origins: str = Field(
        default="", description="Comma-separated origins allowed by CORS; empty: CORS off"
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> ServeLimits:
        """Fields present on Settings win; the others come from the environment."""
        env = cls()
        values = {name: getattr(settings, name, getattr(env, name)) for name in cls.model_fields}
        return cls.model_validate(values)


def _split(keys: str) -> list[str]:
    return [k.strip() for k in keys.split(",") if k.strip()]


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class KeyRing:
    """A set of keys checked in constant time: every key is compared, equal-length digests only."""

    def __init__(self, keys: str) -> None:
        self._digests = [_digest(k) for k in _split(keys)]

    def __bool__(self) -> bool:
        return bool(self._digests)

    def match(self, token: str | None) -> bool:
        if token is None:
            return False
        probe = _digest(token)
        found = False
        for d in self._digests:
            found |= hmac.compare_digest(probe, d)
        return found


@dataclass(frozen=True)
class Principal:
    """Who is calling. ``client`` is a key hash or an address, safe to log."""

    client: str
    user: bool
    admin: bool


class TokenBucket:
    """Per-client token buckets: ``per_min`` requests of burst, refilled continuously."""

    MAX_CLIENTS = 10_000

    def __init__(self, per_min: int) -> None:
        self.capacity = float(per_min)
        self.rate = per_min / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before the next one."""
        if self.capacity <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            if len(self._buckets) > self.MAX_CLIENTS:  # forget clients whose bucket has refilled
                full = [
                    c
                    for c, (t, last) in self._buckets.items()
                    if t + (now - last) * self.rate >= self.capacity
                ]
                for c in full:
                    del self._buckets[c]
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()


async def send_error(
    send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> None:
    body = error_body(code, message)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def principal_of(scope: Scope) -> Principal:
    """The caller of a request that went through :class:`SecurityMiddleware`."""
    found = scope.get("state", {}).get("principal")
    return found if isinstance(found, Principal) else Principal("anonymous", user=True, admin=False)


def admin_refusal(settings: Settings, caller: Principal, *, open_without_keys: bool) -> str | None:
    """Why ``caller`` may not use an admin route, or None when it may. With ``open_without_keys``,
    a server without any keys lets everyone through (it listens on the loopback by default);
    uploads are never open, as any web page could post a form to a local server."""
    no_keys = not (settings.api_keys.strip() or settings.admin_keys.strip())
    if caller.admin or (open_without_keys and no_keys):
        return None
    if not settings.admin_keys.strip():
        return (
            "This needs an admin key and none is configured: set RAG_ADMIN_KEYS on the server "
            "and send 'Authorization: Bearer <admin key>'."
        )
    return "This needs an admin key (RAG_ADMIN_KEYS); the key you sent is not one."


def _guarded(path: str) -> bool:
    return path not in OPEN_PATHS and any(path == p or path.startswith(p + "/") for p in GUARDED_PREFIXES)


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


class SecurityMiddleware:
    """Authentication (Bearer keys), rate limit and body size limit for the guarded routes."""

    def __init__(self, app: ASGIApp, *, settings: Settings, limits: ServeLimits) -> None:
        self.app = app
        self.settings = settings
        self.users = KeyRing(settings.api_keys)
        self.admins = KeyRing(settings.admin_keys)
        self.bucket = TokenBucket(limits.rate_limit_per_min)
        self.json_limit = limits.max_request_kb * 1024
        self.upload_limit = settings.max_file_mb * _MB + _MB  # the file plus the multipart envelope
        self.max_file_mb = settings.max_file_mb

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _guarded(scope["path"]):
            await self.app(scope, receive, send)
            return
        token = _bearer(scope["headers"])
        admin = self.admins.match(token)
        user = admin or self.users.match(token)
        if self.users and not user:
            message = (
                "Missing API key: send the header 'Authorization: Bearer <key>' (keys are set with RAG_API_KEYS)."
                if token is None
                else "Invalid API key: check the key you send in 'Authorization: Bearer <key>'."
            )
            await send_error(send, 401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})
            return
        client = (
            "key-" + hashlib.sha256(token.encode()).hexdigest()[:10] if user and token else _address(scope)
        )
        wait = self.bucket.take(client)
        if wait > 0:
            rate = f"{self.bucket.capacity:.0f} requests per minute"
            await send_error(
                send,
                429,
                "rate_limited",
                f"Too many requests ({rate}); retry in {math.ceil(wait)} s.",
                {"Retry-After": str(math.ceil(wait))},
            )
            return
        caller = Principal(client, user=user or not self.users, admin=admin)
        scope.setdefault("state", {})["principal"] = caller
        upload = (scope["method"], scope["path"]) == UPLOAD_ROUTE
        if upload and (refusal := admin_refusal(self.settings, caller, open_without_keys=False)):
            await send_error(send, 403, "forbidden", refusal)  # before a large body is read
            return
        limit = self.upload_limit if upload else self.json_limit
        if upload:
            too_large = f"The upload is over RAG_MAX_FILE_MB={self.max_file_mb} MB; split the document or raise the limit."
        else:
            too_large = f"The request body is over {limit // 1024} KB; send less or raise RAG_MAX_REQUEST_KB."
        declared = _content_length(scope["headers"])
        if declared is not None and declared > limit:
            await send_error(send, 413, "payload_too_large", too_large)
            return
        await self.app(scope, _limited(receive, limit, too_large), send)


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return f"addr-{client[0]}" if client else "addr-unknown"


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _limited(receive: Receive, limit: int, message: str) -> Receive:
    """A receive that stops a streamed (chunked) body once it passes ``limit`` bytes."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        msg = await receive()
        if msg["type"] == "http.request":
            seen += len(msg.get("body", b""))
            if seen > limit:
                raise HTTPException(413, detail=message)
        return msg

    return wrapped
