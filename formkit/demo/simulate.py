"""Plausible citizens for the demo and benchmarks: answers submitted through the embedded
backend's respondent page, exactly as a phone would after scanning an officer's QR code.

Deterministic for a seed. Each officer has a "quality" that tilts their ratings; a quarter of the
respondents gave feedback (and so answer factor 5); some leave a comment, a few a phone number;
a handful answer in the evening; one officer gets a burst of identical answers (ballot stuffing)
so the report has something to flag.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import requests

from ..forms.formspec import entry_number
from ..forms.state import FormRecord, State
from ..responses.store import VIETNAM
from ..workspace.config import Commune, Workspace
from ..workspace.templates import Template

COMMENTS = [
    "Cán bộ hướng dẫn nhiệt tình, dễ hiểu.",
    "Phòng chờ hơi nóng, đề nghị lắp thêm quạt.",
    "Thời gian chờ lâu, nên có máy bấm số thứ tự.",
    "Cần niêm yết rõ hơn mức phí chứng thực.",
    "Rất hài lòng, cảm ơn Bộ phận Một cửa.",
    "Hồ sơ bị trả lại hai lần vì thiếu giấy tờ mà lần đầu không được hướng dẫn.",
]


def submit_url(form: FormRecord) -> str:
    return form.responder_uri.rsplit("/", 1)[0] + "/formResponse"


def one_response(rng: random.Random, template: Template, form: FormRecord, commune: Commune,
                 quality: dict[str, float]) -> dict[str, str]:
    """entry.N -> value for one plausible respondent."""
    answers: dict[str, str] = {}

    def put(question_id: str, value: str) -> None:
        answers[f"entry.{entry_number(form.questions[question_id].question_id)}"] = value

    officer = rng.choice(commune.officers)
    officer_q, field_q = template.by_role("officer"), template.by_role("field")
    if officer_q and rng.random() < 0.9:  # most arrive through an officer's QR
        put(officer_q.id, form.officer_options[officer.id])
    if field_q and commune.fields and rng.random() < 0.8:
        put(field_q.id, rng.choice(commune.fields))
    # Ratings hang together: most respondents leave content (the officer's quality is the chance),
    # the others are let down on a few points rather than on everything.
    content = rng.random() < quality.get(officer.id, 0.8)
    mood = 0.97 if content else 0.55
    gate_answers: dict[str, str] = {}
    for section in template.sections:
        for q in section.questions:
            if q.scale is None or q.role in ("officer", "field", "consent"):
                continue
            gated = section.ask_if is not None and gate_answers.get(section.ask_if.question) != section.ask_if.answer
            if gated:
                continue
            labels = q.scale.labels
            if not (q.is_criterion or q.role == "overall"):
                choice = labels[0] if rng.random() < 0.25 else labels[-1]  # e.g. gave feedback: Có / Không
                gate_answers[q.id] = choice
            else:
                choice = _rated(rng, q, mood, content)
            put(q.id, choice)
    comment, phone, consent = (template.by_role(r) for r in ("comment", "phone", "consent"))
    agreed = False
    if comment and rng.random() < (0.03 if content else 0.2):
        put(comment.id, rng.choice(COMMENTS))
        agreed = bool(phone and rng.random() < 0.5)
        if phone and agreed:
            put(phone.id, "09" + "".join(str(rng.randrange(10)) for _ in range(8)))
    if consent is not None and template.phone_consent is not None:  # an explicit choice either way
        no = next(label for label in consent.fixed_options if label != template.phone_consent.answer)
        put(consent.id, template.phone_consent.answer if agreed else no)
    return answers


def _rated(rng: random.Random, q, mood: float, content: bool) -> str:
    """Satisfied with probability `mood`; otherwise the middle option for a content respondent,
    lower ones now and then for the others. Sometimes an unscored option ("Không biết")."""
    options = q.scale.options
    unscored = [o for o in options if o.score is None]
    if unscored and rng.random() < 0.04:
        return unscored[0].label
    satisfied = sorted((o for o in options if o.satisfied), key=lambda o: o.score)
    others = sorted((o for o in options if o.score is not None and not o.satisfied), key=lambda o: -o.score)
    if rng.random() < mood or not others:
        return satisfied[-1].label if rng.random() < mood * 0.6 else satisfied[0].label
    weights = [1.0, 0.0, 0.0][: len(others)] if content else [0.6, 0.28, 0.12][: len(others)]
    return rng.choices(others, weights=weights)[0].label


def office_time(rng: random.Random, start: datetime, end: datetime, evening: bool = False) -> datetime:
    days = max(1, (end - start).days)
    while True:
        day = start + timedelta(days=rng.randrange(days))
        if day.isoweekday() <= 5 or evening:
            break
    minute = rng.randrange(19 * 60, 22 * 60) if evening else rng.randrange(7 * 60 + 30, 17 * 60)
    return datetime.combine(day.date(), time(minute // 60, minute % 60, rng.randrange(60)), VIETNAM)


def submit_sample_responses(ws: Workspace, state: State, count: int, start: datetime, end: datetime,
                            seed: int = 2640) -> int:
    """Submit `count` responses spread over [start, end) plus a planted burst; returns how many."""
    rng = random.Random(seed)
    session = requests.Session()
    quality = {o.id: rng.uniform(0.45, 0.85) for c in ws.communes for o in c.officers}
    submitted = 0

    def post(form: FormRecord, data: dict[str, str], moment: datetime) -> None:
        nonlocal submitted
        # X-Formkit-Submit-Time exists only on the embedded backend, to spread demo answers in time.
        response = session.post(submit_url(form), data=data, timeout=30,
                                headers={"X-Formkit-Submit-Time": moment.isoformat()})
        response.raise_for_status()
        submitted += 1

    communes = [c for c in ws.communes if (form := state.current(c.id)) is not None and form.done]
    for _ in range(count):
        commune = rng.choice(communes)
        form = state.published(commune.id)
        moment = office_time(rng, start, end, evening=rng.random() < 0.03)
        post(form, one_response(rng, ws.template, form, commune, quality), moment)
    # Ballot stuffing: eight identical top ratings for one officer within a few minutes.
    commune = communes[0]
    form = state.published(commune.id)
    burst = one_response(random.Random(seed + 1), ws.template, form, commune, {o.id: 1.0 for o in commune.officers})
    burst_start = office_time(rng, end - timedelta(days=30), end)  # in the period being reported
    for i in range(8):
        post(form, burst, burst_start + timedelta(seconds=40 * i))
    return submitted
