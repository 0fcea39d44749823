"""Draw the picture of docs/warning.md: the alerts of one run over the signals.

    python -m bench.warning_map WORKSPACE AS_OF docs/img/warning-groningen.png

Reads the workspace as ``veerkracht warn run`` left it (its ``alerts`` for
``AS_OF`` and the signals of the study year before it) and draws, in RD
metres and with the project's own geometry only (no tiles): every signal of
the year as a grey dot, those of the alert windows darker, and each scan
cluster as its circle (red: more than expected; blue: fewer).
"""

from __future__ import annotations

import sys
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from veerkracht.jobs.warn import LEVEL_COLUMNS, read_city  # noqa: E402
from veerkracht.store import open_workspace  # noqa: E402


def main(argv: list[str]) -> None:
    location, as_of, out = argv[0], date.fromisoformat(argv[1]), argv[2]
    ws = open_workspace(location)
    city = read_city(ws)
    alerts = ws.read("alerts")
    alerts = alerts.loc[alerts["as_of"].astype(str) == as_of.isoformat()]
    sig = city.signals
    year = (sig["day"] > as_of - timedelta(days=365)) & (sig["day"] <= as_of)
    xy = city.dwellings[["x", "y"]].to_numpy()[sig.loc[year, "dwelling"].to_numpy()]
    fig, ax = plt.subplots(figsize=(8, 8), dpi=110)
    ax.scatter(xy[:, 0], xy[:, 1], s=2, c="#bbbbbb", linewidths=0,
               label=f"meldingen {as_of - timedelta(days=364)} – {as_of}")
    for a in alerts.itertuples(index=False):
        col = LEVEL_COLUMNS[a.level]
        sel = city.dwellings[col].astype(str).to_numpy() == a.place_id
        pts = city.dwellings.loc[sel, ["x", "y"]].to_numpy()
        cx, cy = pts.mean(axis=0)
        if np.isfinite(a.radius_m):
            colour = "#c0392b" if a.kind == "cluster" else "#1f5fa8"
            ax.add_patch(plt.Circle((cx, cy), max(a.radius_m, 40.0), fill=False,
                                    lw=2, color=colour))
            ax.annotate(f"{int(a.observed)} / {a.expected:.1f}\np={a.p_value:.3f}",
                        (cx, cy), xytext=(8, 8), textcoords="offset points",
                        fontsize=8, color=colour)
        else:
            ax.scatter(pts[:, 0], pts[:, 1], s=6, c="#e67e22", linewidths=0)
    ax.set_aspect("equal")
    ax.set_xlabel("x (RD, m)")
    ax.set_ylabel("y (RD, m)")
    ax.set_title(f"Vroegsignalering per {as_of}: clusters (rood: meer, blauw: "
                 "minder dan verwacht), straten (oranje)", fontsize=9)
    ax.legend(loc="lower left", fontsize=8, markerscale=4)
    fig.tight_layout()
    fig.savefig(out)


if __name__ == "__main__":
    main(sys.argv[1:])
