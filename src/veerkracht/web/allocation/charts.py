"""Inline SVG charts of a plan and a scenario, drawn by the server.

Like the profile's charts (:mod:`veerkracht.web.places.charts`): each draws
only figures the door already gave, and carries a ``<title>`` and a
``<desc>`` that say in words what it shows. No script, no chart library.
"""

from __future__ import annotations

from html import escape

from django.utils.translation import gettext as _

from veerkracht.web.places.charts import SERIES, _frame, _num

_AXIS = "#333"
#: each series also gets its own dash, so colour is not the only difference
_DASHES = ("", "6 3", "2 3", "8 3 2 3")


def _legend(names: list[str], x: int, y: int) -> list[str]:
    out = []
    for i, name in enumerate(names):
        yy = y + 16 * i
        pattern = _DASHES[i % len(_DASHES)]
        dash = f' stroke-dasharray="{pattern}"' if pattern else ""
        out.append(f'<line x1="{x}" y1="{yy}" x2="{x + 22}" y2="{yy}" '
                   f'stroke="{SERIES[i % len(SERIES)]}" stroke-width="2.5"{dash}/>')
        out.append(f'<text x="{x + 28}" y="{yy + 4}" font-size="12">'
                   f'{escape(name)}</text>')
    return out


def lorenz_svg(points: list[dict], states: dict, width: int = 360) -> str:
    """The Lorenz curves of households with a support need over streets:
    one curve per state (now, advice, first come first served), and the line
    of perfect equality."""
    if not points:
        return ""
    left, right, top = 44, 12, 12
    plot = width - left - right
    names = [s for s in states if any(p["state"] == s for p in points)]
    height = top + plot + 34 + 16 * len(names) + 4

    def px(v):
        return left + v * plot

    def py(v):
        return top + (1 - v) * plot

    desc = _("Cumulatief aandeel huishoudens (horizontaal) tegen cumulatief aandeel "
             "huishoudens met een ondersteuningsbehoefte (verticaal), straten van "
             "laag naar hoog aandeel. Hoe dichter bij de diagonaal, hoe gelijker "
             "gespreid.")
    out = _frame(width, height, "lorenz", _("Lorenzcurve over straten"), desc)
    out.append(f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(1)}" y2="{py(1)}" '
               f'stroke="#999" stroke-dasharray="3 3"/>')
    for v in (0, 0.5, 1):
        out.append(f'<text x="{px(v):.1f}" y="{top + plot + 16}" font-size="11" '
                   f'text-anchor="middle">{_num(v)}</text>')
        out.append(f'<text x="{left - 6}" y="{py(v) + 4:.1f}" font-size="11" '
                   f'text-anchor="end">{_num(v)}</text>')
    out.append(f'<path d="M{px(0)},{py(0)} L{px(0)},{py(1)} M{px(0)},{py(0)} '
               f'L{px(1)},{py(0)}" stroke="{_AXIS}" fill="none"/>')
    for i, st in enumerate(names):
        pts = [p for p in points if p["state"] == st and p["households"] is not None
               and p["need"] is not None]
        path = " ".join(f"{'M' if j == 0 else 'L'}{px(p['households']):.1f},"
                        f"{py(p['need']):.1f}" for j, p in enumerate(pts))
        dash = _DASHES[i % len(_DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<path d="{path}" fill="none" stroke="{SERIES[i % len(SERIES)]}" '
                   f'stroke-width="2"{dash_attr}/>')
    out += _legend([str(states[s]) for s in names], left + 8, top + plot + 34)
    out.append("</svg>")
    return "\n".join(out)


def scenario_svg(level: str, years: list[int], rows: list[dict], width: int = 480,
                 height: int = 240) -> str:
    """Places "onder druk" or worse per year, a line per policy."""
    if not rows or not years:
        return ""
    left, right, top = 44, 12, 12
    legend_h = 16 * len(rows) + 8
    plot_h = height - top - 34 - legend_h
    top_value = max(1, max(max(r["values"]) for r in rows if r["values"]))
    ymax = top_value * 1.15
    span = max(1, years[-1] - years[0])

    def px(y):
        return left + (y - years[0]) / span * (width - left - right)

    def py(v):
        return top + (1 - v / ymax) * plot_h

    desc = "; ".join(
        f"{r['label']}: " + ", ".join(f"{_('jaar')} {y} {v}"
                                      for y, v in zip(years, r["values"], strict=False))
        for r in rows)
    out = _frame(width, height, f"scenario-{level}",
                 _("Plaatsen “onder druk” of slechter per jaar en beleid"), desc)
    out.append(f'<path d="M{left},{top} L{left},{top + plot_h} '
               f'L{width - right},{top + plot_h}" stroke="{_AXIS}" fill="none"/>')
    for y in years:
        out.append(f'<text x="{px(y):.1f}" y="{top + plot_h + 16}" font-size="11" '
                   f'text-anchor="middle">{y}</text>')
    for v in (0, top_value):
        out.append(f'<text x="{left - 6}" y="{py(v) + 4:.1f}" font-size="11" '
                   f'text-anchor="end">{v}</text>')
    out.append(f'<text x="{width - right}" y="{top + plot_h + 30}" font-size="11" '
               f'text-anchor="end">{escape(_("jaar"))}</text>')
    for i, r in enumerate(rows):
        colour = SERIES[i % len(SERIES)]
        dash = _DASHES[i % len(_DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        path = " ".join(f"{'M' if j == 0 else 'L'}{px(y):.1f},{py(v):.1f}"
                        for j, (y, v) in enumerate(zip(years, r["values"],
                                                       strict=False)))
        out.append(f'<path d="{path}" fill="none" stroke="{colour}" '
                   f'stroke-width="2"{dash_attr}/>')
        for y, v in zip(years, r["values"], strict=False):
            out.append(f'<circle cx="{px(y):.1f}" cy="{py(v):.1f}" r="3" '
                       f'fill="{colour}"/>')
    out += _legend([r["label"] for r in rows], left + 8, top + plot_h + 34 + 10)
    out.append("</svg>")
    return "\n".join(out)
