"""A synthetic population for pre-screening at scale: plausible neuroendocrine and other
solid-tumour patients written as a facts directory (`trialdesk.population.store`).

Every value is drawn, column-wise, from a numpy Generator seeded by `seed` (one child
stream per chunk, so a seed gives the same files), and written with pyarrow one chunk of
patients at a time, so memory stays bounded whatever the population size. Synthetic data
only: no record describes a person.

The designed distributions and where their shape comes from:

1. NEN share of the population `nen_share` (default 0.7): a referral-centre warehouse
   enriched for neuroendocrine neoplasms; the rest are adenocarcinomas.
2. Sex: 52.7 % women among NEN (Dasari et al., JAMA Oncol 2017;3:1335, SEER 1973–2012).
3. Age at the as-of date ~ normal(63, 12) years, clipped to 18–95 (median age at NEC
   diagnosis 48–74 by primary site: Dasari et al., Cancer 2018;124:807).
4. Histology: well-differentiated NET G1/G2 the majority, as in SEER (Dasari 2017); NEC
   enriched; primary sites per histology after Dasari 2017 (lung, small intestine, rectum,
   pancreas the commonest NET sites) and Dasari 2018 (extrapulmonary NEC: 37 % GI, 28 %
   unknown primary, the rest other sites).
5. Ki-67 by WHO 2019 grade (G1 < 3 %, G2 3–20 %, G3 > 20 %); NEC 55–95 %.
6. Therapy lines: platinum–etoposide first for NEC (ENETS 2016 high-grade consensus,
   Garcia-Carbonero et al.); somatostatin analogues, then everolimus, PRRT or sunitinib
   for NET; some ADCs and topoisomerase-I inhibitors later; some drug names the knowledge
   base does not know.
7. Labs: the panel the two protocols read, mostly fresh, some stale (older than 14 days),
   some missing, units mixed (Hb g/dL, g/L or mmol/L; creatinine µmol/L or mg/dL, ...),
   each with the lab's reference range in the value's unit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa  # no type information shipped
import pyarrow.parquet as pq

from trialdesk.errors import TrialdeskError
from trialdesk.knowledge.base import Knowledge
from trialdesk.population import synth_labs
from trialdesk.population import synth_tables as tables
from trialdesk.population.facts import DECIMAL
from trialdesk.population.store import disk_columns
from trialdesk.population.synth_tables import Cohort

_EPOCH = date(1970, 1, 1)
CHUNK = 50_000
_DISK_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    DECIMAL: pa.float64(),  # values as drawn; open_facts reads them into exact decimals
    "VARCHAR[]": pa.list_(pa.string()),
}


class SynthError(TrialdeskError):
    """A synthetic population was asked for with impossible arguments."""


@dataclass(frozen=True)
class SynthSummary:
    """What `synthesize` wrote: patients, rows per table, seconds taken."""

    directory: Path
    patients: int
    seed: int
    as_of: date
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def __str__(self) -> str:
        lines = [
            f"{self.patients:,} synthetic patients (seed {self.seed}, as of {self.as_of}) → {self.directory}",
            f"{self.total_rows:,} fact rows ({self.total_rows / max(self.patients, 1):.1f} per patient) "
            f"in {self.seconds:.1f} s ({self.total_rows / max(self.seconds, 1e-9):,.0f} rows/s)",
        ]
        lines += [f"  {table:<16} {count:>12,}" for table, count in self.rows.items()]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "directory": str(self.directory),
            "patients": self.patients,
            "seed": self.seed,
            "as_of": self.as_of.isoformat(),
            "rows": dict(self.rows),
            "seconds": round(self.seconds, 3),
        }


def disk_schemas() -> dict[str, pa.Schema]:
    """The Arrow schema each generated file is written with (numbers as doubles)."""
    return {
        table: pa.schema([(name, _DISK_TYPES[sql_type]) for name, sql_type in columns.items()])
        for table, columns in disk_columns().items()
    }


Builder = Callable[[Cohort, np.random.Generator], pa.Table]
BUILDERS: dict[str, Builder] = {
    "patients": tables.patients,
    "section_reviews": tables.section_reviews,
    "diagnoses": tables.diagnoses,
    "metastases": tables.metastases,
    "therapies": tables.therapies,
    "medications": tables.medications,
    "procedures": tables.procedures,
    "history": tables.history,
    "adverse_events": tables.adverse_events,
    "vaccinations": tables.vaccinations,
    "lesions": tables.lesions,
    "specimens": tables.specimens,
    "observations": synth_labs.observations,
    "attestations": tables.attestations,
}


def _chunks(n: int, chunk: int) -> Iterator[tuple[int, int, int]]:
    for index, start in enumerate(range(0, n, chunk)):
        yield index, start, min(chunk, n - start)


def synthesize(
    n: int,
    seed: int,
    directory: Path,
    as_of: date,
    knowledge: Knowledge,
    *,
    nen_share: float = 0.7,
    chunk: int = CHUNK,
) -> SynthSummary:
    """Write `n` synthetic patients, screened at `as_of`, as a facts directory.

    Every code drawn is checked against `knowledge` first (a knowledge change that drops a
    code is an error here, not a file `open_facts` refuses). The same `n`, `seed`, `as_of`,
    `nen_share` and `chunk` give the same files.

    >>> from trialdesk.knowledge.base import load_knowledge
    >>> summary = synthesize(1000, 7, Path("facts"), date(2026, 11, 20), load_knowledge())  # doctest: +SKIP
    """
    if n < 1:
        raise SynthError(f"n: {n} patients requested", fix="ask for at least one patient")
    if not 0 <= nen_share <= 1:
        raise SynthError(f"nen_share: {nen_share} is not a proportion", fix="give a share between 0 and 1")
    if chunk < 1:
        raise SynthError(f"chunk: {chunk}", fix="give a chunk size of at least one patient")
    tables.check_vocabulary(knowledge)
    started = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    schemas = disk_schemas()
    rows = dict.fromkeys(BUILDERS, 0)
    writers = {t: pq.ParquetWriter(directory / f"{t}.parquet", schemas[t], compression="snappy") for t in BUILDERS}
    width = max(7, len(str(n - 1)))
    try:
        for index, start, size in _chunks(n, chunk):
            rng = np.random.default_rng([seed, index])
            cohort = tables.cohort(rng, start, size, width, (as_of - _EPOCH).days, nen_share)
            for table, build in BUILDERS.items():
                batch = build(cohort, rng)
                writers[table].write_table(batch.cast(schemas[table]))
                rows[table] += batch.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    return SynthSummary(directory, n, seed, as_of, rows, time.perf_counter() - started)


def synth_command(
    n: int, seed: int, output: Path, knowledge: Knowledge, as_of: date | None = None, nen_share: float = 0.7
) -> SynthSummary:
    """`trialdesk population synth N --seed S -o FACTS_DIR [--as-of DATE]`: write the
    population and return what was written (print it, or `to_dict()` for JSON)."""
    return synthesize(n, seed, output, as_of or date.today(), knowledge, nen_share=nen_share)
