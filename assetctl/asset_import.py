"""``asset import``: register many devices from a CSV file, all or nothing.

The file is read as spreadsheet software in France writes it: ``;`` or ``,`` (or tab) as
delimiter, UTF-8 with or without BOM, or Windows-1252; dates ``2014-03-01`` or ``01/03/2014``;
prices with a decimal comma. Every bad row is reported with its line number; if any row is bad,
nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from assetctl.asset_fields import ADD_FIELDS, check_asset, parse_fields
from assetctl.config import Settings
from assetctl.csvfiles import read_rows, read_text
from assetctl.errors import AssetctlError, ImportRowsError, RowError, ValidationError
from assetctl.lifecycle import Status
from assetctl.models import Asset, AssetEvent
from assetctl.models.types import utcnow
from assetctl.tags import (
    claim_reservations,
    claim_tags,
    next_tags,
    reserved_kinds,
    validate_tag,
)

REQUIRED_COLUMNS = ("kind", "manufacturer", "model", "origin")
# Header names people use in French spreadsheets, mapped to our column names.
HEADER_ALIASES = {
    "type": "kind",
    "genre": "kind",
    "nature": "kind",
    "marque": "manufacturer",
    "fabricant": "manufacturer",
    "constructeur": "manufacturer",
    "modele": "model",
    "modèle": "model",
    "numero_de_serie": "serial",
    "numéro_de_série": "serial",
    "n°_de_série": "serial",
    "n°_de_serie": "serial",
    "no_serie": "serial",
    "serial_number": "serial",
    "sn": "serial",
    "origine": "origin",
    "date_achat": "acquired",
    "date_d'achat": "acquired",
    "acquisition": "acquired",
    "inventaire": "former_inventory",
    "n°_inventaire": "former_inventory",
    "commande": "order_ref",
    "bon_de_commande": "order_ref",
    "fournisseur": "supplier",
    "prix": "unit_price",
    "prix_unitaire": "unit_price",
    "prix_ht": "unit_price",
    "etat_achat": "purchase_condition",
    "état_achat": "purchase_condition",
    "état_à_l'achat": "purchase_condition",
    "reforme": "retired_on",
    "réforme": "retired_on",
    "date_de_reforme": "retired_on",
    "date_de_réforme": "retired_on",
    "fin_garantie": "warranty_end",
    "garantie": "warranty_end",
    "etiquette": "tag",
    "étiquette": "tag",
    "processeur": "cpu",
    "memoire": "ram",
    "mémoire": "ram",
    "emplacement": "location",
    "lieu": "location",
    "remarques": "notes",
}


@dataclass
class ImportReport:
    rows: int = 0
    tags: list[str] = field(default_factory=list)
    by_kind: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False


def import_assets(
    session: Session,
    settings: Settings,
    path: Path,
    *,
    actor: str,
    dry_run: bool = False,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Validate every row, then insert them all in the caller's transaction (or none)."""
    source = str(path)
    _, rows = read_rows(read_text(path), source, ADD_FIELDS, REQUIRED_COLUMNS, HEADER_ALIASES)
    if not rows:
        raise ValidationError(f"{source} has no rows to import")

    report = ImportReport(dry_run=dry_run)
    errors: list[RowError] = []
    # What is in the database already, fetched once rather than per row.
    taken_serials = {
        (maker.lower(), serial): tag
        for maker, serial, tag in session.execute(
            select(Asset.manufacturer, Asset.serial, Asset.tag).where(
                col(Asset.serial).is_not(None)
            )
        )
    }
    seen_serials: dict[tuple[str, str], int] = {}
    seen_tags: dict[str, int] = {}
    valid: list[tuple[int, dict[str, Any]]] = []
    for line, raw in rows:
        if "__error__" in raw:
            errors.append(RowError(line, raw["__error__"]))
            continue
        if not (raw.get("location") or "").strip():
            raw.pop("location", None)  # an empty cell: not given, the bench by default
        try:
            values = parse_fields(raw, settings=settings, today=today)
            warnings = check_asset(values, settings=settings, today=today)
            if values.get("tag"):
                values["tag"] = validate_tag(settings, values["tag"], values["kind"])
        except AssetctlError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        serial_key = (values["manufacturer"].lower(), values.get("serial"))
        if serial_key[1]:
            assert isinstance(serial_key[1], str)
            key = (serial_key[0], serial_key[1])
            if key in taken_serials:
                errors.append(
                    RowError(
                        line,
                        f"{values['manufacturer']} serial {key[1]} is "
                        f"already registered as {taken_serials[key]}",
                    )
                )
                continue
            if key in seen_serials:
                errors.append(
                    RowError(
                        line,
                        f"{values['manufacturer']} serial {key[1]} is also "
                        f"on line {seen_serials[key]}",
                    )
                )
                continue
            seen_serials[key] = line
        tag = values.get("tag")
        if tag:
            if tag in seen_tags:
                errors.append(RowError(line, f"tag {tag} is also on line {seen_tags[tag]}"))
                continue
            seen_tags[tag] = line
        report.warnings.extend(f"line {line}: {w}" for w in warnings)
        valid.append((line, values))
    if seen_tags:
        kinds_by_tag = {values["tag"]: values["kind"] for _, values in valid if values.get("tag")}
        for tag, reserved in reserved_kinds(session, list(seen_tags)).items():
            if kinds_by_tag.get(tag) != reserved:
                errors.append(RowError(seen_tags[tag], f"tag {tag} was reserved for a {reserved}"))
        used = set(
            session.execute(select(Asset.tag).where(col(Asset.tag).in_(list(seen_tags)))).scalars()
        )
        errors.extend(RowError(seen_tags[t], f"tag {t} is already used") for t in sorted(used))
    if errors:
        errors.sort(key=lambda e: e.line)
        raise ImportRowsError(source, errors)

    report.rows = len(valid)
    report.by_kind.update(values["kind"] for _, values in valid)
    if dry_run:
        return report
    _insert(
        session,
        settings,
        [values for _, values in valid],
        actor=actor,
        report=report,
        source=path.name,
        progress=progress,
    )
    return report


def _insert(
    session: Session,
    settings: Settings,
    rows: list[dict[str, Any]],
    *,
    actor: str,
    report: ImportReport,
    source: str,
    progress: Callable[[int, int], None] | None,
) -> None:
    given = {values["tag"] for values in rows if values.get("tag")}
    claim_tags(session, settings, list(given))
    untagged = Counter(values["kind"] for values in rows if not values.get("tag"))
    fresh = {
        kind: iter(next_tags(session, settings, kind, count)) for kind, count in untagged.items()
    }
    now = utcnow()
    records = []
    for values in rows:
        record: dict[str, Any] = {
            name: None
            for name in (
                "serial",
                "acquired",
                "former_inventory",
                "order_ref",
                "supplier",
                "unit_price_cents",
                "purchase_condition",
                "retired_on",
                "warranty_end",
                "cpu",
                "ram_mb",
                "battery_health",
                "notes",
                "disposal",
            )
        }
        record.update(values)
        record.setdefault("location", "bench")
        if not record.get("tag"):
            record["tag"] = next(fresh[values["kind"]])
        record.update(
            status=Status.RECEIVED.value, cycle=0, version=1, created_at=now, updated_at=now
        )
        records.append(record)
    table = Asset.__table__  # type: ignore[attr-defined]
    events_table = AssetEvent.__table__  # type: ignore[attr-defined]
    batch = 2000
    for start in range(0, len(records), batch):
        chunk = records[start : start + batch]
        session.execute(insert(table), chunk)
        ids: dict[str, int] = dict(
            session.execute(
                select(Asset.tag, Asset.id).where(col(Asset.tag).in_([r["tag"] for r in chunk]))
            ).all()
        )
        session.execute(
            insert(events_table),
            [
                {
                    "asset_id": ids[r["tag"]],
                    "at": now,
                    "actor": actor,
                    "action": "registered",
                    "from_status": None,
                    "to_status": Status.RECEIVED.value,
                    "reason": f"import {source}",
                    "details": None,
                }
                for r in chunk
            ],
        )
        claim_reservations(session, {r["tag"]: ids[r["tag"]] for r in chunk if r["tag"] in given})
        if progress:
            progress(min(start + batch, len(records)), len(records))
    report.tags = [r["tag"] for r in records]
