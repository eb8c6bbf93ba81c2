"""What the bench did to a device: wipes and imagings, one row per attempt.

The lifecycle guard reads these: a device may go to a family only with a passed wipe and a
later passed imaging in its current cycle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from assetctl.models.types import UTCDateTime, utcnow

RESULTS = ("passed", "failed", "interrupted")


class BenchRun(SQLModel):
    """What every bench run records (not a table itself)."""

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", index=True)
    cycle: int
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    result: str = Field(max_length=16)
    operator: str = Field(max_length=64)
    bench_host: str | None = Field(default=None, max_length=128)
    details: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class WipeRun(BenchRun, table=True):
    __tablename__ = "wipe_run"

    method: str | None = Field(default=None, max_length=64)
    certificate_number: str | None = Field(default=None, max_length=32, unique=True)
    # the validation (NIST SP 800-88 Rev. 2): the person who accepted the result, and when
    validated_by: str | None = Field(default=None, max_length=64)
    validated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DiskWipe(SQLModel, table=True):
    """One disk's sanitisation: the record a certificate is made of (NIST SP 800-88, App. G)."""

    __tablename__ = "disk_wipe"

    id: int | None = Field(default=None, primary_key=True)
    wipe_run_id: int = Field(foreign_key="wipe_run.id", index=True)
    asset_id: int = Field(foreign_key="asset.id", index=True)
    device: str = Field(max_length=64)
    model: str | None = Field(default=None, max_length=128)
    serial: str | None = Field(default=None, max_length=64)
    size_bytes: int | None = Field(default=None, sa_type=BigInteger)
    media_type: str | None = Field(default=None, max_length=16)
    method: str | None = Field(default=None, max_length=64)
    nist_category: str | None = Field(default=None, max_length=16)
    tool: str | None = Field(default=None, max_length=64)
    verification: str | None = Field(default=None, max_length=128)
    verified: bool | None = None
    result: str = Field(max_length=16)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    bytes_written: int | None = Field(default=None, sa_type=BigInteger)
    bytes_verified: int | None = Field(default=None, sa_type=BigInteger)
    errors: list[str] | None = Field(default=None, sa_type=JSON)
    details: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class ImagingRun(BenchRun, table=True):
    __tablename__ = "imaging_run"

    profile: str | None = Field(default=None, max_length=64)
    image_sha256: str | None = Field(default=None, max_length=64)


class DeviceCredential(SQLModel, table=True):
    """An account's initial password on a deployed device, for the family's handover sheet.

    Written by the deployment sealed with the programme's public key, opened only to print the
    handover sheet, never logged, deleted when the contract is signed (the device asks for a new
    password at the first login anyway). Only the current cycle's credentials are valid: a
    return means a new wipe, image and passwords.
    """

    __tablename__ = "device_credential"
    __table_args__ = (UniqueConstraint("asset_id", "cycle", "account"),)

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", index=True)
    cycle: int
    account: str = Field(max_length=32)
    label: str | None = Field(default=None, max_length=64)
    sealed_secret: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
