"""One HTTP transport for all Google traffic: a requests session, and the endpoint override.

google-api-python-client expects an httplib2-like object; httplib2 silently re-sends a request
when the connection drops before the answer, which could create a second form. requests does
not, so formkit hands the client this small adapter and decides about repeats itself (retry.py).
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from urllib.parse import urlsplit

import httplib2
import requests

from ..errors import RemoteError, UsageError
from ..i18n import _

ENDPOINT_VARIABLE = "FORMKIT_GOOGLE_ENDPOINT"
TIMEOUT = (10, 120)  # connect, read (seconds)
GOOGLE_HOSTS = re.compile(r"^https://(sheets\.googleapis\.com|www\.googleapis\.com|forms\.googleapis\.com)")


def endpoint_override() -> str | None:
    """FORMKIT_GOOGLE_ENDPOINT=http://127.0.0.1:PORT sends all Forms, Sheets and Drive traffic there."""
    value = os.environ.get(ENDPOINT_VARIABLE, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise UsageError(_("{variable}={value!r} must look like http://127.0.0.1:8765").format(
            variable=ENDPOINT_VARIABLE, value=value))
    return value.rstrip("/")


def require_answering(endpoint: str) -> None:
    """A stopped local backend fails at once: a refused connection to this machine is not
    something a retry cures, unlike a remote server that drops a connection now and then."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if not _is_loopback(host):
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        raise RemoteError(_("nothing answers at {endpoint} — start `formkit serve` or unset {variable}").format(
            endpoint=endpoint, variable=ENDPOINT_VARIABLE)) from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
