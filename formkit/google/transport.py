"""One HTTP transport for all Google traffic: a requests session, the endpoint override, and the
bearer token that the local backend behind an override asks for.

google-api-python-client expects an httplib2-like object; httplib2 silently re-sends a request
when the connection drops before the answer, which could create a second form. requests does
not, so formkit hands the client this small adapter and decides about repeats itself (retry.py).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httplib2
import requests

from ..errors import CredentialsError, RemoteError, UsageError
from ..i18n import _
from ..settings import ENDPOINT_VARIABLE, TOKEN_VARIABLE, current

TOKEN_FILE = "api-token"  # the local backend's name for it (localserver/access.py)
ENDPOINT_FILE = "endpoint"  # where a running `formkit serve` says it listens (localserver/server.py)
TIMEOUT = (10, 120)  # connect, read (seconds)
GOOGLE_HOSTS = re.compile(r"^https://(sheets\.googleapis\.com|www\.googleapis\.com|forms\.googleapis\.com)")


def endpoint_override() -> str | None:
    """FORMKIT_GOOGLE_ENDPOINT=http://127.0.0.1:PORT (or the endpoint a `formkit serve` running in
    the workspace recorded) sends all Forms, Sheets and Drive traffic there."""
    settings = current()
    value = settings.google_endpoint
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise UsageError(_("{variable}={value!r} must look like http://127.0.0.1:8765").format(
            variable=settings.endpoint_source, value=value))
    return value.rstrip("/")


def recorded_endpoint(local_google_dir: Path) -> str | None:
    """The address a `formkit serve` running in this workspace recorded (local-google/endpoint),
    if it answers there: one left behind by a killed server is ignored."""
    try:
        value = (Path(local_google_dir) / ENDPOINT_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    parts = urlsplit(value)
    if parts.scheme != "http" or not _on_this_network(parts.hostname or ""):
        return None  # not what `formkit serve` writes
    try:
        socket.create_connection((parts.hostname, parts.port or 80), timeout=1).close()
    except (OSError, ValueError):
        return None  # the server stopped (killed, so it could not remove the file)
    return value


def _on_this_network(host: str) -> bool:
    """A file in the workspace may send traffic only to this machine or its local network."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_private
    except ValueError:
        return False


def require_answering(endpoint: str) -> None:
    """A stopped local backend fails at once: a refused connection to this machine is not
    something a retry cures, unlike a remote server that drops a connection now and then."""
    if _refused(endpoint):
        raise RemoteError(_("nothing answers at {endpoint} — start `formkit serve` or unset {variable}").format(
            endpoint=endpoint, variable=ENDPOINT_VARIABLE)) from None


def _refused(endpoint: str) -> bool:
    """A backend on this machine that does not take a connection (one elsewhere is given the benefit
    of the doubt)."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if not _is_loopback(host):
        return False
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        socket.create_connection((host, port), timeout=1).close()
    except (OSError, ValueError):
        return True
    return False


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
def endpoint_token(endpoint: str, token_dir: Path | None) -> str:
    """The bearer token for the local backend at `endpoint`: FORMKIT_GOOGLE_TOKEN (what `formkit
    serve --show-token` prints, for another machine), else the backend's owner-only token file in
    the workspace (local-google/api-token), which `formkit serve` on this machine writes."""
    value = current().google_token
    if value:
        return value
    path = Path(token_dir) / TOKEN_FILE if token_dir is not None else None
    if path is not None and path.is_file():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    raise CredentialsError(
        _("No token for the local backend at {endpoint}: run `formkit serve` in this workspace, or set "
          "{TOKEN_VARIABLE} to what `formkit serve --show-token` prints on the machine that serves it.").format(
                endpoint=endpoint, TOKEN_VARIABLE=TOKEN_VARIABLE))


def bearer(endpoint: str, token_dir: Path | None) -> dict[str, str]:
    """The Authorization header formkit's own calls to the local backend carry."""
    return {"Authorization": f"Bearer {endpoint_token(endpoint, token_dir)}"}


def rebase(url: str, endpoint: str | None) -> str:
    """Point a Google API URL at the override endpoint (gspread builds its URLs from constants)."""
    return GOOGLE_HOSTS.sub(endpoint, url) if endpoint else url


class SessionHttp:
    """The httplib2.Http interface google-api-python-client needs, over a requests session."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session

    def request(self, uri, method="GET", body=None, headers=None, redirections=None, connection_type=None):
        response = self.session.request(method, uri, data=body, headers=headers, timeout=TIMEOUT,
                                        allow_redirects=False)
        info = {k.lower(): v for k, v in response.headers.items()}
        info["status"] = str(response.status_code)
        return httplib2.Response(info), response.content

    def close(self) -> None:
        self.session.close()
