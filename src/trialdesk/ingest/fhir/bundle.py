"""Reading a FHIR R4 Bundle (collection, transaction, searchset, document) or NDJSON of
resources into validated `fhir.resources.R4B` models, one resource at a time.

Structure is checked by the model library; what it cannot check (one patient per bundle,
references that resolve) is checked here. A malformed bundle raises `FhirError` naming the
entry, the resource and the FHIR path, with the fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from trialdesk.errors import FhirError

BUNDLE_TYPES = ("collection", "transaction", "searchset", "document", "batch")
_FIX_STRUCTURE = "correct the resource so it conforms to FHIR R4 (https://hl7.org/fhir/R4/{type}.html)"


@dataclass(frozen=True, slots=True)
class RawResource:
    """One resource as parsed JSON, with where it came from."""

    where: str  # "entry[3]" or "line 4"
    full_url: str | None
    data: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.data.get("resourceType", ""))

    @property
    def label(self) -> str:
        rid = self.data.get("id")
        return f"{self.where} {self.type}/{rid}" if rid else f"{self.where} {self.type}"


def is_fhir_data(data: Any) -> bool:
    """True for parsed JSON that is a FHIR resource (a Bundle or a single resource)."""
    return isinstance(data, dict) and isinstance(data.get("resourceType"), str)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FhirError(str(path), "", f"cannot read: {exc.strerror}", fix="check the file name") from None


def parse_json_or_ndjson(text: str, source: str) -> Any:
    """A Bundle (or one resource) as JSON, or NDJSON: one resource per line -> a list."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise FhirError(source, "", f"not valid JSON: {exc}", fix="correct the JSON syntax") from None
    resources = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            resources.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise FhirError(
                source, f"line {number}", f"not valid NDJSON: {exc}", fix="write one JSON resource per line"
            ) from None
    return resources


def raw_resources(data: Any, source: str) -> list[RawResource]:
    """The resources of a Bundle, of an NDJSON list, or a single resource."""
    if isinstance(data, list):
        out = []
        for number, item in enumerate(data, start=1):
            if not is_fhir_data(item):
                raise FhirError(
                    source, f"line {number}", "not a FHIR resource (no resourceType)", fix="one resource per line"
                )
            out.append(RawResource(f"line {number}", None, item))
        return out
    if not is_fhir_data(data):
        raise FhirError(
            source, "resourceType", "not a FHIR resource", fix="give a FHIR R4 Bundle, or NDJSON of resources"
        )
    if data["resourceType"] != "Bundle":
        return [RawResource("resource", None, data)]
    kind = data.get("type")
    if kind not in BUNDLE_TYPES:
        raise FhirError(
            source,
            "Bundle.type",
            f"bundle type {kind!r} does not hold a patient's records",
            fix=f"export the patient as a Bundle of type {', '.join(BUNDLE_TYPES[:3])}",
        )
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise FhirError(source, "Bundle.entry", "entry must be a list", fix="correct the bundle")
    out = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not is_fhir_data(resource):
            raise FhirError(
                source,
                f"Bundle.entry[{index}].resource",
                "an entry without a resource (or without resourceType)",
                fix="give each entry its resource with its resourceType",
            )
        assert isinstance(entry, dict)
        assert isinstance(resource, dict)
        full_url = entry.get("fullUrl")
        out.append(RawResource(f"entry[{index}]", full_url if isinstance(full_url, str) else None, resource))
    return out


def model_class(raw: RawResource, source: str) -> Any:
    """The fhir.resources.R4B class of a resource; an unknown resourceType is an error."""
    try:
        return get_fhir_model_class(raw.type)
    except (KeyError, ValueError):
        raise FhirError(
            f"{source}: {raw.where}",
            "resourceType",
            f"{raw.type!r} is not a FHIR R4 resource type",
            fix="correct resourceType (https://hl7.org/fhir/R4/resourcelist.html)",
        ) from None


def validate(raw: RawResource, source: str) -> Any:
    """The resource as a validated fhir.resources.R4B model."""
    model = model_class(raw, source)
    try:
        return model.model_validate(raw.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        element = ".".join(str(p) for p in (raw.type, *first["loc"]))
        message = " ".join(str(first["msg"]).split())
        fix = (
            f"add {element}" if "required" in message or first["type"].endswith("missing") else _FIX_STRUCTURE
        ).format(type=raw.type.lower())
        raise FhirError(f"{source}: {raw.label}", element, message, fix=fix) from None


def reference_keys(raw: RawResource) -> Iterator[str]:
    """The strings by which other resources may reference this one."""
    rid = raw.data.get("id")
    if rid:
        yield f"{raw.type}/{rid}"
    if raw.full_url:
        yield raw.full_url
        if rid and raw.full_url.endswith(f"/{raw.type}/{rid}"):
            yield f"{raw.type}/{rid}"
