"""The tables of a synthetic population, one builder per facts table, each drawing its
columns for a whole chunk of patients at once (see `trialdesk.population.synth` for the
designed distributions and their sources).

A builder takes the chunk's `Cohort` (the patient-level draws every table agrees on: age,
sex, histology, stage, dates) and the chunk's Generator, and returns an Arrow table of
the store's disk columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa  # no type information shipped

from trialdesk.criteria.ast import COLLECTIONS
from trialdesk.errors import TrialdeskError
from trialdesk.knowledge.base import Knowledge
from trialdesk.population import synth_vocabulary as vocab
from trialdesk.population.synth_vocabulary import Categorical

# -- column helpers --------------------------------------------------------------------------


def pick(rng: np.random.Generator, options: Categorical, size: int) -> np.ndarray:
    """Indices into `options.values`, drawn with `options.weights`."""
    return np.searchsorted(options.cumulative, rng.random(size), side="right").clip(0, len(options.values) - 1)


def strings(values: tuple[object, ...], index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    dictionary = pa.array([str(v) for v in values], pa.string())
    mask = None if valid is None else ~valid
    return dictionary.take(pa.array(index.astype(np.int32), pa.int32(), mask=mask))


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.date32(), mask=None if valid is None else ~valid)


def numbers(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    missing = np.isnan(values) if valid is None else ~valid | np.isnan(values)
    return pa.array(values.astype(np.float64), pa.float64(), mask=missing)


def integers(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(np.int64), pa.int64(), mask=None if valid is None else ~valid)


def tristate(rng: np.random.Generator, size: int, p_true: float, p_null: float = 0.0) -> np.ndarray:
    """1 true, 0 false, -1 unknown."""
    u = rng.random(size)
    return np.where(u < p_null, -1, np.where(u < p_null + (1 - p_null) * p_true, 1, 0)).astype(np.int8)


def booleans(state: np.ndarray) -> pa.Array:
    return pa.array(state == 1, pa.bool_(), mask=state < 0)


def uniform_days(rng: np.random.Generator, low: float, high: float, size: int) -> np.ndarray:
    return np.floor(rng.uniform(low, high, size)).astype(np.int64)


def counts(rng: np.random.Generator, mean: np.ndarray | float, size: int, cap: int) -> np.ndarray:
    return np.minimum(rng.poisson(mean, size), cap).astype(np.int64)


def expand(counts_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row → patient index and row → its index among the patient's rows."""
    owner = np.repeat(np.arange(counts_.size), counts_)
    starts = np.repeat(np.cumsum(counts_) - counts_, counts_)
    return owner, np.arange(owner.size) - starts


# -- the cohort ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    """The patient-level draws of one chunk (day numbers count from 1970-01-01)."""

    ids: pa.Array
    as_of: int
    first_dose: np.ndarray
    age_years: np.ndarray
    birth: np.ndarray
    female: np.ndarray
    histology: np.ndarray  # index into vocab.HISTOLOGIES
    family: np.ndarray  # 0 NET, 1 NEC, 2 MiNEN, 3 other NEN, 4 non-NEN
    site: np.ndarray  # index into vocab.SITES
    stage: np.ndarray  # index into vocab.STAGES
    diagnosed: np.ndarray
    documentation: np.ndarray  # probability that a section was reviewed completely
    in_screening: np.ndarray  # a candidate in work-up: attestations collected, tests fresh
    childbearing: np.ndarray  # tristate
    fertile_partner: np.ndarray  # tristate
    lines: np.ndarray  # number of therapy lines

    @property
    def size(self) -> int:
        return int(self.birth.size)

    def advanced(self) -> np.ndarray:
        return self.stage >= 1


def cohort(rng: np.random.Generator, start: int, size: int, width: int, as_of: int, nen_share: float) -> Cohort:
    ids = pa.array([f"SYN{i:0{width}d}" for i in range(start, start + size)], pa.string())
    nen = rng.random(size) < nen_share
    histology = np.where(
        nen,
        vocab.NEN_HISTOLOGY.array()[pick(rng, vocab.NEN_HISTOLOGY, size)],
        vocab.NON_NEN_HISTOLOGY.array()[pick(rng, vocab.NON_NEN_HISTOLOGY, size)],
    )
    family = vocab.HISTOLOGY_FAMILY[histology]
    site = np.zeros(size, np.int64)
    for h, sites in enumerate(vocab.HISTOLOGY_SITES):
        chosen = histology == h
        site[chosen] = sites.array()[pick(rng, sites, int(chosen.sum()))]
    female = rng.random(size) < np.where(nen, 0.527, 0.5)
    female = np.where(np.isin(site, vocab.MALE_SITES), False, np.where(np.isin(site, vocab.FEMALE_SITES), True, female))
    age = np.clip(rng.normal(63.0, 12.0, size), 18.0, 95.9)
    birth = as_of - np.floor(age * 365.25).astype(np.int64) - uniform_days(rng, 0, 300, size)
    stage = np.zeros(size, np.int64)
    for f, stages in enumerate(vocab.FAMILY_STAGES):
        chosen = family == f
        stage[chosen] = pick(rng, stages, int(chosen.sum()))
    aggressive = (family == 1) | (family == 4)
    diagnosed = as_of - 45 - np.floor(rng.exponential(np.where(aggressive, 420.0, 1300.0))).astype(np.int64)
    diagnosed = np.maximum(diagnosed, birth + 18 * 365)
    # candidates: patients a navigator is already working up (consented, fresh tests)
    candidate = rng.random(size) < vocab.CANDIDATE_SHARE[histology]
    documentation = np.where(candidate, 0.99, vocab.DOCUMENTATION.array()[pick(rng, vocab.DOCUMENTATION, size)])
    childbearing = np.where(
        female & (age < 50),
        tristate(rng, size, 0.75, 0.08),
        np.where(female & (age < 55), tristate(rng, size, 0.3, 0.1), 0),
    )
    childbearing = np.where(female, childbearing, -1).astype(np.int8)
    fertile = np.where(female, -1, tristate(rng, size, np.where(age < 70, 0.35, 0.1).mean(), 0.1)).astype(np.int8)
    lines = np.zeros(size, np.int64)
    for f, options in enumerate(vocab.FAMILY_LINES):
        chosen = family == f
        lines[chosen] = pick(rng, options, int(chosen.sum()))
    lines = np.where(stage == 0, np.minimum(lines, (rng.random(size) < 0.3).astype(np.int64)), lines)
    lines = np.where(candidate, np.maximum(lines, 1), lines)
    return Cohort(
        ids=ids,
        as_of=as_of,
        first_dose=as_of + vocab.FIRST_DOSE_DELAY.array()[pick(rng, vocab.FIRST_DOSE_DELAY, size)],
        age_years=age,
        birth=birth,
        female=female,
        histology=histology,
        family=family,
        site=site,
        stage=stage,
        diagnosed=diagnosed,
        documentation=documentation,
        in_screening=candidate,
        childbearing=childbearing,
        fertile_partner=fertile,
        lines=lines,
    )


def check_vocabulary(knowledge: Knowledge) -> None:
    """Every code the generator draws must be known to the knowledge base."""
    problems = vocab.unknown_codes(knowledge)
    if problems:
        raise TrialdeskError(
            f"the synthetic population draws codes the knowledge base does not know: {', '.join(problems)}",
            fix="update trialdesk/population/synth_vocabulary.py to the knowledge base",
        )


# -- the tables ------------------------------------------------------------------------------


def patients(c: Cohort, rng: np.random.Generator) -> pa.Table:
    cbp = c.childbearing == 1
    return pa.table(
        {
            "patient_id": c.ids,
            "as_of": dates(np.full(c.size, c.as_of)),
            "first_dose": dates(c.first_dose),
            "birth_date": dates(c.birth),
            "sex": strings(("female", "male"), np.where(c.female, 0, 1)),
            "childbearing_potential": booleans(c.childbearing),
            "pregnant": booleans(np.where(cbp, tristate(rng, c.size, 0.004, 0.05), np.where(c.female, 0, -1))),
            "lactating": booleans(np.where(cbp, tristate(rng, c.size, 0.004, 0.05), np.where(c.female, 0, -1))),
            "fertile_partner": booleans(c.fertile_partner),
        }
    )


def section_reviews(c: Cohort, rng: np.random.Generator) -> pa.Table:
    sections = tuple(sorted(set(COLLECTIONS.values())))
    k = len(sections)
    owner = np.repeat(np.arange(c.size), k)
    complete = rng.random(owner.size) < c.documentation[owner]
    return pa.table(
        {
            "patient_id": c.ids.take(pa.array(owner)),
            "section": strings(sections, np.tile(np.arange(k), c.size)),
            "complete": pa.array(complete, pa.bool_()),
            "reviewed_on": dates(c.as_of - uniform_days(rng, 0, 12, owner.size), complete),
        }
    )


def diagnoses(c: Cohort, rng: np.random.Generator) -> pa.Table:
    m = c.size
    ki_low = vocab.KI67_RANGE[c.histology, 0]
    ki_high = vocab.KI67_RANGE[c.histology, 1]
    ki67 = np.round(np.nan_to_num(ki_low) + rng.random(m) * np.nan_to_num(ki_high - ki_low), 1)
    ki67_known = ~np.isnan(ki_low) & (rng.random(m) < 0.9)
    minen = vocab.HISTOLOGIES[c.histology] == "minen"
    ne_component = vocab.NE_COMPONENT.array().astype(np.float64)[pick(rng, vocab.NE_COMPONENT, m)]
    differentiation = vocab.HISTOLOGY_DIFFERENTIATION[c.histology]
    grade = vocab.HISTOLOGY_GRADE[c.histology]
    return pa.table(
        {
            "patient_id": c.ids,
            "item_index": integers(np.zeros(m)),
            "present": pa.array(np.ones(m, bool)),
            "histology": strings(vocab.HISTOLOGY_CODES, c.histology),
            "primary_site": strings(vocab.SITES, c.site, rng.random(m) < 0.97),
            "differentiation": strings(
                ("well", "poorly"), np.maximum(differentiation, 0), (differentiation >= 0) & (rng.random(m) < 0.9)
            ),
            "who_grade": strings(("G1", "G2", "G3"), np.maximum(grade, 0), (grade >= 0) & (rng.random(m) < 0.85)),
            "ki67_percent": numbers(ki67, ki67_known),
            "ne_component_percent": numbers(ne_component, minen),
            "confirmation": strings(vocab.CONFIRMATION.values, pick(rng, vocab.CONFIRMATION, m), rng.random(m) < 0.95),
            "diagnosed_on": dates(c.diagnosed),
            "stage": strings(vocab.STAGES, c.stage, rng.random(m) < 0.95),
        }
    )


def _items(c: Cohort, owner: np.ndarray, index: np.ndarray) -> dict[str, pa.Array]:
    return {
        "patient_id": c.ids.take(pa.array(owner)),
        "item_index": integers(index),
        "present": pa.array(np.ones(owner.size, bool)),
    }


def _between(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    offset = np.floor(rng.random(low.size) * np.maximum(high - low, 0)).astype(np.int64)
    return np.asarray(low + offset, np.int64)


def metastases(c: Cohort, rng: np.random.Generator) -> pa.Table:
    n = np.where(c.stage == 2, 1 + counts(rng, 0.8, c.size, 4), 0)
    denial = rng.random(c.size) < 0.25  # a documented absence of brain metastases
    owner, index = expand(n + denial)
    m = owner.size
    denied = index == n[owner]
    site = np.where(
        denied, vocab.SITES.index("brain"), vocab.METASTASIS_SITES.array()[pick(rng, vocab.METASTASIS_SITES, m)]
    )
    brain = (site == vocab.SITES.index("brain")) & ~denied
    found = _between(rng, c.diagnosed[owner], np.full(m, c.as_of - 20))
    treated = tristate(rng, m, 0.6, 0.05)
    steroids = tristate(rng, m, 0.5, 0.1)
    on_steroids = np.where(steroids == 1, tristate(rng, m, 0.35, 0.05), np.where(steroids == 0, 0, -1))
    stopped = np.where(on_steroids == 0, c.as_of - uniform_days(rng, 3, 120, m), 0)
    return pa.table(
        {
            **_items(c, owner, index),
            "present": pa.array(~denied),
            "site": strings(vocab.SITES, site),
            "diagnosed_on": dates(found, ~denied),
            "treated": booleans(np.where(brain, treated, -1)),
            "treated_on": dates(np.minimum(found + 20, c.as_of), brain & (treated == 1)),
            "stable_since": dates(
                c.as_of - uniform_days(rng, 5, 200, m), brain & (treated == 1) & (rng.random(m) < 0.8)
            ),
            "steroids": booleans(np.where(brain, steroids, -1)),
            "on_steroids": booleans(np.where(brain, on_steroids, -1)),
            "steroids_stopped_on": dates(stopped, brain & (steroids == 1) & (on_steroids == 0)),
            "symptomatic": booleans(np.where(brain, tristate(rng, m, 0.2, 0.1), -1)),
        }
    )


def _regimen_agents(regimen: np.ndarray) -> pa.Array:
    names = tuple(sorted({a for r in vocab.REGIMENS for a in r}))
    codes = [np.array([names.index(a) for a in r]) for r in vocab.REGIMENS]
    lengths = np.array([len(r) for r in vocab.REGIMENS])[regimen]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    flat = np.concatenate([codes[r] for r in range(len(codes))])
    starts = np.concatenate([[0], np.cumsum([len(x) for x in codes])])[regimen]
    within = np.arange(offsets[-1]) - np.repeat(offsets[:-1], lengths)
    values = strings(names, flat[np.repeat(starts, lengths) + within])
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def therapies(c: Cohort, rng: np.random.Generator) -> pa.Table:
    owner, index = expand(c.lines)
    m = owner.size
    family, k = c.family[owner], c.lines[owner]
    regimen = np.zeros(m, np.int64)
    for f, by_line in enumerate(vocab.FAMILY_REGIMENS):
        for line, options in enumerate(by_line):
            chosen = (family == f) & (np.minimum(index, 2) == line)
            regimen[chosen] = options.array()[pick(rng, options, int(chosen.sum()))]
    # the last line ends a while before the as-of date: ongoing, recent, or long ago
    gap_kind = np.where(
        c.in_screening,
        pick(rng, vocab.Categorical((0, 1, 2), (0.04, 0.06, 0.9)), c.size),
        pick(rng, vocab.Categorical((0, 1, 2), (0.12, 0.1, 0.78)), c.size),
    )[owner]
    gap = np.where(gap_kind == 1, uniform_days(rng, 4, 22, m), uniform_days(rng, 25, 400, m))
    begin = c.diagnosed[owner] + 20
    end = np.maximum(c.as_of - gap, begin + 30 * k)
    segment = (end - begin) // k
    first = np.minimum(begin + index * segment, c.as_of)
    last = np.minimum(first + np.maximum(segment * 7 // 10, 1), c.as_of)
    final = index == k - 1
    ongoing = final & (gap_kind == 0)
    final_progressed = np.where(c.in_screening[owner], tristate(rng, m, 0.95, 0.02), tristate(rng, m, 0.75, 0.05))
    progressed = np.where(final, final_progressed, tristate(rng, m, 0.95, 0.03))
    progressed = np.where(ongoing, np.where(rng.random(m) < 0.5, 0, -1), progressed).astype(np.int8)
    progression = np.minimum(last + uniform_days(rng, 0, 60, m), c.as_of)
    return pa.table(
        {
            **_items(c, owner, index),
            "line": integers(index + 1, rng.random(m) < 0.95),
            "agents": _regimen_agents(regimen),
            "setting": strings(("advanced", "adjuvant"), (rng.random(m) < 0.08).astype(np.int64)),
            "first_dose": dates(first),
            "last_dose": dates(last, ~ongoing),
            "ongoing": pa.array(ongoing),
            "best_response": strings(
                vocab.BEST_RESPONSE.values, pick(rng, vocab.BEST_RESPONSE, m), rng.random(m) < 0.85
            ),
            "progressed": booleans(progressed),
            "progression_on": dates(progression, (progressed == 1) & (rng.random(m) < 0.9)),
            # what documented the progression is not generated: not stated, as in most records
            "progression_evidence": pa.nulls(m, pa.list_(pa.string())),
            "radiological_progression": pa.nulls(m, pa.bool_()),
        }
    )


def medications(c: Cohort, rng: np.random.Generator) -> pa.Table:
    owner, index = expand(counts(rng, 1.4, c.size, 6))
    m = owner.size
    drug = pick(rng, vocab.MEDICATIONS, m)
    status = pick(rng, vocab.Categorical((0, 1, 2), (0.55, 0.4, 0.05)), m)  # ongoing, stopped, not stated
    start = c.as_of - uniform_days(rng, 5, 1500, m)
    stop = np.minimum(start + uniform_days(rng, 3, 200, m), c.as_of)
    return pa.table(
        {
            **_items(c, owner, index),
            "agent": strings(tuple(map(str, vocab.MEDICATIONS.values)), drug),
            "route": strings(vocab.ROUTES, vocab.MEDICATION_ROUTES[drug], rng.random(m) < 0.95),
            "start": dates(start),
            "stop": dates(stop, status == 1),
            "ongoing": booleans(np.where(status == 0, 1, np.where(status == 1, 0, -1))),
            "planned": pa.array(np.zeros(m, bool)),
            "indication": strings(("",), np.zeros(m), np.zeros(m, bool)),
        }
    )


def kinds(masks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of several kinds, each present per patient by its mask: (owner, index, kind),
    grouped by patient."""
    owner = np.concatenate([np.flatnonzero(mask) for mask in masks])
    kind = np.concatenate([np.full(int(mask.sum()), k) for k, mask in enumerate(masks)])
    order = np.argsort(owner, kind="stable")
    owner, kind = owner[order], kind[order]
    n = np.bincount(owner, minlength=masks[0].size)
    _, index = expand(n)
    return owner, index, kind


def procedures(c: Cohort, rng: np.random.Generator) -> pa.Table:
    size = c.size
    surgery_p = np.where((c.stage == 0) | (c.family == 0), 0.25, 0.08)
    draws = [rng.random(size) < p for p in (0.9, surgery_p, 0.1, 0.05, 0.04, 0.03, 0.02)]
    owner, index, kind = kinds(draws)  # kind 6: a recent operation
    m = owner.size
    types = ("biopsy", "surgery", "radiotherapy", "transfusion", "growth_factor", "drainage")
    diagnosed = c.diagnosed[owner]
    day = np.select(
        [kind == 0, kind == 1],
        [diagnosed - uniform_days(rng, 0, 20, m), np.minimum(diagnosed + uniform_days(rng, 10, 90, m), c.as_of)],
        c.as_of - uniform_days(rng, 1, 120, m),
    )
    kind = np.where(kind == 6, 1, kind)
    ended = np.minimum(day + uniform_days(rng, 1, 14, m), c.as_of)
    intent = np.select([kind == 0, kind == 1, kind == 2], [3, 0, np.where(rng.random(m) < 0.8, 1, 0)], 2)
    site = np.select(
        [kind == 2],
        [np.where(rng.random(m) < 0.7, vocab.SITES.index("bone"), vocab.SITES.index("brain"))],
        c.site[owner],
    )
    return pa.table(
        {
            **_items(c, owner, index),
            "type": strings(types, kind),
            "performed_on": dates(day),
            "ended_on": dates(ended, kind == 2),
            "major": booleans(np.where(kind == 1, tristate(rng, m, 0.8, 0.05), -1)),
            "open": booleans(np.where(kind == 0, tristate(rng, m, 0.08, 0.05), -1)),
            "site": strings(vocab.SITES, site, kind <= 2),
            "intent": strings(("curative", "palliative", "diagnostic", "therapeutic"), intent),
            "description": strings(("",), np.zeros(m), np.zeros(m, bool)),
        }
    )


_CONDITION_CATEGORIES = Categorical(tuple(range(len(vocab.CONDITIONS))), tuple(w for _, w, _, _ in vocab.CONDITIONS))
_TEXT = ("subtype", "severity", "treatment")
_FLAGS = ("controlled", "refractory", "clinically_significant", "symptomatic", "requires_therapy", "curable", "infectious", "explained", "in_situ", "major")  # fmt: skip


def history(c: Cohort, rng: np.random.Generator) -> pa.Table:
    n = counts(rng, 1.3, c.size, 6)
    denial = rng.random(c.size) < 0.2  # "no history of ILD"
    owner, index = expand(n + denial)
    m = owner.size
    denied = index == n[owner]
    category = np.where(denied, [c_ for c_, *_ in vocab.CONDITIONS].index("ild"), pick(rng, _CONDITION_CATEGORIES, m))
    active_p = np.array([a for _, _, a, _ in vocab.CONDITIONS])[category]
    state = np.where(rng.random(m) < 0.1, -1, (rng.random(m) < active_p).astype(np.int8))
    onset = np.maximum(c.as_of - 3 - np.floor(rng.exponential(700.0, m)).astype(np.int64), c.birth[owner] + 365)
    resolved_on = _between(rng, onset, np.full(m, c.as_of))
    text = {name: np.full(m, None, object) for name in _TEXT}
    flags = {name: np.full(m, -1, np.int8) for name in _FLAGS}
    grade = np.full(m, np.nan)
    nyha = np.full(m, np.nan)
    intervention = np.full(m, -1)
    for k, (_, _, _, qualifiers) in enumerate(vocab.CONDITIONS):
        rows = (category == k) & ~denied
        r = int(rows.sum())
        for column, how, arguments in qualifiers:
            if how == "bool":
                flags[column][rows] = tristate(rng, r, float(arguments[0]), float(arguments[1]))  # type: ignore[arg-type]
            elif how == "choice":
                text[column][rows] = np.asarray(arguments, object)[rng.integers(0, len(arguments), r)]
            elif how == "int":
                target = grade if column == "grade" else nyha
                target[rows] = np.asarray(arguments, np.float64)[rng.integers(0, len(arguments), r)]
            else:
                options = Categorical((0, 1, 2, -1), (0.8, 0.07, 0.03, 0.1))
                intervention[rows] = options.array()[pick(rng, options, r)]
    with_intervention = intervention >= 0
    offsets = np.concatenate([[0], np.cumsum(with_intervention)]).astype(np.int32)
    interventions = pa.ListArray.from_arrays(
        pa.array(offsets, mask=np.concatenate([~with_intervention, [False]])),
        strings(vocab.INTERVENTIONS, intervention[with_intervention]),
    )
    lived = ~denied
    columns: dict[str, pa.Array] = {
        **_items(c, owner, index),
        "present": pa.array(lived),
        "category": strings(tuple(c_ for c_, *_ in vocab.CONDITIONS), category),
        "onset": dates(onset, lived),
        "resolved_on": dates(resolved_on, lived & (state == 0) & (rng.random(m) < 0.7)),
        "status": strings(("resolved", "active"), np.maximum(state, 0), lived & (state >= 0)),
        "subtype": pa.array(text["subtype"], pa.string()),
        "severity": pa.array(text["severity"], pa.string()),
        "grade": integers(np.nan_to_num(grade), ~np.isnan(grade)),
        "nyha_class": integers(np.nan_to_num(nyha), ~np.isnan(nyha)),
    }
    columns.update({name: booleans(flags[name]) for name in _FLAGS[:5]})
    columns["interventions"] = interventions
    columns.update({name: booleans(flags[name]) for name in _FLAGS[5:]})
    columns["treatment"] = pa.array(text["treatment"], pa.string())
    columns["treatment_ended_on"] = dates(resolved_on, np.zeros(m, bool))
    columns["note"] = strings(("",), np.zeros(m), np.zeros(m, bool))
    return pa.table(columns)


def adverse_events(c: Cohort, rng: np.random.Generator) -> pa.Table:
    owner, index = expand(np.where(c.lines > 0, counts(rng, 0.6, c.size, 4), 0))
    m = owner.size
    onset = _between(rng, np.minimum(c.diagnosed[owner] + 40, c.as_of), np.full(m, c.as_of))
    resolved = tristate(rng, m, 0.5, 0.05)
    return pa.table(
        {
            **_items(c, owner, index),
            "term": strings(vocab.AE_TERMS, rng.integers(0, len(vocab.AE_TERMS), m)),
            "grade": integers(vocab.AE_GRADES.array()[pick(rng, vocab.AE_GRADES, m)]),
            "lab": strings(("",), np.zeros(m), np.zeros(m, bool)),
            "graded_by": strings(("",), np.zeros(m), np.zeros(m, bool)),
            "onset": dates(onset),
            "resolved_on": dates(_between(rng, onset, np.full(m, c.as_of)), (resolved == 1) & (rng.random(m) < 0.6)),
            "resolved": booleans(resolved),
        }
    )


def vaccinations(c: Cohort, rng: np.random.Generator) -> pa.Table:
    owner, index = expand(counts(rng, 0.8, c.size, 4))
    m = owner.size
    planned = rng.random(m) < 0.04
    day = np.where(planned, c.as_of + uniform_days(rng, 5, 60, m), c.as_of - uniform_days(rng, 1, 700, m))
    return pa.table(
        {
            **_items(c, owner, index),
            "vaccine": strings(tuple(map(str, vocab.VACCINES.values)), pick(rng, vocab.VACCINES, m)),
            "date": dates(day),
            "planned": pa.array(planned),
            "live": pa.array(np.zeros(m, bool), mask=np.ones(m, bool)),
        }
    )


_LESION_SITES = Categorical(("liver", "lymph_node", "lung", "bone", "peritoneum", "primary"), (0.35, 0.25, 0.12, 0.08, 0.08, 0.12))  # fmt: skip


def lesions(c: Cohort, rng: np.random.Generator) -> pa.Table:
    n = np.where(c.advanced(), 1 + counts(rng, 1.0, c.size, 5), (rng.random(c.size) < 0.15).astype(np.int64))
    recent = rng.random(c.size) < np.where(c.in_screening, 0.92, 0.6)
    imaged = c.as_of - np.where(recent, uniform_days(rng, 0, 21, c.size), uniform_days(rng, 29, 90, c.size))
    owner, index = expand(n)
    m = owner.size
    where = pick(rng, _LESION_SITES, m)
    site = np.where(
        where == 5, c.site[owner], np.array([vocab.SITES.index(str(s)) for s in _LESION_SITES.values[:5]] + [0])[where]
    )
    node = site == vocab.SITES.index("lymph_node")
    longest = np.maximum(np.round(rng.lognormal(np.log(25.0), 0.55, m), 1), 1.0)
    short = np.maximum(np.round(rng.lognormal(np.log(15.0), 0.35, m), 1), 1.0)
    prior = tristate(rng, m, 0.1, 0.05)
    return pa.table(
        {
            **_items(c, owner, index),
            "id": strings(tuple(f"T{i + 1}" for i in range(6)), index),
            "site": strings(vocab.SITES, site),
            "lymph_node": pa.array(node),
            "longest_diameter_mm": numbers(longest, ~node),
            "short_axis_mm": numbers(short, node),
            "measured_on": dates(imaged[owner]),
            "method": strings(vocab.LESION_METHODS.values, pick(rng, vocab.LESION_METHODS, m), rng.random(m) < 0.95),
            "prior_local_therapy": booleans(prior),
            "progression_since_local_therapy": booleans(np.where(prior == 1, tristate(rng, m, 0.5, 0.1), -1)),
        }
    )


def specimens(c: Cohort, rng: np.random.Generator) -> pa.Table:
    fresh = rng.random(c.size) < np.where(c.in_screening, 0.25, 0.03)
    owner, index, kind = kinds([rng.random(c.size) < 0.85, fresh])
    m = owner.size
    archival = kind == 0
    specimen = np.where(archival, pick(rng, Categorical((0, 1, 2), (0.7, 0.2, 0.1)), m), 3)
    return pa.table(
        {
            **_items(c, owner, index),
            "type": strings(("biopsy", "resection", "cytology", "fresh_biopsy"), specimen),
            "ffpe": booleans(np.where(archival, tristate(rng, m, 0.9, 0.05), -1)),
            "collected_on": dates(np.minimum(c.diagnosed[owner], c.as_of), archival),
            "available": booleans(np.where(archival, tristate(rng, m, 0.85, 0.08), -1)),
            "planned": pa.array(~archival),
        }
    )


def attestations(c: Cohort, rng: np.random.Generator) -> pa.Table:
    size = c.size
    asked = c.in_screening
    contraception = (c.childbearing == 1) | (c.fertile_partner == 1)
    shares = (0.97, 0.9, 0.92, 0.85, 0.85, 0.85)
    masks = [asked & (rng.random(size) < p) for p in shares]
    masks[5] &= contraception
    owner, index, topic = kinds(masks)
    m = owner.size
    judged = (topic == 3) | (topic == 4)
    expectancy = pick(rng, vocab.LIFE_EXPECTANCY, m)
    quantity = vocab.LIFE_EXPECTANCY_QUANTITY[expectancy]
    unit = vocab.LIFE_EXPECTANCY_UNIT[expectancy]
    expected = topic == 2
    return pa.table(
        {
            "patient_id": c.ids.take(pa.array(owner)),
            "idx": integers(index),
            "topic": strings(vocab.ATTESTATION_TOPICS, topic),
            "value": pa.array(np.where(judged, rng.random(m) < 0.93, True)),
            "quantity": numbers(quantity, expected),
            "unit": strings(("months", "weeks"), unit, expected),
            "on": dates(c.as_of - uniform_days(rng, 0, 10, m)),
        }
    )
