"""List -> whether a record section was reviewed and found complete.

trialdesk writes one List per section, coded with the section's name in its `section` code
system. `mode: snapshot` with a `date` says the section was reviewed that day and everything
found is listed (complete); an empty snapshot carries emptyReason `nilknown` ("reviewed,
nothing found"). `emptyReason: notasked`, `mode: working`, or no List at all, says nothing
about what is not listed: the section is not complete. A section cannot be complete when one
of its resources was not imported; that is reported.
"""

from __future__ import annotations

from typing import Any

from trialdesk.ingest.fhir.context import SECTIONS, ImportContext
from trialdesk.ingest.fhir.elements import code_in, day
from trialdesk.ingest.fhir.terms import LIST_EMPTY_REASON, td_system


def map_list(lst: Any, label: str, ctx: ImportContext) -> None:
    section = code_in(lst.code, td_system("section"))
    if section not in SECTIONS:
        ctx.report(
            "unmapped",
            label,
            "List.code",
            "not a trialdesk section list: its entries are read as resources, not as a review",
        )
        return
    ctx.check_subject(lst.subject, label, "List.subject")
    for index, entry in enumerate(lst.entry or ()):
        ctx.resolve(entry.item, label, f"List.entry[{index}].item")
    empty = code_in(lst.emptyReason, LIST_EMPTY_REASON)
    reviewed_on = day(lst.date)
    complete = lst.mode == "snapshot" and lst.status == "current" and empty in (None, "nilknown")
    if complete and reviewed_on is None:
        ctx.report(
            "unmapped",
            label,
            "List.date",
            f"a complete {section} review needs its date: the section is read as not complete",
        )
        complete = False
    review: dict[str, Any] = {"complete": complete}
    if reviewed_on is not None:
        review["reviewed_on"] = reviewed_on
    if lst.source is not None and lst.source.display:
        review["reviewed_by"] = lst.source.display
    ctx.sections[section] = review
