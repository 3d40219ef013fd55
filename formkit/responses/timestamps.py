"""Submission times as Google hands them over, to the naive Vietnam-local datetimes the store keys on.

- Sheets read with SERIAL_NUMBER: days since 1899-12-30 in the spreadsheet's own time zone
  (properties.timeZone: Asia/Ho_Chi_Minh for most, but a sheet made by a script or by an account
  set to another zone keeps that zone), converted to Vietnam time here.
- Text timestamps (CSV exports, cells typed as text): "27/09/2025 8:07:24" day first under the
  Vietnamese header "Dấu thời gian", "6/7/2015 20:54:13" month first under the English "Timestamp".
- The Forms API: RFC 3339 UTC with up to nine fractional digits.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..files import nfc
from ..i18n import _
from .store import TIME_FORMAT, VIETNAM

SERIAL_EPOCH = datetime(1899, 12, 30)
# Float error of a serial near 46,000 days is about a microsecond; ten times that as the margin.
SERIAL_MARGIN = timedelta(microseconds=10)

# Header of the timestamp column -> whether its text dates are day first.
HEADERS = {"dấu thời gian": True, "timestamp": False}

_TEXT = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
TEXT_TIME = _TEXT
_FRACTION = re.compile(r"\.(\d+)")


def timestamp_header(title: object) -> bool | None:
    """Day first (True) or month first (False) if this header names the timestamp column, else None."""
    key = nfc(str(title or "")).strip().casefold()
    return HEADERS.get(key)


def order_from_dates(stamps) -> bool | None:
    """Day first (True) or month first (False) as the text dates themselves show it: a first
    number above 12 is a day, a second one above 12 is a day. None when no date decides (every
    one reads both ways) — the header's language does not: a sheet's locale writes the dates, the
    form's language names the column, and the two may disagree. The first deciding date wins;
    a date written the other way is then an invalid time of its row."""
    for stamp in stamps:
        if type(stamp) is not str:  # a sheet's serial number
            continue
        match = _TEXT.match(stamp.strip())
        if match is None:
            continue
        if int(match.group(1)) > 12:
            return True
        if int(match.group(2)) > 12:
            return False
    return None


def without_seconds(stamps) -> bool:
    """True when a text time is to the minute ("27/09/2025 8:07"): Google writes the seconds, Excel
    drops them from every date it recognised when it saves a file again (and leaves a date it could
    not read in its region, "27/09/2025 8:07:24" in a month-first one, as it was)."""
    # One ":" is a time without seconds; the count (C, fast) spares the pattern for Google's own rows.
    return any(type(s) is str and s.count(":") == 1 and _TEXT.match(s.strip()) is not None for s in stamps)


def from_serial(serial: float) -> datetime:
    """Serial days -> local datetime, floored to the second.

    A small margin is added before flooring so that 08:07:24 stored as 08:07:23.999999 stays
    24 s. It is kept far below a millisecond: a response really stamped at 24.9995 s must stay in
    second 24, where the Forms API's copy of it (floored the same way) is keyed, or a form read
    through the API and later through its sheet would count that response twice."""
    moment = SERIAL_EPOCH + timedelta(days=float(serial)) + SERIAL_MARGIN
    return moment.replace(microsecond=0)


def parse_text(text: str, day_first: bool) -> datetime:
    """'27/09/2025 8:07:24' (day first) or '6/7/2015 20:54:13' (month first); ISO 8601 as well.
    Raises ValueError with a readable message."""
    text = str(text).strip()
    match = _TEXT.match(text)
    if match:
        a, b, year, hour, minute, second = match.groups()
        day, month = (a, b) if day_first else (b, a)
        try:
            return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        except ValueError as exc:
            message = (_("'{text}' is not a valid day/month/year time ({error})") if day_first
                       else _("'{text}' is not a valid month/day/year time ({error})"))
            raise ValueError(message.format(text=text, error=exc)) from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        example = "27/09/2025 8:07:24" if day_first else "9/27/2025 8:07:24"
        raise ValueError(_("'{text}' is not a time like {example}").format(text=text, example=example)) from None
    return local(moment)


_CUSTOM_ZONE = re.compile(r"^GMT(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$")


def sheet_zone(name: str | None) -> tzinfo:
    """A spreadsheet's time zone by its IANA name, or a custom one such as "GMT+07:00" (Sheets
    allows those: SpreadsheetProperties.timeZone); Vietnam's when none is given. Raises ValueError
    for a name the tz database does not know (the tzdata package provides it on Windows)."""
    if not name or name in ("Asia/Ho_Chi_Minh", "Asia/Saigon"):  # no tz database needed for these
        return VIETNAM
    custom = _CUSTOM_ZONE.match(name.strip())
    if custom:  # a fixed offset: no tz database needed
        sign, hours, minutes = custom.groups()
        offset = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
        if offset > timedelta(hours=14):
            raise ValueError(_("the spreadsheet's time zone '{name}' is not a valid offset").format(name=name))
        return timezone(-offset if sign == "-" else offset)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(_("the spreadsheet's time zone '{name}' is unknown to this computer "
                           "(install the tzdata package)").format(name=name)) from None


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """A naive time read in `zone` -> naive Vietnam time, floored to the second."""
    if zone is VIETNAM:
        return moment.replace(microsecond=0)
    return local(moment.replace(tzinfo=zone))


def local(moment: datetime) -> datetime:
    """Naive Vietnam local time, floored to the second (aware times are converted)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def cell_time(value: object, day_first: bool, zone: tzinfo = VIETNAM) -> datetime:
    """A timestamp cell as read from a sheet in time zone `zone`: a serial number or text."""
    if isinstance(value, bool):
        raise ValueError(_("'{value}' is not a time").format(value=value))
    if isinstance(value, (int, float)):
        return in_zone(from_serial(value), zone)
    text = str(value).strip()
    moment = parse_text(text, day_first)
    return moment if _TEXT.match(text) is None else in_zone(moment, zone)


def parse_rfc3339(text: str) -> datetime:
    """The Forms API's '2025-09-27T01:07:24.123456789Z' -> local time (Python keeps 6 digits)."""
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text.strip(), count=1)
    return local(datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")))


def rfc3339_utc(local_second: str) -> str:
    """The store's local 'YYYY-MM-DD HH:MM:SS' -> '2026-09-27T01:07:24Z', for `timestamp >=`."""
    return utc_stamp(datetime.strptime(local_second, TIME_FORMAT).replace(tzinfo=VIETNAM))


def utc_stamp(moment: datetime) -> str:
    """An aware moment as RFC 3339 UTC to the second, as the state records when a link was checked."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    """utc_stamp's text (any RFC 3339 with an offset) -> an aware datetime; ValueError otherwise."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return moment
