"""The register entry (GDPR article 30) and the pre-filled impact assessment (article 35), in
French, from :func:`assetctl.gdpr.processing_record`. What only the data protection officer can
judge (the risks' severity and likelihood, the opinion, the signatures) is left to fill in, and
says so."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from assetctl.documents import TEXT_WIDTH, a4_document, build, bullets, inline
from assetctl.documents.formats import day
from assetctl.documents.tables import grid

TO_FILL = "<i>à compléter</i>"


def _header(record: dict[str, Any], title: str, styles: Any, mm: float) -> list[Any]:
    from reportlab.platypus import Spacer

    from assetctl.documents.typeset import Paragraph

    return [
        Paragraph(inline(record["organisation"]), styles["Normal"]),
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            f"{inline(record['processing'])}. Établi le {day(date.today())} par assetctl "
            "à partir de sa configuration et de son schéma de données.",
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
    ]


def _common(record: dict[str, Any], styles: Any, mm: float) -> list[Any]:
    """The sections both documents share: who, why, what, to whom, how long, how protected."""
    from assetctl.documents.typeset import Paragraph

    heading = styles["Heading2"]
    identity = grid(
        [
            ["<b>Responsable du traitement</b>", inline(record["organisation"])],
            ["<b>Délégué à la protection des données</b>", inline(record["dpo"])],
            ["<b>Base légale</b>", inline(record["legal_basis"])],
            ["<b>Personnes concernées</b>", inline(", ".join(record["people"]))],
            ["<b>Transferts hors UE</b>", inline(record["transfers"])],
        ],
        styles,
        total=TEXT_WIDTH * mm,
        widths=[55 * mm, 119 * mm],
        header=False,
    )
    data = grid(
        [["Donnée", "Traitement"]]
        + [
            [inline(label), "scellée (chiffrée), effacée à l'échéance"]
            for _, label in record["personal"]
        ]
        + [[inline(label), "en clair, anonyme, conservée"] for _, label in record["facts"]],
        styles,
        total=TEXT_WIDTH * mm,
        widths=[100 * mm, 74 * mm],
    )
    recipients = grid(
        [["Destinataire", "Ce qu'il peut faire"]]
        + [[inline(role), inline(" ; ".join(rights))] for role, rights in record["recipients"]]
        + [["Commission d'attribution", inline(record["committee"])]],
        styles,
        total=TEXT_WIDTH * mm,
        widths=[55 * mm, 119 * mm],
    )
    return [
        Paragraph("Identification", heading),
        identity,
        Paragraph("Finalités", heading),
        *bullets(record["purposes"], styles),
        Paragraph("Données traitées", heading),
        Paragraph(
            "Les champs du formulaire de diagnostic, tels que la base les contient, et ce que "
            "le programme garde des ordinateurs remis :",
            styles["BodyText"],
        ),
        data,
        *bullets(record["device_data"], styles),
        Paragraph("Destinataires", heading),
        recipients,
        Paragraph("Durées de conservation", heading),
        *bullets(record["retention"], styles),
        Paragraph(
            "Le dernier contact est, selon ce qui a lieu en dernier : "
            + inline(" ; ".join(record["contacts"]))
            + ". Il est enregistré sur le foyer à chaque fois.",
            styles["BodyText"],
        ),
        Paragraph("Mesures de sécurité en place", heading),
        *bullets(record["measures"], styles),
    ]


def render_register(record: dict[str, Any], path: Path) -> Path:
    """The processing's entry in the controller's register (article 30)."""
    from reportlab.platypus import Spacer

    from assetctl.documents.typeset import Paragraph

    title = "Registre des activités de traitement : fiche du traitement"
    document, styles, mm = a4_document(path, title, record["organisation"])
    story = _header(record, title, styles, mm) + _common(record, styles, mm)
    story += [
        Spacer(1, 6 * mm),
        Paragraph(
            "Fiche à verser au registre du responsable du traitement (article 30 du RGPD), "
            "après relecture par le délégué à la protection des données.",
            styles["BodyText"],
        ),
    ]
    build(document, story, "Registre des traitements")
    return path


def render_dpia(record: dict[str, Any], path: Path) -> Path:
    """The impact assessment, pre-filled with what assetctl does (CNIL's PIA plan: context,
    fundamental principles, risks, validation)."""
    from reportlab.platypus import PageBreak, Spacer

    from assetctl.documents.typeset import Paragraph

    title = "Analyse d'impact relative à la protection des données (AIPD)"
    document, styles, mm = a4_document(path, title, record["organisation"])
    heading, body = styles["Heading1"], styles["BodyText"]
    rights = grid(
        [["Droit", "Comment il s'exerce"]]
        + [[inline(name), inline(how)] for name, how in record["rights"]],
        styles,
        total=TEXT_WIDTH * mm,
        widths=[45 * mm, 129 * mm],
    )
    risks = grid(
        [
            ["Risque", "Mesures en place (voir partie 1)", "Gravité", "Vraisemblance"],
            [
                "Accès illégitime aux données",
                "données scellées ; clé détenue par les seuls référents ; droits par rôle ; "
                "journal des accès",
                TO_FILL,
                TO_FILL,
            ],
            [
                "Modification non désirée",
                "droits par rôle ; contrôle de version des fiches ; journal des modifications",
                TO_FILL,
                TO_FILL,
            ],
            [
                "Disparition des données",
                "sauvegardes de la base par l'organisation (à décrire) ; perte de la clé : "
                "données personnelles illisibles, faits anonymes intacts",
                TO_FILL,
                TO_FILL,
            ],
            [
                "Données d'une famille sur le matériel remis à une autre",
                "effacement certifié et réinstallation avant chaque remise, imposés par assetctl",
                TO_FILL,
                TO_FILL,
            ],
        ],
        styles,
        total=TEXT_WIDTH * mm,
        widths=[40 * mm, 80 * mm, 25 * mm, 29 * mm],
    )
    story = _header(record, title, styles, mm)
    story += [
        Paragraph(
            "Une AIPD est requise pour le suivi social ou médico-social des personnes (liste "
            "de la CNIL des traitements pour lesquels elle est obligatoire). Ce document est "
            "pré-rempli avec ce que fait l'outil ; le délégué à la protection des données "
            "complète les parties signalées « à compléter ».",
            body,
        ),
        Paragraph("1. Contexte et description du traitement", heading),
        *_common(record, styles, mm),
        Paragraph("2. Principes fondamentaux", heading),
        Paragraph(
            "Proportionnalité : seuls les champs du formulaire ci-dessus sont recueillis ; les "
            "indicateurs du programme n'utilisent que les faits anonymes.",
            body,
        ),
        Paragraph("Droits des personnes", styles["Heading2"]),
        rights,
        Paragraph("3. Risques", heading),
        risks,
        Spacer(1, 3 * mm),
        Paragraph(f"Autres risques identifiés : {TO_FILL}", body),
        PageBreak(),
        Paragraph("4. Validation", heading),
        Paragraph(f"Avis du délégué à la protection des données : {TO_FILL}", body),
        Paragraph(f"Plan d'action : {TO_FILL}", body),
        Spacer(1, 6 * mm),
        grid(
            [
                ["Le délégué à la protection des données", "Le responsable du traitement"],
                ["<br/><br/><br/><br/>", ""],
            ],
            styles,
            total=TEXT_WIDTH * mm,
            widths=[87 * mm, 87 * mm],
        ),
    ]
    build(document, story, "AIPD du Programme de Réussite Éducative")
    return path
