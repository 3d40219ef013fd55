"""The workspace state file (state/forms.json): which form belongs to which commune.

Every remote step is recorded before the next one starts, so that a run interrupted at any
point can be finished by the next one without duplicates. A step appends one line to
state/forms.journal (the whole record of the form that changed, flushed to disk): its cost does
not grow with the number of communes. `compact()` — at the end of each command that writes the
journal (create, link, pull: under the workspace lock; a reader never folds it, since a running
`create` goes on appending to it) — folds the journal into forms.json, rewritten atomically, and
removes it. Loading replays the journal over forms.json; each line replaces a whole record by
its place, so replaying a line twice (a crash between the rewrite and the removal) changes
nothing, and a torn last line (a crash mid-write) is a step that was not recorded: the next run
redoes it, finding the form by its nonce. Any other line that cannot be read is skipped the same
way (and kept in forms.journal.damaged when the journal is folded). Each commune
keeps a list of forms: the last is the current one; earlier ones are kept (never deleted) because
their answers still count in reports.

A form record moves through these steps:
  pending    a nonce is chosen and written down before forms.create (the nonce is part of the
             Drive file name, so an orphan form from a crash can be found again)
  created    forms.create answered: formId, responderUri
  built      forms.batchUpdate answered: every question ID
  published  forms.setPublishSettings answered: published and accepting responses
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import DamagedFileError, UsageError
from ..files import atomic_write_text, read_versioned_json
from ..google.backend import GOOGLE_KEY, Backend
from ..i18n import _

FORMAT = 1
Step = Literal["pending", "created", "built", "published"]  # a form record's steps, in order


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
    endpoint: str  # the Backend's key: "google" or the local backend's base URL
    document_title: str  # the Drive file name, which carries the nonce
    nonce: str = ""
    step: Step = "pending"
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
    link_checked: str = ""  # RFC 3339 UTC: when forms.get last confirmed spreadsheet_id; "" = never asked
    responders: str = ""  # who may answer, once checked after publishing: "anyone" (formkit's goal)
    possible_duplicates: list[str] = field(default_factory=list)  # form ids a lost create may also have made

    @property
    def done(self) -> bool:
        return self.step == "published"

    def to_json(self) -> dict[str, Any]:
        raw = dict(vars(self))  # shallow: asdict's deep copies made saving 200 communes slow
        raw["questions"] = {k: vars(q) for k, q in self.questions.items()}
        return raw

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FormRecord:
        raw = dict(raw)
        raw["questions"] = {k: QuestionRecord(**v) for k, v in raw.get("questions", {}).items()}
        return cls(**raw)


class State:
    def __init__(self, path: Path, communes: dict[str, list[FormRecord]] | None = None) -> None:
        self.path = Path(path)
        self.communes: dict[str, list[FormRecord]] = communes or {}
        self._encoded: dict[int, str] = {}  # id(form) -> its JSON, re-encoded only when it changed
        self._journal_end = 0  # where the journal's last whole line ends
        self._places: dict[int, tuple[str, int]] = {}  # id(form) -> (commune id, index), checked on use
        self.salvaged: list[int] = []  # numbers of the journal lines that could not be read and were skipped

    @property
    def journal_path(self) -> Path:
        return self.path.with_name(self.path.stem + ".journal")

    @classmethod
    def load(cls, path: Path) -> State:
        path = Path(path)
        state = cls(path)
        if path.exists():
            state.communes = _read(path)
        state._replay()
        return state

    def _replay(self) -> None:
        journal = self.journal_path
        if not journal.exists():
            return
        data = journal.read_bytes()
        end = data.rfind(b"\n") + 1  # anything after the last newline is a torn write: not recorded
        for number, line in enumerate(data[:end].splitlines(), 1):
            line = line.strip(b"\x00")  # a run that once kept writing at its old offset padded with NULs
            if not line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:  # unreadable: salvage the others (a lost step is redone, its form found by nonce)
                self.salvaged.append(number)
                continue
            try:
                forms = self.communes.setdefault(entry["commune"], [])
                index, form = entry["index"], FormRecord.from_json(entry["form"])
                if index == len(forms):
                    forms.append(form)
                elif 0 <= index < len(forms):
                    forms[index] = form
                else:
                    raise ValueError(_("form {index} of {commune} follows no form {previous}").format(
                        index=index, commune=entry['commune'], previous=index - 1))
            except (ValueError, KeyError, TypeError) as exc:
                raise DamagedFileError(journal, _("line {number}").format(number=number), str(exc), _(
                    "restore the state from a backup (do not delete the journal: `create` would make the forms it "
                    "records a second time)")) from exc
        self._journal_end = end

    def save(self, changed: FormRecord | None = None) -> None:
        """Durably, after every remote step. `changed` names the one form that changed: one journal
        line, whatever the size of the workspace. None (any may have changed): forms.json rewritten."""
        if changed is None:
            self._encoded.clear()
            return self._rewrite()
        self._encoded.pop(id(changed), None)
        place = self._place(changed)
        if place is None:  # not (or no longer) in self.communes: only a whole rewrite is right
            return self._rewrite()
        entry = '{"commune": %s, "index": %d, "form": %s}\n' % (json.dumps(place[0], ensure_ascii=False),
                                                                 place[1], self._encode(changed))
        self._append(entry.encode("utf-8"))

    def compact(self) -> None:
        """Fold the journal into forms.json (at the end of a command); nothing to do without one."""
        if self._journal_end or self.journal_path.exists():
            self._rewrite()

    def _place(self, form: FormRecord) -> tuple[str, int] | None:
        place = self._places.get(id(form))
        if place is not None and place[1] < len(self.forms(place[0])) and self.forms(place[0])[place[1]] is form:
            return place
        self._places = {id(f): (cid, i) for cid, forms in self.communes.items() for i, f in enumerate(forms)}
        return self._places.get(id(form))

    def _append(self, line: bytes) -> None:
        journal = self.journal_path
        journal.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(journal, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            shrunk = os.fstat(fd).st_size < self._journal_end  # folded or removed by another run
            if not shrunk:
                os.ftruncate(fd, self._journal_end)  # drop a torn line a killed run left behind
                os.lseek(fd, self._journal_end, os.SEEK_SET)
                os.write(fd, line)
                os.fsync(fd)
        finally:
            os.close(fd)
        if shrunk:  # never pad with NULs up to our old offset: this state, in memory, is whole
            self._rewrite()
        else:
            self._journal_end += len(line)

    def _rewrite(self) -> None:
        communes = []
        for cid, forms in self.communes.items():
            lines = ",\n".join("      " + self._encode(f) for f in forms)
            communes.append(f"    {json.dumps(cid)}: [\n{lines}\n    ]")
        text = '{\n  "format": %d,\n  "communes": {\n%s\n  }\n}\n' % (FORMAT, ",\n".join(communes))
        atomic_write_text(self.path, text)
        if self.salvaged and self.journal_path.exists():  # keep what could not be read, for a person to look at
            os.replace(self.journal_path, self.journal_path.with_name(self.journal_path.name + ".damaged"))
            self.salvaged = []
        self.journal_path.unlink(missing_ok=True)  # a crash before this: replaying it changes nothing
        self._journal_end = 0

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
            raise UsageError(_("commune '{commune_id}' has no published form yet: run `formkit create` first").format(
                    commune_id=commune_id))
        return form

    def check_backend(self, commune_ids, backend: Backend) -> None:
        """Forms made on Google mean nothing to a local backend, and the other way round. (A local
        backend may come back on another port with the same data, so its address may differ.)"""
        elsewhere = sorted({f"{cid} ({f.endpoint})" for cid in commune_ids for f in self.forms(cid)
                            if f.form_id and not backend.made_here(f.endpoint)})
        if elsewhere:
            message = _("this run talks to {backend}, but these forms were made elsewhere: {forms}. Use the "
                        "same backend (FORMKIT_GOOGLE_ENDPOINT) or a separate workspace.").format(
                    backend=backend, forms=', '.join(elsewhere))
            if backend.key == GOOGLE_KEY:  # a try on the embedded backend, now for real
                moved = self.path.parent.with_name(self.path.parent.name + "-local")
                message += " " + _("To start over on Google in this workspace, move the state folder of that "
                                   "try aside (its forms, ballots and answers stay there): "
                                   "`mv \"{state}\" \"{moved}\"` (PowerShell: `Move-Item \"{state}\" \"{moved}\"`), "
                                   "then run `formkit create` again. Posters printed during the try point to the "
                                   "embedded backend and its ballots to its forms: print them again.").format(
                    state=self.path.parent, moved=moved)
            raise UsageError(message)

    def add(self, commune_id: str, form: FormRecord) -> None:
        forms = self.communes.setdefault(commune_id, [])
        forms.append(form)
        self._places[id(form)] = (commune_id, len(forms) - 1)


def _read(path: Path) -> dict[str, list[FormRecord]]:
    """forms.json's forms per commune. A file that is not what formkit writes is a damaged file
    (exit 2), named with the place where it goes wrong, so someone can restore it or move it aside."""
    raw = read_versioned_json(path, FORMAT)
    communes = raw.get("communes")
    if not isinstance(communes, dict):
        raise DamagedFileError(path, "communes", _("missing, or not an object of communes"))
    out: dict[str, list[FormRecord]] = {}
    for cid, forms in communes.items():
        if not isinstance(forms, list):
            raise DamagedFileError(path, f"communes.{cid}", _("not a list of forms"))
        try:
            out[cid] = [FormRecord.from_json(f) for f in forms]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DamagedFileError(path, f"communes.{cid}", _("a form record is not readable ({error})").format(
                error=exc)) from None
    return out
