"""Peak memory of importing a large FHIR R4 bundle, against json.load of the same file.

    .venv/bin/python benchmarks/fhir_import.py [--mb 50]

Writes a synthetic bundle of about --mb megabytes into a temporary folder (P01's record
with a long history of dated labs), then in two fresh processes measures the peak resident
memory of (a) json.load of the file, the baseline, and (b) trialdesk's import of it. Prints
both, their ratio, and whether the import stays under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_MB = 1024

_MEASURE = """
import json, resource, sys, time
from pathlib import Path
path = Path(sys.argv[2])
start = time.perf_counter()
if sys.argv[1] == "json":
    data = json.loads(path.read_text(encoding="utf-8"))
    count = len(data["entry"])
else:
    from trialdesk.ingest.fhir.importer import import_fhir_file
    from trialdesk.knowledge.base import load_knowledge
    imported = import_fhir_file(path, load_knowledge())
    count = imported.report.resources_read
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.perf_counter() - start, count)
"""


def write_bundle(path: Path, megabytes: int) -> None:
    from trialdesk.ingest.fhir.export_patient import patient_bundle
    from trialdesk.ingest.fhir.terms import load_fhir_terms
    from trialdesk.knowledge.base import load_knowledge
    from trialdesk.patient.load import load_patient

    knowledge = load_knowledge()
    bundle = patient_bundle(
        load_patient(ROOT / "examples/patients/p01-eligible-both.json"), knowledge, load_fhir_terms()
    )
    labs = [
        e
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation" and "valueQuantity" in e["resource"]
    ]
    with path.open("w", encoding="utf-8") as out:
        out.write('{"resourceType": "Bundle", "type": "collection", "entry": [\n')
        out.write(",\n".join(json.dumps(e) for e in bundle["entry"]))
        day, n = date(2026, 11, 15), 0
        while out.tell() < megabytes * 1_000_000:
            for entry in labs:
                n += 1
                copy = json.loads(json.dumps(entry))
                copy["fullUrl"] = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
                copy["resource"]["effectiveDateTime"] = day.isoformat()
                out.write(",\n" + json.dumps(copy))
            day -= timedelta(days=1)
        out.write("\n]}\n")


def measure(kind: str, path: Path) -> tuple[float, float, int]:
    done = subprocess.run([sys.executable, "-c", _MEASURE, kind, str(path)], capture_output=True, text=True, check=True)
    peak, seconds, count = done.stdout.split()
    return float(peak), float(seconds), int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50, help="bundle size in megabytes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bundle.json"
        write_bundle(path, args.mb)
        size = path.stat().st_size / 1_000_000
        base_peak, base_s, entries = measure("json", path)
        peak, seconds, count = measure("import", path)
    print(f"bundle: {size:.1f} MB, {entries} resources")
    print(f"baseline json.load: peak {base_peak:.0f} MB, {base_s:.1f} s")
    print(f"trialdesk import:   peak {peak:.0f} MB, {seconds:.1f} s ({count} resources)")
    print(f"ratio import/json.load: peak memory {peak / base_peak:.2f}x, time {seconds / base_s:.1f}x")
    print(f"under {LIMIT_MB} MB: {'yes' if peak < LIMIT_MB else 'NO'}")


if __name__ == "__main__":
    main()
