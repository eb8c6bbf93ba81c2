"""What happens when assetctl meets a bug: the traceback goes to a log file (mode 0600, in the
data folder), the user reads one line saying so, and what to send to the developers."""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path


def crash_dir() -> Path:
    from assetctl.config import data_dir

    return data_dir() / "logs"


def report_bug(exc: BaseException) -> str:
    """Write the traceback of ``exc`` to a new log file; return the message for the user."""
    import sys

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    text = "".join(traceback.format_exception(exc))
    header = f"assetctl {_version()} {' '.join(sys.argv[1:2])}: {type(exc).__name__}\n"
    where = "it could not be written"
    try:
        folder = crash_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"crash-{stamp}-{os.getpid()}.log"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(header + text)
        where = str(path)
    except OSError as error:
        where = f"it could not be written ({error.strerror}); here it is:\n{text}"
    return (
        f"this is a bug in assetctl ({type(exc).__name__}); the database change in "
        f"progress, if any, was not saved. Please report it with the traceback, which is in {where}"
    )


def _version() -> str:
    from assetctl import __version__

    return __version__
