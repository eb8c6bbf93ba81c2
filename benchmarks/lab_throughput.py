"""Bench throughput on lab machines: the whole cycle, network boot to ready, for a batch.

    sudo .venv/bin/python benchmarks/lab_throughput.py --machines 1,2,4

For each batch size N: each of the N machines alone through the whole cycle (power on, network
boot of the live system from `bench netboot`, `bench prepare` of test-boot: discover, wipe,
deploy, verify), then the N at once with one `bench prepare`. The floor is the slowest single
machine of the same run; the goal is a batch within 1.3x of it. Also printed: the commands the
technician types for the batch. QEMU under software emulation shares this machine's 2 cores
between the guests, which a real bench does not (each machine has its own CPU and disks): read
the ratio as the bench's own overhead only where the guests do not saturate the cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lab.bench import CACHE, LabBench, prepare_bench, run_assetctl  # noqa: E402
from lab.machines import BenchNetwork, LabMachine, MachineSpec  # noqa: E402


def spec(index: int) -> MachineSpec:
    return MachineSpec(
        f"m{index}", serial=f"LAB-TP-{index:02d}", mac=f"52:54:00:77:01:{index:02x}",
        memory_mb=2048, nvme_serial=f"NVME-TP-{index:02d}", sata_serial=f"SATA-TP-{index:02d}",
    )  # fmt: skip


def cycle(indexes: list[int], work: Path) -> tuple[float, dict[int, float]]:
    """Power on the machines, wait for their live system, prepare them all with one command:
    (seconds from power-on to the end of `bench prepare`, each machine's boot seconds)."""
    home = work / "home"
    home.mkdir(parents=True)
    env = {**os.environ, "ASSETCTL_HOME": str(home), "ASSETCTL_IMAGE_CACHE": str(CACHE)}
    env.pop("ASSETCTL_DATABASE_URL", None)
    env["ASSETCTL_KEY_FILE"] = str(work / "programme.key")
    env["ASSETCTL_KEY_PASSPHRASE"] = "benchmark passphrase, not a secret"
    run_assetctl(env, "init", "--organisation", "Banc de mesure")
    run_assetctl(env, "key", "init")
    prepare_bench(env, home)
    with BenchNetwork.create("aclab") as network, LabBench.start(network, env, work) as _bench:
        machines = {i: LabMachine(spec(i), network, work / "machines") for i in indexes}
        try:
            started = time.monotonic()
            for machine in machines.values():
                machine.start("network")
            boots, addresses = {}, []
            for index, machine in machines.items():
                addresses.append(machine.wait_live(timeout=1800))
                boots[index] = time.monotonic() - started
                machine.wait_ssh(addresses[-1])
            hosts = [arg for address in addresses for arg in ("--host", address)]
            run_assetctl(
                env, "bench", "prepare", *hosts, "--kind", "desktop", "--profile", "test-boot",
                "--parallel", str(len(indexes)), "--yes", timeout=3600,
            )  # fmt: skip
            return time.monotonic() - started, boots
        finally:
            for machine in machines.values():
                machine.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--machines", default="1,2,4", help="batch sizes, comma-separated")
    args = parser.parse_args()
    sizes = sorted({int(n) for n in args.machines.split(",")})
    singles: dict[int, float] = {}
    lines = []
    with tempfile.TemporaryDirectory(prefix="assetctl-throughput-") as tmp:
        work = Path(tmp)
        for size in sizes:
            for index in range(1, size + 1):
                if index not in singles:
                    print(f"machine {index} alone ...", file=sys.stderr)
                    singles[index], _ = cycle([index], work / f"single-{index}")
            slowest = max(singles[i] for i in range(1, size + 1))
            if size == 1:
                batch = singles[1]
            else:
                print(f"{size} machines at once ...", file=sys.stderr)
                batch, _ = cycle(list(range(1, size + 1)), work / f"batch-{size}")
            lines.append(
                f"| {size} machine(s), network boot to ready (test-boot) | {batch:.0f} s "
                f"({batch / size:.0f} s per machine) | slowest single machine | {slowest:.0f} s "
                f"| {batch / slowest:.2f}x | <= 1.3x | 2 (`bench netboot`, one `bench prepare`) |"
            )
    print("| benchmark | batch | floor | floor time | ratio | target | commands typed |")
    print("|---|---:|---|---:|---:|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
