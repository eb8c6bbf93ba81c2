"""Progress of long work (image builds, wipes, deployments, imports, labels, the report PDF),
on stderr: on a terminal one status line that redraws itself (a bar for counted work, the
elapsed time ticking during a long step); elsewhere plain lines, few enough for a log; nothing
with ``assetctl --quiet``. Results and errors are printed whatever the setting."""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

import click

from assetctl.safe_text import visible

BAR = 24  # characters of the bar


def _quiet() -> bool:
    context = click.get_current_context(silent=True)
    return bool(context and context.meta.get(QUIET))  # meta is shared down the command chain


QUIET = "assetctl.quiet"


def elapsed(seconds: float) -> str:
    """``8 s``, ``2 min 05 s``, ``1 h 02 min``."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class Progress:
    """``with Progress("image build") as progress:`` then ``progress.step(text)`` for each
    phase, ``progress.count(done, total, "labels")`` for counted work."""

    def __init__(self, title: str, stream: TextIO | None = None) -> None:
        self.title = title
        self.stream = stream or sys.stderr
        self.quiet = _quiet()
        self.live = not self.quiet and self.stream.isatty()
        self.started = time.monotonic()
        self._status = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._last_tenth = 0

    def __enter__(self) -> Progress:
        if self.live:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2)
        with self._lock:
            self._clear()
        if not self.quiet and kind is None:
            self._line(f"{self.title}: done in {elapsed(time.monotonic() - self.started)}")

    def step(self, message: str) -> None:
        """A phase begins (or a machine's state changes): a line that stays."""
        if self.quiet:
            return
        with self._lock:
            self._clear()
            self._line(f"  {message}")
            self._status = message
            self._draw()

    def status(self, message: str) -> None:
        """What is going on now (a playbook's task): on a terminal only, redrawn in place."""
        if self.live:
            with self._lock:
                self._status = message
                self._draw()

    def count(self, done: int, total: int, what: str) -> None:
        """Counted work: a bar on a terminal; a line per tenth elsewhere."""
        if self.quiet or total <= 0:
            return
        if self.live:
            filled = BAR * done // total
            with self._lock:
                self._status = f"[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total} {what}"
                self._draw()
            return
        tenth = 10 * done // total
        if tenth != self._last_tenth or done == total:
            self._last_tenth = tenth
            self._line(f"  {done}/{total} {what}")

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                self._draw()

    def _draw(self) -> None:
        if not self.live:
            return
        text = f"{self.title} ({elapsed(time.monotonic() - self.started)}) {self._status}"
        self.stream.write("\r\033[K" + visible(text)[:200])
        self.stream.flush()

    def _clear(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")

    def _line(self, text: str) -> None:
        self.stream.write(visible(text) + "\n")
        self.stream.flush()
