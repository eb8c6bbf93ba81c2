"""Two technicians change the same device at the same time, from two processes."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from tests.concurrency_worker import change_device
from tests.conftest import Cli
from tests.helpers import add_args


def race(cli: Cli, home: Path, tag: str, action: str, values: tuple[str, str]) -> list[tuple]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(
            target=change_device, args=(cli.db_url, str(home), tag, action, value, barrier, results)
        )
        for value in values
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    return sorted(outcomes)


@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_edits_never_lose_an_update(cli_db: Cli, home: Path, attempt: int) -> None:
    tag = cli_db.ok(
        *add_args("laptop", "purchased", "Lenovo", "T14", "L1"),
    ).stdout.strip()
    outcomes = race(cli_db, home, tag, "edit", ("shelf-A", "shelf-B"))
    kinds = [kind for kind, _ in outcomes]
    assert kinds == ["ConflictError", "ok"], outcomes
    conflict = outcomes[0][1]
    assert "nothing was saved" in conflict and "repeat the command" in conflict.lower()
    winner = outcomes[1][1]
    view = json.loads(cli_db.ok("asset", "show", tag, "--json").stdout)
    assert view["location"] == winner
    edits = [e for e in view["history"] if e["action"] == "location"]
    assert len(edits) == 1 and edits[0]["actor"] == f"tech-{winner}"


def test_concurrent_status_changes_one_wins(cli_db: Cli, home: Path) -> None:
    tag = cli_db.ok(
        *add_args("laptop", "purchased", "Lenovo", "T14", "L1"),
    ).stdout.strip()
    outcomes = race(cli_db, home, tag, "status", ("repair", "lost"))
    assert [kind for kind, _ in outcomes] == ["ConflictError", "ok"], outcomes
    view = json.loads(cli_db.ok("asset", "show", tag, "--json").stdout)
    assert view["status"] == outcomes[1][1]
    moves = [e for e in view["history"] if e["action"] == "status"]
    assert len(moves) == 1
