"""The committee's agenda: each household's latest recommendation against its latest decision
(SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli
from tests.family_helpers import DUPONT, MARTIN, TODAY, approve, form


def test_the_agenda_follows_each_households_latest_recommendation_and_decision(
    programme: Cli,
) -> None:
    cw = programme.as_("claire")
    approved = cw.ok("household", "add", *form(MARTIN)).stdout.strip()
    deferred = cw.ok("household", "add", *form(DUPONT)).stdout.strip()
    rejected = cw.ok("household", "add", *form(DUPONT)).stdout.strip()
    never_recommended = cw.ok("household", "add", *form(DUPONT)).stdout.strip()
    assert (approved, deferred, rejected, never_recommended) == (
        "FAM-00001", "FAM-00002", "FAM-00003", "FAM-00004",
    )  # fmt: skip
    session = cw.ok("committee", "open", "--date", TODAY.isoformat(), "--member", "X").stdout
    session = session.strip()
    approve(cw, approved, session)
    for ref in (deferred, rejected):
        cw.ok("household", "recommend", ref)

    def agenda() -> list[tuple[str, str]]:
        rows = json.loads(cw.ok("committee", "agenda", "--json").stdout)
        return [(row["ref"], row["previous"]) for row in rows]

    assert agenda() == [(deferred, ""), (rejected, "")]
    cw.ok("committee", "decide", session, deferred, "deferred", "--rationale", "pièces")
    cw.ok("committee", "decide", session, rejected, "rejected", "--rationale", "hors critères")
    # deferred stays on the agenda; rejected and approved leave it
    assert agenda() == [(deferred, "deferred")]
    # a new diagnostic after a final decision brings the household back
    cw.ok("household", "recommend", rejected)
    assert agenda() == [(deferred, "deferred"), (rejected, "rejected")]


def test_household_list_gives_each_households_status_in_one_listing(programme: Cli) -> None:
    cw, tech = programme.as_("claire"), programme.as_("theo")
    refs = [cw.ok("household", "add", *form(f)).stdout.strip() for f in (MARTIN, DUPONT)]
    refs += [cw.ok("household", "add", *form(DUPONT)).stdout.strip() for _ in range(3)]
    equipped, deferred, rejected, recommended, diagnosed = refs
    session = cw.ok("committee", "open", "--date", TODAY.isoformat(), "--member", "X").stdout
    session = session.strip()
    approve(cw, equipped, session)
    for ref in (deferred, rejected, recommended):
        cw.ok("household", "recommend", ref)
    cw.ok("committee", "decide", session, deferred, "deferred", "--rationale", "pièces")
    cw.ok("committee", "decide", session, rejected, "rejected", "--rationale", "hors critères")

    def statuses() -> dict[str, str]:
        rows = json.loads(tech.ok("household", "list", "--json").stdout)
        return {row["ref"]: row["status"] for row in rows}

    expected = {
        equipped: "approved",
        deferred: "deferred",
        rejected: "rejected",
        recommended: "recommended",
        diagnosed: "diagnosed",
    }
    assert statuses() == expected
    number = tech.ok("allocate", equipped).stdout.strip()
    assert statuses() == {**expected, equipped: "allocated"}
    tech.ok("contract", "sign", number, "--date", TODAY.isoformat())
    assert statuses() == {**expected, equipped: "equipped"}
    for ref, status in statuses().items():  # the listing and `household show` agree
        shown = json.loads(tech.ok("household", "show", ref, "--json").stdout)
        assert shown["status"] == status


def test_documents_with_personal_data_are_for_their_owner_only(
    programme: Cli, tmp_path: Path
) -> None:
    """Minutes carry the committee's rationale; a file that was world-readable before is
    tightened when assetctl writes personal data into it."""
    import stat

    cw = programme.as_("claire")
    ref = cw.ok("household", "add", *form(DUPONT)).stdout.strip()
    session = cw.ok("committee", "open", "--date", TODAY.isoformat(), "--member", "X").stdout
    cw.ok("household", "recommend", ref)
    cw.ok("committee", "decide", session.strip(), ref, "rejected", "--rationale", "hors critères")
    minutes, export = tmp_path / "pv.pdf", tmp_path / "export.json"
    export.write_text("old")
    export.chmod(0o644)
    cw.ok("committee", "minutes", session.strip(), "-o", str(minutes))
    cw.ok("household", "export", ref, "-o", str(export))
    for path in (minutes, export):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert export.read_text().startswith("{")
