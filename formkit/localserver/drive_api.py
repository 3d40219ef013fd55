"""Drive API v3, as much as formkit needs: files.list with a `q` of name, mimeType and trashed
terms joined by `and` (what formkit's recovery and gspread's open() send), files.get, files.create
of a spreadsheet (gspread's create()), and permissions.list/create (who may answer a form).

Forms are Drive files named by their documentTitle; spreadsheets by their title. files.update
moves a file to the trash and back (`{"trashed": true}`) and nothing else: a trashed spreadsheet
still answers the Sheets API, and a trashed form the Forms API (only permanent deletion gives 404).

Each Google behaviour modelled here is listed, with its public source and test, in docs/google-behaviour.md.
"""

from __future__ import annotations

import base64
import re

from . import spreadsheets
from .errors import ApiError, unsupported
from .routing import Request

FORM = "application/vnd.google-apps.form"
SPREADSHEET = "application/vnd.google-apps.spreadsheet"
_TERM = re.compile(r"""\s*(name|mimeType|trashed)\s*(=|!=|\bcontains\b)\s*"""
                   r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|true|false)\s*""")
_AND = re.compile(r"and\b\s*", re.IGNORECASE)


def _bad_value(location: str, message: str = "Invalid Value") -> ApiError:
    error = ApiError(400, message)
    error.details = [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                      "fieldViolations": [{"field": location, "description": message}]}]
    return error


def _files(req: Request) -> list[dict]:
    found = [{"id": f["formId"], "name": f["info"]["documentTitle"], "mimeType": FORM,
              "createdTime": f["createdTime"], "trashed": bool(f.get("trashed"))} for f in req.store.all("form")]
    found += [{"id": s["spreadsheetId"], "name": s["properties"]["title"], "mimeType": SPREADSHEET,
               "createdTime": s["createdTime"], "trashed": bool(s.get("trashed"))}
              for s in req.store.all("spreadsheet")]
    return sorted(found, key=lambda f: f["createdTime"])


def _resource(file: dict, fields: str) -> dict:
    out = {"kind": "drive#file", "id": file["id"], "name": file["name"], "mimeType": file["mimeType"]}
    for extra in ("createdTime", "modifiedTime"):
        if extra in fields:
            out[extra] = file["createdTime"]
    if "trashed" in fields:
        out["trashed"] = file["trashed"]
    return out


def parse_query(q: str) -> list[tuple[str, str, str]]:
    """(field, operator, value) terms of a Drive query; raises ApiError for anything else."""
    terms, position = [], 0
    while True:
        match = _TERM.match(q, position)
        if not match:
            raise _bad_value("q", f"Invalid Value: the local backend reads only name, mimeType and trashed "
                                  f"terms joined by 'and', not {q[position:]!r}")
        field, op, literal = match.groups()
        if literal[0] in "'\"":
            literal = re.sub(r"\\(.)", r"\1", literal[1:-1])
        terms.append((field, op, literal))
        position = match.end()
        if position == len(q):
            return terms
        joined = _AND.match(q, position)
        if not joined:
            raise _bad_value("q")
        position = joined.end()


def _matches(file: dict, terms: list[tuple[str, str, str]]) -> bool:
    for field, op, value in terms:
        actual = str(file["trashed"]).lower() if field == "trashed" else file[field]
        if op == "contains":
            ok = value.lower() in actual.lower()
        else:
            ok = (actual == value) == (op == "=")
        if not ok:
            return False
    return True


def list_files(req: Request) -> dict:
    terms = parse_query(req.arg("q") or "") if (req.arg("q") or "").strip() else []
    size = min(int(req.arg("pageSize") or 100), 1000) or 100
    token = req.arg("pageToken")
    try:
        start = int(base64.urlsafe_b64decode(token).decode()) if token else 0
    except ValueError:
        raise _bad_value("pageToken") from None
    files = [f for f in _files(req) if _matches(f, terms)]
    fields = req.arg("fields") or ""
    result: dict = {"kind": "drive#fileList", "incompleteSearch": False,
                    "files": [_resource(f, fields) for f in files[start:start + size]]}
    if start + size < len(files):
        result["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return result


def get_file(req: Request) -> dict:
    file_id = req.params["fileId"]
    for file in _files(req):
        if file["id"] == file_id:
            return _resource(file, req.arg("fields") or "")
    raise ApiError(404, f"File not found: {file_id}.")


def update_file(req: Request) -> dict:
    """files.update: to the trash and back; any other change is not modelled."""
    body = req.json or {}
    other = sorted(k for k, v in body.items() if k != "trashed" and v is not None)
    if other:
        raise unsupported(f"files.update of {', '.join(other)} (only trashed)")
    file_id = req.params["fileId"]
    for kind in ("form", "spreadsheet"):
        doc = req.store.get(kind, file_id)
        if doc is not None:
            if "trashed" in body:
                doc["trashed"] = bool(body["trashed"])
                if kind == "form":
                    req.store.put(kind, file_id, doc, alias=doc["publishedId"])
                else:
                    spreadsheets.save(req.store, doc)
            file = next(f for f in _files(req) if f["id"] == file_id)
            return _resource(file, req.arg("fields") or "")
    raise ApiError(404, f"File not found: {file_id}.")


def create_file(req: Request) -> dict:
    body = req.json or {}
    if body.get("mimeType") != SPREADSHEET:
        raise unsupported(f"files.create of mimeType {body.get('mimeType')!r} (only spreadsheets)")
    doc = spreadsheets.create(req.store, body.get("name") or "")
    return _resource({"id": doc["spreadsheetId"], "name": doc["properties"]["title"], "mimeType": SPREADSHEET,
                      "createdTime": doc["createdTime"]}, req.arg("fields") or "")


# Permissions: who may open a file, and for a form who may answer it ----------------------------
# Responders of a published form are permissions with view "published" (Google's guide "Publish
# and manage responders on the form"). permissions.list returns them only when asked for with
# includePermissionsForView=published, as Google does. Forms keep their permissions in the stored
# form (out of the Forms resource); other files have their owner only.
TYPES = ("user", "group", "domain", "anyone")
ROLES = ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader")
OWNER = {"kind": "drive#permission", "id": "owner", "type": "user", "role": "owner",
         "emailAddress": "owner@example.org"}


def _permission_file(req: Request) -> tuple[dict | None, list[dict]]:
    """(the stored form, or None for another file; its permissions). 404 for an unknown file."""
    file_id = req.params["fileId"]
    form = req.store.get("form", file_id)
    if form is not None:
        return form, [OWNER] + form.get("permissions", [])
    if any(f["id"] == file_id for f in _files(req)):
        return None, [OWNER]
    raise ApiError(404, f"File not found: {file_id}.")


def list_permissions(req: Request) -> dict:
    view = req.arg("includePermissionsForView")
    if view not in (None, "published"):
        raise _bad_value("includePermissionsForView", "Invalid Value: the only supported value is 'published'.")
    _, permissions = _permission_file(req)
    shown = [p for p in permissions if "view" not in p or p["view"] == view]
    return {"kind": "drive#permissionList", "permissions": shown}


def create_permission(req: Request) -> dict:
    body = req.json or {}
    form, permissions = _permission_file(req)
    kind, role, view = body.get("type"), body.get("role"), body.get("view")
    if kind not in TYPES:
        raise _bad_value("permission.type", f"The permission type field must be one of {', '.join(TYPES)}.")
    if role not in ROLES or role == "owner":
        raise _bad_value("permission.role", "The permission role field must be one of organizer, fileOrganizer, "
                                            "writer, commenter, reader (ownership is not transferred here).")
    if kind in ("user", "group") and not body.get("emailAddress"):
        raise _bad_value("permission.emailAddress", "An email address must be specified for this permission type.")
    if kind == "domain" and not body.get("domain"):
        raise _bad_value("permission.domain", "A domain must be specified for this permission type.")
    if kind == "anyone" and (body.get("emailAddress") or body.get("domain")):
        raise _bad_value("permission.type", "An 'anyone' permission takes no email address or domain.")
    if view is not None:
        if view != "published" or form is None:
            raise _bad_value("permission.view", "The view 'published' applies to forms only ('metadata' to folders).")
        if role != "reader":
            raise _bad_value("permission.role", "A permission with view 'published' must have the role reader.")
    wanted = {"kind": "drive#permission", "type": kind, "role": role,
              **{k: body[k] for k in ("emailAddress", "domain", "view") if body.get(k)}}
    for existing in permissions:  # the same grant again changes nothing and answers the same
        if {k: v for k, v in existing.items() if k != "id"} == wanted:
            return existing
    if form is None:
        raise unsupported("permissions.create on a file that is not a form")
    key = wanted.get("emailAddress") or wanted.get("domain") or "anyoneWithLink"
    permission = {**wanted, "id": key if kind == "anyone" else f"{kind}:{key}"}
    form.setdefault("permissions", []).append(permission)
    req.store.put("form", form["formId"], form, alias=form["publishedId"])
    return permission
