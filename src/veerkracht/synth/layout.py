"""The street grid: wijken as columns, buurten as bands, blocks as cells.

Every wijk is a column ``cw`` cells wide; its buurten are stacked in bands of
whole cell rows, so buurt boundaries run along street centrelines and the
buurt polygons tile the city exactly. Cells of a buurt that hold no block are
parks (with playgrounds and benches). Wijken get different heights, so the
outline of the city is stepped rather than a plain rectangle.

Horizontal streets (one name per wijk and grid line) carry the addresses;
vertical streets connect them (through roads on wijk boundaries).
All coordinates here are local metres; ``city.py`` moves them into RD New.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from veerkracht.synth.names import street_names
from veerkracht.synth.params import CityParams


@dataclass(frozen=True)
class Layout:
    """Where everything goes, in local metres.

    Attributes
    ----------
    cells : DataFrame
        ``buurt``, ``wijk``, ``col``, ``row``, ``x0``, ``y0``, ``block``
        (-1 for a park).
    buurt_boxes : ndarray, shape (n_buurten, 4)
        ``x0, y0, x1, y1`` of each buurt.
    streets : DataFrame
        ``street``, ``straat``, ``wijk``, ``axis`` (``h``/``v``), ``x0``,
        ``y0``, ``x1``, ``y1``.
    h_street : dict
        ``(wijk, row_line) -> street`` for the horizontal streets.
    """

    cells: pd.DataFrame
    buurt_boxes: np.ndarray
    streets: pd.DataFrame
    h_street: dict[tuple[int, int], int]


def make_layout(
    params: CityParams, blocks: pd.DataFrame, rng: np.random.Generator
) -> Layout:
    """Place every block in a cell and name the streets."""
    n_w = len(params.wijken)
    per_buurt = (
        blocks.groupby("buurt")
        .size()
        .reindex(range(len(params.buurten)), fill_value=0)
        .to_numpy()
    )
    total = int(per_buurt.sum())
    cw = max(2, round(math.sqrt(total * params.cell_h / params.cell_w) / n_w))
    cells: list[tuple] = []
    boxes = np.zeros((len(params.buurten), 4))
    heights = np.zeros(n_w, dtype=int)
    block_ids = blocks.groupby("buurt")["block"].apply(list).to_dict()
    for b_idx, spec in enumerate(params.buurten):
        w = spec.wijk
        n_rows = max(1, math.ceil(per_buurt[b_idx] / cw))
        r0 = heights[w]
        slots = [(w * cw + c, r0 + r) for r in range(n_rows) for c in range(cw)]
        order = rng.permutation(len(slots))
        ids = block_ids.get(b_idx, [])
        for k, s in enumerate(order):
            col, row = slots[s]
            block = ids[k] if k < len(ids) else -1
            cells.append(
                (b_idx, w, col, row, col * params.cell_w, row * params.cell_h, block)
            )
        heights[w] += n_rows
        boxes[b_idx] = (
            w * cw * params.cell_w,
            r0 * params.cell_h,
            (w + 1) * cw * params.cell_w,
            (r0 + n_rows) * params.cell_h,
        )
    cells_df = pd.DataFrame(
        cells, columns=["buurt", "wijk", "col", "row", "x0", "y0", "block"]
    )
    streets, h_street = _streets(params, rng, cw, heights)
    return Layout(cells_df, boxes, streets, h_street)


def _streets(
    params: CityParams, rng: np.random.Generator, cw: int, heights: np.ndarray
):
    rows: list[tuple] = []
    h_street: dict[tuple[int, int], int] = {}
    taken: set[str] = set()
    n_w = len(params.wijken)
    for w in range(n_w):
        n_lines = int(heights[w]) + 1
        names = street_names(rng, w, n_lines + cw - 1, False, taken)
        x0, x1 = w * cw * params.cell_w, (w + 1) * cw * params.cell_w
        for line in range(n_lines):
            h_street[(w, line)] = len(rows)
            y = line * params.cell_h
            rows.append((len(rows), names[line], w, "h", x0, y, x1, y))
        for c in range(1, cw):  # vertical streets inside the wijk
            x = (w * cw + c) * params.cell_w
            rows.append(
                (
                    len(rows),
                    names[n_lines + c - 1],
                    w,
                    "v",
                    x,
                    0.0,
                    x,
                    heights[w] * params.cell_h,
                )
            )
    through = street_names(rng, n_w + 1, n_w + 1, True, taken)
    for k in range(n_w + 1):  # through roads on the wijk boundaries
        x = k * cw * params.cell_w
        left = heights[k - 1] if k > 0 else 0
        right = heights[k] if k < n_w else 0
        rows.append(
            (
                len(rows),
                through[k],
                min(k, n_w - 1),
                "v",
                x,
                0.0,
                x,
                max(left, right) * params.cell_h,
            )
        )
    streets = pd.DataFrame(
        rows, columns=["street", "straat", "wijk", "axis", "x0", "y0", "x1", "y1"]
    )
    return streets, h_street
