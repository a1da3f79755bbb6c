"""Every cell of RECIST 1.1 Table 1 (target disease) and Table 2 (non-target disease only).

The expected responses are the paper's tables, written out below in the paper's words
(Eisenhauer et al., Eur J Cancer 2009;45:228–247, §4.4.1). Each cell is checked twice:
against the table lookup, and end to end from lesion measurements built to show that
cell's categories (see `builders.visit_showing`).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.recist.builders import visit_showing
from trialdesk.recist import NewLesions, Response, assess_time_point, overall_response_row

R = Response
# The paper's column words, read as sets of categories.
WORDS: dict[str, set[Any]] = {
    "CR": {R.CR},
    "PR": {R.PR},
    "SD": {R.SD},
    "PD": {R.PD},
    "Non-CR/non-PD": {R.NON_CR_NON_PD},
    "Not evaluated": {R.NE},
    "Not all evaluated": {R.NE},
    "Non-PD": {R.CR, R.NON_CR_NON_PD},
    "Non-PD or not all evaluated": {R.CR, R.NON_CR_NON_PD, R.NE},
    "Unequivocal PD": {R.PD},
    "Any target": {R.CR, R.PR, R.SD, R.PD, R.NE},
    "Any non-target": {R.CR, R.NON_CR_NON_PD, R.NE, R.PD},
    "No": {NewLesions.NO},
    "Yes": {NewLesions.YES},
    "Yes or No": {NewLesions.YES, NewLesions.NO},
}

# RECIST 1.1 Table 1 — time point response: patients with target (± non-target) disease.
PAPER_TABLE_1 = [
    ("CR", "CR", "No", R.CR),
    ("CR", "Non-CR/non-PD", "No", R.PR),
    ("CR", "Not evaluated", "No", R.PR),
    ("PR", "Non-PD or not all evaluated", "No", R.PR),
    ("SD", "Non-PD or not all evaluated", "No", R.SD),
    ("Not all evaluated", "Non-PD", "No", R.NE),
    ("PD", "Any non-target", "Yes or No", R.PD),
    ("Any target", "PD", "Yes or No", R.PD),
    ("Any target", "Any non-target", "Yes", R.PD),
]

# RECIST 1.1 Table 2 — time point response: patients with non-target disease only.
PAPER_TABLE_2 = [
    ("CR", "No", R.CR),
    ("Non-CR/non-PD", "No", R.NON_CR_NON_PD),
    ("Not all evaluated", "No", R.NE),
    ("Unequivocal PD", "Yes or No", R.PD),
    ("Any non-target", "Yes", R.PD),
]


def _table_1_cells() -> list[object]:
    cells: dict[tuple[R, R, NewLesions], object] = {}
    for number, (t_words, nt_words, new_words, expected) in enumerate(PAPER_TABLE_1, start=1):
        for t, nt, new in itertools.product(sorted(WORDS[t_words]), sorted(WORDS[nt_words]), sorted(WORDS[new_words])):
            cells.setdefault(
                (t, nt, new), pytest.param(t, nt, new, expected, id=f"row{number}-{t}-{nt}-{new}".replace("/", "_"))
            )
    return list(cells.values())


def _table_2_cells() -> list[object]:
    cells: dict[tuple[R, NewLesions], object] = {}
    for number, (nt_words, new_words, expected) in enumerate(PAPER_TABLE_2, start=1):
        for nt, new in itertools.product(sorted(WORDS[nt_words]), sorted(WORDS[new_words])):
            cells.setdefault((nt, new), pytest.param(nt, new, expected, id=f"row{number}-{nt}-{new}".replace("/", "_")))
    return list(cells.values())


TABLE_1_CELLS = _table_1_cells()
TABLE_2_CELLS = _table_2_cells()


def test_every_cell_is_listed() -> None:
    """Table 1 covers 39 of the 40 (target × non-target × new) cells — all but target NE with
    non-target NE and no new lesion — and Table 2 all 8 of its cells."""
    assert len(TABLE_1_CELLS) == 39
    assert len(TABLE_2_CELLS) == 8


@pytest.mark.parametrize(("target", "non_target", "new", "expected"), TABLE_1_CELLS)
def test_table_1_lookup(target: R, non_target: R, new: NewLesions, expected: R) -> None:
    """RECIST 1.1 Table 1, the cell named by the test id."""
    assert overall_response_row(target, non_target, new).overall == expected


@pytest.mark.parametrize(("target", "non_target", "new", "expected"), TABLE_1_CELLS)
def test_table_1_from_measurements(target: R, non_target: R, new: NewLesions, expected: R) -> None:
    """RECIST 1.1 Table 1, the cell named by the test id, reached from lesion data: the
    target and non-target categories follow §4.3.1 and §4.3.3, the new lesion §4.3.5."""
    baseline, follow_up = visit_showing(target, non_target, new)
    result = assess_time_point(baseline, follow_up)
    assert (result.target, result.non_target, result.new_lesions) == (target, non_target, new)
    assert result.overall == expected
    assert result.rule.startswith("RECIST 1.1 Table 1 row")


@pytest.mark.parametrize(("non_target", "new", "expected"), TABLE_2_CELLS)
def test_table_2_lookup(non_target: R, new: NewLesions, expected: R) -> None:
    """RECIST 1.1 Table 2 (no target lesions), the cell named by the test id."""
    assert overall_response_row(R.NONE, non_target, new).overall == expected


@pytest.mark.parametrize(("non_target", "new", "expected"), TABLE_2_CELLS)
def test_table_2_from_measurements(non_target: R, new: NewLesions, expected: R) -> None:
    """RECIST 1.1 Table 2, reached from a subject with non-target lesions only (§4.3.3)."""
    baseline, follow_up = visit_showing(R.NONE, non_target, new)
    result = assess_time_point(baseline, follow_up)
    assert result.target == R.NONE
    assert result.overall == expected
    assert result.rule.startswith("RECIST 1.1 Table 2 row")


@pytest.mark.parametrize("target", [R.CR, R.PR, R.SD, R.NE])
@pytest.mark.parametrize("non_target", [R.CR, R.NON_CR_NON_PD, R.NE])
def test_equivocal_new_lesion_counts_as_no(target: R, non_target: R) -> None:
    """§4.3.5: an equivocal new lesion is not PD at the visit it is seen; the visit reads as
    the Table 1 "No new lesions" cell."""
    equivocal = assess_time_point(*visit_showing(target, non_target, NewLesions.EQUIVOCAL))
    without = assess_time_point(*visit_showing(target, non_target, NewLesions.NO))
    assert equivocal.overall == without.overall != R.PD
    assert any("§4.3.5" in note for note in equivocal.notes)


@pytest.mark.parametrize(("target", "expected"), [(R.CR, R.CR), (R.PR, R.PR), (R.SD, R.SD), (R.NE, R.NE), (R.PD, R.PD)])
def test_no_non_target_disease_reads_as_the_cr_column(target: R, expected: R) -> None:
    """With no non-target lesion at baseline nothing else is left to respond, so Table 1 is
    read in its non-target CR column (rows 1, 4, 5, 6, 7): target CR → CR, PR → PR, SD → SD,
    NE → NE, PD → PD."""
    assert assess_time_point(*visit_showing(target, R.NONE, NewLesions.NO)).overall == expected


def test_target_and_non_target_not_evaluated_is_ne() -> None:
    """The one cell Table 1 does not list — target not all evaluated, non-target not all
    evaluated, no new lesion — can be neither a response nor PD by any row: NE (row 6's answer)."""
    assert assess_time_point(*visit_showing(R.NE, R.NE, NewLesions.NO)).overall == R.NE
