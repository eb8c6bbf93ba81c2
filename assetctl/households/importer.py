"""Households from a spreadsheet of diagnostic forms, all rows or none."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from assetctl.access import Actor, Permission
from assetctl.config import Settings
from assetctl.csvfiles import read_rows, read_text
from assetctl.errors import AssetctlError, ImportRowsError, RowError, ValidationError
from assetctl.households.form import FORM_FIELDS, check_form, parse_form
from assetctl.households.registry import add

HEADER_ALIASES = {
    "enfant": "child_name",
    "nom_enfant": "child_name",
    "representants": "representatives",
    "représentants": "representatives",
    "representants_legaux": "representatives",
    "représentants_légaux": "representatives",
    "quartier": "qpv",
    "ecole": "school",
    "école": "school",
    "etablissement": "school",
    "établissement": "school",
    "classe": "class_name",
    "class": "class_name",
    "telephone": "phone",
    "téléphone": "phone",
    "e_mail": "email",
    "courriel": "email",
    "adresse": "address",
    "adultes": "adults",
    "enfants": "children",
    "bailleur": "landlord",
    "bailleur_social": "landlord",
    "heberge_par": "hosted_by",
    "hébergée_par": "hosted_by",
    "besoin_numerique": "digital_need",
    "besoin_numérique": "digital_need",
    "ordinateurs": "computers",
    "imprimante": "printer",
    "tablettes": "tablets",
    "formation": "training",
    "demande": "requested",
    "equipement_demande": "requested",
    "équipement_demandé": "requested",
    "date_diagnostic": "diagnosed_on",
    "referent": "caseworker",
    "référent": "caseworker",
}


def import_households(
    session: Session, settings: Settings, actor: Actor, path: Any, dry_run: bool = False
) -> list[str]:
    """Every row checked first; any bad row and nothing is imported. Returns the new refs."""
    actor.require(Permission.PERSONAL_DATA)
    source = str(path)
    _, rows = read_rows(read_text(path), source, FORM_FIELDS, ("qpv",), HEADER_ALIASES)
    if not rows:
        raise ValidationError(f"{source} has no rows to import")
    errors: list[RowError] = []
    valid: list[dict[str, Any]] = []
    for line, raw in rows:
        if "__error__" in raw:
            errors.append(RowError(line, raw["__error__"]))
            continue
        try:
            values = parse_form(settings, dict(raw))
            check_form(values)
        except AssetctlError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        valid.append(values)
    if errors:
        raise ImportRowsError(source, errors)
    if dry_run:
        return [f"(row {n})" for n in range(1, len(valid) + 1)]
    return [add(session, settings, actor, values).ref for values in valid]
