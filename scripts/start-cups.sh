#!/usr/bin/env bash
# Makes sure CUPS runs with a cups-pdf queue named assetctl-pdf, for the label printing tests.
# Installs Debian's cups and printer-driver-cups-pdf if they are missing (needs root).
set -uo pipefail
QUEUE=assetctl-pdf
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v cupsd >/dev/null || [ ! -x /usr/lib/cups/backend/cups-pdf ]; then
    echo "start-cups: installing CUPS and cups-pdf" >&2
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq cups cups-client \
        printer-driver-cups-pdf >&2 || exit 1
fi
if ! lpstat -r 2>/dev/null | grep -q "is running"; then
    $SUDO cupsd >&2 || exit 1
    for _ in $(seq 1 20); do
        lpstat -r 2>/dev/null | grep -q "is running" && break
        sleep 0.5
    done
fi
if ! lpstat -p "$QUEUE" >/dev/null 2>&1; then
    ppd=$(ls /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd 2>/dev/null || true)
    $SUDO lpadmin -p "$QUEUE" -E -v cups-pdf:/ ${ppd:+-P "$ppd"} >&2 2>/dev/null || exit 1
fi
lpstat -p "$QUEUE" >/dev/null 2>&1
