"""The year's reuse declaration, in French (from :func:`assetctl.reports.reuse.reuse_record`):
the REEN ratio with the devices counted, excluded and why, the proof of each reuse, and the
AGEC share of the year's computer purchases; and its workbook's sheets."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from assetctl.documents import TEXT_WIDTH, a4_document, build, inline, signature_block
from assetctl.documents.formats import NBSP, day, euros, number, percent
from assetctl.documents.tables import grid
from assetctl.vocabulary import EXCLUSION_FR, FRENCH, REUSE_HOW_FR, PurchaseCondition


def _day(value: str | None) -> str:
    return day(date.fromisoformat(value)) if value else "-"


def _device(line: dict[str, Any]) -> str:
    return (
        f"{escape(line['manufacturer'])} {escape(line['model'])}<br/>"
        f"n°{NBSP}{escape(line['serial'] or '-')}"
    )


def _ratio(value: float | None, target: float | None) -> str:
    if value is None:
        return "non calculable (aucun matériel réformé en stock au 1er janvier)"
    shown = percent(value, 1)
    if target is None:
        return shown
    verdict = "atteint" if value >= target else "non atteint"
    return f"{shown} (objectif {percent(target)} : {verdict})"


def render_reuse(record: dict[str, Any], path: Path, *, organisation: str) -> Path:
    from reportlab.platypus import Spacer

    from assetctl.documents.typeset import Paragraph

    year = record["year"]
    title = f"Réemploi des matériels informatiques : année {year}"
    document, styles, mm = a4_document(path, title, organisation)
    body, heading, width = styles["BodyText"], styles["Heading2"], TEXT_WIDTH * mm
    reen, agec = record["reen"], record["agec"]
    story: list[Any] = [
        Paragraph(inline(organisation), styles["Normal"]),
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            f"Établi le {day(date.today())} par assetctl à partir du registre des matériels et "
            "des contrats du programme. Aucune donnée personnelle n'y figure : les familles ne "
            "sont désignées que par le numéro de leur contrat.",
            styles["Normal"],
        ),
        Paragraph(
            "1. Matériels réformés orientés vers le réemploi (loi n° 2021-1485, article 16 ; "
            "décret n° 2023-266)",
            heading,
        ),
        grid(
            [
                ["Indicateur", "Valeur"],
                [
                    f"A : matériels orientés vers le réemploi en {year}",
                    number(reen["sent_to_reuse"]),
                ],
                [
                    f"B : matériels réformés en stock au 1er janvier {year}",
                    number(reen["stock_on_1_january"]),
                ],
                ["Résultat A / B × 100", _ratio(reen["ratio"], reen["target"])],
                [
                    "Exclus du calcul",
                    f"{number(len(reen['excluded']))} (plus de 10 ans à la date de la réforme)",
                ],
            ],
            styles,
            total=width,
            widths=[95 * mm, 79 * mm],
        ),
        Paragraph(
            "Les matériels réformés sont les postes de la ville retirés de son parc, qu'ils "
            "soient entrés dans le programme ou non. Un matériel est orienté vers le réemploi le "
            "jour où le premier contrat d'une famille qui le reçoit est signé (don, prêt ou "
            "location ; le contrat engage la famille à son usage), ou le jour où il est vendu ou "
            "donné à un repreneur qui s'engage à le réemployer. Le contrat, ou l'engagement du "
            "repreneur, en est la preuve. La liste des matériels en stock au 1er janvier est "
            "dans le classeur de la déclaration (assetctl report reuse --xlsx).",
            body,
        ),
    ]
    if reen["age_unknown"]:
        story.append(
            Paragraph(
                f"Date d'achat inconnue, âge non vérifié : {escape(', '.join(reen['age_unknown']))}"
                " (comptés ; à compléter dans le registre).",
                body,
            )
        )
    story.append(Paragraph(f"Matériels orientés vers le réemploi en {year}", styles["Heading3"]))
    if reen["reused"]:
        story.append(
            grid(
                [["Étiquette", "Matériel", "Réformé le", "Orienté le", "Comment", "Preuve"]]
                + [
                    [
                        escape(line["tag"]),
                        _device(line),
                        _day(line["retired_on"]),
                        _day(line["reused_on"]),
                        escape(REUSE_HOW_FR.get(line["how"] or "", line["how"] or "-")),
                        escape(line["proof"] or "-"),
                    ]
                    for line in reen["reused"]
                ],
                styles,
                total=width,
            )
        )
    else:
        story.append(Paragraph("Aucun sur l'année.", body))
    if reen["excluded"]:
        story += [
            Paragraph("Matériels exclus du calcul", styles["Heading3"]),
            grid(
                [["Étiquette", "Matériel", "Acheté le", "Réformé le", "Motif"]]
                + [
                    [
                        escape(line["tag"]),
                        _device(line),
                        _day(line["acquired"]),
                        _day(line["retired_on"]),
                        EXCLUSION_FR[line["why"]],
                    ]
                    for line in reen["excluded"]
                ],
                styles,
                total=width,
            ),
        ]
    story += [
        Paragraph(
            "2. Achats issus du réemploi (loi n° 2020-105, article 58 ; décret n° 2024-134)",
            heading,
        ),
        grid(
            [
                ["Indicateur", "Valeur"],
                [f"Dépense d'ordinateurs en {year}, hors taxes", euros(agec["spend_cents"])],
                ["Dont matériels reconditionnés ou issus du réemploi", euros(agec["reused_cents"])],
                [
                    "Part",
                    "non calculable (aucun achat au prix enregistré)"
                    if agec["share"] is None
                    else _ratio(agec["share"], agec["target"]),
                ],
            ],
            styles,
            total=width,
            widths=[95 * mm, 79 * mm],
        ),
    ]
    if agec["unpriced"]:
        story.append(
            Paragraph(
                f"Sans prix enregistré, non comptés : {escape(', '.join(agec['unpriced']))}.", body
            )
        )
    if agec["purchases"]:
        story.append(
            grid(
                [["Étiquette", "Matériel", "Acheté le", "Commande", "État", "Prix HT"]]
                + [
                    [
                        escape(p["tag"]),
                        f"{escape(p['manufacturer'])} {escape(p['model'])}",
                        _day(p["acquired"]),
                        escape(p["order_ref"] or "-"),
                        FRENCH[PurchaseCondition][p["purchase_condition"]],
                        "-" if p["unit_price_cents"] is None else euros(p["unit_price_cents"]),
                    ]
                    for p in agec["purchases"]
                ],
                styles,
                total=width,
            )
        )
    story += [
        Spacer(1, 6 * mm),
        signature_block("Certifié exact par", "Nom et fonction :", "Date :"),
    ]
    build(document, story, title)
    return path


def reuse_sheets(record: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The workbook's sheets: the figures, the devices sent to reuse, the excluded ones, the
    stock on 1 January and the year's purchases (French headers, typed cells)."""
    reen, agec = record["reen"], record["agec"]
    figures = [
        {"indicator": "reen_sent_to_reuse", "value": reen["sent_to_reuse"]},
        {"indicator": "reen_stock_on_1_january", "value": reen["stock_on_1_january"]},
        {"indicator": "reen_ratio_percent", "value": _hundred(reen["ratio"])},
        {"indicator": "reen_target_percent", "value": _hundred(reen["target"])},
        {"indicator": "agec_spend_cents", "value": agec["spend_cents"]},
        {"indicator": "agec_reused_cents", "value": agec["reused_cents"]},
        {"indicator": "agec_share_percent", "value": _hundred(agec["share"])},
        {"indicator": "agec_target_percent", "value": _hundred(agec["target"])},
    ]
    device = ("tag", "kind", "manufacturer", "model", "serial", "acquired", "retired_on")
    return {
        "Chiffres": (("indicator", "value"), figures),
        "Orientés vers le réemploi": ((*device, "reused_on", "how", "proof"), reen["reused"]),
        "Exclus": ((*device, "why"), reen["excluded"]),
        "Stock au 1er janvier": (device, reen["stock"]),
        "Achats": (
            (
                "tag",
                "kind",
                "manufacturer",
                "model",
                "acquired",
                "order_ref",
                "supplier",
                "purchase_condition",
                "unit_price_cents",
            ),
            agec["purchases"],
        ),
    }


def _hundred(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)
