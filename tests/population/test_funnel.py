"""The call list: whom a navigator calls first, from the pre-screening rows. The order is
the one the funnel module states (eligible; undetermined, fewest open criteria first;
eligible on a later first dose, soonest first; ties by date, then id); patients who fail
on every first dose are never called; each call names the open criteria and the records
the protocol's rules for them read (NCT07077564: ANC from the lab `anc`, consent from its
attestation)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.knowledge.base import load_knowledge
from trialdesk.population.funnel import call_list
from trialdesk.protocol.load import LoadedProtocol, load_protocols

PLANNED = date(2026, 11, 20)
PROTOCOL: LoadedProtocol = load_protocols(load_knowledge())["NCT07077564"]
IDS = [pc.criterion.id for pc in PROTOCOL.criteria]


def _rows(patients: list[dict[str, Any]]) -> pa.Table:
    """Rows as `trialdesk prescreen` writes them: every criterion passes unless named."""
    rows = []
    for p in patients:
        verdicts = dict.fromkeys(IDS, "pass") | p.get("verdicts", {})
        status = (
            "ineligible"
            if "fail" in verdicts.values()
            else "undetermined"
            if "unknown" in verdicts.values()
            else "eligible"
        )
        earliest = p.get("earliest", PLANNED if status != "ineligible" else None)
        rows.append({"patient_id": p["id"], **verdicts, "status": status, "earliest_eligible": earliest})
    schema = pa.schema(
        [
            ("patient_id", pa.string()),
            *((c, pa.string()) for c in IDS),
            ("status", pa.string()),
            ("earliest_eligible", pa.date32()),
        ]
    )
    return pa.Table.from_pylist(rows, schema)


def test_navigators_call_the_eligible_then_the_closest_then_those_eligible_later() -> None:
    rows = _rows(
        [
            {"id": "P-later-far", "verdicts": {"anc": "fail"}, "earliest": PLANNED + timedelta(days=30)},
            {"id": "P-two-open", "verdicts": {"anc": "unknown", "consent": "unknown"}},
            {"id": "P-never", "verdicts": {"histology": "fail"}},
            {"id": "P-eligible-b"},
            {"id": "P-one-open", "verdicts": {"anc": "unknown"}},
            {"id": "P-later-soon", "verdicts": {"recent_surgery": "fail"}, "earliest": PLANNED + timedelta(days=3)},
            {"id": "P-eligible-a"},
        ]
    )
    calls = call_list(PROTOCOL, rows, 10)
    assert [c.patient_id for c in calls] == [
        "P-eligible-a",
        "P-eligible-b",
        "P-one-open",
        "P-two-open",
        "P-later-soon",
        "P-later-far",
    ]
    one, two = calls[2], calls[3]
    assert one.open_criteria == ("anc",)
    assert one.records == ("lab: anc",)
    # protocol order, and the records of both criteria
    assert two.open_criteria == ("consent", "anc")
    assert two.records == ("attestation: informed_consent", "lab: anc")
    assert calls[4].earliest_eligible == PLANNED + timedelta(days=3)
    assert [c.patient_id for c in call_list(PROTOCOL, rows, 2)] == ["P-eligible-a", "P-eligible-b"]
    assert call_list(PROTOCOL, rows, 0) == ()


_patient = st.fixed_dictionaries(
    {
        "verdicts": st.dictionaries(st.sampled_from(IDS), st.sampled_from(["pass", "fail", "unknown"]), max_size=6),
        "later": st.one_of(st.none(), st.integers(1, 200)),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_patient, max_size=40), st.integers(0, 50))
def test_the_call_list_is_the_stated_order_of_every_callable_patient(
    patients: list[dict[str, Any]], limit: int
) -> None:
    given_rows = []
    for i, p in enumerate(patients):
        row: dict[str, Any] = {"id": f"P{i:03d}", "verdicts": p["verdicts"]}
        if "fail" in p["verdicts"].values():
            row["earliest"] = PLANNED + timedelta(days=p["later"]) if p["later"] else None
        given_rows.append(row)
    rows = _rows(given_rows).to_pylist()
    calls = call_list(PROTOCOL, _rows(given_rows), limit)
    tier = {"eligible": 0, "undetermined": 1, "ineligible": 2}

    def key(r: dict[str, Any]) -> tuple[int, int, date, str]:
        return (tier[r["status"]], sum(r[c] == "unknown" for c in IDS), r["earliest_eligible"], r["patient_id"])

    callable_rows = [r for r in rows if r["status"] != "ineligible" or r["earliest_eligible"] is not None]
    expected = sorted(callable_rows, key=key)[:limit]
    assert [c.patient_id for c in calls] == [r["patient_id"] for r in expected]
    for call, r in zip(calls, expected, strict=True):
        assert call.open_criteria == tuple(c for c in IDS if r[c] == "unknown")
        assert call.status == r["status"]
