"""The family side: staff roles, households, the committee, contracts, trainings, and the log
of every access to personal data.

Personal data (GDPR) lives apart, in the tables listed in ``PERSONAL``, and only sealed with
the programme's public key (:mod:`assetctl.sealing`): a household's fields and children in
``household_personal``, a decision's rationale in ``decision_rationale``. Everything else about
a household is an anonymous fact that reports keep after a purge. A purge deletes the personal
rows and stamps ``purged_at``. On PostgreSQL the technician role has no SELECT on these tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from assetctl.models.types import UTCDateTime, utcnow

_household_version = Column("version", Integer, nullable=False)
_contract_version = Column("version", Integer, nullable=False)


class Staff(SQLModel, table=True):
    """Who may do what: an operator name and its role (technician, caseworker, admin)."""

    __tablename__ = "staff"

    name: str = Field(primary_key=True, max_length=64)
    role: str = Field(max_length=16)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    added_by: str = Field(max_length=64)


class AccessLog(SQLModel, table=True):
    """One read or change of personal data: who, when, what (field names, never values)."""

    __tablename__ = "access_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=64)
    role: str = Field(max_length=16)
    action: str = Field(max_length=32)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    fields: list[str] | None = Field(default=None, sa_type=JSON)
    purpose: str | None = Field(default=None, max_length=200)


class ProgrammeKey(SQLModel, table=True):
    """The programme's public key (one row): what every bench seals personal data with."""

    __tablename__ = "programme_key"

    id: int = Field(default=1, primary_key=True)
    public_key: str = Field(max_length=64)
    fingerprint: str = Field(max_length=19)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)


class HouseholdPersonal(SQLModel, table=True):
    """A household's personal fields and children, sealed together (one JSON object)."""

    __tablename__ = "household_personal"

    household_id: int = Field(
        sa_column=Column(Integer, ForeignKey("household.id", ondelete="CASCADE"), primary_key=True)
    )
    sealed: str = Field(sa_type=Text)
    key_fingerprint: str = Field(max_length=19)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DecisionRationale(SQLModel, table=True):
    """Why the committee decided as it did (it may describe the family): sealed."""

    __tablename__ = "decision_rationale"

    decision_id: int = Field(
        sa_column=Column(Integer, ForeignKey("decision.id", ondelete="CASCADE"), primary_key=True)
    )
    sealed: str = Field(sa_type=Text)


class Household(SQLModel, table=True):
    """A family, as the diagnostic form describes it (its personal data: ``HouseholdPersonal``)."""

    __tablename__ = "household"
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _household_version}

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=32, unique=True, index=True)
    # anonymous facts (kept after a purge, for the programme's reports)
    children_count: int = 0
    qpv: str = Field(max_length=64, index=True)
    school: str | None = Field(default=None, max_length=128, index=True)
    class_name: str | None = Field(default=None, max_length=32)
    adults: int | None = None
    digital_need: bool | None = None
    computers: int | None = None
    computers_working: int | None = None
    computer_type: str | None = Field(default=None, max_length=64)
    printer: str | None = Field(default=None, max_length=16)
    tablets: int | None = None
    tablets_usable: int | None = None
    smartphones: int | None = None
    smartphones_usable: int | None = None
    internet: str | None = Field(default=None, max_length=16)
    can_pay: str | None = Field(default=None, max_length=16)
    can_install: str | None = Field(default=None, max_length=16)
    can_use: str | None = Field(default=None, max_length=16)
    training: str | None = Field(default=None, max_length=16)
    # none_as_null: an empty list is SQL NULL, not the JSON value null
    requested: list[str] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    diagnosed_on: date | None = None
    caseworker: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # the family's last contact with the programme (vocabulary.Contact): the retention of its
    # personal data runs from it (households.contacts)
    last_contact_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    last_contact: str = Field(default="form", max_length=16)
    purged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_household_version)


class Recommendation(SQLModel, table=True):
    """Equipment proposed for a household by the programme's rule, with its reasons."""

    __tablename__ = "recommendation"

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    by: str = Field(max_length=64)
    as_of: date
    items: list[dict[str, Any]] = Field(sa_type=JSON)
    rule: dict[str, Any] = Field(sa_type=JSON)


class CommitteeSession(SQLModel, table=True):
    """A sitting of the allocation committee, with the criteria in force that day."""

    __tablename__ = "committee_session"

    id: int | None = Field(default=None, primary_key=True)
    held_on: date = Field(index=True)
    place: str | None = Field(default=None, max_length=128)
    members: list[str] = Field(sa_type=JSON)
    criteria: list[str] = Field(sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)


class Decision(SQLModel, table=True):
    """The committee's decision on one household."""

    __tablename__ = "decision"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="committee_session.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    recommendation_id: int | None = Field(default=None, foreign_key="recommendation.id")
    outcome: str = Field(max_length=16)  # approved, rejected, deferred
    equipment: list[str] | None = Field(default=None, sa_type=JSON)
    mode: str | None = Field(default=None, max_length=16)  # gift, loan, rental
    term_months: int | None = None
    monthly_fee_cents: int | None = None
    programme_share_cents: int | None = None
    criteria_met: list[int] = Field(default_factory=list, sa_type=JSON)
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: str = Field(max_length=64)


class Contract(SQLModel, table=True):
    """A gift, loan or rental of devices (and services) to one household."""

    __tablename__ = "contract"
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _contract_version}

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True, index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    decision_id: int | None = Field(default=None, foreign_key="decision.id")
    mode: str = Field(max_length=16)
    status: str = Field(default="draft", max_length=16, index=True)
    term_months: int | None = None
    start_date: date | None = None
    end_date: date | None = Field(default=None, index=True)
    monthly_fee_cents: int | None = None
    programme_share_cents: int | None = None
    delivery_mode: str | None = Field(default=None, max_length=16)  # home, point
    delivery_date: date | None = None
    delivery_place: str | None = Field(default=None, max_length=128)
    delivery_staff: str | None = Field(default=None, max_length=128)
    installation: bool = False
    renewals: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    version: int = Field(default=1, sa_column=_contract_version)


class ContractLine(SQLModel, table=True):
    """One thing a contract covers: a device, internet access support, or supplies."""

    __tablename__ = "contract_line"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    line_type: str = Field(max_length=16)  # device, internet, supplies
    asset_id: int | None = Field(default=None, foreign_key="asset.id", index=True)
    kind: str | None = Field(default=None, max_length=16)
    status: str = Field(max_length=16)
    condition: str | None = Field(default=None, max_length=32)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=300)
    internet_type: str | None = Field(default=None, max_length=32)
    monthly_cents: int | None = None
    note: str | None = Field(default=None, max_length=500)


class ContractEvent(SQLModel, table=True):
    """One line of a contract's history. Rows are only ever appended."""

    __tablename__ = "contract_event"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=32)
    details: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class Payment(SQLModel, table=True):
    """A rental fee paid, by the family or by the programme, for one month."""

    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("contract_id", "period", "payer"),)

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    period: str = Field(max_length=7)  # YYYY-MM
    payer: str = Field(max_length=16)  # family, programme
    amount_cents: int
    paid_on: date
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_by: str = Field(max_length=64)


class TrainingSession(SQLModel, table=True):
    """A training or support session offered to families."""

    __tablename__ = "training_session"

    id: int | None = Field(default=None, primary_key=True)
    held_on: date = Field(index=True)
    topic: str = Field(max_length=200)
    place: str | None = Field(default=None, max_length=128)
    created_by: str = Field(max_length=64)


class TrainingAttendance(SQLModel, table=True):
    """A household's place in a training session: offered, attended or absent."""

    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("session_id", "household_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    status: str = Field(max_length=16)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: str = Field(max_length=64)


class CensusTarget(SQLModel, table=True):
    """Planned households per school, from a census (the programme's targets)."""

    __tablename__ = "census_target"
    __table_args__ = (UniqueConstraint("qpv", "school"),)

    id: int | None = Field(default=None, primary_key=True)
    qpv: str = Field(max_length=64, index=True)
    school: str = Field(max_length=128)
    school_level: str | None = Field(default=None, max_length=32)
    planned_households: int | None = None
    note: str | None = Field(default=None, max_length=200)
    source: str = Field(max_length=200)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    imported_by: str = Field(max_length=64)


# the tables of personal data (sealed): what a technician never reads, what a purge deletes
PERSONAL: tuple[str, ...] = ("household_personal", "decision_rationale")
