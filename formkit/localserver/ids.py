"""Identifiers and times that look like Google's, so nothing downstream can tell them apart
(lengths, alphabets, formats), while being random enough never to collide in a test run.
"""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

_URLSAFE = string.ascii_letters + string.digits + "-_"


def _random(length: int, alphabet: str = _URLSAFE) -> str:
    # One system call, not one per character (every response takes an id). The alphabet has 64
    # characters, so the low six bits of each random byte pick one without bias.
    assert len(alphabet) == 64
    return "".join(alphabet[b & 63] for b in secrets.token_bytes(length))


def file_id() -> str:
    """Drive file ids (forms, spreadsheets): 44 characters, starting with "1"."""
    return "1" + _random(43)


def published_id() -> str:
    """The id in a form's responder link, /forms/d/e/<id>/viewform."""
    return "1FAIpQLS" + _random(48)


def response_id() -> str:
    return "ACYDBN" + _random(50)


def hex_id(taken: set[str]) -> str:
    """Item and question ids: 8 hex digits that stay a positive 31-bit number (entry.<n>)."""
    while True:
        candidate = format(0x10000000 + secrets.randbelow(0x7FFFFFFF - 0x10000000), "08x")
        if candidate not in taken:
            return candidate


def sheet_id(taken: set[int]) -> int:
    """Tab ids (gid): Google picks random positive 31-bit numbers for added tabs."""
    while True:
        candidate = 1 + secrets.randbelow(2**31 - 2)
        if candidate not in taken:
            return candidate


def rfc3339(moment: datetime) -> str:
    """UTC with microseconds and a Z, as the Forms API writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def epoch_us(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def now() -> datetime:
    return datetime.now(UTC)
