"""Who may use the local backend, and how much.

Only the respondent pages (view, submit, confirmation) are public. Everything else — Google's
APIs and formkit's /formkit/v1/ endpoints — needs `Authorization: Bearer <token>`: the backend's
own token, kept owner-only next to its database (`api-token`, shown by `formkit serve
--show-token`), or one the OAuth /token endpoint issued to a configured client.

A citizen answers in minutes: per client address, submissions are limited by a token bucket.

Answers are taken only from the respondent page itself (from_own_page): a browser names the page
a form was posted from in `Origin` (every current browser on a POST, Zalo's in-app browser too), or
failing that in `Referer`. Another site's page posting to us is refused; so is `Origin: null`, which
a sandboxed frame on another site sends. A request with neither header is not a browser posting
from another site's page and is accepted (a script can forge any header; the per-address limit
is what bounds it).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

TOKEN_FILE = "api-token"

UNAUTHENTICATED = ("Request is missing required authentication credential. Expected OAuth 2 access token, "
                   "login cookie or other valid authentication credential.")
INVALID_TOKEN = "Request had invalid authentication credentials. Expected OAuth 2 access token."


def load_or_create_token(folder: Path) -> str:
    """The backend's API token: read from folder/api-token, or made and written 0600 on first use."""
    path = Path(folder) / TOKEN_FILE
    if path.is_file():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            os.chmod(path, 0o600)
            return token
    path.parent.mkdir(parents=True, exist_ok=True)
    token = "fk-" + secrets.token_urlsafe(32)
    tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.replace(tmp, path)
    return token


class Tokens:
    """The bearer tokens the API accepts: the backend's own, and those /token issued."""

    def __init__(self, own: str) -> None:
        self._lock = threading.Lock()
        self._valid = {own}

    def add(self, token: str) -> None:
        with self._lock:
            self._valid.add(token)

    def accepts(self, authorization: str | None) -> bool | None:
        """None without a credential, False for a wrong one, True for a good one."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        # As bytes: compare_digest refuses str with non-ASCII characters (a forged header may hold any).
        given = token.strip().encode("utf-8", "surrogateescape")
        with self._lock:
            return any(secrets.compare_digest(given, good.encode()) for good in self._valid)


def from_own_page(headers) -> bool:
    """Whether a POST comes from a page of this server: the host (and port) of its Origin, else of
    its Referer, is the one it was sent to (Host, or X-Forwarded-Host behind a proxy or a TLS
    tunnel, which is why the scheme is not compared). See the module's docstring."""
    origin = headers.get("Origin")
    source = origin if origin is not None else headers.get("Referer")
    if source is None:
        return True
    try:
        parts = urlsplit(source.strip())
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False  # "null", or something no browser sends
    seen = f"{parts.hostname}:{port or (443 if parts.scheme == 'https' else 80)}"
    values = [value for name in ("Host", "X-Forwarded-Host") for value in headers.get_all(name) or []]
    return any(seen == _host_port(host, parts.scheme) for value in values for host in value.split(",") if host.strip())


def _host_port(host: str, scheme: str) -> str:
    """'example.org' -> 'example.org:80' (':443' by the Origin's scheme); '[::1]:8765' -> '::1:8765'."""
    host = host.strip().lower()
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and (not name.startswith("[") or name.endswith("]")):
        return f"{name.strip('[]')}:{port}"
    return f"{host.strip('[]')}:{443 if scheme == 'https' else 80}"


class RateLimit:
    """A token bucket per client address: `burst` at once, then one every 60/per_minute seconds."""

    def __init__(self, per_minute: float, burst: int, clock=time.monotonic) -> None:
        self.per_second = per_minute / 60.0
        self.burst = burst
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, when)

    def allow(self, address: str) -> float:
        """0 if this request may go ahead, else the seconds until it may."""
        now = self._clock()
        with self._lock:
            tokens, when = self._buckets.get(address, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - when) * self.per_second)
            if tokens >= 1:
                self._buckets[address] = (tokens - 1, now)
                if len(self._buckets) > 10_000:  # forget the full buckets, not the busy ones
                    self._buckets = {a: b for a, b in self._buckets.items() if b[0] < self.burst - 1}
                return 0.0
            self._buckets[address] = (tokens, now)
            return (1 - tokens) / self.per_second


def lan_address() -> str:
    """This machine's address on its network (what phones would use), or 127.0.0.1 if none."""
    import socket

    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # a documentation address: nothing is sent
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def owner_only(path: Path) -> Path:
    """Make sure `path` exists and only its owner can read it (SQLite gives its -wal and -shm
    files the database's mode), before anything is written into it. formkit/files.py has the same
    helper: this package is a leaf that imports nothing of formkit, so it keeps its own copy."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    return path
