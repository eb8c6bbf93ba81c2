"""The benchmarks' harness: a result row beside its floor, timing, interleaved runs, a fresh
assetctl database (SQLite file or PostgreSQL schema), and the Markdown table."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ASSETCTL = [PYTHON, "-m", "assetctl"]
PG_URL = os.environ.get(
    "ASSETCTL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass
class Row:
    name: str
    database: str
    seconds: float
    floor_name: str
    floor_seconds: float
    target: str
    throughput: bool = False  # the ratio is then floor time / our time (higher is better)

    @property
    def ratio(self) -> float:
        if self.throughput:
            return self.floor_seconds / self.seconds
        return self.seconds / self.floor_seconds


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[:6])}... exited {done.returncode}: "
            f"{done.stderr.decode(errors='replace')[-2000:]}"
        )
    return elapsed


def interleaved(a: Callable[[], float], b: Callable[[], float], runs: int) -> tuple[float, float]:
    """Medians of a and b, run alternately so that machine noise hits both alike."""
    first, second = [], []
    for _ in range(runs):
        first.append(a())
        second.append(b())
    return statistics.median(first), statistics.median(second)


class Database:
    """A fresh, initialised assetctl database (SQLite file or PostgreSQL schema)."""

    def __init__(self, kind: str, work: Path) -> None:
        self.kind = kind
        self.home = work / f"home-{kind}-{uuid.uuid4().hex[:6]}"
        self.schema: str | None = None
        if kind == "sqlite":
            self.url = f"sqlite:///{self.home / 'assetctl.db'}"
        else:
            import sqlalchemy

            self.schema = f"bench_{uuid.uuid4().hex[:10]}"
            admin = sqlalchemy.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sqlalchemy.text(f"CREATE SCHEMA {self.schema}"))
            admin.dispose()
            self.url = f"{PG_URL}?options=-csearch_path%3D{self.schema}"
        self.env = {
            **os.environ,
            "ASSETCTL_HOME": str(self.home),
            "ASSETCTL_DATABASE_URL": self.url,
            "ASSETCTL_OPERATOR": "bench",
        }
        subprocess.run(
            # the prefix the benchmarks' tags are written with (LMM-PC-00001)
            [*ASSETCTL, "init", "--yes", "--organisation", "Banc de mesure", "--tag-prefix", "LMM"],
            env=self.env,
            check=True,
            stderr=subprocess.DEVNULL,
        )

    def drop(self) -> None:
        if self.schema:
            import sqlalchemy

            admin = sqlalchemy.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sqlalchemy.text(f"DROP SCHEMA {self.schema} CASCADE"))
            admin.dispose()


def bench_config(db: Database, key: Path, sysfs: Path) -> None:
    """Point a bench's config at the test sshd's key and a machine's captured DMI tree."""
    config = db.home / "config.toml"
    text = config.read_text().replace('ssh_key = "bench/id_ed25519"', f'ssh_key = "{key}"')
    config.write_text(
        text.replace(
            "timeout = 10\n",
            f'timeout = 10\n\n[bench.remote_env]\nASSETCTL_FACTS_ROOT = "{sysfs}"\n',
        )
    )


def loop_device(path: Path, size: int) -> str:
    with path.open("wb") as handle:
        handle.truncate(size)
    return subprocess.run(
        ["losetup", "-f", "-P", "--show", str(path)], check=True, capture_output=True, text=True
    ).stdout.strip()


def settle(archive: Path) -> None:
    """Before each timed deployment or extraction: earlier writes flushed, and the archive out
    of the page cache, so that neither pays for the other's write-back nor reads the archive
    from memory (the programs themselves stay cached, as on a bench in use)."""
    subprocess.run(["sync"], check=True)
    descriptor = os.open(archive, os.O_RDONLY)
    try:
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


def print_table(rows: list[Row]) -> None:
    print("| benchmark | database | time | floor | floor time | ratio | target |")
    print("|---|---|---:|---|---:|---:|---|")
    for row in rows:
        print(
            f"| {row.name} | {row.database} | {duration(row.seconds)} | {row.floor_name} | "
            f"{duration(row.floor_seconds)} | {row.ratio:.2f}x | {row.target} |"
        )


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 0.1 else f"{seconds:.3f} s"
