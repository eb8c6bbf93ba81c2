"""On PostgreSQL the barrier is the database's: each person is their login, with a group role,
and a technician typing SQL in psql reads no family's data and forges no access-log line."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import Cli, as_login
from tests.family_helpers import MARTIN, form


@pytest.fixture
def pg(programme: Cli) -> Cli:
    if not programme.db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL roles: SQLite has none (there the barrier is the sealing)")
    return programme


def psql(cli: Cli, login: str, sql: str) -> subprocess.CompletedProcess[str]:
    url = as_login(cli.db_url, login).replace("postgresql+psycopg://", "postgresql://")
    return subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_technician_in_psql_reads_no_childs_name(pg: Cli) -> None:
    ref = pg.as_("claire").ok("household", "add", *form(MARTIN)).stdout.strip()
    pg.as_("claire").ok(
        "committee", "open", "--date", "2026-11-20", "--member", "X"
    )  # a session, for a rationale below
    pg.as_("claire").ok("household", "recommend", ref)
    pg.as_("claire").ok(
        "committee", "decide", "1", ref, "deferred", "--rationale", "Lina Martin : à revoir"
    )
    for table in ("household_personal", "decision_rationale", "access_log"):
        refused = psql(pg, "theo", f"SELECT * FROM {table}")
        assert refused.returncode != 0, table
        assert f"permission denied for table {table}" in refused.stderr, refused.stderr
    # nor through a role of the caseworkers
    assert (
        "permission denied to set role" in psql(pg, "theo", "SET ROLE assetctl_caseworker").stderr
    )
    # what a technician's work needs is there
    assert psql(pg, "theo", "SELECT ref, qpv FROM household").stdout.strip() == (
        f"{ref}|Bellevue-Carnac"
    )
    assert (
        "permission denied for function"
        in psql(
            pg, "theo", "SELECT * FROM assetctl_read_sealed('household_personal', NULL, 'x')"
        ).stderr
    )


def test_every_read_of_the_sealed_rows_is_logged_by_the_database(pg: Cli) -> None:
    cw = pg.as_("claire")
    ref = cw.ok("household", "add", *form(MARTIN)).stdout.strip()
    # not even a caseworker reads the sealed column directly...
    direct = psql(pg, "claire", "SELECT sealed FROM household_personal")
    assert "permission denied for table household_personal" in direct.stderr
    # ...only through the function, which logs the read before returning the rows
    through = psql(
        pg, "claire", "SELECT sealed FROM assetctl_read_sealed('household_personal', NULL, 'psql')"
    ).stdout
    assert through.startswith("s1:") and "Lina" not in through  # ciphertext: the key opens it
    cw.ok("household", "show", ref)  # assetctl reads the same way
    reads = psql(
        pg,
        "tester",
        "SELECT actor, household_id IS NOT NULL, purpose FROM access_log "
        "WHERE action = 'db read' ORDER BY id",
    ).stdout.splitlines()
    assert reads == ["claire|f|psql (1 sealed rows)", "claire|t|read (1 sealed rows)"], reads


def test_the_access_log_is_written_by_the_database_and_cannot_be_forged(pg: Cli) -> None:
    ref = pg.as_("claire").ok("household", "add", *form(MARTIN)).stdout.strip()
    forged = psql(
        pg,
        "claire",
        "INSERT INTO access_log (at, actor, role, action) "
        "VALUES ('2000-01-01', 'tester', 'admin', 'forged') RETURNING actor, at > '2001-01-01'",
    )
    assert forged.stdout.splitlines()[0] == "claire|t"  # the login and the server's clock
    for sql in ("DELETE FROM access_log", "UPDATE access_log SET actor = 'x'"):
        assert "permission denied for table access_log" in psql(pg, "claire", sql).stderr
    # a write to the sealed data, even by hand, is logged by the database itself
    assert psql(pg, "claire", "UPDATE household_personal SET updated_at = now()").returncode == 0
    rows = psql(
        pg,
        "tester",
        "SELECT actor, role, action, household_id IS NOT NULL FROM access_log "
        "WHERE role = 'database' ORDER BY id",
    ).stdout.splitlines()
    assert rows == ["claire|database|db insert|t", "claire|database|db update|t"], (rows, ref)


def test_the_operator_is_the_login_never_a_variable(
    pg: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = pg.as_("claire").ok("household", "add", *form(MARTIN)).stdout.strip()
    theo = pg.as_("theo")
    monkeypatch.setenv("ASSETCTL_OPERATOR", "tester")  # the admin's name, self-declared
    theo.operator = None  # the variable alone, on theo's login
    theo.db_url = as_login(pg.db_url, "theo")
    refused = theo.fails("household", "export", ref)
    assert "theo (technician) may not" in refused.stderr
    assert "ASSETCTL_OPERATOR=tester is not used on PostgreSQL" in refused.stderr
    assert (
        "theo (technician) may not" in theo.fails("user", "add", "theo", "--role", "admin").stderr
    )
    monkeypatch.setenv("ASSETCTL_OPERATOR", "theo")
    whoami = theo.ok("user", "whoami").stdout
    assert "theo" in whoami and "technician" in whoami
    # an admin takes the caseworker's role away: the database refuses her at once
    pg.ok("user", "remove", "claire")
    gone = pg.as_("claire").fails("household", "show", ref)
    assert "the PostgreSQL login claire has no assetctl role" in gone.stderr
    schema = pg.db_url.rsplit("%3D", 1)[1]
    denied = psql(pg, "claire", f"SELECT * FROM {schema}.household").stderr
    assert f"permission denied for schema {schema}" in denied
    listed = json.loads(pg.ok("user", "list", "--json").stdout)
    assert {(row["name"], row["role"]) for row in listed} >= {
        ("tester", "admin"),
        ("theo", "technician"),
    }
    assert "claire" not in {row["name"] for row in listed}
