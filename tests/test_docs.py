"""Every command has help, and the README documents the commands and the CSV columns."""

from __future__ import annotations

from pathlib import Path

import click

from assetctl.asset_fields import ADD_FIELDS
from assetctl.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def all_commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    context = click.Context(cli)

    def walk(prefix: str, group: click.Group) -> None:
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            assert command is not None
            path = f"{prefix} {name}".strip()
            found.append((path, command))
            if isinstance(command, click.Group):
                walk(path, command)

    walk("", cli)
    return found


def test_every_command_has_help() -> None:
    for path, command in all_commands():
        assert command.help and command.help.strip(), f"`assetctl {path}` has no help text"


def test_every_command_is_in_the_readme() -> None:
    for path, command in all_commands():
        if not isinstance(command, click.Group):
            assert f"assetctl {path}" in README, f"`assetctl {path}` is not in README.md"


def test_csv_columns_are_documented() -> None:
    for column in ADD_FIELDS:
        assert f"`{column}`" in README, f"CSV column {column} is not documented in README.md"


def test_household_csv_columns_are_documented() -> None:
    from assetctl.households import FORM_FIELDS

    section = README.split("### Household CSV columns", 1)[1]
    for column in FORM_FIELDS:
        assert f"`{column}`" in section, f"household column {column} is not in README.md"
