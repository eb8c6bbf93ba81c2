"""What the bench did to a device: wipes and imagings, one row per attempt.

The lifecycle guard reads these: a device may go to a family only with a passed wipe and a
later passed imaging in its current cycle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
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


class ImagingRun(BenchRun, table=True):
    __tablename__ = "imaging_run"

    profile: str | None = Field(default=None, max_length=64)
    image_sha256: str | None = Field(default=None, max_length=64)
