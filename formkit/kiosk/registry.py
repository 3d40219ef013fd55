"""The counter tablets: pairings, device tokens, officer PINs, who is serving, and an audit trail,
in state/kiosk.sqlite (owner-only; SQLite transactions make every change whole or absent, and
let `formkit kiosk pair` run while `formkit kiosk` serves).

Secrets are never stored: a pairing code and a device token are kept as SHA-256 digests (both are
random; a token has 256 bits), an officer's PIN as a salted PBKDF2 digest. A pairing code is
single-use and expires; a revoked device's token is refused from then on.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path

from ..errors import DamagedFileError, StoreBusyError, UsageError
from ..files import owner_only
from ..i18n import _
from ..responses import store as response_store
from ..responses.store import TIME_FORMAT, VIETNAM, busy

STAGES = ("intake", "return")
CODE_MINUTES = 15  # how long a pairing code may wait to be typed on the tablet
PIN_ITERATIONS = 2_000  # PBKDF2 rounds: a commune's PINs are checked in a few ms; PIN tries are rate-limited

SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY,
  commune_id TEXT NOT NULL,
  counter TEXT NOT NULL,
  template TEXT NOT NULL,
  stage TEXT NOT NULL,
  field TEXT,
  code_hash TEXT,          -- the pending pairing code's digest; NULL once used
  code_expires TEXT,
  token_hash TEXT UNIQUE,  -- the paired tablet's token digest
  officer_id TEXT,         -- who is serving now (set by staff with a PIN)
  created TEXT NOT NULL,
  paired TEXT,
  revoked TEXT,
  last_seen TEXT           -- the tablet's last request (written at most once a minute)
);
CREATE TABLE IF NOT EXISTS pins (
  commune_id TEXT NOT NULL,
  officer_id TEXT NOT NULL,
  salt BLOB NOT NULL,
  digest BLOB NOT NULL,
  PRIMARY KEY (commune_id, officer_id)
);
CREATE TABLE IF NOT EXISTS events (
  at TEXT NOT NULL,
  device TEXT,
  kind TEXT NOT NULL,   -- created, paired, revoked, officer, refused_token, refused_rate, refused_pin, refused_code
  detail TEXT
);
"""


@dataclass(frozen=True)
class Device:
    id: str
    commune_id: str
    counter: str
    template: str
    stage: str
    field: str | None
    officer_id: str | None
    created: str
    paired: str | None
    revoked: str | None
    last_seen: str | None = None

    @property
    def status(self) -> str:
        return "revoked" if self.revoked else "paired" if self.paired else "waiting"


def now_text() -> str:
    return datetime.now(VIETNAM).strftime(TIME_FORMAT)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _pin_digest(pin: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, PIN_ITERATIONS)


def _locked(method):
    """One thread at a time on the shared connection (the server's handlers run in threads)."""

    @wraps(method)
    def run(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)
    return run


def registry_file(state_dir: Path) -> Path:
    """state/kiosk.sqlite: made by the first `formkit kiosk pair` (or `pins`, or the server), never
    by a command that only reads it."""
    return Path(state_dir) / "kiosk.sqlite"


class Registry:
    def __init__(self, state_dir: Path) -> None:
        self.path = owner_only(registry_file(state_dir))
        self.lock = threading.RLock()
        self.db = sqlite3.connect(str(self.path), timeout=response_store.BUSY_WAIT, check_same_thread=False,
                                  isolation_level=None)
        try:
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            if busy(exc):  # only held (a `kiosk pair` meanwhile, a database browser): not damaged
                raise StoreBusyError(self.path, response_store.BUSY_WAIT) from exc
            raise DamagedFileError(self.path, "", str(exc), _("move it aside and pair the tablets again")) from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        self.close()
        if busy(exc):
            raise StoreBusyError(self.path, response_store.BUSY_WAIT) from exc

    @_locked
    def _write(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db.execute(sql, params)

    @_locked
    def log(self, device: str | None, kind: str, detail: str = "") -> None:
        self._write("INSERT INTO events VALUES (?,?,?,?)", (now_text(), device, kind, detail))

    # Pairing ---------------------------------------------------------------------------------
    @_locked
    def create(self, commune_id: str, counter: str, template: str, stage: str, field: str | None) -> tuple[Device, str]:
        """A new device waiting for its tablet; returns it and the one-time pairing code."""
        if stage not in STAGES:
            raise UsageError(_("--stage must be one of {stages}").format(stages=", ".join(STAGES)))
        code = f"{secrets.randbelow(10 ** 6):06d}"
        expires = (datetime.now(VIETNAM) + timedelta(minutes=CODE_MINUTES)).strftime(TIME_FORMAT)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            number = self.db.execute("SELECT count(*) FROM devices").fetchone()[0] + 1
            device_id = f"q{number}"
            self.db.execute("INSERT INTO devices (id, commune_id, counter, template, stage, field, code_hash,"
                            " code_expires, created) VALUES (?,?,?,?,?,?,?,?,?)",
                            (device_id, commune_id, counter, template, stage, field, digest(code), expires,
                             now_text()))
            self.db.execute("INSERT INTO events VALUES (?,?,?,?)", (now_text(), device_id, "created", counter))
        return self.device(device_id), code

    @_locked
    def pair(self, code: str) -> tuple[Device, str] | None:
        """The tablet typed `code`: the waiting device it belongs to gets a token (returned once)."""
        token = secrets.token_urlsafe(32)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            row = self.db.execute("SELECT id FROM devices WHERE code_hash = ? AND code_expires >= ?"
                                  " AND revoked IS NULL", (digest(code.strip()), now_text())).fetchone()
            if row is None:
                self.db.execute("INSERT INTO events VALUES (?,?,?,?)", (now_text(), None, "refused_code", ""))
                return None
            self.db.execute("UPDATE devices SET code_hash = NULL, code_expires = NULL, token_hash = ?, paired = ?"
                            " WHERE id = ?", (digest(token), now_text(), row[0]))
            self.db.execute("INSERT INTO events VALUES (?,?,?,?)", (now_text(), row[0], "paired", ""))
        return self.device(row[0]), token

    @_locked
    def revoke(self, device_id: str) -> Device:
        if self._write("UPDATE devices SET revoked = ?, code_hash = NULL WHERE id = ? AND revoked IS NULL",
                       (now_text(), device_id)).rowcount == 0:
            self.device(device_id)  # UsageError for an unknown id
            raise UsageError(_("device {id} is already revoked").format(id=device_id))
        self.log(device_id, "revoked")
        return self.device(device_id)

    @_locked
    def by_token(self, token: str) -> Device | None:
        """The paired, unrevoked device of this token, else None."""
        row = self.db.execute(f"SELECT {COLUMNS} FROM devices WHERE token_hash = ? AND revoked IS NULL",
                              (digest(token),)).fetchone()
        return Device(*row) if row else None

    @_locked
    def device(self, device_id: str) -> Device:
        row = self.db.execute(f"SELECT {COLUMNS} FROM devices WHERE id = ?", (device_id,)).fetchone()
        if row is None:
            raise unknown_device(device_id)
        return Device(*row)

    @_locked
    def devices(self) -> list[Device]:
        rows = self.db.execute(f"SELECT {COLUMNS} FROM devices ORDER BY CAST(substr(id, 2) AS INTEGER)")
        return [Device(*row) for row in rows]

    # Officers and PINs -----------------------------------------------------------------------
    @_locked
    def set_pins(self, commune_id: str, officer_ids: list[str]) -> dict[str, str]:
        """New PINs for these officers (6 digits, distinct within the commune); returned once."""
        others = [o for (o,) in self.db.execute("SELECT officer_id FROM pins WHERE commune_id = ?", (commune_id,))
                  if o not in officer_ids]
        pins: dict[str, str] = {}
        for officer_id in officer_ids:
            pin = f"{secrets.randbelow(10 ** 6):06d}"
            while pin in pins.values() or self.officer_for_pin(commune_id, pin, among=others) is not None:
                pin = f"{secrets.randbelow(10 ** 6):06d}"
            pins[officer_id] = pin
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for officer_id, pin in pins.items():
                salt = secrets.token_bytes(16)
                self.db.execute("INSERT OR REPLACE INTO pins VALUES (?,?,?,?)",
                                (commune_id, officer_id, salt, _pin_digest(pin, salt)))
        return pins

    @_locked
    def officer_for_pin(self, commune_id: str, pin: str, among: list[str] | None = None) -> str | None:
        rows = self.db.execute("SELECT officer_id, salt, digest FROM pins WHERE commune_id = ?", (commune_id,))
        for officer_id, salt, stored in rows.fetchall():
            if (among is None or officer_id in among) and hmac.compare_digest(_pin_digest(pin.strip(), salt), stored):
                return officer_id
        return None

    @_locked
    def seen(self, device_id: str) -> None:
        self._write("UPDATE devices SET last_seen = ? WHERE id = ?", (now_text(), device_id))

    @_locked
    def served_here(self, device_id: str) -> set[str]:
        """Every officer staff have set at this tablet."""
        return {o for (o,) in self.db.execute("SELECT DISTINCT detail FROM events WHERE device = ? AND kind = 'officer'"
                                              " AND detail != ''", (device_id,))}

    @_locked
    def set_officer(self, device_id: str, officer_id: str | None) -> None:
        self._write("UPDATE devices SET officer_id = ? WHERE id = ?", (officer_id, device_id))
        self.log(device_id, "officer", officer_id or "")

    # Audit -------------------------------------------------------------------------------------
    @_locked
    def events(self, start: str = "", end: str = "~") -> dict[tuple[str | None, str], int]:
        """(device, kind) -> how many, at times in [start, end)."""
        rows = self.db.execute("SELECT device, kind, count(*) FROM events WHERE at >= ? AND at < ? GROUP BY 1, 2",
                               (start, end))
        return {(device, kind): n for device, kind, n in rows}


COLUMNS = "id, commune_id, counter, template, stage, field, officer_id, created, paired, revoked, last_seen"


def unknown_device(device_id: str) -> UsageError:
    return UsageError(_("no counter tablet {id}: `formkit kiosk devices` lists them").format(id=device_id))
