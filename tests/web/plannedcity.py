"""A small computed demo city for the headroom and what-if pages.

Built by the real jobs (``build_demo``: places, compute with the shipped
model file, protection), so the placement model of
:mod:`veerkracht.jobs.allocate` can read it; the model file is approved by
the privacy officer, so a corporation assigned to an area gets bands of
its small places (and the headroom pages must say "niet getoond" there).
"""

from __future__ import annotations

from pathlib import Path

from veerkracht.jobs import publish
from veerkracht.jobs.demo import build_demo
from veerkracht.store import open_workspace

#: The privacy noise is drawn anew with every city (OpenDP takes no seed):
#: a city without the places the tests need is drawn again, this often.
TRIES = 6


def build_planned_city(folder: Path) -> str:
    for attempt in range(TRIES):
        where = folder if attempt == 0 else folder.with_name(f"{folder.name}-{attempt}")
        ws = open_workspace(where)
        build_demo(ws, seed=5, n_dwellings=250, years=1)
        last = ws.read("results").sort_values("computed_at").iloc[-1]
        publish.approve_model(ws, last["model_name"], last["model_version"],
                              last["model_hash"], actor_role="privacy_officer")
        found = find_ids(ws)
        ws.close()
        if found is not None:
            return str(where)
    raise RuntimeError(f"no planned city with the places the tests need in {TRIES} "
                       "draws")


def find_ids(ws) -> dict | None:
    """A wijk (the corporation's area) with a public block, a band-only block
    and an address whose entrance is a band only, and the places around
    them; None when this draw of the noise has no such wijk."""
    from veerkracht.jobs import allocate

    try:
        dw = ws.read("dwellings", columns=["address_id", "block_id", "entrance_id",
                                           "wijkcode"])

        def door(level, audience):
            room = allocate.published_headroom(ws, level, "zorg", audience=audience)
            return room.set_index("place_id")["visibility"]

        blocks, entrances = door("block", "assigned"), door("entrance", "assigned")
        # places wholly inside one wijk (an area holds all their dwellings)
        whole = dw.groupby("block_id")["wijkcode"].agg(lambda v: v.nunique() == 1)
        inside = whole.reindex(blocks.index, fill_value=False)
        dw["block_vis"] = dw["block_id"].map(blocks.where(inside))
        dw["entrance_vis"] = dw["entrance_id"].map(entrances)

        def has(g, col, vis):
            return (g[col] == vis).any()

        wijk = next(b for b, g in dw.groupby("wijkcode")
                    if has(g, "block_vis", "public")
                    and has(g, "block_vis", "band_only")
                    and has(g, "entrance_vis", "band_only"))
        mine = dw[dw["wijkcode"] == wijk]
        public_blocks = blocks[blocks == "public"].index
        streets = door("street", "public")
        ids = {
            "wijk": wijk,
            "gemeente": str(ws.read("place_gemeente")["place_id"].iloc[0]),
            "public_block": str(mine.loc[mine["block_vis"] == "public",
                                         "block_id"].iloc[0]),
            "band_block": str(mine.loc[mine["block_vis"] == "band_only",
                                       "block_id"].iloc[0]),
            "other_block": str(dw.loc[dw["block_id"].isin(public_blocks)
                                      & (dw["wijkcode"] != wijk), "block_id"].iloc[0]),
            "suppressed_street": str(streets[streets == "suppressed"].index[0]),
            "public_street": str(streets[streets == "public"].index[0]),
        }
        ids["address"] = str(mine.loc[mine["block_id"] == ids["public_block"],
                                      "address_id"].iloc[0])
        ids["other_address"] = str(dw.loc[dw["block_id"] == ids["other_block"],
                                          "address_id"].iloc[0])
        ids["band_address"] = str(mine.loc[(mine["entrance_vis"] == "band_only")
                                           & mine["block_vis"].notna(),
                                           "address_id"].iloc[0])
    except (StopIteration, IndexError):
        return None
    return ids
