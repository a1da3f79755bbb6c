"""Each derivation states its rule as numbered steps citing RECIST 1.1, and its examples run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from collections.abc import Callable
from typing import Any

import pytest

import trialdesk.recist as recist
from trialdesk.recist.lesions import assess_new_lesions, assess_non_target_lesions, assess_target_lesions
from trialdesk.recist.record import check_subject_record

MODULES = sorted(name for _, name, _ in pkgutil.iter_modules(recist.__path__, "trialdesk.recist."))
DERIVATIONS: list[Callable[..., Any]] = [
    recist.check_baseline_selection,
    recist.assess_time_point,
    recist.time_point_responses,
    recist.overall_response_row,
    recist.best_overall_response,
    recist.derive_endpoint_dates,
    recist.assess_subject,
    assess_target_lesions,
    assess_non_target_lesions,
    assess_new_lesions,
    check_subject_record,
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    assert doctest.testmod(importlib.import_module(name)).failed == 0


@pytest.mark.parametrize("derivation", DERIVATIONS, ids=lambda f: f.__name__)
def test_derivation_states_numbered_steps_with_sources(derivation: Callable[..., Any]) -> None:
    doc = derivation.__doc__ or ""
    assert re.search(r"^\s*1\. ", doc, re.MULTILINE), "numbered steps"
    assert re.search(r"§\d|Table \d", doc), "a RECIST 1.1 section or table"
