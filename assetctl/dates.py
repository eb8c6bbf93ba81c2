"""Calendar arithmetic the programme's rules use: contract terms and retention periods."""

from __future__ import annotations

from calendar import monthrange
from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier if negative), or the month's last day when the
    target month is shorter: 31 January + 1 month is 28 or 29 February."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))
