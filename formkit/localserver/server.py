"""The HTTP side of the local backend: ThreadingHTTPServer, request parsing, schema checks,
injected faults, call counting, and the LocalGoogle object that starts and stops it all.

Quiet by default (the CLI and tests own stderr); FORMKIT_SERVER_LOG=1 logs each request.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
import traceback
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .discovery import check_query, check_request, check_selection, method
from . import masks, routes
from .errors import ApiError, invalid_payload, not_found
from .faults import Calls, Faults
from .routing import Reply, Request, Route, json_reply
from .store import Store

_CONNECTION_ERRORS = (ConnectionError, TimeoutError, socket.timeout)


def _logging() -> bool:
    return os.environ.get("FORMKIT_SERVER_LOG", "") not in ("", "0")


class App:
    """What every request shares: the data, the faults waiting to fire, the call counts."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.faults = Faults()
        self.calls = Calls()
        self.issued_tokens: list[str] = []  # access tokens handed out by /token (oauth.py)
        self.bearers: list[str] = []  # Authorization headers seen on Google API calls

    def handle(self, route: Route, req: Request) -> Reply:
        try:
            selection = None
            if route.api_method:
                _check(route, req)
                selection = _selection(route, req)
            with self.store.transaction(write=req.method != "GET"):  # readers wait for no one
                result = route.handler(req)
            if isinstance(result, Reply):
                return result
            return json_reply(result if selection is None else masks.select(result, selection))
        except ApiError as exc:
            return json_reply(exc.body(), exc.code, exc.headers)
        except Exception:  # a bug here must not look like Google refusing: say INTERNAL, and why
            traceback.print_exc(file=sys.stderr)
            return json_reply(ApiError(500, "Internal error encountered.").body(), 500)


def _check(route: Route, req: Request) -> None:
    """Query and body against the method's discovery schema, as Google's front end does."""
    api, version = route.api
    violations = check_query(api, version, route.api_method, req.query)
    if violations:
        raise invalid_payload(violations)
    if "request" not in method(api, version, route.api_method):
        return
    try:
        req.json = json.loads(req.body.decode("utf-8")) if req.body.strip() else {}
    except ValueError as exc:
        raise ApiError(400, f"Invalid JSON payload received. {exc}.") from None
    violations = check_request(api, version, route.api_method, req.json)
    if violations:
        raise invalid_payload(violations)


def _selection(route: Route, req: Request) -> masks.Selection | None:
    """The partial response asked for with `fields`, checked against the method's response schema
    (Google refuses a name its response does not have); None for the whole response."""
    text = req.arg("fields") or ""
    if not text.strip():
        return None
    try:
        tree = masks.parse_selection(text)
    except ValueError as exc:
        raise ApiError(400, f"Invalid field selection {text}: {exc}") from None
    unknown = check_selection(*route.api, route.api_method, tree)
    if unknown:
        raise ApiError(400, f"Invalid field selection {unknown[0]}")
    return tree


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Google's front ends
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    app: App  # set on the per-server subclass

    def do_GET(self) -> None:
        try:
            self._serve()
        except _CONNECTION_ERRORS:
            self.close_connection = True  # the client went away (e.g. killed during a stall)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args) -> None:
        if _logging():
            super().log_message(format, *args)

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        body = self._read_body()
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        found = routes.find(self.command, parts.path)
        if found is None:
            error = not_found(f"The requested URL {parts.path} was not found on this server.")
            return self._send(json_reply(error.body(), 404))
        route, params = found
        fault = None if route.admin else self.app.faults.take(self.command, parts.path)
        if route.api_method:
            self.app.calls.count(route.counter, fault is not None)
            if self.headers.get("Authorization"):
                self.app.bearers.append(self.headers["Authorization"])
        if fault and fault.kind == "status":
            error = fault.error()
            return self._send(json_reply(error.body(), error.code, error.headers))
        if fault and fault.kind == "drop":
            return self._drop()
        req = Request(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True), self.headers, body,
                      f"http://{host}", self.app, {k: unquote(v) for k, v in params.items()})
        reply = self.app.handle(route, req)
        if fault and fault.kind == "drop_after":
            return self._drop()
        if fault and fault.kind == "stall_after":
            time.sleep(fault.seconds)
        self._send(reply)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                chunk = self.rfile.read(size + 2)[:size] if size else b""
                if not size:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(chunk)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _drop(self) -> None:
        """Close without a word, as a network failure would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 makes a burst of clients wait a second for a SYN retry

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], _CONNECTION_ERRORS) or _logging():
            super().handle_error(request, client_address)


class LocalGoogle:
    """The local backend: Forms v1, Sheets v4 and Drive v3 as formkit uses them, over HTTP.

        with LocalGoogle(tmp / "google.sqlite").start() as server:
            build("forms", "v1", client_options={"api_endpoint": server.base_url + "/"}, ...)
    """

    def __init__(self, db_path: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.db_path = Path(db_path)
        self.host, self.port = host, port
        self.app: App | None = None
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def _bind(self) -> _Server:
        if self._httpd is None:
            self.app = App(Store(self.db_path))
            handler = type("Handler", (_Handler,), {"app": self.app})
            self._httpd = _Server((self.host, self.port), handler)
        return self._httpd

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the local Google backend is not started")
        host, port = self._httpd.server_address[:2]
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        return f"http://{host}:{port}"

    def start(self) -> "LocalGoogle":
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            httpd = self._bind()
            self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="formkit-local-google", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the foreground until Ctrl-C."""
        try:
            self._bind().serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        if self._thread is not None:
            httpd.shutdown()
            self._thread.join()
            self._thread = None
        httpd.server_close()
        if self.app is not None:
            self.app.store.close()

    def __enter__(self) -> "LocalGoogle":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # For Python callers (tests, `formkit demo`): the same as the /formkit/v1/calls endpoints.
    def calls(self, faulted: bool = False) -> dict[str, int]:
        return self.app.calls.snapshot(faulted) if self.app else {}

    def reset_calls(self) -> None:
        if self.app:
            self.app.calls.reset()

    def add_fault(self, **spec) -> dict:
        """add_fault(method="POST", path=":batchUpdate$", kind="drop_after"): see faults.py."""
        self._bind()
        return asdict(self.app.faults.add(spec))
