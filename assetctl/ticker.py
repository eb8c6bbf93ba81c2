"""Work done every few seconds in a thread of its own, while something else runs (the
progress display's clock, the reading of a running wipe's gauges)."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Ticker:
    """``work()`` every ``interval`` seconds in a daemon thread, from :meth:`start` to
    :meth:`stop`; ``work`` may look at :attr:`stopping` to end a long round early."""

    def __init__(self, work: Callable[[], None], interval: float, name: str) -> None:
        self.work = work
        self.interval = interval
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.work()
