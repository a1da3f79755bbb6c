"""The response categories of RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228–247).

One vocabulary serves every level of the assessment: target lesions (§4.3.1), non-target
lesions (§4.3.3), the time-point response (§4.4.1, Tables 1 and 2) and the best overall
response (§4.4.3, Table 3). Which values a level can take is said where it is derived.
"""

from __future__ import annotations

from enum import StrEnum


class Response(StrEnum):
    """A RECIST 1.1 response category.

    `NON_CR_NON_PD` is the paper's name for non-target disease that has neither gone nor
    unequivocally progressed (§4.3.3, Table 2 note: preferred to "stable disease" for
    non-target disease). `NONE` marks a level with no disease to assess: no target lesions
    at baseline (then Table 2 applies) or no non-target lesions at baseline.
    """

    CR = "CR"
    PR = "PR"
    SD = "SD"
    NON_CR_NON_PD = "non-CR/non-PD"
    PD = "PD"
    NE = "NE"
    NONE = "none"


class NewLesions(StrEnum):
    """New lesions at a visit (§4.3.5): none, only equivocal ones, or at least one unequivocal."""

    NO = "no"
    EQUIVOCAL = "equivocal"
    YES = "yes"


# Better responses first. SD and non-CR/non-PD share a rank: both say "neither response
# nor progression", one for measurable disease, one for non-target disease only (Table 2).
SEVERITY: dict[Response, int] = {
    Response.CR: 0,
    Response.PR: 1,
    Response.SD: 2,
    Response.NON_CR_NON_PD: 2,
    Response.PD: 3,
}


def severity(response: Response) -> int | None:
    """Rank of a response, CR (0) best to PD (3) worst; None for NE and `none`, which are
    not on the scale."""
    return SEVERITY.get(response)
