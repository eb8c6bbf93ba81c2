"""Label jobs: which devices, what each label says, where it goes, and the record of it.

Every printing is written in the device's history (``label_printed``), so reprints show.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlmodel import Session, col, select

from assetctl import lifecycle
from assetctl.assets import find_asset
from assetctl.config import Settings
from assetctl.errors import ValidationError
from assetctl.labels.layouts import Layout, load_layout
from assetctl.labels.render import LabelSpec, RenderResult, Wording, render_pdf
from assetctl.models import Asset
from assetctl.models.scans import TagReservation
from assetctl.tags import next_tags


def payload_for(settings: Settings, tag: str) -> str:
    return settings.labels.qr_payload.replace("{tag}", tag)


def wording_for(settings: Settings) -> Wording:
    labels = settings.labels
    phone = (
        labels.phone.replace("{phone}", settings.support_phone) if (settings.support_phone) else ""
    )
    return Wording(
        ownership=labels.ownership.replace("{organisation}", settings.organisation), phone=phone
    )


def resolve_layout(settings: Settings, name: str | None, length: float | None = None) -> Layout:
    layout = load_layout(name or settings.labels.default_layout)
    if layout.medium == "continuous":
        cut = length or settings.labels.continuous_length_mm
        if not 20 <= cut <= 300:
            raise ValidationError(
                f"--length {cut}: continuous labels are cut between 20 and 300 mm"
            )
        layout = layout.with_length(cut)
    elif length:
        raise ValidationError(
            f"--length is for continuous tape; {layout.name} is a {layout.medium} layout"
        )
    return layout


def select_assets(
    session: Session,
    *,
    tags: Sequence[str] = (),
    status: str | None = None,
    kind: str | None = None,
    since: date | None = None,
) -> list[Asset]:
    """The devices named by tag (in that order), or matching the filters (by tag)."""
    if tags:
        if status or kind or since:
            raise ValidationError("give tags or filters (--status, --kind, --since), not both")
        return [find_asset(session, tag) for tag in tags]
    if not (status or kind or since):
        raise ValidationError("which labels? give tags, or --status, --kind or --since")
    statement = select(Asset).order_by(col(Asset.tag))
    if status:
        statement = statement.where(Asset.status == status)
    if kind:
        statement = statement.where(Asset.kind == kind)
    if since:
        statement = statement.where(col(Asset.created_at) >= datetime.combine(since, time(), UTC))
    assets = list(session.exec(statement))
    if not assets:
        raise ValidationError("no device matches these filters: nothing to print")
    return assets


@dataclass(frozen=True)
class Destination:
    """A PDF file, a CUPS printer, or both (the PDF kept after printing)."""

    output: Path | None
    printer: str | None

    def describe(self) -> str:
        return f"printer {self.printer}" if self.printer else f"file {self.output}"


def destination(settings: Settings, output: Path | None, printer: str | None) -> Destination:
    printer = printer or (None if output else settings.labels.default_printer or None)
    if output is None and printer is None:
        raise ValidationError(
            "where to? give -o FILE.pdf or --printer NAME (or set [labels] default_printer)"
        )
    if printer:
        from assetctl.labels.printing import check_printer

        check_printer(printer)
    return Destination(output, printer)


def offset_for(
    settings: Settings, where: Destination, calibration: str | None
) -> tuple[float, float]:
    name = calibration or where.printer
    if calibration and calibration not in settings.labels.calibration:
        raise ValidationError(
            f"no calibration saved for {calibration!r}; save one with "
            f"`assetctl label calibrate {calibration} --x MM --y MM`"
        )
    return settings.labels.calibration.get(name or "", (0.0, 0.0))


@dataclass(frozen=True)
class Prepared:
    """Everything about a printing decided before any drawing: stock, destination, offset."""

    layout: Layout
    where: Destination
    offset: tuple[float, float]


def prepare(
    settings: Settings,
    *,
    layout: str | None,
    length: float | None,
    output: Path | None,
    printer: str | None,
    calibration: str | None,
    skip: int = 0,
    copies: int = 1,
) -> Prepared:
    """Check the options of a printing, and the printer, before drawing anything."""
    chosen = resolve_layout(settings, layout, length)
    chosen.check_positions(skip, copies)
    where = destination(settings, output, printer)
    return Prepared(chosen, where, offset_for(settings, where, calibration))


def produce(
    where: Destination, draw: Callable[[Path], RenderResult], title: str, media: str | None
) -> tuple[RenderResult, str | None]:
    """Render into the output file (or a temporary one) and send it to the printer, if any."""
    from assetctl.labels.printing import send_to_printer

    if where.output is not None:
        result = draw(where.output)
        job = (
            send_to_printer(where.output, where.printer, title=title, media=media)
            if (where.printer)
            else None
        )
        return result, job.job_id if job else None
    assert where.printer is not None
    with tempfile.TemporaryDirectory(prefix="assetctl-labels-") as folder:
        path = Path(folder) / "labels.pdf"
        result = draw(path)
        job = send_to_printer(path, where.printer, title=title, media=media)
    return result, job.job_id


def print_specs(
    settings: Settings,
    specs: Sequence[LabelSpec],
    *,
    layout: Layout,
    where: Destination,
    title: str,
    skip: int = 0,
    copies: int = 1,
    offset: tuple[float, float] = (0.0, 0.0),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[RenderResult, str | None]:
    """Draw labels with the organisation's wording and send them where asked."""

    def draw(path: Path) -> RenderResult:
        return render_pdf(
            specs,
            layout,
            wording_for(settings),
            path,
            skip=skip,
            copies=copies,
            offset=offset,
            level=settings.labels.error_correction,
            progress=progress,
        )

    return produce(where, draw, title, layout.cups_media)


def print_labels(
    session: Session,
    settings: Settings,
    assets: Sequence[Asset],
    *,
    layout: Layout,
    where: Destination,
    actor: str,
    skip: int = 0,
    copies: int = 1,
    offset: tuple[float, float] = (0.0, 0.0),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[RenderResult, str | None]:
    """Print one label per device (times ``copies``) and record it in each history."""
    specs = [LabelSpec(a.tag, a.kind, payload_for(settings, a.tag)) for a in assets]
    result, job = print_specs(
        settings,
        specs,
        layout=layout,
        where=where,
        title=f"assetctl {len(specs)} labels",
        skip=skip,
        copies=copies,
        offset=offset,
        progress=progress,
    )
    details = {"layout": layout.name, "copies": copies, "destination": where.describe()}
    if job:
        details["job"] = job
    lifecycle.record_events_bulk(
        session, list(assets), actor=actor, action="label_printed", details=details
    )
    return result, job


def reserve_tags(
    session: Session, settings: Settings, *, kind: str, count: int, actor: str
) -> list[str]:
    """Issue ``count`` new tags for pre-printed labels; claimed later by `asset add --tag`."""
    if not 1 <= count <= 10_000:
        raise ValidationError("--count must be between 1 and 10000")
    tags = next_tags(session, settings, kind, count)
    for tag in tags:
        session.add(TagReservation(tag=tag, kind=kind, reserved_by=actor))
    session.flush()
    return tags


def print_reserved(
    session: Session,
    settings: Settings,
    *,
    kind: str,
    count: int,
    actor: str,
    layout: Layout,
    where: Destination,
    skip: int = 0,
    offset: tuple[float, float] = (0.0, 0.0),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[str], RenderResult]:
    """Reserve the next ``count`` tags of ``kind`` and print their labels."""
    tags = reserve_tags(session, settings, kind=kind, count=count, actor=actor)
    specs = [LabelSpec(tag, kind, payload_for(settings, tag)) for tag in tags]
    result, _ = print_specs(
        settings,
        specs,
        layout=layout,
        where=where,
        title=f"assetctl {count} reserved labels",
        skip=skip,
        offset=offset,
        progress=progress,
    )
    return tags, result


def print_tags(
    session: Session,
    settings: Settings,
    tags: Sequence[str],
    plan: Prepared,
    *,
    actor: str,
    skip: int = 0,
    copies: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[RenderResult, str | None]:
    """The labels of the devices ``tags``, as prepared by :func:`prepare`."""
    return print_labels(
        session,
        settings,
        select_assets(session, tags=tags),
        layout=plan.layout,
        where=plan.where,
        actor=actor,
        skip=skip,
        copies=copies,
        offset=plan.offset,
        progress=progress,
    )
