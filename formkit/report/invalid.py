"""Invalid answers: counted and listed, never a reason to stop. They are answers that match no
option (recorded when the store coded them), officers or fields the commune's form does not list
(recorded by the readers), and answers to a section its gate question says did not apply."""

from __future__ import annotations

import numpy as np

from ..responses.queries import stored_invalid
from ..responses.store import ResponseStore
from ..workspace.templates import Template
from . import indices as ix
from .load import Responses
from .model import InvalidEntry
from .period import Period, stamp
from .privacy import mask_text

REASONS = {  # what the response readers write -> how the report says it
    "not one of the options": "không thuộc các phương án trả lời",
    "not an officer of this commune's form": "không phải cán bộ trong danh sách của xã",
    "not one of this commune's fields of procedure": "không thuộc các lĩnh vực của xã",
}


def reason_in_vietnamese(text: str) -> str:
    for english, vietnamese in REASONS.items():
        if text.startswith(english):
            return vietnamese + text[len(english):]
    return text


def invalid_list(store: ResponseStore, template: Template, scoring: ix.Scoring, period: Period, scope,
                 current: Responses, bins: np.ndarray, names: dict[str, str]) -> list[InvalidEntry]:
    """Every answer that was not counted for being invalid, with commune, time, question, raw text
    (phone-like numbers masked) and reason."""
    entries = [e for e in stored_invalid(store, template, *period.bounds(), scope)]
    wanted = set(current.ids.tolist()) if current.recoded_invalid else set()
    entries += [e for e in current.recoded_invalid if e[0] in wanted]
    # Answers to a section the gate says did not apply: not counted, listed here.
    for r, c in zip(*np.nonzero(bins == scoring.outside), strict=True):
        q = scoring.criteria[c]
        gate = template.section_of(q.id).ask_if
        assert gate is not None  # only the answers of a section asked under a condition are outside it
        code = int(current.codes[r, scoring.columns[c]])
        entries.append((int(current.ids[r]), q.id, q.scale_options[code - 1].label,
                        f"trả lời dù câu '{gate.question}' không chọn '{gate.answer}' (mục này không áp dụng)"))
    order = np.argsort(current.ids)
    position: np.ndarray | list[int] = (
        order[np.searchsorted(current.ids, [e[0] for e in entries], sorter=order)] if entries else [])
    titles = {q.id: q.title for q in template.questions}
    out = []
    for (response_id, question, raw, reason), r in zip(entries, position, strict=True):
        cid = current.communes[current.commune[r]]
        out.append(InvalidEntry(response_id, cid, names.get(cid, cid), stamp(current.time[r]), question,
                                titles.get(question, ""), mask_text(raw), reason_in_vietnamese(reason)))
    out.sort(key=lambda e: (e.submitted, e.response_id, e.question))
    return out
