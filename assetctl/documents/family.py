"""French documents of the family side: the contract (two copies and a handover sheet with the
accounts' initial passwords) and the committee's minutes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from assetctl.documents.formats import euros

MODE_FR = {"gift": "Don", "loan": "Prêt", "rental": "Location"}
KIND_FR = {"desktop": "Ordinateur fixe", "laptop": "Ordinateur portable", "printer": "Imprimante"}
EQUIPMENT_FR = {**KIND_FR, "internet": "Accès à internet"}
OUTCOME_FR = {"approved": "Accordé", "rejected": "Refusé", "deferred": "Ajourné"}
INTERNET_FR = {
    "social-tariff": "Accompagnement vers un tarif social négocié avec le bailleur",
    "subscription": "Abonnement internet pris en charge par le programme",
}


def fr_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "....../....../.........."


def _doc(path: Path, title: str, author: str) -> tuple[Any, Any, Any]:
    from assetctl.documents import a4_document

    return a4_document(path, title, author)


def _grid(rows: list[list[str]], widths: list[float], styles: Any, header: bool = True) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    cells = [[Paragraph(cell, styles["BodyText"]) for cell in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")))
    table.setStyle(TableStyle(commands))
    return table


def conditions(record: dict[str, Any]) -> list[str]:
    org = escape(record["organisation"])
    mode = record["mode"]
    lines = [
        f"Le matériel ci-dessus est remis par {org} dans le cadre du Programme de Réussite "
        "Éducative, pour le travail scolaire des enfants du foyer. Ses disques ont été effacés "
        "et un système neuf y a été installé (contrôle parental, mises à jour de sécurité "
        "automatiques, compte enfant sans droits d'administration).",
    ]
    if mode == "gift":
        lines.append(
            "Il s'agit d'un <b>don</b> : le matériel devient la propriété de la famille à la "
            "signature du présent contrat. Il ne pourra pas être repris ni échangé."
        )
    else:
        what = "prêté" if mode == "loan" else "loué"
        lines.append(
            f"Le matériel reste la propriété de {org}. Il est <b>{what}</b> pour "
            f"{record['term_months']} mois, du {fr_date(record['start'])} au "
            f"{fr_date(record['end'])}. Le contrat peut être renouvelé ; à défaut, la famille "
            "rapporte le matériel et ses accessoires à la date de fin. Les données qui y "
            "resteraient seront effacées avant toute autre attribution."
        )
        lines.append(
            "La famille s'engage à prendre soin du matériel, à ne pas le prêter, le vendre ni "
            "le céder, et à prévenir sans délai en cas de panne, de perte ou de vol (joindre le "
            "récépissé de dépôt de plainte en cas de vol)."
        )
    if mode == "rental":
        fee = record["monthly_fee_cents"] or 0
        share = record["programme_share_cents"] or 0
        lines.append(
            f"Loyer mensuel : <b>{euros(fee)}</b>, dont {euros(share)} pris en charge par le "
            f"programme ; reste à la charge de la famille : <b>{euros(fee - share)}</b> par mois."
        )
    lines.append(
        f"Données personnelles : les informations du foyer sont utilisées par {org} pour ce "
        "programme uniquement, accessibles aux seuls référents, et anonymisées "
        f"{record['purge_after_months']} mois après la fin du dernier contrat. La famille peut "
        "en demander la copie, la rectification ou l'effacement auprès de son référent."
    )
    return lines


def render_contract(record: dict[str, Any], path: Path) -> Path:
    """Two copies of the contract (family, organisation), then the handover sheet."""
    from reportlab.platypus import PageBreak, Paragraph, Spacer

    org = escape(record["organisation"])
    title = f"Contrat n° {record['number']} : {MODE_FR[record['mode']].lower()} de matériel"
    document, styles, mm = _doc(path, title, record["organisation"])
    family = "<br/>".join(escape(p) for p in record["representatives"]) or "-"
    story: list[Any] = []
    for copy in ("Exemplaire de la famille", f"Exemplaire de {org}"):
        story += [
            Paragraph(f"{org} · Programme de Réussite Éducative", styles["Normal"]),
            Paragraph(escape(title), styles["Title"]),
            Paragraph(f"<i>{copy}</i>", styles["Normal"]),
            Spacer(1, 4 * mm),
            _grid(
                [
                    ["<b>Foyer</b>", escape(record["household"])],
                    ["<b>Représentant(s) légal(aux)</b>", family],
                    ["<b>Adresse</b>", escape(record["address"] or "-")],
                    ["<b>Mode</b>", MODE_FR[record["mode"]]],
                    [
                        "<b>Remise</b>",
                        _delivery(record),
                    ],
                ],
                [50 * mm, 124 * mm],
                styles,
                header=False,
            ),
            Spacer(1, 4 * mm),
            Paragraph("<b>Matériel remis</b>", styles["Heading3"]),
            _grid(
                [["Étiquette", "Matériel", "Marque et modèle", "N° de série"]]
                + [
                    [
                        escape(d["tag"]),
                        KIND_FR.get(d["kind"], d["kind"]),
                        escape(f"{d['manufacturer']} {d['model']}"),
                        escape(d["serial"] or "-"),
                    ]
                    for d in record["devices"]
                ]
                + [[_other(o), "", "", ""] for o in record["other_lines"]],
                [32 * mm, 36 * mm, 66 * mm, 40 * mm],
                styles,
            ),
            Spacer(1, 3 * mm),
            Paragraph("<b>Conditions</b>", styles["Heading3"]),
        ]
        story += [Paragraph(text, styles["BodyText"]) for text in conditions(record)]
        story += [
            Spacer(1, 6 * mm),
            _grid(
                [
                    [
                        "Pour la famille (nom, date, signature, « lu et approuvé »)",
                        f"Pour {org} (nom, date, signature)",
                    ],
                    ["<br/><br/><br/><br/>", ""],
                ],
                [87 * mm, 87 * mm],
                styles,
            ),
            PageBreak(),
        ]
    story += _handover(record, styles, mm)
    document.build(story)
    return path


def _delivery(record: dict[str, Any]) -> str:
    where = {"home": "à domicile", "point": "au point de distribution"}.get(
        record["delivery_mode"] or "", "à la remise du matériel"
    )
    parts = [where.capitalize()]
    if record["delivery_place"]:
        parts.append(escape(record["delivery_place"]))
    if record["start"]:
        parts.append(f"le {fr_date(record['start'])}")
    if record["delivery_staff"]:
        parts.append(f"par {escape(record['delivery_staff'])}")
    if record["installation"]:
        parts.append("avec installation")
    return ", ".join(parts)


def _other(line: dict[str, Any]) -> str:
    if line["type"] == "internet":
        text = INTERNET_FR.get(line["internet_type"], "Accès à internet")
        if line["monthly_cents"]:
            text += f" ({euros(line['monthly_cents'])} par mois)"
        return escape(text)
    return "Fournitures : " + escape(line["description"] or "")


def _handover(record: dict[str, Any], styles: Any, mm: float) -> list[Any]:
    from reportlab.platypus import Paragraph, Spacer

    story: list[Any] = [
        Paragraph(
            f"Fiche de remise : comptes et mots de passe ({record['number']})", styles["Title"]
        ),
        Paragraph(
            "À conserver par la famille, séparément du matériel. À la première connexion, "
            "l'ordinateur demande de choisir un nouveau mot de passe : choisissez-le et gardez-le "
            "pour vous. Le compte des enfants n'a pas de droits d'administration. Le programme "
            "ne garde pas de copie de ces mots de passe après la signature.",
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
    ]
    for device in record["devices"]:
        story.append(
            Paragraph(
                f"<b>{escape(device['tag'])}</b> · {KIND_FR.get(device['kind'], device['kind'])} "
                f"{escape(device['manufacturer'])} {escape(device['model'])}",
                styles["Heading3"],
            )
        )
        if device["accounts"]:
            story.append(
                _grid(
                    [["Compte", "Usage", "Mot de passe initial"]]
                    + [
                        [escape(a["account"]), escape(a["label"] or ""), escape(a["password"])]
                        for a in device["accounts"]
                    ],
                    [45 * mm, 60 * mm, 69 * mm],
                    styles,
                )
            )
        elif record.get("signed") and device["kind"] != "printer":
            story.append(
                Paragraph(
                    "Mots de passe initiaux remis à la signature : le programme n'en garde "
                    "pas de copie.",
                    styles["BodyText"],
                )
            )
        else:
            story.append(
                Paragraph(
                    "Pas de compte enregistré pour cet appareil (imprimante, ou appareil "
                    "préparé sans comptes).",
                    styles["BodyText"],
                )
            )
    if record["support_phone"]:
        story += [
            Spacer(1, 6 * mm),
            Paragraph(f"Assistance : {escape(record['support_phone'])}", styles["BodyText"]),
        ]
    return story


def render_minutes(record: dict[str, Any], path: Path) -> Path:
    """The committee's minutes: members, criteria, one line per household (by reference)."""
    from reportlab.platypus import Paragraph, Spacer

    org = escape(record["organisation"])
    title = f"Commission d'attribution du {fr_date(record['held_on'])}"
    document, styles, mm = _doc(path, f"Procès-verbal : {title}", record["organisation"])
    counts = record["counts"]
    story: list[Any] = [
        Paragraph(f"{org} · Programme de Réussite Éducative", styles["Normal"]),
        Paragraph(f"Procès-verbal de la {title.lower()}", styles["Title"]),
        Paragraph(
            f"Séance n° {record['session']}"
            + (f", {escape(record['place'])}" if record["place"] else ""),
            styles["Normal"],
        ),
        Spacer(1, 3 * mm),
        Paragraph("<b>Membres présents</b>", styles["Heading3"]),
        Paragraph("<br/>".join(escape(m) for m in record["members"]), styles["BodyText"]),
        Paragraph("<b>Critères d'attribution</b>", styles["Heading3"]),
        Paragraph(
            "<br/>".join(f"{n}. {escape(c)}" for n, c in enumerate(record["criteria"], 1)),
            styles["BodyText"],
        ),
        Paragraph("<b>Décisions</b>", styles["Heading3"]),
        Paragraph(
            f"{counts['approved']} accordée(s), {counts['rejected']} refusée(s), "
            f"{counts['deferred']} ajournée(s).",
            styles["BodyText"],
        ),
        Spacer(1, 2 * mm),
        _grid(
            [["Foyer", "Quartier", "Décision", "Matériel", "Mode", "Critères", "Motif"]]
            + [
                [
                    escape(d["ref"]),
                    escape(d["qpv"]),
                    OUTCOME_FR[d["outcome"]],
                    ", ".join(EQUIPMENT_FR.get(e, e) for e in d["equipment"]) or "-",
                    MODE_FR.get(d["mode"] or "", "-")
                    + (f" ({d['term_months']} mois)" if d["term_months"] else ""),
                    ", ".join(map(str, d["criteria_met"])) or "-",
                    escape(d["rationale"] or ""),
                ]
                for d in record["decisions"]
            ],
            [26 * mm, 28 * mm, 18 * mm, 30 * mm, 22 * mm, 14 * mm, 36 * mm],
            styles,
        ),
        Spacer(1, 8 * mm),
        Paragraph("Le président de la commission (nom, signature) :", styles["BodyText"]),
    ]
    document.build(story)
    return path
