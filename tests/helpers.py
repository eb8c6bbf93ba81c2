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


def pdf_reading(path: Any) -> str:
    """A PDF's text as a reader reads it: single spaces, and a word hyphenated at a line end
    (pdfium reports that hyphen as U+FFFE) joined again."""
    import re

    return " ".join(re.sub("\ufffe\\s*", "", pdf_text(path)).split())


def assert_readable(path: Any, words: tuple[str, ...] = ()) -> str:
    """What a reader checks on each page of a document: it renders (not blank), no character
    lies outside the page or in its outer 5 mm, each of ``words`` is printed whole (never
    broken across lines, hyphen or not), no UTC time, no sign that French keeps with its word
    (« » : ; ? ! € %) alone at the start or end of a line, and every page carries the
    document's foot line "page n / N". Returns the reading text."""
    import re

    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        total = len(document)
        for number, page in enumerate(document, 1):
            width, height = page.get_size()
            edge = 5 / 25.4 * 72
            textpage = page.get_textpage()
            for index in range(textpage.count_chars()):
                left, bottom, right, top = textpage.get_charbox(index)
                if right - left <= 0:  # spaces and generated characters have no box
                    continue
                assert edge <= left and right <= width - edge, (path, number, "off the side")
                assert edge <= bottom and top <= height - edge, (path, number, "off the end")
            raw = textpage.get_text_range()
            assert f"page {number} / {total}" in raw, (path, number, "no foot line")
            for line in raw.splitlines():  # French typography: a sign never alone on a line
                line = line.strip()
                assert not line.endswith("«"), (path, number, f"« ends a line: {line!r}")
                assert not line.startswith(("»", ":", ";", "?", "!", "€", "%")), (
                    path,
                    number,
                    f"a sign begins a line: {line!r}",
                )
            darkest, _ = page.render(scale=0.5).to_pil().convert("L").getextrema()
            assert darkest < 200, (path, number, "blank page")
    finally:
        document.close()
    text = " ".join(pdf_text(path).split())
    for word in words:
        assert word in text, f"{word!r} is not printed whole in {path}"
    assert not re.search(r"\d{2}:\d{2} UTC", text), "a time in UTC"
    return pdf_reading(path)


def pdf_bars(path: Any, colour: tuple[int, int, int] = (0x2F, 0x6F, 0x9F)) -> int:
    """How many bars of the report's charts (filled paths of their colour) a PDF draws."""
    import ctypes

    import pypdfium2
    import pypdfium2.raw as pdfium_c

    document = pypdfium2.PdfDocument(str(path))
    count = 0
    try:
        for page in document:
            for obj in page.get_objects():
                if obj.type != pdfium_c.FPDF_PAGEOBJ_PATH:
                    continue
                r, g, b, a = (ctypes.c_uint() for _ in range(4))
                if pdfium_c.FPDFPageObj_GetFillColor(obj, r, g, b, a):
                    count += (r.value, g.value, b.value) == colour
    finally:
        document.close()
    return count


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


MODULE_UTILS = ("assetctl_sanitize", "assetctl_compliance", "assetctl_machine", "assetctl_firmware")


def playbook_module(name: str) -> Any:
    """One of the playbooks' Ansible modules (playbooks/library/NAME.py) or of their shared
    code (playbooks/module_utils/NAME.py), imported as the machine runs it, for its functions'
    tests."""
    import importlib.util
    from pathlib import Path

    folder = "module_utils" if name in MODULE_UTILS else "library"
    path = Path(__file__).resolve().parents[1] / "playbooks" / folder / f"{name}.py"
    # named after its path in the repository (as mutation testing names it)
    spec = importlib.util.spec_from_file_location(f"playbooks.{folder}.{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
