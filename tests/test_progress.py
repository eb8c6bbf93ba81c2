"""The progress display of long work: a status line redrawn in place on a terminal, few plain
lines in a log, nothing with --quiet; results still print."""

from __future__ import annotations

import io
from pathlib import Path

import click

from assetctl.cli.progress import QUIET, Progress, elapsed
from tests.conftest import Cli


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_line_per_tenth_and_each_step() -> None:
    log = io.StringIO()
    with Progress("import", stream=log) as shown:
        shown.step("reading the file")
        for done in range(1, 1001):
            shown.count(done, 1000, "rows written")
        shown.status("a task name that only a terminal shows")
    lines = log.getvalue().splitlines()
    assert lines[0] == "  reading the file"
    counted = [line for line in lines if "rows written" in line]
    assert counted[0] == "  100/1000 rows written" and counted[-1] == "  1000/1000 rows written"
    assert len(counted) == 10
    assert lines[-1].startswith("import: done in ")
    assert "\r" not in log.getvalue() and "task name" not in log.getvalue()


def test_a_terminal_gets_one_line_redrawn() -> None:
    screen = Terminal()
    with Progress("labels", stream=screen) as shown:
        shown.count(3, 6, "labels drawn")
        shown.status("deploy.yml: write the image")
    text = screen.getvalue()
    assert "\r\033[K" in text
    assert "[############............] 3/6 labels drawn" in text
    assert "deploy.yml: write the image" in text
    assert text.endswith("labels: done in 0 s\n")


def test_quiet_says_nothing() -> None:
    screen = Terminal()
    with click.Context(click.Command("x")) as context:
        context.meta[QUIET] = True
        with Progress("labels", stream=screen) as shown:
            shown.step("a step")
            shown.count(1, 2, "labels drawn")
    assert screen.getvalue() == ""


def test_elapsed_reads_as_time() -> None:
    assert [elapsed(s) for s in (8, 125, 3720)] == ["8 s", "2 min 05 s", "1 h 02 min"]


def test_assetctl_quiet_silences_the_progress_not_the_result(cli_db: Cli, tmp_path: Path) -> None:
    pdf = tmp_path / "rapport.pdf"
    loud = cli_db.ok("report", "pdf", "-o", str(pdf))
    assert "typesetting the PDF" in loud.stderr and "report: done in" in loud.stderr
    quiet = cli_db.ok("--quiet", "report", "pdf", "-o", str(pdf))
    assert "typesetting" not in quiet.stderr and "done in" not in quiet.stderr
    assert "Report written" in quiet.stderr


def test_the_display_prints_a_line_per_tenth_where_no_one_watches_it_redraw() -> None:
    out = io.StringIO()
    with Progress("wipe 1 machine(s)", stream=out) as shown:
        for percent in (0, 5, 12, 18, 55, 100):
            shown.gauge("T sda overwrite", f"T sda overwrite {percent} %", "T", percent / 100)
        shown.gauge("T sda read-back", "T sda read-back 3 %", "T", 0.03)
    lines = out.getvalue().splitlines()
    assert lines[:5] == [
        "  T sda overwrite 0 %",
        "  T sda overwrite 12 %",
        "  T sda overwrite 55 %",
        "  T sda overwrite 100 %",
        "  T sda read-back 3 %",
    ]


def test_on_a_terminal_every_disk_shares_the_status_line() -> None:
    screen = Terminal()
    with Progress("wipe 2 machine(s)", stream=screen) as shown:
        shown.gauge("A sda overwrite", "A /dev/sda overwrite 10 % (long)", "A overwrite 10 %", 0.1)
        one = screen.getvalue().rsplit("\r\033[K", 1)[1]
        shown.gauge("B sda overwrite", "B /dev/sda overwrite 20 % (long)", "B overwrite 20 %", 0.2)
        two = screen.getvalue().rsplit("\r\033[K", 1)[1]
    assert one.endswith("A /dev/sda overwrite 10 % (long)")  # alone: the whole reading
    assert two.endswith("A overwrite 10 %; B overwrite 20 %")  # several: each one short
    assert "\n" not in screen.getvalue().split("done in")[0]  # redrawn, never a new line
