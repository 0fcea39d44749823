"""Multiscalar k-nearest-dwelling profiles (k = 10 ... 1600), exact.

Ours: `veerkracht.analytics.multiscale.knn_shares` (strip index, one search per
unique location, ties shared fractionally), numba with 2 threads. Baseline:
scipy `cKDTree.query(k=1600, workers=2)` in chunks of 20,000 points, then the
shares for every k from prefix sums of the gathered need flags. Data: the
551k real LJPc addresses of Groningen and Flevoland (RD New) with a seeded
12 % need flag; the replica tiles them 17 times with fixed offsets of 200 km
(about 9.4 million dwellings). `max_abs_diff` compares ours with the baseline
on the same points; `diff_pairs` counts (point, k) pairs that differ by more
than 1e-12 and `diff_outside_ties` how many of those are NOT explained by a
tie at the k-th distance (cKDTree keeps an arbitrary subset of the tied
dwellings, we share the tie): 0 means identical up to the tie rule. Rows
marked `extrapolated` time the baseline on a random subsample of query points
(against the full tree) and scale linearly; they are estimates, not runs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from bench._measure import in_subprocess

KS = (10, 25, 50, 100, 200, 400, 800, 1600)
SEED = 12345
TILES = 17
OFFSET = 200_000.0


def _load_real() -> np.ndarray:
    """Real address points in RD New, through the project's reader."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    files = [shared / f"ljpc_adressen_{p}.csv.zst" for p in ("Groningen", "Flevoland")]
    try:
        from veerkracht.io.addresses import read_addresses

        frames = [read_addresses(f).frame for f in files]
        xy = np.concatenate([np.column_stack([f.geometry.x, f.geometry.y])
                             for f in frames])
    except ImportError:  # reader not available: read lat/lon directly
        import io

        import pandas as pd
        import zstandard
        from pyproj import Transformer

        parts = []
        for f in files:
            with open(f, "rb") as fh:
                raw = zstandard.ZstdDecompressor().stream_reader(fh).read()
            parts.append(pd.read_csv(io.BytesIO(raw), sep=";", usecols=["lat", "lon"]))
        frame = pd.concat(parts)
        x, y = Transformer.from_crs(4326, 28992, always_xy=True).transform(
            frame["lon"].to_numpy(), frame["lat"].to_numpy())
        xy = np.column_stack([x, y])
    return xy


def _replica(xy: np.ndarray, tiles: int) -> np.ndarray:
    base = xy - xy.min(axis=0)
    out = [base + np.array([(t % 5) * OFFSET, (t // 5) * OFFSET]) for t in range(tiles)]
    return np.concatenate(out)


OURS = """
import time, numpy as np
from veerkracht.analytics.multiscale import knn_shares
d = np.load({path!r})
xy, need = d["xy"], d["need"]
knn_shares(xy[:2000], need[:2000], (10, 1600))  # compile outside the timing
t = time.perf_counter()
p = knn_shares(xy, need, {ks!r}, workers=2)
sec = time.perf_counter() - t
np.save({out!r}, p.share()[d["sample"]] if "sample" in d else p.share())
RESULT = dict(seconds=round(sec, 2))
"""

BASELINE = """
import time, numpy as np
from scipy.spatial import cKDTree
d = np.load({path!r})
xy, need = d["xy"], d["need"]
ks = np.array({ks!r})
q = d["sample"] if "sample" in d else np.arange(len(xy))
t = time.perf_counter()
tree = cKDTree(xy)
build = time.perf_counter() - t
out = np.empty((len(q), len(ks)))
kth = np.empty((len(q), len(ks)), dtype=np.int64)
for a in range(0, len(q), 20_000):
    b = min(a + 20_000, len(q))
    _, idx = tree.query(xy[q[a:b]], k=int(ks.max()), workers=2)
    out[a:b] = np.cumsum(need[idx], axis=1)[:, ks - 1] / ks
    kth[a:b] = idx[:, ks - 1]
sec = time.perf_counter() - t
np.save({out!r}, out)
np.save({kth!r}, kth)
RESULT = dict(seconds=round(sec, 2), build=round(build, 2))
"""


def _compare(xy, need, query, ours, base, kth) -> dict:
    """Max difference, and differences not explained by a tie at the k-th."""
    from scipy.spatial import cKDTree

    diff = np.abs(ours - base)
    rows, cols = np.nonzero(diff > 1e-12)
    unexplained = 0
    tree = cKDTree(xy)
    ks = np.array(KS)
    for i, a in zip(rows[:20_000], cols[:20_000], strict=True):
        p = xy[query[i]]
        j = kth[i, a]
        r2 = ((xy[j] - p) ** 2).sum()
        near = np.asarray(tree.query_ball_point(p, np.sqrt(r2) * (1 + 1e-9) + 1e-6))
        d2 = ((xy[near] - p) ** 2).sum(axis=1)
        inner, tied = near[d2 < r2], near[d2 == r2]
        k = ks[a]
        take = k - len(inner)
        lo = need[inner].sum() + max(0, take - (len(tied) - need[tied].sum()))
        hi = need[inner].sum() + min(take, need[tied].sum())
        ok = len(tied) >= 2 and lo / k - 1e-12 <= ours[i, a] <= hi / k + 1e-12
        unexplained += not ok
    unexplained += max(0, len(rows) - 20_000)  # unchecked count as unexplained
    return {"max_abs_diff": float(diff.max()), "diff_pairs": int(len(rows)),
            "diff_outside_ties": int(unexplained)}


def run(quick: bool) -> list[dict]:
    rows: list[dict] = []
    rng = np.random.default_rng(SEED)
    real = _load_real()
    if quick:
        real = real[rng.choice(len(real), 60_000, replace=False)]
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        need = (rng.random(len(real)) < 0.12).astype(np.float64)
        path = str(tmpd / "real.npz")
        np.savez(path, xy=real, need=need)
        label = f"real LJPc Groningen+Flevoland, {len(real):,} dwellings"
        ours_file, base_file, kth_file = (str(tmpd / f) for f in
                                          ("o.npy", "b.npy", "k.npy"))
        o = in_subprocess(OURS.format(path=path, ks=KS, out=ours_file))
        b = in_subprocess(BASELINE.format(path=path, ks=KS, out=base_file,
                                          kth=kth_file))
        cmp_ = _compare(real, need, np.arange(len(real)), np.load(ours_file),
                        np.load(base_file), np.load(kth_file))
        rows.append(dict(case="knn_shares, all 8 k (exact)", data=label,
                         seconds=o["seconds"], peak_mib=o["peak_mib"],
                         baseline="cKDTree k=1600 + gather, all 8 k",
                         baseline_seconds=b["seconds"],
                         baseline_peak_mib=b["peak_mib"],
                         ratio=round(b["seconds"] / o["seconds"], 1), **cmp_))

        tiles = 2 if quick else TILES
        rep = _replica(real, tiles)
        rep_need = np.tile(need, tiles)
        sample = np.sort(rng.choice(len(rep), 20_000 if quick else 100_000,
                                    replace=False))
        path = str(tmpd / "replica.npz")
        np.savez(path, xy=rep, need=rep_need, sample=sample)
        label = f"replica {tiles} tiles, {len(rep):,} dwellings"
        o = in_subprocess(OURS.format(path=path, ks=KS, out=ours_file))
        b = in_subprocess(BASELINE.format(path=path, ks=KS, out=base_file,
                                          kth=kth_file))
        base_full = b["build"] + (b["seconds"] - b["build"]) * len(rep) / len(sample)
        cmp_ = _compare(rep, rep_need, sample, np.load(ours_file),
                        np.load(base_file), np.load(kth_file))
        rows.append(dict(case="knn_shares, all 8 k (exact)", data=label,
                         seconds=o["seconds"], peak_mib=o["peak_mib"],
                         baseline=(f"cKDTree k=1600 + gather on {len(sample):,} "
                                   "sampled points, extrapolated"),
                         baseline_seconds=round(base_full, 1),
                         baseline_peak_mib=b["peak_mib"],
                         ratio=round(base_full / o["seconds"], 1),
                         extrapolated=True, **cmp_))
    return rows
