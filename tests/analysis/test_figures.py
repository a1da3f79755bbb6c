"""Figures: they render, deterministically, and draw the numbers they are given.

The waterfall's bars are checked against the RECIST module run directly on the example
reads and, for one subject, against the diameters summed by hand; the numbers at risk
against lifelines' event table at each tick.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from lifelines import KaplanMeierFitter

from tests.analysis.lesions import dataset, subject_with_reads
from trialdesk.analysis import EndpointAnalysis, TrialDataset, dataset_at_cutoff, load_trial_dataset
from trialdesk.analysis.figures import (
    AT_RISK_AXES,
    SPIDER_AXES,
    SWIMMER_AXES,
    WATERFALL_AXES,
    KaplanMeierCurve,
    at_risk_counts,
    derive_swimmer_lanes,
    figure_png,
    figure_svg,
    plot_kaplan_meier,
    plot_spider,
    plot_swimmer,
    plot_waterfall,
    tick_times,
)
from trialdesk.analysis.tumour_size import TumourSizeChanges, derive_tumour_size_changes
from trialdesk.recist import SubjectRecord, assess_subject

EXAMPLE = Path(__file__).parents[2] / "examples" / "analysis" / "NCT07077564.json"
CUTOFF = dt.date(2026, 12, 31)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def example() -> tuple[TrialDataset, EndpointAnalysis, TumourSizeChanges]:
    data = load_trial_dataset(EXAMPLE)
    analysis = EndpointAnalysis(cutoff=CUTOFF).fit(data)
    best = {s.subject_id: str(s.best_response.response) for s in analysis.subjects}
    return data, analysis, derive_tumour_size_changes(dataset_at_cutoff(data, CUTOFF).subjects, best)


def axes_named(figure: object, label: str):  # type: ignore[no-untyped-def]
    return next(a for a in figure.axes if a.get_label() == label)  # type: ignore[attr-defined]


def test_waterfall_bars_are_the_recist_modules_best_changes(example) -> None:  # type: ignore[no-untyped-def]
    data, _analysis, changes = example
    figure = plot_waterfall(changes)
    axes = axes_named(figure, WATERFALL_AXES)
    drawn = {tick.get_text(): bar.get_height() for tick, bar in zip(axes.get_xticklabels(), axes.patches, strict=True)}
    expected: dict[str, float] = {}
    for subject in dataset_at_cutoff(data, CUTOFF).subjects:
        record = SubjectRecord(
            id=subject.subject_id, start_date=subject.start_date, assessments=subject.lesion_measurements
        )
        pct = [p.change_from_baseline_pct for p in assess_subject(record, min_sd_days=42).time_points]
        if any(p is not None for p in pct):
            expected[subject.subject_id] = float(min(p for p in pct if p is not None))
    assert drawn == pytest.approx(expected)
    assert len(drawn) == 33  # 35 enrolled; 017 and 026 have no post-baseline read
    heights = [bar.get_height() for bar in axes.patches]
    assert heights == sorted(heights, reverse=True)


def test_one_waterfall_bar_by_hand(example) -> None:  # type: ignore[no-untyped-def]
    """Subject 002: sums of the target diameters in the file, best (smallest) against baseline."""
    data, _, changes = example
    subject = next(s for s in data.subjects if s.subject_id == "002")

    def total(read_index: int) -> Decimal:
        lesions = subject.lesion_measurements[read_index].lesions
        return sum((lesion.diameter_mm or Decimal(0) for lesion in lesions if lesion.kind == "target"), Decimal(0))

    baseline = total(0)
    best = min(total(i) for i in range(1, len(subject.lesion_measurements)))
    by_hand = round(float((best - baseline) * 100 / baseline), 1)
    course = next(c for c in changes.courses if c.subject_id == "002")
    assert course.best_percent_change == by_hand


def test_figures_render_png_and_svg_deterministically(example) -> None:  # type: ignore[no-untyped-def]
    data, analysis, changes = example
    first = figure_png(plot_spider(changes))
    assert first.startswith(PNG_SIGNATURE)
    assert figure_png(plot_spider(changes)) == first
    svg = figure_svg(plot_waterfall(changes))
    assert "<svg" in svg
    assert svg == figure_svg(plot_waterfall(changes))
    lanes = derive_swimmer_lanes(dataset_at_cutoff(data, CUTOFF).subjects, analysis.subjects)
    assert figure_png(plot_swimmer(lanes)).startswith(PNG_SIGNATURE)


def test_spider_draws_one_line_per_subject_from_zero(example) -> None:  # type: ignore[no-untyped-def]
    _, _, changes = example
    axes = axes_named(plot_spider(changes), SPIDER_AXES)
    lines = {line.get_gid(): line for line in axes.get_lines() if line.get_gid()}
    assert set(lines) == {c.subject_id for c in changes.courses}
    course = changes.courses[0]
    assert list(lines[course.subject_id].get_ydata()) == [0.0, *(c.percent for c in course.changes)]


def test_swimmer_lanes_mark_ongoing_treatment_and_responses(example) -> None:  # type: ignore[no-untyped-def]
    data, analysis, _ = example
    lanes = derive_swimmer_lanes(dataset_at_cutoff(data, CUTOFF).subjects, analysis.subjects)
    assert len(lanes) == analysis.n  # everyone was dosed
    ongoing = {lane.subject_id for lane in lanes if lane.ongoing}
    assert ongoing == {s.subject_id for s in analysis.subjects if s.time_on_treatment and not s.time_on_treatment.event}
    responders = {lane.subject_id for lane in lanes if lane.response_months is not None}
    assert responders == {s.subject_id for s in analysis.subjects if s.dor is not None}
    axes = axes_named(plot_swimmer(lanes), SWIMMER_AXES)
    assert [round(p.get_width(), 6) for p in axes.patches] == [round(lane.treatment_months, 6) for lane in lanes]


def lifelines_at_risk(durations: list[float], events: list[bool], ticks: tuple[float, ...]) -> list[int]:
    """At risk at t from lifelines' event table: the row of the first time ≥ t (0 past the end)."""
    table = KaplanMeierFitter().fit(durations, events).event_table
    counts = []
    for t in ticks:
        later = table[table.index >= t]
        counts.append(int(later["at_risk"].iloc[0]) if len(later) else 0)
    return counts


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_number_at_risk_row_is_lifelines_count_at_each_tick(example, endpoint: str) -> None:  # type: ignore[no-untyped-def]
    _, analysis, _ = example
    times = [getattr(s, endpoint) for s in analysis.subjects]
    curve = KaplanMeierCurve.of(getattr(analysis, endpoint), times)
    figure = plot_kaplan_meier(curve)
    assert figure_png(figure).startswith(PNG_SIGNATURE)
    row = {text.get_position()[0]: int(text.get_text()) for text in axes_named(figure, AT_RISK_AXES).texts}
    ticks = tick_times(curve.durations)
    assert list(row) == list(ticks)
    assert list(row.values()) == lifelines_at_risk(list(curve.durations), list(curve.events), ticks)


def test_all_censored_curve_stays_at_one_with_median_not_reached() -> None:
    data = dataset(*(subject_with_reads(f"S{i}", [("2026-03-02", "SD", 40)]) for i in range(4)))
    analysis = EndpointAnalysis(cutoff=dt.date(2026, 12, 1)).fit(data)
    curve = KaplanMeierCurve.of(analysis.os, [s.os for s in analysis.subjects])
    assert curve.estimate.events == 0
    assert curve.estimate.median is None
    figure = plot_kaplan_meier(curve)
    assert figure_png(figure).startswith(PNG_SIGNATURE)
    assert [int(t.get_text()) for t in axes_named(figure, AT_RISK_AXES).texts] == list(
        at_risk_counts(curve.durations, tick_times(curve.durations))
    )


def test_no_responders_no_dor_curve_and_no_response_colours() -> None:
    data = dataset(
        subject_with_reads("A", [("2026-03-02", "SD", 38), ("2026-04-27", "PD", 50)]),
        subject_with_reads("B", [("2026-03-02", "PD", 52)]),
    )
    analysis = EndpointAnalysis(cutoff=dt.date(2026, 12, 1)).fit(data)
    assert analysis.dor.n == 0
    dor = plot_kaplan_meier(KaplanMeierCurve.of(analysis.dor, []))
    assert figure_png(dor).startswith(PNG_SIGNATURE)
    best = {s.subject_id: str(s.best_response.response) for s in analysis.subjects}
    waterfall = plot_waterfall(derive_tumour_size_changes(data.subjects, best))
    legend = axes_named(waterfall, WATERFALL_AXES).get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["SD", "PD"]


def test_subject_without_post_baseline_read_is_left_out_and_named() -> None:
    data = dataset(subject_with_reads("A", [("2026-03-02", "PR", 20)]), subject_with_reads("B", []))
    figure = plot_waterfall(derive_tumour_size_changes(data.subjects, {"A": "PR"}))
    axes = axes_named(figure, WATERFALL_AXES)
    assert [t.get_text() for t in axes.get_xticklabels()] == ["A"]
    assert [bar.get_height() for bar in axes.patches] == [-50.0]
    assert "B (no post-baseline measurement)" in figure.get_supxlabel()


def test_no_subject_with_reads_still_renders() -> None:
    figure = plot_waterfall(TumourSizeChanges((), (("A", "no lesion measurements"),)))
    assert figure_png(figure).startswith(PNG_SIGNATURE)
    assert figure_png(plot_swimmer(())).startswith(PNG_SIGNATURE)
