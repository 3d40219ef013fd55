"""The workspace state file (state/forms.json): which form belongs to which commune.

Written atomically after every remote step, so that a run interrupted at any point can be
finished by the next one without duplicates. Each commune keeps a list of forms: the last is the
current one; earlier ones are kept (never deleted) because their answers still count in reports.

A form record moves through these steps:
  pending    a nonce is chosen and written down before forms.create (the nonce is part of the
             Drive file name, so an orphan form from a crash can be found again)
  created    forms.create answered: formId, responderUri
  built      forms.batchUpdate answered: every question ID
  published  forms.setPublishSettings answered: published and accepting responses
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import StateError, UsageError
from ..files import atomic_write_text

FORMAT = 1


@dataclass
class QuestionRecord:
    question_id: str
    item_id: str
    title: str
    options: list[str] = field(default_factory=list)


@dataclass
class FormRecord:
    template: str
    template_version: int
    endpoint: str  # "google" or the local backend's base URL
    document_title: str  # the Drive file name, which carries the nonce
    nonce: str = ""
    step: str = "pending"
    form_id: str = ""
    responder_uri: str = ""
    edit_url: str = ""
    questions: dict[str, QuestionRecord] = field(default_factory=dict)
    officer_options: dict[str, str] = field(default_factory=dict)  # officer id -> dropdown option, as listed now
    former_officers: dict[str, str] = field(default_factory=dict)  # dropped from the list; old answers name them
    field_options: list[str] = field(default_factory=list)
    spreadsheet_id: str = ""  # the linked sheet, once known
    sheet_tab: str = ""  # the tab this form feeds, as last found (pull finds it again after a rename)
    sheet_tab_id: int | None = None  # that tab's sheetId, which a rename does not change
    last_pulled: str = ""  # RFC 3339 time of the newest response already pulled

    @property
    def done(self) -> bool:
        return self.step == "published"

    def to_json(self) -> dict[str, Any]:
        raw = dict(vars(self))  # shallow: asdict's deep copies made saving 200 communes slow
        raw["questions"] = {k: vars(q) for k, q in self.questions.items()}
        return raw

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "FormRecord":
        raw = dict(raw)
        raw["questions"] = {k: QuestionRecord(**v) for k, v in raw.get("questions", {}).items()}
        return cls(**raw)


class State:
    def __init__(self, path: Path, communes: dict[str, list[FormRecord]] | None = None) -> None:
        self.path = Path(path)
        self.communes: dict[str, list[FormRecord]] = communes or {}
        self._encoded: dict[int, str] = {}  # id(form) -> its JSON line, re-encoded only when it changed

    @classmethod
    def load(cls, path: Path) -> "State":
        path = Path(path)
        if not path.exists():
            return cls(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                raise StateError(f"{path}: state format {raw.get('format')!r} is not {FORMAT}")
            communes = {cid: [FormRecord.from_json(f) for f in forms] for cid, forms in raw["communes"].items()}
        except (ValueError, KeyError, TypeError) as exc:
            raise StateError(f"{path} is damaged ({exc}); restore it from a backup or move it aside") from exc
        return cls(path, communes)

    def save(self, changed: FormRecord | None = None) -> None:
        """Atomically, after every remote step. `changed` names the one form that changed (None:
        any may have): `create` rewrites the file three times per commune, so the other forms'
        JSON is reused, and one form per line lets the fast (C) JSON encoder do the work."""
        if changed is None:
            self._encoded.clear()
        else:
            self._encoded.pop(id(changed), None)
        communes = []
        for cid, forms in self.communes.items():
            lines = ",\n".join("      " + self._encode(f) for f in forms)
            communes.append(f"    {json.dumps(cid)}: [\n{lines}\n    ]")
        text = '{\n  "format": %d,\n  "communes": {\n%s\n  }\n}\n' % (FORMAT, ",\n".join(communes))
        atomic_write_text(self.path, text)

    def _encode(self, form: FormRecord) -> str:
        if id(form) not in self._encoded:
            self._encoded[id(form)] = json.dumps(form.to_json(), ensure_ascii=False)
        return self._encoded[id(form)]

    def forms(self, commune_id: str) -> list[FormRecord]:
        return self.communes.get(commune_id, [])

    def current(self, commune_id: str) -> FormRecord | None:
        forms = self.forms(commune_id)
        return forms[-1] if forms else None

    def published(self, commune_id: str) -> FormRecord:
        form = self.current(commune_id)
        if form is None or not form.done:
            raise StateError(f"commune '{commune_id}' has no published form yet: run `formkit create` first")
        return form

    def check_backend(self, commune_ids, backend: str) -> None:
        """Forms made on Google mean nothing to a local backend, and the other way round. (A local
        backend may come back on another port with the same data, so its address may differ.)"""
        elsewhere = sorted({f"{cid} ({f.endpoint})" for cid in commune_ids for f in self.forms(cid)
                            if f.form_id and (f.endpoint == "google") != (backend == "google")})
        if elsewhere:
            raise UsageError(f"this run talks to {backend}, but these forms were made elsewhere: "
                             f"{', '.join(elsewhere)}. Use the same backend (FORMKIT_GOOGLE_ENDPOINT) or a "
                             "separate workspace.")

    def add(self, commune_id: str, form: FormRecord) -> None:
        self.communes.setdefault(commune_id, []).append(form)
