"""Read a patient record from JSON or YAML; every error names the field's JSON path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from trialdesk.errors import RecordError, validation_fix
from trialdesk.patient.record import Patient


def json_path(loc: tuple[int | str, ...]) -> str:
    """`('observations', 3, 'value')` -> `$.observations[3].value`."""
    out = "$"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _hint(error_type: str) -> str:
    return validation_fix(error_type, "`trialdesk schema patient`")


def patient_from_data(data: Any, *, source: str = "record") -> Patient:
    """Validate a parsed record; the first error is raised as a RecordError."""
    try:
        return Patient.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        # pydantic puts the validator name of a generic section in the path; drop it
        loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("Section[")))
        raise RecordError(f"{source}: {json_path(loc)}", first["msg"], fix=_hint(first["type"])) from None


def load_patient(path: Path) -> Patient:
    """Load one patient record (.json, .yaml or .yml), or a FHIR R4 Bundle (.json) or NDJSON
    of resources (.ndjson), imported through `trialdesk.ingest.fhir` (its report is dropped
    here: `load_patient_with_report` keeps it)."""
    return load_patient_with_report(path)[0]


def load_patient_with_report(path: Path) -> tuple[Patient, tuple[str, ...]]:
    """Load one record; for a FHIR bundle also the import report, one line per issue, for
    the screening to show as warnings."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RecordError(str(path), f"cannot read: {exc.strerror}", fix="check the file name") from None
    if path.suffix.lower() == ".ndjson":
        return _import_fhir(path)
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            data = yaml.load(text, Loader=yaml.CSafeLoader)
        else:
            data = json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        if isinstance(exc, json.JSONDecodeError) and exc.msg == "Extra data" and '"resourceType"' in text[: exc.pos]:
            return _import_fhir(path)  # NDJSON of FHIR resources in a .json file
        raise RecordError(
            str(path), f"not valid {path.suffix.lstrip('.').upper() or 'JSON'}: {exc}", fix="correct the syntax"
        ) from None
    if isinstance(data, dict) and "resourceType" in data:
        del data, text
        return _import_fhir(path)
    return patient_from_data(data, source=str(path)), ()


def _import_fhir(path: Path) -> tuple[Patient, tuple[str, ...]]:
    # imported here: fhir.resources is heavy, and most records are trialdesk JSON
    from trialdesk.ingest.fhir.importer import import_fhir_file
    from trialdesk.knowledge.base import load_knowledge

    imported = import_fhir_file(path, load_knowledge())
    return imported.patient, tuple(f"FHIR import: {issue}" for issue in imported.report.issues)
