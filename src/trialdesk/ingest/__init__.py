"""Importers into the patient record and exporters out of trialdesk.

`trialdesk.ingest.fhir` reads FHIR R4 bundles (US Core, mCODE) into a `Patient` with a report
of everything it could not map, and writes patient records, protocols and screening results
back as FHIR R4 resources. Nothing downstream of the patient record reads FHIR.
"""
