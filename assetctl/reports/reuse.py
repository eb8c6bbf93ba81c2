"""What a public body declares each year about reuse: the REEN ratio and the AGEC share.

- **REEN** (loi n° 2021-1485, article 16; décret n° 2023-266, article 3): the share of the
  retired IT equipment oriented to reuse, ``A / B × 100``, where A is the number of devices
  oriented to reuse during year N and B the number of retired devices in stock on 1 January N;
  devices more than ten years old on the day they were retired are left out of both (they go
  to recycling). Here the retired devices are the city's own (origin ``refurbished``): those
  taken into the programme and those recorded as retired without it (``asset add
  --retired-on ... --disposal ...``). A device is oriented to reuse on the day its first family
  contract is signed (the contract is the recipient's commitment), or when it is sold or
  donated for reuse (``asset retire --reason sold|donated --note`` names the recipient and its
  commitment); a recycled or scrapped device leaves the stock without reuse.
- **AGEC** (loi n° 2020-105, article 58; décret n° 2024-134): the share of the year's spend on
  computers, excluding VAT, that went to reused or refurbished equipment: purchased devices
  with a purchase date in the year, by ``purchase_condition``; prices are recorded excluding
  VAT (``unit_price``).

Only the registry and the contracts' numbers are read: no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from assetctl.models import Asset, AssetEvent, Contract, ContractLine
from assetctl.vocabulary import (
    REUSE_DISPOSALS,
    LineStatus,
    LineType,
    Origin,
    PurchaseCondition,
)

# the yearly targets the texts set (décret n° 2023-266, article 3; décret n° 2024-134)
REEN_TARGETS = {2023: 0.25, 2024: 0.35}
REEN_TARGET_FROM_2025 = 0.50
AGEC_TARGET = 0.20
MAX_AGE_YEARS = 10
FIRST_YEAR, LAST_YEAR = 2000, 2100


def reen_target(year: int) -> float | None:
    if year < 2023:
        return None
    return REEN_TARGETS.get(year, REEN_TARGET_FROM_2025)


@dataclass
class RetiredDevice:
    """One of the city's retired devices, as the REEN count sees it."""

    asset: Asset
    retired_on: date
    reused_on: date | None = None
    proof: str | None = None  # the contract's number, or the sale's or donation's note
    how: str | None = None  # gift, loan, rental (a family contract), sold, donated
    left_on: date | None = None  # recycled, scrapped or taken apart without reuse

    @property
    def too_old(self) -> bool:
        acquired = self.asset.acquired
        if acquired is None:
            return False
        try:
            limit = acquired.replace(year=acquired.year + MAX_AGE_YEARS)
        except ValueError:  # 29 February
            limit = date(acquired.year + MAX_AGE_YEARS, 3, 1)
        return self.retired_on > limit

    def in_stock_on(self, day: date) -> bool:
        return (
            self.retired_on < day
            and (self.reused_on is None or self.reused_on >= day)
            and (self.left_on is None or self.left_on >= day)
        )


def _local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def retired_devices(session: Session, zone: str) -> list[RetiredDevice]:
    """Every retired device of the city, with the day it was retired, the day it was oriented
    to reuse (and the proof) or left without reuse."""
    devices = {
        asset.id: RetiredDevice(asset, asset.retired_on or _local_day(asset.created_at, zone))
        for asset in session.exec(
            select(Asset).where(Asset.origin == Origin.REFURBISHED).order_by(col(Asset.id))
        )
    }
    signed = session.execute(  # five columns: beyond sqlmodel's typed select
        sa_select(
            ContractLine.asset_id,
            Contract.start_date,
            Contract.signed_at,
            Contract.number,
            Contract.mode,
        )
        .join(Contract, col(Contract.id) == ContractLine.contract_id)
        .where(
            ContractLine.line_type == LineType.DEVICE,
            col(ContractLine.asset_id).in_(list(devices)),
            col(Contract.signed_at).is_not(None),
            ContractLine.status != LineStatus.CANCELLED,
        )
        .order_by(col(Contract.signed_at), col(Contract.id))
    )
    for asset_id, start, signed_at, number, mode in signed:
        device = devices[asset_id]
        if device.reused_on is None:  # the first contract orients it to reuse, at the handover
            device.reused_on = start or _local_day(signed_at, zone)
            device.proof, device.how = number, mode
    retirements = session.exec(
        select(AssetEvent)
        .where(
            col(AssetEvent.asset_id).in_(list(devices)),
            AssetEvent.to_status == "retired",
        )
        .order_by(col(AssetEvent.at), col(AssetEvent.id))
    )
    for event in retirements:
        device = devices[event.asset_id]
        disposal = (event.details or {}).get("disposal")
        day = _local_day(event.at, zone)
        if disposal in REUSE_DISPOSALS and device.reused_on is None:
            device.reused_on, device.proof, device.how = day, event.reason, disposal
        elif disposal not in REUSE_DISPOSALS and device.left_on is None:
            device.left_on = day
    return list(devices.values())


def reuse_record(session: Session, year: int, *, zone: str) -> dict[str, Any]:
    """The year's REEN ratio (with the devices counted, excluded and why) and AGEC share."""
    from assetctl.errors import ValidationError

    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(f"year {year}: give a year between {FIRST_YEAR} and {LAST_YEAR}")
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    counted_stock, counted_reuse, excluded = [], [], []
    for device in retired_devices(session, zone):
        in_stock = device.in_stock_on(start)
        reused = device.reused_on is not None and start <= device.reused_on < end
        if not (in_stock or reused):
            continue
        line = _line(device)
        if device.too_old:
            excluded.append(
                {**line, "why": "over_10_years", "in_stock": in_stock, "reused": reused}
            )
            continue
        if in_stock:
            counted_stock.append(line)
        if reused:
            counted_reuse.append(line)
    stock, sent = len(counted_stock), len(counted_reuse)
    return {
        "year": year,
        "reen": {
            "sent_to_reuse": sent,
            "stock_on_1_january": stock,
            "ratio": sent / stock if stock else None,
            "target": reen_target(year),
            "reused": counted_reuse,
            "stock": counted_stock,
            "excluded": excluded,
            "age_unknown": [
                d["tag"] for d in counted_stock + counted_reuse if d["acquired"] is None
            ],
        },
        "agec": _agec(session, start, end),
    }


def _line(device: RetiredDevice) -> dict[str, Any]:
    asset = device.asset
    return {
        "tag": asset.tag,
        "kind": asset.kind,
        "manufacturer": asset.manufacturer,
        "model": asset.model,
        "serial": asset.serial,
        "acquired": asset.acquired.isoformat() if asset.acquired else None,
        "retired_on": device.retired_on.isoformat(),
        "reused_on": device.reused_on.isoformat() if device.reused_on else None,
        "how": device.how,
        "proof": device.proof,
    }


def _agec(session: Session, start: date, end: date) -> dict[str, Any]:
    bought = session.exec(
        select(Asset)
        .where(
            Asset.origin == Origin.PURCHASED,
            col(Asset.acquired) >= start,
            col(Asset.acquired) < end,
        )
        .order_by(col(Asset.acquired), col(Asset.id))
    ).all()
    priced = [a for a in bought if a.unit_price_cents is not None]
    total = sum(a.unit_price_cents or 0 for a in priced)
    reused = sum(
        a.unit_price_cents or 0 for a in priced if a.purchase_condition == PurchaseCondition.REUSED
    )
    return {
        "spend_cents": total,
        "reused_cents": reused,
        "share": reused / total if total else None,
        "target": AGEC_TARGET,
        "devices": len(bought),
        "unpriced": [a.tag for a in bought if a.unit_price_cents is None],
        "purchases": [
            {
                "tag": a.tag,
                "kind": a.kind,
                "manufacturer": a.manufacturer,
                "model": a.model,
                "acquired": a.acquired.isoformat() if a.acquired else None,
                "order_ref": a.order_ref,
                "supplier": a.supplier,
                "purchase_condition": a.purchase_condition or PurchaseCondition.NEW.value,
                "unit_price_cents": a.unit_price_cents,
            }
            for a in bought
        ],
    }
