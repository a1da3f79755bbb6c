"""Every criterion quotes its seed verbatim, and no sentence of the seeds' eligibility
sections is left without a criterion that quotes it.

The seeds are the source texts in ../shared/seeds/; the eligibility sections are cut from
them here by their own headings, so the check does not depend on the protocols.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from trialdesk.protocol.load import LoadedProtocol, normalise_space

# Headings of the eligibility lists: they introduce criteria and state none themselves.
HEADINGS = {"Inclusion Criteria — May Be Eligible", "Exclusion Criteria — May Not Be Eligible"}
# Enumeration marks the seeds run items together with: ③, (6), ✓, ✗, leading "- ".
SPLIT = re.compile(r"[③④⑤⑥]|\(\d{1,2}\)|[✓✗]|^\s*-\s*")


def _section(path: Path, start: str, end: str) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip() == start)
    last = next(i for i, line in enumerate(lines) if line.strip() == end and i > first)
    return lines[first + 1 : last]


def _fragments(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        for part in SPLIT.split(line):
            text = normalise_space(part).rstrip(";").strip()
            if len(re.sub(r"\W", "", text)) >= 3 and text not in HEADINGS:
                out.append(text)
    return out


SECTIONS = {
    "NCT07077564": ("NCT07077564.registry.txt", "- 35", "Study & Design"),
    "NCT07520357": (
        "NCT07520357.navigator-page.txt",
        "Inclusion Criteria — May Be Eligible",
        "Medical Records and Tests Needed for Review",
    ),
}


def _quotes(protocol: LoadedProtocol) -> list[str]:
    quotes = []
    for criterion in protocol.protocol.criteria:
        quotes += [criterion.source, *criterion.context, *(r.source for r in criterion.readings)]
    return quotes


@pytest.mark.parametrize("trial", sorted(SECTIONS))
def test_every_source_is_verbatim_seed_text(trial: str, protocols: dict[str, LoadedProtocol]) -> None:
    seed = normalise_space(" ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")))
    missing = [q for q in _quotes(protocols[trial]) if normalise_space(q) not in seed]
    assert not missing


@pytest.mark.parametrize("trial", sorted(SECTIONS))
def test_no_eligibility_sentence_is_left_unquoted(trial: str, protocols: dict[str, LoadedProtocol]) -> None:
    file, start, end = SECTIONS[trial]
    seed = normalise_space((SEEDS / file).read_text(encoding="utf-8"))
    covered = [False] * len(seed)
    for quote in _quotes(protocols[trial]):
        text = normalise_space(quote)
        for match in re.finditer(re.escape(text), seed):
            covered[match.start() : match.end()] = [True] * len(text)
    fragments = _fragments(_section(SEEDS / file, start, end))
    assert len(fragments) > 20  # the split found the lists
    uncovered = []
    for fragment in fragments:
        spans = [m.start() for m in re.finditer(re.escape(fragment), seed)]
        assert spans, f"fragment not found in seed: {fragment!r}"
        if not any(all(covered[i] or not seed[i].isalnum() for i in range(s, s + len(fragment))) for s in spans):
            uncovered.append(fragment)
    assert not uncovered, f"eligibility text no criterion quotes: {uncovered}"


def test_a_source_not_in_the_seed_is_refused(protocols: dict[str, LoadedProtocol]) -> None:
    from trialdesk.protocol.load import check_sources

    protocol = protocols["NCT07077564"]
    assert protocol.path is not None
    first = protocol.protocol.criteria[0]
    changed = protocol.protocol.model_copy(
        update={"criteria": (first.model_copy(update={"source": "Aged 18-80 years"}),)}
    )
    problems = check_sources(changed, protocol.path.parent)
    assert problems == ["criterion consent: not in the seed: 'Aged 18-80 years'"]
