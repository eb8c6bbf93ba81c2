"""The census targets: planned households per school, imported from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, col, delete, select

from assetctl.access import Actor, Permission
from assetctl.config import Settings
from assetctl.errors import ValidationError
from assetctl.models.families import CensusTarget
from assetctl.text import fold_text


def import_targets(
    session: Session, settings: Settings, actor: Actor, path: Path
) -> list[CensusTarget]:
    """Replace the census targets with a file's (``qpv,school,school_level,
    planned_households,note``); all or nothing, every bad row reported."""
    actor.require(Permission.COMMITTEE)
    from assetctl.csvfiles import read_rows, read_text
    from assetctl.errors import AssetctlError, ImportRowsError, RowError
    from assetctl.neighbourhoods import parse_qpv

    fields = ("qpv", "school", "school_level", "planned_households", "note")
    _, rows = read_rows(
        read_text(path), str(path), fields, ("qpv", "school", "planned_households"), {}
    )
    errors: list[RowError] = []
    targets: list[CensusTarget] = []
    seen: dict[tuple[str, str], int] = {}
    for line, raw in rows:
        try:
            if "__error__" in raw:
                raise ValidationError(raw["__error__"])
            qpv = parse_qpv(settings, raw["qpv"])
            school = " ".join(raw["school"].split())
            if not school:
                raise ValidationError("the school is empty")
            planned_text = raw.get("planned_households", "").strip()
            if planned_text and not planned_text.isdigit():
                raise ValidationError(f"planned_households {planned_text!r} is not a number")
            key = (qpv, fold_text(school))
            if key in seen:
                raise ValidationError(f"{school} is also on line {seen[key]}")
            seen[key] = line
        except AssetctlError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        targets.append(
            CensusTarget(
                qpv=qpv,
                school=school,
                school_level=(raw.get("school_level") or "").strip() or None,
                planned_households=int(planned_text) if planned_text else None,
                note=(raw.get("note") or "").strip() or None,
                source=path.name,
                imported_by=actor.name,
            )
        )
    if errors:
        raise ImportRowsError(str(path), errors)
    if not targets:
        raise ValidationError(f"{path} has no rows")
    session.execute(delete(CensusTarget))
    session.add_all(targets)
    session.flush()
    return targets


def targets(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "qpv": t.qpv,
            "school": t.school,
            "school_level": t.school_level,
            "planned_households": t.planned_households,
            "note": t.note,
        }
        for t in session.exec(
            select(CensusTarget).order_by(col(CensusTarget.qpv), col(CensusTarget.school))
        ).all()
    ]
