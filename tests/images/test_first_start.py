"""The parental-control assistant of the family images (assetctl/images/first_start.py), run as
the family system runs it: the program itself, on a system tree, answers typed on its input.

The tree holds the accounts' files and the assistant's defaults as the image build writes them
from a shipped profile; usermod (the host's, as in the image) changes the child's name there.
"""

from __future__ import annotations

import configparser
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetctl.images import build, first_start
from assetctl.images.profiles import load_profile

PROGRAM = Path(first_start.__file__)
CHILD = "eleve"  # famille-college's children's account


def family_tree(root: Path, profile: str = "famille-college", child: str = CHILD) -> Path:
    """A family system's accounts and the assistant's defaults, armed."""
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\nparent:x:1000:1000:Parent:/home/parent:/bin/bash\n"
        f"{child}:x:1001:1001:Élève:/home/{child}:/bin/bash\n"
    )
    (root / "etc/shadow").write_text(f"root:*:1::::::\nparent:!:1::::::\n{child}:!:1::::::\n")
    (root / "etc/shadow").chmod(0o600)
    (root / "etc/group").write_text(f"root:x:0:\nparent:x:1000:\n{child}:x:1001:\n")
    chosen = load_profile(profile)
    settings_file = root / first_start.SETTINGS.lstrip("/")
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(json.dumps(build.first_start_settings(chosen)))
    armed = root / first_start.ARMED.lstrip("/")
    armed.parent.mkdir(parents=True)
    armed.write_text("armed\n")
    return root


def assistant(
    root: Path, answers: bytes | str, first: bool = True
) -> subprocess.CompletedProcess[str]:
    """The program as the first start's service runs it, or (first=False) as the parent runs
    it again later with sudo."""
    data = answers.encode() if isinstance(answers, str) else answers
    done = subprocess.run(
        [sys.executable, str(PROGRAM), "--root", str(root), *(["--first-start"] if first else [])],
        input=data,
        capture_output=True,
        timeout=60,
        env={**os.environ, "LANG": "C"},  # a console without a locale yet
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def limits(root: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read_string((root / f"var/lib/timekpr/config/timekpr.{CHILD}.conf").read_text())
    return parser[CHILD]


def test_the_parent_chooses_the_name_the_limits_and_the_filter(tmp_path: Path) -> None:
    root = family_tree(tmp_path / "fs")
    # name, 1 h 30 a day, 8 h to 19 h, the second level, confirmed
    done = assistant(root, "Léa-Marie\n1h30\n8h-19h\n2\no\n")
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert done.stderr == ""
    # French, and said plainly: offline, no data, no installation for the child
    said = " ".join(done.stdout.split())  # as read, across the wrapped lines
    for words in ("Contrôle parental", "sans Internet", "n'envoie aucune information",
                  "ne peut pas installer de logiciels", "C'est enregistré"):  # fmt: skip
        assert words in said, done.stdout
    # the profile's values are offered as defaults
    assert "[Élève]" in done.stdout and "[3h]" in done.stdout and "[07:30-21:30]" in done.stdout
    passwd = (root / "etc/passwd").read_text()
    assert f"{CHILD}:x:1001:1001:Léa-Marie:/home/{CHILD}:/bin/bash" in passwd
    assert "parent:x:1000:1000:Parent:" in passwd
    child = limits(root)
    assert child["LIMITS_PER_WEEKDAYS"] == ";".join(["5400"] * 7)
    assert child["ALLOWED_HOURS_1"] == "8;9;10;11;12;13;14;15;16;17;18"
    dns = (root / "etc/systemd/resolved.conf.d/assetctl-filter.conf").read_text()
    assert "DNS=185.228.168.10#adult-filter-dns.cleanbrowsing.org " in dns
    assert "185.228.168.168" not in dns and "DNSOverTLS=yes" in dns and "Domains=~." in dns
    # disarmed, and the choice kept on the machine (only there), readable by root only
    assert not (root / first_start.ARMED.lstrip("/")).exists()
    journal = root / first_start.JOURNAL.lstrip("/")
    assert journal.stat().st_mode & 0o077 == 0
    [line] = journal.read_text().splitlines()
    assert json.loads(line.split(" ", 3)[3]) == {
        "full_name": "Léa-Marie", "daily_minutes": 90, "allowed_hours": "08:00-19:00",
        "level": "adultes",
    }  # fmt: skip
    # run again later (sudo): the last answers are the new defaults
    again = assistant(root, "\n\n\n\n\n", first=False)
    assert again.returncode == 0
    assert "[Léa-Marie]" in again.stdout and "[1h30]" in again.stdout
    assert "[08:00-19:00]" in again.stdout and "Votre choix [2]" in again.stdout
    # every line fits an 80-column console, so that no word is cut at the screen's edge (the
    # answers typed are not echoed here: a prompt and what follows it share a line)
    shown = [piece for line in done.stdout.splitlines() for piece in line.split("] : ")]
    assert max(len(piece) for piece in shown) <= 78


def test_enter_keeps_the_profile_values(tmp_path: Path) -> None:
    root = family_tree(tmp_path / "fs")
    done = assistant(root, "\n\n\n\n\n")
    assert done.returncode == 0, done.stdout
    child = limits(root)
    assert child["LIMITS_PER_WEEKDAYS"] == ";".join(["10800"] * 7)  # famille-college: 3 h
    assert child["ALLOWED_HOURS_1"].startswith("7[30-60];8;") and child["ALLOWED_HOURS_1"].endswith(
        ";21[0-30]"
    )
    dns = (root / "etc/systemd/resolved.conf.d/assetctl-filter.conf").read_text()
    # the profile's default level, as the image build writes it before any first start
    assert dns == build.resolved_dropin(load_profile("famille-college"))


def test_wrong_answers_are_asked_again_in_plain_french(tmp_path: Path) -> None:
    root = family_tree(tmp_path / "fs")
    answers = (
        '=HYPERLINK("http://x")\n\x1b[31mLéa\n' + "L" * 41 + "\nLéa\n"  # formula, escape, long
        "10\n25h\nbeaucoup\n45\n"  # too short, too long, not a duration
        "20:00-08:00\n25:00-26:00\ntoute la journée\n9-17\n"  # backwards, no such hour
        "3\n0\n1\n"  # no such level
        "peut-être\no\n"
    )
    done = assistant(root, answers)
    assert done.returncode == 0, done.stdout
    for message in (
        "Écrivez seulement des lettres",
        "Le prénom est trop long (40 caractères au plus).",
        "La durée doit aller de 15 minutes à 24 heures.",
        "Écrivez une durée comme ceci",
        "L'heure de fin doit venir après l'heure de début.",
        "Une heure va de 00:00 à 24:00.",
        "Écrivez les heures comme ceci",
        "Tapez un chiffre de 1 à 2.",
        "Répondez par o (oui) ou n (non).",
    ):
        assert message in done.stdout, (message, done.stdout)
    assert "\x1b" not in done.stdout  # nothing typed is echoed back to the terminal
    assert f":Léa:/home/{CHILD}:" in (root / "etc/passwd").read_text()
    assert limits(root)["LIMITS_PER_WEEKDAYS"].startswith("2700;")


def test_a_no_starts_over_and_a_closed_console_changes_nothing(tmp_path: Path) -> None:
    root = family_tree(tmp_path / "fs")
    before = snapshot(root)
    # the parent says no at the summary, starts again, and the console goes away
    done = assistant(root, "Léa\n1h\n\n\nn\nTom\n")
    assert done.returncode == 1
    assert "Reprenons." in done.stdout and "Rien n'a été changé" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert snapshot(root) == before  # still armed: it asks again at the next start
    # bytes that are not UTF-8 (a console set to another encoding) are refused like any answer
    broken = assistant(root, b"L\xe9a\n" + b"L\xc3\xa9a\n\n\n\no\n")
    assert broken.returncode == 0, broken.stdout + broken.stderr
    assert "Écrivez seulement des lettres" in broken.stdout
    assert f":Léa:/home/{CHILD}:" in (root / "etc/passwd").read_text()


def test_it_asks_nothing_once_disarmed_and_refuses_without_root(tmp_path: Path) -> None:
    root = family_tree(tmp_path / "fs")
    (root / first_start.ARMED.lstrip("/")).unlink()
    before = snapshot(root)
    done = assistant(root, "Léa\n")
    assert (done.returncode, done.stdout) == (0, "")
    assert snapshot(root) == before
    (root / first_start.SETTINGS.lstrip("/")).write_text("{not json")
    broken = subprocess.run(
        [sys.executable, str(PROGRAM), "--root", str(root)], input="", capture_output=True,
        text=True,
    )  # fmt: skip
    assert broken.returncode == 1 and "Réglages illisibles" in broken.stdout
    assert "Traceback" not in broken.stderr
    for damaged in ('{"child": "eleve"}', '{"child": 1, "current": [], "levels": 3}', "[]"):
        (root / first_start.SETTINGS.lstrip("/")).write_text(damaged)
        done = subprocess.run(
            [sys.executable, str(PROGRAM), "--root", str(root)], input="", capture_output=True,
            text=True,
        )  # fmt: skip
        assert done.returncode == 1 and "Réglages illisibles" in done.stdout, done
        assert "Traceback" not in done.stderr


def test_a_profile_without_time_limits_asks_only_what_it_sets(tmp_path: Path) -> None:
    root = family_tree(tmp_path / "fs", profile="test-minimal", child="enfant")
    done = assistant(root, "Léa\n\n")
    assert done.returncode == 0, done.stdout
    # one filtering level: said in the summary, not asked; no time limits: not asked
    assert "Temps d'écran" not in done.stdout and "Votre choix" not in done.stdout
    assert "- filtrage des sites : Protection famille" in done.stdout
    assert not (root / "var/lib/timekpr").exists()
    assert ":Léa:/home/enfant:" in (root / "etc/passwd").read_text()


def test_a_settings_file_for_another_account_changes_nothing(tmp_path: Path) -> None:
    root = family_tree(tmp_path / "fs", child="someone")  # no account eleve in this tree
    before = snapshot(root)
    done = assistant(root, "Léa\n\n\n\n\n")
    assert done.returncode == 1
    assert "n'ont pas pu être enregistrés" in done.stdout
    assert "user 'eleve' does not exist" in done.stderr  # usermod's word, for the journal
    assert "Traceback" not in done.stdout + done.stderr
    assert snapshot(root) == before


SETTINGS = build.first_start_settings(load_profile("famille-college"))
LEVELS = {level["name"] for level in SETTINGS["levels"]}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.text(max_size=60),  # anything, escapes and formulas included
            st.from_regex(r"\d{1,4}( ?min)?|\d{1,2} ?h ?\d{0,2}", fullmatch=True),  # durations
            st.from_regex(r"\d{1,2}(:\d{2})?-\d{1,2}(:\d{2})?", fullmatch=True),  # hours
            st.sampled_from(["", "o", "n", "oui", "non", "0", "1", "2", "3", "Léa", "Jean-Éric"]),
        ),
        max_size=30,
    )
)
def test_any_typed_lines_give_valid_settings_or_nothing(lines: list[str]) -> None:
    """Whatever is typed (one answer per line), the assistant either ends with settings that
    the daemons read, or is still asking when the console closes; no other outcome."""
    typed = io.StringIO("".join(line.replace("\n", " ") + "\n" for line in lines))
    shown = io.StringIO()
    try:
        chosen = first_start.converse(SETTINGS, first_start.Conversation(typed, shown))
    except first_start.Ended:
        return
    assert chosen["level"] in LEVELS
    assert first_start.MIN_MINUTES <= chosen["daily_minutes"] <= first_start.MAX_MINUTES
    assert (
        first_start.format_hours(first_start.parse_hours(chosen["allowed_hours"]))
        == (chosen["allowed_hours"])
    )
    name = chosen["full_name"]
    assert 0 < len(name) <= first_start.NAME_MAX and not set(name) & set(":,\n\x1b=")
    parser = configparser.ConfigParser()
    parser.read_string(first_start.timekpr_user(CHILD, chosen["daily_minutes"],
                                                chosen["allowed_hours"]))  # fmt: skip
    assert parser[CHILD]["LIMITS_PER_WEEKDAYS"].split(";")[0] == str(chosen["daily_minutes"] * 60)


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("2h", 120), ("1h30", 90), ("1 h 30", 90), ("90", 90), ("45 min", 45), ("24h", 1440)],
)
def test_durations_as_parents_write_them(typed: str, minutes: int) -> None:
    assert first_start.parse_duration(typed) == minutes


@pytest.mark.parametrize(
    ("typed", "hours"),
    [("08:00-20:00", "08:00-20:00"), ("8h-20h", "08:00-20:00"),
     ("de 7h30 à 21h30", "07:30-21:30"), ("9-17", "09:00-17:00"), ("6:00-24:00", "06:00-24:00")],
)  # fmt: skip
def test_hours_as_parents_write_them(typed: str, hours: str) -> None:
    assert first_start.format_hours(first_start.parse_hours(typed)) == hours


def test_until_midnight_the_last_hour_is_whole() -> None:
    parser = configparser.ConfigParser()
    parser.read_string(first_start.timekpr_user(CHILD, 60, "22:30-24:00"))
    assert parser[CHILD]["ALLOWED_HOURS_1"] == "22[30-60];23"
