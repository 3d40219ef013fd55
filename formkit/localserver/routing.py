"""What a handler sees (Request) and gives back (Reply, or a dict answered as JSON), and the
Route that ties a URL to a handler and, for Google's APIs, to the discovery method whose schema
checks the request and whose name counts the call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from .server import App

VERSIONS = {"forms": "v1", "sheets": "v4", "drive": "v3"}


@dataclass
class Request:
    method: str
    path: str  # as sent, still percent-encoded, without the query
    query: dict[str, list[str]]
    headers: Any  # email.message.Message: case-insensitive
    body: bytes
    base_url: str  # from the Host header, so links are right on any port
    app: App
    params: dict[str, str] = field(default_factory=dict)  # path parameters, decoded
    json: Any = None  # the body, parsed and checked against the discovery schema

    @property
    def store(self):
        return self.app.store

    @overload
    def arg(self, name: str, default: str) -> str: ...

    @overload
    def arg(self, name: str, default: None = None) -> str | None: ...

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def flag(self, name: str) -> bool:
        return (self.arg(name) or "").lower() in ("true", "1")


@dataclass
class Reply:
    status: int = 200
    body: bytes | list[bytes] = b""  # a list is sent piece by piece, never joined (a listing: 13 MB)
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Reply(status, body, headers=headers or {})


def html_reply(text: str, status: int = 200) -> Reply:
    return Reply(status, text.encode("utf-8"), "text/html; charset=utf-8")


Handler = Callable[[Request], "Reply | dict"]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler
    api_method: str = ""  # discovery id, e.g. "forms.forms.batchUpdate"; "" outside Google's APIs
    admin: bool = False  # formkit's own endpoints: never counted; faults reach only the link endpoint
    public: bool = False  # answered without a bearer token (respondent pages, OAuth /token)
    testing: bool = False  # exists only on a backend started with testing=True

    @property
    def api(self) -> tuple[str, str]:
        name = self.api_method.split(".")[0]
        return name, VERSIONS[name]

    @property
    def counter(self) -> str:
        """The name calls are counted under: forms.create, sheets.spreadsheets.values.batchGet, ..."""
        return self.api_method.replace("forms.forms.", "forms.", 1)


def route(method: str, path: str, handler: Handler, api_method: str = "", admin: bool = False,
          public: bool = False, testing: bool = False) -> Route:
    """A route for a path template whose {name} parts match one id, and {name+} anything."""
    regex = ""
    for part in re.split(r"(\{\w+\+?\})", path):
        name = part.strip("{}+")
        if not part.startswith("{"):
            regex += re.escape(part)
        else:
            regex += f"(?P<{name}>.+)" if part.endswith("+}") else f"(?P<{name}>[A-Za-z0-9_.%-]+)"
    return Route(method, re.compile(regex), handler, api_method, admin or testing, public, testing)
