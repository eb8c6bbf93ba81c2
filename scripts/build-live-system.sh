#!/usr/bin/env bash
# Builds the bench live system: a Debian ISO (USB key or network boot) that starts an SSH server
# accepting the bench's key, with the tools assetctl uses to read and wipe machines.
# A manual step (not run by CI); needs root, Debian's live-build and ~2 GB of disk:
#
#   apt-get install live-build
#   assetctl bench keygen                  # once per bench
#   sudo scripts/build-live-system.sh ~/.local/share/assetctl/bench/id_ed25519.pub
#
# Writes live-image-amd64.hybrid.iso in build/live/ (dd it onto a USB key, or serve it by PXE).
set -euo pipefail
pubkey="${1:?usage: build-live-system.sh BENCH_PUBLIC_KEY.pub [DEBIAN_RELEASE]}"
release="${2:-bookworm}"
[ -r "$pubkey" ] || { echo "cannot read $pubkey" >&2; exit 1; }
command -v lb >/dev/null || { echo "install live-build first: apt-get install live-build" >&2; exit 1; }
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$here/build/live"
rm -rf "$work" && mkdir -p "$work" && cd "$work"

lb config --distribution "$release" --archive-areas "main contrib non-free-firmware" \
    --debian-installer none --bootappend-live "boot=live components quiet hostname=assetctl-live" \
    --iso-volume "assetctl-bench"

# The tools the bench uses: SSH, disks (lsblk, smartctl, nvme, hdparm, parted), DMI, archives,
# and python3 for Ansible.
cat > config/package-lists/assetctl.list.chroot <<'LIST'
openssh-server python3 nvme-cli hdparm smartmontools dmidecode util-linux parted
fdisk gdisk dosfstools mtools e2fsprogs zstd tar pv iproute2 pciutils usbutils
firmware-linux-free firmware-misc-nonfree firmware-realtek
LIST

# Only the bench's key logs in, as root, by key; no password anywhere.
mkdir -p config/includes.chroot/root/.ssh config/includes.chroot/etc/ssh/sshd_config.d
install -m 600 "$pubkey" config/includes.chroot/root/.ssh/authorized_keys
cat > config/includes.chroot/etc/ssh/sshd_config.d/assetctl.conf <<'CONF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
CONF

# Never mount the machine's disks automatically: the wipe refuses mounted disks.
mkdir -p config/includes.chroot/etc/udev/rules.d
echo 'ENV{UDISKS_IGNORE}="1"' > config/includes.chroot/etc/udev/rules.d/90-assetctl-no-automount.rules

lb build
ls -l "$work"/*.iso
