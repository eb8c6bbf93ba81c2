"""Drawing labels into a PDF with reportlab: vector QR codes, the tag in clear, French text.

The QR code is drawn as filled paths (never an image), with its 4-module quiet zone, error
correction M or better, and, for label printers, modules of a whole number of printer dots so
that a thermal head prints every module the same width. Coordinates are millimetres from the
top left corner of the page until the last moment.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assetctl.errors import ValidationError
from assetctl.labels.layouts import Layout

PT_PER_MM = 72 / 25.4
QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks
GAP_MM = 1.0  # between the QR code and the text
TAG_FONT, TEXT_FONT = "Helvetica-Bold", "Helvetica"
LINE_SPACING = 1.18

KIND_NAMES_FR = {
    "desktop": "Ordinateur fixe",
    "laptop": "Ordinateur portable",
    "printer": "Imprimante",
    "monitor": "Écran",
    "other": "Matériel",
}


@dataclass(frozen=True)
class LabelSpec:
    """One label: the tag printed in clear, the kind, and what the QR code holds."""

    tag: str
    kind: str | None
    payload: str


@dataclass(frozen=True)
class Wording:
    """The sentences printed under the tag, from the configuration (French by default)."""

    ownership: str = ""
    phone: str = ""
    kind_names: dict[str, str] | None = None

    def kind_name(self, kind: str | None) -> str:
        names = self.kind_names or KIND_NAMES_FR
        return names.get(kind or "", "")


@dataclass(frozen=True)
class RenderResult:
    path: Path
    layout: str
    pages: int
    labels: int


@dataclass(frozen=True)
class PlacedQR:
    """Where a QR code was drawn (for the tests and the calibration sheet)."""

    left: float  # mm from the page's left edge, quiet zone included
    top: float
    size: float  # quiet zone included
    module: float


ERROR_LEVELS = {"M": 0, "Q": 3, "H": 2}  # qrcode's constants: ERROR_CORRECT_M/Q/H


def qr_matrix(payload: str, level: str = "M") -> list[list[bool]]:
    import qrcode

    code = qrcode.QRCode(error_correction=ERROR_LEVELS[level], border=0, box_size=1)
    code.add_data(payload)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def _matrix_job(job: tuple[str, str]) -> list[list[bool]]:
    return qr_matrix(*job)


PARALLEL_FROM = 64  # below this, starting workers costs more than it saves


def qr_matrices(payloads: Sequence[str], level: str = "M") -> dict[str, list[list[bool]]]:
    """The matrix of each distinct payload; big batches use every core.

    Choosing the best mask makes python-qrcode build each symbol nine times: that is most of the
    work of a batch. Workers are forked: they inherit the imported modules and compute only.
    """
    import os

    distinct = list(dict.fromkeys(payloads))
    workers = min(os.cpu_count() or 1, 8)
    if len(distinct) < PARALLEL_FROM or workers < 2:
        return {payload: qr_matrix(payload, level) for payload in distinct}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    chunk = max(8, len(distinct) // (workers * 4))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        matrices = list(pool.map(_matrix_job, [(p, level) for p in distinct], chunksize=chunk))
    return dict(zip(distinct, matrices, strict=True))


def module_size(layout: Layout, modules: int) -> float:
    """The module size in mm for a symbol of ``modules`` modules (plus quiet zone)."""
    module = layout.qr_size / (modules + 2 * QUIET_ZONE)
    if layout.dpi:
        dots = math.floor(module * layout.dpi / 25.4 + 1e-9)
        module = dots * 25.4 / layout.dpi
    return module


def _snap(value_mm: float, layout: Layout) -> float:
    if not layout.dpi:
        return value_mm
    return round(value_mm * layout.dpi / 25.4) * 25.4 / layout.dpi


class LabelCanvas:
    """A reportlab canvas that speaks millimetres from the top left corner."""

    def __init__(self, path: Path, layout: Layout, title: str) -> None:
        from reportlab.pdfgen import canvas

        self.layout = layout
        self.height_pt = layout.page_height * PT_PER_MM
        self.canvas = canvas.Canvas(
            str(path),
            pagesize=(layout.page_width * PT_PER_MM, self.height_pt),
            invariant=True,
        )
        self.canvas.setTitle(title)
        self.canvas.setCreator("assetctl")
        self.pages = 0
        self.dirty = False

    def x(self, mm: float) -> float:
        return mm * PT_PER_MM

    def y(self, mm_from_top: float) -> float:
        return self.height_pt - mm_from_top * PT_PER_MM

    def new_page(self) -> None:
        if self.dirty:
            self.canvas.showPage()
        self.dirty = True
        self.pages += 1

    def qr(self, matrix: list[list[bool]], left: float, top: float, module: float) -> None:
        """Dark modules as one filled path, runs of a row merged into one rectangle."""
        canvas = self.canvas
        path = canvas.beginPath()
        step = module * PT_PER_MM
        origin_x = self.x(left + QUIET_ZONE * module)
        origin_y = self.y(top + QUIET_ZONE * module)
        for row_index, row in enumerate(matrix):
            y = origin_y - (row_index + 1) * step
            column = 0
            width = len(row)
            while column < width:
                if row[column]:
                    start = column
                    while column < width and row[column]:
                        column += 1
                    path.rect(origin_x + start * step, y, (column - start) * step, step)
                else:
                    column += 1
        canvas.setFillColorRGB(0, 0, 0)
        canvas.drawPath(path, stroke=0, fill=1)

    def text(self, text: str, left: float, baseline: float, font: str, size: float) -> None:
        self.canvas.setFont(font, size)
        self.canvas.drawString(self.x(left), self.y(baseline), text)

    def save(self) -> None:
        if not self.dirty:
            self.canvas.showPage()
            self.pages = 1
        self.canvas.save()


def _string_width_mm(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    width: float = stringWidth(text, font, size)
    return width / PT_PER_MM


@functools.lru_cache(maxsize=256)
def _wrap(text: str, size: float, width: float) -> list[str]:
    """The same sentence wraps the same way on every label: wrap it once."""
    from reportlab.lib.utils import simpleSplit

    lines: list[str] = simpleSplit(text, TEXT_FONT, size, width * PT_PER_MM)
    return lines


@functools.lru_cache(maxsize=1024)
def _fitting_size(text: str, font: str, width: float, size: float, smallest: float) -> float:
    """The largest size from ``size`` down to ``smallest`` at which ``text`` fits ``width``."""
    while size > smallest and _string_width_mm(text, font, size) > width:
        size = max(smallest, size - 0.25)
    return size


def _latin1(text: str) -> str:
    """Helvetica carries WinAnsi glyphs: replace what it cannot draw rather than print boxes."""
    return text.encode("cp1252", errors="replace").decode("cp1252")


@dataclass(frozen=True)
class TextLine:
    text: str
    font: str
    size: float


def text_lines(
    layout: Layout, spec: LabelSpec, wording: Wording, width: float, height: float
) -> list[TextLine]:
    """The lines that fit in the text area, in priority order; the tag always."""
    size = _fitting_size(spec.tag, TAG_FONT, width, layout.tag_size, layout.min_size)
    if _string_width_mm(spec.tag, TAG_FONT, size) > width + 0.01:
        raise ValidationError(
            f"tag {spec.tag} does not fit on a {layout.name} label even at {layout.min_size} pt; "
            "use a larger layout"
        )
    chosen = [TextLine(spec.tag, TAG_FONT, size)]
    used = size * LINE_SPACING / PT_PER_MM
    for kind in layout.lines:
        if kind == "tag":
            continue
        text = {
            "kind": wording.kind_name(spec.kind),
            "ownership": wording.ownership,
            "phone": wording.phone,
        }[kind]
        if not text:
            continue
        text = _latin1(text)
        line_size = layout.line_size
        if kind != "ownership":  # a phone number or a kind reads best unbroken: shrink first
            line_size = _fitting_size(text, TEXT_FONT, width, line_size, layout.min_size)
        wrapped = _wrap(text, line_size, width)
        needed = len(wrapped) * line_size * LINE_SPACING / PT_PER_MM
        if used + needed > height + 0.01:
            continue  # no room on this label: a lower-priority line may still fit
        chosen.extend(TextLine(line, TEXT_FONT, line_size) for line in wrapped)
        used += needed
    return chosen


class LabelDrawer:
    """Draws labels of one layout: QR code, tag and text, at any label position."""

    def __init__(self, layout: Layout, wording: Wording, level: str = "M") -> None:
        self.layout = layout
        self.wording = wording
        self.level = level

    def draw(
        self,
        canvas: LabelCanvas,
        spec: LabelSpec,
        left: float,
        top: float,
        matrix: list[list[bool]] | None = None,
    ) -> PlacedQR:
        layout = self.layout
        if matrix is None:
            matrix = qr_matrix(spec.payload, self.level)
        modules = len(matrix)
        module = module_size(layout, modules)
        if module < layout.min_module - 1e-9:
            raise ValidationError(
                f"the QR code of {spec.payload!r} needs {modules} modules: at "
                f"{module:.2f} mm a module it is below the {layout.min_module} mm a scanner "
                f"reads on {layout.name}; use a shorter payload ({{tag}}) or a larger layout"
            )
        symbol = (modules + 2 * QUIET_ZONE) * module
        pad = layout.padding
        inner_left, inner_top = left + pad.left, top + pad.top
        inner_width = layout.label_width - pad.left - pad.right
        inner_height = layout.label_height - pad.top - pad.bottom
        if layout.qr_position == "left":
            qr_left = inner_left + (layout.qr_size - symbol) / 2
            qr_top = inner_top + (inner_height - symbol) / 2
            text_left = inner_left + layout.qr_size + GAP_MM
            text_top, text_height = inner_top, inner_height
        else:
            qr_left = inner_left + (inner_width - symbol) / 2
            qr_top = inner_top
            text_left = inner_left
            text_top = inner_top + layout.qr_size + GAP_MM
            text_height = inner_height - layout.qr_size - GAP_MM
        qr_left, qr_top = _snap(qr_left, layout), _snap(qr_top, layout)
        canvas.qr(matrix, qr_left, qr_top, module)
        text_width = inner_left + inner_width - text_left
        lines = text_lines(layout, spec, self.wording, text_width, text_height)
        block = sum(line.size * LINE_SPACING for line in lines) / PT_PER_MM
        baseline = text_top + max(0.0, (text_height - block) / 2)
        for line in lines:
            baseline += line.size / PT_PER_MM
            canvas.text(line.text, text_left, baseline, line.font, line.size)
            baseline += line.size * (LINE_SPACING - 1) / PT_PER_MM
        return PlacedQR(qr_left, qr_top, symbol, module)


def render_pdf(
    specs: Sequence[LabelSpec],
    layout: Layout,
    wording: Wording,
    path: Path,
    *,
    skip: int = 0,
    copies: int = 1,
    offset: tuple[float, float] = (0.0, 0.0),
    level: str = "M",
    progress: Callable[[int, int], None] | None = None,
    placed: list[Any] | None = None,
) -> RenderResult:
    """Draw ``copies`` of each label, leaving the first ``skip`` positions of the first sheet."""
    layout.check_positions(skip, copies)
    drawer = LabelDrawer(layout, wording, level)
    canvas = LabelCanvas(path, layout, f"Étiquettes {layout.name}")
    total = len(specs) * copies
    matrices = qr_matrices([spec.payload for spec in specs], level)
    current_page = -1
    done = 0
    for spec in specs:
        for _ in range(copies):
            page, left, top = layout.slot(skip + done)
            if page != current_page:
                canvas.new_page()
                current_page = page
            where = drawer.draw(
                canvas, spec, left + offset[0], top + offset[1], matrices[spec.payload]
            )
            if placed is not None:
                placed.append((page, spec.payload, where))
            done += 1
            if progress and (done % 100 == 0 or done == total):
                progress(done, total)
    canvas.save()
    return RenderResult(path=path, layout=layout.name, pages=canvas.pages, labels=done)


def render_test_sheet(
    layout: Layout, path: Path, *, offset: tuple[float, float] = (0.0, 0.0)
) -> RenderResult:
    """Label outlines, a cross at each centre and a 50 mm ruler: print, hold to the light."""
    canvas = LabelCanvas(path, layout, f"Feuille de calibrage {layout.name}")
    canvas.new_page()
    c = canvas.canvas
    c.setLineWidth(0.3)
    for index in range(layout.per_page):
        _, left, top = layout.slot(index)
        left, top = left + offset[0], top + offset[1]
        radius = layout.corner_radius * PT_PER_MM
        c.roundRect(
            canvas.x(left),
            canvas.y(top + layout.label_height),
            layout.label_width * PT_PER_MM,
            layout.label_height * PT_PER_MM,
            radius,
            stroke=1,
            fill=0,
        )
        cx, cy = left + layout.label_width / 2, top + layout.label_height / 2
        c.line(canvas.x(cx - 2), canvas.y(cy), canvas.x(cx + 2), canvas.y(cy))
        c.line(canvas.x(cx), canvas.y(cy - 2), canvas.x(cx), canvas.y(cy + 2))
    if layout.medium == "sheet":
        ruler_top = max(2.0, layout.grid_top / 2)
        c.line(canvas.x(20), canvas.y(ruler_top), canvas.x(70), canvas.y(ruler_top))
        for mm in range(0, 51, 10):
            c.line(
                canvas.x(20 + mm),
                canvas.y(ruler_top - 1.5),
                canvas.x(20 + mm),
                canvas.y(ruler_top + 1.5),
            )
        canvas.text(
            f"{layout.name} : la règle doit mesurer 50 mm ; décalage x={offset[0]:+.1f} "
            f"y={offset[1]:+.1f} mm",
            75,
            ruler_top + 1,
            TEXT_FONT,
            7,
        )
    canvas.save()
    return RenderResult(path=path, layout=layout.name, pages=1, labels=layout.per_page)
