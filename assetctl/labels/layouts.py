"""Label layouts: data files (``labels/NAME.toml``) describing a label stock.

Searched, first match wins: the user's ``labels/`` folder in the configuration directory, then
the layouts shipped with assetctl (``assetctl.resources.labels``). A user adds a layout by
adding a file.

A layout is checked before anything is drawn with it: every number finite and within what a
label stock can physically be (a page of 10 mm to 1.2 m, text of 3 to 72 pt, ...), the labels
on the page and the QR code inside its label. A bad file is a clear error naming the file and
the key; ``label layouts`` lists the good ones and says which files it skipped and why.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assetctl.config import resource_dirs
from assetctl.errors import ConfigError, NotFoundError

MEDIA = ("sheet", "roll", "continuous")
LINE_KINDS = ("tag", "kind", "ownership", "phone")

# what a label stock can physically be (millimetres, points): a layout outside is a typo
PAGE_MM = (10.0, 1200.0)  # a 12 mm tape's width to an A0 sheet's length
LABEL_MIN_MM = 5.0
QR_MIN_MM = 5.0
MODULE_MM = (0.1, 5.0)
TEXT_PT = (3.0, 72.0)
MAX_GRID = 100  # columns or rows
MAX_FILE_BYTES = 64 * 1024
CUPS_MEDIA_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.,-]{0,63}")


def search_path() -> list[Path]:
    return resource_dirs("labels")


@dataclass(frozen=True)
class Box:
    left: float
    right: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Layout:
    name: str
    description: str
    medium: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    corner_radius: float
    columns: int
    rows: int
    grid_left: float
    grid_top: float
    pitch_x: float
    pitch_y: float
    padding: Box
    qr_size: float
    qr_position: str
    min_module: float
    tag_size: float
    line_size: float
    min_size: float
    lines: tuple[str, ...]
    dpi: int | None = None
    cups_media: str | None = None
    source: Path | None = None

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def slot(self, index: int) -> tuple[int, float, float]:
        """(page, left, top) in mm of the ``index``-th label position, row by row."""
        page, within = divmod(index, self.per_page)
        row, column = divmod(within, self.columns)
        return page, self.grid_left + column * self.pitch_x, self.grid_top + row * self.pitch_y

    def check_positions(self, skip: int, copies: int) -> None:
        """Refuse a --skip past the sheet or a --copies below one."""
        from assetctl.errors import ValidationError

        if skip < 0 or copies < 1:
            raise ValidationError("--skip must be 0 or more and --copies 1 or more")
        if skip >= self.per_page:
            raise ValidationError(
                f"--skip {skip}: a {self.name} sheet has only {self.per_page} labels"
            )

    def with_length(self, length: float) -> Layout:
        """A continuous-tape layout cut at ``length`` mm."""
        from dataclasses import replace

        return replace(self, page_height=length, label_height=length, pitch_y=length)


def _number(
    table: dict[str, object],
    key: str,
    where: str,
    *,
    positive: bool = True,
    within: tuple[float, float] = (0.0, PAGE_MM[1]),
    unit: str = "mm",
) -> float:
    """A finite number in ``within`` (above 0 if ``positive``), or an error saying which key."""
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: {key} must be a number ({unit})")
    number = float(value)
    if not math.isfinite(number):
        raise ConfigError(f"{where}: {key} = {value} is not a finite number of {unit}")
    if (positive and number <= 0) or number < 0:
        raise ConfigError(f"{where}: {key} must be {'positive' if positive else '0 or more'}")
    low, high = within
    if not low <= number <= high:
        raise ConfigError(
            f"{where}: {key} = {value:g} {unit} is outside {low:g} to {high:g} {unit}"
        )
    return number


def _section(doc: dict[str, object], key: str, where: str) -> dict[str, object]:
    value = doc.get(key)
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] is missing or not a table")
    return value


def parse_layout(name: str, doc: dict[str, object], source: Path | None = None) -> Layout:
    """Check a layout document; every error names the file and the key."""
    where = str(source or name)
    medium = doc.get("medium", "sheet")
    if medium not in MEDIA:
        raise ConfigError(f"{where}: medium must be one of {', '.join(MEDIA)}")
    page, label = _section(doc, "page", where), _section(doc, "label", where)
    grid, qr = _section(doc, "grid", where), _section(doc, "qr", where)
    padding, text = _section(doc, "padding", where), _section(doc, "text", where)
    columns, rows = grid.get("columns"), grid.get("rows")
    if not (
        isinstance(columns, int)
        and isinstance(rows, int)
        and not isinstance(columns, bool)
        and not isinstance(rows, bool)
        and 0 < columns <= MAX_GRID
        and 0 < rows <= MAX_GRID
    ):
        raise ConfigError(
            f"{where}: grid.columns and grid.rows must be whole numbers from 1 to {MAX_GRID}"
        )
    lines = text.get("lines", list(LINE_KINDS))
    if not isinstance(lines, list) or "tag" not in lines or not set(lines) <= set(LINE_KINDS):
        raise ConfigError(
            f"{where}: text.lines must list some of {', '.join(LINE_KINDS)}, "
            "tag included (the tag is always printed in clear)"
        )
    position = qr.get("position", "left")
    if position not in ("left", "top"):
        raise ConfigError(f"{where}: qr.position must be left or top")
    dpi = doc.get("dpi")
    if dpi is not None and (
        isinstance(dpi, bool) or not isinstance(dpi, int) or not 100 <= dpi <= 1200
    ):
        raise ConfigError(f"{where}: dpi must be a whole number from 100 to 1200")
    description = doc.get("description", name)
    if not isinstance(description, str) or not 0 < len(description) <= 200:
        raise ConfigError(f"{where}: description must be a text of 1 to 200 characters")
    cups_media = doc.get("cups_media")
    if cups_media is not None and not (
        isinstance(cups_media, str) and CUPS_MEDIA_RE.fullmatch(cups_media)
    ):
        raise ConfigError(
            f"{where}: cups_media must be a CUPS media name such as "
            "'Custom.62x29mm' or 'om_dk-11209_62x29mm' (letters, digits, . _ , -)"
        )
    points = {"within": TEXT_PT, "unit": "pt"}
    layout = Layout(
        name=name,
        description=description,
        medium=str(medium),
        page_width=_number(page, "width", where, within=PAGE_MM),
        page_height=_number(page, "height", where, within=PAGE_MM),
        label_width=_number(label, "width", where, within=(LABEL_MIN_MM, PAGE_MM[1])),
        label_height=_number(label, "height", where, within=(LABEL_MIN_MM, PAGE_MM[1])),
        corner_radius=_number(label, "corner_radius", where, positive=False)
        if "corner_radius" in label
        else 0.0,
        columns=columns,
        rows=rows,
        grid_left=_number(grid, "left", where, positive=False),
        grid_top=_number(grid, "top", where, positive=False),
        pitch_x=_number(grid, "pitch_x", where),
        pitch_y=_number(grid, "pitch_y", where),
        padding=Box(
            *(
                _number(padding, k, where, positive=False)
                for k in ("left", "right", "top", "bottom")
            )
        ),
        qr_size=_number(qr, "size", where, within=(QR_MIN_MM, PAGE_MM[1])),
        qr_position=str(position),
        min_module=_number(qr, "min_module", where, within=MODULE_MM)
        if "min_module" in qr
        else 0.4,
        tag_size=_number(text, "tag_size", where, **points),  # type: ignore[arg-type]
        line_size=_number(text, "line_size", where, **points),  # type: ignore[arg-type]
        min_size=_number(text, "min_size", where, **points),  # type: ignore[arg-type]
        lines=tuple(str(line) for line in lines),
        dpi=dpi,
        cups_media=cups_media,
        source=source,
    )
    _check_geometry(layout, where)
    return layout


def _check_geometry(layout: Layout, where: str) -> None:
    tolerance = 0.05
    if layout.min_size > min(layout.tag_size, layout.line_size):
        raise ConfigError(
            f"{where}: text.min_size {layout.min_size:g} pt is larger than tag_size or line_size"
        )
    if 2 * layout.corner_radius > min(layout.label_width, layout.label_height):
        raise ConfigError(f"{where}: label.corner_radius is more than half the label")
    right = layout.grid_left + (layout.columns - 1) * layout.pitch_x + layout.label_width
    bottom = layout.grid_top + (layout.rows - 1) * layout.pitch_y + layout.label_height
    if right > layout.page_width + tolerance or bottom > layout.page_height + tolerance:
        raise ConfigError(
            f"{where}: the labels do not fit on the page ({right:.1f} x "
            f"{bottom:.1f} mm on a {layout.page_width} x {layout.page_height} page)"
        )
    if layout.pitch_x + tolerance < layout.label_width or layout.pitch_y + tolerance < (
        layout.label_height
    ):
        raise ConfigError(f"{where}: pitch_x/pitch_y smaller than the label: labels overlap")
    inner_w = layout.label_width - layout.padding.left - layout.padding.right
    inner_h = layout.label_height - layout.padding.top - layout.padding.bottom
    if min(inner_w, inner_h) <= 0:
        raise ConfigError(f"{where}: the padding leaves no room inside the label")
    if layout.qr_size > min(inner_w, inner_h) + tolerance:
        raise ConfigError(
            f"{where}: qr.size {layout.qr_size} mm does not fit inside the label's "
            f"padding ({inner_w:.1f} x {inner_h:.1f} mm)"
        )


def _files() -> Iterator[tuple[str, Path]]:
    seen: set[str] = set()
    for folder in search_path():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            if path.stem not in seen:
                seen.add(path.stem)
                yield path.stem, path


def read_layout(stem: str, path: Path) -> Layout:
    """Read and check one layout file (at most 64 KiB of UTF-8 TOML)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read the label layout {path}: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: a label layout is a few lines; this file is over 64 KiB")
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return parse_layout(stem, doc, path)


def load_layout(name: str) -> Layout:
    """The layout called ``name`` (the file name without .toml)."""
    for stem, path in _files():
        if stem == name:
            return read_layout(stem, path)
    known = ", ".join(stem for stem, _ in _files()) or "none found"
    raise NotFoundError(
        f"no label layout {name!r}; layouts: {known} (`assetctl label layouts` describes them)"
    )


def all_layouts() -> tuple[list[Layout], list[str]]:
    """Every layout that loads, and what is wrong with each file that does not (skipped)."""
    layouts, problems = [], []
    for stem, path in _files():
        try:
            layouts.append(read_layout(stem, path))
        except ConfigError as exc:
            problems.append(str(exc))
    return layouts, problems
