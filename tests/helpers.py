"""Test helpers shared across modules."""

from __future__ import annotations

from typing import Any

import sqlalchemy


def snapshot(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every assetctl table, sorted: equal snapshots mean nothing changed."""
    from assetctl.db import make_engine
    from assetctl.models import load_all

    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return {
                name: sorted(
                    (tuple(map(repr, row)) for row in connection.execute(table.select())),
                )
                for name, table in sorted(load_all().tables.items())
            }
    finally:
        engine.dispose()


def count_rows(db_url: str, table: str) -> int:
    from assetctl.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(sqlalchemy.text(f"SELECT count(*) FROM {table}")).scalar_one()
            )
    finally:
        engine.dispose()


def add_args(
    kind: str, origin: str, manufacturer: str, model: str, serial: str, *extra: str
) -> list[str]:
    """The arguments of `assetctl asset add` for a device."""
    return [
        "asset", "add", "--kind", kind, "--origin", origin, "--manufacturer", manufacturer,
        "--model", model, "--serial", serial, *extra,
    ]  # fmt: skip


def decode_pdf(path: Any, dpi: int = 150) -> list[tuple[int, str, float, float, float]]:
    """Every QR code a real reader finds in a PDF rendered at ``dpi``:
    (page, text, left mm, top mm, width mm) of each symbol, without its quiet zone."""
    import pypdfium2
    import zxingcpp

    found = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for index in range(len(document)):
            image = document[index].render(scale=dpi / 72).to_pil()
            for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
                corners = barcode.position
                xs = [corners.top_left.x, corners.bottom_left.x]
                ys = [corners.top_left.y, corners.top_right.y]
                width = corners.top_right.x - corners.top_left.x
                mm = 25.4 / dpi
                found.append((index, barcode.text, min(xs) * mm, min(ys) * mm, width * mm))
    finally:
        document.close()
    return found


def pdf_text(path: Any) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def pdf_has_images(path: Any) -> bool:
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    document = pypdfium2.PdfDocument(str(path))
    try:
        return any(
            obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE
            for page in document
            for obj in page.get_objects()
        )
    finally:
        document.close()
