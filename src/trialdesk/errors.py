"""The exceptions trialdesk raises: a small hierarchy, each naming the bad field and the fix.

Every error a user can cause (a malformed file, an unknown code, a unit that does not
convert, a rule that does not parse) is one of these, so the CLI can print it as a clear
message instead of a traceback.
"""

from __future__ import annotations


class TrialdeskError(Exception):
    """Base of every error trialdesk raises on bad input."""

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        self.message = message
        self.fix = fix
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.fix:
            return f"{self.message}\n  fix: {self.fix}"
        return self.message


class RecordError(TrialdeskError):
    """A patient record is malformed or impossible; `path` is the JSON path of the field."""

    def __init__(self, path: str, message: str, *, fix: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}", fix=fix)


class FhirError(RecordError):
    """A FHIR R4 bundle cannot be read as a patient record: not FHIR, the wrong resource
    type, a missing required element or a reference to a resource the bundle lacks.

    `resource` names the resource (``entry[3] Observation/hb-1``) and `element` its FHIR
    path (``Observation.status``), so the message says where to look."""

    def __init__(self, resource: str, element: str, message: str, *, fix: str | None = None) -> None:
        self.resource = resource
        self.element = element
        super().__init__(f"{resource}: {element}" if element else resource, message, fix=fix)


# How to fix a field that fails validation, by pydantic's error type: shared by every
# input format (patient records, tumour assessments, lab files).
_VALIDATION_FIXES = {
    "missing": "add the field",
    "extra_forbidden": "remove the field or correct its spelling",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
    "date_parsing": "write the date as YYYY-MM-DD",
    "literal_error": "use one of the permitted values",
    "greater_than_equal": "the value cannot be below the minimum",
    "less_than_equal": "the value cannot be above the maximum",
    "greater_than": "the value must be positive",
}


def validation_fix(error_type: str, reference: str, specific: dict[str, str] | None = None) -> str:
    """The fix for a validation error of `error_type`, pointing to `reference` (where the
    permitted fields and values are written down)."""
    if specific and error_type in specific:
        return specific[error_type]
    if error_type in _VALIDATION_FIXES:
        return f"{_VALIDATION_FIXES[error_type]} (see {reference})"
    return f"correct the value (see {reference})"


class UnknownCodeError(TrialdeskError):
    """A code (lab, drug, histology, site, ...) is not in the knowledge base."""

    def __init__(self, vocabulary: str, code: str, *, where: str = "", fix: str | None = None):
        self.vocabulary = vocabulary
        self.code = code
        location = f"{where}: " if where else ""
        super().__init__(
            f"{location}unknown {vocabulary} code {code!r}",
            fix=fix or f"use a code listed by the {vocabulary} vocabulary, or add it there",
        )


class UnitError(TrialdeskError):
    """A quantity's unit is missing, unknown, or does not convert to the one needed."""


class ProtocolError(TrialdeskError):
    """A computable protocol file does not validate; the message names the criterion."""


class RuleSyntaxError(ProtocolError):
    """A criteria-language rule does not parse; carries line, column and a caret."""

    def __init__(self, text: str, line: int, column: int, expected: str, *, where: str = ""):
        self.text = text
        self.line = line
        self.column = column
        lines = text.splitlines() or [""]
        shown = lines[line - 1] if 0 < line <= len(lines) else ""
        caret = " " * max(column - 1, 0) + "^"
        location = f"{where}: " if where else ""
        super().__init__(
            f"{location}rule syntax error at line {line}, column {column}\n"
            f"    {shown}\n    {caret}\n  expected {expected}",
            fix="correct the rule; the criteria language is described in docs/criteria-language.md",
        )


class ScreeningError(TrialdeskError):
    """A screening was asked for something impossible (e.g. first dose before the as-of date)."""


class RecistError(TrialdeskError):
    """RECIST 1.1 input or lesion selection is wrong; the message names the subject, the
    visit and the field."""


class CtcaeError(TrialdeskError):
    """A laboratory value cannot be graded by CTCAE v5.0 as given.

    `row` is the 1-based row of the lab file (None for a single value) and `field` the input
    field that is missing or wrong (e.g. ``reference_high``), so the message says where to look.
    """

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None, fix: str | None = None):
        self.field = field
        self.row = row
        where = ", ".join(part for part in (f"row {row}" if row is not None else "", field or "") if part)
        super().__init__(f"{where}: {message}" if where else message, fix=fix)


class DesignError(TrialdeskError):
    """A phase 2 design was asked for with impossible inputs, or none exists within the bounds.

    `argument` names the offending argument (``p0``, ``alpha``, ``n_max``, ...) so the CLI can
    point at the option to change.
    """

    def __init__(self, message: str, *, argument: str | None = None, fix: str | None = None):
        self.argument = argument
        super().__init__(f"{argument}: {message}" if argument else message, fix=fix)


class AnalysisError(TrialdeskError):
    """A trial dataset or an endpoint analysis request is wrong; the message names the
    subject and the field, or the argument, to correct."""
