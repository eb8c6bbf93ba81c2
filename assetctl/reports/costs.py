"""What the equipment cost: purchases and refurbishment, by kind and origin, against the
budget."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from assetctl.config import Settings


def costs(session: Session, settings: Settings) -> dict[str, Any]:
    """Purchase and refurbishment cost per kind and origin, in total, against the budget."""
    refurbishment = settings.programme.refurbishment_cents
    rows = []
    for kind, origin, devices, priced, purchase in session.execute(
        text(
            "SELECT kind, origin, count(*), count(unit_price_cents), "
            "coalesce(sum(unit_price_cents), 0) FROM asset GROUP BY kind, origin "
            "ORDER BY kind, origin"
        )
    ):
        refurb = refurbishment * devices if origin == "refurbished" else 0
        total = int(purchase) + refurb
        rows.append(
            {
                "kind": kind,
                "origin": origin,
                "devices": devices,
                "priced": priced,
                "purchase_cents": int(purchase),
                "refurbishment_cents": refurb,
                "total_cents": total,
                "average_cents": round(total / devices) if devices else 0,
            }
        )
    spent = sum(r["total_cents"] for r in rows)
    return {
        "by_kind": rows,
        "refurbishment_per_device_cents": refurbishment,
        "total_cents": spent,
        "budget_equipment_cents": settings.programme.budget_equipment_cents,
        "budget_total_cents": settings.programme.budget_total_cents,
        "remaining_equipment_cents": settings.programme.budget_equipment_cents - spent,
        "unpriced_devices": sum(
            r["devices"] - r["priced"] for r in rows if r["origin"] != "refurbished"
        ),
    }
