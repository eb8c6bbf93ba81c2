"""Shipped data files (see assetctl.resources); not code."""
