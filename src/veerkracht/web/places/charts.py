"""Small accessible inline SVG charts for the place profile.

Each chart draws what a profile already holds (published figures only) and
carries a ``<title>`` and a ``<desc>`` that say in words what the picture
shows, so a screen reader user gets the same. Time axes are regular: every
period and every calendar quarter from the first to the last has its slot,
and a slot without a figure stays empty instead of being skipped.
"""

from __future__ import annotations

from html import escape

import numpy as np
from django.utils.translation import gettext as _

#: series colours (ColorBrewer Dark2, distinguishable for colour blindness)
SERIES = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a")
_AXIS = "#333"


def _frame(width: int, height: int, ident: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(desc)}</desc>',
    ]


def _num(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def multiscale_svg(multiscale: dict, width: int = 480, height: int = 220) -> str:
    """The multiscalar profile as a small accessible inline SVG line chart."""
    points = [p for p in multiscale.get("points", []) if p["share"] is not None]
    if not points:
        return ""
    left, right, top, bottom = 48, 24, 12, 36
    ks = [p["k"] for p in multiscale["points"]]
    lx = np.log10(ks)
    x0, x1 = (
        float(lx.min()),
        float(lx.max()) if lx.max() > lx.min() else float(lx.min()) + 1,
    )
    ymax = max(0.1, max(p["share"] for p in points) * 1.15)

    def px(k):
        return left + (np.log10(k) - x0) / (x1 - x0) * (width - left - right)

    def py(v):
        return top + (1 - v / ymax) * (height - top - bottom)

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{px(p['k']):.1f},{py(p['share']):.1f}"
        for i, p in enumerate(points)
    )
    desc = "; ".join(f"k={p['k']}: {p['share']:.0%}" for p in points)
    parts = _frame(width, height, "ms", _(
        "Multischaalprofiel: aandeel woningen met een ondersteuningsbehoefte "
        "onder de k dichtstbijzijnde woningen"), desc)
    parts += [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" '
        f'y2="{height - bottom}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" '
        'stroke="#333"/>',
    ]
    for k in ks:
        parts.append(
            f'<text x="{px(k):.1f}" y="{height - bottom + 16}" font-size="11" '
            f'text-anchor="middle">{k}</text>'
        )
    for frac in (0, 0.5, 1):
        v = ymax * frac
        parts.append(
            f'<text x="{left - 6}" y="{py(v) + 4:.1f}" font-size="11" '
            f'text-anchor="end">{v:.0%}</text>'
        )
    parts.append(
        f'<text x="{(left + width) / 2:.0f}" y="{height - 4}" font-size="11" '
        'text-anchor="middle">' + escape(_("k (dichtstbijzijnde woningen)"))
        + "</text>"
    )
    parts.append(f'<path d="{path}" fill="none" stroke="#2c5c8a" stroke-width="2.5"/>')
    for p in points:
        parts.append(
            f'<circle cx="{px(p["k"]):.1f}" cy="{py(p["share"]):.1f}" r="3.5" '
            'fill="#2c5c8a"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def balance_svg(axis: list[str], points: dict[str, dict], width: int = 480,
                height: int = 200) -> str:
    """Balance per period with its interval, one slot per period of ``axis``.

    ``points`` maps a period to ``balance``, ``balance_lo``, ``balance_hi``,
    ``colour`` and ``balance_class``; a period without a balance is an empty
    slot. Returns ``""`` when no period has a balance.
    """
    shown = {p: v for p, v in points.items()
             if p in axis and v.get("balance") is not None}
    if not shown:
        return ""
    left, right, top, bottom = 48, 16, 12, 30
    vals = [v for p in shown.values()
            for v in (p["balance"], p.get("balance_lo"), p.get("balance_hi"))
            if v is not None]
    lo, hi = min(vals), max(vals)
    pad = max(0.05, (hi - lo) * 0.15)
    lo, hi = lo - pad, hi + pad
    step = (width - left - right) / max(len(axis), 1)

    def px(i: int) -> float:
        return left + step * (i + 0.5)

    def py(v: float) -> float:
        return top + (hi - v) / (hi - lo) * (height - top - bottom)

    desc = "; ".join(
        f"{p}: {_num(shown[p]['balance'])} ({shown[p].get('balance_class') or ''})"
        if p in shown else f"{p}: " + _("geen cijfer") for p in axis)
    parts = _frame(width, height, "bal", _("Balans per periode, met interval"),
                   desc)
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" '
                 f'y2="{height - bottom}" stroke="{_AXIS}"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" '
                 f'stroke="{_AXIS}"/>')
    if lo < 0 < hi:
        parts.append(f'<line x1="{left}" y1="{py(0):.1f}" x2="{width - right}" '
                     f'y2="{py(0):.1f}" stroke="#999" stroke-dasharray="4 3"/>')
    for frac in (0, 0.5, 1):
        v = lo + (hi - lo) * frac
        parts.append(f'<text x="{left - 6}" y="{py(v) + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{_num(v)}</text>')
    for i, period in enumerate(axis):
        parts.append(f'<text x="{px(i):.1f}" y="{height - bottom + 16}" '
                     f'font-size="11" text-anchor="middle">{escape(period)}</text>')
        got = shown.get(period)
        if got is None:
            continue
        if got.get("balance_lo") is not None and got.get("balance_hi") is not None:
            parts.append(
                f'<line x1="{px(i):.1f}" y1="{py(got["balance_lo"]):.1f}" '
                f'x2="{px(i):.1f}" y2="{py(got["balance_hi"]):.1f}" '
                f'stroke="{_AXIS}" stroke-width="1.5"/>')
        parts.append(
            f'<circle cx="{px(i):.1f}" cy="{py(got["balance"]):.1f}" r="6" '
            f'fill="{escape(got.get("colour") or "#bdbdbd")}" stroke="{_AXIS}"/>')
    parts.append("</svg>")
    return "".join(parts)


def signals_svg(quarters: list[str], rows: list[dict], width: int = 560,
                height: int = 200) -> str:
    """Signal counts per calendar quarter, a bar per row of ``rows``.

    ``rows`` are the signals panel's rows: ``category`` and ``counts`` (an
    int, or ``None`` where the door held the count back: drawn as a small
    hollow mark, "te weinig"). Returns ``""`` without any count to draw.
    """
    if not quarters or not rows:
        return ""
    counts = [c for r in rows for c in r.get("counts", []) if c is not None]
    if not counts:
        return ""
    ymax = max([*counts, 1]) * 1.15
    left, right, top, bottom = 40, 8, 12, 48
    slot = (width - left - right) / len(quarters)
    bar = slot * 0.8 / len(rows)

    def py(v: float) -> float:
        return top + (1 - v / ymax) * (height - top - bottom)

    desc = "; ".join(
        f"{r['category']}: " + ", ".join(
            f"{q} {c if c is not None else _('te weinig')}"
            for q, c in zip(quarters, r.get("counts", []), strict=False))
        for r in rows)
    parts = _frame(width, height, "sig", _("Meldingen per kalenderkwartaal"), desc)
    base = height - bottom
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" '
                 f'stroke="{_AXIS}"/>')
    for frac in (0, 0.5, 1):
        v = ymax / 1.15 * frac
        parts.append(f'<text x="{left - 6}" y="{py(v) + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{v:.0f}</text>')
    for i, q in enumerate(quarters):
        x0 = left + slot * i + slot * 0.1
        parts.append(f'<text x="{left + slot * (i + 0.5):.1f}" y="{base + 14}" '
                     f'font-size="10" text-anchor="middle">{escape(q)}</text>')
        for j, r in enumerate(rows):
            colour = SERIES[j % len(SERIES)]
            cells = r.get("counts", [])
            c = cells[i] if i < len(cells) else None
            x = x0 + j * bar
            if c is None:
                parts.append(f'<rect x="{x:.1f}" y="{base - 4}" width="{bar:.1f}" '
                             f'height="4" fill="none" stroke="{colour}"/>')
            else:
                parts.append(f'<rect x="{x:.1f}" y="{py(c):.1f}" width="{bar:.1f}" '
                             f'height="{base - py(c):.1f}" fill="{colour}"/>')
    for j, r in enumerate(rows):
        y = height - 18 + 0 * j
        x = left + j * (width - left) / max(len(rows), 1)
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="10" height="10" '
                     f'fill="{SERIES[j % len(SERIES)]}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y + 9}" font-size="11">'
                     f'{escape(str(r["category"]))}</text>')
    parts.append("</svg>")
    return "".join(parts)
