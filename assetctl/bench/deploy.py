"""`bench deploy`: a built image onto a wiped machine, personalised, verified, recorded.

Refused unless the device has a passed wipe in its current cycle (since it last came back).
The machine is read first (its serial must be the asset's; the disk is the one internal disk,
or the one given, and large enough for the installed image). The bench then serves the image
over HTTP while deploy.yml's one module run (assetctl_deploy) checks the machine and the disk
again, writes the disk from the stream, personalises it and runs verify.yml's checks. Each
account gets a password of its own, kept for the family's handover sheet and passed to
Ansible only as a no_log parameter. The report and each step's duration are kept on the
imaging record; the device becomes ready only if it passed.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from assetctl import lifecycle
from assetctl.bench.facts import MachineFacts
from assetctl.bench.imageserver import address_towards, serving
from assetctl.bench.ssh import Target
from assetctl.config import Settings
from assetctl.db import session_scope
from assetctl.errors import AssetctlError, ValidationError
from assetctl.households import sealed
from assetctl.models import Asset, DeviceCredential, ImagingRun
from assetctl.models.types import utcnow
from assetctl.vocabulary import Firmware

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assetctl.bench.gauge import DiskGauge

# Words a family reads and types easily (no accents, no look-alike letters).
WORDS = (
    "pomme", "poire", "prune", "cerise", "melon", "citron", "olive", "tomate", "carotte",
    "radis", "soleil", "nuage", "pluie", "neige", "orage", "etoile", "lune", "comete",
    "riviere", "foret", "colline", "plage", "sable", "vague", "bateau", "velo", "train",
    "avion", "fusee", "tortue", "lapin", "renard", "castor", "hibou", "mouette", "dauphin",
    "girafe", "zebre", "panda", "koala", "violon", "piano", "tambour", "guitare", "crayon",
    "cahier", "gomme", "ballon", "cerf", "tigre",
)  # fmt: skip


def family_password() -> str:
    """Two words and two digits: about 18 bits of words x 6.6 of digits, for a first login
    that the family changes; typed on an AZERTY keyboard without surprises."""
    first, second = secrets.choice(WORDS), secrets.choice(WORDS)
    return f"{first.capitalize()}-{second.capitalize()}-{secrets.randbelow(90) + 10}"


@dataclass
class DeployPlan:
    target: Target
    tag: str
    asset_id: int
    profile: str
    disk: str
    serial: str | None
    firmware: str
    problems: list[str] = field(default_factory=list)
    disk_bytes: int | None = None


@dataclass
class DeployOutcome:
    tag: str
    result: str  # passed, failed, refused
    message: str = ""
    checks: list[dict[str, Any]] = field(default_factory=list)

    def line(self) -> str:
        word = {"passed": "OK", "failed": "FAILED", "refused": "REFUSED"}[self.result]
        text = f"{word} {self.tag}"
        if self.checks:
            good = sum(c["ok"] for c in self.checks)
            text += f" verify {good}/{len(self.checks)}"
        return text + (f": {self.message}" if self.message and self.result != "passed" else "")


# The task of deploy.yml (write and verify, one module run) and of verify.yml alone.
DEPLOY_TASK = "Write the image, make it this machine's system, verify it"
VERIFY_TASK = "Compliance checks of the deployed system"


def room_needed(manifest: dict[str, Any]) -> int:
    """Bytes a disk needs for the image: the installed tree, the file system's own share
    (about 5 %), the EFI system partition and some room to work (0 if the manifest is older
    than the installed size)."""
    installed = int(manifest.get("installed_bytes") or 0)
    return int(installed * 1.1) + 512 * 1024 * 1024 if installed else 0


# The system disk among a machine's internal disks, fastest kind first: what a technician
# would pick, and what an installer does on a machine with an NVMe and a data disk.
SYSTEM_DISK_ORDER = ("nvme", "ssd", "emmc", "hdd", "unknown")


def choose_disk(
    facts: MachineFacts, requested: str | None, option: str = "--disk"
) -> tuple[str | None, list[str]]:
    """The disk to deploy onto: the one given, else the machine's internal disk of the fastest
    kind (NVMe, then SSD, eMMC, spinning), refused when two of that kind tie; with the wipe's
    refusals (the running system, mounted, removable)."""
    from assetctl.bench.wipe import select_disks

    chosen, problems = select_disks(facts, [requested] if requested else [])
    if requested or not chosen:
        return (chosen[0].path if chosen else None), problems
    best = min(SYSTEM_DISK_ORDER.index(d.media_type) for d in chosen)
    fastest = [d for d in chosen if SYSTEM_DISK_ORDER.index(d.media_type) == best]
    if len(fastest) != 1:
        found = ", ".join(f"{d.path} ({d.media_type})" for d in fastest)
        return None, [f"choose the disk to deploy onto with {option} (internal disks: {found})"]
    return fastest[0].path, problems


def plan_deploy(
    engine: Engine,
    settings: Settings,
    tag: str,
    target: Target,
    *,
    profile: str | None = None,
    disk: str | None = None,
    firmware: str | None = None,
    disk_option: str = "--disk",
) -> DeployPlan:
    from assetctl.assets import find_asset
    from assetctl.bench.discover import read_facts_pinned
    from assetctl.images.profiles import default_profile_for

    with session_scope(engine) as session:
        asset = find_asset(session, tag)
        assert asset.id is not None
        state = lifecycle.readiness(session, asset)
        chosen = profile or default_profile_for(asset.kind)
        plan = DeployPlan(target, asset.tag, asset.id, chosen, "", None, firmware or Firmware.UEFI)
        if not chosen:
            plan.problems.append(f"{asset.tag} is a {asset.kind}: give the image with --profile")
        try:  # the passwords are kept sealed, or not at all
            sealed.programme_key(session)
        except ValidationError as exc:
            plan.problems.append(str(exc))
        if not state.wiped:
            plan.problems.append(
                f"{asset.tag} has no passed wipe since it last came back "
                f"({state.problems[0]}); wipe it first (bench wipe, or bench deploy --wipe)"
            )
        try:
            lifecycle.check_wipeable(asset)
        except AssetctlError as exc:
            plan.problems.append(str(exc))
        expected = asset.serial
    try:
        facts = read_facts_pinned(settings, target)
    except AssetctlError as exc:
        plan.problems.append(str(exc))
        return plan
    plan.serial = facts.serial
    plan.firmware = firmware or facts.boot_firmware or Firmware.UEFI
    if facts.serial and expected and facts.serial.upper() != expected.upper():
        plan.problems.append(
            f"this machine's serial is {facts.serial} but {plan.tag} is {expected}: wrong "
            "machine, nothing written"
        )
    chosen_disk, problems = choose_disk(facts, disk, disk_option)
    plan.disk = chosen_disk or ""
    plan.disk_bytes = next((d.size_bytes for d in facts.disks if d.path == plan.disk), None)
    plan.problems.extend(problems)
    return plan


@contextmanager
def _streaming_gauge(
    plan: DeployPlan, url: str, size: int, gauge: Callable[[DiskGauge], None]
) -> Iterator[None]:
    """Tell ``gauge`` every second how much of the image the machine was sent, and once more
    at the end (the bench's image server counts it: nothing to read from the machine)."""
    from assetctl.bench.gauge import DiskGauge
    from assetctl.bench.imageserver import sent
    from assetctl.ticker import Ticker

    started = time.monotonic()
    last = [-1]

    def report() -> None:
        done = sent(url)
        if done != last[0]:
            last[0] = done
            elapsed = time.monotonic() - started
            gauge(DiskGauge(plan.tag, plan.disk, "image", done, size, elapsed))

    ticker = Ticker(report, 1.0, "deploy-gauge")
    ticker.start()
    try:
        yield
    finally:
        ticker.stop(timeout=2)
        report()


def run_deploy(
    engine: Engine,
    settings: Settings,
    plan: DeployPlan,
    *,
    actor: str,
    dmi_root: str | None = None,
    only_verify: bool = False,
    on_task: Callable[[str], None] | None = None,
    gauge: Callable[[DiskGauge], None] | None = None,
) -> DeployOutcome:
    """Deploy (or, ``only_verify``, check an earlier deployment) and record the imaging;
    ``on_task`` hears each playbook task as it starts, ``gauge`` how much of the image the
    machine has streamed (every second, and once at the end)."""
    from assetctl.bench.playbooks import run_playbook
    from assetctl.images.build import images_dir, playbook_variables, up_to_date
    from assetctl.images.profiles import load_profile

    if plan.problems:
        return DeployOutcome(plan.tag, "refused", "; ".join(plan.problems))
    profile = load_profile(plan.profile)
    manifest = up_to_date(settings, profile)
    if manifest is None:
        raise ValidationError(
            f"no up-to-date image of {profile.name}: build it first (assetctl image build "
            f"{profile.name})"
        )
    archive = images_dir(settings) / manifest["archive"]
    needed = room_needed(manifest)
    if not only_verify and plan.disk_bytes and needed and plan.disk_bytes < needed:
        return DeployOutcome(
            plan.tag,
            "refused",
            f"{plan.disk} holds {plan.disk_bytes / 1e9:.1f} GB but {profile.name} needs "
            f"{needed / 1e9:.1f} GB: nothing written; use a larger disk or a smaller profile",
        )
    variables = playbook_variables(settings, profile)
    accounts = [profile.parent.name, profile.children.name]
    passwords = {name: family_password() for name in accounts}
    host_vars: dict[str, Any] = {
        "deploy_disk": plan.disk,
        "deploy_firmware": plan.firmware,
        "deploy_hostname": plan.tag,
        "deploy_image_sha256": manifest["sha256"],
        "deploy_machine_id": uuid.uuid4().hex,
        # the passwords themselves travel in ansible-playbook's environment, not in a file
        "deploy_passwords_env": "ASSETCTL_DEPLOY_PASSWORDS",
        "deploy_profile": {
            "packages": variables["image_packages"],
            "parent": asdict(profile.parent),
            "children": asdict(profile.children),
            "dns": profile.dns,
            "firefox": profile.firefox,
            "time_limits": profile.time_limits,
            "first_start": profile.first_start,
            "first_start_paths": variables["image_first_start_paths"],
            "unattended_upgrades": profile.unattended_upgrades,
            "locale": profile.locale,
            "keyboard": profile.keyboard,
        },
    }
    if plan.serial:
        host_vars["deploy_expected_serial"] = plan.serial
    if dmi_root:
        host_vars["deploy_dmi_root"] = dmi_root
    started = utcnow()
    with ExitStack() as stack:
        if not only_verify:  # the machine streams the image from the bench
            bench = settings.bench
            address = bench.image_address or address_towards(plan.target.host, plan.target.port)
            url = stack.enter_context(serving(archive, address, bench.image_port))
            host_vars["deploy_image_url"] = url
            if gauge is not None:
                stack.enter_context(_streaming_gauge(plan, url, archive.stat().st_size, gauge))
        result = run_playbook(
            settings,
            "verify.yml" if only_verify else "deploy.yml",
            {plan.tag: (plan.target, host_vars)},
            task=VERIFY_TASK if only_verify else DEPLOY_TASK,
            on_task=on_task,
            secrets={
                "ASSETCTL_DEPLOY_PASSWORDS": "\n".join(f"{n}:{p}" for n, p in passwords.items())
            },
        )
    host = result.hosts[plan.tag]
    checks = list(host.result.get("checks") or [])
    passed = result.status == "successful" and host.status == "ok"
    message = host.message if checks else (result.failure or host.message)
    with session_scope(engine) as session:
        asset = session.get(Asset, plan.asset_id)
        assert asset is not None
        run = ImagingRun(
            asset_id=asset.id,  # type: ignore[arg-type]
            cycle=asset.cycle,
            started_at=started,
            finished_at=utcnow(),
            result="passed" if passed else "failed",
            operator=actor,
            bench_host=str(plan.target),
            profile=profile.name,
            image_sha256=manifest["sha256"],
            details={
                "verify": checks,
                "message": message[:1000],
                "firmware": plan.firmware,
                "disk": plan.disk,
                "archive": manifest["archive"],
                "only_verify": only_verify,
                "steps": list(host.result.get("steps") or []),
                "artifacts": str(result.artifacts),
            },
        )
        session.add(run)
        session.flush()
        if passed and not only_verify:
            # a new deployment in the same cycle: the disk now has these passwords
            for old in session.exec(
                select(DeviceCredential).where(
                    DeviceCredential.asset_id == asset.id, DeviceCredential.cycle == asset.cycle
                )
            ).all():
                session.delete(old)
            session.flush()
            for name, secret in passwords.items():
                session.add(
                    DeviceCredential(
                        asset_id=asset.id,  # type: ignore[arg-type]
                        cycle=asset.cycle,
                        account=name,
                        label="parent" if name == profile.parent.name else "enfants",
                        sealed_secret=sealed.seal_secret(session, secret),
                    )
                )
        if passed and asset.status == lifecycle.Status.WIPED.value:
            lifecycle.change_status(
                session,
                asset,
                lifecycle.Status.READY,
                actor=actor,
                reason=f"image {profile.name} deployed and verified",
            )
        elif not passed and asset.status == lifecycle.Status.READY.value:
            lifecycle.change_status(
                session,
                asset,
                lifecycle.Status.WIPED,
                actor=actor,
                reason="verification of the deployed system failed",
            )
        else:
            lifecycle.record_event(
                session,
                asset,
                actor=actor,
                action="imaging",
                reason=f"{profile.name}: {'passed' if passed else 'failed'}",
            )
    return DeployOutcome(plan.tag, "passed" if passed else "failed", message, checks)
