"""The allocation committee: sessions, the agenda of pending recommendations, decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from assetctl.access import Actor, Permission, log_access
from assetctl.config import Settings
from assetctl.errors import NotFoundError, ValidationError
from assetctl.households import equipment as recommended_equipment
from assetctl.households import sealed
from assetctl.households.contacts import note_contact
from assetctl.households.registry import latest_of_household
from assetctl.models.families import CommitteeSession, Decision, Household, Recommendation
from assetctl.vocabulary import Contact, Mode, Outcome, parse

EQUIPMENT = ("desktop", "laptop", "printer", "internet")
FINAL = frozenset({Outcome.APPROVED, Outcome.REJECTED})


def parse_mode(text: str) -> str:
    return parse(Mode, text, "contract mode").value


def open_session(
    session: Session,
    settings: Settings,
    actor: Actor,
    held_on: date,
    members: list[str],
    place: str | None = None,
) -> CommitteeSession:
    actor.require(Permission.COMMITTEE)
    members = [m.strip() for m in members if m.strip()]
    if not members:
        raise ValidationError("a committee session needs its members (--member, one or more)")
    sitting = CommitteeSession(
        held_on=held_on,
        place=place,
        members=members,
        criteria=list(settings.programme.criteria),
        created_by=actor.name,
    )
    session.add(sitting)
    session.flush()
    return sitting


def get_session(session: Session, number: int) -> CommitteeSession:
    sitting = session.get(CommitteeSession, number)
    if sitting is None:
        raise NotFoundError(f"no committee session {number}: see `assetctl committee sessions`")
    return sitting


def latest_recommendation(session: Session, household: Household) -> Recommendation | None:
    return session.exec(
        select(Recommendation)
        .where(Recommendation.household_id == household.id)
        .order_by(col(Recommendation.at).desc(), col(Recommendation.id).desc())
    ).first()


def latest_decision(session: Session, household_id: int | None) -> Decision | None:
    return session.exec(
        select(Decision)
        .where(Decision.household_id == household_id)
        .order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
    ).first()


def agenda(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Households with a recommendation and no final decision since it (deferred ones too).
    One query: each household's latest recommendation and latest decision, filtered there."""
    actor.require(Permission.COMMITTEE)
    query = (
        select(Household, Recommendation, Decision)
        .join(
            Recommendation,
            col(Recommendation.id)
            == latest_of_household(Recommendation, col(Recommendation.at), col(Recommendation.id)),
        )
        .outerjoin(
            Decision,
            col(Decision.id)
            == latest_of_household(Decision, col(Decision.decided_at), col(Decision.id)),
        )
        .where(
            col(Household.purged_at).is_(None),
            or_(
                col(Decision.id).is_(None),
                col(Decision.outcome).not_in([o.value for o in FINAL]),
                col(Decision.decided_at) < col(Recommendation.at),
            ),
        )
        .order_by(col(Household.ref))
    )
    rows = []
    for household, rec, decision in session.exec(query).all():
        rows.append(
            {
                "ref": household.ref,
                "qpv": household.qpv,
                "school": household.school,
                "recommended": ",".join(recommended_equipment(rec)) or "nothing",
                "reasons": "; ".join(f"{i['item']}: {i['reason']}" for i in rec.items),
                "can_pay": household.can_pay,
                "previous": decision.outcome if decision else "",
            }
        )
    return rows


@dataclass(frozen=True)
class DecisionInput:
    outcome: str
    equipment: list[str] | None = None
    mode: str | None = None
    term_months: int | None = None
    monthly_fee_cents: int | None = None
    programme_share_cents: int | None = None
    criteria_met: tuple[int, ...] = ()
    rationale: str | None = None


def decide(
    session: Session,
    settings: Settings,
    actor: Actor,
    sitting: CommitteeSession,
    household: Household,
    given: DecisionInput,
) -> Decision:
    """Record the committee's decision on a household, checked against its criteria."""
    actor.require(Permission.COMMITTEE)
    if household.purged_at is not None:
        raise ValidationError(f"household {household.ref} was anonymised; it cannot be decided on")
    outcome = parse(Outcome, given.outcome, "outcome")
    rec = latest_recommendation(session, household)
    if rec is None:
        raise ValidationError(
            f"household {household.ref} has no recommendation yet: run "
            f"`assetctl household recommend {household.ref}` first"
        )
    previous = latest_decision(session, household.id)
    if previous is not None and previous.outcome in FINAL and previous.decided_at >= rec.at:
        raise ValidationError(
            f"household {household.ref} was already {previous.outcome} (session "
            f"{previous.session_id}); a new decision needs a new recommendation"
        )
    count = len(sitting.criteria)
    bad = [n for n in given.criteria_met if not 1 <= n <= count]
    if bad:
        raise ValidationError(
            f"criterion number(s) {', '.join(map(str, bad))} do not exist: this session has "
            f"{count} criteria (1 to {count})"
        )
    met = sorted(set(given.criteria_met))
    rationale = (given.rationale or "").strip() or None
    values: dict[str, Any] = {}
    if outcome == Outcome.APPROVED:
        unmet = [n for n in range(1, count + 1) if n not in met]
        if unmet and settings.programme.approval_needs_all_criteria:
            raise ValidationError(
                "an approval needs every criterion met; not met: "
                + "; ".join(f"{n}. {sitting.criteria[n - 1]}" for n in unmet)
                + ". Record --criterion N for each one met, or reject or defer"
            )
        kit = given.equipment or recommended_equipment(rec)
        unknown = [e for e in kit if e not in EQUIPMENT]
        if unknown:
            raise ValidationError(
                f"equipment {', '.join(unknown)} is not one of: {', '.join(EQUIPMENT)}"
            )
        if not kit:
            raise ValidationError("an approval needs equipment (--equipment desktop,printer)")
        mode = given.mode or "loan"
        values = {"equipment": list(dict.fromkeys(kit)), "mode": mode}
        programme = settings.programme
        if mode == "gift":
            if given.term_months or given.monthly_fee_cents:
                raise ValidationError("a gift has no term and no fee")
        else:
            term = given.term_months or (
                programme.loan_months if mode == "loan" else programme.rental_months
            )
            if not 1 <= term <= 120:
                raise ValidationError("the term must be between 1 and 120 months")
            values["term_months"] = term
        if mode == "rental":
            fee = (
                programme.rental_fee_cents
                if given.monthly_fee_cents is None
                else given.monthly_fee_cents
            )
            share = (
                min(programme.programme_share_cents, fee)
                if given.programme_share_cents is None
                else given.programme_share_cents
            )
            if share > fee:
                raise ValidationError(
                    f"the programme's share ({share / 100:.2f} €) exceeds the monthly fee "
                    f"({fee / 100:.2f} €)"
                )
            values.update(monthly_fee_cents=fee, programme_share_cents=share)
        elif given.monthly_fee_cents is not None or given.programme_share_cents is not None:
            raise ValidationError("only a rental has a monthly fee and a programme share")
    else:
        if given.equipment or given.mode:
            raise ValidationError(f"a {outcome} decision takes no equipment and no mode")
        if not rationale:
            raise ValidationError(f"a {outcome} decision needs its rationale (--rationale)")
    assert household.id is not None and sitting.id is not None
    decision = Decision(
        session_id=sitting.id,
        household_id=household.id,
        recommendation_id=rec.id,
        outcome=outcome.value,
        criteria_met=met,
        decided_by=actor.name,
        **values,
    )
    session.add(decision)
    session.flush()
    note_contact(session, household.id, Contact.DECISION)  # notified to the family
    if rationale:
        assert decision.id is not None
        sealed.store_rationale(session, decision.id, rationale)
        log_access(session, actor, "decide", household, ["rationale"])
    session.flush()
    return decision


def session_decisions(
    session: Session, sitting: CommitteeSession
) -> list[tuple[Decision, Household]]:
    return list(
        session.exec(
            select(Decision, Household)
            .where(Decision.session_id == sitting.id, Decision.household_id == Household.id)
            .order_by(col(Household.ref))
        ).all()
    )


def sessions(session: Session, actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.COMMITTEE)
    rows = []
    for sitting in session.exec(
        select(CommitteeSession).order_by(col(CommitteeSession.held_on))
    ).all():
        decisions = session_decisions(session, sitting)
        rows.append(
            {
                "session": sitting.id,
                "held_on": sitting.held_on.isoformat(),
                "place": sitting.place,
                "members": len(sitting.members),
                "decisions": len(decisions),
                "approved": sum(d.outcome == "approved" for d, _ in decisions),
            }
        )
    return rows


def minutes_record(
    session: Session, settings: Settings, actor: Actor, sitting: CommitteeSession
) -> dict[str, Any]:
    """What the minutes say: households by reference, with the rationale (logged access)."""
    actor.require(Permission.DOCUMENTS)
    decisions = []
    for decision, household in session_decisions(session, sitting):
        rationale = sealed.load_rationale(session, actor, decision.id or 0)
        decisions.append(
            {
                "ref": household.ref,
                "qpv": household.qpv,
                "outcome": decision.outcome,
                "equipment": decision.equipment or [],
                "mode": decision.mode,
                "term_months": decision.term_months,
                "monthly_fee_cents": decision.monthly_fee_cents,
                "programme_share_cents": decision.programme_share_cents,
                "criteria_met": decision.criteria_met,
                "rationale": rationale,
            }
        )
        if rationale:
            log_access(session, actor, "print minutes", household, ["rationale"])
    session.flush()
    return {
        "session": sitting.id,
        "held_on": sitting.held_on,
        "place": sitting.place,
        "members": sitting.members,
        "criteria": sitting.criteria,
        "decisions": decisions,
        "counts": {o.value: sum(d["outcome"] == o for d in decisions) for o in Outcome},
        "organisation": settings.organisation,
    }
