"""Fixtures of the command-line tests."""

from tests.family_helpers import programme

__all__ = ["programme"]
