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
