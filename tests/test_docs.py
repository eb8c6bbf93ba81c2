"""Every command has help; the reference in docs/ (one page per command group, the README as
the first page) documents every command and the CSV columns; the README's links hold."""

from __future__ import annotations

from pathlib import Path

import click

from assetctl.asset_fields import ADD_FIELDS
from assetctl.cli import cli

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = {
    path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs").glob("*.md"))
}
DOCS = "\n".join(PAGES.values())


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


def test_every_command_is_in_the_reference() -> None:
    for path, command in all_commands():
        if not isinstance(command, click.Group):
            assert f"assetctl {path}" in DOCS, f"`assetctl {path}` is not in docs/"


def test_every_command_group_is_on_the_readmes_index() -> None:
    index = README.split("## Documentation", 1)[1].split("\n## ", 1)[0]
    for path, _command in all_commands():
        if " " not in path:
            assert f"`{path}`" in index, f"`{path}` is not in the README's documentation index"


def test_the_readmes_links_and_images_exist() -> None:
    import re

    for source, text in (("README.md", README), *((f"docs/{n}", t) for n, t in PAGES.items())):
        base = ROOT if source == "README.md" else ROOT / "docs"
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if not target.startswith(("http://", "https://")):
                assert (base / target).exists(), f"{source} links to {target}, which is missing"


def test_the_first_page_is_short() -> None:
    assert len(README.splitlines()) <= 150, (
        "the README is the first page: the reference is in docs/"
    )


def test_csv_columns_are_documented() -> None:
    for column in ADD_FIELDS:
        assert f"`{column}`" in DOCS, f"CSV column {column} is not documented in docs/"


def test_household_csv_columns_are_documented() -> None:
    from assetctl.households import FORM_FIELDS

    section = PAGES["families.md"].split("## Household CSV columns", 1)[1]
    for column in FORM_FIELDS:
        assert f"`{column}`" in section, f"household column {column} is not in docs/families.md"
