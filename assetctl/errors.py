"""Typed errors raised by the domain layer.

Every message says what was wrong, with which value, and what to do; the CLI prints it as
``Error: <message>`` and exits with code 1. Anything else that escapes is a bug and keeps its
traceback.
"""

from __future__ import annotations


class AssetctlError(Exception):
    """Base class of every error a user can act on."""

    exit_code = 1


class ConfigError(AssetctlError):
    """The configuration file or an environment setting is wrong."""


class DatabaseError(AssetctlError):
    """The database cannot be reached, or its schema is not the one this version expects."""


class NotFoundError(AssetctlError):
    """A tag, serial or reference matches nothing."""


class ValidationError(AssetctlError):
    """A value given by the user is malformed or out of range."""


class DuplicateError(AssetctlError):
    """The value must be unique and is already in use."""


class TransitionError(AssetctlError):
    """A lifecycle rule forbids the requested status change."""


class ConflictError(AssetctlError):
    """Somebody else changed the same record at the same time."""


class RowError:
    """One bad row of an import: its line number in the file and what was wrong."""

    __slots__ = ("line", "message")

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportRowsError(AssetctlError):
    """An import file has bad rows; nothing was imported."""

    def __init__(self, source: str, rows: list[RowError]) -> None:
        self.rows = rows
        shown = "\n".join(f"  {row}" for row in rows[:50])
        more = f"\n  ... and {len(rows) - 50} more" if len(rows) > 50 else ""
        super().__init__(
            f"{source}: {len(rows)} bad row(s); nothing was imported. "
            f"Fix these rows and run the import again:\n{shown}{more}"
        )


class PrinterError(AssetctlError):
    """The print system refused or failed the job."""


class AccessDeniedError(AssetctlError):
    """The operator's role does not allow this (personal data, staff roles, purges)."""
