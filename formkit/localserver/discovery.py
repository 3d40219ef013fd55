"""Google's own discovery documents, and a checker for request bodies against them.

google-api-python-client ships the discovery documents of every API (forms.v1, sheets.v4,
drive.v3, ...). They describe each method's request schema precisely enough to catch what a
typo in a request body would otherwise only reveal against the real Google: unknown fields,
wrong JSON types, values outside an enum. The local backend rejects such bodies the way Google
does, and formkit's tests check every body it sends with `validate_request`.

Paths in messages are camelCase as written in JSON (`requests[0].createItem.item`);
`Violation.google_message()` gives the wording of Google's own 400 errors, whose paths are in
the protobuf snake_case (`requests[0].create_item.item`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1),
               "int64": (-(2**63), 2**63 - 1), "uint64": (0, 2**64 - 1)}
_TYPE_NAMES = {"int32": "TYPE_INT32", "uint32": "TYPE_UINT32", "int64": "TYPE_INT64", "uint64": "TYPE_UINT64",
               "double": "TYPE_DOUBLE", "float": "TYPE_FLOAT", "boolean": "TYPE_BOOL", "string": "TYPE_STRING"}
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

Segment = str | int | tuple[str, str]  # field name, array index, or ("key", map key)


@cache
def document(api: str, version: str) -> dict:
    """The discovery document google-api-python-client ships for api/version."""
    path = resources.files("googleapiclient").joinpath("discovery_cache", "documents", f"{api}.{version}.json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyError(f"google-api-python-client ships no discovery document for {api} {version}") from None


@cache
def _methods(api: str, version: str) -> dict[str, dict]:
    found: dict[str, dict] = {}

    def walk(node: dict) -> None:
        for method in node.get("methods", {}).values():
            found[method["id"]] = method
        for child in node.get("resources", {}).values():
            walk(child)

    walk(document(api, version))
    return found


def method(api: str, version: str, method_id: str) -> dict:
    """A method by its discovery id, e.g. ("forms", "v1", "forms.forms.batchUpdate")."""
    try:
        return _methods(api, version)[method_id]
    except KeyError:
        raise KeyError(f"{api} {version} has no method '{method_id}'") from None


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class Violation:
    """One thing wrong in a request: where (a path into the JSON), and what."""

    path: tuple[Segment, ...]
    kind: str  # "unknown" (field), "value" (type, range or enum), "body" (anything else)
    detail: str  # the field name for "unknown"; the type wanted for "value"; the message for "body"
    value: str = ""  # the offending value, as JSON, for "value"

    def where(self, snake: bool = False) -> str:
        text = ""
        for seg in self.path:
            if isinstance(seg, int):
                text += f"[{seg}]"
            elif isinstance(seg, tuple):
                text += f"[{json.dumps(seg[1], ensure_ascii=False)}]"
            else:
                text += ("." if text else "") + (_snake(seg) if snake else seg)
        return text

    def _message(self, snake: bool) -> str:
        where = self.where(snake)
        if self.kind == "unknown":
            at = f" at '{where}'" if where else ""
            return f'Unknown name "{self.detail}"{at}: Cannot find field.'
        if self.kind == "value":
            return f"Invalid value at '{where or '(body)'}' ({self.detail}), {self.value}"
        return self.detail

    def __str__(self) -> str:
        return self._message(snake=False)

    def google_message(self) -> str:
        """The wording of Google's 400 INVALID_ARGUMENT for this violation."""
        text = self._message(snake=True)
        return "Invalid JSON payload received. " + text if self.kind in ("unknown", "body") else text

    def field(self) -> str:
        """The `field` of a google.rpc.BadRequest fieldViolation."""
        if self.kind == "unknown":
            return ".".join(p for p in (self.where(True), _snake(self.detail)) if p)
        return self.where(True)


def check_request(api: str, version: str, method_id: str, body: Any) -> list[Violation]:
    """Everything wrong with `body` as the request of method_id; [] when it is valid."""
    doc = document(api, version)
    request = method(api, version, method_id).get("request")
    if request is None:
        return [] if body in (None, {}) else [Violation((), "body", f"{method_id} takes no request body.")]
    out: list[Violation] = []
    _check(doc, request, body, (), out)
    return out


def validate_request(api: str, version: str, method_id: str, body: Any) -> list[str]:
    """Human-readable violations of method_id's request schema by `body`; [] when it is valid."""
    return [str(v) for v in check_request(api, version, method_id, body)]


def _resolve(doc: dict, schema: dict) -> tuple[dict, str]:
    name = schema.get("$ref", "")
    if name:
        try:
            return doc["schemas"][name], name
        except KeyError:
            raise KeyError(f"discovery schema $ref '{name}' does not exist") from None
    return schema, ""


def _check(doc: dict, schema: dict, value: Any, path: tuple[Segment, ...], out: list[Violation]) -> None:
    if value is None:
        return  # JSON null means "not set" for protobuf-backed APIs
    schema, ref = _resolve(doc, schema)
    kind = schema.get("type", "object" if "properties" in schema else "any")
    if kind == "any":
        return
    if kind == "object":
        if not isinstance(value, dict):
            out.append(Violation(path, "value", ref or "object", _show(value)))
            return
        properties, extra = schema.get("properties"), schema.get("additionalProperties")
        for key, item in value.items():
            if properties and key in properties:
                _check(doc, properties[key], item, path + (key,), out)
            elif extra is not None and not properties:
                _check(doc, extra, item, path + (("key", key),), out)
            else:
                out.append(Violation(path, "unknown", key))
    elif kind == "array":
        if not isinstance(value, list):
            out.append(Violation(path, "value", "array", _show(value)))
            return
        for index, item in enumerate(value):
            _check(doc, schema.get("items", {}), item, path + (index,), out)
    elif not _scalar_ok(schema, kind, value):
        name = ref or next((seg for seg in reversed(path) if isinstance(seg, str)), "value")
        out.append(Violation(path, "value", _type_name(schema, kind, name), _show(value)))


def _scalar_ok(schema: dict, kind: str, value: Any) -> bool:
    fmt = schema.get("format", "")
    if "enum" in schema:
        return isinstance(value, str) and value in schema["enum"]
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        if fmt in ("int64", "uint64"):  # 64-bit integers travel as strings, numbers accepted too
            return _int_in_range(value, fmt)
        return isinstance(value, str)
    if kind == "integer":
        return _int_in_range(value, fmt or "int32")
    if kind == "number":
        if isinstance(value, str):
            return value in ("NaN", "Infinity", "-Infinity") or bool(_NUMBER.match(value))
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return True


def _int_in_range(value: Any, fmt: str) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        return False
    low, high = _INT_RANGES.get(fmt, _INT_RANGES["int64"])
    return low <= value <= high


def _type_name(schema: dict, kind: str, name: str) -> str:
    if "enum" in schema:
        return f"enum {name}: one of {', '.join(schema['enum'])}"
    return _TYPE_NAMES.get(schema.get("format", ""), _TYPE_NAMES.get(kind, kind))


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def check_query(api: str, version: str, method_id: str, query: Mapping[str, list[str]]) -> list[Violation]:
    """Query parameters unknown to the method (or the API's global ones), repeated when they may
    not be, or outside their enum or type."""
    doc = document(api, version)
    params = {**doc.get("parameters", {}), **{k: v for k, v in method(api, version, method_id).get(
        "parameters", {}).items() if v.get("location") == "query"}}
    out: list[Violation] = []
    for name, values in query.items():
        spec = params.get(name)
        if spec is None:
            out.append(Violation((), "body", f'Unknown name "{name}": Cannot bind query parameter. '
                                             f"Field '{name}' could not be found in request message."))
            continue
        if len(values) > 1 and not spec.get("repeated"):
            out.append(Violation((), "body", f"Query parameter '{name}' may be given only once."))
        for text in values:
            if not _query_value_ok(spec, text):
                out.append(Violation((name,), "value", _type_name(spec, spec.get("type", "string"), name), _show(text)))
    return out


def _query_value_ok(spec: dict, text: str) -> bool:
    if "enum" in spec:
        return text in spec["enum"]
    kind = spec.get("type", "string")
    if kind == "boolean":
        return text.lower() in ("true", "false", "1", "0")
    if kind == "integer":  # and within the method's own bounds (Drive's pageSize: 1 to 1000)
        return _int_in_range(text, spec.get("format", "int32")) and all(
            bound not in spec or cmp(int(text.strip()), int(spec[bound]))
            for bound, cmp in (("minimum", int.__ge__), ("maximum", int.__le__)))
    if kind == "number":
        return bool(_NUMBER.match(text))
    return True


def check_field_mask(api: str, version: str, schema_name: str, mask: str) -> list[str]:
    """Paths of a google-fieldmask (comma-separated, camelCase or snake_case) that name no field
    of schema_name. "*" alone stands for every field."""
    doc = document(api, version)
    problems = []
    for path in (p.strip() for p in mask.split(",")):
        if path == "*":
            continue
        schema: dict | None = doc["schemas"][schema_name]
        for name in path.split("."):
            properties = (schema or {}).get("properties", {})
            match = next((k for k in properties if k == name or _snake(k) == name), None)
            if match is None:
                problems.append(f"field mask path '{path}' names no field of {schema_name}")
                break
            schema = _resolve(doc, properties[match])[0] if "$ref" in properties[match] else None
    return problems


def camel(name: str) -> str:
    """A field-mask segment in JSON (camelCase) spelling."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def check_selection(api: str, version: str, method_id: str, tree: dict) -> list[str]:
    """Names in a partial-response selection (`fields`) that the method's response has no field
    for. A map's keys (answers by question id) may be anything."""
    doc = document(api, version)
    response = method(api, version, method_id).get("response")
    if response is None:
        return []
    problems: list[str] = []

    def walk(schema: dict, node: dict, where: str) -> None:
        schema = _resolve(doc, schema)[0] if "$ref" in schema else schema
        while schema.get("type") == "array":
            schema = schema["items"]
            schema = _resolve(doc, schema)[0] if "$ref" in schema else schema
        properties = schema.get("properties", {})
        for name, sub in node.items():
            if name == "*" or (not properties and "additionalProperties" in schema):
                child = schema.get("additionalProperties") if name != "*" or not properties else None
            elif name in properties:
                child = properties[name]
            else:
                problems.append(f"{where}{name}")
                continue
            if sub and child is not None:
                walk(child, sub, f"{where}{name}/")

    walk(response, tree, "")
    return problems
