"""The printable place profile (PDF, reportlab): the same disclosed figures as
the page, nothing more."""

from __future__ import annotations

import io
from datetime import date

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from veerkracht.web.places.services import Profile

_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}".replace(".", ",")
    return str(value)


def _chart(points: list[dict]) -> Drawing | None:
    shown = [p for p in points if p["share"] is not None]
    if not shown:
        return None
    import math

    w, h, left, bottom = 160 * mm, 50 * mm, 14 * mm, 10 * mm
    ks = [p["k"] for p in points]
    x0, x1 = math.log10(min(ks)), math.log10(max(ks))
    x1 = x1 if x1 > x0 else x0 + 1
    ymax = max(0.1, max(p["share"] for p in shown) * 1.15)

    def px(k):
        return left + (math.log10(k) - x0) / (x1 - x0) * (w - left - 4 * mm)

    def py(v):
        return bottom + v / ymax * (h - bottom - 4 * mm)

    d = Drawing(w, h)
    d.add(Line(left, bottom, w - 4 * mm, bottom))
    d.add(Line(left, bottom, left, h - 4 * mm))
    for k in ks:
        d.add(String(px(k), bottom - 9, str(k), fontSize=7, textAnchor="middle"))
    for frac in (0, 0.5, 1):
        d.add(
            String(
                left - 3,
                py(ymax * frac) - 2,
                f"{ymax * frac:.0%}",
                fontSize=7,
                textAnchor="end",
            )
        )
    coords = []
    for p in shown:
        coords += [px(p["k"]), py(p["share"])]
        d.add(
            Circle(px(p["k"]), py(p["share"]), 2, fillColor=colors.HexColor("#2c5c8a"))
        )
    if len(shown) > 1:
        d.add(PolyLine(coords, strokeColor=colors.HexColor("#2c5c8a"), strokeWidth=1.5))
    return d


def render_profile(prof: Profile) -> bytes:
    """The profile as PDF bytes."""
    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Plaatsprofiel {prof.name}",
        author="Veerkracht",
        subject="Plaatsprofiel (openbaarheidsregels toegepast)",
    )
    story = [
        Paragraph(
            f"Plaatsprofiel: {_esc(prof.name)} ({_esc(prof.level_label)})",
            styles["Title"],
        ),
        Paragraph(
            " › ".join(f"{_esc(p['label'])} {_esc(p['name'])}" for p in prof.parents)
            or "&nbsp;",
            styles["Normal"],
        ),
        Paragraph(
            f"Gemaakt op {date.today():%d-%m-%Y}. Plaatsgebonden cijfers, "
            "zoals de publicatiedeur ze vrijgeeft (beschermde aantallen, "
            "afgerond; kleine plaatsen alleen een band of niets).",
            styles["Italic"],
        ),
        Spacer(1, 4 * mm),
    ]
    for note in prof.notes:
        story.append(Paragraph(_esc(note), styles["Normal"]))
    story.append(Paragraph("Balans", styles["Heading2"]))
    cur = prof.current or {}
    rows = [["", ""]]
    if cur.get("balance_class"):
        rows = [["Klasse", cur["balance_class"]]]
        if cur.get("class_lo") and cur.get("class_lo") != cur.get("class_hi"):
            rows.append(["Interval", f"{cur['class_lo']} – {cur['class_hi']}"])
        if cur.get("balance") is not None:
            rows.append(
                [
                    "Balans (getal)",
                    f"{_fmt(cur['balance'])} ("
                    f"{_fmt(cur.get('balance_lo'))} tot {_fmt(cur.get('balance_hi'))})",
                ]
            )
    elif prof.visibility == "band_only":
        rows = [["Band (kleine plaats)", cur.get("band", "geen gegevens")]]
    else:
        rows = [["Weergave", cur.get("band", "geen gegevens")]]
    if cur.get("n_dwellings") is not None:
        rows.append(["Woningen (afgerond)", _fmt(cur["n_dwellings"], 0)])
    story.append(Table(rows, colWidths=[50 * mm, 110 * mm], style=_GRID))
    if prof.class_meaning:
        story.append(Paragraph(_esc(prof.class_meaning), styles["Normal"]))
    if prof.history:
        story.append(Spacer(1, 3 * mm))
        hist = [["Periode", "Klasse", "Interval"]] + [
            [
                h["period"],
                h.get("balance_class") or h.get("band", ""),
                f"{h['class_lo']} – {h['class_hi']}" if h.get("class_lo") else "",
            ]
            for h in prof.history
        ]
        story.append(Table(hist, style=_GRID))
    if prof.indicators:
        story.append(Paragraph("Indicatoren tegenover de gemeente", styles["Heading2"]))
        ind = [["Indicator", "Deze plaats", "Interval", "Gemeente"]] + [
            [
                i["label"],
                _fmt(i["value"]),
                f"{_fmt(i['lo'])} – {_fmt(i['hi'])}" if i["lo"] is not None else "",
                _fmt(i["city"]),
            ]
            for i in prof.indicators
        ]
        story.append(Table(ind, style=_GRID))
    if prof.stability:
        st = prof.stability
        story.append(Paragraph("Stabiliteit van de klasse", styles["Heading2"]))
        text = (f"In {st['percent']}% van de {st['n_runs']} rekenvarianten van de "
                f"gevoeligheidsanalyse blijft deze plaats in de klasse "
                f"\u201c{st['base_class']}\u201d.")
        if st.get("other"):
            text += f" De meeste varianten geven de klasse \u201c{st['other']}\u201d."
        story.append(Paragraph(_esc(text), styles["Normal"]))
    story.append(Paragraph("Multischaalprofiel", styles["Heading2"]))
    chart = _chart(prof.multiscale.get("points", []))
    if chart is not None:
        story.append(chart)
        story.append(
            Paragraph(
                "Aandeel woningen met een ondersteuningsbehoefte onder de "
                "k dichtstbijzijnde woningen.",
                styles["Normal"],
            )
        )
    else:
        story.append(
            Paragraph(_esc(prof.multiscale.get("reason", "")), styles["Normal"])
        )
    story.append(Paragraph("Meldingen per kwartaal", styles["Heading2"]))
    sig = prof.signals
    if sig.get("available"):
        table = [["Soort", *sig["quarters"]]] + [
            [r["category"], *r["cells"]] for r in sig["rows"]
        ]
        story.append(Table(table, style=_GRID, repeatRows=1))
    else:
        story.append(Paragraph("Geen meldingen te tonen.", styles["Normal"]))
    doc.build(story)
    return buf.getvalue()


def _esc(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
