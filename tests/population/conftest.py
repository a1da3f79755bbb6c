"""Engines for the population tests: a throw-away PostgreSQL 15 server and a local Spark
session, each started once per test session and skipped, saying what is missing, where
the machine lacks the server binaries, Java or the client library."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# PostgreSQL refuses to run as root; as root the server runs as this system user
POSTGRES_USER = "postgres"
_SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")


def _postgres_bin() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres: on PATH, or where Debian puts them."""
    found = shutil.which("pg_ctl")
    candidates = [Path(found).parent] if found else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for directory in candidates:
        if all((directory / name).is_file() for name in _SERVER_BINARIES):
            return directory
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _as_server_user() -> list[str]:
    """The command prefix that runs a server binary: `runuser -u postgres --` as root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(POSTGRES_USER)
    except KeyError:
        pytest.skip(f"running as root and there is no {POSTGRES_USER!r} user for the PostgreSQL server to run as")
    # runuser lives in sbin, often off a test runner's PATH
    runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if runuser is None:
        pytest.skip("running as root and runuser (util-linux) is missing to start PostgreSQL as another user")
    return [runuser, "-u", POSTGRES_USER, "--"]


def _run(command: list[str], what: str, log: Path | None = None) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = log.read_text(encoding="utf-8", errors="replace") if log and log.exists() else ""
        pytest.fail(f"{what} failed ({done.returncode}):\n{done.stdout}{done.stderr}{detail}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A connection string to an empty database on a PostgreSQL server of its own, on a
    free loopback port, with its data in a temporary directory removed afterwards."""
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'trialdesk[postgres]'")
    import psycopg

    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip(
            f"PostgreSQL server binaries not found ({', '.join(_SERVER_BINARIES)}): put their directory on PATH"
        )
    prefix = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="trialdesk-pg-"))
    if prefix:
        user = pwd.getpwnam(POSTGRES_USER)
        os.chown(root, user.pw_uid, user.pw_gid)
    data, log, port = root / "data", root / "server.log", _free_port()
    # durability is worthless for a throw-away server: no fsync makes initdb and loads fast
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        _run([*prefix, *initdb, "--no-locale", "--no-sync"], "initdb")
        pg_ctl = str(bin_dir / "pg_ctl")
        _run(
            [*prefix, pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"], "pg_ctl", log
        )
        try:
            server = f"host=127.0.0.1 port={port} user=postgres"
            with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
                admin.execute("CREATE DATABASE trialdesk")
            yield f"{server} dbname=trialdesk"
        finally:
            subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """A local Spark session on two cores, without web UI or progress bars."""
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'trialdesk[spark]'")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17 or later: no java on PATH and JAVA_HOME is not set")
    from trialdesk.population.engines import spark_session

    conf = {
        "spark.sql.shuffle.partitions": "2",
        # a compiled protocol is dozens of small stages over a few hundred rows: adaptive
        # re-planning and Janino-compiled code cost more per stage than they save here
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.codegen.factoryMode": "NO_CODEGEN",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
    }
    with pytest.MonkeyPatch.context() as patch:
        # without it Spark looks up the host's address and warns that it is a loopback one
        patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        session = spark_session("local[2]", conf, app_name="trialdesk-tests")
    try:
        yield session
    finally:
        session.stop()
