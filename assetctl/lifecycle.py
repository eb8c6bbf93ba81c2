"""Lifecycle rules, in one place: statuses, allowed transitions, guards, and the history.

Every status change in assetctl goes through :func:`change_status`, and every other change to a
device appends an event through :func:`record_event`. History rows are only ever added.

Printers and monitors hold no disk: they go to ``ready`` once reset (see DISKLESS_KINDS).

The rule that matters most: a device may go to a family (``ready``, ``allocated``,
``on_loan``, ``given``) only when, in its current cycle (since it last came back), the latest
wipe attempt passed and the latest imaging (or verification) after that wipe passed too. Coming back
(``returned``) starts a new cycle, so the previous family's wipe and image no longer count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from assetctl.errors import TransitionError, ValidationError
from assetctl.models import Asset, AssetEvent, ImagingRun, WipeRun
from assetctl.models.types import utcnow
from assetctl.vocabulary import REUSE_DISPOSALS, Disposal

REASON_MAX = 500  # models.AssetEvent.reason


class Status(StrEnum):
    RECEIVED = "received"
    WIPED = "wiped"
    READY = "ready"
    ALLOCATED = "allocated"
    ON_LOAN = "on_loan"
    GIVEN = "given"
    RETURNED = "returned"
    REPAIR = "repair"
    LOST = "lost"
    RETIRED = "retired"


S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.RECEIVED: frozenset({S.WIPED, S.REPAIR, S.LOST, S.RETIRED}),
    # back to received: a later wipe or verification of the device failed
    S.WIPED: frozenset({S.READY, S.RECEIVED, S.REPAIR, S.LOST, S.RETIRED}),
    S.READY: frozenset({S.ALLOCATED, S.WIPED, S.RECEIVED, S.REPAIR, S.LOST, S.RETIRED}),
    S.ALLOCATED: frozenset({S.ON_LOAN, S.GIVEN, S.READY, S.REPAIR, S.LOST}),
    S.ON_LOAN: frozenset({S.RETURNED, S.LOST}),
    S.GIVEN: frozenset(),  # ownership passed to the family: the device left the fleet
    S.RETURNED: frozenset({S.WIPED, S.REPAIR, S.LOST, S.RETIRED}),
    S.REPAIR: frozenset({S.RECEIVED, S.WIPED, S.READY, S.LOST, S.RETIRED}),
    S.LOST: frozenset({S.RETURNED, S.RETIRED}),
    S.RETIRED: frozenset(),
}
FAMILY_STATUSES = frozenset({S.READY, S.ALLOCATED, S.ON_LOAN, S.GIVEN})
# Kinds with no disk to wipe or system to image: a printer or a monitor goes to ready from
# the bench (reset to its factory settings) without wipe and imaging records.
DISKLESS_KINDS = frozenset({"printer", "monitor"})
DISKLESS_TO_READY = frozenset({S.RECEIVED, S.RETURNED, S.REPAIR})
# Statuses a device enters or leaves only through a family contract (assetctl.contracts).
CONTRACT_ONLY = frozenset({S.ALLOCATED, S.ON_LOAN, S.GIVEN})
WITH_FAMILY = frozenset({S.ON_LOAN, S.GIVEN})
DISPOSAL_REASONS = tuple(d.value for d in Disposal)


def parse_status(text: str) -> Status:
    value = text.strip().lower().replace("-", "_")
    try:
        return Status(value)
    except ValueError:
        raise ValidationError(
            f"unknown status {text!r}; statuses are: {', '.join(s.value for s in Status)}"
        ) from None


@dataclass(frozen=True)
class Readiness:
    """Whether a device may go to a family, and if not, why."""

    wiped: bool
    imaged: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _latest_wipe(session: Session, asset: Asset) -> WipeRun | None:
    return session.exec(
        select(WipeRun)
        .where(WipeRun.asset_id == asset.id, WipeRun.cycle == asset.cycle)
        .order_by(col(WipeRun.started_at).desc(), col(WipeRun.id).desc())
        .limit(1)
    ).first()


def readiness(session: Session, asset: Asset) -> Readiness:
    """Check the family rule against the wipe and imaging records of the current cycle; a
    device whose status ends its programme life gets the advice for that status, not the
    bench's."""
    final = {
        Status.RETIRED: "it is retired, which is final: it does not go to a family again",
        Status.GIVEN: "it was given to a family and is theirs now",
        Status.LOST: (
            f"it is recorded lost or stolen: if it is found, record it with "
            f"`assetctl asset status {asset.tag} returned`, then wipe and image it"
        ),
    }.get(Status(asset.status))
    if final:
        return Readiness(wiped=False, imaged=False, problems=(final,))
    if asset.kind in DISKLESS_KINDS:
        return Readiness(wiped=True, imaged=True, problems=())
    since = "since it last came back" if asset.cycle else "since it was registered"
    problems: list[str] = []
    wipe = _latest_wipe(session, asset)
    wiped = wipe is not None and wipe.result == "passed" and wipe.finished_at is not None
    if wipe is None:
        problems.append(f"no wipe recorded {since}: wipe it on the bench (assetctl bench wipe)")
    elif not wiped:
        problems.append(
            f"its last wipe ({wipe.started_at:%Y-%m-%d %H:%M} UTC) {wipe.result}: wipe it again"
        )
    imaged = False
    if wiped:
        assert wipe is not None and wipe.finished_at is not None
        imaging = session.exec(
            select(ImagingRun)
            .where(
                ImagingRun.asset_id == asset.id,
                ImagingRun.cycle == asset.cycle,
                col(ImagingRun.started_at) >= wipe.finished_at,
            )
            .order_by(col(ImagingRun.started_at).desc(), col(ImagingRun.id).desc())
            .limit(1)
        ).first()
        imaged = imaging is not None and imaging.result == "passed"
        if imaging is None:
            problems.append(
                "no passed imaging recorded after its last wipe: image it (assetctl bench deploy)"
            )
        elif not imaged:
            problems.append(
                f"its last imaging or verification ({imaging.started_at:%Y-%m-%d %H:%M} UTC) "
                f"{imaging.result}: deploy it again (assetctl bench deploy)"
            )
    else:
        problems.append("it must be imaged after a passed wipe")
    return Readiness(wiped=wiped, imaged=imaged, problems=tuple(problems))


def check_transition(
    session: Session,
    asset: Asset,
    target: Status,
    disposal: str | None = None,
    contract: str | None = None,
) -> None:
    """Raise :class:`TransitionError` unless ``asset`` may move to ``target`` now.

    ``contract`` names the family contract behind a move to or from a family; without it,
    such moves are refused (they go through allocate, contract sign, returns)."""
    current = Status(asset.status)
    if target == current:
        raise TransitionError(f"{asset.tag} is already {current.value}")
    if asset.kind in DISKLESS_KINDS and target == S.READY and current in DISKLESS_TO_READY:
        return  # nothing to wipe or image: reset to factory settings, said in the reason
    with_family = target in CONTRACT_ONLY or current in CONTRACT_ONLY
    if with_family and contract is None and target in TRANSITIONS[current]:
        raise TransitionError(
            f"{asset.tag} goes from {current.value} to {target.value} only through its family "
            "contract: `assetctl allocate`, `contract sign`, `contract cancel`, "
            "`scan --mode return` or `contract lost`"
        )
    allowed = TRANSITIONS[current]
    if target not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "none (final status)"
        raise TransitionError(
            f"{asset.tag} cannot go from {current.value} to {target.value}; "
            f"from {current.value} it can go to: {options}"
        )
    if target == S.RETIRED:
        if disposal not in DISPOSAL_REASONS:
            raise TransitionError(
                f"retiring {asset.tag} needs a disposal reason: {', '.join(DISPOSAL_REASONS)}"
            )
        if disposal in REUSE_DISPOSALS:  # it leaves the city's hands with its disks
            state = readiness(session, asset)
            if not state.wiped:
                raise TransitionError(
                    f"{asset.tag} cannot be {disposal}: its disks must be wiped first "
                    f"({state.problems[0]})"
                )
    if target == S.WIPED:
        state = readiness(session, asset)
        if not state.wiped:
            raise TransitionError(f"{asset.tag} cannot be marked wiped: {state.problems[0]}")
    if target in FAMILY_STATUSES:
        state = readiness(session, asset)
        if not state.ok:
            raise TransitionError(
                f"{asset.tag} may not go to a family ({target.value}): " + "; ".join(state.problems)
            )


def record_event(
    session: Session,
    asset: Asset,
    *,
    actor: str,
    action: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    at: datetime | None = None,
) -> AssetEvent:
    """Append one line to the device's history (and bump its version and update time).

    A reason longer than its column (what a person types is refused before: cli.params'
    HISTORY_TEXT) comes from a machine's message: cut with an ellipsis, the event recorded."""
    now = at or utcnow()
    if reason is not None and len(reason) > REASON_MAX:
        reason = reason[: REASON_MAX - 1] + "…"
    if asset.id is None:
        session.add(asset)
        session.flush()
    else:
        asset.updated_at = now  # the UPDATE carries the version check
        session.add(asset)
    assert asset.id is not None
    event = AssetEvent(
        asset_id=asset.id,
        at=now,
        actor=actor,
        action=action,
        reason=reason,
        details=details,
        from_status=from_status,
        to_status=to_status,
    )
    session.add(event)
    session.flush()
    return event


def change_status(
    session: Session,
    asset: Asset,
    target: Status | str,
    *,
    actor: str,
    reason: str | None,
    disposal: str | None = None,
    details: dict[str, Any] | None = None,
    contract: str | None = None,
) -> AssetEvent:
    """Move ``asset`` to ``target`` if the rules allow it, and record why."""
    target = parse_status(target) if isinstance(target, str) else target
    check_transition(session, asset, target, disposal, contract)
    previous = asset.status
    asset.status = target.value
    if target == S.RETURNED:
        asset.cycle += 1  # the previous wipe and image no longer count
    if target == S.RETIRED:
        asset.disposal = disposal
    event_details = dict(details or {})
    if contract:
        event_details["contract"] = contract
    if disposal:
        event_details["disposal"] = disposal
    return record_event(
        session,
        asset,
        actor=actor,
        action="status",
        reason=reason,
        details=event_details or None,
        from_status=previous,
        to_status=target.value,
    )


def record_events_bulk(
    session: Session,
    assets: list[Asset],
    *,
    actor: str,
    action: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Append the same event to many devices' histories in one statement.

    For what happens *to* a device without changing it (a label printed): the device's row
    and version stay as they are, so a concurrent edit is not refused because of it.
    """
    from sqlalchemy import insert

    now = utcnow()
    rows = [
        {
            "asset_id": asset.id,
            "at": now,
            "actor": actor,
            "action": action,
            "from_status": None,
            "to_status": None,
            "reason": None,
            "details": details,
        }
        for asset in assets
    ]
    if rows:
        session.execute(insert(AssetEvent), rows)


WIPEABLE = frozenset({S.RECEIVED, S.WIPED, S.READY, S.RETURNED, S.REPAIR})


def check_wipeable(asset: Asset) -> None:
    """Only a device in our hands may be wiped (not one a family has)."""
    if Status(asset.status) not in WIPEABLE:
        raise TransitionError(
            f"{asset.tag} is {asset.status}: only a device in the DSI's hands "
            f"({', '.join(sorted(s.value for s in WIPEABLE))}) may be wiped"
        )


def after_wipe(session: Session, asset: Asset, *, passed: bool, actor: str, reason: str) -> None:
    """Move a device after a wipe was recorded: to wiped if it passed; back to received if
    it failed while the device counted as wiped (its records and status must agree)."""
    current = Status(asset.status)
    if passed and current != S.WIPED:
        change_status(session, asset, S.WIPED, actor=actor, reason=reason)
    elif not passed and current in (S.WIPED, S.READY):
        change_status(session, asset, S.RECEIVED, actor=actor, reason=reason)
