"""Label layouts: data files (``labels/NAME.toml``) describing a label stock.

Searched, first match wins: the user's ``labels/`` folder in the configuration directory, then
the layouts shipped with assetctl (``assetctl.resources.labels``). A user adds a layout by
adding a file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assetctl.config import resource_dirs
from assetctl.errors import ConfigError, NotFoundError

MEDIA = ("sheet", "roll", "continuous")
LINE_KINDS = ("tag", "kind", "ownership", "phone")


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


def _number(table: dict[str, object], key: str, where: str, *, positive: bool = True) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: {key} must be a number (millimetres)")
    if (positive and value <= 0) or value < 0:
        raise ConfigError(f"{where}: {key} must be {'positive' if positive else '0 or more'}")
    return float(value)


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
    if not (isinstance(columns, int) and isinstance(rows, int) and columns > 0 and rows > 0):
        raise ConfigError(f"{where}: grid.columns and grid.rows must be whole numbers above 0")
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
    if dpi is not None and (not isinstance(dpi, int) or not 100 <= dpi <= 1200):
        raise ConfigError(f"{where}: dpi must be a whole number from 100 to 1200")
    layout = Layout(
        name=name,
        description=str(doc.get("description", name)),
        medium=str(medium),
        page_width=_number(page, "width", where),
        page_height=_number(page, "height", where),
        label_width=_number(label, "width", where),
        label_height=_number(label, "height", where),
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
        qr_size=_number(qr, "size", where),
        qr_position=str(position),
        min_module=_number(qr, "min_module", where) if "min_module" in qr else 0.4,
        tag_size=_number(text, "tag_size", where),
        line_size=_number(text, "line_size", where),
        min_size=_number(text, "min_size", where),
        lines=tuple(str(line) for line in lines),
        dpi=dpi,
        cups_media=str(doc["cups_media"]) if doc.get("cups_media") else None,
        source=source,
    )
    _check_geometry(layout, where)
    return layout


def _check_geometry(layout: Layout, where: str) -> None:
    tolerance = 0.05
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


def load_layout(name: str) -> Layout:
    """The layout called ``name`` (the file name without .toml)."""
    for stem, path in _files():
        if stem == name:
            try:
                doc = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{path} is not valid TOML: {exc}") from None
            return parse_layout(stem, doc, path)
    known = ", ".join(stem for stem, _ in _files()) or "none found"
    raise NotFoundError(
        f"no label layout {name!r}; layouts: {known} (`assetctl label layouts` describes them)"
    )


def all_layouts() -> list[Layout]:
    return [load_layout(stem) for stem, _ in _files()]
