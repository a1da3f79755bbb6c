"""Kaplan–Meier estimates against R `survival::survfit` on the `aml` dataset that ships
with R survival (Miller, Survival Analysis, 1997; Embury et al. 1977): weeks in
remission, * = censored.

    Maintained:     9, 13, 13*, 18, 23, 28*, 31, 34, 45*, 48, 161*
    Nonmaintained:  5, 5, 8, 8, 12, 16*, 23, 27, 30, 33, 43, 45

Published R output used here (typed in, not computed by R in this repository):
- `print(survfit(Surv(time, status) ~ x, data = aml))` as printed by the survivalAnalysis
  package's example `survival::aml %>% analyse_survival(vars(time, status), x)` in the
  R CMD check log kept in tidyverse/dplyr, revdep/problems.md:
      x=Maintained     records 11, events 7,  median 31, 0.95LCL 18, 0.95UCL NA
      x=Nonmaintained  records 12, events 11, median 23, 0.95LCL 8,  0.95UCL NA
- `qkmplot_build_data_frame(survfit(Surv(time, status) ~ x, data = survival::aml))` in
  the qwraps2 vignette "qwraps2-graphics" (dewittpe/qwraps2, articles/qwraps2-graphics.md;
  survival 3.8-6), Maintained rows:
      time 9:  n.risk 11, surv 0.9090909, upper 1, lower 0.7541338
      time 13: n.risk 10, surv 0.8181818, upper 1, lower 0.6192490
  (conf.type "log", survfit's default).

The log-log bands have no published R output at hand: they are checked against the hand
formula and lifelines' own `confidence_interval_` (lifelines' only interval type).
"""

from __future__ import annotations

import math

import pytest
from lifelines import KaplanMeierFitter

from trialdesk.analysis import SurvivalEstimate, kaplan_meier
from trialdesk.analysis.survival import SurvivalCI

MAINTAINED = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]
MAINTAINED_EVENT = [True, True, False, True, True, False, True, True, False, True, False]
NONMAINTAINED = [5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
NONMAINTAINED_EVENT = [True] * 5 + [False] + [True] * 6
Z = 1.959963984540054


def maintained(ci_type: SurvivalCI = "log") -> SurvivalEstimate:
    return kaplan_meier(
        MAINTAINED, MAINTAINED_EVENT, name="Maintained", time_unit="weeks", ci_type=ci_type, at_risk_times=[9, 13]
    )


def test_maintained_median_and_log_ci_are_r_survfits_31_18_na() -> None:
    estimate = maintained("log")
    assert (estimate.n, estimate.events) == (11, 7)
    assert (estimate.median, estimate.median_lower, estimate.median_upper) == (31.0, 18.0, None)


def test_nonmaintained_median_and_log_ci_are_r_survfits_23_8_na() -> None:
    """The last subject dies at 45 (S = 0), but R's upper limit is NA: the upper band
    never reaches 0.5 while it is defined."""
    estimate = kaplan_meier(NONMAINTAINED, NONMAINTAINED_EVENT, name="Nonmaintained", ci_type="log")
    assert (estimate.n, estimate.events) == (12, 11)
    assert (estimate.median, estimate.median_lower, estimate.median_upper) == (23.0, 8.0, None)


def test_maintained_log_bands_at_9_and_13_are_the_qwraps2_survfit_rows() -> None:
    estimate = maintained("log")
    at_9, at_13 = estimate.survival_at(9), estimate.survival_at(13)
    assert (at_9.survival, at_9.lower, at_9.upper) == pytest.approx((0.9090909, 0.7541338, 1.0), abs=5e-7)
    assert (at_13.survival, at_13.lower, at_13.upper) == pytest.approx((0.8181818, 0.6192490, 1.0), abs=5e-7)
    assert estimate.at_risk == ((9.0, 11), (13.0, 10))


def test_maintained_at_12_weeks_by_hand() -> None:
    """S(12) = 10/11 = 0.909 (one death of 11 at week 9); Greenwood Var(log S) = 1/(11·10)."""
    point = maintained("log").survival_at(12)
    se = math.sqrt(1 / (11 * 10))
    assert point.survival == pytest.approx(10 / 11)
    assert point.lower == pytest.approx(10 / 11 * math.exp(-Z * se))


def test_maintained_log_log_bands_are_the_hand_formula_and_lifelines() -> None:
    """exp(−exp(log(−log S) ± z·se/log S)) with se² the Greenwood sum, at each death time."""
    estimate = maintained("log-log")
    fitter = KaplanMeierFitter().fit(MAINTAINED, MAINTAINED_EVENT)
    lifelines_ci = fitter.confidence_interval_
    s, greenwood = 1.0, 0.0
    for time, at_risk in ((9, 11), (13, 10), (18, 8), (23, 7), (31, 5), (34, 4), (48, 2)):
        s *= (at_risk - 1) / at_risk
        greenwood += 1 / (at_risk * (at_risk - 1))
        log_s, se = math.log(s), math.sqrt(greenwood)
        lower = math.exp(-math.exp(math.log(-log_s) - Z * se / log_s))
        upper = math.exp(-math.exp(math.log(-log_s) + Z * se / log_s))
        point = estimate.survival_at(time)
        assert (point.survival, point.lower, point.upper) == pytest.approx((s, lower, upper))
        assert point.lower == pytest.approx(lifelines_ci.loc[time].iloc[0])
        assert point.upper == pytest.approx(lifelines_ci.loc[time].iloc[1])
    assert estimate.median == 31.0
