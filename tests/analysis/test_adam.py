"""ADaM-style ADSL, ADRS and ADTTE: CDISC variable names, CNSR the reverse of the
event flag, one ADTTE row per subject and parameter, AVAL the Kaplan–Meier input."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from lifelines import KaplanMeierFitter

from trialdesk.analysis import DAYS_PER_MONTH, EndpointAnalysis, load_trial_dataset
from trialdesk.analysis.adam import ADRS_COLUMNS, ADSL_COLUMNS, ADTTE_COLUMNS, AdamDatasets, derive_adam
from trialdesk.errors import AnalysisError

EXAMPLE = Path(__file__).parents[2] / "examples" / "analysis" / "NCT07077564.json"
CUTOFF = dt.date(2026, 12, 31)


@pytest.fixture(scope="module")
def fitted() -> tuple[EndpointAnalysis, AdamDatasets]:
    data = load_trial_dataset(EXAMPLE)
    analysis = EndpointAnalysis(cutoff=CUTOFF).fit(data)
    return analysis, derive_adam(data, analysis)


def test_variable_names_are_cdisc(fitted) -> None:  # type: ignore[no-untyped-def]
    _, adam = fitted
    for data, expected in ((adam.adsl, ADSL_COLUMNS), (adam.adrs, ADRS_COLUMNS), (adam.adtte, ADTTE_COLUMNS)):
        header = next(csv.reader(io.StringIO(data.to_csv())))
        assert tuple(header) == expected
    assert {"STUDYID", "USUBJID", "PARAMCD", "PARAM", "AVAL", "ADT", "STARTDT", "CNSR", "EVNTDESC", "CNSDTDSC"} <= set(
        ADTTE_COLUMNS
    )
    assert set(adam.adsl.column("STUDYID")) == {"NCT07077564"}


def test_cnsr_is_the_reverse_of_the_lifelines_event_flag(fitted) -> None:  # type: ignore[no-untyped-def]
    analysis, adam = fitted
    rows = {(r["USUBJID"], r["PARAMCD"]): r for r in adam.adtte.rows}
    for subject in analysis.subjects:
        for code in ("PFS", "OS", "DOR"):
            time = getattr(subject, code.lower())
            if time is None:
                continue
            row = rows[(f"NCT07077564-{subject.subject_id}", code)]
            assert row["CNSR"] == (0 if time.event else 1)
            assert row["EVNTDESC"] is not None
            assert (row["CNSDTDSC"] is None) == time.event


def test_one_row_per_subject_per_parameter(fitted) -> None:  # type: ignore[no-untyped-def]
    analysis, adam = fitted
    keys = [(r["USUBJID"], r["PARAMCD"]) for r in adam.adtte.rows]
    assert len(keys) == len(set(keys))
    params = adam.adtte.column("PARAMCD")
    assert params.count("PFS") == params.count("OS") == analysis.n
    assert params.count("DOR") == analysis.dor.n == analysis.orr.count
    assert len(adam.adsl.rows) == analysis.n


@pytest.mark.parametrize("code", ["PFS", "OS", "DOR"])
def test_aval_is_the_kaplan_meier_input(fitted, code: str) -> None:  # type: ignore[no-untyped-def]
    """AVAL (days) ÷ 30.4375 are the durations the analysis fitted; lifelines on ADTTE
    (event = 1 − CNSR) gives the analysis' median."""
    analysis, adam = fitted
    rows = [r for r in adam.adtte.rows if r["PARAMCD"] == code]
    times = [getattr(s, code.lower()) for s in analysis.subjects if getattr(s, code.lower()) is not None]
    assert sorted(int(r["AVAL"]) for r in rows) == sorted(t.days for t in times)  # type: ignore[arg-type]
    for r in rows:
        assert int(r["AVAL"]) == (dt.date.fromisoformat(str(r["ADT"])) - dt.date.fromisoformat(str(r["STARTDT"]))).days  # type: ignore[arg-type]
    fitter = KaplanMeierFitter().fit(
        [int(r["AVAL"]) / DAYS_PER_MONTH for r in rows],  # type: ignore[arg-type]
        [1 - int(r["CNSR"]) for r in rows],  # type: ignore[arg-type]
    )
    median = getattr(analysis, code.lower()).median
    assert (fitter.median_survival_time_ if median is not None else float("inf")) == pytest.approx(
        median if median is not None else float("inf")
    )


def test_adrs_has_every_time_point_and_bor_cbor_per_subject(fitted) -> None:  # type: ignore[no-untyped-def]
    analysis, adam = fitted
    data = load_trial_dataset(EXAMPLE)
    params = adam.adrs.column("PARAMCD")
    assert params.count("OVRLRESP") == sum(len(s.assessments) for s in data.subjects)
    assert params.count("BOR") == params.count("CBOR") == analysis.n
    cbor = {r["USUBJID"]: r["AVALC"] for r in adam.adrs.rows if r["PARAMCD"] == "CBOR"}
    assert cbor == {f"NCT07077564-{s.subject_id}": str(s.best_response.response) for s in analysis.subjects}
    unconfirmed = EndpointAnalysis(cutoff=CUTOFF, confirm=False).fit(data)
    bor = [r["AVALC"] for r in adam.adrs.rows if r["PARAMCD"] == "BOR"]
    assert bor.count("PR") + bor.count("CR") == unconfirmed.orr.count
    assert {r["AVAL"] for r in adam.adrs.rows if r["AVALC"] == "PR"} == {2}  # admiralonco: PR = 2


def test_write_makes_three_csv_files(fitted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, adam = fitted
    written = adam.write(tmp_path / "adam")
    assert [p.name for p in written] == ["adsl.csv", "adrs.csv", "adtte.csv"]
    assert written[2].read_text(encoding="utf-8") == adam.adtte.to_csv()


def test_analysis_of_another_dataset_is_refused(fitted) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = fitted
    other = load_trial_dataset(EXAMPLE.with_name("NCT07520357.json"))
    with pytest.raises(AnalysisError, match="not fitted on NCT07520357"):
        derive_adam(other, analysis)
