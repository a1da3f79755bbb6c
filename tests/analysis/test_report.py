"""The HTML report: self-contained, the endpoint values EndpointAnalysis gives, counts
that add up, the design and the cut-off stated."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from tests.analysis.lesions import dataset, subject_with_reads
from trialdesk.analysis import EndpointAnalysis, load_trial_dataset
from trialdesk.analysis.consort import count_subject_flow
from trialdesk.analysis.report import TrialReport, build_report, latest_recorded_date
from trialdesk.design import trial_design
from trialdesk.errors import AnalysisError

EXAMPLE = Path(__file__).parents[2] / "examples" / "analysis" / "NCT07077564.json"
CUTOFF = dt.date(2026, 12, 31)


@pytest.fixture(scope="module")
def report() -> TrialReport:
    return build_report(load_trial_dataset(EXAMPLE), cutoff=CUTOFF, design=trial_design("NCT07077564", 35))


@pytest.fixture(scope="module")
def html(report: TrialReport) -> str:
    return report.to_html()


def embedded_results(html: str) -> dict:  # type: ignore[type-arg]
    match = re.search(r'<script type="application/json" id="trialdesk-results">(.*?)</script>', html, re.DOTALL)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_self_contained_no_external_source_or_link(html: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"@import|url\(", html)
    assert html.count('src="data:image/png;base64,') == 6


def test_endpoint_values_are_endpoint_analysis(report: TrialReport, html: str) -> None:
    analysis = EndpointAnalysis(cutoff=CUTOFF).fit(load_trial_dataset(EXAMPLE))
    unconfirmed = EndpointAnalysis(cutoff=CUTOFF, confirm=False).fit(load_trial_dataset(EXAMPLE))
    results = embedded_results(html)
    for name in ("orr", "dcr"):
        assert results["confirmed"][name] == analysis.to_dict()[name]
        assert results["unconfirmed"][name] == unconfirmed.to_dict()[name]
    for name in ("pfs", "os", "dor"):
        shown = results["confirmed"][name]
        estimate = getattr(analysis, name)
        assert (shown["median"], shown["median_ci_lower"], shown["median_ci_upper"]) == (
            estimate.median,
            estimate.median_lower,
            estimate.median_upper,
        )
    orr = analysis.orr
    assert f"{orr.count}/{orr.n} = {100 * orr.estimate:.1f}%" in html
    assert f"{100 * orr.lower:.1f}%–{100 * orr.upper:.1f}%" in html
    assert f"{analysis.pfs.median:.1f} months" in html
    six_months = analysis.os.landmarks[0]
    assert six_months.survival is not None
    assert f"{100 * six_months.survival:.1f}%" in html


def test_counts_add_up(report: TrialReport) -> None:
    flow = report.flow
    assert flow.enrolled == report.analysis.n == 35
    assert flow.screened is not None
    assert flow.screen_failures == flow.screened - flow.enrolled
    assert flow.evaluable + sum(k for _, k in flow.not_evaluable) == flow.treated
    assert flow.on_treatment + sum(k for _, k in flow.discontinued) == flow.treated
    assert sum(report.analysis.best_response_counts.values()) == report.analysis.n
    # the waterfall leaves out exactly those with no post-baseline read
    assert len(report.tumour_size.courses) + len(report.tumour_size.excluded) == flow.enrolled


def test_cutoff_design_and_censoring_are_stated(html: str) -> None:
    assert "Data cut-off: 2026-12-31" in html
    assert "(as given)" in html
    assert "single-stage — treat 35" in html  # consistent_designs(35): p0 0.2, p1 0.4
    assert "missed assessments" in html
    assert "confirmed and the unconfirmed reading" in html


def test_cutoff_defaults_to_the_latest_recorded_date() -> None:
    data = dataset(subject_with_reads("A", [("2026-03-02", "SD", 38)], last_known_alive_date="2026-05-01"))
    assert latest_recorded_date(data) == dt.date(2026, 5, 1)
    small = build_report(data, figure_format="svg")
    assert small.cutoff == dt.date(2026, 5, 1)
    assert small.cutoff_source == "latest date recorded"
    page = small.to_html()
    assert "the latest date recorded in the dataset" in page
    assert "not recorded in the dataset" in page  # screened is absent
    assert "<metadata>" not in page  # inline SVG without its RDF block
    assert page.count("<svg") == 6


def test_screened_count_below_enrolled_is_an_error() -> None:
    with pytest.raises(ValueError, match="screened is 1 but 2 subjects"):
        dataset(subject_with_reads("A", []), subject_with_reads("B", []), screened=1)


def test_unknown_figure_format_is_an_error() -> None:
    with pytest.raises(AnalysisError, match="figure format"):
        build_report(dataset(subject_with_reads("A", [])), figure_format="gif")  # type: ignore[arg-type]


def test_flow_at_an_early_cutoff_counts_only_those_enrolled() -> None:
    data = load_trial_dataset(EXAMPLE)
    flow = count_subject_flow(data, dt.date(2025, 6, 1))
    assert flow.enrolled == sum(1 for s in data.subjects if s.enrolment_date <= dt.date(2025, 6, 1))
    assert flow.treated <= flow.enrolled
