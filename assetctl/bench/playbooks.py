"""Running the project's playbooks with ansible-runner, and nothing of it leaking out.

Each run gets a fresh private data directory (ansible-runner otherwise re-uses command-line
options and variables of earlier runs there), kept afterwards as the run's artefacts. The
``ansible-playbook`` of this Python environment is used, SSH pipelining is on, host keys are
checked against the bench's known-hosts file, and the callers get a :class:`PlaybookResult`.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assetctl.bench.ssh import Target
from assetctl.config import Settings
from assetctl.errors import AssetctlError


def playbooks_dir() -> Path:
    """The playbooks shipped with assetctl (never the user's configuration folder: a wipe runs
    only the playbooks assetctl ships)."""
    from assetctl.resources import shipped

    folder = shipped("playbooks")
    if not (folder / "wipe.yml").exists():
        raise AssetctlError(f"the playbooks are missing from {folder}: reinstall assetctl")
    return folder


@dataclass
class HostOutcome:
    """What one host's run of the main task returned."""

    status: str = "pending"  # ok, failed, unreachable, canceled
    result: dict[str, Any] = field(default_factory=dict)
    message: str = ""


@dataclass
class PlaybookResult:
    status: str  # successful, failed, canceled, timeout
    hosts: dict[str, HostOutcome]
    artifacts: Path
    changed: int = 0  # tasks that changed something, all hosts together
    changed_tasks: list[str] = field(default_factory=list)
    failure: str = ""  # the first failed task and its message


def inventory(
    settings: Settings, hosts: Mapping[str, tuple[Target, dict[str, Any]]]
) -> dict[str, Any]:
    bench = settings.bench
    common = (
        f"-o UserKnownHostsFile={bench.known_hosts} -o StrictHostKeyChecking=yes "
        f"-o ConnectTimeout={int(bench.timeout)} -o BatchMode=yes"
    )
    return {
        "all": {
            "hosts": {
                name: {
                    "ansible_host": target.host,
                    "ansible_port": target.port,
                    "ansible_user": target.user,
                    "ansible_ssh_private_key_file": str(bench.ssh_key),
                    "ansible_ssh_common_args": common,
                    "ansible_python_interpreter": "/usr/bin/python3",
                    **variables,
                }
                for name, (target, variables) in hosts.items()
            }
        }
    }


def run_playbook(
    settings: Settings,
    playbook: str,
    hosts: Mapping[str, tuple[Target, dict[str, Any]]],
    *,
    task: str,
    progress: Callable[[str, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    secrets: Mapping[str, str] | None = None,
    on_task: Callable[[str], None] | None = None,
) -> PlaybookResult:
    """Run ``playbook`` on ``hosts`` ({name: (target, variables)}) over SSH; ``task`` is the
    name of the task whose per-host result the caller wants. ``secrets`` reach the playbook
    as environment variables of ansible-playbook (``lookup('env', NAME)``), never in a file.
    ``on_task`` hears the name of each task as it starts (for a progress display)."""
    return run_inventory(
        settings,
        playbook,
        inventory(settings, hosts),
        list(hosts),
        task=task,
        progress=progress,
        cancelled=cancelled,
        secrets=secrets,
        on_task=on_task,
    )


def run_inventory(
    settings: Settings,
    playbook: str,
    inventory_data: dict[str, Any],
    host_names: list[str],
    *,
    task: str,
    progress: Callable[[str, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    secrets: Mapping[str, str] | None = None,
    on_task: Callable[[str], None] | None = None,
) -> PlaybookResult:
    """Run ``playbook`` on an inventory (any connection: SSH, chroot)."""
    import ansible_runner

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    data_dir = (
        settings.data_dir / "runs" / f"{stamp}-{playbook.removesuffix('.yml')}-"
        f"{uuid.uuid4().hex[:6]}"
    )
    (data_dir / "inventory").mkdir(parents=True, mode=0o700)
    (data_dir / "inventory" / "hosts.json").write_text(json.dumps(inventory_data, indent=2))
    # How often ansible-runner polls the cancel callback (Ctrl-C) and sees the run end: its
    # default is 5 s; 0.1 s costs nothing measurable and ends each run sooner.
    (data_dir / "env").mkdir(mode=0o700)
    (data_dir / "env" / "settings").write_text(json.dumps({"pexpect_timeout": 0.1}))
    outcomes = {name: HostOutcome() for name in host_names}
    failures: list[str] = []
    changed: list[str] = []  # tasks that changed something (events are not kept on disk)

    def on_event(event: dict[str, Any]) -> bool:
        data = event.get("event_data", {})
        host = data.get("host")
        kind = event.get("event", "")
        if kind == "playbook_on_task_start" and on_task:
            on_task(str(data.get("task") or ""))
        if kind == "runner_on_ok" and (data.get("res") or {}).get("changed"):
            changed.append(f"{host}: {data.get('task', '?')}")
        if kind in ("runner_on_failed", "runner_on_unreachable") and not data.get("ignore_errors"):
            result = data.get("res", {})
            failures.append(f"{data.get('task', '?')}: {str(result.get('msg', ''))[:500]}")
        if host in outcomes and task and data.get("task") == task:
            if kind == "runner_on_start" and progress:
                progress(host, "started")
            elif kind in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable"):
                status = {
                    "runner_on_ok": "ok",
                    "runner_on_failed": "failed",
                    "runner_on_unreachable": "unreachable",
                }[kind]
                result = data.get("res", {})
                outcomes[host] = HostOutcome(status, result, str(result.get("msg", "")))
                if progress:
                    progress(host, status)
        elif host in outcomes and kind == "runner_on_unreachable":
            result = data.get("res", {})
            outcomes[host] = HostOutcome("unreachable", result, str(result.get("msg", "")))
            if progress:
                progress(host, "unreachable")
        return False  # the stdout of events is not kept twice on disk

    bin_dir = str(Path(sys.executable).parent)
    env = {
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "True",
        "ANSIBLE_LOCAL_TEMP": str(data_dir / "tmp"),
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        **(secrets or {}),
    }
    runner = ansible_runner.run(
        private_data_dir=str(data_dir),
        project_dir=str(playbooks_dir()),
        playbook=playbook,
        envvars=env,
        quiet=True,
        forks=max(1, min(32, len(host_names))),
        event_handler=on_event,
        cancel_callback=cancelled or (lambda: False),
        suppress_env_files=True,
    )
    if secrets:
        _redact(data_dir, [value for value in secrets.values() if value])
    if task:
        for outcome in outcomes.values():
            if outcome.status == "pending":
                outcome.status = "canceled" if runner.status == "canceled" else "failed"
                outcome.message = outcome.message or f"the playbook ended {runner.status}"
    return PlaybookResult(
        status=runner.status,
        hosts=outcomes,
        artifacts=data_dir,
        changed=len(changed),
        changed_tasks=changed,
        failure=failures[0] if failures else "",
    )


def _redact(data_dir: Path, values: list[str]) -> None:
    """ansible-runner keeps the job's environment in its artefacts (artifacts/*/command):
    the secrets passed through it are blanked there once the run is over."""
    pieces = sorted({piece for value in values for piece in (value, *value.splitlines())}, key=len)
    for path in data_dir.rglob("*"):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        cleaned = text
        for piece in reversed(pieces):  # the longest first
            if piece:
                cleaned = cleaned.replace(piece, "********")
                cleaned = cleaned.replace(json.dumps(piece)[1:-1], "********")
        if cleaned != text:
            path.write_text(cleaned, encoding="utf-8")
