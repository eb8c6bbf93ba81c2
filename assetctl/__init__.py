"""assetctl: IT asset lifecycle and provisioning for a family digital-equipment programme."""

__version__ = "0.1.0"
