"""The sanitisation policy ([wipe]) and what a read-back covers (NIST SP 800-88 Rev. 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assetctl.config.settings import WipeSettings
from assetctl.documents.formats import percent
from assetctl.sanitisation import chance_missed, coverage, read_back_for
from assetctl.vocabulary import Media, ReadBack
from tests.conftest import Cli
from tests.helpers import assert_readable

MIB = 1024 * 1024
NB = "\u00a0"


def test_the_policy_is_a_floor_the_technician_cannot_lower() -> None:
    policy = WipeSettings()  # spinning disks in full, the rest sampled
    assert read_back_for("hdd", None, policy) is ReadBack.FULL
    assert read_back_for("hdd", ReadBack.SAMPLE, policy) is ReadBack.FULL
    assert read_back_for("ssd", None, policy) is ReadBack.SAMPLE
    assert read_back_for("ssd", ReadBack.FULL, policy) is ReadBack.FULL
    assert read_back_for("tape", None, policy) is ReadBack.SAMPLE  # unknown to the policy
    everything = WipeSettings(full_read_back=tuple(Media))
    assert read_back_for("nvme", ReadBack.SAMPLE, everything) is ReadBack.FULL
    assert read_back_for(None, None, everything) is ReadBack.FULL


def test_the_chance_a_sample_misses_a_kept_region() -> None:
    # 64 draws over 1 024 blocks of 1 MiB: each misses one given block with 1023/1024
    assert chance_missed(MIB, 1024 * MIB, 64) == pytest.approx(0.939384, abs=1e-6)
    # a 64 MiB region is 1/16 of that disk: (15/16)**64
    assert chance_missed(64 * MIB, 1024 * MIB, 64) == pytest.approx(0.016075, abs=1e-6)
    # a region the size of the disk cannot be missed; a region of part of a block is a block
    assert chance_missed(2048 * MIB, 1024 * MIB, 64) == 0.0
    assert chance_missed(10, 1024 * MIB, 64) == chance_missed(MIB, 1024 * MIB, 64)
    assert chance_missed(MIB, 1024 * MIB, 0) == 1.0  # no draw: nothing is seen


def test_coverage_of_each_kind_of_read_back() -> None:
    full = {"size_bytes": 48 * MIB, "bytes_verified": 48 * MIB, "details": {"read_back": "full"}}
    assert coverage(full) == {"read_back": "full", "bytes_read": 48 * MIB, "share_read": 1.0}
    sample = {
        "size_bytes": 1024 * MIB,
        "bytes_verified": 66 * MIB,
        "details": {"read_back": "sample", "sample_blocks": 66, "block_size": MIB, "samples": 64},
    }
    found = coverage(sample)
    assert found["share_read"] == 66 / 1024 and found["blocks"] == 66 and found["draws"] == 64
    assert found["missed"][1] == pytest.approx(0.939384, abs=1e-6)
    # a wipe recorded before the policy existed: what is known, nothing invented
    assert coverage({"size_bytes": 10, "bytes_verified": None, "details": None}) == {
        "read_back": None,
        "bytes_read": 0,
        "share_read": 0.0,
    }


def test_chances_never_round_to_certainty() -> None:
    assert percent(0.939384) == f"94{NB}%"
    assert percent(0.9999) == f"plus de 99{NB}%"
    assert percent(0.004) == f"moins de 1{NB}%"
    assert percent(0.0) == f"0{NB}%" and percent(1.0) == f"100{NB}%"
    assert percent(66 / 1024, 1) == f"6,4{NB}%"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('full_read_back = ["floppy"]', "wipe.full_read_back: 'floppy' is not a media type"),
        ('full_read_back = "hdd"', "wipe.full_read_back must be a list of media types"),
        ("samples = 2", "wipe.samples"),
    ],
)
def test_a_policy_that_makes_no_sense_is_refused(
    cli_db: Cli, home: Path, line: str, error: str
) -> None:
    config = home / "config.toml"
    key = line.split(" = ")[0]
    text = config.read_text()
    start = text.index(f"\n{key} = ", text.index("[wipe]"))
    end = text.index("\n", start + 1)
    config.write_text(text[:start] + "\n" + line + text[end:])
    result = cli_db.fails("wipe", "policy", "--json")
    assert error in result.stderr, result.stderr


def test_the_policy_document(cli_db: Cli, tmp_path: Path) -> None:
    record = json.loads(cli_db.ok("wipe", "policy", "--json").stdout)
    by_media = {m["media"]: m for m in record["media"]}
    assert by_media["hdd"]["read_back"] == "full" and by_media["ssd"]["read_back"] == "sample"
    assert [m["code"] for m in by_media["hdd"]["methods"]] == ["overwrite"]
    assert by_media["nvme"]["methods"][0] == {"code": "nvme-sanitize-crypto", "category": "Purge"}
    pdf = tmp_path / "politique.pdf"
    assert cli_db.ok("wipe", "policy", "-o", str(pdf)).stdout.strip() == str(pdf)
    text = assert_readable(pdf, ("Politique", "Purge", "Clear", "Validation", "256"))
    for expected in (
        "NIST SP 800-88 Rev. 2",
        "IEEE 2883-2022",
        "ANSSI",
        "Disque dur (HDD)",
        "Relecture complète du support",
        "64 blocs de 1 Mio tirés au hasard",
        # 256 GB = 244 140 blocks of 1 MiB (rounded down); 64 draws miss a 64 MiB region with
        # (1 - 64/244 140)**64 = 98,3 %
        "64 Mio : 98 %",
        "Responsable du parc informatique de la DSI, une autre personne que le technicien",
        "conservés 10 ans",
        "Approuvée par",
    ):
        assert expected in " ".join(text.split()).replace(NB, " "), expected


def test_two_managers_validating_at_once(cli_db: Cli, engine: object) -> None:
    """Both read the wipe unvalidated; the first to write wins, the other is told (no second
    acceptance overwrites the first on the record)."""
    from assetctl.db import session_scope
    from assetctl.errors import AssetctlError
    from assetctl.wipes import find_run, validate
    from tests.helpers import add_args, make_ready

    if cli_db.db_url.startswith("sqlite"):
        pytest.skip("SQLite's transactions take the write lock at their start: no such race")
    tag = cli_db.ok(*add_args("laptop", "purchased", "Lenovo", "T14", "V1")).stdout.strip()
    make_ready(cli_db.db_url, tag)
    with pytest.raises(AssetctlError) as refused, session_scope(engine) as late:  # type: ignore[arg-type]
        assert find_run(late, tag)[1].validated_by is None
        with session_scope(engine) as first:  # type: ignore[arg-type]
            validate(first, tag, None, actor="theo", policy=WipeSettings())
        validate(late, tag, None, actor="claire", policy=WipeSettings())
    assert "was validated" in str(refused.value)  # by theo, or meanwhile: try again
    record = json.loads(cli_db.ok("wipe", "certificate", tag, "--json").stdout)
    assert record["validated_by"] == "theo"
