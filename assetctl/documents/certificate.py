"""The certificate of sanitisation, in French, with the fields of NIST SP 800-88 App. G."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assetctl.documents.formats import DEFAULT_ZONE, gigabytes, local_time

METHODS_FR = {
    "overwrite": "Écrasement complet (une passe de zéros)",
    "nvme-sanitize-crypto": "NVMe Sanitize : effacement cryptographique",
    "nvme-sanitize-block": "NVMe Sanitize : effacement des blocs",
    "nvme-sanitize-overwrite": "NVMe Sanitize : écrasement par le micrologiciel",
    "nvme-format-crypto": "NVMe Format : effacement cryptographique",
    "nvme-format-user-data": "NVMe Format : effacement des données utilisateur",
    "ata-sanitize-crypto": "ATA Sanitize : brouillage cryptographique",
    "ata-sanitize-block": "ATA Sanitize : effacement des blocs",
    "ata-secure-erase-enhanced": "ATA Enhanced Security Erase",
}
CATEGORY_FR = {"Clear": "Effacement (Clear)", "Purge": "Purge"}
MEDIA_FR = {
    "hdd": "Disque dur (HDD)",
    "ssd": "Disque SSD",
    "nvme": "SSD NVMe",
    "emmc": "Mémoire eMMC",
    "unknown": "Support de stockage",
}
VERIFICATION_FR = {
    "sample read-back": "Relecture d'un échantillon (premier et dernier Mio, blocs aléatoires)",
    "full read-back": "Relecture complète du support",
    "firmware status + sampled blocks changed": "État rapporté par le micrologiciel et "
    "relecture de blocs échantillonnés",
}
RESULT_FR = {"passed": "Réussi", "failed": "Échec", "interrupted": "Interrompu"}


def _verification(value: str | None) -> str:
    return VERIFICATION_FR.get(value or "", value or "-")


def render_certificate(
    record: dict[str, Any],
    path: Path,
    *,
    organisation: str,
    destination: str,
    zone: str = DEFAULT_ZONE,
) -> Path:
    """Write the certificate of ``record`` (from :func:`assetctl.wipes.certificate_record`)."""
    from reportlab.lib import colors
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    from assetctl.documents import a4_document

    title = f"Certificat d'effacement des données n° {record['certificate']}"
    document, styles, mm = a4_document(path, title, organisation, margin_mm=16)
    asset = record["asset"]

    def table(rows: list[list[str]]) -> Table:
        cells = [
            [Paragraph(f"<b>{k}</b>", styles["BodyText"]), Paragraph(v, styles["BodyText"])]
            for k, v in rows
        ]
        grid = Table(cells, colWidths=[62 * mm, 112 * mm])
        grid.setStyle(
            TableStyle(
                [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
            )
        )
        return grid

    story: list[Any] = [
        Paragraph(organisation, styles["Heading3"]),
        Paragraph(title, styles["Title"]),
        Paragraph(
            "Établi selon la norme NIST SP 800-88 (Guidelines for Media Sanitization), annexe G.",
            styles["Italic"],
        ),
        Spacer(1, 4 * mm),
        Paragraph("Personne ayant réalisé l'effacement", styles["Heading2"]),
        table(
            [
                ["Nom", record["operator"]],
                ["Fonction", "Technicien(ne) de la DSI"],
                ["Date", local_time(record["finished_at"], zone)],
                ["Lieu", f"{organisation}, banc de préparation (poste {record['bench_host']})"],
                ["Résultat", RESULT_FR.get(record["result"], record["result"])],
            ]
        ),
        Paragraph("Matériel", styles["Heading2"]),
        table(
            [
                ["Numéro d'inventaire (étiquette)", asset["tag"]],
                ["Fabricant", asset["manufacturer"]],
                ["Modèle", asset["model"]],
                ["Numéro de série", asset["serial"] or "-"],
                ["Ancien numéro d'inventaire", asset["former_inventory"] or "-"],
                ["Destination après effacement", destination],
            ]
        ),
    ]
    for index, disk in enumerate(record["disks"], 1):
        size = gigabytes(disk["size_bytes"])
        verified = "conforme" if disk["verified"] else "non conforme"
        story += [
            Paragraph(f"Support n° {index}", styles["Heading2"]),
            table(
                [
                    [
                        "Type de support",
                        MEDIA_FR.get(disk["media_type"] or "unknown", disk["media_type"] or "-"),
                    ],
                    ["Modèle", disk["model"] or "-"],
                    ["Numéro de série", disk["serial"] or "-"],
                    ["Capacité", size],
                    ["Périphérique", disk["device"]],
                    ["Catégorie d'effacement", CATEGORY_FR.get(disk["nist_category"] or "", "-")],
                    ["Méthode", METHODS_FR.get(disk["method"] or "", disk["method"] or "-")],
                    ["Outil et version", disk["tool"] or "-"],
                    ["Vérification", f"{_verification(disk['verification'])} : {verified}"],
                    [
                        "Octets écrits / vérifiés",
                        f"{disk['bytes_written'] or 0:,} / {disk['bytes_verified'] or 0:,}".replace(
                            ",", " "
                        ),
                    ],
                    [
                        "Début / fin",
                        f"{local_time(disk['started_at'], zone)} / "
                        f"{local_time(disk['finished_at'], zone)}",
                    ],
                    ["Anomalies", "; ".join(disk["errors"]) or "aucune"],
                ]
            ),
        ]
    signatures = Table(
        [
            ["Technicien(ne)", "Responsable de la validation"],
            ["Nom :", "Nom :"],
            ["Fonction :", "Fonction :"],
            ["Date :", "Date :"],
            ["Signature :\n\n\n", "Signature :\n\n\n"],
        ],
        colWidths=[87 * mm, 87 * mm],
        style=TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]),
    )
    story += [
        Spacer(1, 6 * mm),
        KeepTogether([Paragraph("Signatures", styles["Heading2"]), signatures]),
    ]
    document.build(story)
    return path
