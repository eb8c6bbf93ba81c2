"""The asset registry: devices, their disks, their history and the tag counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from assetctl.models.types import UTCDateTime, utcnow

# SQLAlchemy's optimistic locking: every UPDATE of an asset says "WHERE version = <what I
# read>"; a concurrent change makes it match no row and the session raises StaleDataError,
# which the session scope turns into a ConflictError.
_asset_version = Column("version", Integer, nullable=False)


class Asset(SQLModel, table=True):
    __tablename__ = "asset"
    __table_args__ = (
        UniqueConstraint("manufacturer", "serial"),
        Index("ix_asset_kind_status", "kind", "status"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _asset_version}

    id: int | None = Field(default=None, primary_key=True)
    tag: str = Field(max_length=32, unique=True, index=True)
    kind: str = Field(max_length=16)
    manufacturer: str = Field(max_length=64)
    model: str = Field(max_length=128)
    serial: str | None = Field(default=None, max_length=64, index=True)
    origin: str = Field(max_length=16)
    acquired: date | None = None
    former_inventory: str | None = Field(default=None, max_length=64)
    order_ref: str | None = Field(default=None, max_length=64)
    supplier: str | None = Field(default=None, max_length=128)
    unit_price_cents: int | None = None  # excluding VAT, as procurement records it
    # purchased: new, or reused (bought refurbished or second-hand): the AGEC declaration
    purchase_condition: str | None = Field(default=None, max_length=16)
    # the city's own device: the day its fleet retired it (réforme), for the REEN count
    retired_on: date | None = None
    warranty_end: date | None = None
    cpu: str | None = Field(default=None, max_length=128)
    ram_mb: int | None = None
    battery_health: int | None = None
    notes: str | None = Field(default=None, max_length=2000)
    location: str = Field(default="bench", max_length=64, index=True)
    status: str = Field(default="received", max_length=16, index=True)
    disposal: str | None = Field(default=None, max_length=16)
    # Incremented each time the device comes back from a family: wipe and imaging records
    # belong to a cycle, and only the current cycle's records let it go to a family again.
    cycle: int = Field(default=0)
    version: int = Field(default=1, sa_column=_asset_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Disk(SQLModel, table=True):
    __tablename__ = "disk"

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("asset.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    model: str | None = Field(default=None, max_length=128)
    serial: str | None = Field(default=None, max_length=64)
    size_bytes: int | None = Field(default=None, sa_type=BigInteger)
    media_type: str = Field(default="unknown", max_length=16)


class AssetEvent(SQLModel, table=True):
    """One line of a device's history. Rows are only ever appended."""

    __tablename__ = "asset_event"
    # Status changes by time, for the counts of a past date (reports.counts --at): a partial,
    # covering index, so that reading the changes since a date touches nothing else.
    __table_args__ = (
        Index(
            "ix_asset_event_status_changes",
            "at",
            "asset_id",
            "id",
            "from_status",
            sqlite_where=text("to_status IS NOT NULL"),
            postgresql_where=text("to_status IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(
        sa_column=Column(Integer, ForeignKey("asset.id"), nullable=False, index=True)
    )
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, max_length=500)
    details: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class TagSequence(SQLModel, table=True):
    """The last number issued for each prefix and kind code: tags are never reused."""

    __tablename__ = "tag_sequence"

    prefix: str = Field(primary_key=True, max_length=10)
    kind_code: str = Field(primary_key=True, max_length=10)
    last_number: int = Field(default=0)
