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


def make_ready(db_url: str, tag: str, passwords: dict[str, str] | None = None) -> None:
    """Record a passed wipe and a later passed imaging in the device's current cycle, then move
    it to ready through the lifecycle rules: what `bench wipe` and the deployment write.

    The family side's tests start from ready devices; the bench's own tests wipe for real.
    ``passwords`` (account -> password) stands for what the deployment keeps for the handover.
    """
    from datetime import timedelta

    from assetctl.assets import find_asset
    from assetctl.db import make_engine, session_scope
    from assetctl.lifecycle import change_status
    from assetctl.models import DeviceCredential, ImagingRun, WipeRun
    from assetctl.models.types import utcnow

    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            asset = find_asset(session, tag)
            start = utcnow() - timedelta(hours=2)
            for model, offset in ((WipeRun, 0), (ImagingRun, 40)):
                session.add(
                    model(
                        asset_id=asset.id,
                        cycle=asset.cycle,
                        started_at=start + timedelta(minutes=offset),
                        finished_at=start + timedelta(minutes=offset + 30),
                        result="passed",
                        operator="bench",
                    )
                )
            from assetctl.households.sealed import seal_secret

            for account, secret in (passwords or {}).items():
                session.add(
                    DeviceCredential(
                        asset_id=asset.id,
                        cycle=asset.cycle,
                        account=account,
                        sealed_secret=seal_secret(session, secret),
                    )
                )
            session.flush()
            if asset.status != "wiped":
                change_status(session, asset, "wiped", actor="bench", reason="test wipe")
            change_status(session, asset, "ready", actor="bench", reason="test imaging")
    finally:
        engine.dispose()


def unlock_key() -> Any:
    """The programme's private key, as a caseworker's command unlocks it (the test's key file
    and passphrase, from the environment the `home` fixture sets)."""
    import os
    from pathlib import Path

    from assetctl.sealing import unlock

    path = Path(os.environ["ASSETCTL_KEY_FILE"])
    return unlock(path.read_bytes(), os.environ["ASSETCTL_KEY_PASSPHRASE"], str(path))


def staff(name: str, role: str, *, key: bool = True) -> Any:
    """An actor of ``role``; a caseworker or admin holding the programme's key file."""
    from assetctl.access import Actor, Role

    return Actor(name, Role(role), unlock_key if key else None)
