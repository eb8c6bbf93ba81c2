"""Files that hold personal data (contracts, handover sheets, committee minutes, GDPR exports):
readable by their owner only (0600), whether the file is new or replaces one."""

from __future__ import annotations

import os
from pathlib import Path

from assetctl.errors import ValidationError


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600, or empty an existing file and set it to 0600,
    before anything personal is written to it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
        finally:
            os.close(fd)
    except OSError as exc:
        raise ValidationError(f"cannot write {path}: {exc.strerror}") from None
    return path


# the data folder's parts that can hold personal data: the SQLite database (and its journal)
# and the crash logs (a traceback can quote a value)
PRIVATE_PARTS = ("logs",)
DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def tighten(folder: Path, database: Path | None) -> list[str]:
    """Make the data folder 0700 and the database's files 0600 where they were looser; returns
    a warning for each change (or for each one that could not be made)."""
    targets: list[tuple[Path, int]] = [(folder, 0o700)]
    targets += [(folder / part, 0o700) for part in PRIVATE_PARTS]
    if database is not None:
        targets.append((database.parent, 0o700))
        targets += [(database.with_name(database.name + s), 0o600) for s in DATABASE_SUFFIXES]
    warnings: list[str] = []
    seen: set[Path] = set()
    for path, mode in targets:
        if path in seen:
            continue
        seen.add(path)
        try:
            current = path.stat().st_mode & 0o777
        except OSError:
            continue  # not there (yet): it is created with the right mode
        if not current & 0o077:
            continue
        try:
            os.chmod(path, current & ~0o077 | (mode & 0o700))
        except OSError as exc:
            warnings.append(
                f"{path} can be read by other users (mode {current:04o}) and could not be "
                f"restricted ({exc.strerror}): run `chmod {mode:o} {path}` as its owner"
            )
            continue
        warnings.append(
            f"{path} could be read by other users (mode {current:04o}); it holds personal "
            f"data, so it is now {mode:04o}"
        )
    return warnings
