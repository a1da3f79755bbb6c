"""ADaM-style analysis datasets out: ADSL, ADRS and ADTTE as CSV with CDISC variable names.

Shaped after the CDISC ADaM Implementation Guide (subject-level ADSL; the Basic Data
Structure for ADRS; the time-to-event BDS for ADTTE) and the admiral / admiralonco
derivations (`derive_param_bor`, `derive_param_confirmed_bor`, `derive_param_tte`). They
are "style": the variables a reviewer expects, derived from trialdesk's dataset — not a
submission package (no define.xml, no SDTM traceability variables).

Two conventions to know:
- ADTTE `CNSR` is 0 for an event and 1 for a censoring — the reverse of lifelines'
  `event_observed` (and of `TimeToEvent.event`).
- ADTTE `AVAL` is the days elapsed, `ADT − STARTDT`: exactly the durations the
  Kaplan–Meier estimates are fitted on (÷ 30.4375 for months). admiral's default adds one
  day (`ADT − STARTDT + 1`); trialdesk does not, so AVAL and the KM input agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trialdesk.analysis.censoring import TimeToEvent
from trialdesk.analysis.dataset import TrialDataset, TrialSubject, dataset_at_cutoff
from trialdesk.analysis.endpoints import EndpointAnalysis, SubjectEndpoints, derive_subject_endpoints
from trialdesk.errors import AnalysisError
from trialdesk.recist import BestOverallResponse, Response

Value = str | int | float | None
# admiralonco's response coding (aval_resp): CR 1, PR 2, SD 3, PD 4, NE 5
RESPONSE_AVAL = {"CR": 1, "PR": 2, "SD": 3, "PD": 4, "NE": 5}
ADSL_COLUMNS = (
    "STUDYID", "USUBJID", "SUBJID", "ENRLDT", "TRTSDT", "TRTEDT", "SAFFL", "EFFFL", "EOTSTT", "DCTREAS",
    "DTHFL", "DTHDT", "LSTALVDT", "NACTDT", "DCUTDT",
)  # fmt: skip
ADRS_COLUMNS = (
    "STUDYID", "USUBJID", "PARAMCD", "PARAM", "PARCAT1", "AVAL", "AVALC", "ADT", "ADY", "AVISIT", "TRTSDT", "DCUTDT",
)  # fmt: skip
ADTTE_COLUMNS = (
    "STUDYID", "USUBJID", "PARAMCD", "PARAM", "AVAL", "AVALU", "STARTDT", "ADT", "CNSR", "EVNTDESC", "CNSDTDSC",
    "TRTSDT", "DCUTDT",
)  # fmt: skip
PARAMS = {
    "OVRLRESP": "Overall Response by RECIST 1.1",
    "BOR": "Best Overall Response by RECIST 1.1 (confirmation not required)",
    "CBOR": "Best Confirmed Overall Response by RECIST 1.1",
    "PFS": "Progression-Free Survival (days)",
    "OS": "Overall Survival (days)",
    "DOR": "Duration of Response (days)",
}


@dataclass(frozen=True, slots=True)
class AdamDataset:
    """One analysis dataset: its name, column order and rows (one dict per record)."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[dict[str, Value], ...]

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
        return buffer.getvalue()

    def column(self, name: str) -> list[Value]:
        return [row[name] for row in self.rows]


@dataclass(frozen=True, slots=True)
class AdamDatasets:
    """ADSL, ADRS and ADTTE of one trial at one data cut-off."""

    adsl: AdamDataset
    adrs: AdamDataset
    adtte: AdamDataset

    def write(self, directory: Path) -> tuple[Path, ...]:
        """Write adsl.csv, adrs.csv and adtte.csv into `directory` (made if missing)."""
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AnalysisError(f"{directory}: cannot create: {exc.strerror}", fix="choose a writable folder") from None
        written = []
        for data in (self.adsl, self.adrs, self.adtte):
            path = directory / f"{data.name.lower()}.csv"
            path.write_text(data.to_csv(), encoding="utf-8")
            written.append(path)
        return tuple(written)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _flag(value: bool) -> str:
    return "Y" if value else "N"


def derive_adam(dataset: TrialDataset, analysis: EndpointAnalysis) -> AdamDatasets:
    """ADSL, ADRS and ADTTE for `dataset` at the fitted `analysis`'s cut-off.

    1. Subjects are as known at the cut-off (`dataset_at_cutoff`), one ADSL row each.
    2. ADRS: an OVRLRESP record per time-point response, then BOR (without confirmation)
       and CBOR (with confirmation) per subject, by the analysis' RECIST settings.
    3. ADTTE: PFS and OS for every subject, DOR for each responder (by the analysis'
       confirmation setting), the very times the analysis' Kaplan–Meier fits used.
    """
    cutoff = analysis.cutoff
    seen = dataset_at_cutoff(dataset, cutoff)
    endpoints = {e.subject_id: e for e in analysis.subjects}
    if set(endpoints) != {s.subject_id for s in seen.subjects}:
        raise AnalysisError(
            f"the analysis was not fitted on {dataset.trial_id} at {cutoff.isoformat()}",
            fix="fit the EndpointAnalysis on the same dataset",
        )
    study = dataset.trial_id
    adsl: list[dict[str, Value]] = []
    adrs: list[dict[str, Value]] = []
    adtte: list[dict[str, Value]] = []
    for subject in seen.subjects:
        base: dict[str, Value] = {"STUDYID": study, "USUBJID": f"{study}-{subject.subject_id}"}
        adsl.append(base | _adsl_row(subject, cutoff))
        common: dict[str, Value] = {"TRTSDT": _iso(subject.first_dose_date), "DCUTDT": cutoff.isoformat()}
        adrs += [base | row | common for row in _adrs_rows(subject, analysis)]
        found = endpoints[subject.subject_id]
        times = [("PFS", found.pfs), ("OS", found.os)] + ([("DOR", found.dor)] if found.dor else [])
        adtte += [base | _adtte_row(code, time) | common for code, time in times]
    return AdamDatasets(
        AdamDataset("ADSL", ADSL_COLUMNS, tuple(adsl)),
        AdamDataset("ADRS", ADRS_COLUMNS, tuple(adrs)),
        AdamDataset("ADTTE", ADTTE_COLUMNS, tuple(adtte)),
    )


def _adsl_row(subject: TrialSubject, cutoff: dt.date) -> dict[str, Value]:
    treated = subject.first_dose_date is not None
    ended = subject.end_of_treatment_date is not None
    return {
        "SUBJID": subject.subject_id,
        "ENRLDT": subject.enrolment_date.isoformat(),
        "TRTSDT": _iso(subject.first_dose_date),
        "TRTEDT": _iso(subject.last_dose_date),
        "SAFFL": _flag(treated),
        # evaluable for response: treated with ≥ 1 adequate post-baseline assessment
        "EFFFL": _flag(treated and any(a.response != "NE" for a in subject.assessments)),
        "EOTSTT": ("DISCONTINUED" if ended else "ONGOING") if treated else "NOT TREATED",
        "DCTREAS": (subject.end_of_treatment_reason or "NOT RECORDED").upper() if ended else None,
        "DTHFL": _flag(subject.death_date is not None),
        "DTHDT": _iso(subject.death_date),
        "LSTALVDT": subject.last_known_alive_date.isoformat(),
        "NACTDT": _iso(subject.subsequent_therapy_date),
        "DCUTDT": cutoff.isoformat(),
    }


def _adrs_rows(subject: TrialSubject, analysis: EndpointAnalysis) -> list[dict[str, Value]]:
    start = subject.start_date
    visits = {read.date: read.visit for read in subject.lesion_measurements}
    rows: list[dict[str, Value]] = []
    for number, point in enumerate(sorted(subject.assessments, key=lambda a: a.date), start=1):
        rows.append(
            _response_row("OVRLRESP", point.response, point.date, start)
            | {"AVISIT": visits.get(point.date, f"assessment {number}").upper()}
        )
    for code, confirm in (("BOR", False), ("CBOR", True)):
        bor = _best_response(subject, analysis, confirm=confirm)
        rows.append(_response_row(code, str(bor.response), _bor_date(bor, subject), start) | {"AVISIT": None})
    return rows


def _response_row(code: str, response: str, day: dt.date | None, start: dt.date) -> dict[str, Value]:
    return {
        "PARAMCD": code,
        "PARAM": PARAMS[code],
        "PARCAT1": "RECIST 1.1",
        "AVAL": RESPONSE_AVAL[response],
        "AVALC": response,
        "ADT": _iso(day),
        # study day: day 1 is the first dose, there is no day 0 (CDISC SDTM --DY)
        "ADY": None if day is None else (day - start).days + (1 if day >= start else 0),
    }


def _best_response(subject: TrialSubject, analysis: EndpointAnalysis, *, confirm: bool) -> BestOverallResponse:
    derived: SubjectEndpoints = derive_subject_endpoints(
        subject,
        cutoff=analysis.cutoff,
        confirm=confirm,
        confirmation_days=analysis.confirmation_days,
        min_sd_days=analysis.min_sd_days,
        rules=analysis.censoring,
    )
    return derived.best_response


def _bor_date(bor: BestOverallResponse, subject: TrialSubject) -> dt.date | None:
    """The date the best response was reached: the first CR/PR, the SD-qualifying
    assessment, or the first PD; none for NE."""
    if bor.response in (Response.CR, Response.PR):
        return bor.first_response_date
    if bor.response == Response.SD:
        return bor.sd_qualifying_date
    if bor.response == Response.PD:
        return min((a.date for a in subject.assessments if a.response == "PD"), default=None)
    return None


def _adtte_row(code: str, time: TimeToEvent) -> dict[str, Value]:
    event_text, censor_text = describe_time_to_event(time)
    return {
        "PARAMCD": code,
        "PARAM": PARAMS[code],
        "AVAL": time.days,
        "AVALU": "DAYS",
        "STARTDT": time.origin.isoformat(),
        "ADT": time.date.isoformat(),
        "CNSR": 0 if time.event else 1,
        "EVNTDESC": event_text,
        "CNSDTDSC": censor_text,
    }


# The reasons `trialdesk.analysis.censoring` writes, read back into ADaM's descriptions:
# (phrase in the reason, EVNTDESC); the first phrase found wins.
_EVENTS: Sequence[tuple[str, str]] = (("PD on", "DISEASE PROGRESSION"), ("death on", "DEATH"))
_CENSORINGS: Sequence[tuple[str, str]] = (
    ("new anti-cancer therapy", "NEW ANTI-CANCER THERAPY BEFORE PROGRESSION"),
    ("missed", "PROGRESSION OR DEATH AFTER MISSED ASSESSMENTS"),
    ("no PD or death", "NO PROGRESSION OR DEATH"),
    ("alive on", "ALIVE"),
)
_CENSOR_DATES: Sequence[tuple[str, str]] = (
    ("censored at the last adequate assessment", "LAST ADEQUATE TUMOUR ASSESSMENT"),
    ("censored at the origin", "START DATE (NO ADEQUATE ASSESSMENT)"),
    ("alive on", "LAST KNOWN ALIVE DATE"),
)


def describe_time_to_event(time: TimeToEvent) -> tuple[str, str | None]:
    """(EVNTDESC, CNSDTDSC): what ended the time, and for a censoring which date it is."""

    def first(pairs: Sequence[tuple[str, str]]) -> str:
        return next((text for phrase, text in pairs if phrase in time.reason), time.reason.upper())

    if time.event:
        return first(_EVENTS), None
    return first(_CENSORINGS), first(_CENSOR_DATES)
