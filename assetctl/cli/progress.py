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
from assetctl.ticker import Ticker

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
        self._ticker = Ticker(self._tick, 1.0, "progress-clock")
        self._last_tenth = 0
        # what each watched piece of work is at, long and short (terminal)
        self._gauges: dict[str, tuple[str, str]] = {}
        self._tenths: dict[str, int] = {}  # the tenth each one last printed (elsewhere)

    def __enter__(self) -> Progress:
        if self.live:
            self._ticker.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._ticker.stop(timeout=2)
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

    def gauge(self, key: str, text: str, short: str, fraction: float | None) -> None:
        """One of several measured pieces of work (a disk of a machine) at ``fraction`` done:
        on a terminal, all of them on the status line (``short`` each when there are several);
        elsewhere a line when ``key`` first shows and at each tenth."""
        if self.quiet:
            return
        if self.live:
            with self._lock:
                self._gauges[key] = (text, short)
                many = len(self._gauges) > 1
                self._status = "; ".join(both[many] for both in self._gauges.values())
                self._draw()
            return
        tenth = int(10 * fraction) if fraction is not None else 0
        if self._tenths.get(key) != tenth:
            self._tenths[key] = tenth
            self._line(f"  {text}")

    def _tick(self) -> None:
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
