"""FHIR R4 / mCODE import and export (docs/fhir.md).

import_fhir_file(path, knowledge) -> FhirImport(patient, report)
patient_bundle(patient, knowledge) -> a FHIR R4 Bundle (JSON)
protocol_bundle(protocol, knowledge) -> ResearchStudy + Group (JSON)
screening_bundle(result) -> ResearchSubject + per-criterion Observations (JSON)
"""

from trialdesk.ingest.fhir.importer import FhirImport, import_fhir, import_fhir_file

__all__ = ["FhirImport", "import_fhir", "import_fhir_file"]
