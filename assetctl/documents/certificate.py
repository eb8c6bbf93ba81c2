"""The certificate of sanitisation, in French: NIST SP 800-88 Rev. 2 and IEEE 2883, with the
fields of Rev. 1's appendix G, the verification and the validation as two results; the batch
summary of a day's wipes; and the programme's sanitisation policy (``assetctl wipe policy``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from assetctl.documents.formats import (
    DEFAULT_ZONE,
    NBSP,
    day,
    gigabytes,
    local_time,
    number,
    percent,
)
from assetctl.vocabulary import FRENCH, ManualStep

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
    "firmware status + sampled blocks written before, changed after": "État rapporté par le "
    "micrologiciel, et blocs témoins écrits avant l'effacement puis relus : tous effacés",
}
RESULT_FR = {"passed": "Réussi", "failed": "Échec", "interrupted": "Interrompu"}


def _verification(value: str | None) -> str:
    return VERIFICATION_FR.get(value or "", value or "-")


def _applied(disk: dict[str, Any]) -> str:
    """The verification: whether the technique was applied as intended."""
    if disk["applied"] is None:
        return "non enregistrée (effacement antérieur à la version 2 de la norme)"
    status = (disk["details"] or {}).get("firmware_status")
    if disk["method"] == "overwrite" or not status:
        written = number(disk["bytes_written"] or 0)
        size = number(disk["size_bytes"] or 0)
        what = f"{written} octets écrits sur {size}"
    else:
        what = f"le disque a rendu compte de la commande ({status})"
    return f"{'conforme' if disk['applied'] else 'non conforme'} : {what}"


def coverage_text(found: dict[str, Any]) -> str:
    """What a read-back covered (:func:`assetctl.sanitisation.coverage`), in words."""
    if found.get("read_back") == "full":
        return f"Couverture : {percent(found['share_read'] or 0)} du support relu."
    if "missed" not in found:
        return ""
    size = found["block_size"]
    what = "blocs témoins" if found["read_back"] == "canaries" else "blocs"
    unit = f"{number(size / 1024 / 1024)}{NBSP}Mio" if size % (1024 * 1024) == 0 else f"{size} o"
    misses = [
        f"de {number(mib)}{NBSP}Mio, {percent(chance)}"
        for mib, chance in found["missed"].items()
        if chance > 0
    ]
    text = (
        f"Couverture : {number(found['blocks'] or 0)} {what} de {unit} relus "
        f"({percent(found['share_read'] or 0, 1)} du support), dont {number(found['draws'])} "
        "tirés au hasard."
    )
    if misses:
        text += (
            " Probabilité qu'une zone restée intacte échappe à la relecture : "
            + " ; ".join(misses)
            + "."
        )
    return text


def _pairs(
    rows: list[tuple[str, str, str, str]], styles: Any, mm: float, label_mm: float = 32
) -> Any:
    """A compact table of two label/value pairs per row (values are plain text, escaped
    here); a row whose second pair is empty spans the whole width. ``label_mm`` widens the
    first label's column of a table of such rows only (long labels on one line)."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Table, TableStyle

    from assetctl.documents.typeset import Paragraph

    cell = ParagraphStyle("cell", parent=styles["BodyText"], fontSize=8.5, leading=10.5)
    label = ParagraphStyle("label", parent=cell, fontName="Helvetica-Bold")
    data: list[list[Any]] = []
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
    ]
    for row, (k1, v1, k2, v2) in enumerate(rows):
        if k2:
            data.append(
                [
                    Paragraph(escape(k1), label),
                    Paragraph(escape(v1), cell),
                    Paragraph(escape(k2), label),
                    Paragraph(escape(v2), cell),
                ]
            )
            # the second label's shade on this row only: under a spanned value it would show
            commands.append(("BACKGROUND", (2, row), (2, row), colors.HexColor("#f0f0f0")))
        else:
            data.append([Paragraph(escape(k1), label), Paragraph(escape(v1), cell), "", ""])
            commands.append(("SPAN", (1, row), (3, row)))
    table = Table(data, colWidths=[label_mm * mm, (87 - label_mm) * mm, 32 * mm, 55 * mm])
    table.setStyle(TableStyle(commands))
    return table


def render_certificate(
    record: dict[str, Any],
    path: Path,
    *,
    organisation: str,
    destination: str,
    validator: str,
    zone: str = DEFAULT_ZONE,
) -> Path:
    """Write the certificate of ``record`` (from :func:`assetctl.wipes.certificate_record`):
    one page for a machine and its disk, each further disk on the page after, the signatures
    kept with the last one; every page says the certificate's number. ``validator`` is the
    function that accepts the validation (``[wipe] validator``)."""
    from reportlab.lib import colors
    from reportlab.platypus import KeepTogether, PageBreak, Spacer, Table, TableStyle

    from assetctl.documents import a4_document, build
    from assetctl.documents.typeset import Paragraph

    title = f"Certificat d'effacement des données n°{NBSP}{record['certificate']}"
    document, styles, mm = a4_document(path, title, organisation, margin_mm=12)
    # tighter headings: a machine with one disk, its firmware and the signatures on one page
    styles["Heading2"].spaceBefore, styles["Heading2"].spaceAfter = 8, 4
    asset = record["asset"]
    disks = record["disks"]
    story: list[Any] = [
        Paragraph(escape(organisation), styles["Heading3"]),
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            "Établi selon NIST SP 800-88 Rev. 2 (Guidelines for Media Sanitization, septembre "
            "2025) et IEEE 2883-2022 (commandes d'effacement par interface), avec les champs de "
            "l'annexe G de la Rev. 1. La vérification dit que la technique a été appliquée ; la "
            "validation, que le résultat est suffisant, acceptée par une personne désignée.",
            styles["Italic"],
        ),
        Spacer(1, 3 * mm),
        Paragraph("Effacement et matériel", styles["Heading2"]),
        _pairs(
            [
                ("Réalisé par", record["operator"], "Étiquette", asset["tag"]),
                ("Fonction", "Technicien(ne) de la DSI", "Fabricant", asset["manufacturer"]),
                ("Date", local_time(record["finished_at"], zone), "Modèle", asset["model"]),
                (
                    "Lieu",
                    f"{organisation}, banc de préparation (poste {record['bench_host'] or '-'})",
                    "N° de série",
                    asset["serial"] or "-",
                ),
                (
                    "Résultat",
                    RESULT_FR.get(record["result"], record["result"]),
                    "Ancien n° d'inventaire",
                    asset["former_inventory"] or "-",
                ),
                (
                    "Supports",
                    f"{len(disks)} support(s), "
                    f"{gigabytes(sum(d['size_bytes'] or 0 for d in disks))} au total ; "
                    f"{sum(bool(d['verified']) for d in disks)} validé(s) par la relecture",
                    "N° de série lu sur le banc (DMI)",
                    record["machine_serial"] or "-",
                ),
                ("Validation acceptée", _accepted(record, validator, zone), "", ""),
                ("Destination", destination, "", ""),
            ],
            styles,
            mm,
        ),
    ]
    for index, disk in enumerate(disks, 1):
        verified = "conforme" if disk["verified"] else "non conforme"
        written, checked = disk["bytes_written"] or 0, disk["bytes_verified"] or 0
        section = [
            Paragraph(f"Support n° {index} sur {len(disks)}", styles["Heading2"]),
            _pairs(
                [
                    (
                        "Type de support",
                        MEDIA_FR.get(disk["media_type"] or "unknown", disk["media_type"] or "-"),
                        "Catégorie",
                        CATEGORY_FR.get(disk["nist_category"] or "", "-"),
                    ),
                    (
                        "Modèle",
                        disk["model"] or "-",
                        "Méthode",
                        METHODS_FR.get(disk["method"] or "", disk["method"] or "-"),
                    ),
                    ("N° de série", disk["serial"] or "-", "Outil et version", disk["tool"] or "-"),
                    (
                        "Capacité",
                        gigabytes(disk["size_bytes"]),
                        "Octets écrits",
                        f"{number(written)} ({gigabytes(written)})" if written else "0",
                    ),
                    (
                        "Périphérique",
                        disk["device"],
                        "Octets vérifiés",
                        f"{number(checked)} ({gigabytes(checked)})" if checked else "0",
                    ),
                    ("Vérification", _applied(disk), "", ""),
                    (
                        "Validation",
                        f"{_verification(disk['verification'])} : {verified}. "
                        + coverage_text(disk["coverage"]),
                        "",
                        "",
                    ),
                    (
                        "Début / fin",
                        f"{local_time(disk['started_at'], zone)} / "
                        f"{local_time(disk['finished_at'], zone)}",
                        "",
                        "",
                    ),
                    ("Anomalies", "; ".join(disk["errors"]) or "aucune", "", ""),
                ],
                styles,
                mm,
            ),
        ]
        if index > 1:  # a further disk starts its page, headed by the machine it was in
            section.insert(
                0,
                Paragraph(
                    f"Matériel {escape(asset['tag'])} ({escape(asset['manufacturer'])} "
                    f"{escape(asset['model'])}, n° de série {escape(asset['serial'] or '-')})",
                    styles["BodyText"],
                ),
            )
            story.append(PageBreak())
        story.append(KeepTogether(section))
    story.append(KeepTogether(_firmware_section(record, styles, mm, zone)))
    signatures = Table(
        [
            [
                "Signature du (de la) technicien(ne)",
                "Signature du (de la) responsable de la validation",
            ],
            ["Nom et fonction :", "Nom et fonction :"],
            ["Date et signature :\n\n", "Date et signature :\n\n"],
        ],
        colWidths=[87 * mm, 87 * mm],
        style=TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")),
            ]
        ),
    )
    story += [Spacer(1, 4 * mm), KeepTogether([signatures])]
    build(document, story, f"Certificat n° {record['certificate']}")
    return path


TPM_FR = {
    "cleared": "effacé par le banc (tpm2_clear)",
    "absent": "aucun TPM sur ce matériel",
    "manual": "à effacer dans le setup du micrologiciel",
}


def _firmware_section(record: dict[str, Any], styles: Any, mm: float, zone: str) -> list[Any]:
    """The firmware's state reset before the device changes owner (ANSSI): what the live
    system did, and the manual steps with who confirmed them."""
    from assetctl.documents.typeset import Paragraph

    reset = record["firmware_reset"] or {}
    if not reset:
        tpm = entries = "non enregistré (effacement antérieur)"
    elif not reset.get("on_live_system"):
        tpm = entries = "non fait : l'effacement n'a pas été fait depuis le système du banc"
    else:
        found = reset["tpm"]
        tpm = TPM_FR.get(found["result"], found["result"])
        if found.get("message") and found["result"] != "cleared":
            tpm += f" ({found['message']})"
        boot = reset["boot_entries"]
        if boot["result"] == "not-uefi":
            entries = "sans objet (démarrage BIOS)"
        elif boot["removed"]:
            entries = f"supprimées : {', '.join(boot['removed'])}"
        elif boot["result"] == "done":
            entries = "aucune ne désignait un support effacé"
        else:
            entries = f"échec : {boot.get('message', '')}"
    rows = [
        ("Puce TPM", tpm, "", ""),
        ("Entrées de démarrage UEFI de l'ancien système", entries, "", ""),
    ]
    for step in ManualStep:
        done = record["manual_steps"].get(step.value)
        rows.append(
            (
                FRENCH[ManualStep][step],
                f"confirmé par {done['by']}, le {local_time(done['at'], zone)}"
                if done
                else "à confirmer (assetctl wipe confirm)",
                "",
                "",
            )
        )
    return [
        Paragraph("Micrologiciel et marquages (recommandations de l'ANSSI)", styles["Heading2"]),
        _pairs(rows, styles, mm, label_mm=76),
    ]


def _accepted(record: dict[str, Any], validator: str, zone: str) -> str:
    if record["validated_by"]:
        return f"par {record['validated_by']}, le {local_time(record['validated_at'], zone)}"
    if record["result"] != "passed":
        return "sans objet : l'effacement n'a pas réussi"
    return f"en attente, par : {validator} (assetctl wipe validate)"


def render_batch(record: dict[str, Any], path: Path, *, organisation: str, zone: str) -> Path:
    """The summary of a batch of wipes (from :func:`assetctl.wipes.batch_record`): one line per
    machine with its certificate's number, the totals, and one signature for the batch."""
    from reportlab.platypus import Spacer

    from assetctl.documents import TEXT_WIDTH, a4_document, build, signature_block
    from assetctl.documents.tables import grid
    from assetctl.documents.typeset import Paragraph

    since, until = (date.fromisoformat(record[k]) for k in ("since", "until"))
    period = day(since) if since == until else f"du {day(since)} au {day(until)}"
    title = f"Relevé des effacements {'du ' if since == until else ''}{period}"
    document, styles, mm = a4_document(path, title, organisation, margin_mm=14)
    totals = record["totals"]
    where = f", poste {escape(record['bench_host'])}" if record["bench_host"] else ""
    rows = [["Certificat", "Étiquette", "Matériel et n° de série", "Supports", "Résultat"]]
    for machine in record["machines"]:
        disks = "<br/>".join(
            f"{escape(d['serial'] or d['device'])} : {gigabytes(d['size_bytes'])}, "
            f"{escape(METHOD_SHORT_FR.get(d['method'] or '', d['method'] or '-'))}"
            + ("" if d["verified"] else ", non vérifié")
            for d in machine["disks"]
        )
        rows.append(
            [
                escape(machine["certificate"] or "-"),
                escape(machine["tag"]),
                f"{escape(machine['manufacturer'])} {escape(machine['model'])}<br/>"
                f"n°{NBSP}{escape(machine['serial'] or '-')}",
                disks or "-",
                f"{RESULT_FR.get(machine['result'], machine['result'])}<br/>"
                f"{local_time(machine['finished_at'], zone)}<br/>"
                + (
                    f"validé par {escape(machine['validated_by'])}"
                    if machine["validated_by"]
                    else "validation en attente"
                    if machine["result"] == "passed"
                    else ""
                ),
            ]
        )
    story: list[Any] = [
        Paragraph(escape(organisation), styles["Heading3"]),
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            f"Banc de préparation{where}. Chaque ligne renvoie au certificat d'effacement du "
            "matériel (NIST SP 800-88 Rev. 2, avec les champs de l'annexe G de la Rev. 1), qui "
            "détaille la méthode, la vérification et la validation de chaque support.",
            styles["BodyText"],
        ),
        Spacer(1, 3 * mm),
        Paragraph(
            f"<b>{totals['machines']}</b> matériel(s), dont <b>{totals['passed']}</b> effacé(s) "
            f"avec succès et <b>{totals['failed']}</b> en échec ou interrompu(s) ; "
            f"{totals['disks']} support(s), {gigabytes(totals['bytes'])} au total ; "
            f"<b>{totals['validated']}</b> effacement(s) validé(s).",
            styles["BodyText"],
        ),
        Spacer(1, 3 * mm),
    ]
    if record["machines"]:
        story.append(grid(rows, styles, total=TEXT_WIDTH * mm))
    else:
        story.append(Paragraph("Aucun effacement sur la période.", styles["BodyText"]))
    story += [
        Spacer(1, 6 * mm),
        signature_block("Responsable de la validation du lot", "Nom :", "Date :"),
    ]
    build(document, story, title)
    return path


METHOD_SHORT_FR = {
    "overwrite": "écrasement",
    "nvme-sanitize-crypto": "NVMe Sanitize crypto",
    "nvme-sanitize-block": "NVMe Sanitize blocs",
    "nvme-sanitize-overwrite": "NVMe Sanitize écrasement",
    "nvme-format-crypto": "NVMe Format crypto",
    "nvme-format-user-data": "NVMe Format",
    "ata-sanitize-crypto": "ATA Sanitize crypto",
    "ata-sanitize-block": "ATA Sanitize blocs",
    "ata-secure-erase-enhanced": "ATA Secure Erase",
}
