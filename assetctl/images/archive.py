"""Asking a Debian archive about packages, with a private apt state (nothing of the host's
apt configuration is used or changed): which of a profile's packages exist, at which version.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from assetctl.errors import AssetctlError

KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")


class ArchiveError(AssetctlError):
    """The archive could not be read."""


def _options(state: Path) -> list[str]:
    return [
        "-o",
        f"Dir::State={state / 'state'}",
        "-o",
        f"Dir::State::Lists={state / 'lists'}",
        "-o",
        "Dir::State::status=/var/lib/dpkg/status",
        "-o",
        f"Dir::Cache={state / 'cache'}",
        "-o",
        f"Dir::Etc::SourceList={state / 'sources.list'}",
        "-o",
        f"Dir::Etc::SourceParts={state / 'parts'}",
        "-o",
        "Acquire::Languages=none",
        "-o",
        "Debug::NoLocking=1",
        "-o",
        "APT::Get::List-Cleanup=0",
    ]


def prepare(
    state: Path, *, mirror: str, suite: str, components: list[str] | tuple[str, ...]
) -> list[str]:
    """Fetch the archive's package lists into ``state``; returns the apt options to use."""
    if shutil.which("apt-get") is None:
        raise ArchiveError("apt-get is not available: the archive check needs a Debian host")
    for folder in ("state", "lists/partial", "cache/archives/partial", "parts"):
        (state / folder).mkdir(parents=True, exist_ok=True)
    signed = f"signed-by={KEYRING}" if KEYRING.exists() else "trusted=yes"
    (state / "sources.list").write_text(f"deb [{signed}] {mirror} {suite} {' '.join(components)}\n")
    options = _options(state)
    done = subprocess.run(
        ["apt-get", *options, "-qq", "update"], capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0 or "Err:" in done.stdout:
        raise ArchiveError(f"cannot read {mirror} {suite}: {(done.stderr or done.stdout)[-300:]}")
    return options


def candidates(options: list[str], packages: list[str]) -> dict[str, str | None]:
    """{package: version the archive offers, or None}."""
    done = subprocess.run(
        ["apt-cache", *options, "policy", *packages], capture_output=True, text=True, timeout=120
    )
    found: dict[str, str | None] = dict.fromkeys(packages)
    current = None
    for line in done.stdout.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
        elif current in found and line.strip().startswith("Candidate:"):
            version = line.split(":", 1)[1].strip()
            found[current] = None if version == "(none)" else version
    return found
