"""The synthetic population: deterministic for a seed, every code known to the knowledge
base, distributions as designed, and screened alike by the compiled SQL and the Python
screener (the generated facts are turned back into patient records for the latter)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.load import patient_from_data
from trialdesk.patient.view import build_view
from trialdesk.population.prescreen import prescreen
from trialdesk.population.records import records_from_facts
from trialdesk.population.store import disk_columns, open_facts
from trialdesk.population.synth import SynthError, synthesize
from trialdesk.protocol.load import LoadedProtocol
from trialdesk.screening.screen import Screener

AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory, knowledge: Knowledge) -> Path:
    directory = tmp_path_factory.mktemp("population")
    synthesize(3000, 5, directory, AS_OF, knowledge)
    return directory


@pytest.fixture(scope="module")
def opened(population: Path, knowledge: Knowledge) -> duckdb.DuckDBPyConnection:
    return open_facts(population, knowledge)


def test_a_seed_gives_the_same_files(tmp_path: Path, knowledge: Knowledge) -> None:
    for run in ("a", "b"):
        synthesize(400, 3, tmp_path / run, AS_OF, knowledge, chunk=150)
    synthesize(400, 4, tmp_path / "other", AS_OF, knowledge, chunk=150)
    for table in disk_columns():
        first = pq.read_table(tmp_path / "a" / f"{table}.parquet")
        assert first.equals(pq.read_table(tmp_path / "b" / f"{table}.parquet")), table
    observations = pq.read_table(tmp_path / "a" / "observations.parquet")
    assert not observations.equals(pq.read_table(tmp_path / "other" / "observations.parquet"))


def test_bad_arguments_are_refused(tmp_path: Path, knowledge: Knowledge) -> None:
    with pytest.raises(SynthError, match="n: 0"):
        synthesize(0, 1, tmp_path, AS_OF, knowledge)
    with pytest.raises(SynthError, match="nen_share"):
        synthesize(10, 1, tmp_path, AS_OF, knowledge, nen_share=1.5)


def test_every_generated_code_is_known_and_every_table_filled(opened: duckdb.DuckDBPyConnection) -> None:
    # open_facts refuses unknown codes and units: that it opened the files is the check
    for table in ["agents", *disk_columns()]:
        ((count,),) = opened.execute(f'SELECT count(*) FROM "{table}"').fetchall()
        assert count > 0, table
    ((unknown_drugs,),) = opened.execute("SELECT count(*) FROM agents WHERE NOT known").fetchall()
    assert unknown_drugs > 0  # some names the knowledge base does not know, by design


def _share(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    ((value,),) = con.execute(sql).fetchall()
    return float(value)


def test_distributions_are_as_designed(opened: duckdb.DuckDBPyConnection) -> None:
    # NEN share 0.7 (design); women 52.7 % of NEN (Dasari et al., JAMA Oncol 2017, SEER)
    nen = _share(
        opened,
        "SELECT avg(CASE WHEN histology__family IN ('net','nec','minen') OR histology = 'medullary_thyroid_carcinoma' THEN 1 ELSE 0 END) FROM diagnoses",
    )
    assert 0.66 <= nen <= 0.74
    women = _share(
        opened,
        "SELECT avg(CASE WHEN p.sex = 'female' THEN 1 ELSE 0 END) FROM patients p JOIN diagnoses d USING (patient_id) "
        "WHERE d.histology__family IN ('net', 'nec') AND d.primary_site NOT IN ('prostate', 'cervix', 'breast')",
    )
    assert 0.47 <= women <= 0.58
    ages = opened.execute(
        "SELECT min(date_diff('year', birth_date, as_of)), max(date_diff('year', birth_date, as_of)) FROM patients"
    ).fetchall()[0]
    assert ages[0] >= 18
    assert ages[1] <= 96
    # WHO 2019: NET G1 Ki-67 < 3 %, G2 3-20 %, G3 > 20 %
    limits = {"net_g1": (0, 3), "net_g2": (3, 20), "net_g3": (20, 100)}
    grades = opened.execute(
        "SELECT histology, min(ki67_percent), max(ki67_percent) FROM diagnoses "
        "WHERE histology IN ('net_g1', 'net_g2', 'net_g3') GROUP BY histology"
    ).fetchall()
    assert len(grades) == 3
    for histology, low, high in grades:
        assert limits[histology][0] <= low <= high <= limits[histology][1], histology
    rows = sum(_share(opened, f'SELECT count(*) FROM "{t}"') for t in ["agents", *disk_columns()]) / 3000
    assert 38 <= rows <= 55


def test_units_are_mixed_and_some_labs_stale_or_missing(population: Path, opened: duckdb.DuckDBPyConnection) -> None:
    raw = f"read_parquet('{(population / 'observations.parquet').as_posix()}')"
    units = {
        u
        for (u,) in opened.execute(f"SELECT DISTINCT unit FROM {raw} WHERE code IN ('hemoglobin', '718-7')").fetchall()
    }
    assert {"g/L", "g/dL", "mmol/L"} <= units
    stale = _share(
        opened,
        "SELECT avg(CASE WHEN date < as_of - 14 THEN 1 ELSE 0 END) FROM observations JOIN patients USING (patient_id) WHERE code = 'anc'",
    )
    assert 0.05 <= stale <= 0.3
    with_anc = _share(opened, "SELECT count(DISTINCT patient_id) FROM observations WHERE code = 'anc'") / 3000
    assert 0.8 <= with_anc <= 0.97


def test_compiled_sql_and_the_screener_agree_on_generated_patients(
    population: Path, opened: duckdb.DuckDBPyConnection, protocols: dict[str, LoadedProtocol], knowledge: Knowledge
) -> None:
    records = records_from_facts(population, 250)
    ids = [r["id"] for r, _, _ in records]
    sample = duckdb.connect()
    for table in ["agents", *disk_columns()]:
        rows = opened.sql(f"SELECT * FROM \"{table}\" WHERE patient_id <= '{ids[-1]}'").to_arrow_table()
        sample.register("t", rows)
        sample.execute(f'CREATE TABLE "{table}" AS SELECT * FROM t')
        sample.unregister("t")
    mismatches = []
    for protocol in protocols.values():
        screener = Screener(protocol, knowledge)
        by_id = {row["patient_id"]: row for row in prescreen(sample, protocol, knowledge)}
        assert {"undetermined", "ineligible"} <= {row["status"] for row in by_id.values()}, protocol.id
        for record, as_of, first_dose in records:
            view = build_view(patient_from_data(record), knowledge, as_of)
            result = screener.screen(view, as_of, first_dose)
            row = by_id[record["id"]]
            mismatches += [
                f"{protocol.id} {c.id} {record['id']}: SQL {row[c.id]}, Python {c.verdict}"
                for c in result.criteria
                if row[c.id] != c.verdict
            ]
            if row["earliest_eligible"] != result.earliest_eligible_date:
                mismatches.append(
                    f"{protocol.id} earliest eligible date of {record['id']}: "
                    f"SQL {row['earliest_eligible']}, Python {result.earliest_eligible_date}"
                )
    assert not mismatches, "\n".join(mismatches[:20])
