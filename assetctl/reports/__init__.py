"""Reports: material counts, the programme's indicators, costs, bench throughput, targets.

Everything is an SQL aggregate over the registry, its history, the contracts and the
households' anonymous facts: no personal column is read, so reports need no role and do not
change when households are purged. Dimension names come from fixed tables here, never from
the user's text, before they reach SQL. One module per report; this package's face
re-exports what the commands use.
"""

from datetime import datetime

from assetctl.models.types import utcnow
from assetctl.reports.costs import costs
from assetctl.reports.counts import DIMENSIONS, counts, end_of, parse_dimensions
from assetctl.reports.indicators import Period, census_progress, indicators
from assetctl.reports.targets import import_targets, targets
from assetctl.reports.throughput import throughput

__all__ = [
    "DIMENSIONS",
    "Period",
    "census_progress",
    "costs",
    "counts",
    "end_of",
    "generated_at",
    "import_targets",
    "indicators",
    "parse_dimensions",
    "targets",
    "throughput",
]


def generated_at() -> datetime:
    """When a report is made (documents show it in local time)."""
    return utcnow()
