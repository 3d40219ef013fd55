"""The counter server: the tablet page and its small JSON API over the commune's own network,
answers written straight into the workspace's response store.

Bounded: at most MAX_CONNECTIONS requests at once (others wait in the listen queue), SOCKET_TIMEOUT
seconds to send a request or read the answer, bodies of BODY_LIMIT bytes at most. One writer
thread owns the store (writer.py): handlers hand it their ratings and wait until they are
committed, so an acknowledged rating is a stored one.

  GET  /                 the page (static/index.html, kiosk.css, kiosk.js; nothing from the internet)
  POST /api/pair         {code} → {token, config}                  a pairing code typed on the tablet
  GET  /api/config       → {counter, questions, officer, …}        Authorization: Bearer <token>
  POST /api/officer      {pin} → config                            staff change who is serving
  POST /api/ratings      {ratings: [...]} → {acked, rejected}      each rating once (tablet-made ids)
"""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..errors import StoreBusyError
from ..responses.store import VIETNAM
from ..workspace.config import Workspace
from ..workspace.templates import Template, load_template
from . import limits
from .ratings import Rejected, kiosk_questions, to_row
from .registry import Device, Registry
from .writer import Writer

STATIC = Path(__file__).parent / "static"
FILES = {"/": ("index.html", "text/html; charset=utf-8"), "/kiosk.css": ("kiosk.css", "text/css; charset=utf-8"),
         "/kiosk.js": ("kiosk.js", "text/javascript; charset=utf-8")}
MAX_CONNECTIONS = 64
SOCKET_TIMEOUT = 10.0
BODY_LIMIT = 256 << 10  # a batch of 50 ratings with comments
BATCH = 50  # ratings per request at most (the tablet sends its queue in pieces)
IDLE_SECONDS, THANKS_SECONDS = 30, 6
RESEND_SECONDS = 10  # how often a tablet tries its queue again while anything waits
SEEN_EVERY = 60.0  # seconds between two notes of a tablet's last request


class KioskServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, ws: Workspace, host: str = "0.0.0.0", port: int = 8470,
                 rate_limits: dict[str, limits.Limit] | None = None, idle_seconds: float = IDLE_SECONDS,
                 thanks_seconds: float = THANKS_SECONDS, resend_seconds: float = RESEND_SECONDS) -> None:
        self.ws = ws
        self.idle_seconds, self.thanks_seconds = idle_seconds, thanks_seconds
        self.resend_seconds = resend_seconds
        self.registry = Registry(ws.state_dir)
        self.templates: dict[str, Template] = {}
        for device in self.registry.devices():
            self.template(device.template)
        self.writer = Writer(ws.responses_file, self.templates)
        self.limiter = limits.Limiter({**limits.DEFAULTS, **(rate_limits or {})})
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.photos: dict[str, str] = {}
        self.last_seen: dict[str, float] = {}
        try:
            super().__init__((host, port), Handler)
        except BaseException:  # the port is taken, or the address is not this machine's
            self.registry.close()
            raise

    def server_bind(self) -> None:
        # On Windows SO_REUSEADDR (http.server's default) lets a second `formkit kiosk` bind the port
        # this one listens on; SO_EXCLUSIVEADDRUSE is the POSIX meaning. The embedded backend does the
        # same (localserver/ports.py; a leaf that this package may not import).
        exclusive = getattr(socket, "SO_EXCLUSIVEADDRUSE", None)  # Windows only
        if exclusive is not None:
            self.allow_reuse_address = False
            self.socket.setsockopt(socket.SOL_SOCKET, exclusive, 1)
        super().server_bind()

    def seen(self, device_id: str) -> None:
        """Note the tablet's request for `formkit kiosk devices`, at most once a minute (not a write per request)."""
        now = time.monotonic()
        if now - self.last_seen.get(device_id, -SEEN_EVERY) >= SEEN_EVERY:
            self.last_seen[device_id] = now
            self.registry.seen(device_id)

    def template(self, template_id: str) -> Template:
        if template_id not in self.templates:
            self.templates[template_id] = load_template(template_id, self.ws.root)
        return self.templates[template_id]

    def start(self) -> KioskServer:
        self.writer.start()
        self.writer.ready.wait()
        if self.writer.error is not None:  # the store is damaged, or busy for BUSY_WAIT: nothing is served
            self.server_close()
            self.registry.close()
            raise self.writer.error
        # stop() waits for serve_forever's next poll: every 50 ms rather than the default 0.5 s
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="formkit-kiosk",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.writer.stop()
        self.registry.close()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def process_request(self, request, client_address) -> None:
        self.slots.acquire()  # at most MAX_CONNECTIONS handled at once; the rest wait in the backlog
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request, client_address) -> None:  # a tablet that went away: nothing to print
        pass

    # What the tablet is told ---------------------------------------------------------------------
    def config(self, device: Device) -> dict:
        commune = self.ws.commune(device.commune_id)
        template = self.template(device.template)
        officer = next((o for o in commune.officers if o.id == device.officer_id), None)
        comment = template.by_role("comment")
        return {
            "device": device.id, "commune": commune.display_name, "counter": device.counter, "stage": device.stage,
            "field": device.field, "template": template.id,
            "title": template.form_title.replace("{commune}", commune.display_name),
            "questions": [{"id": q.id, "title": q.title, "options": [
                {"label": o.label, "low": o.negative, "good": o.satisfied} for o in q.scale_options]}
                for q in kiosk_questions(template)],
            "comment": comment.title if comment else None,
            "officer": None if officer is None else {"id": officer.id, "name": officer.name, "title": officer.title,
                                                     "photo": self.photo(officer)},
            "idle_seconds": self.idle_seconds, "thanks_seconds": self.thanks_seconds,
            "resend_seconds": self.resend_seconds,
        }

    def photo(self, officer) -> str | None:
        """The officer's photo as a small JPEG data URL (kept by the page, shown offline too)."""
        if officer.photo is None:
            return None
        key = str(officer.photo)
        if key not in self.photos:
            try:
                from PIL import Image, ImageOps

                with Image.open(officer.photo) as image:
                    small = ImageOps.exif_transpose(image).convert("RGB")
                    small.thumbnail((240, 320))
                    buffer = io.BytesIO()
                    small.save(buffer, "JPEG", quality=80)
                self.photos[key] = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
            except (OSError, ValueError):  # a photo that cannot be read: the name and title are shown
                return None
        return self.photos[key]

    def store_ratings(self, device: Device, items: list) -> dict:
        commune = self.ws.commune(device.commune_id)
        template = self.template(device.template)
        received = datetime.now(VIETNAM)
        rows, acked, rejected = [], [], []
        served_here = self.registry.served_here(device.id)
        for item in items:
            item = item if isinstance(item, dict) else {}
            try:
                rows.append(to_row(item, device, commune, template, received, served_here))
                acked.append(str(item["id"]))
            except Rejected as exc:
                rejected.append(str(item.get("id", "")))
                self.registry.log(device.id, "rejected", str(exc)[:200])
        if rows:
            self.writer.store(rows)
        return {"acked": acked, "rejected": rejected}


class Handler(BaseHTTPRequestHandler):
    server: KioskServer
    timeout = SOCKET_TIMEOUT
    server_version = "formkit-kiosk"
    sys_version = ""

    def log_message(self, format, *args) -> None:  # quiet: the CLI owns the terminal
        pass

    def do_GET(self) -> None:
        self._safely(self._get)

    def do_POST(self) -> None:
        self._safely(self._post)

    def _safely(self, handle) -> None:
        """A request the server cannot answer (a commune taken out of formkit.toml since pairing, a
        bug) gets a 500 in JSON, never a dropped connection; the tablet keeps its queue."""
        try:
            handle()
        except (ConnectionError, TimeoutError):
            pass
        except Exception:  # noqa: BLE001
            try:
                self._json(500, {"error": "the server could not answer this request"})
            except OSError:
                pass

    def _get(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in FILES:
            name, kind = FILES[path]
            self._send(200, (STATIC / name).read_bytes(), kind)
        elif path == "/api/config":
            device = self._device()
            if device is not None:
                self._json(200, self.server.config(device))
        else:
            self._json(404, {"error": "not found"})

    def _post(self) -> None:
        path = self.path.split("?", 1)[0]
        body = self._body()
        if body is None:
            return
        if path == "/api/pair":
            if not self.server.limiter.take("pairing", "all"):
                return self._json(429, {"error": "too many pairing tries"}, retry=60)
            paired = self.server.registry.pair(str(body.get("code", "")))
            if paired is None:
                return self._json(403, {"error": "unknown or expired pairing code"})
            device, token = paired
            self.server.template(device.template)
            return self._json(200, {"token": token, "config": self.server.config(device)})
        device = self._device()
        if device is None:
            return
        if path == "/api/officer":
            if not self.server.limiter.take("pin", device.id):
                self.server.registry.log(device.id, "refused_pin", "rate")
                return self._json(429, {"error": "too many PIN tries"}, retry=300)
            officer = self.server.registry.officer_for_pin(device.commune_id, str(body.get("pin", "")))
            if officer is None:
                self.server.registry.log(device.id, "refused_pin", "")
                return self._json(403, {"error": "wrong PIN"})
            self.server.registry.set_officer(device.id, officer)
            return self._json(200, self.server.config(self.server.registry.device(device.id)))
        if path == "/api/ratings":
            items = body.get("ratings")
            if not isinstance(items, list) or len(items) > BATCH:
                return self._json(400, {"error": f"ratings: a list of at most {BATCH}"})
            allowed = self.server.limiter.take("ratings", device.id, len(items))
            if allowed < len(items) and self.server.limiter.take("logged", device.id):
                self.server.registry.log(device.id, "refused_rate", str(len(items) - allowed))
            if not allowed and items:
                return self._json(429, {"error": "too many ratings from this tablet"}, retry=30)
            try:
                result = self.server.store_ratings(device, items[:allowed])
            except StoreBusyError:  # another command held the store for BUSY_WAIT: nothing acknowledged
                return self._json(503, {"error": "the store is busy (another formkit command is using it); the "
                                                 "ratings stay on the tablet"}, retry=RESEND_SECONDS)
            except Exception:  # noqa: BLE001 - the store refused (disk full): nothing acknowledged
                return self._json(503, {"error": "the ratings could not be stored; they stay on the tablet"},
                                  retry=30)
            return self._json(200, result)
        self._json(404, {"error": "not found"})

    # Helpers -------------------------------------------------------------------------------------
    def _device(self) -> Device | None:
        header = self.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        device = self.server.registry.by_token(token) if token else None
        if device is None:
            if self.server.limiter.take("logged", self.client_address[0]):
                self.server.registry.log(None, "refused_token", self.client_address[0])
            self._json(401, {"error": "this tablet is not paired (or was revoked)"})
            return None
        if not self.server.limiter.take("requests", device.id):
            self._json(429, {"error": "too many requests"}, retry=5)
            return None
        self.server.seen(device.id)
        return device

    def _body(self) -> dict | None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > BODY_LIMIT:
            self._json(413, {"error": "request too large"})
            return None
        try:
            value = json.loads(self.rfile.read(length) or b"{}")
        except (TimeoutError, ValueError, UnicodeDecodeError):
            self._json(400, {"error": "not JSON"})
            return None
        if not isinstance(value, dict):
            self._json(400, {"error": "not a JSON object"})
            return None
        return value

    def _json(self, status: int, value: dict, retry: int | None = None) -> None:
        data = json.dumps(value, ensure_ascii=False).encode("utf-8")
        self._send(status, data, "application/json; charset=utf-8", retry)

    def _send(self, status: int, data: bytes, kind: str, retry: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if retry is not None:
            self.send_header("Retry-After", str(retry))
        self.end_headers()
        self.wfile.write(data)
