"""Helpers shared by the readers: opening, decoding, columns, coordinates.

Every check here is vectorised; :class:`RejectedRow` objects are built only
for the rows that fail, so validating half a million addresses stays cheap.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from veerkracht.io.validation import ImportRejected, RejectedRow, file_error

RD = "EPSG:28992"
WGS84 = "EPSG:4326"

#: Generous boxes around the Netherlands (land, Wadden, border strips).
WGS84_BOUNDS = (3.2, 50.7, 7.3, 53.7)  # lon_min, lat_min, lon_max, lat_max
RD_BOUNDS = (0.0, 300_000.0, 300_000.0, 640_000.0)  # x_min, y_min, x_max, y_max

#: CBS and common markers for a missing or secret value.
MISSING_MARKERS = frozenset(
    {"", ".", "x", "X", "-", "?", "-99999999", "-99999997", "-99999998", "nan",
     "NaN", "NA", "n.v.t.", "<NA>", "None"}
)

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def dutch_csv(frame: pd.DataFrame, target=None):
    """``frame`` as the CSV a Dutch spreadsheet opens as it is (``;``,
    decimal comma, no index): written to ``target`` (a path or buffer), or
    returned as text when ``target`` is None. What every command's
    ``--out`` and the pages' downloads of a table write.

    >>> dutch_csv(pd.DataFrame({"a": [1.5], "b": ["x"]}))
    'a;b\\n1,5;x\\n'
    """
    return frame.to_csv(target, index=False, sep=";", decimal=",")


def source_name(path: str | os.PathLike[str]) -> str:
    return Path(path).name


def require_file(path: str | os.PathLike[str]) -> Path:
    """The path, or a file-level rejection when it is missing or a folder."""
    p = Path(path)
    if not p.exists():
        raise file_error(f"bestand niet gevonden: {p}", source=p.name)
    if p.is_dir():
        raise file_error(f"{p} is een map, geen bestand", source=p.name)
    return p


#: Environment variable with the most MiB a file may expand to when read.
MAX_MB_ENV = "VEERKRACHT_IMPORT_MAX_MB"
#: Default of :data:`MAX_MB_ENV`: 2 GiB, ~2.8 times the national LJPc file (730 MiB).
DEFAULT_MAX_MB = 2048
#: A longer line than this is no row of any supported text source.
MAX_LINE_BYTES = 1 << 20
#: Size of the decompressed blocks the streaming readers work on.
BLOCK_BYTES = 8 << 20
# Compressed input per zstd call: bounds the output of one call (zstd's
# highest ratio is about 1:32,000, so at most ~64 MiB) even for a bomb.
_ZSTD_IN = 2048


class InputTooLarge(ImportRejected):  # noqa: N818 - reads like its parent
    """A file that is (or expands to) more than the size limit; file level.

    Raised before memory runs out, with one Dutch sentence that names the
    limit and :data:`MAX_MB_ENV`.
    """


def max_expanded_bytes() -> int:
    """The size limit in bytes: ``$VEERKRACHT_IMPORT_MAX_MB`` MiB, default 2048.

    A value that is no positive whole number is refused (file level), so a
    typo never silently lifts the limit.
    """
    raw = os.environ.get(MAX_MB_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_MB << 20
    try:
        mb = int(raw)
    except ValueError:
        mb = 0
    if mb <= 0:
        raise file_error(f"{MAX_MB_ENV} moet een positief geheel getal (MiB) zijn",
                         value=raw)
    return mb << 20


def _too_large(name: str, limit: int, compressed: bool) -> InputTooLarge:
    what = "pakt uit tot meer dan" if compressed else "is groter dan"
    return InputTooLarge(
        [RejectedRow(0, f"het bestand {what} {limit >> 20} MiB, de grens voor "
                        f"inlezen; zet {MAX_MB_ENV} hoger als het bestand echt zo "
                        "groot is")],
        source=name,
    )


def iter_bytes(path: str | os.PathLike[str],
               block_bytes: int | None = None) -> Iterator[bytes]:
    """The file's bytes in blocks, decompressed on the fly when it is zstd.

    Peak memory stays near ``block_bytes`` whatever the file expands to. The
    total is held to :func:`max_expanded_bytes` (:class:`InputTooLarge`
    otherwise). A truncated or corrupt ``.zst`` file is refused (zstandard
    would otherwise silently return the part before the damage).
    """
    p = require_file(path)
    limit = max_expanded_bytes()
    block_bytes = block_bytes or BLOCK_BYTES
    with p.open("rb") as fh:
        head = fh.read(4)
        fh.seek(0)
        if head == _ZSTD_MAGIC or p.suffix.lower() in (".zst", ".zstd"):
            yield from _unzstd_stream(fh, p.name, limit, block_bytes)
            return
        if p.stat().st_size > limit:
            raise _too_large(p.name, limit, compressed=False)
        while block := fh.read(block_bytes):
            yield block


def _unzstd_stream(fh, name: str, limit: int, block_bytes: int) -> Iterator[bytes]:
    import zstandard

    head = fh.read(18)
    if head[:4] != _ZSTD_MAGIC:
        raise file_error("dit is geen geldig zstd-archief (.zst)", source=name)
    try:
        declared = zstandard.frame_content_size(head)
    except zstandard.ZstdError:
        declared = -1
    if declared > limit:
        raise _too_large(name, limit, compressed=True)
    fh.seek(0)
    total = held = 0
    out: list[bytes] = []
    dobj = zstandard.ZstdDecompressor().decompressobj()
    fed = False  # the current decompressor has started a frame
    try:
        while data := fh.read(_ZSTD_IN):
            while data:
                piece = dobj.decompress(data)
                fed = True
                data = b""
                if dobj.eof:  # a frame ended: the rest starts the next one
                    data = dobj.unused_data
                    dobj = zstandard.ZstdDecompressor().decompressobj()
                    fed = False
                if not piece:
                    continue
                total += len(piece)
                if total > limit:
                    raise _too_large(name, limit, compressed=True)
                out.append(piece)
                held += len(piece)
                if held >= block_bytes:
                    joined = b"".join(out) if len(out) > 1 else out[0]
                    out, held = [], 0
                    # One call can unpack ~64 MiB (a bomb): hand it on in blocks.
                    for i in range(0, len(joined), block_bytes):
                        yield joined[i : i + block_bytes]
    except zstandard.ZstdError as exc:
        raise file_error(
            f"het zstd-archief is beschadigd ({exc}); download het bestand opnieuw",
            source=name,
        ) from None
    if fed and not dobj.eof:
        raise file_error(
            "het zstd-archief is afgebroken (onvolledig gedownload of "
            "beschadigd); download het bestand opnieuw",
            source=name,
        )
    if out:
        yield b"".join(out)


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, decompressed when it is a zstd archive.

    Streams through :func:`iter_bytes`, so the size limit
    (``$VEERKRACHT_IMPORT_MAX_MB``) holds before anything large is built, and
    a truncated or corrupt ``.zst`` file is refused.
    """
    return b"".join(iter_bytes(path))


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark is dropped); a clear message otherwise."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 4]
        raise file_error(
            "het bestand is geen UTF-8-tekst (tekencodering); sla het op als "
            "UTF-8 (in Excel: 'CSV UTF-8') en probeer opnieuw",
            source=name,
            line=line,
            value=bad.hex(" "),
        ) from None


#: Most lines handed to the CSV parser at once (real blocks hold ~110,000).
MAX_BLOCK_LINES = 250_000


def iter_text_blocks(
    path: str | os.PathLike[str], name: str, block_bytes: int | None = None,
    empty: bytearray | None = None,
) -> Iterator[tuple[np.ndarray, str]]:
    """Whole non-empty lines of UTF-8 text in blocks, with their line numbers.

    The streaming counterpart of ``decode(read_bytes(path))``. Yields
    ``(lines, text)``: ``text`` holds whole lines, each ending in a line end,
    and ``lines[i]`` is the 1-based line number of its i-th line in the
    file. Empty lines are left out here (cheaply, without a parser), so a
    file of nothing but line ends costs no memory. A byte-order mark is
    dropped, a bad byte is refused with its line (as :func:`decode` does),
    and a line longer than :data:`MAX_LINE_BYTES` is refused at once
    (:class:`InputTooLarge`), so neither a bomb without line ends nor a
    binary file is held in memory. A block holds at most
    :data:`MAX_BLOCK_LINES` lines. ``empty`` (which the caller may fill while
    reading, e.g. with the separator once the header is known) lists bytes
    that make a line empty when it holds nothing else, such as ``;;;;``.
    """
    start = 1
    rest = b""
    first = True
    for block in iter_bytes(path, block_bytes):
        if first:
            first = False
            if block.startswith(b"\xef\xbb\xbf"):
                block = block[3:]
        data = rest + block if rest else block
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            if len(rest) > MAX_LINE_BYTES:
                raise _line_too_long(name, start)
            continue
        rest = data[cut:]
        n_lines = data.count(b"\n", 0, cut)
        if len(rest) > MAX_LINE_BYTES:
            raise _line_too_long(name, start + n_lines)
        yield from _split_lines(data[:cut] if rest else data, start, name, empty)
        start += n_lines
    if rest:
        yield from _split_lines(rest + b"\n", start, name, empty)


def _split_lines(buf: bytes, start: int, name: str,
                 empty: bytearray | None) -> Iterator[tuple[np.ndarray, str]]:
    arr = np.frombuffer(buf, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts
    if lengths.max() > MAX_LINE_BYTES:
        raise _line_too_long(name, start + int(np.argmax(lengths > MAX_LINE_BYTES)))
    nums = start + np.arange(len(ends))
    blank = (lengths == 0) | ((lengths == 1) & (arr[starts] == 13))
    if empty:
        filler = np.isin(arr, np.frombuffer(bytes(empty) + b"\r\n", dtype=np.uint8))
        counts = np.add.reduceat(filler.view(np.int8), starts, dtype=np.int64)
        blank |= counts == lengths + 1
    if blank.any():
        keep = ~blank
        buf = arr[np.repeat(keep, lengths + 1)].tobytes()
        lengths, nums = lengths[keep], nums[keep]
    offsets = np.zeros(len(nums) + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=offsets[1:])
    for s in range(0, len(nums), MAX_BLOCK_LINES):
        e = min(s + MAX_BLOCK_LINES, len(nums))
        chunk = buf[offsets[s]:offsets[e]]
        yield nums[s:e], _decode_block(chunk, name, nums[s:e])


def _line_too_long(name: str, line: int) -> InputTooLarge:
    return InputTooLarge(
        [RejectedRow(0, f"regel {line} is langer dan {MAX_LINE_BYTES >> 20} MiB; "
                        "dit is geen tekstbestand met rijen (beschadigd, of een "
                        "zip-bom?)")],
        source=name,
    )


def _decode_block(raw: bytes, name: str, nums: np.ndarray) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = int(nums[raw.count(b"\n", 0, exc.start)])
        raise file_error(
            "het bestand is geen UTF-8-tekst (tekencodering); sla het op als "
            "UTF-8 (in Excel: 'CSV UTF-8') en probeer opnieuw",
            source=name,
            line=line,
            value=raw[exc.start : exc.start + 4].hex(" "),
        ) from None


#: Rejected rows after which a streaming reader stops reading (and refuses).
MAX_REJECTED = 100_000


def iter_csv_chunks(
    path: str | os.PathLike[str], name: str, sep: str | None = None,
    block_bytes: int | None = None,
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Parse a CSV file chunk by chunk, as :func:`read_csv_text` does whole.

    Yields ``(frame, lines)`` per block of about ``block_bytes`` decompressed
    bytes (at most :data:`MAX_BLOCK_LINES` lines): string cells (NA when
    empty), stripped column names, blank lines dropped and every row's line
    in the source file. Rows with too many fields are collected over the
    whole file (up to :data:`MAX_REJECTED`) and refused together at the end;
    no frame is yielded after the first such row. An empty or header-only
    file is refused like :func:`read_csv_text` refuses it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a;b\\n1;2\\n\\n3;4\\n")
    >>> [(f["a"].tolist(), ln.tolist()) for f, ln in iter_csv_chunks(p, "t.csv")]
    [(['1', '3'], [2, 4])]
    """
    names: list[str] | None = None
    columns: list[str] | None = None
    bad: list[RejectedRow] = []
    rows_seen = False
    carry: tuple[np.ndarray, str] | None = None
    empty = bytearray()  # filled with the separator: lines of only ';' are empty
    blocks = iter_text_blocks(path, name, block_bytes, empty)
    pending = next(blocks, None)
    while pending is not None:
        nums, text = pending
        pending = next(blocks, None)
        if carry is not None:  # a quoted cell ran over the previous block end
            nums, text = np.concatenate([carry[0], nums]), carry[1] + text
            carry = None
        if names is None:
            if not text.strip():
                if pending is None:
                    raise file_error("het bestand is leeg", source=name)
                continue
            sep = sep or sniff_separator(text)
            if len(sep) == 1:
                empty.extend(sep.encode())
        try:
            frame, caught = _parse_block(text, sep, names)
        except pd.errors.EmptyDataError:
            if names is None:
                raise file_error("het bestand is leeg", source=name) from None
            continue
        except pd.errors.ParserError as exc:
            if "EOF inside string" in str(exc) and pending is not None:
                carry = (nums, text)
                continue
            raise file_error(f"het bestand is geen geldige CSV ({exc})",
                             source=name) from None
        for w in caught:
            for m in _BAD_LINE.finditer(str(w.message)):
                bad.append(RejectedRow(int(nums[int(m.group(1)) - 1]),
                                       f"{m.group(3)} velden in plaats van "
                                       f"{m.group(2)}"))
        header = 0
        if names is None:
            names = list(frame.columns)
            columns = [str(c).strip() for c in names]
            header = 1
        if bad:
            if len(bad) > MAX_REJECTED:
                break
            continue
        frame.columns = columns
        lines = nums[header : header + len(frame)]
        blank = frame.isna().all(axis=1).to_numpy()
        if blank.any():
            frame = frame.loc[~blank].reset_index(drop=True)
            lines = lines[~blank]
        if len(frame):
            rows_seen = True
            yield frame, lines
    if bad:
        raise ImportRejected(sorted(bad, key=lambda r: r.line), source=name,
                             hint=_stopped_hint(len(bad)))
    if names is None:
        raise file_error("het bestand is leeg", source=name)
    if not rows_seen:
        raise file_error("het bestand bevat alleen een kopregel, geen gegevens",
                         source=name)


def _stopped_hint(n: int) -> str | None:
    if n <= MAX_REJECTED:
        return None
    return (f"Lezen gestopt na meer dan {MAX_REJECTED:,} afgekeurde rijen; de rest "
            "van het bestand is niet gecontroleerd.").replace(",", ".")


def _parse_block(text: str, sep: str, names: list[str] | None):
    """Every cell as ``str`` (NA when empty), bad lines as caught warnings."""
    kwargs = {} if names is None else {"header": None, "names": names}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            on_bad_lines="warn",
            engine="c",
            **kwargs,
        )
    return frame, caught


def sniff_separator(text: str, candidates: str = ";,\t") -> str:
    """The separator that splits the header line into the most columns."""
    header = text.split("\n", 1)[0]
    counts = {c: header.count(c) for c in candidates}
    sep = max(counts, key=counts.get)
    return sep if counts[sep] > 0 else ";"


_BAD_LINE = re.compile(r"[Ll]ine (\d+)[^\d]*expected (\d+) fields, saw (\d+)")


def read_csv_text(
    text: str, name: str, sep: str | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Parse CSV text into string columns; return the frame and each row's line.

    Every cell is a ``str`` (NA for an empty cell) so that readers can check
    types themselves and report the line of every bad value. Blank lines are
    skipped; rows with too many fields are rejected with their line.
    """
    if not text.strip():
        raise file_error("het bestand is leeg", source=name)
    sep = sep or sniff_separator(text)
    try:
        frame, caught = _parse_block(text, sep, None)
    except pd.errors.EmptyDataError:
        raise file_error("het bestand is leeg", source=name) from None
    except pd.errors.ParserError as exc:
        raise file_error(f"het bestand is geen geldige CSV ({exc})",
                         source=name) from None
    bad: list[RejectedRow] = []
    for w in caught:
        for m in _BAD_LINE.finditer(str(w.message)):
            bad.append(RejectedRow(int(m.group(1)),
                                   f"{m.group(3)} velden in plaats van {m.group(2)}"))
    if bad:
        raise ImportRejected(sorted(bad, key=lambda r: r.line), source=name)
    frame.columns = [str(c).strip() for c in frame.columns]
    # Without blank lines and multi-line cells, row i sits on line i + 2.
    lines = np.arange(2, len(frame) + 2)
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        frame = frame.loc[~blank].reset_index(drop=True)
        lines = lines[~blank]
    if frame.empty:
        raise file_error("het bestand bevat alleen een kopregel, geen gegevens",
                         source=name)
    return frame, lines


def check_columns(
    columns: Iterable[str],
    required: Sequence[str],
    name: str,
    layout: str,
    optional: Sequence[str] = (),
) -> None:
    """Refuse a file whose header lacks required columns (naming them all)."""
    present = [str(c) for c in columns]
    missing = [c for c in required if c not in present]
    if not missing:
        return
    unexpected = [c for c in present if c not in required and c not in optional]
    reason = f"verplichte kolom(men) ontbreken voor {layout}: {', '.join(missing)}"
    if unexpected:
        reason += f"; onverwachte kolom(men): {', '.join(unexpected[:15])}"
    reason += f". Verwacht: {', '.join(required)}"
    raise ImportRejected([RejectedRow(1, reason)], source=name)


def rejected(
    mask: np.ndarray, lines: np.ndarray, reason: str, values: pd.Series | None = None
) -> list[RejectedRow]:
    """Rejected rows for every True in ``mask`` (built only for those rows)."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    if values is None:
        return [RejectedRow(int(lines[i]), reason) for i in idx]
    vals = values.to_numpy(dtype=object)[idx]
    return [
        RejectedRow(int(lines[i]), reason, None if pd.isna(v) else str(v))
        for i, v in zip(idx, vals, strict=True)
    ]


def raise_if(rows: list[RejectedRow], name: str, hint: str | None = None) -> None:
    if rows:
        rows.sort(key=lambda r: r.line)
        raise ImportRejected(rows, source=name, hint=hint)


def parse_float(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Floats (decimal comma allowed) and a mask of filled cells that are no number."""
    s = series.astype("str")
    if s.str.contains(",", regex=False).any():
        s = s.str.replace(",", ".", regex=False)
    num = pd.to_numeric(s.str.strip(), errors="coerce")
    values = num.to_numpy(dtype="float64", na_value=np.nan)
    bad = np.isnan(values) & series.notna().to_numpy()
    return values, bad


def in_bounds(x: np.ndarray, y: np.ndarray, crs: str) -> np.ndarray:
    """True where (x, y) lies in the Netherlands for ``crs`` (lon/lat for WGS84)."""
    x0, y0, x1, y1 = RD_BOUNDS if crs == RD else WGS84_BOUNDS
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def check_coordinates(
    x: np.ndarray, y: np.ndarray, lines: np.ndarray, crs: str, name: str,
    labels: tuple[str, str] = ("x", "y"),
) -> None:
    """Refuse points outside the Netherlands; explain a file in the wrong CRS.

    When most points fall outside the box for ``crs`` but inside the box of
    the other CRS, the whole file is refused with a hint that names it.
    """
    valid = ~(np.isnan(x) | np.isnan(y))
    inside = in_bounds(x, y, crs)
    bad = valid & ~inside
    if not bad.any():
        return
    other = WGS84 if crs == RD else RD
    hint = None
    if crs == WGS84:
        fits_other = in_bounds(x[bad], y[bad], RD).mean()
        swapped = in_bounds(y[bad], x[bad], WGS84).mean()
        if fits_other > 0.5:
            hint = ("De coördinaten lijken in RD New (EPSG:28992, meters) te staan, "
                    "maar dit bestandstype verwacht graden (WGS84 lat/lon).")
        elif swapped > 0.5:
            hint = "De coördinaten lijken verwisseld: lat en lon staan omgekeerd."
    else:
        if in_bounds(x[bad], y[bad], other).mean() > 0.5:
            hint = ("De coördinaten lijken in graden (WGS84 lat/lon) te staan, "
                    "maar dit bestand verklaart RD New (EPSG:28992, meters).")
    unit = "RD New" if crs == RD else "WGS84"
    reason = f"coördinaat ligt buiten Nederland ({unit})"
    idx = np.flatnonzero(bad)
    rows = [RejectedRow(int(lines[i]), reason,
                        f"{labels[0]}={x[i]:g} {labels[1]}={y[i]:g}") for i in idx]
    raise_if(rows, name, hint)


def to_rd(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Reproject lon/lat (or any CRS) to RD New; RD passes through unchanged."""
    if crs == RD:
        return x, y
    from pyproj import Transformer

    tr = Transformer.from_crs(crs, RD, always_xy=True)
    return tr.transform(x, y)


def clean_str(series: pd.Series) -> pd.Series:
    """Strip cells; empty or marker-only cells become NA; dtype ``str``."""
    s = series.astype("str").str.strip()
    return s.where(s.ne("") & s.notna(), pd.NA).astype("str")


def crs_of(frame) -> str | None:
    crs = getattr(frame, "crs", None)
    if crs is None:
        return None
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_string()


def list_layers(path: Path) -> list[str]:
    """Layer names of a vector file; a file-level rejection when unreadable."""
    import pyogrio

    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise file_error(f"geen leesbaar GeoPackage/GeoJSON-bestand ({exc})",
                         source=path.name) from None


def read_vector(path: Path, layer: str | None = None):
    """A GeoDataFrame with its CRS checked (GeoJSON without one is WGS84).

    Returns the frame and its CRS as ``EPSG:NNNN``.
    """
    import geopandas as gpd

    name = path.name if layer is None else f"{path.name}:{layer}"
    try:
        gdf = gpd.read_file(path, layer=layer)
    except Exception as exc:
        raise file_error(f"bestand/laag is niet leesbaar ({exc})",
                         source=name) from None
    if gdf.empty:
        raise file_error("het bestand bevat geen objecten", source=name)
    if "geometry" not in gdf or gdf.geometry.name not in gdf:
        raise file_error("het bestand heeft geen geometrie", source=name)
    crs = crs_of(gdf)
    if crs is None:
        if path.suffix.lower() in (".geojson", ".json"):
            crs = WGS84
            gdf = gdf.set_crs(WGS84)
        else:
            raise file_error("het bestand heeft geen coördinatenstelsel (CRS)",
                             source=name)
    if crs not in (RD, WGS84, "EPSG:4258", "EPSG:3857"):
        # Any other CRS is accepted but brought to WGS84 first for the check.
        gdf = gdf.to_crs(WGS84)
        crs = WGS84
    return gdf, crs


def check_geometries(gdf, lines: np.ndarray, crs: str, name: str,
                     kinds: tuple[str, ...]) -> None:
    """Refuse missing/empty/wrong-type geometries and ones outside the Netherlands."""
    import shapely

    geom = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geom) | shapely.is_empty(geom)
    types = gdf.geometry.geom_type.to_numpy(dtype=object)
    wrong = ~missing & ~np.isin(types, list(kinds))
    bad = rejected(missing, lines, "geometrie ontbreekt")
    bad += rejected(wrong, lines, f"geometrie is geen {'/'.join(kinds)}",
                    pd.Series(types))
    raise_if(bad, name)
    check_crs = RD if crs == RD else WGS84
    bounds = shapely.bounds(geom)
    if crs == "EPSG:3857":
        from pyproj import Transformer

        tr = Transformer.from_crs(crs, WGS84, always_xy=True)
        bx, by = tr.transform(bounds[:, 0], bounds[:, 1])
    else:
        bx, by = bounds[:, 0], bounds[:, 1]
    check_coordinates(np.asarray(bx), np.asarray(by), lines, check_crs, name)


def geometry_to_rd(gdf, crs: str):
    return gdf if crs == RD else gdf.to_crs(RD)


def pick_column(columns: Iterable[str], *names: str) -> str | None:
    """The first of ``names`` present in ``columns`` (case-insensitive)."""
    lower = {str(c).lower(): str(c) for c in columns}
    for n in names:
        if n.lower() in lower:
            return lower[n.lower()]
    return None
