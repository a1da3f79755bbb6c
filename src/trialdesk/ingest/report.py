"""What an import could not map, and what it inferred: returned beside every imported record.

Nothing is dropped silently. Each issue names the source resource and the element (a FHIR
path) and says why; the CLI shows the list and the JSON output carries it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# unmapped: the resource or element was not imported; the record lacks it.
# incomplete: a section could not be marked complete because one of its items was unmapped.
# inferred: trialdesk derived something the source does not state (e.g. therapy lines).
# caution: imported, but a criterion may stay unknown (unknown drug, no reference range).
IssueKind = Literal["unmapped", "incomplete", "inferred", "caution"]


@dataclass(frozen=True, slots=True)
class ImportIssue:
    kind: IssueKind
    resource: str  # e.g. "Observation/hb-1" (or "entry[3]" when it has no id)
    element: str  # FHIR path, e.g. "Observation.valueQuantity.code"
    message: str

    def __str__(self) -> str:
        where = f"{self.resource} {self.element}".strip()
        return f"{self.kind}: {where}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "resource": self.resource, "element": self.element, "message": self.message}


@dataclass(frozen=True)
class ImportReport:
    """The issues of one import, in the order they were found, and how many resources were read."""

    source: str
    resources_read: int
    issues: tuple[ImportIssue, ...] = field(default=())

    def of_kind(self, kind: IssueKind) -> tuple[ImportIssue, ...]:
        return tuple(i for i in self.issues if i.kind == kind)

    def __str__(self) -> str:
        head = f"{self.source}: {self.resources_read} resources read, {len(self.issues)} issues"
        return "\n".join([head, *(f"  {issue}" for issue in self.issues)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "resources_read": self.resources_read,
            "counts": {k: len(self.of_kind(k)) for k in ("unmapped", "incomplete", "inferred", "caution")},
            "issues": [i.to_dict() for i in self.issues],
        }
