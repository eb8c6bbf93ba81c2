"""SQLModel tables, one module per domain. Importing this package registers them all."""

from sqlmodel import SQLModel

from assetctl.models.assets import Asset, AssetEvent, Disk, TagSequence
from assetctl.models.bench import ImagingRun, WipeRun

metadata = SQLModel.metadata

__all__ = ["Asset", "AssetEvent", "Disk", "ImagingRun", "TagSequence", "WipeRun", "metadata"]
