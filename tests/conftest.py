"""Shared fixtures: the real sample report from ../shared when present, and a parsed pipeline."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORCEWATCH_SHARED", REPO.parent / "shared"))
SAMPLE = SHARED / "samples" / "russia-syria-bases.txt"
DEMO = REPO / "src" / "forcewatch" / "data" / "demo"


def _register_store_helpers() -> None:
    """tests/store/stores.py as the module ``forcewatch_test_stores``: the tests import in importlib
    mode, so no test folder is on sys.path, and the store, crash and API tests share these helpers."""
    spec = importlib.util.spec_from_file_location("forcewatch_test_stores", REPO / "tests" / "store" / "stores.py")
    sys.modules[spec.name] = module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


_register_store_helpers()


@pytest.fixture(scope="session")
def resources():
    """The packaged configuration (model, gazetteer, registries, lexicons), loaded once for the session."""
    from forcewatch.config import Resources

    return Resources()


@pytest.fixture(scope="session")
def pipeline(resources):
    from forcewatch.pipeline import Pipeline

    return Pipeline(resources)


@pytest.fixture(scope="session")
def pipeline_all(resources):
    """A pipeline that codes every document, military or not (scope="all")."""
    from forcewatch.pipeline import Pipeline

    return Pipeline(resources, scope="all")


@pytest.fixture(scope="session")
def gaz(resources):
    """The packaged gazetteer, built on first use (shared by the place tests)."""
    return resources.gazetteer


@pytest.fixture(scope="session")
def lexicons(resources):
    return resources.lexicons


@pytest.fixture(scope="session")
def sample_analysis(pipeline):
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} not present")
    from forcewatch.ingest.reports import read_reports

    return pipeline(read_reports(SAMPLE)[0])


# -- a real PostgreSQL server with PostGIS for the session (the store and API tests run on both backends)
def _postgres_bin() -> Path | None:
    import glob
    import shutil

    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _as_postgres_user(argv: list[str]) -> list[str]:
    """initdb and the server refuse to run as root (CI runs as root): there, as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A PostgreSQL server on 127.0.0.1 and a free port, in a temporary folder, with a template
    database that holds PostGIS and forcewatch's schema; yields the server's base URL."""
    import shutil
    import socket
    import subprocess
    import tempfile

    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql postgresql-15-postgis-3)")
    share = subprocess.run([str(bin_dir / "pg_config"), "--sharedir"], capture_output=True, text=True).stdout.strip() \
        if (bin_dir / "pg_config").exists() else f"/usr/share/postgresql/{bin_dir.parent.name}"
    if not Path(share, "extension", "postgis.control").exists():
        pytest.skip(f"PostGIS is not installed for {bin_dir} (apt-get install postgresql-15-postgis-3)")
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not importable (pip install -e '.[test]')")
    # not under pytest's own temporary folder: the postgres user must reach it
    folder = Path(tempfile.mkdtemp(prefix="forcewatch-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = lambda *argv: subprocess.run(_as_postgres_user([str(a) for a in argv]), check=True,  # noqa: E731
                                       capture_output=True, text=True)
    try:
        run(bin_dir / "initdb", "-D", data, "-U", "forcewatch", "--auth=trust", "-E", "UTF8", "--no-locale")
        run(bin_dir / "pg_ctl", "-D", data, "-l", folder / "server.log", "-w", "-t", "60", "start", "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
            " -c full_page_writes=off -c max_connections=200")
    except subprocess.CalledProcessError as exc:
        log = (folder / "server.log").read_text() if (folder / "server.log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {exc.stderr or exc.stdout}{log[-2000:]}")
    base = f"postgresql://forcewatch@127.0.0.1:{port}/"
    _SOCKET.update(folder=str(folder), port=port)
    from forcewatch.store.postgres import PostgresStore

    with psycopg.connect(base + "postgres", autocommit=True) as con:
        con.execute("CREATE DATABASE fw_template")
    PostgresStore(base + "fw_template").close()  # PostGIS and the schema, copied into each test's database
    try:
        yield base
    finally:
        subprocess.run(_as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


_databases = iter(range(1, 1_000_000))
_SOCKET: dict = {}  # where the session's server has its Unix socket


def new_postgres_database(server: str) -> str:
    """A new database (a copy of the template) on the session's server; its URL."""
    import psycopg

    name = f"fw_test_{next(_databases)}"
    with psycopg.connect(server + "postgres", autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name} TEMPLATE fw_template")
    return server + name


@pytest.fixture(scope="session")
def postgres_databases(postgres_server):
    """Makes new databases on the session's server: ``postgres_databases()`` is a new one's URL."""
    return lambda: new_postgres_database(postgres_server)


@pytest.fixture
def postgres_url(postgres_databases) -> str:
    """A new database of its own on the session's server."""
    return postgres_databases()


@pytest.fixture
def postgres_socket_url(postgres_databases) -> str:
    """A new database named by the server's Unix socket rather than its port: reachable from a process
    in a network namespace of its own (the Ray tests)."""
    name = postgres_databases().rsplit("/", 1)[1]
    return f"postgresql://forcewatch@/{name}?host={_SOCKET['folder']}&port={_SOCKET['port']}"


@pytest.fixture(params=["duckdb", "postgresql"])
def backend_db(request, tmp_path) -> str:
    """A new empty database on each backend: a DuckDB file's path, or a PostgreSQL URL."""
    if request.param == "duckdb":
        return str(tmp_path / "fw.duckdb")
    return request.getfixturevalue("postgres_url")
