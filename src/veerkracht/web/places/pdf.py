"""The printable place profile (PDF, reportlab): the same disclosed figures as
the page, nothing more."""

from __future__ import annotations

import io
from datetime import date

from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from veerkracht.web.places.figures import balance_classes
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


def _footer(canvas, doc) -> None:
    """"Vertrouwelijk" and the page number at the foot of every page."""
    canvas.saveState()
    canvas.setFont("Helvetica-Bold", 8)
    canvas.setFillColor(colors.HexColor("#8b0000"))
    canvas.drawString(18 * mm, 9 * mm, _("VERTROUWELIJK"))
    canvas.setFont("Helvetica", 8)
    canvas.setFillColor(colors.black)
    canvas.drawString(
        45 * mm, 9 * mm,
        _("Alleen voor wie met deze plaats werkt; niet doorsturen of publiceren."))
    canvas.drawRightString(A4[0] - 18 * mm, 9 * mm,
                           _("pagina %(n)s") % {"n": doc.page})
    canvas.restoreState()


def render_profile(prof: Profile, *, stories=(), interventions=()) -> bytes:
    """The profile as PDF bytes: the page's disclosed figures, the meaning of
    every class, the stories and interventions beside them, and a
    "vertrouwelijk" footer on every page."""
    styles = getSampleStyleSheet()
    small = styles["Normal"].clone("small", fontSize=8, leading=10)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=_("Plaatsprofiel %(name)s") % {"name": prof.name},
        author="Veerkracht",
        subject=_("Plaatsprofiel (openbaarheidsregels toegepast), vertrouwelijk"),
    )
    story = [
        Paragraph(
            _esc(_("Plaatsprofiel: %(name)s (%(level)s)")
                 % {"name": prof.name, "level": prof.level_label}),
            styles["Title"],
        ),
        Paragraph(
            " › ".join(f"{_esc(p['label'])} {_esc(p['name'])}" for p in prof.parents)
            or "&nbsp;",
            styles["Normal"],
        ),
        Paragraph(
            _esc(_("Periode %(period)s. Gemaakt op %(day)s. Plaatsgebonden cijfers, "
                   "zoals de publicatiedeur ze vrijgeeft (beschermde aantallen, "
                   "afgerond; kleine plaatsen alleen een band of niets).")
                 % {"period": prof.period or "–",
                    "day": f"{date.today():%d-%m-%Y}"}),
            styles["Italic"],
        ),
        Spacer(1, 4 * mm),
    ]
    for note in prof.notes:
        story.append(Paragraph(_esc(note), styles["Normal"]))
    story.append(Paragraph(_("Balans"), styles["Heading2"]))
    cur = prof.current or {}
    rows = [["", ""]]
    if cur.get("balance_class"):
        rows = [[_("Klasse"), cur["balance_class"]]]
        if cur.get("class_lo") and cur.get("class_lo") != cur.get("class_hi"):
            rows.append([_("Interval"), f"{cur['class_lo']} – {cur['class_hi']}"])
        if cur.get("balance") is not None:
            rows.append(
                [
                    _("Balans (getal)"),
                    f"{_fmt(cur['balance'])} ("
                    f"{_fmt(cur.get('balance_lo'))} {_('tot')} "
                    f"{_fmt(cur.get('balance_hi'))})",
                ]
            )
    elif prof.visibility == "band_only":
        rows = [[_("Band (kleine plaats)"), cur.get("band", _("geen gegevens"))]]
    else:
        rows = [[_("Weergave"), cur.get("band", _("geen gegevens"))]]
    if cur.get("n_dwellings") is not None:
        rows.append([_("Woningen (afgerond)"), _fmt(cur["n_dwellings"], 0)])
    story.append(Table(rows, colWidths=[50 * mm, 110 * mm], style=_GRID))
    if prof.class_meaning:
        story.append(Paragraph(_esc(prof.class_meaning), styles["Normal"]))
    if prof.history:
        story.append(Spacer(1, 3 * mm))
        hist = [[_("Periode"), _("Klasse"), _("Interval")]] + [
            [
                h["period"],
                h.get("balance_class") or h.get("band", ""),
                (h["class_lo"] if h.get("class_lo") == h.get("class_hi")
                 else f"{h['class_lo']} – {h['class_hi']}") if h.get("class_lo")
                else "",
            ]
            for h in prof.history
        ]
        story.append(Table(hist, style=_GRID))
    story.append(Paragraph(_("Wat de klassen betekenen"), styles["Heading3"]))
    meanings = [[_("Klasse"), _("Betekenis")]] + [
        [Paragraph(_esc(c.name), small), Paragraph(_esc(c.meaning), small)]
        for c in balance_classes()
    ]
    table = Table(meanings, colWidths=[35 * mm, 125 * mm], style=_GRID)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, i + 1), (0, i + 1), colors.HexColor(c.colour))
        for i, c in enumerate(balance_classes())
    ]))
    story.append(table)
    if prof.indicators:
        story.append(Paragraph(_("Indicatoren tegenover de gemeente"),
                               styles["Heading2"]))
        ind = [[_("Indicator"), _("Deze plaats"), _("Interval"), _("Gemeente")]] + [
            [
                Paragraph(_esc(i["label"]), small),
                _fmt(i["value"]),
                f"{_fmt(i['lo'])} – {_fmt(i['hi'])}" if i["lo"] is not None else "",
                _fmt(i["city"]),
            ]
            for i in prof.indicators
        ]
        story.append(Table(ind, colWidths=[70 * mm, 30 * mm, 30 * mm, 30 * mm],
                           style=_GRID))
    if prof.stability:
        st = prof.stability
        story.append(Paragraph(_("Stabiliteit van de klasse"), styles["Heading2"]))
        text = _("In %(percent)s%% van de %(runs)s rekenvarianten van de "
                 "gevoeligheidsanalyse blijft deze plaats in de klasse "
                 "“%(cls)s”.") % {"percent": st["percent"],
                                            "runs": st["n_runs"],
                                            "cls": st["base_class"]}
        if st.get("other"):
            text += " " + _("De meeste varianten geven de klasse "
                            "“%(other)s”.") % {"other": st["other"]}
        story.append(Paragraph(_esc(text), styles["Normal"]))
    story.append(Paragraph(_("Multischaalprofiel"), styles["Heading2"]))
    chart = _chart(prof.multiscale.get("points", []))
    if chart is not None:
        story.append(chart)
        story.append(
            Paragraph(
                _esc(_("Aandeel woningen met een ondersteuningsbehoefte onder de "
                       "k dichtstbijzijnde woningen.")),
                styles["Normal"],
            )
        )
    else:
        story.append(
            Paragraph(_esc(prof.multiscale.get("reason", "")), styles["Normal"])
        )
    story.append(Paragraph(_("Meldingen per kwartaal"), styles["Heading2"]))
    sig = prof.signals
    if sig.get("available"):
        table = [[_("Soort"), *sig["quarters"]]] + [
            [Paragraph(_esc(r["category"]), small), *r["cells"]]
            for r in sig["rows"]
        ]
        story.append(Table(table, style=_GRID, repeatRows=1))
    else:
        story.append(Paragraph(_esc(_("Geen meldingen te tonen.")), styles["Normal"]))
    story.append(Paragraph(_("Verhalen bij de cijfers"), styles["Heading2"]))
    for s in stories:
        story.append(Paragraph(_esc(s.title), styles["Heading4"]))
        story.append(Paragraph(
            _esc(f"{s.get_kind_display()} · {s.observed_on:%d-%m-%Y}"), small))
        story.append(Paragraph(_esc(s.body).replace("\n", "<br/>"),
                               styles["Normal"]))
    if not stories:
        story.append(Paragraph(_esc(_("Nog geen verhalen bij deze plaats.")),
                               styles["Normal"]))
    story.append(Paragraph(_("Interventies"), styles["Heading2"]))
    for i in interventions:
        when = f"{i.start:%d-%m-%Y} – " + (f"{i.end:%d-%m-%Y}" if i.end
                                          else _("loopt nog"))
        story.append(Paragraph(
            f"<b>{_esc(i.title)}</b> ({_esc(i.get_domain_display())}), {_esc(when)}",
            styles["Normal"]))
        if i.description:
            story.append(Paragraph(_esc(i.description).replace("\n", "<br/>"),
                                   small))
    if not interventions:
        story.append(Paragraph(_esc(_("Geen interventies geregistreerd.")),
                               styles["Normal"]))
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buf.getvalue()


def _esc(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
