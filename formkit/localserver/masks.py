"""Field masks (`updateMask`, `fields`): copy only the named paths from a request into a resource.

A named path absent from the request is cleared, as Google does; "*" replaces everything.
Names may be camelCase or snake_case.
"""

from __future__ import annotations

import copy

from .discovery import camel


def paths(mask: str) -> list[list[str]]:
    return [[camel(p) for p in path.strip().split(".")] for path in mask.split(",") if path.strip()]


def apply(target: dict, source: dict, mask: str) -> None:
    for keys in paths(mask):
        if keys == ["*"]:
            target.clear()
            target.update(copy.deepcopy(source))
            continue
        src: object = source
        for key in keys[:-1]:
            src = src.get(key) if isinstance(src, dict) else None
        dst = target
        for key in keys[:-1]:
            if not isinstance(dst.get(key), dict):
                dst[key] = {}
            dst = dst[key]
        if isinstance(src, dict) and src.get(keys[-1]) is not None:
            dst[keys[-1]] = copy.deepcopy(src[keys[-1]])
        else:
            dst.pop(keys[-1], None)
