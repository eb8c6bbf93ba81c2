"""The family's last contact with the programme, from which the retention of its personal data
runs (CNIL's reference for social support files: two years from the last contact in the active
base; ``[households] purge_after_months``, 24 by default).

A contact is what involves the family itself (:class:`~assetctl.vocabulary.Contact`): the
diagnostic or an update of its form, the committee's decision, a contract's delivery, signature,
renewal, return or cancellation, a payment, a training attended, or a call, visit or message a
caseworker records (`household contact`). Staff reading or printing a file, an allocation or a
report is not a contact. The moment only moves forward, by one UPDATE that needs no lock on the
household (two benches at once do not conflict).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import update
from sqlmodel import Session, col

from assetctl.access import Actor, Permission, log_access
from assetctl.errors import ValidationError
from assetctl.models import Household
from assetctl.models.types import utcnow
from assetctl.vocabulary import RECORDED_CONTACTS, Contact


def moment(on: date | datetime | None) -> datetime:
    """A contact's moment: now (for today too), a timestamp, or noon UTC of an earlier day (a
    signature dated a week ago)."""
    if isinstance(on, datetime):
        return on if on.tzinfo else on.replace(tzinfo=UTC)
    if on is None or on >= date.today():
        return utcnow()
    return datetime.combine(on, time(12), tzinfo=UTC)


def note_contact(
    session: Session, household_id: int, how: Contact, on: date | datetime | None = None
) -> None:
    """The family was in touch (``how``, at ``on``, default now): its last contact moves to
    that moment if it is later than the one recorded."""
    when = moment(on)
    session.execute(
        update(Household)
        .where(col(Household.id) == household_id, col(Household.last_contact_at) < when)
        .values(last_contact_at=when, last_contact=how.value)
        .execution_options(synchronize_session="fetch")
    )


def record_contact(
    session: Session, actor: Actor, household: Household, how: Contact, on: date | None = None
) -> None:
    """A call, visit or message with the family, recorded by a caseworker (logged)."""
    actor.require(Permission.PERSONAL_DATA)
    if household.purged_at is not None:
        raise ValidationError(f"household {household.ref} was anonymised")
    if how not in RECORDED_CONTACTS:
        raise ValidationError(
            f"a contact recorded by hand is one of: {', '.join(RECORDED_CONTACTS)}; "
            f"{how} is recorded by its own command"
        )
    if on is not None and on > date.today():
        raise ValidationError(f"{on.isoformat()} is in the future: a contact is recorded after it")
    assert household.id is not None
    note_contact(session, household.id, how, on)
    log_access(session, actor, "contact", household, [], how.value)
