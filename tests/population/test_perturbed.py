"""Evaluate ≡ compile on randomly perturbed records: lab values, dates, reference ranges,
section reviews, demographics, attestations and drugs of the base record P01 are changed
at random, and every criterion verdict of the compiled SQL must equal the screener's."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialdesk.errors import TrialdeskError
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.load import patient_from_data
from trialdesk.patient.view import build_view
from trialdesk.population.facts import Screening, load_duckdb
from trialdesk.population.prescreen import prescreen
from trialdesk.protocol.load import LoadedProtocol
from trialdesk.screening.screen import Screener

AS_OF = date(2026, 11, 20)
SECTIONS = ("diagnoses", "metastases", "therapies", "medications", "procedures", "history", "lesions", "specimens")


def _days(text: str, shift: int) -> str:
    return (date.fromisoformat(text) - timedelta(days=shift)).isoformat()


def _apply(record: dict[str, Any], op: tuple[str, int, int]) -> None:
    kind, index, amount = op
    observations = record["observations"]
    obs = observations[index % len(observations)]
    if kind == "scale" and "value" in obs:
        obs["value"] = float(round(Decimal(str(obs["value"])) * Decimal(amount) / Decimal(10), 2))
    elif kind == "obs_date":
        obs["date"] = _days(obs["date"], amount)
    elif kind == "no_range":
        obs.pop("reference_range", None)
    elif kind == "drop_obs":
        observations.remove(obs)
    elif kind == "review":
        section = record[SECTIONS[index % len(SECTIONS)]]
        if amount > 50:
            section["complete"] = False
        elif section.get("reviewed_on"):
            section["reviewed_on"] = _days(section["reviewed_on"], amount)
    elif kind == "drop_item":
        items = record[SECTIONS[index % len(SECTIONS)]]["items"]
        if items:
            items.pop(amount % len(items))
    elif kind == "birth":
        record["birth_date"] = _days(record["birth_date"], amount * 97)
    elif kind == "sex":
        record["sex"] = ("female", "male", "unknown")[amount % 3]
        record["reproductive"] = {
            "childbearing_potential": (True, False, None)[index % 3],
            "pregnant": (False, None)[amount % 2],
        }
    elif kind == "drop_attestation" and record["attestations"]:
        record["attestations"].pop(index % len(record["attestations"]))
    elif kind == "unknown_drug" and record["therapies"]["items"]:
        record["therapies"]["items"][0]["agents"].append("drug-not-in-any-list")
    elif kind == "last_dose" and record["therapies"]["items"]:  # a drop_item may have emptied the lines
        line = record["therapies"]["items"][0]
        line["last_dose"] = _days(AS_OF.isoformat(), amount)
        line["first_dose"] = min(line.get("first_dose", line["last_dose"]), line["last_dose"])


OPS = st.tuples(
    st.sampled_from(
        [
            "scale",
            "obs_date",
            "no_range",
            "drop_obs",
            "review",
            "drop_item",
            "birth",
            "sex",
            "drop_attestation",
            "unknown_drug",
            "last_dose",
        ]
    ),
    st.integers(0, 40),
    st.integers(0, 60),
)
RECORDS = st.lists(st.tuples(st.lists(OPS, max_size=6), st.integers(0, 20)), min_size=1, max_size=12)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(perturbations=RECORDS)
def test_compiled_sql_gives_the_screeners_verdicts_on_perturbed_records(
    perturbations: list[tuple[list[tuple[str, int, int]], int]],
    base_record: dict[str, Any],
    protocols: dict[str, LoadedProtocol],
    knowledge: Knowledge,
) -> None:
    screenings = []
    for n, (ops, delay) in enumerate(perturbations):
        record = copy.deepcopy(base_record)
        record["id"] = f"perturbed-{n}"
        for op in ops:
            _apply(record, op)
        try:
            view = build_view(patient_from_data(record), knowledge, AS_OF)
        except (TrialdeskError, ValueError):
            continue  # a perturbation made the record invalid (an impossible value): not screened
        screenings.append(Screening(view, AS_OF, AS_OF + timedelta(days=delay)))
    con = load_duckdb(screenings, knowledge)
    by_id = {s.view.patient.id: s for s in screenings}
    for protocol in protocols.values():
        screener = Screener(protocol, knowledge)
        for row in prescreen(con, protocol, knowledge):
            s = by_id[row["patient_id"]]
            for pc in protocol.criteria:
                expected = screener.criterion(pc, s.view, s.as_of, s.first_dose).verdict
                assert row[pc.criterion.id] == expected, f"{protocol.id} {pc.criterion.id} for {row['patient_id']}"
