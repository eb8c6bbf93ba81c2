"""The programme's report for the committee and funders, in French: counts, indicators, costs,
the bench's throughput, with charts (reportlab graphics)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from assetctl.documents import TEXT_WIDTH, build
from assetctl.documents.family import KIND_FR, MODE_FR, _doc
from assetctl.documents.formats import DEFAULT_ZONE, duration, euros, local_time, number
from assetctl.documents.tables import grid
from assetctl.vocabulary import FRENCH, STATUS_FR, Origin

KIND_ALL_FR = KIND_FR


def _bar_chart(labels: list[str], values: list[int], mm: float) -> Any:
    """Horizontal bars with their counts, for two categories or more that are not all empty;
    ``None`` otherwise (one bar, or a full disk labelled "aucun", tells nothing that the table
    beside it does not)."""
    if len([v for v in values if v]) < 2:
        return None
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    height = (8 * len(values) + 12) * mm
    drawing = Drawing(170 * mm, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 45 * mm, 8 * mm
    chart.width, chart.height = 115 * mm, height - 12 * mm
    # the first category at the top, as in the table
    chart.data = [list(reversed(values))]
    chart.categoryAxis.categoryNames = list(reversed(labels))
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -2
    top = max(values)
    step = max(1, math.ceil(top / 5))
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = step * math.ceil(top / step)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = lambda value: number(value)
    chart.bars[0].fillColor = colors.HexColor("#2f6f9f")
    chart.barLabelFormat = lambda value: number(value)
    chart.barLabels.fontSize = 8
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


def _cost_cells(row: dict[str, Any], refurbishment_per_device: int) -> list[str]:
    """Purchase, refurbishment and total of one kind and origin: a city desktop was not bought
    (it says so rather than 0,00 €), and a cost nobody entered says "non renseigné"."""
    if row["origin"] == "refurbished":
        purchase = "sans achat (parc de la ville)"
        refurbishment = (
            euros(row["refurbishment_cents"]) if refurbishment_per_device else "non renseigné"
        )
    else:
        unpriced = row["devices"] - row["priced"]
        purchase = euros(row["purchase_cents"]) if row["priced"] else "non renseigné"
        if row["priced"] and unpriced:
            purchase += f" ({unpriced} sans prix)"
        refurbishment = "-"
    known = row["priced"] or (row["origin"] == "refurbished" and refurbishment_per_device)
    return [purchase, refurbishment, euros(row["total_cents"]) if known else "non renseigné"]


def _budget_sentence(cost: dict[str, Any]) -> str:
    spent = f"Total : {euros(cost['total_cents'])}"
    if not cost["budget_equipment_cents"]:
        return f"{spent} (budget non renseigné dans la configuration du programme)."
    text = (
        f"{spent} pour un budget d'équipement de {euros(cost['budget_equipment_cents'])} "
        f"(reste {euros(cost['remaining_equipment_cents'])}"
    )
    if cost["budget_total_cents"]:
        text += f" ; budget total du plan {euros(cost['budget_total_cents'])}"
    return text + ")."


def _chart(labels: list[str], values: list[int], mm: float) -> list[Any]:
    chart = _bar_chart(labels, values, mm)
    return [] if chart is None else [chart]


def _table(header: list[str], rows: list[list[str]], empty: str, styles: Any, mm: float) -> Any:
    """A table, or the sentence that says it has no row (never a header over nothing)."""
    from assetctl.documents.typeset import Paragraph

    if not rows:
        return Paragraph(empty, styles["BodyText"])
    return grid([header, *rows], styles, total=TEXT_WIDTH * mm)


def render_report(record: dict[str, Any], path: Path) -> Path:
    from reportlab.platypus import Spacer

    from assetctl.documents.typeset import Paragraph

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
        grid(
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
            styles,
            total=TEXT_WIDTH * mm,
        ),
        Paragraph("Matériels fournis par type et par mode", h2),
    ]
    devices = ind["devices_by_kind_and_mode"]
    story.append(
        _table(
            ["Type", "Mode", "Nombre"],
            [
                [
                    KIND_ALL_FR.get(d["kind"], d["kind"]),
                    MODE_FR.get(d["mode"], d["mode"]),
                    str(d["devices"]),
                ]
                for d in devices
            ],
            "Aucun matériel fourni sur la période.",
            styles,
            mm,
        )
    )
    by_mode: dict[str, int] = {}
    for d in devices:
        label = MODE_FR.get(d["mode"], d["mode"])
        by_mode[label] = by_mode.get(label, 0) + d["devices"]
    story += _chart(list(by_mode), list(by_mode.values()), mm)
    story += [
        Paragraph("Par quartier", h2),
        _table(
            [
                "Quartier",
                "Familles équipées",
                "Internet avant",
                "Internet aujourd'hui",
                "Formation suivie",
            ],
            [
                [
                    escape(a["qpv"]),
                    str(a["families_equipped"]),
                    str(a["internet_before"]),
                    str(a["internet_now"]),
                    str(a["training_attended"]),
                ]
                for a in ind["by_area"]
            ],
            "Aucune famille équipée sur la période.",
            styles,
            mm,
        ),
        Paragraph("Par établissement scolaire", h2),
        _table(
            ["Quartier", "Établissement", "Familles équipées", "Formation suivie"],
            [
                [
                    escape(s["qpv"]),
                    escape(s["school"]),
                    str(s["families_equipped"]),
                    str(s["training_attended"]),
                ]
                for s in ind["by_school"]
            ],
            "Aucune famille équipée sur la période.",
            styles,
            mm,
        ),
    ]
    if ind["targets"]:
        story += [
            Paragraph("Avancement par rapport au recensement", h2),
            grid(
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
                styles,
                total=TEXT_WIDTH * mm,
            ),
        ]
    counts = record["counts"]
    kinds = [r for r in counts if r["kind"] != "TOTAL"]
    story += [
        Paragraph("Parc de matériel par type et par état", h2),
        *_chart(
            [KIND_ALL_FR.get(r["kind"], r["kind"]) for r in kinds],
            [r["devices"] for r in kinds],
            mm,
        ),
        grid(
            [["Type", "État", "Nombre"]]
            + [
                [
                    KIND_ALL_FR.get(r["kind"], r["kind"]) if r["kind"] != "TOTAL" else "Total",
                    STATUS_FR.get(r["status"], r["status"]),
                    str(r["devices"]),
                ]
                for r in record["counts_by_status"]
            ],
            styles,
            total=TEXT_WIDTH * mm,
        ),
    ]
    cost = record["costs"]
    story += [
        Paragraph("Coûts", h2),
        grid(
            [["Type", "Origine", "Nombre", "Achat", "Reconditionnement", "Total"]]
            + [
                [
                    KIND_ALL_FR.get(c["kind"], c["kind"]),
                    FRENCH[Origin].get(c["origin"], c["origin"]).lower(),
                    str(c["devices"]),
                    *_cost_cells(c, cost["refurbishment_per_device_cents"]),
                ]
                for c in cost["by_kind"]
            ],
            styles,
            total=TEXT_WIDTH * mm,
        ),
        Spacer(1, 2 * mm),
        Paragraph(
            _budget_sentence(cost),
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
            f"{totals['imaged']} ; rendus prêts : {totals['ready']}. "
            f"Durées médianes : effacement {duration(medians.get('wipe'))}, installation "
            f"{duration(medians.get('imaging'))}.",
            body,
        ),
    ]
    build(document, story, f"Rapport du programme · {record['period_label']}")
    return path
