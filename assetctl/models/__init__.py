"""SQLModel tables, one module per domain.

The registry's and the bench's tables load with this package; the others (label reservations,
audits, the family side) on first use, so that one-shot commands do not pay for tables they
never touch.
Migrations and the drift test call :func:`load_all` for the complete metadata.
"""

from importlib import import_module
from typing import Any

from sqlmodel import SQLModel

from assetctl.models.assets import Asset, AssetEvent, Disk, TagSequence
from assetctl.models.bench import DeviceCredential, DiskWipe, ImagingRun, WipeRun

metadata = SQLModel.metadata

_LAZY = {
    "Audit": "assetctl.models.scans",
    "AuditItem": "assetctl.models.scans",
    "TagReservation": "assetctl.models.scans",
    "AccessLog": "assetctl.models.families",
    "CensusTarget": "assetctl.models.families",
    "CommitteeSession": "assetctl.models.families",
    "Contract": "assetctl.models.families",
    "ContractEvent": "assetctl.models.families",
    "ContractLine": "assetctl.models.families",
    "Decision": "assetctl.models.families",
    "DecisionRationale": "assetctl.models.families",
    "Household": "assetctl.models.families",
    "HouseholdPersonal": "assetctl.models.families",
    "ProgrammeKey": "assetctl.models.families",
    "Payment": "assetctl.models.families",
    "Recommendation": "assetctl.models.families",
    "Staff": "assetctl.models.families",
    "TrainingAttendance": "assetctl.models.families",
    "TrainingSession": "assetctl.models.families",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_all() -> Any:
    """Import every model module; returns the complete metadata."""
    for module in set(_LAZY.values()):
        import_module(module)
    return metadata


__all__ = [
    "AccessLog",
    "Asset",
    "AssetEvent",
    "Audit",
    "AuditItem",
    "CensusTarget",
    "CommitteeSession",
    "Contract",
    "ContractEvent",
    "ContractLine",
    "Decision",
    "DecisionRationale",
    "DeviceCredential",
    "Disk",
    "DiskWipe",
    "Household",
    "HouseholdPersonal",
    "ImagingRun",
    "Payment",
    "ProgrammeKey",
    "Recommendation",
    "Staff",
    "TagReservation",
    "TagSequence",
    "TrainingAttendance",
    "TrainingSession",
    "WipeRun",
    "load_all",
    "metadata",
]
