"""Regression tests for the review findings fixed in src/: one small test per finding.

Each test names what it guards and, where a clinical rule is involved, the seed sentence
or the reference the rule comes from. Records are hand-written and screened as of
2026-11-20 with the first dose on the same day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from trialdesk.cli import app
from trialdesk.criteria import ast
from trialdesk.criteria.evaluate import Context, Settings, evaluate
from trialdesk.criteria.format import format_rule
from trialdesk.criteria.outcome import Outcome
from trialdesk.criteria.parse import parse_rule
from trialdesk.errors import ProtocolError, RecordError, RuleSyntaxError
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.load import patient_from_data
from trialdesk.patient.view import build_view
from trialdesk.protocol.load import LoadedProtocol, load_protocol, protocols_dir
from trialdesk.protocol.validate import rule_problems

AS_OF = date(2026, 11, 20)
REVIEWED = "2026-11-19"
Protocols = dict[str, LoadedProtocol]
runner = CliRunner()


def run(rule: str | ast.Expr, record: dict[str, Any], knowledge: Knowledge) -> Outcome:
    view = build_view(patient_from_data({"id": "t", **record}), knowledge, AS_OF)
    tree = parse_rule(rule) if isinstance(rule, str) else rule
    return evaluate(tree, Context(view, knowledge, AS_OF, AS_OF, Settings()))


def problems(rule: str, knowledge: Knowledge) -> list[str]:
    return list(rule_problems(parse_rule(rule), knowledge))


def shipped_rule(protocols: Protocols, trial: str, criterion: str) -> ast.Expr:
    found = next(c for c in protocols[trial].criteria if c.criterion.id == criterion)
    return found.readings[0].rule


def section(*items: dict[str, Any]) -> dict[str, Any]:
    """A section reviewed as complete the day before the first dose."""
    return {"complete": True, "reviewed_on": REVIEWED, "items": list(items)}


def therapy(*agents: str, last_dose: str) -> dict[str, Any]:
    return {"therapies": section({"agents": list(agents), "last_dose": last_dose})}


# -- 1. half-lives with `at least` / `more than` ------------------------------------------
def test_an_unknown_half_life_leaves_at_least_and_more_than_unknown(knowledge: Knowledge) -> None:
    """Guards finding 1: a duration in half-lives of a line with an agent whose half-life is
    not in the knowledge base (cisplatin) is the interval [0, unbounded): `at least` and
    `more than` can then never be sure, so they are unknown with a need for the half-life
    (they used to count the missing half-life as zero and give true). With every
    half-life known (etoposide 11 h: 5 × 11 h = 55 h, counted as 3 days) it is settled."""
    record = therapy("cisplatin", "etoposide", last_dose="2026-01-05")
    for relation in ("at least", "more than"):
        rule = f"any(therapy, last_dose {relation} 5 half_lives before first_dose)"
        out = run(rule, record, knowledge)
        assert out.truth is None
        assert [n.key for n in out.needs] == ["half_life:cisplatin"]
    rule = "any(therapy, last_dose at least 5 half_lives before first_dose)"
    assert run(rule, therapy("etoposide", last_dose="2026-11-16"), knowledge).truth is True


def test_a_capped_half_life_duration_is_sure_only_outside_it(knowledge: Knowledge) -> None:
    """Guards finding 1: shorter_of(3 weeks, 5 half_lives) with an unknown half-life lies in
    [0, 21] days. A last dose 25 days before is at least that long before (true); one 10
    days before falls inside the interval (unknown)."""
    rule = "any(therapy, last_dose at least shorter_of(3 weeks, 5 half_lives) before first_dose)"
    assert run(rule, therapy("cisplatin", last_dose="2026-10-26"), knowledge).truth is True
    assert run(rule, therapy("cisplatin", last_dose="2026-11-10"), knowledge).truth is None


# -- 2. a documented absence denies every item of what it names ------------------------------
def test_no_ild_settles_severe_uncontrolled_ild(protocols: Protocols, knowledge: Knowledge) -> None:
    """Guards finding 2. NCT07077564 exclusion `ild`, seed: "(3) History of severe interstitial
    lung disease (ILD) with inadequate control.", rule
    `any(condition, category = ild and severity = severe and not controlled)`. A documented
    "no ILD" (`present: false`) denies every ILD whatever its severity or control, so the
    rule is false (the exclusion passes) without a complete history review; `not
    controlled` no longer turns the unstated detail against the denial."""
    rule = shipped_rule(protocols, "NCT07077564", "ild")
    out = run(rule, {"history": {"items": [{"category": "ild", "present": False}]}}, knowledge)
    assert out.truth is False
    assert "documented absence of ild recorded ($.history.items[0])" in out.evidence[-1].text


DENIALS = [
    ("NCT07520357", "ild", {"category": "ild"}),
    ("NCT07520357", "thrombosis", {"category": "venous_thromboembolism"}),
    ("NCT07077564", "bleeding", {"category": "bleeding", "subtype": "gastrointestinal"}),
]


@pytest.mark.parametrize(
    ("trial", "criterion", "denied"),
    DENIALS,
    ids=["no-ild/ild-or-pneumonitis", "no-vte/arterial-or-venous", "no-gi-bleeding/any-bleeding"],
)
def test_a_denial_settles_only_what_requires_it(
    trial: str, criterion: str, denied: dict[str, Any], protocols: Protocols, knowledge: Knowledge
) -> None:
    """Guards the soundness of finding 2: "no X" may settle `any(c, cond)` only when every
    item that satisfies cond is an X. Cases from the shipped protocols:

    - NCT07520357 `ild`, seed: "Active interstitial lung disease, history of ILD, or history
      of non-infectious pneumonia (any grade)": "no ILD" says nothing about pneumonitis.
    - NCT07520357 `thrombosis`, seed: "Arterial/venous thrombotic events requiring
      intervention within 6 months before first dose": "no venous thromboembolism" says
      nothing about arterial events.
    - NCT07077564 `bleeding`, seed: "(6) Clinically significant bleeding within 3 months prior
      to first dose (e.g., GI bleeding, hemorrhagic gastric ulcer, vasculitis).": "no
      gastrointestinal bleeding" says nothing about a bleeding gastric ulcer.

    The history is not complete, so the exclusion must stay unknown and ask for a complete
    review of history rather than pass."""
    record = {"history": {"items": [{**denied, "present": False}]}}
    out = run(shipped_rule(protocols, trial, criterion), record, knowledge)
    assert out.truth is None, [e.text for e in out.evidence]
    assert "section:history" in [n.key for n in out.needs]


# -- 3. any(c) without a condition ------------------------------------------------------------
def test_any_without_a_condition_is_not_settled_by_a_denial(knowledge: Knowledge) -> None:
    """Guards finding 3: "no ILD" says nothing about whether the patient has any condition at
    all, so `any(condition)` stays unknown in an incomplete history; only a complete,
    fresh review settles it as false."""
    denial = {"category": "ild", "present": False}
    out = run("any(condition)", {"history": {"items": [denial]}}, knowledge)
    assert out.truth is None
    assert out.needs[0].key == "section:history"
    assert run("any(condition)", {"history": section(denial)}, knowledge).truth is False


# -- 4. ordered comparisons against a code ----------------------------------------------------
def test_ordered_comparison_with_an_attribute_code_is_refused(knowledge: Knowledge) -> None:
    """Guards finding 4: codes have no order, so `severity > mild` (which used to act as
    `!=`) is refused; `severity in [moderate, severe]` is the way to write it."""
    assert problems("any(condition, severity > mild)", knowledge) == [
        "severity is compared with the code 'mild' by = or !=, not >"
    ]
    for op in ("<", "<=", ">="):
        assert problems(f"any(condition, severity {op} mild)", knowledge), op
    assert problems("any(therapy, agent.class > platinum)", knowledge)
    assert problems("any(condition, severity in [moderate, severe])", knowledge) == []
    assert problems("any(condition, severity != mild)", knowledge) == []


def test_ordered_comparison_with_a_lab_result_code_is_refused(knowledge: Knowledge) -> None:
    """Guards finding 4 for `latest(...)`: a qualitative result (`negative`, `detected`) is a
    code too, and `latest(hcg_serum) > negative` evaluates as `!=`. It must be refused
    like an ordered comparison with an attribute code."""
    assert problems("latest(hcg_serum) > negative", knowledge) != []
    assert problems("latest(hbv_dna) >= detected", knowledge) != []
    assert problems("latest(hcg_serum) = negative", knowledge) == []


# -- 5. a number against a non-numeric attribute ----------------------------------------------
def test_a_number_against_a_non_numeric_attribute_is_refused(knowledge: Knowledge) -> None:
    """Guards finding 5: `category > 3` used to pass validation and stop the screening with
    a traceback. Text, code, date and yes/no attributes are refused; numeric ones
    (NCT07077564 `heart_failure`: `nyha_class >= 2`) are accepted."""
    assert problems("any(condition, category > 3)", knowledge) == [
        "category is not a number; compare it with a code by = or in [...]"
    ]
    assert problems("any(condition, onset > 3)", knowledge)
    assert problems("any(condition, controlled > 0)", knowledge)
    assert problems("any(condition, category between 1 and 3)", knowledge)
    rule = "any(condition, category = heart_failure and nyha_class >= 2)"
    assert problems(rule, knowledge) == []


# -- 6. units on item attributes --------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("any(lesion, longest_diameter_mm >= 1 cm)", "longest_diameter_mm is in mm; write the number in mm"),
        ("any(diagnosis, ki67_percent > 20 mm)", "ki67_percent is in %; write the number in %"),
        ("any(condition, nyha_class >= 2 mm)", "nyha_class is in no unit; write the number without a unit"),
        ("any(lesion, longest_diameter_mm >= 10 mm)", None),
        ("any(lesion, longest_diameter_mm >= 10)", None),
        ("any(diagnosis, ki67_percent > 20 %)", None),
    ],
)
def test_only_percent_and_mm_units_on_item_attributes(rule: str, expected: str | None, knowledge: Knowledge) -> None:
    """Guards finding 6: a unit on an item attribute used to be ignored (`1 cm` read as 1).
    Only `%` on *_percent fields and `mm` on *_mm fields are accepted, and nothing is
    converted. RECIST 1.1 §3.1.1 (measurable: longest diameter ≥ 10 mm) is written
    `longest_diameter_mm >= 10 mm` or `>= 10`."""
    assert problems(rule, knowledge) == ([expected] if expected else [])


def test_a_unit_on_an_item_attribute_is_not_converted(knowledge: Knowledge) -> None:
    """Guards finding 6 at evaluation: `10 mm` compares with the recorded millimetres."""
    lesion = {"id": "T1", "site": "liver", "longest_diameter_mm": 12, "measured_on": "2026-11-10"}
    record = {"lesions": section(lesion)}
    assert run("any(lesion, longest_diameter_mm >= 10 mm)", record, knowledge).truth is True
    assert run("any(lesion, longest_diameter_mm >= 15 mm)", record, knowledge).truth is False


# -- 7. type codes; true/false are not codes --------------------------------------------------
def test_procedure_and_specimen_type_codes_are_checked(knowledge: Knowledge) -> None:
    """Guards finding 7: a misspelt `type` used to validate and never match. NCT07520357
    `tissue`, seed: "Tumour tissue samples available — within 2 years or freshly
    obtained", uses `type = fresh_biopsy`."""
    assert problems("any(procedure, type = surgry)", knowledge) == [
        "type is never 'surgry'; known: biopsy, drainage, growth_factor, local_therapy, "
        "radiotherapy, surgery, transfusion"
    ]
    assert problems("any(procedure, type in [transfusion, growth_factr])", knowledge)
    assert problems("any(specimen, type = biopsyy)", knowledge)
    assert problems("any(specimen, type = fresh_biopsy and planned)", knowledge) == []


def test_true_and_false_are_not_codes(knowledge: Knowledge) -> None:
    """Guards finding 7: `live = true` is a syntax error (true/false are keywords); a yes/no
    attribute is tested as a flag (NCT07077564 `live_vaccine`: `vaccine.live and ...`)."""
    with pytest.raises(RuleSyntaxError, match="expected a name, not the keyword 'true'"):
        parse_rule("any(vaccination, live = true)")
    with pytest.raises(RuleSyntaxError):
        parse_rule("any(therapy, ongoing != false)")
    rule = "any(vaccination, vaccine.live and date within 30 days before first_dose)"
    assert problems(rule, knowledge) == []


def test_a_yes_no_attribute_compared_with_a_code_is_refused(knowledge: Knowledge) -> None:
    """Guards finding 7 beyond the keywords: a yes/no attribute compared with any code
    (`live = yes`, `patient.pregnant = yes`) never matches at evaluation, so, like a
    misspelt `type`, it must be refused by validation."""
    assert problems("any(vaccination, live = yes)", knowledge) != []
    assert problems("patient.pregnant = yes", knowledge) != []


# -- 8. protocol show escapes Rich markup -----------------------------------------------------
def test_protocol_show_prints_lists_and_reading_labels() -> None:
    """Guards finding 8: Rich used to read `[...]` as markup and drop it. NCT07077564
    `histology` reading "registry wording" holds `confirmation in [histologic, cytologic]`."""
    result = runner.invoke(app, ["protocol", "show", "NCT07077564"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "confirmation in [histologic, cytologic]" in result.stdout
    assert "(registry wording (NEC must be metastatic" in result.stdout


# -- 9. arm, agent and endpoint quotations; arm drug ids; missing seed ------------------------
SHIPPED = protocols_dir() / "NCT07520357.yaml"
SEED = "../../shared/seeds/NCT07520357.navigator-page.txt"


def _variant(tmp_path: Path, change: Callable[[dict[str, Any]], Any], *, absolute_seed: bool = True) -> Path:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    if absolute_seed:
        data["sources"][0]["file"] = str((SHIPPED.parent / SEED).resolve())
    change(data)
    path = tmp_path / "NCT07520357.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["arm"].update(source="Given at 7 mg/kg."), "arm: not in the seed: 'Given at 7 mg/kg.'"),
        (
            lambda d: d["arm"]["agent"][0].update(source="SHR-A1904 weekly."),
            "arm: not in the seed: 'SHR-A1904 weekly.'",
        ),
        (
            lambda d: d["endpoints"][0].update(source="ORR is the endpoint."),
            "endpoint orr: not in the seed: 'ORR is the endpoint.'",
        ),
    ],
    ids=["arm", "agent", "endpoint"],
)
def test_arm_agent_and_endpoint_quotations_are_checked(
    change: Callable[[dict[str, Any]], Any], message: str, tmp_path: Path, knowledge: Knowledge
) -> None:
    """Guards finding 9: only criteria quotations used to be checked against the seed."""
    with pytest.raises(ProtocolError) as info:
        load_protocol(_variant(tmp_path, change), knowledge)
    assert message in str(info.value)


def test_an_arm_drug_not_in_the_knowledge_base_is_refused(tmp_path: Path, knowledge: Knowledge) -> None:
    """Guards finding 9: an arm drug id must name a drugs.yaml entry."""
    path = _variant(tmp_path, lambda d: d["arm"]["agent"][0].update(drug="shr_a1905"))
    with pytest.raises(ProtocolError, match="arm agent shr_a1905 is not in the knowledge base"):
        load_protocol(path, knowledge)


def test_validate_warns_when_the_seed_is_not_found(tmp_path: Path) -> None:
    """Guards finding 9: with its seed missing, a protocol's quotations go unchecked; the
    command still reports the file valid but says so on stderr."""
    path = _variant(tmp_path, lambda d: None, absolute_seed=False)
    result = runner.invoke(app, ["protocol", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"warning: seed {SEED} not found beside {path}" in result.stderr
    assert ": valid — NCT07520357, 39 criteria" in result.stdout
    shipped = runner.invoke(app, ["protocol", "validate", str(SHIPPED)])
    assert shipped.exit_code == 0
    assert "warning" not in shipped.stderr


# -- extras -----------------------------------------------------------------------------------
def test_a_stale_scan_asks_for_a_new_one(knowledge: Knowledge) -> None:
    """A baseline scan older than its window is unknown with a need for a new scan in the
    window, not false. NCT07077564 `measurable_lesion`, seed: "At least one measurable
    lesion per RECIST 1.1 at baseline:", with RECIST 1.1 §3.2 (baseline no more than 4
    weeks before treatment): `measured_on within 28 days before first_dose`. An event
    date (a last dose) outside its window stays false."""
    lesion = {"id": "T1", "site": "liver", "longest_diameter_mm": 25, "measured_on": "2026-10-01"}
    rule = "any(lesion, measurable and measured_on within 28 days before first_dose)"
    out = run(rule, {"lesions": section(lesion)}, knowledge)
    assert out.truth is None
    need = out.needs[0]
    assert need.key == "fresh:$.lesions.items[0].measured_on"
    assert (need.earliest, need.latest) == (date(2026, 10, 23), date(2026, 11, 20))
    washout = "any(therapy, last_dose within 21 days before first_dose)"
    assert run(washout, therapy("etoposide", last_dose="2026-10-01"), knowledge).truth is False


def test_a_stale_specimen_asks_for_a_new_one(knowledge: Knowledge) -> None:
    """An archival specimen older than its window is unknown with a need for a new
    specimen. NCT07520357 `tissue`, seed: "Tumour tissue samples available — within 2 years
    or freshly obtained"."""
    specimen = {"type": "biopsy", "ffpe": True, "available": True, "collected_on": "2024-06-01"}
    rule = "any(specimen, available and collected_on within 2 years before first_dose)"
    out = run(rule, {"specimens": section(specimen)}, knowledge)
    assert out.truth is None
    assert out.needs[0].key == "fresh:$.specimens.items[0].collected_on"
    assert out.needs[0].earliest == date(2024, 11, 20)


def test_an_ongoing_growth_factor_counts_from_its_start(knowledge: Knowledge) -> None:
    """A growth-factor medication with no stop date covers every day from its start, so a
    count drawn while on it is not counted. NCT07520357 `anc`, seed: "ANC ≥ 1.5×10⁹/L; PLT
    ≥ 100×10⁹/L; Hb ≥ 90 g/L (no blood transfusion or growth factors within 14 days
    before test)"."""
    rule = "latest(anc, within 14 days before first_dose, no support within 14 days) >= 1.5 10^9/L"
    anc = {"code": "anc", "value": 2.4, "unit": "10^9/L", "date": "2026-11-16"}
    ongoing = {"agent": "filgrastim", "start": "2026-10-01", "ongoing": True}
    record = {"observations": [anc], "procedures": section(), "medications": section(ongoing)}
    out = run(rule, record, knowledge)
    assert out.truth is None
    assert out.needs[0].key == "lab:anc"
    assert "not counted: growth factor filgrastim from 2026-10-01" in out.evidence[0].text
    stopped = {"agent": "filgrastim", "start": "2026-10-01", "stop": "2026-10-20"}
    record["medications"] = section(stopped)
    assert run(rule, record, knowledge).truth is True


def test_durations_of_one_print_in_the_singular() -> None:
    """Canonical text prints `1 year`, `1 week` (not `1 years`) and still round-trips.
    NCT07077564 `myocardial_infarction`, seed: "Myocardial infarction within 1 year"."""
    text = "any(condition, category = myocardial_infarction and onset within 1 year before first_dose)"
    assert format_rule(parse_rule(text)) == text
    week = parse_rule("any(medication, stop within 1 weeks before first_dose)")
    assert format_rule(week) == "any(medication, stop within 1 week before first_dose)"
    assert parse_rule(format_rule(week)) == week
    two = format_rule(parse_rule("any(medication, stop within 2 week before first_dose)"))
    assert two == "any(medication, stop within 2 weeks before first_dose)"


def test_an_unknown_code_points_to_the_knowledge_command(knowledge: Knowledge) -> None:
    """The fix hint of an unknown histology code names `trialdesk knowledge histology`, and
    that command exists and lists the code to use (LCNEC: WHO 5th ed., ICD-O-3 8013/3)."""
    record = {"id": "t", "diagnoses": {"items": [{"histology": "large cell NEC"}]}}
    with pytest.raises(RecordError) as info:
        build_view(patient_from_data(record), knowledge, AS_OF)
    assert info.value.fix == "use a histology code listed by `trialdesk knowledge histology`"
    result = runner.invoke(app, ["knowledge", "histology", "large cell"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "lcnec" in result.stdout
    assert "8013/3" in result.stdout
    assert "scnec" not in result.stdout
    assert runner.invoke(app, ["knowledge", "histologies"]).exit_code == 2
