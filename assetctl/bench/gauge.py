"""Where a wipe stands while it runs, read from the machines themselves.

An Ansible module returns only at its end, and a disk's overwrite can take hours. So the wipe
module keeps a gauge file per disk on the machine (``assetctl_wipe.Gauge``: one JSON line,
rewritten at most once a second, removed at the end), at the path the bench gives it, and the
bench reads those files over its own SSH connection every few seconds while the playbook runs
(:class:`Watcher`). What it reads is what nwipe shows: the phase, the share done, the rate and
the time left. A machine that cannot be read is simply not shown: the wipe goes on.
"""

from __future__ import annotations

import json
import shlex
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from assetctl.bench.ssh import BenchConnectionError, Connection, Target
from assetctl.config import Settings
from assetctl.ticker import Ticker

GAUGE_DIR = "/run/assetctl"  # a tmpfs on the live system: nothing of it reaches a disk
POLL_SECONDS = 3.0
GIVE_UP_AFTER = 3  # failed readings in a row before a machine is no longer read


def new_run() -> str:
    """A name for one wipe run's gauge files (two runs on one machine never share one)."""
    return uuid.uuid4().hex[:12]


def gauge_path(run: str, disk: str) -> str:
    """``/run/assetctl/wipe-RUN-sda.json`` for ``/dev/sda``."""
    name = disk.removeprefix("/dev/").strip("/").replace("/", "_")
    return f"{GAUGE_DIR}/wipe-{run}-{name}.json"


@dataclass(frozen=True)
class DiskGauge:
    """One reading: ``phase`` (overwrite, read-back, or the firmware method), bytes ``done``
    of ``total`` (0 and 0 while a drive's firmware works on its own), seconds in the phase."""

    host: str
    disk: str
    phase: str
    done: int
    total: int
    elapsed: float

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total > 0 else None

    @property
    def rate(self) -> float | None:
        """Bytes per second in this phase so far."""
        return self.done / self.elapsed if self.elapsed > 0 and self.total > 0 else None

    @property
    def seconds_left(self) -> float | None:
        rate = self.rate
        return (self.total - self.done) / rate if rate else None


def parse_gauge(host: str, disk: str, text: str) -> DiskGauge | None:
    """A gauge file's line, or None for anything else (absent, half written, not a gauge)."""
    try:
        data = json.loads(text)
        gauge = DiskGauge(
            host=host,
            disk=disk,
            phase=str(data["phase"])[:40],
            done=int(data["done"]),
            total=int(data["total"]),
            elapsed=float(data["elapsed"]),
        )
    except (ValueError, TypeError, KeyError, OverflowError):
        return None
    if gauge.done < 0 or gauge.total < 0 or not 0 <= gauge.elapsed < 10**7:
        return None
    return gauge


def read_command(paths: Mapping[str, str]) -> str:
    """One shell command that prints ``DISK LINE`` for each disk (LINE empty if no file)."""
    return "; ".join(
        f"printf '%s %s\\n' {shlex.quote(disk)} \"$(cat {shlex.quote(path)} 2>/dev/null)\""
        for disk, path in paths.items()
    )


def parse_reading(host: str, output: str, disks: Collection[str]) -> list[DiskGauge]:
    """The readings of :func:`read_command`'s output, for the planned ``disks`` only (a line
    naming another disk is not the bench's to show)."""
    found = []
    for line in output.splitlines():
        disk, _, text = line.partition(" ")
        gauge = parse_gauge(host, disk, text) if disk in disks else None
        if gauge is not None:
            found.append(gauge)
    return found


class Watcher:
    """``with Watcher(settings, machines, report):`` reads the gauges of ``machines`` (host ->
    (target, disk -> gauge path)) every ``interval`` seconds in a thread of its own, and calls
    ``report`` with each reading that changed, until the block ends."""

    def __init__(
        self,
        settings: Settings,
        machines: Mapping[str, tuple[Target, Mapping[str, str]]],
        report: Callable[[DiskGauge], None],
        interval: float = POLL_SECONDS,
    ) -> None:
        self.settings = settings
        self.machines = dict(machines)
        self.report = report
        self.interval = interval
        self._ticker = Ticker(self._round, interval, "wipe-gauges")
        self._connections: dict[str, Connection] = {}
        self._failures: dict[str, int] = {}
        self._last: dict[tuple[str, str], DiskGauge] = {}

    def __enter__(self) -> Watcher:
        if self.machines:
            self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ticker.stop(timeout=self.settings.bench.timeout + 5)
        for connection in self._connections.values():
            connection.close()

    def _round(self) -> None:
        for host in self.machines:
            if self._ticker.stopping:
                return
            if self._failures.get(host, 0) < GIVE_UP_AFTER:
                self.poll(host)

    def poll(self, host: str) -> None:
        """Read one machine's gauges once (the thread's work; a test calls it directly)."""
        target, paths = self.machines[host]
        try:
            connection = self._connections.get(host)
            if connection is None:
                bench = self.settings.bench
                connection = Connection(
                    target,
                    key_path=bench.ssh_key,
                    known_hosts=bench.known_hosts,
                    pin=False,  # the key recorded at discovery, as the playbook checks it
                    timeout=bench.timeout,
                ).__enter__()
                self._connections[host] = connection
            result = connection.run(read_command(paths), timeout=self.settings.bench.timeout)
        except BenchConnectionError:
            self._failures[host] = self._failures.get(host, 0) + 1
            dropped = self._connections.pop(host, None)
            if dropped is not None:
                dropped.close()
            return
        self._failures[host] = 0
        for gauge in parse_reading(host, result.stdout, paths):
            key = (host, gauge.disk)
            if self._last.get(key) != gauge:
                self._last[key] = gauge
                self.report(gauge)
