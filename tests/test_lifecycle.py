"""The lifecycle rules, through the domain API every command uses (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from assetctl import lifecycle
from assetctl.assets import find_asset, register
from assetctl.db import session_scope
from assetctl.errors import TransitionError, ValidationError
from assetctl.lifecycle import TRANSITIONS, Status, change_status
from assetctl.models import AssetEvent, ImagingRun, WipeRun

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def new_desktop(engine: Any, settings: Any, serial: str = "S1") -> str:
    with session_scope(engine) as session:
        return register(
            session,
            settings,
            {
                "kind": "desktop",
                "origin": "refurbished",
                "manufacturer": "Dell",
                "model": "OptiPlex 7010",
                "serial": serial,
                "acquired": "2014-03-01",
            },
            actor="tester",
        ).asset.tag


def record(
    engine: Any, tag: str, kind: str, result: str, start: datetime, minutes: int = 30
) -> None:
    with session_scope(engine) as session:
        asset = find_asset(session, tag)
        model = WipeRun if kind == "wipe" else ImagingRun
        session.add(
            model(
                asset_id=asset.id,
                cycle=asset.cycle,
                started_at=start,
                finished_at=start + timedelta(minutes=minutes),
                result=result,
                operator="tester",
            )
        )


def move(engine: Any, tag: str, target: str, **kw: Any) -> None:
    """A status change; moves to and from a family name a contract, as contracts.py does."""
    kw.setdefault("contract", "CT-TEST")
    with session_scope(engine) as session:
        change_status(
            session, find_asset(session, tag), target, actor="tester", reason="test", **kw
        )


def new_printer(engine: Any, settings: Any, serial: str = "E78X") -> str:
    with session_scope(engine) as session:
        return register(
            session,
            settings,
            {"kind": "printer", "origin": "purchased", "manufacturer": "Brother",
             "model": "DCP-L2530DW", "serial": serial},
            actor="tester",
        ).asset.tag  # fmt: skip


def status(engine: Any, tag: str) -> str:
    with session_scope(engine) as session:
        return find_asset(session, tag).status


def test_every_status_has_its_transitions() -> None:
    assert set(TRANSITIONS) == set(Status)
    for target_set in TRANSITIONS.values():
        assert target_set <= set(Status)
    active = set(Status) - {Status.GIVEN, Status.RETIRED, Status.ON_LOAN, Status.LOST}
    for status_ in active:
        assert {Status.REPAIR, Status.LOST} <= TRANSITIONS[status_] | {status_}, status_


def test_family_rule_needs_a_passed_wipe_then_a_passed_imaging(engine: Any, settings: Any) -> None:
    tag = new_desktop(engine, settings)
    with pytest.raises(TransitionError, match="no wipe recorded since it was registered"):
        move(engine, tag, "wiped")
    record(engine, tag, "wipe", "failed", T0)
    with pytest.raises(TransitionError, match=r"its last wipe .* failed"):
        move(engine, tag, "wiped")
    record(engine, tag, "wipe", "passed", T0 + timedelta(hours=1))
    move(engine, tag, "wiped")
    with pytest.raises(TransitionError, match="no passed imaging recorded after its last wipe"):
        move(engine, tag, "ready")
    record(engine, tag, "image", "failed", T0 + timedelta(hours=2))
    with pytest.raises(TransitionError, match=r"its last imaging or verification .* failed"):
        move(engine, tag, "ready")
    record(engine, tag, "image", "passed", T0 + timedelta(hours=3))
    move(engine, tag, "ready")
    # a later verification that fails takes the readiness back, whatever passed before
    record(engine, tag, "image", "failed", T0 + timedelta(hours=4))
    move(engine, tag, "wiped")
    with pytest.raises(TransitionError, match=r"its last imaging or verification .* failed"):
        move(engine, tag, "ready")
    record(engine, tag, "image", "passed", T0 + timedelta(hours=5))
    move(engine, tag, "ready")
    move(engine, tag, "allocated")
    move(engine, tag, "on_loan")
    assert status(engine, tag) == "on_loan"


def test_an_imaging_before_the_last_wipe_does_not_count(engine: Any, settings: Any) -> None:
    tag = new_desktop(engine, settings)
    record(engine, tag, "wipe", "passed", T0)
    record(engine, tag, "image", "passed", T0 + timedelta(hours=1))
    record(engine, tag, "wipe", "passed", T0 + timedelta(hours=2))  # wiped the image away
    move(engine, tag, "wiped")
    with pytest.raises(TransitionError, match="no passed imaging recorded after its last wipe"):
        move(engine, tag, "ready")


def test_an_interrupted_wipe_after_imaging_blocks_the_family(engine: Any, settings: Any) -> None:
    tag = new_desktop(engine, settings)
    record(engine, tag, "wipe", "passed", T0)
    record(engine, tag, "image", "passed", T0 + timedelta(hours=1))
    move(engine, tag, "wiped")
    move(engine, tag, "ready")
    record(engine, tag, "wipe", "interrupted", T0 + timedelta(hours=2))
    with pytest.raises(TransitionError, match="interrupted: wipe it again"):
        move(engine, tag, "allocated")


def test_a_returned_device_must_be_wiped_and_imaged_again(engine: Any, settings: Any) -> None:
    tag = new_desktop(engine, settings)
    record(engine, tag, "wipe", "passed", T0)
    record(engine, tag, "image", "passed", T0 + timedelta(hours=1))
    for target in ("wiped", "ready", "allocated", "on_loan", "returned"):
        move(engine, tag, target)
    # the first family's wipe and image belong to the previous cycle
    with pytest.raises(TransitionError, match="no wipe recorded since it last came back"):
        move(engine, tag, "wiped")
    with pytest.raises(TransitionError, match="cannot go from returned to ready"):
        move(engine, tag, "ready")
    record(engine, tag, "wipe", "passed", T0 + timedelta(days=90))
    move(engine, tag, "wiped")
    with pytest.raises(TransitionError, match="no passed imaging"):
        move(engine, tag, "ready")
    record(engine, tag, "image", "passed", T0 + timedelta(days=90, hours=1))
    move(engine, tag, "ready")
    with session_scope(engine) as session:
        assert find_asset(session, tag).cycle == 1


def test_a_device_back_from_repair_is_checked_again(engine: Any, settings: Any) -> None:
    tag = new_desktop(engine, settings)
    move(engine, tag, "repair")
    with pytest.raises(TransitionError, match="may not go to a family"):
        move(engine, tag, "ready")
    move(engine, tag, "received")


def test_given_and_retired_are_final(engine: Any, settings: Any) -> None:
    given = new_desktop(engine, settings, serial="GIVEN1")
    record(engine, given, "wipe", "passed", T0)
    record(engine, given, "image", "passed", T0 + timedelta(hours=1))
    for target in ("wiped", "ready", "allocated", "given"):
        move(engine, given, target)
    retired = new_desktop(engine, settings, serial="RETIRED1")
    move(engine, retired, "retired", disposal="recycled")
    for tag, final in ((given, "given"), (retired, "retired")):
        with session_scope(engine) as session:
            assert find_asset(session, tag).status == final
        for target in Status:
            with pytest.raises(TransitionError):
                move(engine, tag, target.value, disposal="recycled")
        with session_scope(engine) as session:
            assert find_asset(session, tag).status == final


def test_retiring_needs_a_reason_and_selling_a_wipe(engine: Any, settings: Any) -> None:
    tag = new_desktop(engine, settings)
    with pytest.raises(TransitionError, match="needs a disposal reason"):
        move(engine, tag, "retired")
    with pytest.raises(TransitionError, match="cannot be sold"):
        move(engine, tag, "retired", disposal="sold")
    record(engine, tag, "wipe", "passed", T0)
    move(engine, tag, "retired", disposal="sold")
    with session_scope(engine) as session:
        assert find_asset(session, tag).disposal == "sold"


def test_history_is_appended_never_rewritten(engine: Any, settings: Any) -> None:
    tag = new_desktop(engine, settings)
    move(engine, tag, "repair")
    with session_scope(engine) as session:
        first = [
            (e.id, e.action, e.to_status, e.at)
            for e in session.exec(select(AssetEvent).order_by(AssetEvent.id))
        ]
    move(engine, tag, "received")
    with pytest.raises(TransitionError):
        move(engine, tag, "on_loan")
    with session_scope(engine) as session:
        events = list(session.exec(select(AssetEvent).order_by(AssetEvent.id)))
    assert [(e.id, e.action, e.to_status, e.at) for e in events[:2]] == first
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, "received"),
        ("received", "repair"),
        ("repair", "received"),
    ]
    assert all(e.at.tzinfo is not None for e in events)


def test_readiness_reports_every_problem(engine: Any, settings: Any) -> None:
    tag = new_desktop(engine, settings)
    with session_scope(engine) as session:
        state = lifecycle.readiness(session, find_asset(session, tag))
    assert not state.ok and not state.wiped and not state.imaged
    assert len(state.problems) == 2


def test_a_printer_goes_to_ready_once_reset_and_still_through_contracts(
    engine: Any, settings: Any
) -> None:
    printer = new_printer(engine, settings)
    move(engine, printer, "ready", contract=None)  # reset to factory settings
    with pytest.raises(TransitionError, match="only through its family contract"):
        move(engine, printer, "allocated", contract=None)
    move(engine, printer, "allocated")
    move(engine, printer, "on_loan")
    move(engine, printer, "returned")
    with pytest.raises(TransitionError, match="cannot go from returned to allocated"):
        move(engine, printer, "allocated")
    move(engine, printer, "ready", contract=None)
    # a desktop has a disk: no such shortcut
    desktop = new_desktop(engine, settings, serial="S9")
    with pytest.raises(TransitionError, match="cannot go from received to ready"):
        move(engine, desktop, "ready", contract=None)


# --- rules that mutation testing showed unguarded (scripts/mutation.sh) ---------------------


def readiness_of(engine: Any, tag: str) -> lifecycle.Readiness:
    with session_scope(engine) as session:
        return lifecycle.readiness(session, find_asset(session, tag))


def test_another_devices_records_never_count(engine: Any, settings: Any) -> None:
    mine = new_desktop(engine, settings, serial="MINE1")
    other = new_desktop(engine, settings, serial="OTHER1")
    record(engine, other, "wipe", "passed", T0)
    assert readiness_of(engine, mine) == lifecycle.Readiness(
        wiped=False,
        imaged=False,
        problems=(
            "no wipe recorded since it was registered: wipe it on the bench (assetctl bench wipe)",
            "it must be imaged after a passed wipe",
        ),
    )
    record(engine, mine, "wipe", "passed", T0)
    record(engine, other, "image", "passed", T0 + timedelta(hours=1))
    assert readiness_of(engine, mine) == lifecycle.Readiness(
        wiped=True,
        imaged=False,
        problems=(
            "no passed imaging recorded after its last wipe: image it (assetctl bench deploy)",
        ),
    )
    move(engine, mine, "wiped")
    with pytest.raises(TransitionError, match="no passed imaging recorded after its last wipe"):
        move(engine, mine, "ready")
    assert readiness_of(engine, other) == lifecycle.Readiness(True, True, ())


def test_the_latest_wipe_is_the_latest_started_not_the_latest_recorded(
    engine: Any, settings: Any
) -> None:
    tag = new_desktop(engine, settings)
    record(engine, tag, "wipe", "failed", T0 + timedelta(hours=2))  # recorded first, ran last
    record(engine, tag, "wipe", "passed", T0)
    state = readiness_of(engine, tag)
    assert (state.wiped, state.imaged) == (False, False)
    assert state.problems[0] == "its last wipe (2026-01-05 11:00 UTC) failed: wipe it again"


def test_an_imaging_started_as_the_wipe_finished_counts(engine: Any, settings: Any) -> None:
    tag = new_desktop(engine, settings)
    record(engine, tag, "wipe", "passed", T0, minutes=30)
    record(engine, tag, "image", "passed", T0 + timedelta(minutes=30))
    assert readiness_of(engine, tag) == lifecycle.Readiness(True, True, ())


def test_each_return_starts_a_new_cycle(engine: Any, settings: Any) -> None:
    tag = new_desktop(engine, settings)
    for cycle in (1, 2):
        start = T0 + timedelta(days=cycle)
        record(engine, tag, "wipe", "passed", start)
        record(engine, tag, "image", "passed", start + timedelta(hours=1))
        for target in ("wiped", "ready", "allocated", "on_loan", "returned"):
            move(engine, tag, target)
        with session_scope(engine) as session:
            assert find_asset(session, tag).cycle == cycle
        # the records of the cycle before no longer count
        assert readiness_of(engine, tag).wiped is False
        with pytest.raises(TransitionError, match="no wipe recorded since it last came back"):
            move(engine, tag, "wiped")


def test_the_history_keeps_the_reason_and_the_disposal(engine: Any, settings: Any) -> None:
    tag = new_desktop(engine, settings)
    with session_scope(engine) as session:
        change_status(
            session, find_asset(session, tag), "repair", actor="camille", reason="ne démarre pas"
        )
    record(engine, tag, "wipe", "passed", T0)
    with session_scope(engine) as session:
        change_status(
            session,
            find_asset(session, tag),
            "retired",
            actor="camille",
            reason="carte mère HS",
            disposal="recycled",
        )
    with session_scope(engine) as session:
        events = session.exec(
            select(AssetEvent)
            .where(AssetEvent.asset_id == find_asset(session, tag).id)
            .order_by(AssetEvent.id)
        ).all()
        rows = [(e.action, e.to_status, e.reason, e.actor, e.details) for e in events]
    assert rows[1:] == [
        ("status", "repair", "ne démarre pas", "camille", None),
        ("status", "retired", "carte mère HS", "camille", {"disposal": "recycled"}),
    ]


def test_the_latest_imaging_is_the_latest_started(engine: Any, settings: Any) -> None:
    tag = new_desktop(engine, settings)
    record(engine, tag, "wipe", "passed", T0)
    record(engine, tag, "image", "passed", T0 + timedelta(hours=3))  # recorded first, ran last
    record(engine, tag, "image", "failed", T0 + timedelta(hours=2))
    assert readiness_of(engine, tag) == lifecycle.Readiness(True, True, ())


def test_diskless_devices_need_no_wipe_and_refusals_say_why_in_full(
    engine: Any, settings: Any
) -> None:
    printer = new_printer(engine, settings, serial="E78P1")
    assert readiness_of(engine, printer) == lifecycle.Readiness(True, True, ())
    tag = new_desktop(engine, settings)
    never_wiped = (
        "no wipe recorded since it was registered: wipe it on the bench (assetctl bench wipe)"
    )
    with pytest.raises(TransitionError) as refused:
        move(engine, tag, "wiped")
    assert str(refused.value) == f"{tag} cannot be marked wiped: {never_wiped}"
    with pytest.raises(TransitionError) as refused:
        move(engine, tag, "retired", disposal="sold")
    assert str(refused.value) == (
        f"{tag} cannot be sold: its disks must be wiped first ({never_wiped})"
    )
    with pytest.raises(TransitionError) as refused:
        move(engine, tag, "received")
    assert str(refused.value) == f"{tag} is already received"
    move(engine, tag, "retired", disposal="recycled")
    with pytest.raises(TransitionError) as refused:
        move(engine, tag, "repair")
    assert str(refused.value).endswith("none (final status)"), refused.value


def test_statuses_as_people_type_them() -> None:
    assert lifecycle.parse_status(" On-Loan ") is Status.ON_LOAN
    with pytest.raises(ValidationError) as refused:
        lifecycle.parse_status("broken")
    assert str(refused.value) == (
        "unknown status 'broken'; statuses are: received, wiped, ready, allocated, on_loan, "
        "given, returned, repair, lost, retired"
    )
