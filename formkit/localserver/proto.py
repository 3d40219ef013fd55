"""Google's JSON is proto3's: a field at its default (false, 0, "", an empty list or map) is left
out, so an unpublished form has no `isPublished` key. Messages stay even when empty (`textItem:
{}` says what kind an item is). Clients must read an absent field as its default.
"""

from __future__ import annotations

from typing import Any

_DEFAULTS = (False, 0, "")


def omit_defaults(value: Any) -> Any:
    """A copy of a resource as Google would write it."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if item is None or (isinstance(item, list) and not item):
                continue
            if not isinstance(item, (dict, list)) and any(item == d and type(item) is type(d) for d in _DEFAULTS):
                continue
            out[key] = omit_defaults(item)
        return out
    if isinstance(value, list):
        return [omit_defaults(item) for item in value]
    return value
