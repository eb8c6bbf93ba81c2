#!/usr/bin/python3
"""The parental-control assistant of a family system, at its first start-up (loi n° 2022-300,
décret n° 2023-588): before the first login, on the console, it guides the parent (in French,
in plain words) through the children's account, the daily time limits and the filtering level,
with the image profile's values as defaults. It works offline and sends nothing anywhere.

This file is copied into every family image as ``/usr/local/sbin/assetctl-controle-parental``
(image.yml) and run there by ``assetctl-premier-demarrage.service`` while the image is armed
(``/var/lib/assetctl/premier-demarrage`` exists); the parent can run it again later with sudo.
It reads its defaults from ``/etc/assetctl/controle-parental.json``, which the image build
writes from the profile. Standard library only: the family system has Python (Ansible needs
it) and nothing else of assetctl. The image build imports the same functions to write the
first settings, so that the assistant and the build write the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import unicodedata
from collections.abc import Callable, Sequence
from typing import IO, Any, TypeVar

SETTINGS = "/etc/assetctl/controle-parental.json"
ARMED = "/var/lib/assetctl/premier-demarrage"  # present: the assistant runs at the next start
JOURNAL = "/var/lib/assetctl/controle-parental.log"  # what the parent chose, and when
PROGRAM = "/usr/local/sbin/assetctl-controle-parental"
UNIT = "assetctl-premier-demarrage.service"
RESOLVED_DROPIN = "/etc/systemd/resolved.conf.d/assetctl-filter.conf"
MIN_MINUTES, MAX_MINUTES = 15, 1440
NAME_MAX = 40
WIDTH = 78  # a console's 80 columns: no word cut by the screen's edge
# the polkit actions that install software: PackageKit (the desktop's software centre) and
# Flatpak; the children's account is refused them outright, without a password prompt
INSTALL_ACTIONS = ("org.freedesktop.packagekit.", "org.freedesktop.Flatpak.")

_HOURS = re.compile(
    r"^\s*(?:de\s+)?(\d{1,2})\s*(?:[h:](\d{2})?)?\s*(?:-|à|a)\s*(\d{1,2})\s*(?:[h:](\d{2})?)?\s*$",
    re.I,
)
_DURATION = re.compile(
    r"^\s*(?:(\d{1,2})\s*h\s*(\d{1,2})?|(\d{1,4}))\s*(?:min(?:utes?)?)?\s*$", re.I
)

T = TypeVar("T")


class Invalid(ValueError):
    """An answer the assistant cannot take; its message says what to type instead."""


class Ended(Exception):
    """The console closed before the end (nothing was changed)."""


# --- the settings' files, shared with the image build ------------------------------------


def parse_hours(text: str) -> tuple[int, int, int, int]:
    """ "08:00-20:00", "8h-20h", "de 7h30 à 21h30" → (h1, m1, h2, m2); start before end."""
    found = _HOURS.match(text)
    if not found:
        raise Invalid("Écrivez les heures comme ceci : 08:00-20:00 (de 8 h à 20 h).")
    h1, m1, h2, m2 = (int(part or 0) for part in found.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise Invalid("Une heure va de 00:00 à 24:00.")
    if (h1, m1) >= (h2, m2):
        raise Invalid("L'heure de fin doit venir après l'heure de début.")
    return h1, m1, h2, m2


def format_hours(hours: tuple[int, int, int, int]) -> str:
    h1, m1, h2, m2 = hours
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


def parse_duration(text: str) -> int:
    """ "120", "2h", "1 h 30", "90 min" → minutes, between 15 minutes and 24 hours."""
    found = _DURATION.match(text)
    if not found:
        raise Invalid("Écrivez une durée comme ceci : 2h, 1h30 ou 90 (en minutes).")
    hours, minutes, alone = found.groups()
    total = int(alone) if alone is not None else int(hours) * 60 + int(minutes or 0)
    if not MIN_MINUTES <= total <= MAX_MINUTES:
        raise Invalid("La durée doit aller de 15 minutes à 24 heures.")
    return total


def say_duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest:02d}" if rest else "")


def timekpr_user(child: str, daily_minutes: int, allowed_hours: str) -> str:
    """timekpr-nExt's per-user file (``/var/lib/timekpr/config/timekpr.USER.conf``): allowed
    hours each day and the daily limit in seconds. Its section is the user's name, as the
    daemon reads it (a file it cannot read is replaced by its defaults: no limit at all)."""
    h1, m1, h2, m2 = parse_hours(allowed_hours)
    hours = []
    for hour in range(h1, min(h2, 23) + 1):
        first = m1 if hour == h1 else 0
        last = m2 if hour == h2 else 60  # timekpr's minutes run to 60: the whole hour
        if hour == h2 and m2 == 0:
            break
        hours.append(str(hour) if (first, last) == (0, 60) else f"{hour}[{first}-{last}]")
    daily = int(daily_minutes) * 60
    allowed = ";".join(hours)
    lines = ["[DOCUMENTATION]", "#### written by assetctl (image profile or parental assistant)",
             "", f"[{child}]"]  # fmt: skip
    lines += [f"ALLOWED_HOURS_{day} = {allowed}" for day in range(1, 8)]
    lines += [
        "ALLOWED_WEEKDAYS = 1;2;3;4;5;6;7",
        "LIMITS_PER_WEEKDAYS = " + ";".join([str(daily)] * 7),
        f"LIMIT_PER_WEEK = {daily * 7}",
        f"LIMIT_PER_MONTH = {daily * 31}",
        "TRACK_INACTIVE = False",
        "HIDE_TRAY_ICON = False",
        "LOCKOUT_TYPE = terminate",
        "WAKEUP_HOUR_INTERVAL = 0;23",
    ]
    return "\n".join(lines) + "\n"


def resolved_dropin(level: dict[str, Any], dns_over_tls: bool) -> str:
    """systemd-resolved's drop-in that sends every query to the level's filtering resolver."""
    tls = f"#{level['tls_name']}" if level.get("tls_name") else ""
    servers = " ".join(f"{server}{tls}" for server in level["servers"])
    return (
        f"# Written by assetctl: family filtering ({level.get('name', '')}). The resolver below\n"
        "# filters what the level blocks; no other DNS server is used.\n"
        "[Resolve]\n"
        f"DNS={servers}\n"
        "Domains=~.\n"
        f"DNSOverTLS={'yes' if dns_over_tls else 'no'}\n"
        "FallbackDNS=\n"
    )


def polkit_rule(child: str) -> str:
    """A polkit rule refusing the children's account every software installation."""
    prefixes = ", ".join(json.dumps(prefix) for prefix in INSTALL_ACTIONS)
    return (
        "// Written by assetctl: the children's account installs no software (parental control).\n"
        "polkit.addRule(function (action, subject) {\n"
        f"    var prefixes = [{prefixes}];\n"
        f"    if (subject.user !== {json.dumps(child)}) return polkit.Result.NOT_HANDLED;\n"
        "    for (var i = 0; i < prefixes.length; i++)\n"
        "        if (action.id.indexOf(prefixes[i]) === 0) return polkit.Result.NO;\n"
        "    return polkit.Result.NOT_HANDLED;\n"
        "});\n"
    )


def unit_file() -> str:
    """The first start's service: on the console, before any login (text or graphical)."""
    return (
        "[Unit]\n"
        "Description=Premier démarrage : contrôle parental (assetctl)\n"
        f"ConditionPathExists={ARMED}\n"
        "After=systemd-user-sessions.service systemd-vconsole-setup.service\n"
        "After=plymouth-quit-wait.service\n"
        "Before=getty-pre.target display-manager.service timekpr.service\n"
        "Wants=getty-pre.target\n"
        "Conflicts=plymouth-quit-wait.service\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        "RemainAfterExit=yes\n"
        f"ExecStart={PROGRAM} --first-start\n"
        "StandardInput=tty\n"
        "StandardOutput=tty\n"
        "StandardError=journal\n"
        "TTYPath=/dev/console\n"
        "TTYReset=yes\n"
        "TTYVHangup=yes\n"
        "TimeoutStartSec=infinity\n"
        "Environment=LANG=fr_FR.UTF-8\n"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
    )


def settings_from_profile(
    child: str,
    child_full_name: str,
    limits: dict[str, Any],
    dns: dict[str, Any],
) -> dict[str, Any]:
    """What the image build writes to SETTINGS: the assistant's choices and their defaults."""
    default = {
        "name": dns.get("level", "famille"),
        "label": dns.get("label", "Protection famille"),
        "servers": dns.get("servers", []),
        "tls_name": dns.get("tls_name", ""),
    }
    levels = [
        {
            "name": str(level["name"]),
            "label": str(level["label"]),
            "servers": list(level["servers"]),
            "tls_name": str(level.get("tls_name", "")),
        }
        for level in ([default, *dns.get("alternatives", [])] if dns.get("enabled") else [])
    ]
    return {
        "child": child,
        "time_limits": bool(limits.get("enabled")),
        "dns_over_tls": bool(dns.get("dns_over_tls", False)),
        "levels": levels,
        "current": {
            "full_name": child_full_name,
            "daily_minutes": int(limits.get("daily_minutes", 120)),
            "allowed_hours": str(limits.get("allowed_hours", "08:00-20:00")),
            "level": levels[0]["name"] if levels else "",
        },
    }


# --- the conversation --------------------------------------------------------------------


def clean_name(text: str) -> str:
    """The child's first name as the login screen shows it: letters, spaces, - and '."""
    name = unicodedata.normalize("NFC", " ".join(text.split()))
    if len(name) > NAME_MAX:
        raise Invalid(f"Le prénom est trop long ({NAME_MAX} caractères au plus).")
    if not name or not all(ch.isalpha() or ch in " -'’" for ch in name):
        raise Invalid("Écrivez seulement des lettres (espaces, tirets et apostrophes permis).")
    return name


class Conversation:
    def __init__(self, given: IO[str], shown: IO[str]) -> None:
        self.given, self.shown = given, shown

    def say(self, text: str = "") -> None:
        self.shown.write(text + "\n")
        self.shown.flush()

    def para(self, text: str, first: str = "", then: str = "") -> None:
        """A paragraph wrapped to the console's width, words whole."""
        self.say(textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=then))

    def ask(self, question: str, default: str, parse: Callable[[str], T]) -> T:
        while True:
            self.shown.write(f"{question} [{default}] : " if default else f"{question} : ")
            self.shown.flush()
            line = self.given.readline()
            if not line:
                raise Ended
            answer = line.strip()
            try:
                return parse(answer or default)
            except Invalid as exc:
                self.say(f"  {exc}")


def _choice(count: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if text.strip().isdigit() and 1 <= int(text) <= count:
            return int(text)
        raise Invalid(f"Tapez un chiffre de 1 à {count}.")

    return parse


def _yes(text: str) -> bool:
    answer = text.strip().lower()
    if answer in ("o", "oui", "y"):
        return True
    if answer in ("n", "non"):
        return False
    raise Invalid("Répondez par o (oui) ou n (non).")


def converse(settings: dict[str, Any], talk: Conversation) -> dict[str, Any]:
    """The parent's answers: the new "current" values (Ended if the console closes)."""
    now = dict(settings["current"])
    levels = settings["levels"]
    talk.say()
    talk.say("=== Contrôle parental de cet ordinateur ===")
    talk.para(
        "Cet ordinateur est prêté ou donné par le programme de la ville. Avant la première "
        "connexion, choisissez les réglages du compte de votre enfant. Ce contrôle parental "
        "est gratuit, fonctionne sans Internet et n'envoie aucune information sur votre "
        "enfant. Appuyez sur Entrée pour garder la valeur proposée entre crochets."
    )
    talk.say()
    talk.para(
        "Le compte de l'enfant ne peut pas installer de logiciels ni changer les réglages : "
        "seul le compte « parent », avec son mot de passe, le peut."
    )
    while True:
        number = iter(range(1, 10))
        talk.say()
        now["full_name"] = talk.ask(
            f"{next(number)}. Prénom de l'enfant, affiché à l'écran de connexion",
            now["full_name"],
            clean_name,
        )
        if settings["time_limits"]:
            talk.say(f"{next(number)}. Temps d'écran : combien de temps par jour l'enfant peut")
            now["daily_minutes"] = talk.ask(
                "   utiliser l'ordinateur (par exemple 2h ou 1h30)",
                say_duration(now["daily_minutes"]).replace(" ", ""),
                parse_duration,
            )
            now["allowed_hours"] = format_hours(
                talk.ask(
                    f"{next(number)}. Heures permises (par exemple 08:00-20:00)",
                    now["allowed_hours"],
                    parse_hours,
                )
            )
        names = [level["name"] for level in levels]
        if len(levels) > 1:
            talk.say(f"{next(number)}. Filtrage des sites internet :")
            for rank, level in enumerate(levels, 1):
                talk.para(level["label"], f"   {rank}. ", "      ")
            current = names.index(now["level"]) + 1 if now["level"] in names else 1
            now["level"] = names[talk.ask("   Votre choix", str(current), _choice(len(levels))) - 1]
        elif levels:
            now["level"] = names[0]
        talk.say()
        talk.say("Résumé :")
        talk.say(f"  - compte de l'enfant : {now['full_name']} (identifiant {settings['child']})")
        if settings["time_limits"]:
            talk.say(f"  - temps d'écran : {say_duration(now['daily_minutes'])} par jour,")
            talk.say(f"    de {now['allowed_hours'].replace('-', ' à ')}")
        if levels:
            chosen = next(level for level in levels if level["name"] == now["level"])
            talk.para(chosen["label"], "  - filtrage des sites : ", "    ")
        if talk.ask("Enregistrer ces réglages ? (o/n)", "o", _yes):
            return now
        talk.say("Reprenons.")


# --- applying the answers ------------------------------------------------------------------


def _path(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/"))


def _write(root: str, path: str, text: str, mode: int) -> None:
    """Atomically: a file cut half-way by a power cut would lift the limits."""
    target = _path(root, path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    temporary = target + ".assetctl-new"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, mode)
    os.replace(temporary, target)


def apply(root: str, settings: dict[str, Any], chosen: dict[str, Any], stamp: str) -> None:
    child = settings["child"]
    subprocess.run(
        ["usermod", *(["--root", root] if root != "/" else []), "-c", chosen["full_name"], child],
        check=True,
        capture_output=True,
    )
    if settings["time_limits"]:
        _write(
            root,
            f"/var/lib/timekpr/config/timekpr.{child}.conf",
            timekpr_user(child, chosen["daily_minutes"], chosen["allowed_hours"]),
            0o600,
        )
    level = next((lv for lv in settings["levels"] if lv["name"] == chosen["level"]), None)
    if level is not None:
        _write(root, RESOLVED_DROPIN, resolved_dropin(level, settings["dns_over_tls"]), 0o644)
    _write(root, SETTINGS, json.dumps({**settings, "current": chosen}, indent=2) + "\n", 0o644)
    os.makedirs(os.path.dirname(_path(root, JOURNAL)), exist_ok=True)
    with open(_path(root, JOURNAL), "a", encoding="utf-8") as journal:
        journal.write(f"{stamp} {json.dumps(chosen, ensure_ascii=False, sort_keys=True)}\n")
    os.chmod(_path(root, JOURNAL), 0o600)


def quiet_console() -> Callable[[], None]:
    """During the first start's dialogue, keep the boot's messages off the console (systemd's
    status lines and the kernel's): seen in the lab, they cut into the questions. Returns what
    puts them back."""
    import signal

    printk = "/proc/sys/kernel/printk"
    try:
        with open(printk, encoding="ascii") as handle:
            levels = handle.read()
        with open(printk, "w", encoding="ascii") as handle:
            handle.write("1")  # only the kernel's emergencies
    except OSError:
        levels = ""
    try:  # systemd's own PID 1 only (not in a chroot, where /proc is not the machine's)
        with open("/proc/1/comm", encoding="ascii") as handle:
            systemd = handle.read().strip() == "systemd"
    except OSError:
        systemd = False
    if systemd:
        os.kill(1, signal.SIGRTMIN + 21)  # systemd: no status messages on the console

    def restore() -> None:
        if systemd:
            os.kill(1, signal.SIGRTMIN + 20)
        if levels:
            with open(printk, "w", encoding="ascii") as handle:
                handle.write(levels.split()[0])

    return restore


def readable(settings: Any) -> None:
    """The defaults' file holds what the conversation reads (TypeError or KeyError if not)."""
    current = settings["current"]
    levels = settings["levels"]
    texts = [settings["child"], current["full_name"], current["allowed_hours"], current["level"]]
    texts += [level[key] for level in levels for key in ("name", "label", "tls_name")]
    if not (
        all(isinstance(text, str) for text in texts)
        and isinstance(current["daily_minutes"], int)
        and isinstance(settings["time_limits"], bool)
        and isinstance(settings["dns_over_tls"], bool)
        and all(isinstance(level["servers"], list) and level["servers"] for level in levels)
    ):
        raise TypeError("a value is not of its kind")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="assetctl-controle-parental",
        description="Réglages du contrôle parental du compte de l'enfant.",
    )
    parser.add_argument("--root", default="/", help=argparse.SUPPRESS)  # tests: a system tree
    parser.add_argument("--first-start", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # whatever the console's locale: bytes that are not UTF-8 become U+FFFD, which no answer takes
    for stream in (sys.stdin, sys.stdout):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    talk = Conversation(sys.stdin, sys.stdout)
    if args.first_start and not os.path.exists(_path(args.root, ARMED)):
        return 0
    if os.geteuid() != 0 and args.root == "/":
        talk.say("Ces réglages demandent le mot de passe du parent :")
        talk.say("  sudo assetctl-controle-parental")
        return 1
    again = " L'assistant reviendra au prochain démarrage." if args.first_start else ""
    try:
        with open(_path(args.root, SETTINGS), encoding="utf-8") as handle:
            settings = json.load(handle)
        readable(settings)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"{SETTINGS}: {exc!r}", file=sys.stderr)  # for the support (the journal)
        talk.para(f"Réglages illisibles ({SETTINGS}). Appelez le support du programme.")
        return 1
    quiet = args.first_start and args.root == "/"
    if quiet:
        restore = quiet_console()
    try:
        chosen = converse(settings, talk)
    except (Ended, KeyboardInterrupt):
        talk.say()
        talk.say("Rien n'a été changé." + again)
        return 1
    finally:
        if quiet:
            restore()
    try:
        apply(args.root, settings, chosen, time.strftime("%Y-%m-%d %H:%M:%S %z"))
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = exc.stderr.decode(errors="replace").strip() if isinstance(
            exc, subprocess.CalledProcessError) else str(exc)  # fmt: skip
        print(detail, file=sys.stderr)  # for the support (the journal)
        talk.para("Les réglages n'ont pas pu être enregistrés. Appelez le support du programme."
                  + again)  # fmt: skip
        return 1
    if os.path.exists(_path(args.root, ARMED)):
        os.remove(_path(args.root, ARMED))
    if args.root == "/" and os.path.isdir("/run/systemd/system"):
        subprocess.run(
            ["systemctl", "try-restart", "systemd-resolved.service", "timekpr.service"],
            capture_output=True,
        )
    talk.say()
    talk.say("C'est enregistré. Pour changer ces réglages plus tard, dans le compte parent,")
    talk.say("ouvrez un terminal et tapez : sudo assetctl-controle-parental")
    talk.say()
    return 0


if __name__ == "__main__":
    sys.exit(main())
