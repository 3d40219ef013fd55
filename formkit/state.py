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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import StateError
from .files import atomic_write_json

FORMAT = 1
STEPS = ("pending", "created", "built", "published")


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
    sheet_tab: str = ""
    last_pulled: str = ""  # RFC 3339 time of the newest response already pulled

    @property
    def done(self) -> bool:
        return self.step == "published"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "FormRecord":
        raw = dict(raw)
        raw["questions"] = {k: QuestionRecord(**v) for k, v in raw.get("questions", {}).items()}
        return cls(**raw)


class State:
    def __init__(self, path: Path, communes: dict[str, list[FormRecord]] | None = None) -> None:
        self.path = Path(path)
        self.communes: dict[str, list[FormRecord]] = communes or {}

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

    def save(self) -> None:
        data = {"format": FORMAT, "communes": {cid: [f.to_json() for f in forms] for cid, forms in self.communes.items()}}
        atomic_write_json(self.path, data)

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

    def add(self, commune_id: str, form: FormRecord) -> None:
        self.communes.setdefault(commune_id, []).append(form)
