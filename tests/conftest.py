"""Shared fixtures: the knowledge base and the shipped protocols, loaded once per session."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from trialdesk.knowledge.base import Knowledge, load_knowledge
from trialdesk.patient.load import patient_from_data
from trialdesk.patient.view import build_view
from trialdesk.protocol.load import LoadedProtocol, load_protocols
from trialdesk.screening.result import ScreeningResult
from trialdesk.screening.screen import Screener

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "patients"
SEEDS = ROOT.parent / "shared" / "seeds"
AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def protocols(knowledge: Knowledge) -> dict[str, LoadedProtocol]:
    return load_protocols(knowledge)


@pytest.fixture(scope="session")
def base_record() -> dict[str, Any]:
    """P01, eligible for both trials on 2026-11-20: the record the reference cases patch."""
    data: dict[str, Any] = json.loads((EXAMPLES / "p01-eligible-both.json").read_text(encoding="utf-8"))
    return data


def screen_data(
    data: dict[str, Any],
    protocol: LoadedProtocol,
    knowledge: Knowledge,
    as_of: date = AS_OF,
    first_dose: date | None = None,
) -> ScreeningResult:
    view = build_view(patient_from_data(data), knowledge, as_of)
    return Screener(protocol, knowledge).screen(view, as_of, first_dose)
