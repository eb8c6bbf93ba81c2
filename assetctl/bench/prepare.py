"""`bench prepare`: the whole bench flow for many machines at once.

Discover (register or update each machine), wipe (one playbook run for all), deploy and verify
(one run per machine, several at a time), then print the labels of the machines made ready.
Each machine is isolated: one that fails at a step stops there, with its reason, and the
others go on. The report has one row per machine and a column per step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assetctl.bench.ssh import Target
from assetctl.config import Settings
from assetctl.errors import AssetctlError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assetctl.bench.gauge import DiskGauge

STEPS = ("discover", "wipe", "deploy", "label")


@dataclass
class MachineReport:
    host: str
    tag: str = ""
    steps: dict[str, str] = field(default_factory=lambda: dict.fromkeys(STEPS, "-"))
    message: str = ""

    @property
    def ok(self) -> bool:
        return all(self.steps[s] in ("ok", "skipped") for s in STEPS)

    def fail(self, step: str, why: str) -> None:
        self.steps[step] = "failed"
        self.message = why

    def row(self) -> dict[str, Any]:
        return {"host": self.host, "tag": self.tag, **self.steps, "message": self.message}


@dataclass(frozen=True)
class PrepareOptions:
    profile: str | None = None
    firmware: str | None = None  # None: how each machine booted its live system
    disk: str | None = None  # the one disk to wipe and deploy onto; None: every internal disk
    deploy_disk: str | None = None  # among the wiped disks; None: the fastest kind
    kind: str | None = None
    origin: str = "refurbished"
    dmi_root: str | None = None
    parallel: int = 4


def prepare(
    engine: Engine,
    settings: Settings,
    targets: Sequence[Target],
    options: PrepareOptions,
    *,
    actor: str,
    label: Callable[[list[str]], None] | None = None,
    progress: Callable[[str], None] = lambda _message: None,
    gauge: Callable[[DiskGauge], None] | None = None,
) -> list[MachineReport]:
    from assetctl.bench.deploy import plan_deploy, run_deploy
    from assetctl.bench.discover import discover
    from assetctl.bench.wipe import plan_wipe, run_wipe

    reports = {str(t): MachineReport(str(t)) for t in targets}
    by_host = {str(t): t for t in targets}
    progress(f"discover: {len(targets)} machine(s)")
    for found in discover(
        engine, settings, targets, actor=actor, origin=options.origin, kind=options.kind
    ):
        report = reports[found.target]
        if found.ok and found.tag:
            report.tag, report.steps["discover"] = found.tag, "ok"
            progress(f"  {found.target} {found.tag}: discovered")
        else:
            report.fail("discover", str(found.error or "not discovered"))
            progress(f"  {found.target}: {report.message}")
    discovered = [r for r in reports.values() if r.steps["discover"] == "ok"]
    if discovered:
        progress(f"wipe: {len(discovered)} machine(s)")
        plans = plan_wipe(
            engine,
            settings,
            [(by_host[r.host], r.tag) for r in discovered],
            disks=(options.disk,) if options.disk else (),
        )
        outcomes = run_wipe(
            engine,
            settings,
            plans,
            actor=actor,
            dmi_root=options.dmi_root,
            progress=lambda host, state: progress(f"  {host}: wipe {state}"),
            gauge=gauge,
        )
        by_tag = {o.tag: o for o in outcomes}
        for report in discovered:
            outcome = by_tag.get(report.tag)
            if outcome is not None and outcome.result == "passed":
                report.steps["wipe"] = "ok"
            else:
                report.fail("wipe", outcome.message if outcome else "not wiped")
    wiped = [r for r in reports.values() if r.steps["wipe"] == "ok"]

    def deploy(report: MachineReport) -> None:
        try:
            plan = plan_deploy(
                engine,
                settings,
                report.tag,
                by_host[report.host],
                profile=options.profile,
                disk=options.deploy_disk or options.disk,
                firmware=options.firmware,
                disk_option="--deploy-disk",
            )
            outcome = run_deploy(
                engine, settings, plan, actor=actor, dmi_root=options.dmi_root, gauge=gauge
            )
        except AssetctlError as exc:
            report.fail("deploy", str(exc))
            return
        if outcome.result == "passed":
            report.steps["deploy"] = "ok"
            progress(f"  {report.host} {report.tag}: deployed and verified")
        else:
            report.fail("deploy", outcome.message)
            progress(f"  {report.host} {report.tag}: deploy {outcome.result}: {outcome.message}")

    if wiped:
        progress(f"deploy and verify: {len(wiped)} machine(s)")
        with ThreadPoolExecutor(max_workers=max(1, min(options.parallel, len(wiped)))) as pool:
            list(pool.map(deploy, wiped))
    ready = [r for r in reports.values() if r.steps["deploy"] == "ok"]
    if ready:
        if label is None:
            for report in ready:
                report.steps["label"] = "skipped"
        else:
            try:
                label([r.tag for r in ready])
                for report in ready:
                    report.steps["label"] = "ok"
            except AssetctlError as exc:
                for report in ready:
                    report.fail("label", str(exc))
    return list(reports.values())
