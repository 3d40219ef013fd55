"""Satisfaction indices, exactly as the template defines them (no code per template).

  criterion index = 100 × answers on satisfied options ÷ answers on scored options
                    (blank, unscored such as "Không biết", and invalid answers are not counted;
                    in a section with ask_if, only responses whose gate answer is the condition)
  factor index    = "mean": mean of its criteria's indices; "pooled": all its answers together
  overall index   = "mean": mean of the factor indices; "pooled": all criteria answers together
A criterion or factor without answers has no index (NaN here, null in JSON) and is left out of
the means above it.

The work is done on counts, never on responses one by one: each response's answer codes become
one small "bin" per criterion, np.bincount counts (group, bin) pairs one criterion at a time, and
every index of every group is arithmetic on that (groups × criteria × bins) table.

Bins of a criterion: 0 blank, 1…k its k options, OUTSIDE (answered although the gate says the
section did not apply), INVALID (text that matched no option).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..responses.coding import INVALID, scale_questions
from ..workspace.templates import Question, Template

CHUNK = 1_000_000  # rows a pass over the responses takes at a time


def score_key(score: float) -> str:
    """How a score level is named in counts: "4", or "2.5" for a fractional score."""
    return str(int(score)) if float(score).is_integer() else repr(float(score))


@dataclass(frozen=True)
class Scoring:
    """The template's counting rules as lookup tables over bins."""

    template: Template
    criteria: tuple[Question, ...]
    columns: np.ndarray  # (C,) each criterion's position in the coded bytes (scale_questions order)
    width: int  # bins per criterion
    scored: np.ndarray  # (C, width) bool
    satisfied: np.ndarray  # (C, width) bool
    negative: np.ndarray  # (C, width) bool
    unscored: np.ndarray  # (C, width) bool: an option without a score ("Không biết")
    score: np.ndarray  # (C, width) float, 0 where not scored
    levels: tuple[float, ...]  # every score any criterion uses, ascending
    level_of: np.ndarray  # (C, width) int: index into levels, -1 when not scored
    factor_ids: tuple[str, ...]
    member: np.ndarray  # (C, F) float: 1 where criterion c belongs to factor f
    gates: tuple[tuple[int, int, np.ndarray], ...]  # (gate column, code meaning "yes", criteria indices)
    lut: np.ndarray  # (256,) uint8: stored code -> bin

    @property
    def outside(self) -> int:
        return self.width - 2

    @property
    def invalid(self) -> int:
        return self.width - 1

    @classmethod
    def from_template(cls, template: Template) -> Scoring:
        coded = scale_questions(template)
        position = {q.id: i for i, q in enumerate(coded)}
        criteria = tuple(q for q in template.criteria if q.id in position)
        most = max(len(q.scale_options) for q in criteria)
        width = most + 3
        shape = (len(criteria), width)
        scored, satisfied, negative, unscored = (np.zeros(shape, bool) for _ in range(4))
        score = np.zeros(shape)
        levels = sorted({o.score for q in criteria for o in q.scale_options if o.score is not None})
        level_of = np.full(shape, -1)
        for c, q in enumerate(criteria):
            for k, option in enumerate(q.scale_options, 1):
                if option.score is None:
                    unscored[c, k] = True
                    continue
                scored[c, k], satisfied[c, k], negative[c, k] = True, option.satisfied, option.negative
                score[c, k] = option.score
                level_of[c, k] = levels.index(option.score)
        factor_ids = tuple(f.id for f in template.factors)
        member = np.zeros((len(criteria), len(factor_ids)))
        for c, q in enumerate(criteria):
            member[c, factor_ids.index(q.factor)] = 1.0
        gates = []
        for section in template.sections:
            if section.ask_if is None:
                continue
            inside = np.array([c for c, q in enumerate(criteria) if q.id in {x.id for x in section.questions}], int)
            gate = template.question(section.ask_if.question)
            if len(inside) and gate.id in position:
                gates.append((position[gate.id], gate.fixed_options.index(section.ask_if.answer) + 1, inside))
        lut = np.full(256, width - 1, np.uint8)  # anything unexpected counts as invalid
        lut[: most + 1] = np.arange(most + 1)
        lut[INVALID] = width - 1
        return cls(template, criteria, np.array([position[q.id] for q in criteria], int), width, scored,
                   satisfied, negative, unscored, score, tuple(levels), level_of, factor_ids, member,
                   tuple(gates), lut)

    def bins(self, codes: np.ndarray) -> np.ndarray:
        """(n, C) uint8 bins from the (n, questions) coded bytes, the gates applied."""
        bins = np.empty((len(codes), len(self.columns)), np.uint8)
        for a in range(0, len(codes), CHUNK):  # a million rows at a time: no copy of a nation's codes
            bins[a:a + CHUNK] = self.lut[codes[a:a + CHUNK, self.columns]]
        for gate_column, yes, inside in self.gates:
            skipped = codes[:, gate_column] != yes
            for c in inside:
                answered = (bins[:, c] > 0) & (bins[:, c] < self.outside)
                bins[answered & skipped, c] = self.outside
        return bins

    def negative_rows(self, bins: np.ndarray) -> np.ndarray:
        """(n,) bool: the response rated some criterion on a negative option (counted answers only)."""
        hit = np.zeros(len(bins), bool)
        for c in range(len(self.criteria)):
            hit |= self.negative[c][bins[:, c]]
        return hit


def other_negatives(template: Template) -> list[tuple[int, Question, np.ndarray]]:
    """Scored questions outside the criteria that have negative options (the overall question):
    (position in the coded bytes, question, (256,) bool lookup: code -> negative)."""
    out = []
    for column, q in enumerate(scale_questions(template)):
        if not q.is_criterion and any(o.negative for o in q.scale_options):
            negative = np.zeros(256, bool)
            negative[1:len(q.scale_options) + 1] = [o.negative for o in q.scale_options]
            out.append((column, q, negative))
    return out


def tally(bins: np.ndarray, groups: np.ndarray, n_groups: int, width: int) -> np.ndarray:
    """(n_groups, C, width) counts of each bin per group and criterion."""
    out = np.zeros((n_groups, bins.shape[1], width), np.int64)
    for a in range(0, len(bins), CHUNK):  # a million rows at a time: small temporaries
        base = groups[a:a + CHUNK].astype(np.int64) * width
        for c in range(bins.shape[1]):
            counted = np.bincount(base + bins[a:a + CHUNK, c], minlength=n_groups * width)
            out[:, c, :] += counted.reshape(n_groups, width)
    return out


def combine(counts: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum the rows of a per-group table into coarser groups (groups[i] = target of row i; -1 drops)."""
    out = np.zeros((n_groups,) + counts.shape[1:], counts.dtype)
    keep = groups >= 0
    np.add.at(out, groups[keep], counts[keep])
    return out


def _mean_over(values: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Mean of the finite values in each column group (values (G, C), member (C, F)) -> (G, F)."""
    finite = np.isfinite(values)
    total = np.where(finite, values, 0.0) @ member
    n = finite.astype(float) @ member
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.where(n > 0, n, 1), np.nan)


def _ratio(top: np.ndarray, bottom: np.ndarray, scale: float = 1.0) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bottom > 0, scale * top / np.where(bottom > 0, bottom, 1), np.nan)


@dataclass
class Indices:
    """Every index of G groups at once; NaN where there was nothing to count."""

    counts: np.ndarray  # (G, C, width)
    answers: np.ndarray  # (G, C) answers on scored options
    satisfied: np.ndarray  # (G, C)
    criterion: np.ndarray  # (G, C) index 0–100
    criterion_mean: np.ndarray  # (G, C) mean score
    levels: np.ndarray  # (G, C, L) answers per score level
    factor: np.ndarray  # (G, F)
    factor_mean: np.ndarray
    factor_answers: np.ndarray
    factor_satisfied: np.ndarray
    overall: np.ndarray  # (G,)
    overall_mean: np.ndarray
    blank: np.ndarray  # (G, C)
    unscored: np.ndarray
    outside: np.ndarray
    invalid: np.ndarray


def compute(counts: np.ndarray, scoring: Scoring) -> Indices:
    """All indices from a (G, C, width) tally, following the template's rollup rules."""
    s = scoring
    answers = np.einsum("gck,ck->gc", counts, s.scored.astype(np.int64))
    satisfied = np.einsum("gck,ck->gc", counts, s.satisfied.astype(np.int64))
    score_sum = np.einsum("gck,ck->gc", counts, s.score)
    levels = np.zeros(counts.shape[:2] + (len(s.levels),), np.int64)
    for li in range(len(s.levels)):
        levels[:, :, li] = np.einsum("gck,ck->gc", counts, (s.level_of == li).astype(np.int64))
    criterion = _ratio(satisfied, answers, 100.0)
    criterion_mean = _ratio(score_sum, answers)
    factor_answers, factor_satisfied = answers @ s.member, satisfied @ s.member
    rule = s.template.index
    if rule.factor == "pooled":
        factor = _ratio(factor_satisfied, factor_answers, 100.0)
        factor_mean = _ratio(score_sum @ s.member, factor_answers)
    else:
        factor = _mean_over(criterion, s.member)
        factor_mean = _mean_over(criterion_mean, s.member)
    if rule.overall == "pooled":
        overall = _ratio(satisfied.sum(1), answers.sum(1), 100.0)
        overall_mean = _ratio(score_sum.sum(1), answers.sum(1))
    else:
        every = np.ones((len(s.factor_ids), 1))
        overall = _mean_over(factor, every)[:, 0]
        overall_mean = _mean_over(factor_mean, every)[:, 0]
    return Indices(counts, answers, satisfied, criterion, criterion_mean, levels, factor, factor_mean,
                   factor_answers, factor_satisfied, overall, overall_mean, counts[:, :, 0],
                   np.einsum("gck,ck->gc", counts, s.unscored.astype(np.int64)), counts[:, :, s.outside],
                   counts[:, :, s.invalid])
