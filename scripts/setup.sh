#!/usr/bin/env bash
# Installs everything assetctl and its tests need on a fresh Debian machine (idempotent):
# Debian packages, a virtualenv in .venv with assetctl and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests and the demo use: the databases' clients, an SSH server for the
# simulated bench machine, and what image builds and deployments run (debootstrap, zstd,
# partitioning (sfdisk; sgdisk for the tests' own checks) and file-system tools), what the
# bench live system's build needs (cpio for its initramfs, GRUB's BIOS and EFI files and
# xorriso for its ISO), and the bench lab the tests boot machines in: QEMU with UEFI (OVMF)
# and BIOS firmware, iPXE in its network cards, dnsmasq for network boot, and the iPXE files
# bench netboot sends to a machine's own PXE firmware (undionly.kpxe, ipxe.efi); libfuse for the
# tests' disk that silently keeps old data (lab/faultydisk.py); swtpm, a software TPM for a lab
# machine (the wipe clears it).
APT_PACKAGES=(python3-venv sqlite3 postgresql-client openssh-server openssh-client libfuse2
    debootstrap zstd fdisk gdisk dosfstools mtools e2fsprogs curl
    cpio xorriso grub-pc-bin grub-efi-amd64-bin
    qemu-system-x86 ovmf ipxe-qemu ipxe dnsmasq-base iproute2 swtpm)
missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv" >&2
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.assetctl-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing assetctl and its test tools into .venv" >&2
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' >&2
    touch "$stamp"
fi

# `assetctl` on the PATH (also under sudo, whose secure_path has /usr/local/bin): a link to
# this clone's .venv, moved to the clone set up last; a real file there (pip) is left alone.
link=/usr/local/bin/assetctl
target="$PWD/.venv/bin/assetctl"
if [ ! -e "$link" ] || [ -L "$link" ]; then
    if [ "$(readlink "$link" 2>/dev/null)" != "$target" ]; then
        SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        if $SUDO ln -sfn "$target" "$link" 2>/dev/null; then
            echo "setup: assetctl on the PATH: $link -> $target" >&2
        else
            echo "setup: could not link $link; run $target, or add $PWD/.venv/bin to PATH" >&2
        fi
    fi
else
    echo "setup: $link is not a link made by this script: left as it is" >&2
fi
