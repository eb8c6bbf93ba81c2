"""Option types shared by the family-side commands: French-friendly dates, amounts, lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # click's ParamType is generic in its type hints (not in older releases)
    ParamType = click.ParamType[Any, Any]
else:
    ParamType = click.ParamType


class DateType(ParamType):
    """``2026-11-28`` or ``28/11/2026``."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        from assetctl.asset_fields import parse_date
        from assetctl.errors import ValidationError

        try:
            return parse_date(param.name if param and param.name else "date", str(value).strip())
        except ValidationError as exc:
            self.fail(str(exc), param, ctx)


class EurosType(ParamType):
    """An amount in euros (``5``, ``4,50``), as cents."""

    name = "EUROS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        from assetctl.asset_fields import parse_price_cents
        from assetctl.errors import ValidationError

        try:
            return parse_price_cents("amount", str(value))
        except ValidationError as exc:
            self.fail(str(exc), param, ctx)


class DaysType(ParamType):
    """``30``, ``30d``, ``6w`` or ``2m`` (months of 30 days), as days."""

    name = "DAYS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        unit = {"d": 1, "w": 7, "m": 30}.get(text[-1:], 0)
        number = text[:-1] if unit else text
        if not number.isdigit() or int(number) > 3650:
            self.fail(f"{value!r} is not a duration: write 30, 30d, 6w or 2m", param, ctx)
        return int(number) * (unit or 1)


class OutputFileType(click.Path):
    """A file a command writes (a PDF, an export): its folder must exist and be writable, said
    before any work is done (not found by the writer, after it)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import os

        path = super().convert(value, param, ctx)
        folder = Path(os.fsdecode(path)).parent
        if not folder.is_dir():
            self.fail(
                f"the folder {folder} does not exist: create it, or write elsewhere", param, ctx
            )
        if not os.access(folder, os.W_OK):
            self.fail(f"the folder {folder} is not writable for you: write elsewhere", param, ctx)
        return path


DATE = DateType()
EUROS = EurosType()
DAYS = DaysType()
OUTPUT_FILE = OutputFileType()


class WordType(ParamType):
    """One value of a vocabulary (:mod:`assetctl.vocabulary`), by its code or a word people
    type for it (``portable``, ``prêt``); converts to the code."""

    def __init__(self, enum: type[Any], only: tuple[str, ...] | None = None) -> None:
        self.enum = enum
        self.only = only or tuple(member.value for member in enum)
        self.name = "|".join(self.only)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return f"[{self.name}]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from assetctl.errors import ValidationError
        from assetctl.vocabulary import parse

        what = param.name if param and param.name else "value"
        try:
            code = str(parse(self.enum, str(value), what).value)
        except ValidationError:
            code = ""
        if code not in self.only:
            self.fail(f"{value!r} is not one of: {', '.join(self.only)}", param, ctx)
        return code


class TextType(ParamType):
    """Free text kept in a record (a reason, a note), refused when longer than its column."""

    name = "TEXT"

    def __init__(self, max_length: int) -> None:
        self.max_length = max_length

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if len(text) > self.max_length:
            self.fail(
                f"{len(text)} characters, more than the {self.max_length} kept: shorten it",
                param,
                ctx,
            )
        return text


# what a device's history keeps of a reason or a note (models.AssetEvent.reason)
HISTORY_TEXT = TextType(500)
