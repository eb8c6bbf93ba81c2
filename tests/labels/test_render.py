"""Labels rendered for real and read back by a real QR reader (zxing-cpp on pypdfium2)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from assetctl.errors import ConfigError, ValidationError
from assetctl.labels.layouts import all_layouts, load_layout, parse_layout
from assetctl.labels.render import (
    QUIET_ZONE,
    LabelSpec,
    Wording,
    render_pdf,
    render_test_sheet,
)
from tests.helpers import decode_pdf, pdf_has_images, pdf_text

REPO_LABELS = Path(__file__).resolve().parents[2] / "labels"
WORDING = Wording(
    ownership="Propriété de Le Mans Métropole, ne pas jeter", phone="Assistance : 02 43 00 00 00"
)
SHIPPED = sorted(p.stem for p in REPO_LABELS.glob("*.toml"))


def specs(count: int, payload: str = "{tag}") -> list[LabelSpec]:
    kinds = ("desktop", "laptop", "printer")
    return [
        LabelSpec(f"LMM-PC-{i:05d}", kinds[i % 3], payload.replace("{tag}", f"LMM-PC-{i:05d}"))
        for i in range(1, count + 1)
    ]


def expected_slot(layout_file: Path, index: int) -> tuple[int, float, float, float, float]:
    """From the layout file's figures alone: (page, left, top, width, height) of label index."""
    doc = tomllib.loads(layout_file.read_text())
    grid, label = doc["grid"], doc["label"]
    per_page = grid["columns"] * grid["rows"]
    page, within = divmod(index, per_page)
    row, column = divmod(within, grid["columns"])
    return (
        page,
        grid["left"] + column * grid["pitch_x"],
        grid["top"] + row * grid["pitch_y"],
        label["width"],
        label["height"],
    )


def test_the_shipped_layouts_are_all_there() -> None:
    assert set(SHIPPED) >= {
        "avery-l7160",
        "avery-l7163",
        "avery-l7651",
        "brother-ql-dk11209",
        "brother-ql-dk22205",
        "dymo-11354",
    }
    layouts, problems = all_layouts()
    assert problems == []
    assert {layout.name for layout in layouts} >= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("payload", ["{tag}", "https://inventaire.lemans.example/a/{tag}"])
def test_every_label_scans_back_and_sits_where_the_layout_says(
    name: str, payload: str, tmp_path: Path
) -> None:
    layout = load_layout(name)
    if layout.medium == "continuous":
        layout = layout.with_length(40)
    count = min(layout.per_page + 4, 30)
    labels = specs(count, payload)
    out = tmp_path / f"{name}.pdf"
    placed: list = []
    result = render_pdf(labels, layout, WORDING, out, placed=placed)
    assert result.labels == count
    decoded = decode_pdf(out)
    assert sorted(text for _, text, *_ in decoded) == sorted(s.payload for s in labels)
    assert not pdf_has_images(out), "the QR code must be vector paths, not an image"
    text = pdf_text(out)
    for spec in labels:
        assert spec.tag in text
    by_payload = {text: (page, left, top, width) for page, text, left, top, width in decoded}
    for index, (page, payload_text, where) in enumerate(placed):
        slot_page, slot_left, slot_top, slot_w, slot_h = expected_slot(
            REPO_LABELS / f"{name}.toml", index
        )
        if layout.medium == "continuous":
            slot_h = 40.0
        assert page == slot_page
        # the symbol (quiet zone included) lies inside its label
        assert slot_left <= where.left and where.left + where.size <= slot_left + slot_w + 0.01
        assert slot_top <= where.top and where.top + where.size <= slot_top + slot_h + 0.01
        # and the reader finds it where it was drawn, within 0.5 mm
        seen_page, seen_left, seen_top, seen_width = by_payload[payload_text]
        quiet = QUIET_ZONE * where.module
        assert seen_page == page
        assert abs(seen_left - (where.left + quiet)) < 0.5
        assert abs(seen_top - (where.top + quiet)) < 0.5
        assert abs(seen_width - (where.size - 2 * quiet)) < 0.5
        assert where.module >= layout.min_module
        if layout.dpi:  # a thermal head prints whole dots: every module the same width
            dots = where.module * layout.dpi / 25.4
            assert abs(dots - round(dots)) < 1e-6


def test_skip_and_copies(tmp_path: Path) -> None:
    layout = load_layout("avery-l7160")
    placed: list = []
    out = tmp_path / "s.pdf"
    result = render_pdf(specs(9), layout, WORDING, out, skip=17, copies=2, placed=placed)
    assert result.labels == 18 and result.pages == 2
    first = placed[0][2]
    _, left, top, _, _ = expected_slot(REPO_LABELS / "avery-l7160.toml", 17)
    assert left <= first.left < left + 10 and top <= first.top < top + 10
    decoded = decode_pdf(out)
    assert len(decoded) == 18
    assert sorted({t for _, t, *_ in decoded}) == sorted(s.payload for s in specs(9))
    with pytest.raises(ValidationError, match="has only 21 labels"):
        render_pdf(specs(1), layout, WORDING, tmp_path / "x.pdf", skip=21)


def test_offsets_move_every_label(tmp_path: Path) -> None:
    layout = load_layout("avery-l7163")
    plain, moved = tmp_path / "a.pdf", tmp_path / "b.pdf"
    render_pdf(specs(2), layout, WORDING, plain)
    render_pdf(specs(2), layout, WORDING, moved, offset=(1.5, -2.0))
    before = {t: (x, y) for _, t, x, y, _ in decode_pdf(plain)}
    after = {t: (x, y) for _, t, x, y, _ in decode_pdf(moved)}
    for payload, (x, y) in before.items():
        assert abs(after[payload][0] - x - 1.5) < 0.4
        assert abs(after[payload][1] - y + 2.0) < 0.4


def test_payloads_too_long_for_a_small_label_are_refused(tmp_path: Path) -> None:
    layout = load_layout("avery-l7651")
    long_url = "https://inventaire.lemans-metropole.example/parc/materiel/fiche?etiquette={tag}"
    with pytest.raises(ValidationError, match=r"below the 0\.4 mm a scanner reads"):
        render_pdf(specs(1, long_url), layout, WORDING, tmp_path / "x.pdf")
    with pytest.raises(ValidationError, match="does not fit on a avery-l7651 label"):
        render_pdf(
            [LabelSpec("LMM-PC-000000000000000000042", "desktop", "X")],
            layout,
            WORDING,
            tmp_path / "y.pdf",
        )


def test_text_lines_are_dropped_when_the_label_has_no_room(tmp_path: Path) -> None:
    out = tmp_path / "mini.pdf"
    render_pdf(specs(1), load_layout("avery-l7651"), WORDING, out)
    text = pdf_text(out)
    assert "LMM-PC-00001" in text and "Propriété" not in text
    big = tmp_path / "big.pdf"
    render_pdf(specs(1), load_layout("avery-l7163"), WORDING, big)
    text = pdf_text(big)
    for words in (
        "LMM-PC-00001",
        "Ordinateur portable",
        "Propriété de Le Mans Métropole",
        "Assistance : 02 43 00 00 00",
    ):
        assert words in " ".join(text.split()), words


def test_test_sheet_draws_every_outline(tmp_path: Path) -> None:
    out = tmp_path / "t.pdf"
    result = render_test_sheet(load_layout("avery-l7160"), out, offset=(0.5, -1.0))
    assert result.pages == 1 and result.labels == 21
    assert "la règle doit mesurer 50 mm" in pdf_text(out)


def test_broken_layout_files_are_clear_errors() -> None:
    good = tomllib.loads((REPO_LABELS / "avery-l7160.toml").read_text())
    overlapping = {**good, "grid": {**good["grid"], "pitch_x": 50.0}}
    with pytest.raises(ConfigError, match="labels overlap"):
        parse_layout("x", overlapping)
    off_page = {**good, "grid": {**good["grid"], "columns": 4}}
    with pytest.raises(ConfigError, match="do not fit on the page"):
        parse_layout("x", off_page)
    no_tag = {**good, "text": {**good["text"], "lines": ["kind"]}}
    with pytest.raises(ConfigError, match="tag included"):
        parse_layout("x", no_tag)
    huge_qr = {**good, "qr": {"size": 40.0}}
    with pytest.raises(ConfigError, match="does not fit inside"):
        parse_layout("x", huge_qr)
    missing = {k: v for k, v in good.items() if k != "grid"}
    with pytest.raises(ConfigError, match=r"\[grid\] is missing"):
        parse_layout("x", missing)


def test_a_large_batch_is_drawn_on_every_core_and_still_scans(tmp_path: Path) -> None:
    from assetctl.labels import render

    batch = specs(render.PARALLEL_FROM + 6)
    assert render.qr_matrices([s.payload for s in batch]) == {
        s.payload: render.qr_matrix(s.payload) for s in batch
    }
    out = tmp_path / "batch.pdf"
    result = render_pdf(batch, load_layout("avery-l7651"), WORDING, out)
    assert result.pages == 2
    assert sorted(t for _, t, *_ in decode_pdf(out)) == sorted(s.payload for s in batch)
