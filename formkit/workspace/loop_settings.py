"""The [followup] and [digest] tables of formkit.toml: how the follow-up register is judged and
kept, and where the daily digest goes. Every key optional; without [digest] `to` no digest is
made, and without `smtp_host` the digest is written to a file instead of sent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..i18n import _
from .toml import TomlReader, at

ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


@dataclass(frozen=True)
class FollowupSettings:
    contact_days: int = 2  # working days (by [office_hours]) a first contact should take at most
    keep_phone_days: int = 0  # days a closed case keeps its phone number; 0: erased when it closes


@dataclass(frozen=True)
class DigestSettings:
    to: tuple[str, ...] = ()  # the province's addresses: every commune, counts and texts, no phones
    smtp_host: str = ""  # "" writes the digest to output/digest/ instead of sending it
    smtp_port: int = 587
    security: str = "starttls"  # "starttls", "ssl" or "none"
    sender: str = ""  # the From address ("from" in the file)
    user: str = ""  # "" sends without logging in
    password_file: Path | None = None  # owner-only file holding the SMTP password
    communes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # [digest.communes]: a commune's leaders, its own news


def read_followup(reader: TomlReader, raw: dict) -> FollowupSettings:
    table = reader.table(raw, "followup") or {}
    reader.unknown_keys(table, {"contact_days", "keep_phone_days"}, "followup")
    return FollowupSettings(int(reader.number(table, "contact_days", "followup", 2, 0, 30)),
                            int(reader.number(table, "keep_phone_days", "followup", 0, 0, 3650)))


def _addresses(reader: TomlReader, value, place: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(a, str) and ADDRESS.match(a.strip()) for a in value):
        reader.problem(place, _('must be a list of e-mail addresses, e.g. ["lanhdao@tayninh.gov.vn"]'))
        return []
    return [a.strip() for a in value]


def read_digest(reader: TomlReader, raw: dict, root: Path, commune_ids: list[str]) -> DigestSettings:
    table = reader.table(raw, "digest") or {}
    place = "digest"
    reader.unknown_keys(table, {"to", "smtp_host", "smtp_port", "security", "from", "user", "password_file",
                                "communes"}, place)
    to = _addresses(reader, table.get("to", []), at(place, "to"))
    by_commune = reader.table(table, "communes", place) or {}
    communes = []
    for commune_id, addresses in by_commune.items():
        where = at(at(place, "communes"), commune_id)
        if commune_id not in commune_ids:
            reader.problem(where, _("no commune '{commune_id}' in [[communes]]").format(commune_id=commune_id))
        communes.append((commune_id, tuple(_addresses(reader, addresses, where))))
    host = reader.text(table, "smtp_host", place, required=False, newlines=False, max_length=255).strip()
    sender = reader.text(table, "from", place, required=False, newlines=False, max_length=255).strip()
    if sender and not ADDRESS.match(sender):
        reader.problem(at(place, "from"), _("'{value}' is not an e-mail address").format(value=sender))
    if host and (to or communes) and not sender:
        reader.problem(at(place, "from"), _("missing: the address the digest is sent from"))
    password = reader.text(table, "password_file", place, required=False, newlines=False, max_length=4096).strip()
    return DigestSettings(
        tuple(to), host, int(reader.number(table, "smtp_port", place, 587, 1, 65535)),
        reader.choice(table, "security", place, ("starttls", "ssl", "none"), "starttls"), sender,
        reader.text(table, "user", place, required=False, newlines=False, max_length=255).strip(),
        (root / password).resolve() if password else None, tuple(communes))
