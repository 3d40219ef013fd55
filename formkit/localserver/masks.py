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


# Partial responses: the `fields` system parameter ------------------------------------------------
# Google's syntax: a comma-separated list of fields; `a/b` is field b inside a (`a.b` too, as gspread
# writes it); `a(b,c)` keeps b and c inside a (of every element, when a is a list); `*` is every
# field at that level.
Selection = dict[str, "Selection | None"]  # None: the whole value


def parse_selection(text: str) -> Selection:
    """The tree of a `fields` value; ValueError names what cannot be read."""
    tree, rest = _selection(text.replace(" ", ""), 0)
    if rest != len(text.replace(" ", "")):
        raise ValueError(f"unexpected ')' at {rest}")
    return tree


def _selection(text: str, at: int) -> tuple[Selection, int]:
    tree: Selection = {}
    while True:
        start = at
        while at < len(text) and text[at] not in ",()":
            at += 1
        path = text[start:at].replace(".", "/").split("/")
        if not all(path):
            raise ValueError(f"an empty field name at {start}")
        sub: Selection | None = None
        if at < len(text) and text[at] == "(":
            sub, at = _selection(text, at + 1)
            if at >= len(text) or text[at] != ")":
                raise ValueError(f"'(' at {start + len(text[start:at].split('(')[0])} is not closed")
            at += 1
        _merge(tree, path, sub)
        if at < len(text) and text[at] == ",":
            at += 1
            continue
        return tree, at


def _merge(tree: Selection, path: list[str], sub: Selection | None) -> None:
    node = tree
    for name in path[:-1]:
        if name in node and node[name] is None:
            return  # already whole
        node = node.setdefault(name, {})  # type: ignore[assignment]
    last = path[-1]
    if sub is None or node.get(last, {}) is None:
        node[last] = None
    else:
        for name, value in sub.items():
            _merge(node.setdefault(last, {}), [name], value)  # type: ignore[arg-type]


def select(value, tree: Selection | None):
    """Only the selected fields of a JSON value (lists: of each element)."""
    if tree is None:
        return value
    if isinstance(value, list):
        return [select(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in tree:
            out[key] = select(item, tree[key])
        elif "*" in tree:
            out[key] = select(item, tree["*"])
    return out
