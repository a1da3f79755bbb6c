"""The endpoint report of a single-arm trial at a data cut-off: one self-contained HTML
file (figures embedded as base64 PNG or inline SVG, styles inline, no external URL).

    report = build_report(load_trial_dataset(path), cutoff=date(2026, 12, 31), target_enrolment=35)
    report.write(Path("report.html"))          # or report.to_html(), report.to_dict()

It holds: the data cut-off and where it came from; CONSORT-style counts; the endpoint
table (ORR and DCR with their intervals, confirmed and unconfirmed; PFS, OS and DOR
medians with CIs and landmark rates; time on treatment; follow-up); the censoring rules;
the design; the waterfall, spider, swimmer and Kaplan–Meier figures.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from trialdesk.analysis.censoring import CensoringRules
from trialdesk.analysis.consort import SubjectFlow, count_subject_flow
from trialdesk.analysis.dataset import TrialDataset, dataset_at_cutoff
from trialdesk.analysis.endpoints import EndpointAnalysis
from trialdesk.analysis.interim import InterimAnalysis, ResponseReading, derive_interim_analysis, response_reading
from trialdesk.analysis.proportions import PROPORTION_CI_NAMES, BinomialProportion, ProportionCI
from trialdesk.analysis.survival import SURVIVAL_CI_NAMES, SurvivalCI, SurvivalEstimate
from trialdesk.analysis.tumour_size import TumourSizeChanges, derive_tumour_size_changes
from trialdesk.design import ConsistentDesigns, DesignProposal
from trialdesk.errors import AnalysisError

FigureFormat = Literal["png", "svg"]


@dataclass(frozen=True, slots=True)
class ReportFigure:
    """One embedded figure: PNG as a data URI, or SVG markup inline."""

    key: str
    title: str
    caption: str
    media_type: str
    content: str = field(repr=False)

    def html(self) -> str:
        if self.media_type == "image/svg+xml":
            # matplotlib's SVG starts with an XML prolog and a DOCTYPE: inline from <svg on,
            # without the RDF metadata block (it names Dublin Core / Creative Commons URIs)
            svg = self.content[self.content.index("<svg") :]
            return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
        return f'<img alt="{self.title}" src="data:{self.media_type};base64,{self.content}">'


@dataclass(frozen=True, slots=True)
class EndpointRow:
    """A row of the endpoint table: name, estimate, interval, and how it was defined."""

    endpoint: str
    estimate: str
    interval: str
    definition: str


@dataclass(frozen=True, slots=True)
class TrialReport:
    """Everything the HTML report shows, as values (the analyses are fitted)."""

    trial_id: str
    cutoff: dt.date
    cutoff_source: str
    analysis: EndpointAnalysis
    unconfirmed: EndpointAnalysis
    flow: SubjectFlow
    tumour_size: TumourSizeChanges
    design: ConsistentDesigns | DesignProposal | None
    interim: InterimAnalysis
    figures: tuple[ReportFigure, ...]

    def endpoint_rows(self) -> list[EndpointRow]:
        return endpoint_rows(self.analysis, self.unconfirmed)

    def to_dict(self) -> dict[str, Any]:
        """The numbers behind the report (embedded in the HTML as JSON, too)."""
        return {
            "trial_id": self.trial_id,
            "cutoff": self.cutoff.isoformat(),
            "cutoff_source": self.cutoff_source,
            "subject_flow": self.flow.to_dict(),
            "confirmed": _summary(self.analysis),
            "unconfirmed": _summary(self.unconfirmed),
            "censoring": self.analysis.censoring.to_dict(),
            "tumour_size": self.tumour_size.to_dict(),
            "design": self.design.to_dict() if self.design is not None else None,
            "interim": self.interim.to_dict(),
        }

    def to_html(self) -> str:
        from jinja2 import Environment, PackageLoader, select_autoescape

        # select_autoescape() keys on the last extension: "report.html.j2" needs "j2" listed
        autoescape = select_autoescape(enabled_extensions=("html", "j2"))
        env = Environment(loader=PackageLoader("trialdesk.analysis", "templates"), autoescape=autoescape)
        return env.get_template("report.html.j2").render(
            report=self,
            rows=self.endpoint_rows(),
            flow_rows=self.flow.rows(),
            counts=_response_counts(self.analysis, self.unconfirmed),
            survival_ci=SURVIVAL_CI_NAMES[self.analysis.ci_type],
            proportion_ci=PROPORTION_CI_NAMES[self.analysis.proportion_ci],
            design_text=str(self.design) if self.design is not None else None,
            # "</" would end the script element early; JSON allows "<\/" for it
            results_json=json.dumps(self.to_dict(), ensure_ascii=False, default=str).replace("</", "<\\/"),
        )

    def write(self, path: Path) -> Path:
        try:
            path.write_text(self.to_html(), encoding="utf-8")
        except OSError as exc:
            raise AnalysisError(f"{path}: cannot write: {exc.strerror}", fix="choose a writable path") from None
        return path


def latest_recorded_date(dataset: TrialDataset) -> dt.date:
    """The last date anywhere in the dataset: the default data cut-off (nothing is hidden)."""
    days: list[dt.date] = []
    for s in dataset.subjects:
        days += [s.enrolment_date, s.last_known_alive_date, *(a.date for a in s.assessments)]
        days += [d for d in (s.death_date, s.last_dose_date, s.end_of_treatment_date, s.subsequent_therapy_date) if d]
    if not days:
        raise AnalysisError(f"{dataset.trial_id}: the dataset has no subject", fix="add subjects, or give --cutoff")
    return max(days)


def build_report(
    dataset: TrialDataset,
    *,
    cutoff: dt.date | None = None,
    ci_type: SurvivalCI = "log-log",
    proportion_ci: ProportionCI = "exact",
    censoring: CensoringRules | None = None,
    design: ConsistentDesigns | DesignProposal | None = None,
    reading: ResponseReading | None = None,
    figure_format: FigureFormat = "png",
) -> TrialReport:
    """Fit the analyses and draw the figures of the report.

    1. The cut-off is `cutoff`, or else the latest date recorded in the dataset (stated).
    2. Two `EndpointAnalysis` fits at that cut-off: with confirmation of CR/PR (the
       primary reading for a single-arm trial, RECIST 1.1 §4.6.1) and without.
    3. Subject flow (`count_subject_flow`), tumour-size changes from the lesion reads
       (`derive_tumour_size_changes`), coloured by the confirmed best response.
    4. The interim decision of each two-stage design in `design`
       (`derive_interim_analysis`), on the `reading` of the protocol's primary endpoint
       (None: the confirmed reading, flagged as not settled by a protocol).
    5. Figures: waterfall, spider, swimmer, Kaplan–Meier PFS, OS and DOR.
    """
    if figure_format not in ("png", "svg"):
        raise AnalysisError(f"figure format is {figure_format!r}", fix="use 'png' or 'svg'")
    day, source = (cutoff, "given") if cutoff is not None else (latest_recorded_date(dataset), "latest date recorded")

    def fit(confirm: bool) -> EndpointAnalysis:
        return EndpointAnalysis(
            cutoff=day, ci_type=ci_type, proportion_ci=proportion_ci, confirm=confirm, censoring=censoring
        ).fit(dataset)

    confirmed, unconfirmed = fit(True), fit(False)
    seen = dataset_at_cutoff(dataset, day)
    best = {s.subject_id: str(s.best_response.response) for s in confirmed.subjects}
    sizes = derive_tumour_size_changes(seen.subjects, best)
    return TrialReport(
        trial_id=dataset.trial_id,
        cutoff=day,
        cutoff_source=source,
        analysis=confirmed,
        unconfirmed=unconfirmed,
        flow=count_subject_flow(dataset, day),
        tumour_size=sizes,
        design=design,
        interim=derive_interim_analysis(dataset, confirmed, unconfirmed, design, reading or response_reading(None)),
        figures=_figures(dataset, confirmed, sizes, figure_format),
    )


def _figures(
    dataset: TrialDataset, analysis: EndpointAnalysis, sizes: TumourSizeChanges, fmt: FigureFormat
) -> tuple[ReportFigure, ...]:
    from trialdesk.analysis.figures import (
        KaplanMeierCurve,
        derive_swimmer_lanes,
        figure_png,
        figure_svg,
        plot_kaplan_meier,
        plot_spider,
        plot_swimmer,
        plot_waterfall,
    )

    seen = dataset_at_cutoff(dataset, analysis.cutoff)
    subjects = analysis.subjects
    drawn = [
        (
            "waterfall",
            "Waterfall",
            "Best % change from baseline in the sum of target-lesion diameters; dashed lines at −30 % and +20 %.",
            plot_waterfall(sizes),
        ),
        ("spider", "Spider plot", "% change from baseline over time, one line per subject.", plot_spider(sizes)),
        (
            "swimmer",
            "Swimmer plot",
            "Time on treatment; ▲ response onset, ✕ progression, ■ death, → ongoing.",
            plot_swimmer(derive_swimmer_lanes(seen.subjects, subjects)),
        ),
        (
            "km-pfs",
            "Progression-free survival",
            "Kaplan–Meier; + censored; numbers at risk under the axis.",
            plot_kaplan_meier(KaplanMeierCurve.of(analysis.pfs, [s.pfs for s in subjects])),
        ),
        (
            "km-os",
            "Overall survival",
            "Kaplan–Meier; + censored; numbers at risk under the axis.",
            plot_kaplan_meier(KaplanMeierCurve.of(analysis.os, [s.os for s in subjects])),
        ),
        (
            "km-dor",
            "Duration of response",
            "Kaplan–Meier among confirmed responders; + censored.",
            plot_kaplan_meier(KaplanMeierCurve.of(analysis.dor, [s.dor for s in subjects if s.dor is not None])),
        ),
    ]
    if fmt == "svg":
        return tuple(ReportFigure(k, t, c, "image/svg+xml", figure_svg(f)) for k, t, c, f in drawn)
    return tuple(
        ReportFigure(k, t, c, "image/png", base64.b64encode(figure_png(f)).decode("ascii")) for k, t, c, f in drawn
    )


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _num(x: float | None, unit: str = "") -> str:
    return "NR" if x is None else f"{x:.1f}{unit}"


def proportion_row(rate: BinomialProportion, label: str) -> EndpointRow:
    return EndpointRow(
        label,
        f"{rate.count}/{rate.n} = {_pct(rate.estimate)}",
        f"{_pct(rate.lower)}–{_pct(rate.upper)}",
        rate.definition,
    )


def survival_rows(estimate: SurvivalEstimate) -> list[EndpointRow]:
    unit = estimate.time_unit
    rows = [
        EndpointRow(
            f"{estimate.name}: median ({estimate.events} events / {estimate.n})",
            _num(estimate.median, f" {unit}" if estimate.median is not None else ""),
            f"{_num(estimate.median_lower)}–{_num(estimate.median_upper)}",
            estimate.definition,
        )
    ]
    for point in estimate.landmarks:
        value = "not estimable" if point.survival is None else _pct(point.survival)
        band = "—" if point.lower is None or point.upper is None else f"{_pct(point.lower)}–{_pct(point.upper)}"
        rows.append(EndpointRow(f"{estimate.name} at {point.time:g} {unit}", value, band, "Kaplan–Meier landmark"))
    return rows


def endpoint_rows(confirmed: EndpointAnalysis, unconfirmed: EndpointAnalysis) -> list[EndpointRow]:
    """The endpoint table, in reading order; the confirmed reading first."""
    rows = [
        proportion_row(confirmed.orr, "ORR (confirmed)"),
        proportion_row(unconfirmed.orr, "ORR (unconfirmed)"),
        proportion_row(confirmed.dcr, "DCR (confirmed)"),
        proportion_row(unconfirmed.dcr, "DCR (unconfirmed)"),
    ]
    for estimate in (confirmed.pfs, confirmed.os, confirmed.dor):
        rows += survival_rows(estimate)
    rows += survival_rows(confirmed.time_on_treatment)[:1]
    follow = confirmed.follow_up
    rows.append(
        EndpointRow(
            "Median follow-up (reverse Kaplan–Meier)",
            _num(follow.median, f" {follow.time_unit}" if follow.median is not None else ""),
            f"{_num(follow.median_lower)}–{_num(follow.median_upper)}",
            follow.definition,
        )
    )
    return rows


def _response_counts(confirmed: EndpointAnalysis, unconfirmed: EndpointAnalysis) -> list[tuple[str, int, int]]:
    c, u = confirmed.best_response_counts, unconfirmed.best_response_counts
    return [(key, c[key], u[key]) for key in c]


def _summary(analysis: EndpointAnalysis) -> dict[str, Any]:
    full = analysis.to_dict()
    keep: Sequence[str] = ("n", "settings", "best_response_counts", "orr", "dcr")
    summary = {k: full[k] for k in keep}
    for name in ("pfs", "os", "dor", "time_on_treatment", "follow_up"):
        summary[name] = {k: v for k, v in full[name].items() if k != "table"}
    return summary
