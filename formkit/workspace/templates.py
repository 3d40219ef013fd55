"""Question-set templates: TOML data files loaded, NFC-normalised and validated with clear errors.

A template lists sections of questions, the answer scales, and how its index is computed, so that
neither `formkit create` nor `formkit report` needs code per template. Lookup order: the
workspace's own `templates/` folder, then the templates shipped with formkit.
"""

from __future__ import annotations

import dataclasses
import math
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..files import nfc as nfc  # re-exported: responses/ take the template's text form from here
from ..files import read_toml
from ..i18n import _
from ..resources import first_file, shipped_dir
from .toml import MAX_NAME, MAX_TEXT, TomlReader, at

KINDS = {"choice", "dropdown", "text", "paragraph", "info"}
ROLES = {"officer", "field", "receipt", "overall", "comment", "phone", "consent"}
ROLLUPS = {"mean", "pooled"}
# {office}: the office's name (workspace [office]); {controller}: the commune's People's Committee,
# which controls the personal data; {retention}: how long a phone is kept ("6 tháng").
PLACEHOLDERS = {"commune", "unit", "office", "controller", "retention"}
MAX_SPEC_WIDTH = MAX_NAME  # a {placeholder:spec}'s width or precision: "{commune:>300000000}" would take gigabytes
# Python's format mini-language for text: [[fill]align][0][width][.precision][s]
_TEXT_SPEC = re.compile(r"^(?:.?[<>=^])?0?(?P<width>\d*)(?:\.(?P<precision>\d+))?s?$", re.DOTALL)
METHOD_MAX = 400  # one sentence in the report's first paragraph


@dataclass(frozen=True)
class Option:
    label: str
    score: float | None = None  # None: not counted in the index (like a blank answer)
    satisfied: bool = False
    negative: bool = False  # a rating that puts the response on the follow-up list


@dataclass(frozen=True)
class Scale:
    id: str
    options: tuple[Option, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(o.label for o in self.options)


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    title: str
    description: str = ""
    required: bool = False
    role: str | None = None
    scale: Scale | None = None
    option_label: str = "{name}"  # officer dropdown: how an officer reads in the list
    factor: str | None = None  # set for criteria: the factor whose section holds them

    @property
    def is_criterion(self) -> bool:
        return self.factor is not None

    @property
    def has_answer(self) -> bool:
        return self.kind != "info"

    @property
    def fixed_options(self) -> tuple[str, ...]:
        return self.scale.labels if self.scale else ()

    @property
    def scale_options(self) -> tuple[Option, ...]:
        """The scale's options with their scores; none for a question without a scale."""
        return self.scale.options if self.scale else ()


@dataclass(frozen=True)
class Condition:
    question: str
    answer: str


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    description: str
    factor: str | None
    ask_if: Condition | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Factor:
    id: str
    title: str
    criteria: tuple[Question, ...]


@dataclass(frozen=True)
class IndexRule:
    name: str
    factor: str = "mean"
    overall: str = "mean"


@dataclass(frozen=True)
class Template:
    id: str
    version: int
    name: str
    form_title: str
    description: str
    index: IndexRule
    scales: dict[str, Scale]
    sections: tuple[Section, ...]
    source: Path
    method: str = ""  # the method's official name, as a report cites it ("theo …"); "" cites the name
    questions: tuple[Question, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "questions", tuple(q for s in self.sections for q in s.questions))

    @property
    def cited(self) -> str:
        """How a report names the question set after "theo": its method, else its name."""
        return self.method or f"bộ câu hỏi “{self.name}”"

    def with_texts(self, values: dict[str, str]) -> Template:
        """The template with its section and question titles' {placeholders} filled in, as a report
        prints them (the form fills them per commune when it is made: formspec.texts)."""
        sections = tuple(dataclasses.replace(
            s, title=s.title.format(**values),
            questions=tuple(dataclasses.replace(q, title=q.title.format(**values)) for q in s.questions))
            for s in self.sections)
        return dataclasses.replace(self, sections=sections)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def by_role(self, role: str) -> Question | None:
        return next((q for q in self.questions if q.role == role), None)

    @property
    def factors(self) -> tuple[Factor, ...]:
        return tuple(
            Factor(s.factor, s.title, tuple(q for q in s.questions if q.is_criterion))
            for s in self.sections
            if s.factor is not None
        )

    @property
    def criteria(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.is_criterion)

    def section_of(self, question_id: str) -> Section:
        return next(s for s in self.sections if any(q.id == question_id for q in s.questions))

    @property
    def phone_consent(self) -> Condition | None:
        """The consent a phone needs: the consent question and the answer that gives it (the
        condition of the phone's section); None for a template that asks no phone."""
        phone = self.by_role("phone")
        return self.section_of(phone.id).ask_if if phone is not None else None

    def phone_allowed(self, answers: dict[str, str]) -> bool:
        """Whether a response's phone may be kept: consent given explicitly, as the form asked it."""
        consent = self.phone_consent
        return consent is not None and nfc(answers.get(consent.question) or "").strip() == consent.answer


def template_dirs(workspace_dir: Path | None) -> list[Path]:
    dirs = []
    if workspace_dir is not None:
        dirs.append(Path(workspace_dir) / "templates")
    dirs.append(shipped_dir("templates") / "forms")
    return dirs


def available_templates(workspace_dir: Path | None = None) -> list[str]:
    names: set[str] = set()
    for d in template_dirs(workspace_dir):
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.toml"))
    return sorted(names)


def find_template(template_id: str, workspace_dir: Path | None = None) -> Path | None:
    return first_file(template_dirs(workspace_dir), f"{template_id}.toml")


def load_template(template_id: str, workspace_dir: Path | None = None) -> Template:
    path = find_template(template_id, workspace_dir)
    if path is None:
        known = ", ".join(available_templates(workspace_dir)) or _("none")
        raise InputError(
            Problem("formkit.toml", "template", _("unknown template '{template_id}' (known: {known})").format(
                    template_id=template_id, known=known))
        )
    return load_template_file(path)


def load_template_file(path: Path) -> Template:
    path = Path(path)
    return _TemplateReader(path, read_toml(path)).read()


def spec_problem(spec: str) -> str:
    """What is wrong with a placeholder's format spec ("" if nothing): only text alignment, width
    and precision, each at most MAX_SPEC_WIDTH, checked before anything is expanded."""
    if not spec:
        return ""
    match = _TEXT_SPEC.match(spec)
    if match is None:
        return _("only alignment, width and precision are allowed, e.g. {{commune:<30}}")
    for number in (match.group("width"), match.group("precision")):
        if number and int(number) > MAX_SPEC_WIDTH:
            return _("a width or precision of {n} is more than {limit}").format(n=number, limit=MAX_SPEC_WIDTH)
    return ""


class _TemplateReader(TomlReader):
    """Turns the parsed TOML into a Template, collecting every problem before failing."""

    def __init__(self, path: Path, raw: dict[str, Any]) -> None:
        super().__init__(str(path), raw)
        self.path = path

    def text(self, table: dict, key: str, place: str, required: bool = True, default: str = "", *,
             numbers: bool = False, blank_is_missing: bool = False, max_length: int = MAX_TEXT,
             newlines: bool = True) -> str:
        """As TomlReader.text, with its {placeholders} checked."""
        value = super().text(table, key, place, required, default, numbers=numbers,
                             blank_is_missing=blank_is_missing, max_length=max_length, newlines=newlines)
        self.check_placeholders(value, at(place, key))
        return value

    def check_placeholders(self, value: str, place: str, allowed: set[str] = PLACEHOLDERS) -> None:
        try:
            fields = [(name, spec) for _, name, spec, _ in string.Formatter().parse(value) if name is not None]
        except ValueError as exc:
            self.problem(place, _("bad placeholder syntax: {exc}").format(exc=exc))
            return
        names = {name for name, _ in fields}
        for name, spec in fields:
            spec = spec or ""
            problem = spec_problem(spec)
            if problem:
                self.problem(place, _("placeholder {{{name}:{spec}}}: {problem}").format(
                    name=name, spec=spec if len(spec) <= 40 else spec[:40] + "…", problem=problem))
        unknown = names - allowed
        if unknown:
            self.problem(place, _("unknown placeholder(s) {unknown}; allowed: {allowed}").format(
                    unknown=sorted(unknown), allowed=sorted(allowed)))

    def read(self) -> Template:
        raw = self.raw
        self.unknown_keys(raw, {"id", "version", "name", "method", "form_title", "description", "index", "scales",
                                "sections"})
        template_id = self.text(raw, "id", "")
        if template_id and template_id != self.path.stem:
            self.problem("id", _("'{template_id}' does not match the file name '{stem}.toml'").format(
                    template_id=template_id, stem=self.path.stem))
        version = raw.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.problem("version", _("must be a whole number ≥ 1"))
            version = 1
        name = self.text(raw, "name", "", max_length=MAX_NAME, newlines=False)
        method = self.text(raw, "method", "", required=False, max_length=METHOD_MAX, newlines=False,
                           blank_is_missing=True).strip()
        form_title = self.text(raw, "form_title", "", max_length=MAX_NAME, newlines=False)
        description = self.text(raw, "description", "", required=False)
        index = self.read_index(raw.get("index"))
        scales = self.read_scales(raw.get("scales"))
        sections = self.read_sections(raw.get("sections"), scales)
        self.problems.raise_if_any(_("template {path} is not valid").format(path=self.path))
        return Template(template_id, version, name, form_title, description, index, scales, sections, self.path,
                        method)

    def read_index(self, table: Any) -> IndexRule:
        if not isinstance(table, dict):
            self.problem("index", _("missing table [index] (name, factor, overall)"))
            return IndexRule("")
        self.unknown_keys(table, {"name", "factor", "overall"}, "index")
        rollups = {}
        for key in ("factor", "overall"):
            value = table.get(key, "mean")
            if not isinstance(value, str) or value not in ROLLUPS:
                self.problem(f"index.{key}", _("'{value}' is not one of {options}").format(
                        value=value, options=sorted(ROLLUPS)))
                value = "mean"
            rollups[key] = value
        return IndexRule(self.text(table, "name", "index"), **rollups)

    def read_scales(self, table: Any) -> dict[str, Scale]:
        scales: dict[str, Scale] = {}
        if not isinstance(table, dict) or not table:
            self.problem("scales", _("missing: at least one [scales.<id>] with options"))
            return scales
        for scale_id, body in table.items():
            place = f"scales.{scale_id}"
            options_raw = body.get("options") if isinstance(body, dict) else None
            if not isinstance(options_raw, list) or len(options_raw) < 2:
                self.problem(f"{place}.options", _("must list at least two options"))
                continue
            options = []
            for i, opt in enumerate(options_raw, 1):
                opt_place = f"{place}.options[{i}]"
                if not isinstance(opt, dict):
                    self.problem(opt_place, _("must be a table like { label = \"…\", score = 1 }"))
                    continue
                self.unknown_keys(opt, {"label", "score", "satisfied", "negative"}, opt_place)
                label = self.text(opt, "label", opt_place, max_length=MAX_NAME, newlines=False)
                score = opt.get("score")
                if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
                    self.problem(f"{opt_place}.score", _("must be a number"))
                    score = None
                elif score is not None and not math.isfinite(score):
                    self.problem(f"{opt_place}.score", _("{score} is not a number an index can use").format(
                            score=score))
                    score = None
                satisfied, negative = bool(opt.get("satisfied")), bool(opt.get("negative"))
                if (satisfied or negative) and score is None:
                    self.problem(opt_place, _("a satisfied or negative option needs a score"))
                if satisfied and negative:
                    self.problem(opt_place, _("cannot be both satisfied and negative"))
                options.append(Option(label, score, satisfied, negative))
            labels = [o.label for o in options]
            for dup in sorted({x for x in labels if labels.count(x) > 1}):
                self.problem(f"{place}.options", _("option '{dup}' appears twice").format(dup=dup))
            if any(o.score is not None for o in options) and not any(o.satisfied for o in options):
                self.problem(f"{place}.options", _("a scored scale needs at least one option with satisfied = true "
                                                   "(the index counts those)"))
            scales[scale_id] = Scale(scale_id, tuple(options))
        return scales

    def read_sections(self, raw_sections: Any, scales: dict[str, Scale]) -> tuple[Section, ...]:
        if not isinstance(raw_sections, list) or not raw_sections:
            self.problem("sections", _("missing: at least one [[sections]]"))
            return ()
        sections: list[Section] = []
        seen_sections: set[str] = set()
        seen_questions: set[str] = set()
        roles: dict[str, str] = {}
        for s_index, raw in enumerate(raw_sections, 1):
            place = f"sections[{s_index}]"
            if not isinstance(raw, dict):
                self.problem(place, _("must be a table ([[sections]])"))
                continue
            self.unknown_keys(raw, {"id", "title", "description", "factor", "ask_if", "questions"}, place)
            if not isinstance(raw.get("questions") or [], list):
                self.problem(f"{place}.questions", _("must be a list of questions ([[sections.questions]])"))
                raw = {**raw, "questions": []}
            section_id = self.text(raw, "id", place)
            if section_id in seen_sections:
                self.problem(f"{place}.id", _("section id '{section_id}' is used twice").format(section_id=section_id))
            seen_sections.add(section_id)
            factor = raw.get("factor")
            if factor is not None and not isinstance(factor, str):
                self.problem(f"{place}.factor", _("must be text, e.g. \"1\""))
                factor = None
            questions = []
            for q_index, q_raw in enumerate(raw.get("questions") or [], 1):
                q = self.read_question(q_raw, f"{place}.questions[{q_index}]", scales, factor)
                if q is None:
                    continue
                if q.id in seen_questions:
                    self.problem(f"{place}.questions[{q_index}].id", _("question id '{id}' is used twice").format(
                            id=q.id))
                seen_questions.add(q.id)
                if q.role:
                    if q.role in roles:
                        self.problem(f"{place}.questions[{q_index}].role", _("role '{role}' already used by "
                                                                             "'{question}'").format(
                                role=q.role, question=roles[q.role]))
                    roles[q.role] = q.id
                questions.append(q)
            if not questions:
                self.problem(f"{place}.questions", _("a section needs at least one question"))
            elif factor is not None and not any(q.factor is not None for q in questions):
                self.problem(f"{place}.factor",
                             _("factor '{factor}' has no criteria (no scored choice question)").format(factor=factor))
            ask_if = self.read_condition(raw.get("ask_if"), f"{place}.ask_if")
            sections.append(
                Section(section_id, self.text(raw, "title", place), self.text(raw, "description", place, False),
                        factor, ask_if, tuple(questions))
            )
        self.check_conditions(sections)
        factors = [s.factor for s in sections if s.factor is not None]
        for dup in sorted({f for f in factors if factors.count(f) > 1}):
            self.problem("sections", _("factor '{dup}' is given to more than one section").format(dup=dup))
        if not factors:
            self.problem("sections", _("no section has a factor: the index would have nothing to count"))
        return tuple(sections)

    def read_question(self, raw: Any, place: str, scales: dict[str, Scale], factor: str | None) -> Question | None:
        if not isinstance(raw, dict):
            self.problem(place, _("must be a table"))
            return None
        self.unknown_keys(raw, {"id", "kind", "title", "description", "required", "role", "scale", "option_label"},
                          place)
        qid = self.text(raw, "id", place)
        kind = raw.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            self.problem(f"{place}.kind", _("'{kind}' is not one of {options}").format(
                    kind=kind, options=sorted(KINDS)))
            kind = kind if isinstance(kind, str) else None
        role = raw.get("role")
        if role is not None and (not isinstance(role, str) or role not in ROLES):
            self.problem(f"{place}.role", _("'{role}' is not one of {options}").format(
                    role=role, options=sorted(ROLES)))
            role = None
        scale = None
        scale_id = raw.get("scale")
        if scale_id is not None and not isinstance(scale_id, str):
            self.problem(f"{place}.scale", _("must be the id of a scale, e.g. \"muc-do\""))
            scale_id = None
        if scale_id is not None:
            scale = scales.get(scale_id)
            if scale is None:
                self.problem(f"{place}.scale", _("unknown scale '{scale_id}' (defined: {defined})").format(
                        scale_id=scale_id, defined=', '.join(scales) or _("none")))
        if kind in ("choice", "dropdown") and role not in ("officer", "field") and scale_id is None:
            self.problem(f"{place}.scale", _("a {kind} question needs a scale (its options)").format(kind=kind))
        if role in ("officer", "field"):
            if kind != "dropdown":
                self.problem(f"{place}.kind", _("a question with role '{role}' must be a dropdown").format(role=role))
            if scale_id is not None:
                self.problem(f"{place}.scale",
                             _("role '{role}' takes its options from the workspace, not a scale").format(role=role))
        if kind in ("text", "paragraph", "info") and scale_id is not None:
            self.problem(f"{place}.scale", _("a {kind} question has no options").format(kind=kind))
        option_label = raw.get("option_label", "{name}")
        if not isinstance(option_label, str):
            self.problem(f"{place}.option_label", _("must be text, e.g. \"{name} ({title})\""))
            option_label = "{name}"
        if role == "officer":
            self.check_placeholders(option_label, f"{place}.option_label", {"name", "title", "counter", "id"})
        is_criterion = factor is not None and kind in ("choice", "dropdown") and role is None
        if is_criterion and scale is not None and not any(o.score is not None for o in scale.options):
            self.problem(f"{place}.scale", _("a criterion's scale needs scored options"))
        return Question(
            id=qid,
            kind=kind or "text",
            title=self.text(raw, "title", place),
            description=self.text(raw, "description", place, required=False),
            required=bool(raw.get("required", False)),
            role=role,
            scale=scale,
            option_label=option_label,
            factor=factor if is_criterion else None,
        )

    def read_condition(self, raw: Any, place: str) -> Condition | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or set(raw) != {"question", "answer"}:
            self.problem(place, _("must be { question = \"<id>\", answer = \"<option>\" }"))
            return None
        return Condition(str(raw["question"]), str(raw["answer"]))

    def check_conditions(self, sections: list[Section]) -> None:
        """A conditional section is reached by a choice question in the section just before it.

        That is what Google Forms navigation can express: each option of a single-choice question
        jumps to a section when the respondent leaves the question's section.
        """
        for i, section in enumerate(sections):
            cond = section.ask_if
            if cond is None:
                continue
            place = f"sections[{i + 1}].ask_if"
            if i == 0:
                self.problem(place, _("the first section cannot be conditional"))
                continue
            previous = sections[i - 1]
            gate = next((q for q in previous.questions if q.id == cond.question), None)
            if gate is None:
                self.problem(place, _("question '{question}' must be in the section just before ('{id}')").format(
                        question=cond.question, id=previous.id))
                continue
            if gate.kind not in ("choice", "dropdown") or gate.scale is None:
                self.problem(place, _("question '{question}' must be a choice or dropdown with a scale").format(
                        question=cond.question))
            elif cond.answer not in gate.scale.labels:
                self.problem(place, _("'{answer}' is not an option of '{question}' {options}").format(
                        answer=cond.answer, question=cond.question, options=list(gate.scale.labels)))
            if not gate.required:
                self.problem(place, _("question '{question}' decides navigation and must be required").format(
                        question=cond.question))
            gates = [q for q in previous.questions if any(s.ask_if and s.ask_if.question == q.id for s in sections)]
            if len(gates) > 1:
                self.problem(place, _("section '{id}' holds more than one navigation question").format(id=previous.id))
        self.check_phone_consent(sections)

    def check_phone_consent(self, sections: list[Section]) -> None:
        """A phone is personal data (Law 91/2025/QH15): a template asks for it only in a section
        reached by an explicit "yes" to a question with role "consent" just before it."""
        for i, section in enumerate(sections):
            for j, q in enumerate(section.questions, 1):
                if q.role != "phone":
                    continue
                place = f"sections[{i + 1}].questions[{j}]"
                cond = section.ask_if
                gate = next((g for g in sections[i - 1].questions if g.id == cond.question), None) \
                    if cond is not None and i > 0 else None
                if gate is None or gate.role != "consent":
                    self.problem(place, _("a phone is personal data: put it in a section of its own with ask_if "
                                          "on a question with role \"consent\" (e.g. answer \"Đồng ý\") in the "
                                          "section just before"))
