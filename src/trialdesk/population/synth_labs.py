"""Synthetic observations: the lab panel, serology, vital signs, ECOG and LVEF the two
protocols read, in mixed units and codes, some stale, some missing.

Values are drawn in the lab's canonical unit (central values and reference ranges are
common adult ones, e.g. haemoglobin 120–160 g/L in women and 130–175 g/L in men), then
written in a unit drawn per row: value = canonical / factor, rounded as a laboratory
reports it. The factors are those of `labs.yaml`, so `open_facts` recovers the value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa  # no type information shipped

from trialdesk.population.synth_tables import Cohort, dates, integers, numbers, strings, uniform_days


@dataclass(frozen=True)
class LabDraw:
    """How one quantitative lab is drawn (canonical unit) and written."""

    code: str
    loinc: str | None
    centre: tuple[float, float]  # (women, men): median of a lognormal, or mean of a normal
    spread: float  # sigma of log (lognormal) or sd (normal)
    lognormal: bool
    clip: tuple[float, float]
    units: tuple[tuple[str, float, int, float], ...]  # unit, factor to canonical, decimals, weight
    reference: tuple[tuple[float, float], tuple[float, float]] | None  # (women, men) low, high
    present: float
    timing: str  # panel, vitals, lvef


PANEL: tuple[LabDraw, ...] = (
    LabDraw("anc", "751-8", (3.6, 3.6), 0.45, True, (0.05, 60), (("10^9/L", 1, 2, 0.55), ("10^3/uL", 1, 2, 0.3), ("cells/uL", 0.001, 0, 0.15)), ((1.8, 7.5), (1.8, 7.5)), 0.94, "panel"),
    LabDraw("platelets", "777-3", (230, 230), 0.35, True, (5, 1500), (("10^9/L", 1, 0, 0.6), ("10^3/uL", 1, 0, 0.4)), ((150, 400), (150, 400)), 0.94, "panel"),
    LabDraw("hemoglobin", "718-7", (118, 128), 16, False, (50, 200), (("g/L", 1, 0, 0.5), ("g/dL", 10, 1, 0.45), ("mmol/L", 16.114, 2, 0.05)), ((120, 160), (130, 175)), 0.94, "panel"),
    LabDraw("bilirubin_total", "1975-2", (10, 10), 0.5, True, (1, 600), (("umol/L", 1, 0, 0.45), ("µmol/L", 1, 0, 0.15), ("mg/dL", 17.1, 2, 0.4)), ((3, 21), (3, 21)), 0.93, "panel"),
    LabDraw("alt", "1742-6", (24, 24), 0.6, True, (3, 3000), (("U/L", 1, 0, 0.7), ("IU/L", 1, 0, 0.25), ("ukat/L", 60, 2, 0.05)), ((7, 40), (7, 40)), 0.93, "panel"),
    LabDraw("ast", "1920-8", (26, 26), 0.55, True, (5, 3000), (("U/L", 1, 0, 0.7), ("IU/L", 1, 0, 0.25), ("ukat/L", 60, 2, 0.05)), ((10, 40), (10, 40)), 0.93, "panel"),
    LabDraw("creatinine", "2160-0", (70, 84), 0.3, True, (20, 1500), (("umol/L", 1, 0, 0.5), ("µmol/L", 1, 0, 0.1), ("mg/dL", 88.4, 2, 0.4)), ((45, 90), (60, 110)), 0.93, "panel"),
    LabDraw("albumin", "1751-7", (38, 38), 5, False, (15, 55), (("g/L", 1, 0, 0.6), ("g/dL", 10, 1, 0.4)), ((35, 50), (35, 50)), 0.85, "panel"),
    LabDraw("pt", "5902-2", (12.2, 12.2), 1.2, False, (8, 60), (("s", 1, 1, 0.9), ("sec", 1, 1, 0.1)), ((11, 13.5), (11, 13.5)), 0.8, "panel"),
    LabDraw("aptt", "3173-2", (31, 31), 4, False, (18, 120), (("s", 1, 1, 0.9), ("sec", 1, 1, 0.1)), ((25, 37), (25, 37)), 0.8, "panel"),
    LabDraw("inr", "6301-6", (1.05, 1.05), 0.12, False, (0.7, 6), (("{INR}", 1, 2, 1.0),), ((0.8, 1.2), (0.8, 1.2)), 0.75, "panel"),
    LabDraw("systolic_bp", None, (124, 126), 13, False, (80, 220), (("mmHg", 1, 0, 0.9), ("mm[Hg]", 1, 0, 0.08), ("kPa", 7.50062, 1, 0.02)), None, 0.92, "vitals"),
    LabDraw("diastolic_bp", None, (76, 77), 9, False, (40, 130), (("mmHg", 1, 0, 0.9), ("mm[Hg]", 1, 0, 0.08), ("kPa", 7.50062, 1, 0.02)), None, 0.92, "vitals"),
    LabDraw("body_weight", None, (64, 76), 13, False, (35, 180), (("kg", 1, 1, 0.95), ("[lb_av]", 0.45359237, 1, 0.05)), None, 0.92, "vitals"),
    LabDraw("body_height", None, (162, 175), 7, False, (135, 205), (("cm", 1, 0, 1.0),), None, 0.85, "vitals"),
    LabDraw("lvef", None, (61, 61), 6, False, (20, 80), (("%", 1, 0, 1.0),), None, 0.6, "lvef"),
)  # fmt: skip
ECOG = (0.35, 0.42, 0.16, 0.06, 0.01)
ECOG_CANDIDATE = (0.45, 0.46, 0.07, 0.02, 0.0)
SEROLOGY = (("hbsag", 0.85, 0.04), ("hcv_antibody", 0.85, 0.02), ("hiv", 0.8, 0.005))  # code, present, positive

CODES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [d.code for d in PANEL]
        + [d.loinc for d in PANEL if d.loinc]
        + ["ecog", "hcg_serum", "hbsag", "hcv_antibody", "hiv", "hbv_dna", "hcv_rna"]
    )
)
UNITS: tuple[str, ...] = tuple(dict.fromkeys([u for d in PANEL for u, *_ in d.units] + ["{score}", "IU/mL"]))
RESULTS = ("negative", "positive", "detected", "not_detected")
METHODS = ("echocardiography", "muga")


@dataclass
class _Rows:
    """Observation columns gathered block by block (index arrays into the vocabularies)."""

    owner: list[np.ndarray]
    code: list[np.ndarray]
    day: list[np.ndarray]
    value: list[np.ndarray]
    unit: list[np.ndarray]
    result: list[np.ndarray]
    method: list[np.ndarray]
    low: list[np.ndarray]
    high: list[np.ndarray]
    reference_unit: list[np.ndarray]

    def add(self, owner: np.ndarray, code: np.ndarray, day: np.ndarray, **columns: np.ndarray) -> None:
        m = owner.size
        self.owner.append(owner)
        self.code.append(code)
        self.day.append(day)
        for name in ("value", "low", "high"):
            getattr(self, name).append(columns.get(name, np.full(m, np.nan)))
        for name in ("unit", "result", "method", "reference_unit"):
            getattr(self, name).append(columns.get(name, np.full(m, -1)))


def _draw(d: LabDraw, c: Cohort, owner: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    centre = np.where(c.female[owner], d.centre[0], d.centre[1])
    values = rng.lognormal(np.log(centre), d.spread) if d.lognormal else rng.normal(centre, d.spread)
    return np.clip(values, *d.clip)


def _quantity(d: LabDraw, c: Cohort, owner: np.ndarray, day: np.ndarray, rows: _Rows, rng: np.random.Generator) -> None:
    m = owner.size
    weights = np.array([w for *_, w in d.units])
    unit = np.searchsorted(np.cumsum(weights / weights.sum()), rng.random(m), side="right").clip(0, len(d.units) - 1)
    factor = np.array([f for _, f, _, _ in d.units])[unit]
    decimals = np.array([k for _, _, k, _ in d.units])[unit]
    scale = 10.0**decimals
    value = np.round(_draw(d, c, owner, rng) / factor * scale) / scale
    code = np.full(m, CODES.index(d.code))
    if d.loinc:
        code = np.where(rng.random(m) < 0.15, CODES.index(d.loinc), code)
    columns = {"value": value, "unit": np.array([UNITS.index(u) for u, *_ in d.units])[unit]}
    if d.reference is not None:
        has_range = rng.random(m) < np.where(c.in_screening[owner], 0.99, 0.9)
        canonical = rng.random(m) < 0.1  # the range in the canonical unit, the value not
        ref_scale = np.where(canonical, 10.0, 10.0 ** (decimals + 1))
        ref_factor = np.where(canonical, 1.0, factor)
        for name, k in (("low", 0), ("high", 1)):
            limit = np.where(c.female[owner], d.reference[0][k], d.reference[1][k])
            written = np.round(limit / ref_factor * ref_scale) / ref_scale
            columns[name] = np.where(has_range, written, np.nan)
        columns["reference_unit"] = np.where(has_range & canonical, UNITS.index(d.units[0][0]), -1)
    if d.code == "lvef":
        columns["method"] = np.where(rng.random(m) < 0.85, 0, np.where(rng.random(m) < 0.6, 1, -1))
    rows.add(owner, code, day, **columns)


def _qualitative(
    code: str, owner: np.ndarray, day: np.ndarray, result: np.ndarray, rows: _Rows, value: np.ndarray | None = None
) -> None:
    columns = {"result": result}
    if value is not None:
        columns |= {"value": value, "unit": np.where(np.isnan(value), -1, UNITS.index("IU/mL"))}
    rows.add(owner, np.full(owner.size, CODES.index(code)), day, **columns)


def observations(c: Cohort, rng: np.random.Generator) -> pa.Table:
    size = c.size
    # the last panel: fresh (within a week), borderline (8-14 days) or stale (15-60 days);
    # candidates in work-up have theirs from the last few days
    freshness = np.where(c.in_screening, rng.random(size) * 0.68, rng.random(size))
    panel = c.as_of - np.where(
        freshness < 0.6,
        uniform_days(rng, 0, 5, size),
        np.where(freshness < 0.8, uniform_days(rng, 6, 14, size), uniform_days(rng, 15, 60, size)),
    )
    drawn = rng.random(size) < 0.95  # no panel at all for some
    recent = c.as_of - np.where(c.in_screening, uniform_days(rng, 0, 6, size), uniform_days(rng, 0, 90, size))
    timing = {"panel": panel, "vitals": panel, "lvef": recent}
    rows = _Rows([], [], [], [], [], [], [], [], [], [])
    for d in PANEL:
        share = np.where(c.in_screening, max(d.present, 0.98), d.present)
        owner = np.flatnonzero(drawn & (rng.random(size) < share))
        _quantity(d, c, owner, timing[d.timing][owner], rows, rng)
    ecog = np.flatnonzero(rng.random(size) < np.where(c.in_screening, 0.98, 0.85))
    fit = c.in_screening[ecog]  # candidates are the fitter patients
    score = (
        np.where(
            fit,
            np.searchsorted(np.cumsum(ECOG_CANDIDATE), rng.random(ecog.size), side="right"),
            np.searchsorted(np.cumsum(ECOG), rng.random(ecog.size), side="right"),
        )
        .clip(0, 4)
        .astype(np.float64)
    )
    rows.add(
        ecog,
        np.full(ecog.size, CODES.index("ecog")),
        panel[ecog],
        value=score,
        unit=np.full(ecog.size, UNITS.index("{score}")),
    )
    serology_day = recent
    for code, present, positive in SEROLOGY:
        owner = np.flatnonzero(rng.random(size) < np.where(c.in_screening, 0.97, present))
        is_positive = rng.random(owner.size) < positive
        _qualitative(code, owner, serology_day[owner], is_positive.astype(np.int64), rows)
        confirm = owner[is_positive]
        if code == "hbsag":
            load = np.where(
                rng.random(confirm.size) < 0.5, np.nan, np.round(rng.lognormal(np.log(2000.0), 2.0, confirm.size))
            )
            result = np.where(np.isnan(load), 3, -1)
            _qualitative("hbv_dna", confirm, serology_day[confirm], result, rows, value=load)
        elif code == "hcv_antibody":
            _qualitative(
                "hcv_rna", confirm, serology_day[confirm], np.where(rng.random(confirm.size) < 0.6, 3, 2), rows
            )
    tested = np.flatnonzero((c.childbearing == 1) & (rng.random(size) < 0.8))
    hcg_day = np.minimum(c.first_dose[tested] - uniform_days(rng, 0, 6, tested.size), c.as_of)
    _qualitative("hcg_serum", tested, hcg_day, (rng.random(tested.size) < 0.02).astype(np.int64), rows)
    return _table(c, rows)


def _table(c: Cohort, rows: _Rows) -> pa.Table:
    owner = np.concatenate(rows.owner)
    order = np.argsort(owner, kind="stable")
    owner = owner[order]
    counts = np.bincount(owner, minlength=c.size)
    index = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)

    def gathered(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts)[order]

    def text(values: tuple[str, ...], parts: list[np.ndarray]) -> pa.Array:
        codes = gathered(parts)
        return strings(values, np.maximum(codes, 0), codes >= 0)

    return pa.table(
        {
            "patient_id": c.ids.take(pa.array(owner)),
            "idx": integers(index),
            "code": text(CODES, rows.code),
            "date": dates(gathered(rows.day)),
            "value": numbers(gathered(rows.value)),
            "unit": text(UNITS, rows.unit),
            "result": text(RESULTS, rows.result),
            "method": text(METHODS, rows.method),
            "reference_low": numbers(gathered(rows.low)),
            "reference_high": numbers(gathered(rows.high)),
            "reference_unit": text(UNITS, rows.reference_unit),
        }
    )
