"""FHIR R4 Specimen -> the record's specimens, by SNOMED CT (data/fhir_terms.yaml
`specimen_types`, `specimen_methods`, `ffpe_snomed`). The codes and their sources:

- 258415003 Biopsy specimen (specimen); 439479000 Tissue specimen obtained by excision
  (specimen); 48469005 Cytologic material (specimen); 119376003 Tissue specimen (DICOM
  PS3.16 CID 8103); 441652008 Formalin-fixed paraffin-embedded tissue specimen (specimen);
  119297000 Blood specimen (not a type trialdesk reads);
- Specimen.collection.method, FHIR R4 value set specimen-collection-method: 129314006
  Biopsy - action, 129304002 Excision - action, 129316008 Aspiration - action (not mapped);
- Specimen.processing.procedure 787376009 Preparation of formalin-fixed paraffin-embedded
  tissue specimen (procedure).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AS_OF
from tests.ingest.conftest import SUBJECT, bundle
from trialdesk.ingest.fhir import FhirImport, import_fhir
from trialdesk.ingest.fhir.terms import DATA_FILE, TD_EXTENSION, load_fhir_terms
from trialdesk.knowledge.base import Knowledge, KnowledgeError
from trialdesk.patient.record import Specimen
from trialdesk.patient.view import build_view
from trialdesk.protocol.load import LoadedProtocol
from trialdesk.screening.screen import Screener

SCT = "http://snomed.info/sct"
BIOPSY, EXCISION, CYTOLOGY, TISSUE, FFPE, BLOOD = (
    "258415003",
    "439479000",
    "48469005",
    "119376003",
    "441652008",
    "119297000",
)
BIOPSY_ACTION, EXCISION_ACTION, ASPIRATION_ACTION = "129314006", "129304002", "129316008"
FFPE_PREPARATION = "787376009"


def concept(*codes: str) -> dict[str, Any]:
    return {"coding": [{"system": SCT, "code": code} for code in codes]}


def specimen(type_code: str | None, *, method: str | None = None, **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Specimen", "id": "s1", "subject": SUBJECT, **extra}
    if type_code is not None:
        resource["type"] = concept(type_code)
    collection: dict[str, Any] = {"collectedDateTime": "2026-06-01"}
    if method is not None:
        collection["method"] = concept(method)
    resource["collection"] = collection
    return resource


def imported(resource: dict[str, Any], knowledge: Knowledge) -> FhirImport:
    return import_fhir(bundle(resource), knowledge)


def only(result: FhirImport) -> Specimen:
    (item,) = result.patient.specimens.items
    return item


@pytest.mark.parametrize(
    ("code", "kind"),
    [(BIOPSY, "biopsy"), (EXCISION, "resection"), (CYTOLOGY, "cytology")],
)
def test_snomed_specimen_type(code: str, kind: str, knowledge: Knowledge) -> None:
    result = imported(specimen(code), knowledge)
    item = only(result)
    assert (item.type, str(item.collected_on), item.ffpe) == (kind, "2026-06-01", None)
    assert result.report.issues == ()


def test_ffpe_type_with_a_biopsy_method(knowledge: Knowledge) -> None:
    result = imported(specimen(FFPE, method=BIOPSY_ACTION), knowledge)
    item = only(result)
    assert (item.type, item.ffpe) == ("biopsy", True)
    (issue,) = result.report.issues
    assert (issue.kind, issue.element) == ("inferred", "Specimen.collection.method")


def test_ffpe_processing_step(knowledge: Knowledge) -> None:
    processing = [{"procedure": concept(FFPE_PREPARATION)}]
    item = only(imported(specimen(BIOPSY, processing=processing), knowledge))
    assert (item.type, item.ffpe) == ("biopsy", True)


@pytest.mark.parametrize("code", [TISSUE, FFPE])
def test_tissue_without_a_method_is_reported_not_typed(code: str, knowledge: Knowledge) -> None:
    result = imported(specimen(code), knowledge)
    assert result.patient.specimens.items == ()
    (issue,) = result.report.issues
    assert (issue.kind, issue.resource, issue.element) == ("unmapped", "Specimen/s1", "Specimen.type")
    assert code in issue.message
    assert "biopsy or a resection" in issue.message


def test_tissue_with_an_unmapped_method_is_reported(knowledge: Knowledge) -> None:
    # aspiration is not mapped: it settles neither biopsy nor resection
    result = imported(specimen(TISSUE, method=ASPIRATION_ACTION), knowledge)
    assert result.patient.specimens.items == ()
    (issue,) = result.report.of_kind("unmapped")
    assert ASPIRATION_ACTION in issue.message


def test_tissue_with_an_excision_method_is_a_resection(knowledge: Knowledge) -> None:
    result = imported(specimen(TISSUE, method=EXCISION_ACTION), knowledge)
    assert only(result).type == "resection"
    assert result.report.of_kind("inferred")[0].resource == "Specimen/s1"


def test_a_method_that_disagrees_keeps_the_type_with_a_caution(knowledge: Knowledge) -> None:
    result = imported(specimen(BIOPSY, method=EXCISION_ACTION), knowledge)
    assert only(result).type == "biopsy"
    (issue,) = result.report.of_kind("caution")
    assert issue.element == "Specimen.collection.method"


def test_types_that_disagree_are_reported(knowledge: Knowledge) -> None:
    resource = specimen(None)
    resource["type"] = concept(BIOPSY, EXCISION)
    result = imported(resource, knowledge)
    assert result.patient.specimens.items == ()
    assert result.report.of_kind("unmapped")[0].element == "Specimen.type"


def test_unknown_code_is_reported_with_resource_and_code(knowledge: Knowledge) -> None:
    result = imported(specimen(BLOOD, method=BIOPSY_ACTION), knowledge)
    assert result.patient.specimens.items == ()
    (issue,) = result.report.issues
    assert (issue.kind, issue.resource, issue.element) == ("unmapped", "Specimen/s1", "Specimen.type")
    assert f"{SCT}|{BLOOD}" in issue.message


def test_entered_in_error_is_not_imported(knowledge: Knowledge) -> None:
    result = imported(specimen(BIOPSY, status="entered-in-error"), knowledge)
    assert result.patient.specimens.items == ()
    assert result.report.issues[0].element == "Specimen.status"


def test_a_generic_tissue_specimen_never_passes_the_tissue_criterion(
    knowledge: Knowledge, protocols: dict[str, LoadedProtocol]
) -> None:
    # NCT07520357 `tissue`: any(specimen, available and collected_on within 2 years ...)
    available = [{"url": TD_EXTENSION + "available", "valueBoolean": True}]

    def verdict(code: str) -> str:
        patient = imported(specimen(code, extension=available), knowledge).patient
        view = build_view(patient, knowledge, AS_OF)
        result = Screener(protocols["NCT07520357"], knowledge).screen(view, AS_OF, None)
        return next(c.verdict for c in result.criteria if c.id == "tissue")

    assert verdict(BIOPSY) == "pass"
    assert verdict(TISSUE) != "pass"


def test_no_code_maps_to_fresh_biopsy(tmp_path: Path) -> None:
    text = DATA_FILE.read_text(encoding="utf-8").replace('"258415003": biopsy', '"258415003": fresh_biopsy')
    path = tmp_path / "fhir_terms.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError, match="fresh_biopsy"):
        load_fhir_terms(path)
