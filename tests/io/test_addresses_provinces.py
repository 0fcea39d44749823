"""Every real province imports: register pairs, streaming, the size limit.

See docs/adr/0009-conflicting-address-pairs.md and docs/data.md (addresses).
"""

from __future__ import annotations

import hashlib
import random
import re

import numpy as np
import pytest
import zstandard
from pyproj import Transformer
from typer.testing import CliRunner

import veerkracht.io._common as common
from veerkracht.cli.main import app
from veerkracht.io._common import InputTooLarge
from veerkracht.io.addresses import read_addresses
from veerkracht.io.validation import ImportRejected
from veerkracht.store import open_workspace

HEADER = (
    "straat;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats;"
    "gemeente;provincie;lat;lon\n"
)
HOUSE = "Bosweg;1;;;9351AA;Leek;Westerkwartier;Groningen;53.16286776;6.39284044"
#: The same key, same street, 4 km north: a berth and a house of one number.
BERTH = "Bosweg;1;;;9351AA;Leek;Westerkwartier;Groningen;53.20000000;6.39284044"
#: The same key on another street, at the house's point.
CORNER = "Dorpsstraat;1;;;9351AA;Leek;Westerkwartier;Groningen;53.16286776;6.39284044"
OTHER = [
    "Bosweg;3;A;;9351AA;Leek;Westerkwartier;Groningen;53.16298694;6.39290328",
    "Bosweg;12;;2;9351AA;Leek;Westerkwartier;Groningen;53.16300000;6.39300000",
]

runner = CliRunner()


def write(tmp_path, rows, name="adressen.csv", header=HEADER):
    path = tmp_path / name
    path.write_bytes((header + "\n".join(rows) + "\n").encode())
    return path


def run(ws, *args):
    return runner.invoke(app, ["--workspace", str(ws), *args], catch_exceptions=False)


def ws_state(ws):
    with open_workspace(str(ws)) as w:
        return [(t.name, t.rows, t.version) for t in w.tables()], len(w.operations())


def rd(lon, lat):
    tr = Transformer.from_crs(4326, 28992, always_xy=True)
    return tr.transform(lon, lat)


def suffix(straat, woonplaats, lon, lat):
    """The documented suffix, computed here from the ADR's words."""
    x, y = rd(lon, lat)
    sig = f"{straat}|{woonplaats}|{round(x)}|{round(y)}"
    return "~" + hashlib.blake2b(sig.encode(), digest_size=4).hexdigest()


# ------------------------------------------------------------ register pairs


def test_register_pairs_are_kept_as_separate_dwellings(tmp_path):
    result = read_addresses(write(tmp_path, [HOUSE, *OTHER, BERTH, CORNER]))
    frame = result.frame
    assert len(frame) == 5 and frame["address_id"].is_unique
    ids = dict(zip(frame["address_id"], frame["straat"], strict=True))
    house = "9351AA-1" + suffix("Bosweg", "Leek", 6.39284044, 53.16286776)
    corner = "9351AA-1" + suffix("Dorpsstraat", "Leek", 6.39284044, 53.16286776)
    # Bosweg sorts before Dorpsstraat; in RD New the berth lies 57 m west of
    # the house (same longitude, further north), so it keeps the plain key.
    assert {"9351AA-1", house, corner} <= set(ids)
    assert ids["9351AA-1"] == "Bosweg" and ids[corner] == "Dorpsstraat"
    house_y = frame.loc[frame["address_id"] == house].geometry.y.iloc[0]
    berth_y = frame.loc[frame["address_id"] == "9351AA-1"].geometry.y.iloc[0]
    assert berth_y - house_y > 4000
    s = result.summary
    assert s["conflicting_keys"] == 1 and s["duplicates_merged"] == 0
    assert s["conflicts"] == [{"key": "9351AA-1", "lines": [2, 5, 6],
                               "kept": [[2, house], [5, "9351AA-1"], [6, corner]]}]
    assert s["notes"][0].startswith("waarschuwing: 1 adres komt")
    assert s["notes"][1] == (f"  9351AA-1: regel 2 -> {house}, regel 5 -> 9351AA-1, "
                             f"regel 6 -> {corner}")


def test_pair_keys_do_not_depend_on_file_order(tmp_path):
    rows = [HOUSE, *OTHER, BERTH, CORNER]
    first = read_addresses(write(tmp_path, rows, name="a.csv")).frame
    rng = random.Random(4)
    for n in range(5):
        rng.shuffle(rows)
        other = read_addresses(write(tmp_path, rows, name=f"b{n}.csv")).frame
        a = first.set_index("address_id").geometry
        b = other.set_index("address_id").geometry
        assert sorted(a.index) == sorted(b.index)
        assert (a.loc[b.index].distance(b) < 1e-6).all()


def test_consistent_rows_inside_a_pair_are_merged(tmp_path):
    near_berth = BERTH.replace("6.39284044", "6.39290000")  # 4 m from the berth
    result = read_addresses(write(tmp_path, [HOUSE, BERTH, near_berth, HOUSE]))
    frame = result.frame
    assert len(frame) == 2
    assert result.summary["duplicates_merged"] == 2
    assert result.summary["duplicate_lines"] == [4, 5]
    (pair,) = result.summary["conflicts"]
    assert pair["lines"] == [2, 3, 4, 5]
    # The house cluster (lines 2 and 5) keeps its first line; it is east of
    # the berth cluster and gets the suffix of its own point.
    assert pair["kept"] == [
        [2, "9351AA-1" + suffix("Bosweg", "Leek", 6.39284044, 53.16286776)],
        [3, "9351AA-1"],
    ]


def test_true_errors_still_refuse_a_file_with_pairs(tmp_path):
    broken = OTHER[0].replace(";3;", ";drie;")
    with pytest.raises(ImportRejected) as info:
        read_addresses(write(tmp_path, [HOUSE, BERTH, broken]))
    assert [(r.line, r.reason) for r in info.value.rows] == [
        (4, "huisnummer is geen geheel getal")]


def test_command_line_warns_with_lines_and_stores_both(tmp_path):
    ws = tmp_path / "ws"
    path = write(tmp_path, [HOUSE, *OTHER, BERTH])
    result = run(ws, "import", "addresses", str(path))
    assert result.exit_code == 0, result.output
    assert "waarschuwing: 1 adres komt in het register meer dan eens voor" in \
        result.output
    assert re.search(r"9351AA-1: regel 2 -> 9351AA-1~[0-9a-f]{8},\s+regel 5 -> "
                     r"9351AA-1\n", result.output)
    with open_workspace(str(ws)) as w:
        frame = w.read("addresses")
        op = w.operations()[-1]
    assert len(frame) == 4
    assert op.summary["files"]["adressen.csv"]["conflicting_keys"] == 1


def _ids(ws):
    with open_workspace(str(ws)) as w:
        return sorted(w.read("addresses")["address_id"].astype(str))


@pytest.mark.parametrize("split", [
    ([HOUSE, *OTHER], [BERTH]),            # the halves of a pair in two files
    ([HOUSE, BERTH], [CORNER, *OTHER]),    # a pair in one file, a third half in another
    ([BERTH], [CORNER], [HOUSE, *OTHER]),  # three halves in three files
])
def test_pair_over_files_of_one_call_is_kept_with_the_one_file_ids(tmp_path, split):
    # a file per province in one call gives the ids of the national file
    one = tmp_path / "one"
    rows = [r for part in split for r in part]
    reverse = str(write(tmp_path, rows[::-1]))
    assert run(one, "import", "addresses", reverse).exit_code == 0
    ws = tmp_path / "ws"
    files = [str(write(tmp_path, part, name=f"p{i}.csv"))
             for i, part in enumerate(split)]
    result = run(ws, "import", "addresses", *files)
    assert result.exit_code == 0, result.output
    assert _ids(ws) == _ids(one)
    assert len(_ids(ws)) == len(set(_ids(ws))) == len(rows)
    assert "registerpaar over een bestandsgrens" in result.output
    assert re.search(r"9351AA-1: p\d\.csv regel \d -> 9351AA-1", result.output)
    with open_workspace(str(ws)) as w:
        summary = w.operations()[-1].summary
    assert summary["pairs_across_files"] == 1
    (rec,) = summary["pairs_across_files_listed"]
    assert rec["key"] == "9351AA-1" and len(rec["kept"]) == len(
        [r for r in rows if r.split(";")[1] == "1"])


def test_pairs_across_files_and_append_stay_rejected(tmp_path):
    ws = tmp_path / "ws"
    a = write(tmp_path, [HOUSE, BERTH], name="a.csv")
    b = write(tmp_path, [HOUSE, BERTH], name="b.csv")
    result = run(ws, "import", "addresses", str(a), str(b))
    assert result.exit_code == 1
    assert result.output.count("staat ook in een ander bestand") == 4  # both ids
    # one object (the berth) in both files beside other halves: still refused
    d = write(tmp_path, [BERTH, CORNER], name="d.csv")
    result = run(ws, "import", "addresses", str(a), str(d))
    assert result.exit_code == 1 and "staat ook in een ander bestand" in result.output
    with open_workspace(str(ws)) as w:
        assert not w.has("addresses")
    assert run(ws, "import", "addresses", str(a)).exit_code == 0
    before = ws_state(ws)
    result = run(ws, "import", "addresses", str(b), "--append")
    assert result.exit_code == 1 and result.output.count("staat al in de werkmap") == 2
    assert ws_state(ws) == before
    # One half of the pair in a new file: the plain key clashes, as in ADR 0002.
    c = write(tmp_path, [BERTH], name="c.csv")
    result = run(ws, "import", "addresses", str(c), "--append")
    assert result.exit_code == 1 and "staat al in de werkmap" in result.output


# ---------------------------------------------------------------- streaming


def _many_rows(n):
    rows = []
    for i in range(n):
        pc = f"{9000 + i // 500:04d}AB"
        rows.append(f"Weg {i % 7};{i % 500 + 1};;;{pc};Dorp;Gem;Prov;"
                    f"{52.0 + i * 1e-5:.6f};{5.0 + (i % 97) * 1e-4:.6f}")
    return rows


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(common, "BLOCK_BYTES", 4096)


def test_streaming_in_small_blocks_gives_the_same_frame(tmp_path, monkeypatch):
    rows = _many_rows(3000)
    rows[1000:1000] = ["", ""]  # blank lines shift nothing
    plain = write(tmp_path, rows)
    packed = tmp_path / "adressen.csv.zst"
    # Two frames, so the reader must go on across a frame end.
    raw = plain.read_bytes()
    half = raw.index(b"\n", len(raw) // 2) + 1
    c = zstandard.ZstdCompressor()
    packed.write_bytes(c.compress(raw[:half]) + c.compress(raw[half:]))
    whole = read_addresses(plain)
    monkeypatch.setattr(common, "BLOCK_BYTES", 4096)
    for path in (plain, packed):
        streamed = read_addresses(path)
        assert streamed.frame.drop(columns="source").equals(
            whole.frame.drop(columns="source"))
        assert np.array_equal(streamed.lines, whole.lines)
    assert whole.lines[999] == 1001 and whole.lines[1000] == 1004


def test_rejections_far_into_the_file_keep_their_lines(tmp_path, small_blocks):
    rows = _many_rows(3000)
    rows[2500] = rows[2500].replace(";Dorp;", ";Dorp;extra;")  # line 2502
    rows[40] = rows[40] + ";meer"  # line 42
    with pytest.raises(ImportRejected) as info:
        read_addresses(write(tmp_path, rows))
    assert [r.line for r in info.value.rows] == [42, 2502]
    rows = _many_rows(3000)
    rows[2000] = rows[2000].replace("52.0", "noord")  # line 2002
    rows[2900] = rows[2900].replace(";Dorp;", ";Dörp;")
    path = write(tmp_path, rows, name="b.csv")
    with pytest.raises(ImportRejected) as info:
        read_addresses(path)
    assert [(r.line, r.reason) for r in info.value.rows] == [
        (2002, "lat is geen getal")]
    raw = path.read_bytes().replace("Dörp".encode(), "Dörp".encode("latin-1"))
    path.write_bytes(raw)
    with pytest.raises(ImportRejected) as info:
        read_addresses(path)
    assert "UTF-8" in str(info.value) and info.value.rows[0].line == 2902


def test_quoted_cell_over_a_block_end(tmp_path, small_blocks):
    rows = _many_rows(400)
    rows[200] = rows[200].replace("Weg 4", '"Weg\n' + "x" * 5000 + '"')
    result = read_addresses(write(tmp_path, rows))
    assert len(result.frame) == 400
    assert result.frame["straat"].str.len().max() == 5004


# ----------------------------------------------------------- the size limit


def _bomb(tmp_path, payload: bytes, frames: int):
    """A small .zst that expands to ``frames`` times the payload."""
    frame = zstandard.ZstdCompressor(level=19).compress(payload)
    path = tmp_path / "bom.csv.zst"
    path.write_bytes(frame * frames)
    return path


def test_zstd_bomb_gives_one_line_and_exit_2(tmp_path):
    ws = tmp_path / "ws"
    good = write(tmp_path, [HOUSE])
    assert run(ws, "import", "addresses", str(good)).exit_code == 0
    before = ws_state(ws)
    # 32 MiB of zeros packs into ~1 KB; 96 copies: ~99 KB that unpack to 3 GiB.
    bomb = _bomb(tmp_path, bytes(32 << 20), 96)
    assert 90_000 < bomb.stat().st_size < 110_000
    result = run(ws, "import", "addresses", str(bomb))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Fout: bom.csv.zst: ")
    assert "MemoryError" not in result.output and "Traceback" not in result.output
    assert ws_state(ws) == before


def test_size_limit_holds_for_a_file_with_line_ends(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    rows = (HEADER + HOUSE + "\n").encode() + (OTHER[0] + "\n").encode() * 200_000
    path = tmp_path / "groot.csv.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(rows))
    monkeypatch.setenv("VEERKRACHT_IMPORT_MAX_MB", "4")
    with pytest.raises(InputTooLarge) as info:
        read_addresses(path)
    assert "4 MiB" in str(info.value) and "VEERKRACHT_IMPORT_MAX_MB" in str(info.value)
    # Without the declared content size the streaming count still stops it.
    stream = tmp_path / "stroom.csv.zst"
    with stream.open("wb") as fh, zstandard.ZstdCompressor().stream_writer(fh) as w:
        w.write(rows)
    result = run(ws, "import", "addresses", str(stream))
    assert result.exit_code == 2 and "uit tot meer dan 4 MiB" in result.output
    plain = tmp_path / "groot.csv"
    plain.write_bytes(rows)
    with pytest.raises(InputTooLarge, match="is groter dan 4 MiB"):
        read_addresses(plain)
    monkeypatch.setenv("VEERKRACHT_IMPORT_MAX_MB", "veel")
    with pytest.raises(ImportRejected, match="positief geheel getal"):
        read_addresses(plain)
    monkeypatch.setenv("VEERKRACHT_IMPORT_MAX_MB", "40")
    assert len(read_addresses(path).frame) == 2  # the rest are merged repeats


def test_the_setting_is_registered_with_the_same_default():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "config.md").read_text()
    assert f"| `{common.MAX_MB_ENV}` | `{common.DEFAULT_MAX_MB}` |" in doc


# ---------------------------------------------------------------- real data


@pytest.mark.slow
def test_both_real_provinces_in_one_call(tmp_path, shared_data):
    ws = tmp_path / "ws"
    files = [shared_data / f"ljpc_adressen_{p}.csv.zst"
             for p in ("Groningen", "Flevoland")]
    result = run(ws, "import", "addresses", *map(str, files))
    assert result.exit_code == 0, result.output
    assert "549.952 adressen ingelezen uit 2 bestanden" in result.output
    assert "waarschuwing" not in result.output  # no register pairs in these two
    with open_workspace(str(ws)) as w:
        frame = w.read("addresses")
        op = w.operations()[-1]
    assert len(frame) == 549_952 and frame["address_id"].is_unique
    per_file = op.summary["files"]
    assert [per_file[f.name]["conflicting_keys"] for f in files] == [0, 0]
    assert [per_file[f.name]["duplicates_merged"] for f in files] == [1_125, 108]


@pytest.mark.slow
def test_real_province_with_an_injected_register_pair(tmp_path, shared_data):
    """Groningen plus a berth 400 m from a real house of the same number."""
    src = shared_data / "ljpc_adressen_Groningen.csv.zst"
    text = zstandard.ZstdDecompressor().decompressobj().decompress(src.read_bytes())
    lines = text.split(b"\n")
    house = lines[1].decode()  # Bosweg 1, Leek
    lat = float(house.split(";")[8])
    berth = house.replace(f"{lat:.8f}", f"{lat + 0.0036:.8f}")
    path = tmp_path / "groningen_met_ligplaats.csv.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(
        text.rstrip(b"\n") + b"\n" + berth.encode() + b"\n"))
    result = read_addresses(path)
    assert len(result.frame) == 327_742 + 1
    (pair,) = result.summary["conflicts"]
    assert pair["key"] == "9351AA-1" and pair["lines"] == [2, len(lines)]
    # As in the small test: the berth lies west of the house in RD New.
    house = "9351AA-1" + suffix("Bosweg", "Leek", 6.39284044, 53.16286776)
    assert pair["kept"] == [[2, house], [len(lines), "9351AA-1"]]


def test_empty_and_separator_only_lines_cost_nothing(tmp_path, small_blocks):
    body = (HOUSE + "\n").encode() + b"\n" * 50_000 + b";;;;;;;;;\r\n" * 20_000
    path = tmp_path / "leeg.csv.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(
        HEADER.encode() + body + (OTHER[0] + "\n").encode()))
    result = read_addresses(path)
    assert result.lines.tolist() == [2, 2 + 50_000 + 20_000 + 1]
    path.write_bytes(zstandard.ZstdCompressor().compress(HEADER.encode()
                                                         + b"\n" * 100_000))
    with pytest.raises(ImportRejected, match="alleen een kopregel"):
        read_addresses(path)


def test_reading_stops_after_too_many_rejected_rows(tmp_path, monkeypatch,
                                                    small_blocks):
    import veerkracht.io.addresses as addresses

    monkeypatch.setattr(addresses, "MAX_REJECTED", 50)
    monkeypatch.setattr(common, "MAX_REJECTED", 50)
    rows = [r.replace(";Dorp;", ";Dorp;;") for r in _many_rows(3000)]
    with pytest.raises(ImportRejected) as info:
        read_addresses(write(tmp_path, rows))
    err = info.value
    assert 50 < len(err.rows) < 3000 and "Lezen gestopt na meer dan 50" in str(err)
    rows = [";".join([r.split(";")[0], "x", *r.split(";")[2:]])
            for r in _many_rows(3000)]
    with pytest.raises(ImportRejected) as info:
        read_addresses(write(tmp_path, rows, name="b.csv"))
    assert 50 < len(info.value.rows) < 3000
    assert "Lezen gestopt" in str(info.value)
