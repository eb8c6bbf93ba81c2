"""What documents write: French numbers, sizes, durations and local times (issue 15)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assetctl.documents.formats import (
    day,
    duration,
    euros,
    french_spaces,
    gigabytes,
    local_time,
    number,
)

NB = "\u00a0"


def test_money_and_numbers_are_written_the_french_way() -> None:
    assert euros(123456) == f"1{NB}234,56{NB}€"
    assert euros(None) == f"0,00{NB}€"
    assert euros(-250) == f"-2,50{NB}€"
    assert number(1234567.891, 1) == f"1{NB}234{NB}567,9"


@pytest.mark.parametrize(
    ("size", "shown"),
    [(1_600_000_000, f"1,6{NB}Go"), (256_060_514_304, f"256{NB}Go"), (None, "-"), (0, "-")],
)
def test_disk_sizes_in_go(size: int | None, shown: str) -> None:
    assert gigabytes(size) == shown


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(0.2, f"12{NB}s"), (2.5, f"2,5{NB}min"), (30.0, f"30{NB}min"), (75, f"1{NB}h{NB}15"),
     (None, "-")],
)  # fmt: skip
def test_durations(minutes: float | None, shown: str) -> None:
    assert duration(minutes) == shown


def test_times_are_local_winter_and_summer() -> None:
    assert local_time(datetime(2026, 12, 2, 16, 43, tzinfo=UTC)) == "02/12/2026 17:43"
    assert local_time("2026-07-01T16:43:00+00:00") == "01/07/2026 18:43"
    assert local_time(datetime(2026, 7, 1, 16, 43)) == "01/07/2026 18:43"  # naive means UTC
    assert local_time("2026-07-01T16:43:00+00:00", "America/Cayenne") == "01/07/2026 13:43"
    assert local_time(None) == "-" and day(date(2026, 3, 9)) == "09/03/2026"


def test_tables_show_moments_in_local_time() -> None:
    from assetctl.cli.output import cell, excel_cell

    # outside a command: the default zone (a command uses [organisation] time_zone)
    assert cell("2026-12-02T16:43:00.123456+00:00") == "2026-12-02 17:43"
    assert cell("2026-07-01T16:43:00Z") == "2026-07-01 18:43"
    assert cell(datetime(2026, 7, 1, 16, 43)) == "2026-07-01 18:43"  # naive means UTC
    assert cell("2026-07-01") == "2026-07-01"  # a date has no time zone
    assert excel_cell("2026-07-01T16:43:00+00:00") == "01/07/2026 18:43"


def test_signs_stay_with_their_words() -> None:
    assert french_spaces("Mode : prêt ; « lu et approuvé » ? Oui !") == (
        f"Mode{NB}: prêt{NB}; «{NB}lu et approuvé{NB}»{NB}? Oui{NB}!"
    )
    assert french_spaces("séance n° 1, 12:30, https://e-lyco.fr/?q=1") == (
        f"séance n°{NB}1, 12:30, https://e-lyco.fr/?q=1"  # no space, nothing to hold
    )


@given(st.text(alphabet=st.sampled_from(list("ab :;?!«»n° \t<>")), max_size=40))
def test_only_spaces_change_and_twice_is_once(text: str) -> None:
    import re

    shown = french_spaces(text)

    def bare(value: str) -> str:
        return re.sub(f"[ \t{NB}]", "", value)

    assert bare(shown) == bare(text)  # not a letter nor a sign added, lost or moved
    assert french_spaces(shown) == shown
    assert not re.search(r"[ \t][:;?!»]", shown) and not re.search(r"(«|\bn°)[ \t]", shown)
