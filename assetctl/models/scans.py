"""Pre-printed label reservations and shelf audits."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from assetctl.models.types import UTCDateTime, utcnow


class TagReservation(SQLModel, table=True):
    """A tag issued on a pre-printed label before its device was registered."""

    __tablename__ = "tag_reservation"

    tag: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=16)
    reserved_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reserved_by: str = Field(max_length=64)
    asset_id: int | None = Field(default=None, foreign_key="asset.id", index=True)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Audit(SQLModel, table=True):
    """An inventory of one place with the scanner: what was expected, found, missing."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    location: str = Field(max_length=64, index=True)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    operator: str = Field(max_length=64)
    expected: int = 0
    found: int = 0
    missing: int = 0
    misplaced: int = 0
    unknown: int = 0


class AuditItem(SQLModel, table=True):
    __tablename__ = "audit_item"

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    outcome: str = Field(max_length=16)  # found, misplaced, missing, unknown
    code: str = Field(max_length=200)
    asset_id: int | None = Field(default=None, foreign_key="asset.id")
    recorded_location: str | None = Field(default=None, max_length=64)
