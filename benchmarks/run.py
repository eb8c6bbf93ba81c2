"""assetctl benchmarks: each measurement beside its floor, measured in the same run.

    .venv/bin/python benchmarks/run.py            # SQLite (the default database)
    .venv/bin/python benchmarks/run.py --postgres # also PostgreSQL (127.0.0.1:5432/test)

Prints a Markdown table (paste it into README.md). Machines here are noisy: read the ratio to
the floor, not the absolute time. Timings are medians of interleaved runs.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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


def write_csv(path: Path, count: int, offset: int = 0) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            [
                "kind",
                "manufacturer",
                "model",
                "serial",
                "origin",
                "acquired",
                "former_inventory",
                "unit_price",
            ]
        )
        for i in range(offset, offset + count):
            if i % 3:
                writer.writerow(
                    [
                        "desktop",
                        "Dell",
                        "OptiPlex 7010",
                        f"SN{i:07d}",
                        "reconditionné",
                        "01/03/2014",
                        f"INV-{i:06d}",
                        "",
                    ]
                )
            else:
                writer.writerow(
                    [
                        "laptop",
                        "Lenovo",
                        "ThinkPad L14",
                        f"PF{i:07d}",
                        "achat",
                        "15/09/2026",
                        "",
                        "649,90",
                    ]
                )


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
            [*ASSETCTL, "init", "--yes"], env=self.env, check=True, stderr=subprocess.DEVNULL
        )

    def drop(self) -> None:
        if self.schema:
            import sqlalchemy

            admin = sqlalchemy.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sqlalchemy.text(f"DROP SCHEMA {self.schema} CASCADE"))
            admin.dispose()


def seed(db: Database, count: int) -> None:
    """Bulk-load ``count`` assets straight into the tables (setting up, not measured)."""
    from sqlalchemy import insert

    from assetctl.db import make_engine
    from assetctl.models import Asset, TagSequence

    now = datetime.now(UTC)
    engine = make_engine(db.url)
    rows = [
        {
            "tag": f"LMM-PC-{i:06d}",
            "kind": "desktop",
            "manufacturer": "Dell",
            "model": "OptiPlex 7010",
            "serial": f"SEED{i:07d}",
            "origin": "refurbished",
            "acquired": datetime(2014, 3, 1).date(),
            "former_inventory": f"INV-{i}",
            "order_ref": None,
            "supplier": None,
            "unit_price_cents": None,
            "warranty_end": None,
            "cpu": "Core i5-3470",
            "ram_mb": 8192,
            "battery_health": None,
            "notes": None,
            "location": "storage",
            "status": "received",
            "disposal": None,
            "cycle": 0,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(1, count + 1)
    ]
    with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(insert(Asset.__table__), rows[start : start + 5000])  # type: ignore[attr-defined]
        connection.execute(
            insert(TagSequence.__table__),
            [  # type: ignore[attr-defined]
                {"prefix": "LMM", "kind_code": "PC", "last_number": count}
            ],
        )
    engine.dispose()


def bench_startup(work: Path, runs: int) -> Row:
    db = Database("sqlite", work)
    subprocess.run(
        [
            *ASSETCTL,
            "asset",
            "add",
            "--kind",
            "desktop",
            "--origin",
            "refurbished",
            "--manufacturer",
            "Dell",
            "--model",
            "OptiPlex 7010",
            "--serial",
            "X1",
            "--acquired",
            "2014-01-01",
        ],
        env=db.env,
        check=True,
        capture_output=True,
    )
    show = [str(Path(PYTHON).parent / "assetctl"), "asset", "show", "LMM-PC-00001"]
    floor = [PYTHON, "-c", "import sqlmodel"]
    seconds, floor_seconds = interleaved(
        lambda: timed(show, db.env), lambda: timed(floor, db.env), runs
    )
    return Row(
        "`asset show TAG` (one-shot command, wall time)",
        "sqlite",
        seconds,
        '`python -c "import sqlmodel"`',
        floor_seconds,
        "<= 1.3x floor",
    )


def bench_import(work: Path, kind: str, count: int, runs: int) -> Row:
    csv_path = work / f"import-{count}.csv"
    write_csv(csv_path, count)
    results, floors = [], []
    for _ in range(runs):
        db = Database(kind, work)
        results.append(timed([*ASSETCTL, "asset", "import", str(csv_path)], db.env))
        db.drop()
        floors.append(_import_floor(work, csv_path, kind))
    return Row(
        f"`asset import` of {count:,} CSV rows",
        kind,
        statistics.median(results),
        "read the CSV + bare executemany INSERT",
        statistics.median(floors),
        "< 5 s",
    )


def _import_floor(work: Path, csv_path: Path, kind: str) -> float:
    """The same rows inserted with no validation, no tags, no history: the database's floor."""
    import sqlalchemy

    start = time.perf_counter()
    with csv_path.open(encoding="utf-8") as handle:
        rows = [
            dict(
                zip(
                    (
                        "kind",
                        "manufacturer",
                        "model",
                        "serial",
                        "origin",
                        "acquired",
                        "former_inventory",
                        "unit_price",
                    ),
                    record,
                    strict=True,
                )
            )
            for record in list(csv.reader(handle, delimiter=";"))[1:]
        ]
    if kind == "sqlite":
        url = f"sqlite:///{work / ('floor-' + uuid.uuid4().hex[:6] + '.db')}"
        engine = sqlalchemy.create_engine(url)
        table = "floor"
    else:
        engine = sqlalchemy.create_engine(PG_URL)
        table = f"floor_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.text(
                f"CREATE TABLE {table} (kind TEXT, manufacturer TEXT, model TEXT, serial TEXT, "
                "origin TEXT, acquired TEXT, former_inventory TEXT, unit_price TEXT)"
            )
        )
        connection.execute(
            sqlalchemy.text(
                f"INSERT INTO {table} VALUES (:kind, :manufacturer, :model, :serial, :origin, "
                ":acquired, :former_inventory, :unit_price)"
            ),
            rows,
        )
    elapsed = time.perf_counter() - start
    if kind != "sqlite":
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP TABLE {table}"))
    engine.dispose()
    return elapsed


def bench_list(work: Path, kind: str, count: int, runs: int) -> Row:
    db = Database(kind, work)
    seed(db, count)
    listing = [*ASSETCTL, "asset", "list", "--json"]
    if kind == "sqlite":
        floor = [
            "sqlite3",
            "-json",
            str(db.home / "assetctl.db"),
            "SELECT * FROM asset ORDER BY tag",
        ]
        floor_name = "`sqlite3 -json` CLI, same query"
    else:
        floor = [
            "psql",
            PG_URL.replace("postgresql+psycopg", "postgresql"),
            "-Atq",
            "-c",
            f"SELECT row_to_json(a) FROM {db.schema}.asset a ORDER BY tag",
        ]
        floor_name = "`psql` with `row_to_json`, same query"
    seconds, floor_seconds = interleaved(
        lambda: timed(listing, db.env), lambda: timed(floor, db.env), runs
    )
    db.drop()
    return Row(
        f"`asset list --json` over {count:,} assets",
        kind,
        seconds,
        floor_name,
        floor_seconds,
        "< 2 s",
    )


def bench_labels(work: Path, count: int, runs: int) -> Row:
    db = Database("sqlite", work)
    seed(db, count)
    ours = [
        *ASSETCTL,
        "label",
        "print",
        "--status",
        "received",
        "--layout",
        "avery-l7160",
        "-o",
        str(work / "ours.pdf"),
    ]
    floor = [
        PYTHON,
        str(ROOT / "benchmarks" / "floor_labels.py"),
        str(count),
        str(work / "floor.pdf"),
    ]
    seconds, floor_seconds = interleaved(
        lambda: timed(ours, db.env), lambda: timed(floor, db.env), runs
    )
    return Row(
        f"`label print` of {count:,} L7160 labels to PDF",
        "sqlite",
        seconds,
        "`benchmarks/floor_labels.py`: same QR codes, qrcode + reportlab only",
        floor_seconds,
        "<= 1.3x floor",
    )


def bench_scan(work: Path, kind: str, count: int, scans: int) -> Row:
    """Scans in process, as the station runs them: median time per scan."""
    import random

    import sqlalchemy

    from assetctl.config import load_settings
    from assetctl.db import make_engine
    from assetctl.scan import Station, make_mode

    db = Database(kind, work)
    seed(db, count)
    os.environ["ASSETCTL_HOME"] = str(db.home)
    settings = load_settings()
    engine = make_engine(db.url)
    station = Station(engine, settings, make_mode("lookup", settings, "bench", None))
    rng = random.Random(42)
    codes = [f"lmm-pc-{rng.randint(1, count):06d}\r" for _ in range(scans)]
    ours = []
    for code in codes:
        start = time.perf_counter()
        line = station.scan(code)
        ours.append(time.perf_counter() - start)
        assert line is not None and line.ok, line
    floor = []
    with engine.connect() as connection:
        query = sqlalchemy.text("SELECT tag, kind, status, location FROM asset WHERE tag = :tag")
        for code in codes:
            start = time.perf_counter()
            connection.execute(query, {"tag": code.strip().upper()}).one()
            floor.append(time.perf_counter() - start)
    engine.dispose()
    db.drop()
    return Row(
        f"`scan` lookup at {count:,} assets (median per scan, in process)",
        kind,
        statistics.median(ours),
        "one indexed SELECT by tag, same engine",
        statistics.median(floor),
        "< 5 ms",
    )


def bench_overwrite(work: Path, size_mib: int, runs: int) -> Row | None:
    """The wipe module's overwrite, in process, against dd on the same loop device."""
    import importlib.util

    backing = work / "overwrite.img"
    subprocess.run(["truncate", "-s", f"{size_mib}M", str(backing)], check=True)
    made = subprocess.run(
        ["losetup", "-f", "--show", "--direct-io=on", str(backing)], capture_output=True, text=True
    )
    if made.returncode != 0:
        print(f"benchmark: no loop device ({made.stderr.strip()}): skipped", file=sys.stderr)
        return None
    device = made.stdout.strip()
    try:
        spec = importlib.util.spec_from_file_location(
            "assetctl_wipe", ROOT / "playbooks" / "library" / "assetctl_wipe.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        size = size_mib * 1024 * 1024

        def ours() -> float:
            start = time.perf_counter()
            written, errors = module.overwrite(device, size)
            assert written == size and not errors
            return time.perf_counter() - start

        def dd() -> float:
            return timed(
                [
                    "dd",
                    "if=/dev/zero",
                    f"of={device}",
                    "bs=4M",
                    "oflag=direct",
                    f"count={size_mib // 4}",
                ],
                dict(os.environ),
            )

        seconds, floor_seconds = interleaved(ours, dd, runs)
    finally:
        subprocess.run(["losetup", "-d", device], check=False)
        backing.unlink()
    mb = size_mib * 1.048576
    return Row(
        f"overwrite of a {size_mib} MiB loop device ({mb / seconds:.0f} MB/s vs "
        f"{mb / floor_seconds:.0f} MB/s)",
        "-",
        seconds,
        "`dd if=/dev/zero bs=4M oflag=direct`, same device",
        floor_seconds,
        "throughput >= 0.9x dd",
    )


def _bench_config(db: Database, key: Path, sysfs: Path) -> None:
    """Point a bench's config at the test sshd's key and a machine's captured DMI tree."""
    config = db.home / "config.toml"
    text = config.read_text().replace('ssh_key = "bench/id_ed25519"', f'ssh_key = "{key}"')
    config.write_text(
        text.replace(
            "timeout = 10\n",
            f'timeout = 10\n\n[bench.remote_env]\nASSETCTL_FACTS_ROOT = "{sysfs}"\n',
        )
    )


def bench_discover(work: Path, hosts: int, runs: int) -> Row | None:
    """`bench discover` of N machines (N loopback addresses of one real sshd) vs one."""
    from tests.support.sshd import build_sysfs, sshd_binary, start_sshd

    if sshd_binary() is None or os.geteuid() != 0:
        print("benchmark: discover needs openssh-server and root: skipped", file=sys.stderr)
        return None
    (work / "sshd").mkdir()
    addresses = tuple(f"127.0.0.{i}" for i in range(1, hosts + 1))
    server = start_sshd(work / "sshd", addresses)
    try:
        db = Database("sqlite", work)
        sysfs = build_sysfs(work / "machine", "sysfs-dmi-id-and-bat0-dell-latitude5420.json")
        _bench_config(db, server.client_key, sysfs)
        many = [
            *ASSETCTL,
            "bench",
            "discover",
            "--kind",
            "laptop",
            *(f"{a}:{server.port}" for a in addresses),
        ]
        one = [*ASSETCTL, "bench", "discover", "--kind", "laptop", f"127.0.0.1:{server.port}"]
        seconds, floor_seconds = interleaved(
            lambda: timed(many, db.env), lambda: timed(one, db.env), runs
        )
    finally:
        server.stop()
    return Row(
        f"`bench discover` of {hosts} machines (real sshd on loopback)",
        "sqlite",
        seconds,
        "the same command for 1 machine",
        floor_seconds,
        "<= 2x floor",
    )


def _loop(path: Path, size: int) -> str:
    with path.open("wb") as handle:
        handle.truncate(size)
    return subprocess.run(
        ["losetup", "-f", "-P", "--show", str(path)], check=True, capture_output=True, text=True
    ).stdout.strip()


def _settle(archive: Path) -> None:
    """Before each timed deployment or extraction: earlier writes flushed, and the archive out
    of the page cache, so that neither pays for the other's write-back nor reads the archive
    from memory (the programs themselves stay cached, as on a bench in use)."""
    subprocess.run(["sync"], check=True)
    descriptor = os.open(archive, os.O_RDONLY)
    try:
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


def _extraction(
    device: str, archive: Path, mount_point: Path, url: str = "", tuned: bool = False
) -> float:
    """The floor: plain extraction onto the device, i.e. mkfs, mount, tar of the archive from
    a local file (or, with ``url``, ``curl URL | tar``: the same over HTTP), unmount (which
    writes it back); the partition table is made beforehand, untimed. ``tuned``: the local
    extraction as assetctl_deploy does it (no discard, tar's 64 KiB records, the file system
    written back during the extraction), to show what the rest of a deployment costs."""
    mount_point.mkdir(exist_ok=True)
    table = b"label: gpt\nsize=260MiB, type=U\ntype=L\n"
    subprocess.run(["sfdisk", "--quiet", "--wipe", "always", device], check=True, input=table,
                   capture_output=True)  # fmt: skip
    subprocess.run(["partx", "--update", device], capture_output=True)
    plain = ["tar", "--numeric-owner", "--xattrs", "--acls", "--zstd", "-xpf"]
    _settle(archive)
    start = time.perf_counter()
    if tuned:
        library = str(ROOT / "playbooks" / "library")
        if library not in sys.path:
            sys.path.insert(0, library)
        from assetctl_deploy import MKFS_ROOT, TAR_EXTRACT, written_behind

        subprocess.run([*MKFS_ROOT, f"{device}p2"], check=True, capture_output=True)
        subprocess.run(["mount", f"{device}p2", str(mount_point)], check=True)
        with written_behind(str(mount_point)):
            subprocess.run([*TAR_EXTRACT, str(archive), "-C", str(mount_point)], check=True)
        subprocess.run(["umount", str(mount_point)], check=True)
        return time.perf_counter() - start
    for command in (
        ["mkfs.ext4", "-q", "-F", f"{device}p2"],
        ["mount", f"{device}p2", str(mount_point)],
        [*plain, str(archive), "-C", str(mount_point)] if not url else
        ["sh", "-c", f"curl -sf '{url}' | {' '.join(plain)} - -C '{mount_point}'"],
        ["umount", str(mount_point)],
    ):  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_deploy(
    work: Path, runs: int, family: Path | None = None, family_runs: int = 5
) -> list[Row]:
    """`bench deploy` of test-minimal onto a loop device through a real sshd, beside plain
    extraction of the same archive onto the same device; then 4 deployments at once vs 1
    (four benches' worth: four homes, four loop devices, one machine answering for all).
    With ``family`` (a folder of images built by `image build famille-...`), each family
    image too, onto a loop device of its size, ``family_runs`` times interleaved with plain
    extraction (local and through curl) and with the extraction tuned as the module does it."""
    import json as json_module
    import shutil

    from assetctl.bench.imageserver import serving
    from tests.support.sshd import build_sysfs, sshd_binary, start_sshd

    if sshd_binary() is None or os.geteuid() != 0 or shutil.which("debootstrap") is None:
        print("benchmark: deploy needs root, sshd and debootstrap: skipped", file=sys.stderr)
        return []
    (work / "deploy-sshd").mkdir()
    server = start_sshd(work / "deploy-sshd")
    cache = os.environ.get("ASSETCTL_IMAGE_CACHE", "/var/cache/assetctl")
    benches, devices = [], []
    family_images = sorted(family.glob("famille-*.json")) if family else []
    try:
        for n in range(4):
            db = Database("sqlite", work)
            db.env["ASSETCTL_IMAGE_CACHE"] = cache
            sysfs = build_sysfs(
                work / f"machine{n}", "sysfs-dmi-id-and-bat0-dell-latitude5420.json"
            )
            serial = f"BENCH{n}XYZ"
            (sysfs / "sys/class/dmi/id/product_serial").write_text(serial + "\n")
            _bench_config(db, server.client_key, sysfs)
            device = _loop(work / f"disk{n}.img", 1536 * 1024 * 1024)
            devices.append(device)
            subprocess.run(
                [*ASSETCTL, "bench", "discover", "--kind", "laptop", server.address],
                env=db.env, check=True, capture_output=True,
            )  # fmt: skip
            tag = "LMM-PP-00001"
            subprocess.run(
                [*ASSETCTL, "bench", "wipe", tag, "--host", server.address, "--disk", device,
                 "--yes"], env=db.env, check=True, capture_output=True,
            )  # fmt: skip
            if n == 0:
                subprocess.run(
                    [*ASSETCTL, "image", "build", "test-minimal"], env=db.env, check=True,
                    capture_output=True,
                )  # fmt: skip
                built = db.home / "images"
                for item in family_images:
                    archive = family / json_module.loads(item.read_text())["archive"]
                    os.link(item, built / item.name)
                    os.link(archive, built / archive.name)
            else:
                (db.home / "images").mkdir()
                for item in built.iterdir():
                    if item.is_file():
                        os.link(item, db.home / "images" / item.name)
            benches.append((db, tag, device))
        manifest = json_module.loads((built / "test-minimal.json").read_text())
        archive = built / manifest["archive"]

        def deploy_command(n: int, device: str = "", profile: str = "test-minimal") -> list[str]:
            _, tag, disk = benches[n]
            return [*ASSETCTL, "bench", "deploy", tag, "--host", server.address, "--disk",
                    device or disk, "--profile", profile, "--yes"]  # fmt: skip

        def ours() -> float:
            _settle(archive)
            return timed(deploy_command(0), benches[0][0].env)

        def extraction() -> float:
            return _extraction(devices[0], archive, work / "floor-mnt")

        mine, floor = interleaved(ours, extraction, runs)
        rows = [
            Row(
                f"`bench deploy` of test-minimal ({manifest['size_bytes'] / 1e6:.0f} MB "
                "archive) onto a 1.5 GiB loop device, through sshd",
                "sqlite",
                mine,
                "mkfs + mount + tar --zstd -x + umount of the same archive, same device",
                floor,
                "report (fixed costs)",
            )
        ]
        for item in family_images:
            data = json_module.loads(item.read_text())
            size = max(4 << 30, int(data.get("installed_bytes", 0) * 1.5) + (1 << 30))
            device = _loop(work / f"{data['profile']}.img", size)
            devices.append(device)

            def family_deploy(
                device: str = device, profile: str = data["profile"], name: str = data["archive"]
            ) -> float:
                _settle(built / name)
                return timed(deploy_command(0, device, profile), benches[0][0].env)

            def family_floor(device: str = device, name: str = data["archive"]) -> float:
                return _extraction(device, built / name, work / "floor-mnt")

            timings: dict[str, list[float]] = {"ours": [], "local": [], "http": [], "tuned": []}
            with serving(built / data["archive"], "127.0.0.1") as url:
                for _ in range(family_runs):  # interleaved, four ways
                    timings["ours"].append(family_deploy())
                    timings["local"].append(family_floor())
                    timings["http"].append(
                        _extraction(device, built / data["archive"], work / "floor-mnt", url)
                    )
                    timings["tuned"].append(
                        _extraction(device, built / data["archive"], work / "floor-mnt",
                                    tuned=True)
                    )  # fmt: skip
            each = zip(timings["ours"], timings["local"], strict=True)
            print(
                f"benchmark: {data['profile']}: deploy / plain extraction, run by run: "
                + ", ".join(f"{a / b:.2f}x ({a:.1f} s / {b:.1f} s)" for a, b in each),
                file=sys.stderr,
            )
            mine = statistics.median(timings["ours"])
            name = (
                f"`bench deploy` of {data['profile']} ({data['size_bytes'] / 1e6:.0f} MB "
                f"archive) onto a {size / (1 << 30):.1f} GiB loop device, through sshd"
            )
            rows.append(
                Row(
                    name,
                    "sqlite",
                    mine,
                    "mkfs + mount + tar --zstd -x + umount of the same archive, same device",
                    statistics.median(timings["local"]),
                    "<= 1.3x floor",
                )
            )
            rows.append(
                Row(
                    name,
                    "sqlite",
                    mine,
                    "the same, the archive through `curl` from the bench's HTTP server",
                    statistics.median(timings["http"]),
                    "report",
                )
            )
            rows.append(
                Row(
                    name,
                    "sqlite",
                    mine,
                    "the local extraction tuned as the deployment does it (no discard, tar "
                    "-b 128, written back during tar)",
                    statistics.median(timings["tuned"]),
                    "report (the rest of a deployment)",
                )
            )

        def four(
            disks: tuple[str, ...] = ("", "", "", ""),
            profile: str = "test-minimal",
            served: Path = archive,
        ) -> float:
            _settle(served)
            start = time.perf_counter()
            processes = [
                subprocess.Popen(deploy_command(n, disks[n], profile), env=benches[n][0].env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                for n in range(4)
            ]  # fmt: skip
            for process in processes:
                _, err = process.communicate()
                if process.returncode != 0:
                    raise RuntimeError(err.decode(errors="replace")[-2000:])
            return time.perf_counter() - start

        parallel, single = interleaved(four, ours, max(1, runs // 2))
        rows.append(
            Row(
                "4 deployments of test-minimal at once (four benches, four loop devices, "
                "one 2-core machine)",
                "sqlite",
                parallel,
                "1 deployment",
                single,
                "report",
            )
        )
        if family_images:  # the same with a family image, where the disks' work dominates
            data = json_module.loads(family_images[0].read_text())
            size = max(4 << 30, int(data.get("installed_bytes", 0) * 1.5) + (1 << 30))
            disks = tuple(_loop(work / f"four{n}.img", size) for n in range(4))
            devices.extend(disks)

            def four_family() -> float:
                return four(disks, data["profile"], built / data["archive"])

            def one_family() -> float:
                _settle(built / data["archive"])
                return timed(deploy_command(0, disks[0], data["profile"]), benches[0][0].env)

            parallel, single = interleaved(four_family, one_family, 1)
            rows.append(
                Row(
                    f"4 deployments of {data['profile']} at once (four benches, four loop "
                    "devices, one 2-core machine)",
                    "sqlite",
                    parallel,
                    "1 deployment",
                    single,
                    "report",
                )
            )
        return rows
    finally:
        server.stop()
        for device in devices:
            subprocess.run(["umount", "-R", "-l", f"/mnt/assetctl-{Path(device).name}"],
                           capture_output=True)  # fmt: skip
            subprocess.run(["losetup", "-d", device], capture_output=True)


def image_sizes(folder: Path) -> list[str]:
    """The size of each built image in ``folder``, as Markdown table lines."""
    import json as json_module

    lines = [
        "| image | archive (zstd) | installed | packages | build time |",
        "|---|---:|---:|---:|---:|",
    ]
    for item in sorted(folder.glob("*.json")):
        data = json_module.loads(item.read_text())
        installed = data.get("installed_bytes")
        lines.append(
            f"| {data['profile']} | {data['size_bytes'] / 1e6:.0f} MB | "
            f"{f'{installed / 1e6:.0f} MB' if installed else '?'} | {len(data['packages'])} | "
            f"{data['build_seconds']:.0f} s |"
        )
    return lines


def bench_reports(
    work: Path, kind: str, assets: int, events: int, households: int, runs: int
) -> list[Row]:
    """Report queries in process (as `report counts` and `report indicators` run them), beside
    the bare aggregate the database answers for the same question."""
    import sqlalchemy

    from assetctl.db import make_engine, session_scope
    from assetctl.reports import Period, counts, indicators
    from benchmarks.programme import seed_programme

    db = Database(kind, work)
    sizes = seed_programme(db.url, assets, events, households)
    print(f"  seeded {sizes}", file=sys.stderr)
    engine = make_engine(db.url)
    last_month = (datetime.now(UTC) - timedelta(days=30)).date()
    last_year = (datetime.now(UTC) - timedelta(days=365)).date()

    def ours(call: Callable[[Any], Any]) -> Callable[[], float]:
        def run() -> float:
            begin = time.perf_counter()
            with session_scope(engine) as session:
                call(session)
            return time.perf_counter() - begin

        return run

    def bare(sql: str) -> Callable[[], float]:
        def run() -> float:
            begin = time.perf_counter()
            with engine.connect() as connection:
                connection.exec_driver_sql(sql).all()
            return time.perf_counter() - begin

        return run

    scale = f"{assets:,} assets, {events:,} events, {households:,} households"
    rows = []
    cases: list[tuple[str, Callable[[Any], Any], str, str, str]] = [
        (
            "`report counts --by kind,status`",
            lambda s: counts(s, ["kind", "status"]),
            "SELECT kind, status, count(*) FROM asset GROUP BY kind, status",
            "bare GROUP BY kind, status",
            "< 200 ms",
        ),
        (
            "`report counts --by kind,qpv,mode`",
            lambda s: counts(s, ["kind", "qpv", "mode"]),
            "SELECT kind, status, count(*) FROM asset GROUP BY kind, status",
            "bare GROUP BY kind, status",
            "< 200 ms",
        ),
        *[
            (
                f"`report counts --by kind,status --at` {label}",
                lambda s, day=day: counts(s, ["kind", "status"], day),
                "SELECT asset_id, max(id) FROM asset_event WHERE to_status IS NOT NULL "
                f"AND at < '{day}' GROUP BY asset_id",
                "bare latest-status-event-before-the-date query",
                "< 200 ms",
            )
            for label, day in (("30 days ago", last_month), ("a year ago", last_year))
        ],
        (
            "`report indicators`",
            lambda s: indicators(s, Period()),
            "SELECT h.qpv, count(DISTINCT h.id) FROM household h JOIN contract c ON "
            "c.household_id = h.id WHERE c.signed_at IS NOT NULL GROUP BY h.qpv",
            "bare families-equipped-by-area join",
            "< 1 s",
        ),
    ]
    for name, call, sql, floor_name, target in cases:
        ours(call)()  # warm the caches alike
        mine, floor = interleaved(ours(call), bare(sql), runs)
        rows.append(Row(f"{name} ({scale})", kind, mine, floor_name, floor, target))
    engine.dispose()
    db.drop()
    del sqlalchemy
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--runs", type=int, default=11, help="runs of the quick benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument(
        "--only", choices=["reports", "images"], help="run only this group of benchmarks"
    )
    parser.add_argument(
        "--family-images",
        type=Path,
        help="a folder of family images (assetctl image build famille-...) to deploy too, "
        "and whose sizes to print",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import_rows, list_rows = (1_000, 5_000) if args.quick else (10_000, 100_000)
    label_count = 100 if args.quick else 1_000
    backends = ["sqlite", "postgres"] if args.postgres else ["sqlite"]
    rows: list[Row] = []
    report_sizes = (10_000, 100_000, 2_000) if args.quick else (100_000, 1_000_000, 20_000)
    with tempfile.TemporaryDirectory(prefix="assetctl-bench-") as tmp:
        work = Path(tmp)
        if args.only == "images":
            print("benchmark: deploy ...", file=sys.stderr)
            rows += bench_deploy(work, 3, args.family_images)
            _print(rows)
            if args.family_images:
                print("\n" + "\n".join(image_sizes(args.family_images)))
            return
        if args.only == "reports":
            for kind in backends:
                print(f"benchmark: reports on {kind} ...", file=sys.stderr)
                rows += bench_reports(work, kind, *report_sizes, args.runs)
            _print(rows)
            return
        print("benchmark: start-up ...", file=sys.stderr)
        rows.append(bench_startup(work, args.runs))
        print("benchmark: overwrite ...", file=sys.stderr)
        overwrite = bench_overwrite(work, 64 if args.quick else 1024, 3)
        if overwrite:
            rows.append(overwrite)
        print("benchmark: discover ...", file=sys.stderr)
        discovered = bench_discover(work, 10, 5)
        if discovered:
            rows.append(discovered)
        print("benchmark: deploy ...", file=sys.stderr)
        rows += bench_deploy(work, 3, args.family_images)
        print("benchmark: labels ...", file=sys.stderr)
        rows.append(bench_labels(work, label_count, 3))
        for kind in backends:
            print(f"benchmark: scan on {kind} ...", file=sys.stderr)
            rows.append(bench_scan(work, kind, list_rows, 1_000))
            print(f"benchmark: import on {kind} ...", file=sys.stderr)
            rows.append(bench_import(work, kind, import_rows, 3))
            print(f"benchmark: list on {kind} ...", file=sys.stderr)
            rows.append(bench_list(work, kind, list_rows, 5))
            print(f"benchmark: reports on {kind} ...", file=sys.stderr)
            rows += bench_reports(work, kind, *report_sizes, args.runs)
    _print(rows)


def _print(rows: list[Row]) -> None:
    print("| benchmark | database | time | floor | floor time | ratio | target |")
    print("|---|---|---:|---|---:|---:|---|")
    for row in rows:
        print(
            f"| {row.name} | {row.database} | {_duration(row.seconds)} | {row.floor_name} | "
            f"{_duration(row.floor_seconds)} | {row.ratio:.2f}x | {row.target} |"
        )


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 0.1 else f"{seconds:.3f} s"


if __name__ == "__main__":
    main()
