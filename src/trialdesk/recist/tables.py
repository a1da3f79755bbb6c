"""RECIST 1.1 Tables 1 and 2 as data: the time-point response from its three parts.

Each row is the paper's row (Eisenhauer et al. 2009, §4.4.1), with the paper's words kept
beside it; a lookup returns the first row that matches, and the row says why. The rows do
not overlap except where they agree (every PD row gives PD), so order only matters for
which of several PD rows is cited.

Two readings are made explicit here because the tables leave them implicit:

- a subject with no non-target lesions at baseline has nothing left to respond, so in
  Table 1 "no non-target disease" (`Response.NONE`) stands where the CR column would;
- Table 1 row 6 names a target "not all evaluated" with non-target "non-PD"; a non-target
  that is also not all evaluated cannot decide anything either, so it joins that row (NE).
"""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.recist.categories import NewLesions, Response

R = Response
ANY_NEW = frozenset(NewLesions)
# An equivocal new lesion is not PD at the visit it is seen (§4.3.5): it counts as "No".
NO_NEW = frozenset({NewLesions.NO, NewLesions.EQUIVOCAL})
YES_NEW = frozenset({NewLesions.YES})
ANY_TARGET = frozenset({R.CR, R.PR, R.SD, R.PD, R.NE})
ANY_NON_TARGET = frozenset({R.CR, R.NON_CR_NON_PD, R.PD, R.NE, R.NONE})
NON_PD = frozenset({R.CR, R.NON_CR_NON_PD, R.NONE})
NON_PD_OR_NE = NON_PD | {R.NE}


@dataclass(frozen=True, slots=True)
class TableRow:
    """One row of Table 1 (target, non-target, new lesions) or Table 2 (no target)."""

    table: int
    number: int
    target: frozenset[Response]
    non_target: frozenset[Response]
    new_lesions: frozenset[NewLesions]
    overall: Response
    words: str

    def matches(self, target: Response, non_target: Response, new_lesions: NewLesions) -> bool:
        return target in self.target and non_target in self.non_target and new_lesions in self.new_lesions

    @property
    def citation(self) -> str:
        return f"RECIST 1.1 Table {self.table} row {self.number}: {self.words} → {self.overall}"


TABLE_1: tuple[TableRow, ...] = (
    TableRow(
        1, 1, frozenset({R.CR}), frozenset({R.CR, R.NONE}), NO_NEW, R.CR, "target CR, non-target CR, no new lesions"
    ),
    TableRow(
        1,
        2,
        frozenset({R.CR}),
        frozenset({R.NON_CR_NON_PD}),
        NO_NEW,
        R.PR,
        "target CR, non-target non-CR/non-PD, no new lesions",
    ),
    TableRow(
        1, 3, frozenset({R.CR}), frozenset({R.NE}), NO_NEW, R.PR, "target CR, non-target not evaluated, no new lesions"
    ),
    TableRow(
        1,
        4,
        frozenset({R.PR}),
        NON_PD_OR_NE,
        NO_NEW,
        R.PR,
        "target PR, non-target non-PD or not all evaluated, no new lesions",
    ),
    TableRow(
        1,
        5,
        frozenset({R.SD}),
        NON_PD_OR_NE,
        NO_NEW,
        R.SD,
        "target SD, non-target non-PD or not all evaluated, no new lesions",
    ),
    TableRow(
        1,
        6,
        frozenset({R.NE}),
        NON_PD_OR_NE,
        NO_NEW,
        R.NE,
        "target not all evaluated, non-target non-PD, no new lesions",
    ),
    TableRow(
        1, 7, frozenset({R.PD}), ANY_NON_TARGET, ANY_NEW, R.PD, "target PD, any non-target, new lesions yes or no"
    ),
    TableRow(1, 8, ANY_TARGET, frozenset({R.PD}), ANY_NEW, R.PD, "any target, non-target PD, new lesions yes or no"),
    TableRow(1, 9, ANY_TARGET, ANY_NON_TARGET, YES_NEW, R.PD, "any target, any non-target, new lesions yes"),
)

NO_TARGET = frozenset({R.NONE})
TABLE_2: tuple[TableRow, ...] = (
    TableRow(2, 1, NO_TARGET, frozenset({R.CR}), NO_NEW, R.CR, "non-target CR, no new lesions"),
    TableRow(
        2,
        2,
        NO_TARGET,
        frozenset({R.NON_CR_NON_PD}),
        NO_NEW,
        R.NON_CR_NON_PD,
        "non-target non-CR/non-PD, no new lesions",
    ),
    TableRow(2, 3, NO_TARGET, frozenset({R.NE}), NO_NEW, R.NE, "non-target not all evaluated, no new lesions"),
    TableRow(2, 4, NO_TARGET, frozenset({R.PD}), ANY_NEW, R.PD, "non-target unequivocal PD, new lesions yes or no"),
    TableRow(
        2,
        5,
        NO_TARGET,
        frozenset({R.CR, R.NON_CR_NON_PD, R.NE, R.PD}),
        YES_NEW,
        R.PD,
        "any non-target, new lesions yes",
    ),
)


def overall_response_row(target: Response, non_target: Response, new_lesions: NewLesions) -> TableRow:
    """The row of Table 1 (target disease at baseline) or Table 2 (non-target disease only,
    `target` is `Response.NONE`) that gives the time-point response (RECIST 1.1 §4.4.1).

    1. With no target lesions at baseline, read Table 2; otherwise Table 1.
    2. Return the first row whose target, non-target and new-lesion columns all match.

    >>> overall_response_row(Response.PR, Response.NE, NewLesions.NO).overall
    <Response.PR: 'PR'>
    >>> overall_response_row(Response.NONE, Response.NON_CR_NON_PD, NewLesions.YES).citation
    'RECIST 1.1 Table 2 row 5: any non-target, new lesions yes → PD'
    """
    table = TABLE_2 if target == Response.NONE else TABLE_1
    for row in table:
        if row.matches(target, non_target, new_lesions):
            return row
    raise ValueError(
        f"no row of RECIST 1.1 Table {table[0].table} for target {target}, non-target {non_target}, "
        f"new lesions {new_lesions}"
    )
