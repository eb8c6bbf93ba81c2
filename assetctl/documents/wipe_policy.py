"""The programme's sanitisation policy, in French, as an auditor asks for it: which method for
which media, how each wipe is verified and validated and by whom, how the records are kept
(from :func:`assetctl.sanitisation.policy_record`, itself from ``[wipe]``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from assetctl.documents import TEXT_WIDTH, a4_document, build, bullets, inline, signature_block
from assetctl.documents.certificate import CATEGORY_FR, MEDIA_FR, METHODS_FR
from assetctl.documents.formats import NBSP, day, number, percent
from assetctl.documents.tables import grid
from assetctl.vocabulary import FRENCH, ManualStep

TITLE = "Politique d'effacement des supports de stockage"
MANUAL_STEPS = [label[0].lower() + label[1:] for label in FRENCH[ManualStep].values()]
MEDIA_POLICY_FR = {"unknown": "Autre support ou type inconnu"}
READ_BACK_FR = {
    "full": "Relecture complète du support",
    "sample": "Relecture d'un échantillon de blocs",
}


def render_policy(record: dict[str, Any], path: Path) -> Path:
    from reportlab.platypus import Spacer

    from assetctl.documents.typeset import Paragraph

    document, styles, mm = a4_document(path, TITLE, record["organisation"])
    body, heading = styles["BodyText"], styles["Heading2"]
    samples = record["samples"]
    misses = " ; ".join(
        f"{number(mib)}{NBSP}Mio : {percent(chance)}" for mib, chance in record["missed"].items()
    )
    methods = [["Support", "Méthodes, dans l'ordre où le banc les choisit", "Relecture"]]
    for media in record["media"]:
        methods.append(
            [
                escape(MEDIA_POLICY_FR.get(media["media"], MEDIA_FR[media["media"]])),
                "<br/>".join(
                    f"{escape(METHODS_FR[m['code']])} — {CATEGORY_FR[m['category']]}"
                    for m in media["methods"]
                ),
                escape(READ_BACK_FR[media["read_back"]]),
            ]
        )
    who = (
        "une autre personne que le technicien qui a effacé"
        if record["separate_validator"]
        else "le technicien lui-même ou une autre personne"
    )
    story: list[Any] = [
        Paragraph(inline(record["organisation"]), styles["Normal"]),
        Paragraph(TITLE, styles["Title"]),
        Paragraph(
            f"Programme d'équipement numérique des familles. Établie le {day(date.today())} "
            "par assetctl à partir de sa configuration ([wipe]) ; elle décrit ce que le banc "
            "applique réellement.",
            styles["Normal"],
        ),
        Spacer(1, 3 * mm),
        Paragraph("1. Objet et références", heading),
        Paragraph(
            "Tout support de stockage d'un matériel qui entre dans le programme (poste "
            "reconditionné de la ville, matériel rendu par une famille) est effacé avant chaque "
            "remise à une famille, et l'effacement est prouvé par un certificat numéroté. "
            "Références :",
            body,
        ),
        *bullets(
            [
                *record["standards"],
                "ANSSI, recommandations pour le reconditionnement des ordinateurs (2023) : "
                "effacer avec l'outil du fabricant du disque, hdparm ou un logiciel certifié, "
                "en sachant qu'un écrasement n'atteint pas les secteurs réalloués.",
            ],
            styles,
        ),
        Paragraph("2. Méthode par type de support", heading),
        Paragraph(
            "Le banc lit les capacités de chaque disque (nvme id-ctrl, hdparm -I) et choisit la "
            "première méthode offerte ; une commande du micrologiciel (Purge) atteint aussi les "
            "zones que l'hôte ne voit pas. Un disque derrière un adaptateur USB, ou dont la "
            "sécurité est gelée par le BIOS, est écrasé. L'effacement d'un disque qui cache une "
            "zone (HPA) est en échec tant qu'elle n'est pas levée.",
            body,
        ),
        grid(methods, styles, total=TEXT_WIDTH * mm, widths=[30 * mm, 100 * mm, 44 * mm]),
        Paragraph("3. Vérification et validation", heading),
        *bullets(
            [
                "Vérification : la technique a été appliquée. Écrasement : chaque octet du "
                "disque écrit, sans erreur. Commande du micrologiciel : le disque rend compte "
                "de la commande terminée.",
                "Validation : le résultat est suffisant. Après un écrasement, le banc relit le "
                "disque et tout octet non nul est un échec ; après une commande du "
                "micrologiciel, des blocs témoins écrits juste avant doivent avoir changé.",
                f"Relecture par échantillon : le premier et le dernier Mio, et {number(samples)} "
                "blocs de 1 Mio tirés au hasard. Sur un disque de 256 Go, la probabilité "
                f"qu'une zone restée intacte y échappe est, par taille de zone : {misses}. "
                "C'est pourquoi la relecture est complète sur les supports marqués ainsi "
                "ci-dessus.",
                f"Acceptation : la validation de chaque effacement réussi est acceptée par : "
                f"{record['validator']}, {who} (`assetctl wipe validate`) ; le certificat dit "
                "qui l'a acceptée et quand.",
            ],
            styles,
        ),
        Paragraph("4. Refus et échecs", heading),
        *bullets(
            [
                "Rien n'est écrit sur une machine dont le numéro de série (DMI) n'est pas "
                "celui de l'étiquette, ni sur le support du système du banc, un disque monté "
                "ou un support amovible.",
                "Un disque en échec est effacé de nouveau ; s'il échoue encore, il est retiré "
                "du matériel et mis de côté pour destruction (Destroy), hors du programme.",
            ],
            styles,
        ),
        Paragraph("5. Micrologiciel et marquages avant un changement de propriétaire", heading),
        *bullets(
            [
                "Une fois tous les disques effacés, depuis le système du banc : la puce TPM est "
                "effacée (tpm2_clear) et les entrées de démarrage UEFI qui désignent une "
                "partition disparue (celles de l'ancien système) sont supprimées ; le "
                "certificat le dit.",
                "À la main, confirmé par le technicien sur l'enregistrement "
                f"(`assetctl wipe confirm`) : {' ; '.join(MANUAL_STEPS)}.",
                "À la remise d'un don, l'agent retire l'étiquette du programme (fiche de remise).",
            ],
            styles,
        ),
        Paragraph("6. Enregistrement et conservation", heading),
        *bullets(
            [
                "Pour chaque disque : modèle, numéro de série, capacité, méthode, catégorie, "
                "outil, heures, octets écrits et relus, résultat de la vérification et de la "
                "validation, anomalies (`assetctl wipe list`).",
                "Un certificat numéroté par machine (`assetctl wipe certificate`) et un relevé "
                "par lot ou par journée (`assetctl wipe summary`).",
                f"Les enregistrements et certificats sont conservés "
                f"{number(record['records_kept_years'])} ans.",
            ],
            styles,
        ),
        Spacer(1, 6 * mm),
        signature_block("Approuvée par", "Nom et fonction :", "Date :"),
    ]
    build(document, story, TITLE)
    return path
