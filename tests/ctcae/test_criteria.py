"""The criteria data: terms, MedDRA codes, band wording, and the loader's checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trialdesk.ctcae import DEFAULT_CRITERIA, CtcaeCriteria, load_ctcae_criteria
from trialdesk.ctcae.bands import band_text
from trialdesk.errors import CtcaeError
from trialdesk.knowledge.base import Knowledge

# CTCAE v5.0 lists each term with its MedDRA v20.1 LLT code (NCI CTCAE v5.0 spreadsheet,
# 27 Nov 2017). The six electrolyte/GGT codes are the LLTs, not the British-spelling PTs
# (e.g. PT Hypokalaemia 10021015 vs LLT Hypokalemia 10021018).
MEDDRA_V5 = {
    "Neutrophil count decreased": "10029366",
    "Platelet count decreased": "10035528",
    "Anemia": "10002272",
    "White blood cell decreased": "10049182",
    "Lymphocyte count decreased": "10025256",
    "Alanine aminotransferase increased": "10001551",
    "Aspartate aminotransferase increased": "10003481",
    "Blood bilirubin increased": "10005364",
    "Alkaline phosphatase increased": "10001675",
    "GGT increased": "10056910",
    "Creatinine increased": "10011368",
    "Hypokalemia": "10021018",
    "Hyperkalemia": "10020647",
    "Hyponatremia": "10021038",
    "Hypernatremia": "10020680",
    "Hypocalcemia": "10020949",
    "Hypercalcemia": "10020587",
    "Hypoalbuminemia": "10020943",
    "INR increased": "10022402",
}


def test_meddra_codes(criteria: CtcaeCriteria) -> None:
    assert {t.term: t.meddra for t in criteria.terms} == MEDDRA_V5


def test_every_term_cites_ctcae_v5(criteria: CtcaeCriteria) -> None:
    assert all(t.citation.startswith(f"CTCAE v5.0 {t.soc}, {t.term}:") for t in criteria.terms)


def test_terms_by_lab(criteria: CtcaeCriteria) -> None:
    assert [t.term for t in criteria.terms_for_lab("ionized_calcium")] == ["Hypocalcemia", "Hypercalcemia"]
    assert criteria.terms_for_lab("pt") == ()
    assert criteria.term("ggt_increased").term == "GGT increased"
    with pytest.raises(CtcaeError):
        criteria.term("Fatigue")


@pytest.mark.parametrize(
    ("term", "scheme", "unit", "bands"),
    [
        # CTCAE v5.0 wording, cell by cell
        ("Creatinine increased", 1, "umol/L", [">1.5–3.0 × baseline", ">3.0 × baseline"]),
        (
            "Blood bilirubin increased",
            1,
            "umol/L",
            [">1.0–1.5 × baseline", ">1.5–3.0 × baseline", ">3.0–10.0 × baseline", ">10.0 × baseline"],
        ),
        (
            "Alkaline phosphatase increased",
            1,
            "U/L",
            ["2.0–2.5 × baseline", ">2.5–5.0 × baseline", ">5.0–20.0 × baseline", ">20.0 × baseline"],
        ),
        ("Neutrophil count decreased", 0, "/uL", ["<LLN–1500/mm³", "<1500–1000/mm³", "<1000–500/mm³", "<500/mm³"]),
        ("Hyperkalemia", 0, "mmol/L", [">ULN–5.5 mmol/L", ">5.5–6.0 mmol/L", ">6.0–7.0 mmol/L", ">7.0 mmol/L"]),
        ("Hyponatremia", 0, "mmol/L", ["<LLN–130 mmol/L", "125–129 mmol/L", "120–124 mmol/L", "<120 mmol/L"]),
        ("INR increased", 0, "{INR}", [">1.2–1.5", ">1.5–2.5", ">2.5"]),
        ("Anemia", 0, "g/L", ["<LLN–100 g/L", "<100–80 g/L", "<80 g/L"]),
    ],
)
def test_band_wording(criteria: CtcaeCriteria, term: str, scheme: int, unit: str, bands: list[str]) -> None:
    t = criteria.term(term)
    s = t.schemes[scheme]
    assert [band_text(t, s, step, unit, criteria) for step in s.steps] == bands


def _write(tmp_path: Path, mutate: object) -> Path:
    data = yaml.safe_load(DEFAULT_CRITERIA.read_text(encoding="utf-8"))
    mutate(data)  # type: ignore[operator]
    path = tmp_path / "criteria.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _swap_neutrophil_limits(data: dict) -> None:  # type: ignore[type-arg]
    steps = data["terms"][0]["schemes"][0]["steps"]
    steps[1]["values"], steps[2]["values"] = steps[2]["values"], steps[1]["values"]


def _unknown_lab(data: dict) -> None:  # type: ignore[type-arg]
    data["terms"][0]["labs"] = ["neutrophils"]


def _foreign_unit(data: dict) -> None:  # type: ignore[type-arg]
    data["terms"][0]["schemes"][0]["steps"][1]["values"] = {"g/L": 1.5}
    data["terms"][0]["schemes"][0]["steps"][2]["values"] = {"g/L": 1.0}
    data["terms"][0]["schemes"][0]["steps"][3]["values"] = {"g/L": 0.5}


def _both_limits(data: dict) -> None:  # type: ignore[type-arg]
    data["terms"][0]["schemes"][0]["steps"][1]["reference"] = "LLN"


def _bad_meddra(data: dict) -> None:  # type: ignore[type-arg]
    data["terms"][0]["meddra"] = "1002936"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_swap_neutrophil_limits, "out of order"),
        (_unknown_lab, "not in labs.yaml"),
        (_foreign_unit, "not a unit of lab anc"),
        (_both_limits, "either reference or values"),
        (_bad_meddra, "String should match pattern"),
    ],
)
def test_loader_refuses_bad_criteria(knowledge: Knowledge, tmp_path: Path, mutate: object, message: str) -> None:
    with pytest.raises(CtcaeError, match=message):
        load_ctcae_criteria(knowledge, _write(tmp_path, mutate))
