"""The HTTP side of the local backend: an HTTPServer whose connections wait for their request
heads in one thread and are answered by a fixed pool (connections.py), request parsing with size
and time limits, bearer-token checks (access.py), schema checks, and the LocalGoogle object that starts and
stops it all. Injected faults, call counts and back-dated submissions exist only on a backend
started with testing=True (tests, benchmarks, the demo's simulated citizens), never on one that
serves a network.

Quiet by default (the CLI and tests own stderr); FORMKIT_SERVER_LOG=1 logs each request.
"""

from __future__ import annotations

import io
import json
import os
import socket
import sys
import threading
import time
import traceback
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import cast
from urllib.parse import parse_qs, unquote, urlsplit

from . import connections, masks, pages, respondent, routes
from .access import (
    INVALID_TOKEN,
    UNAUTHENTICATED,
    RateLimit,
    Tokens,
    from_own_page,
    load_or_create_token,
    owner_only,
)
from .discovery import check_query, check_request, check_selection, method
from .errors import ApiError, invalid_payload, not_found
from .faults import Calls, Faults
from .ports import ExclusivePort
from .routing import Reply, Request, Route, json_reply
from .store import Store

_CONNECTION_ERRORS = (ConnectionError, TimeoutError, socket.timeout)
SUBMIT_BODY_LIMIT = 1 << 20  # a form submission: answers to a few dozen questions
API_BODY_LIMIT = 10 << 20  # Google API requests (a form's batchUpdate, a sheet's values)
SOCKET_TIMEOUT = 30.0  # seconds a read or write may take (the whole head and body have deadlines: connections.py)
SUBMITS_PER_MINUTE, SUBMIT_BURST = 10, 20  # per client address on the respondent page


class BadRequest(Exception):
    """A request that cannot be read (malformed framing, too large): answered, never a traceback."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class App:
    """What every request shares: the data, the faults waiting to fire, the call counts."""

    def __init__(self, store: Store, token: str, testing: bool = False, clients: dict[str, str] | None = None,
                 service_accounts: dict[str, str] | None = None, submit_limit: RateLimit | None = None) -> None:
        self.store = store
        self.testing = testing
        self.tokens = Tokens(token)
        self.clients = dict(clients or {})  # OAuth client_id -> client_secret that /token serves
        self.service_accounts = dict(service_accounts or {})  # client_email -> public key or certificate (PEM)
        self.submit_limit = submit_limit
        self.faults = Faults()
        self.calls = Calls()
        self.issued_tokens: list[str] = []  # access tokens handed out by /token (oauth.py)
        self.bearers: list[str] = []  # Authorization headers seen on Google API calls (testing only)

    def handle(self, route: Route, req: Request) -> Reply:
        try:
            selection = None
            if route.api_method:
                _check(route, req)
                selection = _selection(route, req)
            if req.method == "GET":
                with self.store.transaction(write=False):  # readers wait for no one
                    result = route.handler(req)
            else:
                result = self.store.write(lambda: route.handler(req))
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
    except RecursionError:  # Google's parser stops at 100 levels; Python's at about 1,000
        raise ApiError(400, "Invalid JSON payload received. Message too deep.") from None
    try:
        violations = check_request(api, version, route.api_method, req.json)
    except RecursionError:
        raise ApiError(400, "Invalid JSON payload received. Message too deep.") from None
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
    timeout = SOCKET_TIMEOUT  # a slow or silent client cannot hold a thread forever
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    app: App  # set on the per-server subclass

    leftover: bytes = b""

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the head and body are read through the deadline, not straight from the socket
        self.reader = _reading.reader
        self.rfile = io.BufferedReader(self.reader)

    def handle(self) -> None:
        """One request: a kept-alive connection waits for its next one in the Gatherer, not here."""
        self.close_connection = True
        self.handle_one_request()

    def finish(self) -> None:
        if not self.close_connection:
            self.reader.stopped = True  # what is buffered past this request, without waiting for more
            self.leftover = self.rfile.read() or b""
        super().finish()

    def do_GET(self) -> None:
        try:
            self._serve()
        except _CONNECTION_ERRORS:
            self.close_connection = True  # the client went away (e.g. killed during a stall)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args) -> None:
        if getattr(self.server, "log_requests", False):
            super().log_message(format, *args)

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        app = self.app
        address = cast("tuple[str, int]", self.server.server_address)  # an AF_INET server
        host = self.headers.get("Host") or "%s:%d" % address[:2]
        found = routes.find(self.command, parts.path)
        if found is not None and found[0].testing and not app.testing:
            found = None  # test-only machinery does not exist on a served backend
        if found is None:
            self._discard_body()
            error = not_found(f"The requested URL {parts.path} was not found on this server.")
            return self._send(json_reply(error.body(), 404))
        route, params = found
        if not route.public:
            accepted = app.tokens.accepts(self.headers.get("Authorization"))
            if not accepted:
                self._discard_body()
                error = ApiError(401, INVALID_TOKEN if accepted is False else UNAUTHENTICATED,
                                 headers={"WWW-Authenticate": 'Bearer realm="formkit-local-google"'})
                return self._send(json_reply(error.body(), 401, error.headers))
        if route.handler is respondent.submit and not from_own_page(self.headers):
            self._discard_body()
            return self._send(pages.cross_site())
        if route.handler is respondent.submit and app.submit_limit is not None:
            wait = app.submit_limit.allow(self.client_address[0])
            if wait:
                self._discard_body()
                return self._send(pages.too_many(wait))
        try:
            body = self._read_body(SUBMIT_BODY_LIMIT if route.public else API_BODY_LIMIT)
        except BadRequest as exc:
            self.close_connection = True
            return self._send(Reply(exc.status, f"{exc}\n".encode(), "text/plain; charset=utf-8"))
        fault = None
        if app.testing:
            fault = None if route.testing else app.faults.take(self.command, parts.path)
            if route.api_method:
                app.calls.count(route.counter, fault is not None)
                app.bearers.append(self.headers["Authorization"])
        if fault and fault.kind == "status":
            error = fault.error()
            return self._send(json_reply(error.body(), error.code, error.headers))
        if fault and fault.kind == "drop":
            return self._drop()
        if fault and fault.kind == "search_lag":
            return self._send(json_reply({"kind": "drive#fileList", "incompleteSearch": False, "files": []}))
        req = Request(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True), self.headers, body,
                      f"http://{host}", self.app, {k: unquote(v) for k, v in params.items()})
        reply = self.app.handle(route, req)
        if fault and fault.kind == "drop_after":
            return self._drop()
        if fault and fault.kind == "stall_after":
            time.sleep(fault.seconds)
        self._send(reply)

    def _read_body(self, limit: int) -> bytes:
        """The body, at most `limit` bytes; BadRequest for malformed framing or a larger body."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(1024).split(b";")[0].strip()
                try:
                    size = int(line, 16)
                except ValueError:
                    raise BadRequest(400, "Malformed chunk size.") from None
                if size < 0:
                    raise BadRequest(400, "Malformed chunk size.")
                total += size
                if total > limit:
                    raise BadRequest(413, f"Request body larger than {limit} bytes.")
                if not size:
                    self.rfile.readline(1024)
                    return b"".join(chunks)
                chunk = self.rfile.read(size + 2)
                if len(chunk) != size + 2 or chunk[size:] != b"\r\n":
                    raise BadRequest(400, "Malformed chunk.")
                chunks.append(chunk[:size])
        raw = (self.headers.get("Content-Length") or "0").strip()
        if not raw.isdigit() or not raw.isascii():
            raise BadRequest(400, "Malformed Content-Length.")
        length = int(raw)
        if length > limit:
            raise BadRequest(413, f"Request body larger than {limit} bytes.")
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise BadRequest(400, "Request body shorter than its Content-Length.")
        return body

    def _discard_body(self) -> None:
        """After answering without reading the body, the connection cannot be reused."""
        if self.headers.get("Content-Length", "0").strip() not in ("", "0") or self.headers.get("Transfer-Encoding"):
            self.close_connection = True

    def _send(self, reply: Reply) -> None:
        self.connection.settimeout(self.timeout)  # reading had the request's deadline; writing has its own
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        pieces = reply.body if isinstance(reply.body, list) else [reply.body]
        self.send_header("Content-Length", str(sum(len(piece) for piece in pieces)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        for piece in pieces:
            self.wfile.write(piece)

    def _drop(self) -> None:
        """Close without a word, as a network failure would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Server(ExclusivePort, HTTPServer):
    """Accepts connections and gives them to a Gatherer (connections.py): no thread is held by a
    connection until its request head is whole, and a fixed number of workers answer."""

    request_queue_size = 128  # socketserver's 5 makes a burst of clients wait a second for a SYN retry
    log_requests = False  # every request and every dropped connection on stderr (FORMKIT_SERVER_LOG=1)

    def server_activate(self) -> None:
        super().server_activate()
        # The handler's timeout (per read or write) also caps the whole head (tests make it short).
        handler = cast("type[_Handler]", self.RequestHandlerClass)
        self.gatherer = connections.Gatherer(self._dispatch, lambda: min(connections.HEAD_SECONDS, handler.timeout))

    def process_request(self, request, client_address) -> None:
        self.gatherer.add(request, client_address)

    def _dispatch(self, sock, address, data: bytes, deadline: float) -> bytes | None:
        """One request on a worker; the bytes read past it if the connection is kept alive, else None."""
        _reading.reader = connections.DeadlineReader(sock, data, deadline)
        handler = cast("type[_Handler]", self.RequestHandlerClass)(sock, address, self)
        return None if handler.close_connection else handler.leftover

    def server_close(self) -> None:
        gatherer = getattr(self, "gatherer", None)
        if gatherer is not None:
            gatherer.close()
        super().server_close()

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], _CONNECTION_ERRORS) or self.log_requests:
            super().handle_error(request, client_address)


_reading = threading.local()  # the DeadlineReader of the request a worker is about to handle

ENDPOINT_FILE = "endpoint"  # google/transport.py reads it


def _address(httpd: _Server) -> str:
    host, port = httpd.server_address[:2]
    host = host.decode() if isinstance(host, bytes) else host
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    return f"{host}:{port}"


class LocalGoogle:
    """The local backend: Forms v1, Sheets v4 and Drive v3 as formkit uses them, over HTTP.

        with LocalGoogle(tmp / "google.sqlite", testing=True).start() as server:
            build("forms", "v1", client_options={"api_endpoint": server.base_url + "/"},
                  credentials=Credentials(server.token), ...)

    The API token lives next to the database (api-token, 0600). testing=True adds faults, call
    counts and X-Formkit-Submit-Time, and lifts the respondent page's rate limit unless
    submit_rate=(per_minute, burst) is given. `clients` (client_id -> secret) and
    `service_accounts` (email -> PEM public key) are who the OAuth /token endpoint serves.
    """

    def __init__(self, db_path: Path, host: str = "127.0.0.1", port: int = 0, testing: bool = False,
                 clients: dict[str, str] | None = None, service_accounts: dict[str, str] | None = None,
                 submit_rate: tuple[float, int] | None = None, log_requests: bool = False,
                 announce: bool | str = False) -> None:
        self.db_path = Path(db_path)
        self.log_requests = log_requests
        self.announce = announce  # record the address (or this one) beside the data while serving
        self._announced = ""
        self.host, self.port = host, port
        self.testing = testing
        self.clients, self.service_accounts = clients, service_accounts
        if submit_rate is None and not testing:
            submit_rate = (SUBMITS_PER_MINUTE, SUBMIT_BURST)
        self.submit_rate = submit_rate
        self.token = load_or_create_token(self.db_path.parent)
        self.app: App | None = None
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def _bind(self) -> _Server:
        if self._httpd is None:
            limit = RateLimit(*self.submit_rate) if self.submit_rate else None
            store = Store(owner_only(self.db_path))
            respondent.prepare(store)
            self.app = App(store, self.token, self.testing, self.clients, self.service_accounts, limit)
            handler = type("Handler", (_Handler,), {"app": self.app})
            self._httpd = _Server((self.host, self.port), handler)
            self._httpd.log_requests = self.log_requests
        return self._httpd

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the local Google backend is not started")
        return f"http://{_address(self._httpd)}"

    def start(self) -> LocalGoogle:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            httpd = self._bind()
            # stop() waits for serve_forever's next poll: at 10 ms, stopping takes a few ms, not 50
            # (the test suite starts and stops a server for a hundred of its tests).
            self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01},
                                            name="formkit-local-google", daemon=True)
            self._thread.start()
            if self.announce:
                self.record_endpoint(self.announce if isinstance(self.announce, str) else None)
        return self

    @property
    def endpoint_file(self) -> Path:
        return self.db_path.parent / ENDPOINT_FILE

    def record_endpoint(self, url: str | None = None) -> None:
        """Where this backend answers (`url`: the address phones reach), beside its data: formkit run
        in the same workspace talks to it with no environment variable to set (google/transport.py
        reads the file); stop() removes it."""
        self._announced = url or self.base_url
        tmp = self.endpoint_file.with_name(f".{ENDPOINT_FILE}.{os.getpid()}.tmp")
        tmp.write_text(self._announced + "\n", encoding="utf-8")
        os.replace(tmp, self.endpoint_file)

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
        if self._announced and self.endpoint_file.is_file():
            if self.endpoint_file.read_text(encoding="utf-8").strip() == self._announced:
                self.endpoint_file.unlink(missing_ok=True)  # not another server's, started since
        if self._thread is not None:
            httpd.shutdown()
            self._thread.join()
            self._thread = None
        httpd.server_close()
        if self.app is not None:
            self.app.store.close()

    def __enter__(self) -> LocalGoogle:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # For Python callers (tests, `formkit demo`): the same as the /formkit/v1/calls endpoints.
    def calls(self, faulted: bool = False) -> dict[str, int]:
        return self.app.calls.snapshot(faulted) if self.app else {}

    def reset_calls(self) -> None:
        if self.app:
            self.app.calls.reset()

    def add_service_account(self, email: str, public_key_pem: str) -> None:
        """Let /token serve this service account (assertions signed by the matching private key)."""
        self.service_accounts = {**(self.service_accounts or {}), email: public_key_pem}
        if self.app is not None:
            self.app.service_accounts[email] = public_key_pem

    def add_fault(self, **spec) -> dict:
        """add_fault(method="POST", path=":batchUpdate$", kind="drop_after"): see faults.py."""
        if not self.testing:
            raise RuntimeError("faults exist only on a backend started with testing=True")
        self._bind()
        assert self.app is not None
        return asdict(self.app.faults.add(spec))
