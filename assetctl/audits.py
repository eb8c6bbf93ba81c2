"""Shelf and room audits made with the scanning station: the saved records and their reports."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from assetctl.assets import timestamp
from assetctl.errors import NotFoundError
from assetctl.models import Asset
from assetctl.models.scans import Audit, AuditItem

OUTCOME_ORDER = ("missing", "misplaced", "unknown", "found")
AUDIT_FIELDS = (
    "id",
    "location",
    "started_at",
    "finished_at",
    "operator",
    "expected",
    "found",
    "missing",
    "misplaced",
    "unknown",
)
ITEM_FIELDS = ("outcome", "code", "tag", "kind", "status", "recorded_location")


def audit_row(audit: Audit) -> dict[str, Any]:
    row = {name: getattr(audit, name) for name in AUDIT_FIELDS}
    row["started_at"] = timestamp(audit.started_at)
    row["finished_at"] = timestamp(audit.finished_at)
    return row


def list_audits(session: Session, location: str | None = None) -> list[dict[str, Any]]:
    statement = select(Audit).order_by(col(Audit.id).desc())
    if location:
        statement = statement.where(col(Audit.location).ilike(location.strip()))
    return [audit_row(audit) for audit in session.exec(statement)]


def get_audit(session: Session, audit_id: int) -> Audit:
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise NotFoundError(f"no audit number {audit_id}; `assetctl audit list` shows them")
    return audit


def audit_items(session: Session, audit: Audit) -> list[dict[str, Any]]:
    rows = session.exec(
        select(AuditItem, Asset)
        .join(Asset, col(AuditItem.asset_id) == Asset.id, isouter=True)
        .where(AuditItem.audit_id == audit.id)
        .order_by(col(AuditItem.id))
    ).all()
    items = [
        {
            "outcome": item.outcome,
            "code": item.code,
            "tag": asset.tag if asset else None,
            "kind": asset.kind if asset else None,
            "status": asset.status if asset else None,
            "recorded_location": item.recorded_location,
        }
        for item, asset in rows
    ]
    items.sort(key=lambda i: (OUTCOME_ORDER.index(i["outcome"]), i["tag"] or i["code"]))
    return items


def audit_report_lines(session: Session, audit: Audit) -> list[str]:
    """The end-of-audit report, as the station prints it."""
    items = audit_items(session, audit)
    lines = [
        f"Audit {audit.id} of {audit.location}: {audit.expected} expected, {audit.found} "
        f"found, {audit.missing} missing, {audit.misplaced} misplaced, {audit.unknown} "
        "unknown code(s)"
    ]
    titles = {
        "missing": "Expected here but not scanned:",
        "misplaced": "Scanned here but recorded elsewhere:",
        "unknown": "Unknown codes:",
    }
    for outcome, title in titles.items():
        chosen = [i for i in items if i["outcome"] == outcome]
        if not chosen:
            continue
        lines.append(title)
        for item in chosen:
            if outcome == "unknown":
                lines.append(f'  "{item["code"]}"')
            else:
                where = (
                    f" (recorded at {item['recorded_location']})"
                    if (outcome == "misplaced")
                    else ""
                )
                lines.append(f"  {item['tag']} {item['kind']} {item['status']}{where}")
    return lines
