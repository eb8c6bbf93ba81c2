"""Sending a PDF to a CUPS queue with ``lp``."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from assetctl.errors import PrinterError


@dataclass(frozen=True)
class PrintJob:
    printer: str
    job_id: str


def send_to_printer(path: Path, printer: str, *, title: str, media: str | None = None) -> PrintJob:
    """Queue ``path`` on ``printer``, at 100 % scale (a scaled sheet misses its labels)."""
    lp = shutil.which("lp")
    if lp is None:
        raise PrinterError(
            "`lp` is not installed: install CUPS (apt-get install cups-client), "
            "or write a PDF with -o FILE.pdf"
        )
    command = [lp, "-d", printer, "-t", title, "-o", "print-scaling=none"]
    if media:
        command += ["-o", f"media={media}"]
    command.append(str(path))
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise PrinterError(
            f"CUPS did not answer within 60 s for printer {printer!r}; is cupsd running?"
        ) from None
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip() or f"lp exited {done.returncode}"
        raise PrinterError(
            f"printer {printer!r} refused the job: {message} (`lpstat -p` lists the printers)"
        )
    match = re.search(r"request id is (\S+)", done.stdout)
    return PrintJob(printer=printer, job_id=match.group(1) if match else "?")


def check_printer(printer: str) -> None:
    """Fail before rendering when CUPS does not know the printer."""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        raise PrinterError(
            "`lpstat` is not installed: install CUPS (apt-get install "
            "cups-client), or write a PDF with -o FILE.pdf"
        )
    try:
        done = subprocess.run([lpstat, "-p", printer], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        raise PrinterError("CUPS did not answer within 30 s; is cupsd running?") from None
    if done.returncode != 0:
        known = subprocess.run([lpstat, "-e"], capture_output=True, text=True, timeout=30)
        names = ", ".join(known.stdout.split()) or "none"
        raise PrinterError(f"CUPS has no printer {printer!r}; printers: {names}")
