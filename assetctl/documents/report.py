"""The programme's report for the committee and funders, in French: counts, indicators, costs,
the bench's throughput, with charts (reportlab graphics)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from assetctl.documents.family import KIND_FR, MODE_FR, _doc, _grid
from assetctl.documents.formats import DEFAULT_ZONE, duration, euros, local_time

KIND_ALL_FR = {**KIND_FR, "monitor": "Écran", "other": "Autre"}
STATUS_FR = {
    "received": "Reçu",
    "wiped": "Effacé",
    "ready": "Prêt",
    "allocated": "Attribué",
    "on_loan": "Prêté / loué",
    "given": "Donné",
    "returned": "Restitué",
    "repair": "En réparation",
    "lost": "Perdu / volé",
    "retired": "Réformé",
}


def _bar_chart(labels: list[str], values: list[int], mm: float) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    drawing = Drawing(170 * mm, 55 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y = 15 * mm, 10 * mm
    chart.width, chart.height = 150 * mm, 40 * mm
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or ["-"]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#2f6f9f")
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    drawing.add(chart)
    return drawing


def _pie_chart(labels: list[str], values: list[int], mm: float) -> Any:
    from reportlab.graphics.charts.piecharts import Pie
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    drawing = Drawing(170 * mm, 50 * mm)
    pie = Pie()
    pie.x, pie.y = 60 * mm, 5 * mm
    pie.width = pie.height = 40 * mm
    pie.data = values or [1]
    pie.labels = [f"{label} ({value})" for label, value in zip(labels, values, strict=True)] or [
        "aucun"
    ]
    palette = ["#2f6f9f", "#e0a030", "#5a9e4b", "#b04a4a"]
    for index in range(len(pie.data)):
        pie.slices[index].fillColor = colors.HexColor(palette[index % len(palette)])
    pie.slices.fontSize = 8
    drawing.add(pie)
    return drawing


def render_report(record: dict[str, Any], path: Path) -> Path:
    from reportlab.platypus import Paragraph, Spacer

    org = escape(record["organisation"])
    document, styles, mm = _doc(path, "Rapport du programme d'équipement numérique", org)
    h2, body = styles["Heading2"], styles["BodyText"]
    ind = record["indicators"]
    overall = ind["overall"]
    story: list[Any] = [
        Paragraph(f"{org} · Programme de Réussite Éducative", styles["Normal"]),
        Paragraph("Équipement numérique des familles : rapport", styles["Title"]),
        Paragraph(
            f"Période : {escape(record['period_label'])}. Édité le "
            f"{local_time(record['generated_at'], record.get('time_zone', DEFAULT_ZONE))}.",
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph("Indicateurs d'évaluation", h2),
        _grid(
            [
                ["Indicateur", "Valeur"],
                ["Familles équipées", str(overall["families_equipped"])],
                ["Matériels fournis", str(overall["devices_supplied"])],
                ["Familles ayant internet avant", str(overall["internet_before"])],
                ["Familles ayant internet aujourd'hui", str(overall["internet_now"])],
                ["Familles ayant accepté une formation", str(overall["training_accepted"])],
                ["Familles ayant suivi une formation", str(overall["training_attended"])],
                [
                    "Loyers payés par les familles",
                    euros(ind["cost_to_families"]["paid_by_families_cents"]),
                ],
                [
                    "Loyers pris en charge par le programme",
                    euros(ind["cost_to_families"]["paid_by_programme_cents"]),
                ],
            ],
            [110 * mm, 64 * mm],
            styles,
        ),
        Paragraph("Matériels fournis par type et par mode", h2),
    ]
    devices = ind["devices_by_kind_and_mode"]
    story.append(
        _grid(
            [["Type", "Mode", "Nombre"]]
            + [
                [
                    KIND_ALL_FR.get(d["kind"], d["kind"]),
                    MODE_FR.get(d["mode"], d["mode"]),
                    str(d["devices"]),
                ]
                for d in devices
            ],
            [70 * mm, 60 * mm, 44 * mm],
            styles,
        )
    )
    by_mode: dict[str, int] = {}
    for d in devices:
        label = MODE_FR.get(d["mode"], d["mode"])
        by_mode[label] = by_mode.get(label, 0) + d["devices"]
    story.append(_pie_chart(list(by_mode), list(by_mode.values()), mm))
    story += [
        Paragraph("Par quartier", h2),
        _grid(
            [
                [
                    "Quartier",
                    "Familles équipées",
                    "Internet avant",
                    "Internet aujourd'hui",
                    "Formation suivie",
                ]
            ]
            + [
                [
                    escape(a["qpv"]),
                    str(a["families_equipped"]),
                    str(a["internet_before"]),
                    str(a["internet_now"]),
                    str(a["training_attended"]),
                ]
                for a in ind["by_area"]
            ],
            [54 * mm, 30 * mm, 30 * mm, 30 * mm, 30 * mm],
            styles,
        ),
        Paragraph("Par établissement scolaire", h2),
        _grid(
            [["Quartier", "Établissement", "Familles équipées", "Formation suivie"]]
            + [
                [
                    escape(s["qpv"]),
                    escape(s["school"]),
                    str(s["families_equipped"]),
                    str(s["training_attended"]),
                ]
                for s in ind["by_school"]
            ],
            [44 * mm, 70 * mm, 30 * mm, 30 * mm],
            styles,
        ),
    ]
    if ind["targets"]:
        story += [
            Paragraph("Avancement par rapport au recensement", h2),
            _grid(
                [
                    [
                        "Quartier",
                        "Établissements",
                        "Foyers recensés",
                        "Diagnostiqués",
                        "Équipés",
                        "Avancement",
                    ]
                ]
                + [
                    [
                        escape(t["qpv"]),
                        str(t["schools"]),
                        str(t["planned_households"]),
                        str(t["diagnosed"]),
                        str(t["equipped"]),
                        f"{t['progress_percent']} %" if t["progress_percent"] is not None else "-",
                    ]
                    for t in ind["targets"]
                ],
                [50 * mm, 24 * mm, 26 * mm, 26 * mm, 22 * mm, 26 * mm],
                styles,
            ),
        ]
    counts = record["counts"]
    kinds = [r for r in counts if r["kind"] != "TOTAL"]
    story += [
        Paragraph("Parc de matériel par type", h2),
        _bar_chart(
            [KIND_ALL_FR.get(r["kind"], r["kind"]) for r in kinds],
            [r["devices"] for r in kinds],
            mm,
        ),
        Paragraph("Parc par type et par état", h2),
        _grid(
            [["Type", "État", "Nombre"]]
            + [
                [
                    KIND_ALL_FR.get(r["kind"], r["kind"]) if r["kind"] != "TOTAL" else "Total",
                    STATUS_FR.get(r["status"], r["status"]),
                    str(r["devices"]),
                ]
                for r in record["counts_by_status"]
            ],
            [70 * mm, 60 * mm, 44 * mm],
            styles,
        ),
    ]
    cost = record["costs"]
    story += [
        Paragraph("Coûts", h2),
        _grid(
            [["Type", "Origine", "Nombre", "Achat", "Reconditionnement", "Total"]]
            + [
                [
                    KIND_ALL_FR.get(c["kind"], c["kind"]),
                    "reconditionné" if c["origin"] == "refurbished" else "acheté",
                    str(c["devices"]),
                    euros(c["purchase_cents"]),
                    euros(c["refurbishment_cents"]),
                    euros(c["total_cents"]),
                ]
                for c in cost["by_kind"]
            ],
            [36 * mm, 28 * mm, 18 * mm, 30 * mm, 32 * mm, 30 * mm],
            styles,
        ),
        Spacer(1, 2 * mm),
        Paragraph(
            f"Total : {euros(cost['total_cents'])} pour un budget d'équipement de "
            f"{euros(cost['budget_equipment_cents'])} (reste "
            f"{euros(cost['remaining_equipment_cents'])} ; budget total du plan "
            f"{euros(cost['budget_total_cents'])}).",
            body,
        ),
    ]
    bench = record["throughput"]
    totals = {k: sum(r[k] for r in bench["rows"]) for k in ("registered", "discovered", "wiped",
                                                            "imaged", "ready")}  # fmt: skip
    medians = bench["median_minutes"]
    story += [
        Paragraph("Atelier de préparation", h2),
        Paragraph(
            # every device has one "registered" event, bench discovery included: a machine
            # read on the bench is already counted there
            f"Enregistrés : {totals['registered']} ; lectures à l'atelier : "
            f"{totals['discovered']} ; effacés : {totals['wiped']} ; installés : "
            f"{totals['imaged']} ; prêts : {totals['ready']}. "
            f"Durées médianes : effacement {duration(medians.get('wipe'))}, installation "
            f"{duration(medians.get('imaging'))}.",
            body,
        ),
    ]
    document.build(story)
    return path
