"""French documents of the family side: the contract (two copies and a handover sheet with the
accounts' initial passwords) and the committee's minutes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from assetctl.documents import TEXT_WIDTH, build, part_mark
from assetctl.documents.formats import NBSP, euros
from assetctl.documents.tables import grid
from assetctl.vocabulary import FRENCH, Kind, Mode, Outcome

MODE_FR = FRENCH[Mode]
KIND_FR = FRENCH[Kind]
EQUIPMENT_FR = {**KIND_FR, "internet": "Accès à internet"}
OUTCOME_FR = FRENCH[Outcome]
INTERNET_FR = {
    "social-tariff": "Accompagnement vers un tarif social négocié avec le bailleur",
    "subscription": "Abonnement internet pris en charge par le programme",
}


def fr_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "....../....../.........."


def _doc(path: Path, title: str, author: str) -> tuple[Any, Any, Any]:
    from assetctl.documents import a4_document

    return a4_document(path, title, author)


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
            f"{_months(record)} mois, du {fr_date(record['start'])} au "
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
        f"{record['purge_after_months']} mois après le dernier contact du foyer avec le programme. "
        "La famille peut "
        "en demander la copie, la rectification ou l'effacement auprès de son référent."
    )
    return lines


def render_contract(record: dict[str, Any], path: Path) -> Path:
    """Two copies of the contract (family, organisation), then the handover sheet."""
    from reportlab.platypus import PageBreak, Spacer

    from assetctl.documents.typeset import Paragraph

    org = escape(record["organisation"])
    title = f"Contrat n°{NBSP}{record['number']} : {MODE_FR[record['mode']].lower()} de matériel"
    document, styles, mm = _doc(path, title, record["organisation"])
    family = "<br/>".join(escape(p) for p in record["representatives"]) or "-"
    story: list[Any] = []
    for copy in ("Exemplaire de la famille", f"Exemplaire de {record['organisation']}"):
        story += [
            part_mark(copy),  # each page's foot says whose copy it is
            Paragraph(f"{org} · Programme de Réussite Éducative", styles["Normal"]),
            Paragraph(escape(title), styles["Title"]),
            Paragraph(f"<i>{escape(copy)}</i>", styles["Normal"]),
            Spacer(1, 4 * mm),
            grid(
                [
                    ["<b>Foyer</b>", escape(record["household"])],
                    ["<b>Représentant(s) légal(aux)</b>", family],
                    ["<b>Adresse</b>", escape(record["address"] or "-")],
                    ["<b>Mode</b>", MODE_FR[record["mode"]]],
                    ["<b>Remise</b>", _delivery(record)],
                    ["<b>Durée</b>", _term(record)],
                    ["<b>Assistance</b>", _support(record)],
                ],
                styles,
                total=TEXT_WIDTH * mm,
                header=False,
            ),
            Spacer(1, 4 * mm),
            Paragraph("<b>Matériel remis</b>", styles["Heading3"]),
            grid(
                [["Étiquette", "Matériel", "Marque et modèle", "N° de série"]]
                + [
                    [
                        escape(d["tag"]),
                        KIND_FR.get(d["kind"], d["kind"]),
                        escape(f"{d['manufacturer']} {d['model']}"),
                        escape(d["serial"] or "-"),
                    ]
                    for d in record["devices"]
                ],
                styles,
                total=TEXT_WIDTH * mm,
            ),
        ]
        if record["other_lines"]:
            story += [
                Paragraph("<b>Services et fournitures</b>", styles["Heading3"]),
                *[Paragraph(f"• {_other(o)}", styles["BodyText"]) for o in record["other_lines"]],
            ]
        story += [
            Spacer(1, 3 * mm),
            Paragraph("<b>Conditions</b>", styles["Heading3"]),
        ]
        story += [Paragraph(text, styles["BodyText"]) for text in conditions(record)]
        story += _schedule(record, styles, mm)
        story += [
            Spacer(1, 6 * mm),
            grid(
                [
                    [
                        "Pour la famille (nom, date, signature, « lu et approuvé »)",
                        f"Pour {org} (nom, date, signature)",
                    ],
                    ["<br/><br/><br/><br/>", ""],
                ],
                styles,
                total=TEXT_WIDTH * mm,
                widths=[87 * mm, 87 * mm],
            ),
            PageBreak(),
        ]
    story += _handover(record, styles, mm)
    build(document, story, f"Contrat n° {record['number']}")
    return path


def _delivery(record: dict[str, Any]) -> str:
    """Where, when and by whom the devices are handed over; what is not planned yet is a
    line to fill in by hand, said as such."""
    where = {"home": "À domicile", "point": "Au point de distribution"}.get(
        record["delivery_mode"] or ""
    )
    parts = [where or "Lieu : ...................................................."]
    if record["delivery_place"]:
        parts.append(escape(record["delivery_place"]))
    parts.append(f"le {fr_date(record['start'])}")
    if record["delivery_staff"]:
        parts.append(f"par {escape(record['delivery_staff'])}")
    if record["installation"]:
        parts.append("avec installation")
    return ", ".join(parts)


def _months(record: dict[str, Any]) -> int:
    """The months the contract runs: from its dates once known (a renewal lengthens it),
    else its term."""
    start, end = record["start"], record["end"]
    if start and end:
        return int((end.year - start.year) * 12 + end.month - start.month)
    return int(record["term_months"] or 0)


def _term(record: dict[str, Any]) -> str:
    if record["mode"] == "gift":
        return "Sans objet (don : le matériel appartient à la famille dès la signature)"
    months = f"{_months(record)} mois"
    if record.get("renewals"):
        months += f" (renouvelé {record['renewals']} fois)"
    if record["start"]:
        return f"{months}, du {fr_date(record['start'])} au {fr_date(record['end'])}"
    return f"{months} à compter de la remise, du {fr_date(None)} au {fr_date(None)}"


def _support(record: dict[str, Any]) -> str:
    if record["support_phone"]:
        return f"En cas de panne, de perte ou de question : {escape(record['support_phone'])}"
    return "En cas de panne, de perte ou de question : votre référent du programme"


MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _schedule(record: dict[str, Any], styles: Any, mm: float) -> list[Any]:
    """A rental's payment schedule: one line per month of the term, with what the programme
    and the family each pay."""
    if record["mode"] != "rental":
        return []
    from assetctl.documents.typeset import Paragraph

    fee = record["monthly_fee_cents"] or 0
    share = record["programme_share_cents"] or 0
    months = _months(record)
    if record["start"]:
        first = record["start"]
        labels = [
            f"{MONTHS_FR[(first.month - 1 + n) % 12]} {first.year + (first.month - 1 + n) // 12}"
            for n in range(months)
        ]
    else:
        labels = [f"Mois {n}" for n in range(1, months + 1)]
    rows = [["Échéance", "Loyer", "Part du programme", "Part de la famille"]]
    rows += [[label, euros(fee), euros(share), euros(fee - share)] for label in labels]
    rows.append(
        [
            "<b>Total</b>",
            f"<b>{euros(fee * months)}</b>",
            f"<b>{euros(share * months)}</b>",
            f"<b>{euros((fee - share) * months)}</b>",
        ]
    )
    return [
        Paragraph("<b>Échéancier des loyers</b>", styles["Heading3"]),
        grid(rows, styles, total=TEXT_WIDTH * mm),
    ]


def _other(line: dict[str, Any]) -> str:
    if line["type"] == "internet":
        text = INTERNET_FR.get(line["internet_type"], "Accès à internet")
        if line["monthly_cents"]:
            text += f" ({euros(line['monthly_cents'])} par mois)"
        return escape(text)
    return "Fournitures : " + escape(line["description"] or "")


def _handover(record: dict[str, Any], styles: Any, mm: float) -> list[Any]:
    from reportlab.platypus import Spacer

    from assetctl.documents.typeset import Paragraph

    story: list[Any] = [
        part_mark("Fiche de remise"),
        Paragraph(
            f"Fiche de remise : comptes et mots de passe ({record['number']})", styles["Title"]
        ),
        Paragraph(
            "À conserver par la famille, séparément du matériel. À la première connexion, "
            "l'ordinateur demande de choisir un nouveau mot de passe : choisissez-le et gardez-le "
            "pour vous. Le compte des enfants n'a pas de droits d'administration. Le programme "
            "ne garde pas de copie de ces mots de passe après la signature. Au premier "
            "démarrage, avant toute connexion, un assistant vous propose les réglages du "
            "contrôle parental (temps d'écran, heures permises, filtrage des sites) ; il "
            "fonctionne sans Internet. Pour les changer plus tard, dans le compte parent : "
            "« sudo assetctl-controle-parental ».",
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
                grid(
                    [["Compte", "Usage", "Mot de passe initial"]]
                    + [
                        [escape(a["account"]), escape(a["label"] or ""), escape(a["password"])]
                        for a in device["accounts"]
                    ],
                    styles,
                    total=TEXT_WIDTH * mm,
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
                    "Pas de compte ni de mot de passe : l'imprimante s'installe depuis "
                    "l'ordinateur (menu Paramètres, « Paramètres d'impression »)."
                    if device["kind"] == "printer"
                    else "Pas de compte enregistré pour cet appareil (préparé sans comptes).",
                    styles["BodyText"],
                )
            )
    if record["mode"] == "gift":  # ANSSI: the previous owner's marks go with the ownership
        tags = ", ".join(escape(d["tag"]) for d in record["devices"])
        story += [
            Spacer(1, 4 * mm),
            Paragraph("À la remise d'un don", styles["Heading3"]),
            Paragraph(
                f"Le matériel devient la propriété de la famille : l'agent retire l'étiquette du "
                f"programme ({tags}) et tout autre marquage de {escape(record['organisation'])} "
                "avant de le remettre.",
                styles["BodyText"],
            ),
            Paragraph(
                "Étiquette retirée le : ______________  par : ______________", styles["BodyText"]
            ),
        ]
    if record["support_phone"]:
        story += [
            Spacer(1, 6 * mm),
            Paragraph(f"Assistance : {escape(record['support_phone'])}", styles["BodyText"]),
        ]
    return story


def render_minutes(record: dict[str, Any], path: Path) -> Path:
    """The committee's minutes: members, criteria, one line per household (by reference)."""
    from reportlab.platypus import Spacer

    from assetctl.documents.typeset import Paragraph

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
        grid(_decision_rows(record["decisions"]), styles, total=TEXT_WIDTH * mm),
        *_commitment(record["decisions"], styles),
        Spacer(1, 8 * mm),
        Paragraph("Le président de la commission (nom, signature) :", styles["BodyText"]),
    ]
    build(document, story, f"Procès-verbal de la commission, séance n° {record['session']}")
    return path


def _decision_rows(decisions: list[dict[str, Any]]) -> list[list[str]]:
    """One row per household; the "Motif" column only when the committee gave a reason."""
    reasons = any(d["rationale"] for d in decisions)
    header = ["Foyer", "Quartier", "Décision", "Matériel", "Mode et montants", "Critères"]
    rows = [header + (["Motif"] if reasons else [])]
    for d in decisions:
        row = [
            escape(d["ref"]),
            escape(d["qpv"]),
            OUTCOME_FR[d["outcome"]],
            ", ".join(EQUIPMENT_FR.get(e, e) for e in d["equipment"]) or "-",
            _decided_terms(d),
            f",{NBSP}".join(map(str, d["criteria_met"])) or "-",  # "1, 2, 3" on one line
        ]
        rows.append(row + ([escape(d["rationale"] or "")] if reasons else []))
    return rows


def _decided_terms(decision: dict[str, Any]) -> str:
    """``Location, 12 mois : loyer 15,00 €, dont 10,00 € par le programme``."""
    if not decision["mode"]:
        return "-"
    text: str = MODE_FR.get(decision["mode"], decision["mode"])
    if decision["term_months"]:
        text += f", {decision['term_months']} mois"
    if decision["mode"] == "rental":
        fee = decision["monthly_fee_cents"] or 0
        share = decision["programme_share_cents"] or 0
        text += (
            f" : loyer {euros(fee)} par mois, dont {euros(share)} par le programme et "
            f"{euros(fee - share)} par la famille"
        )
    return text


def _commitment(decisions: list[dict[str, Any]], styles: Any) -> list[Any]:
    """What the approved rentals commit the programme to, per month and over their terms."""
    from assetctl.documents.typeset import Paragraph

    rentals = [d for d in decisions if d["outcome"] == "approved" and d["mode"] == "rental"]
    if not rentals:
        return []
    monthly = sum(d["programme_share_cents"] or 0 for d in rentals)
    overall = sum((d["programme_share_cents"] or 0) * (d["term_months"] or 0) for d in rentals)
    families = sum(
        (d["monthly_fee_cents"] or 0) - (d["programme_share_cents"] or 0) for d in rentals
    )
    return [
        Paragraph(
            f"Engagement du programme pour les {len(rentals)} location(s) accordée(s) : "
            f"{euros(monthly)} par mois, soit {euros(overall)} sur la durée des contrats ; "
            f"reste à la charge des familles : {euros(families)} par mois au total.",
            styles["BodyText"],
        )
    ]
