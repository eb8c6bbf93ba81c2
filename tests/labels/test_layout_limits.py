"""Label layouts from users' files: every number checked, a bad file skipped by `label layouts`,
and no file, whatever its bytes, that crashes, loops or draws outside the page."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetctl.cli import cli
from assetctl.errors import ConfigError, ValidationError
from assetctl.labels.layouts import load_layout, parse_layout, read_layout
from assetctl.labels.render import LabelSpec, Wording, render_pdf

REPO_LABELS = Path(__file__).resolve().parents[2] / "labels"
GOOD = tomllib.loads((REPO_LABELS / "avery-l7160.toml").read_text())
WORDING = Wording(ownership="Propriété de la Ville", phone="Assistance : 02 43 00 00 00")

# every number of a layout, as (section, key)
NUMBERS = [
    ("page", "width"), ("page", "height"), ("label", "width"), ("label", "height"),
    ("label", "corner_radius"), ("grid", "left"), ("grid", "top"), ("grid", "pitch_x"),
    ("grid", "pitch_y"), ("padding", "left"), ("padding", "right"), ("padding", "top"),
    ("padding", "bottom"), ("qr", "size"), ("qr", "min_module"), ("text", "tag_size"),
    ("text", "line_size"), ("text", "min_size"),
]  # fmt: skip


def with_value(section: str, key: str, value: object) -> dict[str, object]:
    return {**GOOD, section: {**GOOD[section], key: value}}  # type: ignore[dict-item]


@pytest.mark.parametrize(("section", "key"), NUMBERS)
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e308, -1.0])
def test_no_number_outside_what_a_stock_can_be(section: str, key: str, value: float) -> None:
    with pytest.raises(ConfigError, match=rf"{key}") as refused:
        parse_layout("x", with_value(section, key, value))
    assert "x:" in str(refused.value)  # names the file


@pytest.mark.parametrize(
    ("section", "key", "value", "says"),
    [
        ("grid", "columns", 10**9, "from 1 to 100"),
        ("grid", "rows", True, "whole numbers"),
        ("text", "min_size", 12.0, "larger than tag_size"),
        ("label", "corner_radius", 30.0, "half the label"),
        ("padding", "left", 62.0, "no room inside the label"),
        ("page", "width", 5.0, "outside 10 to 1200 mm"),
        ("text", "tag_size", 500.0, "outside 3 to 72 pt"),
    ],
)
def test_out_of_range_values_say_what_is_wrong(
    section: str, key: str, value: object, says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        parse_layout("x", with_value(section, key, value))


def test_the_cups_media_name_is_a_plain_token() -> None:
    for bad in ("A4 -o job-sheets=secret", "x\x1b[2J", "", "a" * 100):
        with pytest.raises(ConfigError, match="cups_media"):
            parse_layout("x", {**GOOD, "cups_media": bad})
    assert parse_layout("x", {**GOOD, "cups_media": "Custom.62x29mm"}).cups_media == (
        "Custom.62x29mm"
    )


def test_a_bad_user_layout_is_reported_and_skipped(home: Path) -> None:
    folder = home / "labels"
    folder.mkdir(parents=True)
    (folder / "broken.toml").write_text(
        (REPO_LABELS / "avery-l7160.toml").read_text().replace("size = 31.0", "size = inf")
    )
    (folder / "binary.toml").write_bytes(b"\xff\xfe\x00garbage")
    (folder / "mine.toml").write_text((REPO_LABELS / "avery-l7163.toml").read_text())
    result = CliRunner().invoke(cli, ["label", "layouts", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    import json

    names = [row["name"] for row in json.loads(result.stdout)]
    assert "mine" in names and "avery-l7160" in names
    assert "broken" not in names and "binary" not in names
    assert "broken.toml: size = inf is not a finite number" in result.stderr
    assert "binary.toml is not UTF-8 text" in result.stderr
    assert result.stderr.count("this layout is skipped") == 2
    # asked for by name, the bad layout is a clear error, not a crash
    printed = CliRunner().invoke(cli, ["label", "test-sheet", "--layout", "broken"])
    assert printed.exit_code == 1 and "not a finite number" in printed.stderr


def test_a_huge_layout_file_is_not_read_whole(tmp_path: Path) -> None:
    huge = tmp_path / "huge.toml"
    huge.write_bytes(b"# " + b"x" * (10 * 1024 * 1024))
    with pytest.raises(ConfigError, match="over 64 KiB"):
        read_layout("huge", huge)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_any_bytes_as_a_layout_file_give_a_layout_or_a_clear_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("layout") / "any.toml"
    path.write_bytes(data)
    try:
        read_layout("any", path)
    except ConfigError as exc:
        assert str(exc)


numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(min_value=0.0, max_value=400.0),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(NUMBERS), numbers), min_size=1, max_size=4))
def test_a_layout_that_loads_draws_inside_its_page(
    tmp_path_factory: pytest.TempPathFactory, changes: list
) -> None:
    doc: dict[str, object] = dict(GOOD)
    for (section, key), value in changes:
        doc = {**doc, section: {**doc[section], key: value}}  # type: ignore[dict-item]
    try:
        layout = parse_layout("x", doc)
    except ConfigError:
        return
    out = tmp_path_factory.mktemp("pdf") / "labels.pdf"
    try:
        render_pdf([LabelSpec("LMM-PC-00001", "laptop", "LMM-PC-00001")], layout, WORDING, out)
    except ValidationError:
        return  # e.g. the tag does not fit the label at the smallest size allowed
    import pypdfium2

    document = pypdfium2.PdfDocument(str(out))
    try:
        page = document[0]
        width, height = page.get_size()
        assert math.isfinite(width) and math.isfinite(height)
        assert abs(width * 25.4 / 72 - layout.page_width) < 0.5
        for obj in page.get_objects():
            left, bottom, right, top = obj.get_bounds()
            assert all(map(math.isfinite, (left, bottom, right, top)))
            assert left >= -1 and right <= width + 1 and bottom >= -1 and top <= height + 1
    finally:
        document.close()


def test_the_shipped_layouts_still_load() -> None:
    for path in REPO_LABELS.glob("*.toml"):
        assert load_layout(path.stem).name == path.stem
