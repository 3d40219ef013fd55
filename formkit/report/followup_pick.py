"""Which responses go on the follow-up list (followup.py), and their comment and phone from the
store: vectorised per question, not per response."""

from __future__ import annotations

import numpy as np

from ..responses.coding import HAS_COMMENT, HAS_PHONE
from ..responses.queries import texts_of
from ..responses.store import ResponseStore
from ..workspace.config import Workspace
from ..workspace.templates import Template
from . import indices as ix
from .followup import FollowUps, LowAnswer
from .groups import Communes
from .labels import NO_OFFICER
from .load import Responses
from .privacy import as_dialled


def follow_up_rule(template: Template, scoring: ix.Scoring, bins: np.ndarray,
                   resp: Responses) -> tuple[np.ndarray, np.ndarray]:
    """(low, follow) per response: a negative answer to a criterion or to another scored question
    (the overall one); on the list when low, or with a comment or a phone. The report's list and
    the follow-up register (loop/register.py) both pick with this."""
    low = scoring.negative_rows(bins)
    for column, _, negative in ix.other_negatives(template):
        low |= negative[resp.codes[:, column]]
    return low, low | (resp.flags & (HAS_COMMENT | HAS_PHONE) > 0)


def follow_up_list(store: ResponseStore, template: Template, scoring: ix.Scoring, current: Responses,
                   bins: np.ndarray, follow: np.ndarray, ws: Workspace, communes: Communes) -> FollowUps:
    """Vectorised per question, not per response; the texts read for the responses that have them."""
    rank = np.array([communes.row[c] for c in current.communes], np.int64)
    rows = np.flatnonzero(follow)
    rows = rows[np.lexsort((current.ids[rows], current.time[rows], rank[current.commune[rows]]))]
    if not len(rows):
        return FollowUps.empty()
    # Low answers: one column per criterion (its bin) and per other scored question with negative
    # options (its code), with a table of LowAnswer per (column, option).
    columns, chosen = [], []
    for c, q in enumerate(scoring.criteria):
        columns.append(q)
        chosen.append(np.where(scoring.negative[c][bins[rows, c]], bins[rows, c], 0))
    for column, q, negative in ix.other_negatives(template):  # the overall question
        codes = current.codes[rows, column]
        columns.append(q)
        chosen.append(np.where(negative[codes], codes, 0))
    table: np.ndarray = np.full((len(columns), max(len(q.scale_options) for q in columns) + 1), None, np.object_)
    for k, q in enumerate(columns):
        for i, option in enumerate(q.scale_options, 1):
            table[k, i] = LowAnswer(q.id, q.title, option.label)
    picked = np.stack(chosen, axis=1).astype(np.uint8)
    text_at = np.flatnonzero(current.flags[rows] & (HAS_COMMENT | HAS_PHONE))
    comment_q, phone_q = template.by_role("comment"), template.by_role("phone")
    question_ids = (comment_q.id if comment_q else None, phone_q.id if phone_q else None)
    comments, phones = [], []
    for a in range(0, len(text_at), TEXTS_AT_ONCE):
        ids = current.ids[rows[text_at[a:a + TEXTS_AT_ONCE]]]
        texts = texts_of(store, np.sort(ids), question_ids)  # in id order: SQLite reads its pages in order
        for response_id in ids.tolist():
            comment, phone = texts.get(response_id, ("", ""))
            comments.append(comment or "")
            phones.append(as_dialled(phone or ""))
    everyone = {o.id: o.name for c in ws.communes for o in c.officers}
    return FollowUps(current.ids[rows], current.commune[rows], current.officer[rows], current.field[rows],
                     current.time[rows], picked, table, text_at, comments, phones,
                     [(c, communes.names.get(c, c)) for c in current.communes],
                     [(o, everyone.get(o, o) if o else NO_OFFICER) for o in current.officers], list(current.fields))


TEXTS_AT_ONCE = 50_000  # responses whose texts one query reads
