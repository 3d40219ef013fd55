"""The register of ballots issued (state/ballots.json) and the key that signs their serials.

Every ballot's QR carries "FKB1|<commune>|<form>|<serial>|<page>|<check>", where <form> is the
form's number in the commune's list (1 = first form made) and <check> is an HMAC-SHA256 of
"<commune>|<form>|<serial>" under a secret kept owner-only in state/ballot-secret.key. Whoever
lacks the secret cannot make a valid ballot; a photocopy carries a serial already seen.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from ..errors import DamagedFileError, StateError
from ..files import atomic_write_json, atomic_write_text, read_versioned_json
from ..i18n import _

PREFIX = "FKB1"
CHECK_HEX = 12  # 48 bits: guessing one valid serial takes ~10^14 tries
FORMAT = 1


@dataclass(frozen=True)
class PageId:
    commune: str
    form: int
    serial: int
    page: int
    check: str

    @property
    def payload(self) -> str:
        return f"{PREFIX}|{self.commune}|{self.form}|{self.serial}|{self.page}|{self.check}"

    @classmethod
    def parse(cls, text: str) -> PageId | None:
        parts = text.strip().split("|")
        if len(parts) != 6 or parts[0] != PREFIX:
            return None
        try:
            return cls(parts[1], int(parts[2]), int(parts[3]), int(parts[4]), parts[5])
        except ValueError:
            return None


@dataclass
class Batch:
    commune: str
    form: int
    first: int
    last: int
    officer: str | None
    printed_by: str
    printed_at: str  # ISO time, local to the machine that printed
    pdf: str
    geometry: str = ""  # state/ballots/<geometry>.layout.json: what was printed


def secret_path(state_dir: Path) -> Path:
    return Path(state_dir) / "ballot-secret.key"


def load_secret(state_dir: Path, create: bool = False) -> bytes:
    path = secret_path(state_dir)
    if not path.exists():
        if not create:
            raise StateError(_("{path} is missing: no ballots were issued from this workspace").format(path=path))
        atomic_write_text(path, secrets.token_hex(32) + "\n", mode=0o600)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # owner-only, whatever a copy or an editor left
    return bytes.fromhex(path.read_text().strip())


def check_value(secret: bytes, commune: str, form: int, serial: int) -> str:
    digest = hmac.new(secret, f"{commune}|{form}|{serial}".encode(), hashlib.sha256).hexdigest()
    return digest[:CHECK_HEX]


def verify(secret: bytes, page: PageId) -> bool:
    return hmac.compare_digest(check_value(secret, page.commune, page.form, page.serial), page.check)


class Register:
    def __init__(self, path: Path, batches: list[Batch] | None = None) -> None:
        self.path = Path(path)
        self.batches = batches or []

    @classmethod
    def load(cls, state_dir: Path) -> Register:
        path = Path(state_dir) / "ballots.json"
        if not path.exists():
            return cls(path)
        raw = read_versioned_json(path, FORMAT)
        try:
            return cls(path, [Batch(**b) for b in raw["batches"]])
        except (ValueError, KeyError, TypeError) as exc:
            raise DamagedFileError(path, "batches", _("a batch is not readable ({error})").format(error=exc)) from exc

    def save(self) -> None:
        atomic_write_json(self.path, {"format": FORMAT, "batches": [asdict(b) for b in self.batches]})

    def next_serial(self, commune: str) -> int:
        return max((b.last for b in self.batches if b.commune == commune), default=0) + 1

    def issue(self, commune: str, form: int, count: int, officer: str | None, pdf: Path) -> Batch:
        first = self.next_serial(commune)
        batch = Batch(commune, form, first, first + count - 1, officer, _user(),
                      datetime.now().astimezone().isoformat(timespec="seconds"), str(pdf))
        self.batches.append(batch)
        return batch

    def batch_of(self, commune: str, serial: int) -> Batch | None:
        return next((b for b in self.batches if b.commune == commune and b.first <= serial <= b.last), None)

    def issued(self, commune: str) -> int:
        return sum(b.last - b.first + 1 for b in self.batches if b.commune == commune)


def _user() -> str:
    """Who issued a batch: the login name, or "" where none is known (Windows Python before 3.13
    raises ImportError, not OSError, when USERNAME is unset: its fallback is the pwd module)."""
    try:
        return getpass.getuser()
    except (ImportError, KeyError, OSError):
        return ""
