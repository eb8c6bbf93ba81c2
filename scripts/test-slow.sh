#!/usr/bin/env bash
# The slower test tier (not CI): QEMU boots a deployed disk to its login prompt, and one
# `bench prepare` runs over four mixed lab machines (UEFI and NVMe, BIOS and SATA booted from
# its disk afterwards, a drive whose erase lies, an unreachable address). Installs QEMU and the
# OVMF UEFI firmware, then runs the tests marked slow (about 8 minutes here, with the live
# system and the test-boot image cached).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
missing=()
for package in qemu-system-x86 ovmf; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
fi
export ASSETCTL_SLOW_TESTS=1
exec .venv/bin/python -m pytest -m slow "$@"
