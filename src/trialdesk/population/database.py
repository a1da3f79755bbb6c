"""A facts database: a facts directory opened once (checked, converted to canonical units,
derived attributes computed) and kept as a DuckDB file, so a warehouse loads its
population once and pre-screens it as often as it likes.

Opening is most of the work at scale (every row checked against the knowledge base), and
what it derives depends on that knowledge base: a drug's classes, a lab's canonical unit.
The file therefore records the digest of the knowledge files and of the facts schema it
was built with, and is refused when either has changed since — screening against drug
classes that are no longer the knowledge base's would be a silent error. The file is
written beside its destination and moved into place only when complete: a failed open
leaves an earlier database as it was.

    >>> save_database(Path("facts"), knowledge, Path("facts.duckdb"))   # doctest: +SKIP
    >>> con = connect_database(Path("facts.duckdb"), knowledge)         # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import duckdb

from trialdesk.knowledge.base import Knowledge
from trialdesk.population.facts import FactsError, table_columns
from trialdesk.population.store import open_facts

META = "td_facts_database"
SUFFIX = ".duckdb"
DuckDBConfig = dict[str, str | bool | int | float | list[str]]
_META_COLUMNS = ("schema", "knowledge", "knowledge_version", "trialdesk", "source", "opened_at", "patients")


def schema_fingerprint() -> str:
    """The digest of the facts schema's tables, columns and types."""
    text = json.dumps(table_columns(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DatabaseInfo:
    """What a facts database was opened from, and with what."""

    path: Path
    schema: str
    knowledge: str
    knowledge_version: str
    trialdesk: str
    source: str
    opened_at: str
    patients: int

    def to_dict(self) -> dict[str, str | int]:
        return {
            "path": str(self.path),
            "patients": self.patients,
            "source": self.source,
            "opened_at": self.opened_at,
            "knowledge_version": self.knowledge_version,
            "knowledge": self.knowledge,
            "schema": self.schema,
            "trialdesk": self.trialdesk,
        }


def _reopen_fix(path: Path) -> str:
    return f"open a facts directory into it: trialdesk population open FACTS_DIR -o {path}"


def save_database(
    directory: Path,
    knowledge: Knowledge,
    path: Path,
    config: DuckDBConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> DatabaseInfo:
    """Open `directory` (`store.open_facts`: every check, every conversion) into a new
    DuckDB file at `path`, replacing what was there only once the file is complete."""
    if path.suffix != SUFFIX:
        raise FactsError(f"{path}: not a {SUFFIX} file name", fix=f"name the database *{SUFFIX}")
    if path.is_dir():
        raise FactsError(f"{path}: is a directory", fix=f"give a file name ending in {SUFFIX}")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(partial), config=config or {})
        try:
            open_facts(directory, knowledge, con, progress)
            patients = int(con.execute("SELECT count(*) FROM patients").fetchall()[0][0])
            info = DatabaseInfo(
                path,
                schema_fingerprint(),
                knowledge.fingerprint,
                knowledge.version,
                version("trialdesk"),
                str(directory.resolve()),
                datetime.now(UTC).isoformat(timespec="seconds"),
                patients,
            )
            con.execute(f"CREATE TABLE {META} ({', '.join(f'{c} VARCHAR' for c in _META_COLUMNS)})")
            values = [str(getattr(info, c)) for c in _META_COLUMNS]
            con.execute(f"INSERT INTO {META} VALUES ({', '.join('?' for _ in values)})", values)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
    return info


def read_info(con: duckdb.DuckDBPyConnection, path: Path) -> DatabaseInfo:
    """The database's record of how it was opened; refused if it has none."""
    tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if META not in tables:
        raise FactsError(f"{path}: a DuckDB file, but not a trialdesk facts database", fix=_reopen_fix(path))
    rows = con.execute(f"SELECT {', '.join(_META_COLUMNS)} FROM {META}").fetchall()
    if len(rows) != 1:
        raise FactsError(f"{path}: its {META} table should hold one row, not {len(rows)}", fix=_reopen_fix(path))
    fields = dict(zip(_META_COLUMNS, rows[0], strict=True))
    return DatabaseInfo(
        path,
        fields["schema"],
        fields["knowledge"],
        fields["knowledge_version"],
        fields["trialdesk"],
        fields["source"],
        fields["opened_at"],
        int(fields["patients"]),
    )


def connect_database(path: Path, knowledge: Knowledge, config: DuckDBConfig | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a facts database made by `save_database`, refused when
    its schema or the knowledge base it was derived with is not the current one.
    Pre-screening stores its stages as temporary tables, which a read-only database
    allows; the file itself is never written."""
    if not path.is_file():
        raise FactsError(f"{path}: no such file", fix=_reopen_fix(path))
    try:
        con = duckdb.connect(str(path), read_only=True, config=config or {})
    except duckdb.Error as error:
        first = str(error).splitlines()[0]
        if "lock" in first.lower():
            raise FactsError(
                f"{path}: another process has the database open for writing ({first})",
                fix="let that process finish (or close it), then run again",
            ) from error
        raise FactsError(f"{path}: not a DuckDB database ({first})", fix=_reopen_fix(path)) from error
    try:
        info = read_info(con, path)
        if info.schema != schema_fingerprint():
            raise FactsError(
                f"{path}: opened with another facts schema (trialdesk {info.trialdesk})", fix=_reopen_fix(path)
            )
        if info.knowledge != knowledge.fingerprint:
            raise FactsError(
                f"{path}: opened with another knowledge base ({info.knowledge_version}, {info.opened_at}); its drug "
                "classes and canonical units may no longer be the knowledge base's",
                fix=_reopen_fix(path),
            )
    except BaseException:
        con.close()
        raise
    return con


def is_database(facts: Path) -> bool:
    """Whether a facts argument names a database file rather than a facts directory."""
    return facts.suffix == SUFFIX and not facts.is_dir()


def facts_connection(
    facts: Path,
    knowledge: Knowledge,
    config: DuckDBConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding the canonical facts: a facts database read as it is
    (`connect_database`), or a facts directory opened into memory (`store.open_facts`,
    telling `progress` each table). Closed again if opening fails."""
    if is_database(facts):
        return connect_database(facts, knowledge, config)
    con = duckdb.connect(config=config or {})
    try:
        return open_facts(facts, knowledge, con, progress)
    except BaseException:
        con.close()
        raise
