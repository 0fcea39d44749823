"""Read a model file (TOML) into a validated :class:`ModelSpec`.

The default model ships with the package
(``veerkracht/models/veerkracht-model-2.0.toml``; model 1.0 is still shipped
and computable, :data:`MODEL_1`). The model hash recorded with every result
is the SHA-256 of the file's bytes (first 16 hex digits), so two results
with the same version but a different hash came from edited files.

:func:`with_reference` writes the fixed reference of the scores
(``[reference]``) into a model file's text, keeping every comment
(``veerkracht compute --set-reference``).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tomllib
from importlib import resources
from pathlib import Path

from veerkracht.analytics.model.spec import ModelError, ModelSpec, parse_model

DEFAULT_MODEL = "veerkracht-model-2.0.toml"
MODEL_1 = "veerkracht-model-1.0.toml"


def shipped_model_path(name: str = DEFAULT_MODEL):
    """The path of a model file shipped with the package."""
    return resources.files("veerkracht") / "models" / name


def default_model_bytes() -> bytes:
    """The bytes of the shipped default model."""
    return shipped_model_path().read_bytes()


def model_bytes(path: str | os.PathLike[str] | None = None) -> bytes:
    """The bytes of a model file (the shipped default when None)."""
    if path is None:
        return default_model_bytes()
    p = Path(path)
    if not p.is_file():
        raise ModelError([f"modelbestand niet gevonden: {p}"], p.name)
    return p.read_bytes()


_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"]+)\s*\]\]?")


def _without_reference(text: str) -> str:
    """The text without its ``[reference]`` tables (and their comment block)."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        m = _HEADER.match(line)
        if m:
            name = m.group(1).strip('"')
            skipping = name == "reference" or name.startswith("reference.")
            if skipping:  # the comment block right above belongs to it
                while out and (out[-1].lstrip().startswith("#")
                               or not out[-1].strip()):
                    out.pop()
        if not skipping:
            out.append(line)
    return "".join(out).rstrip() + "\n"


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        raise ValueError(x)
    return repr(float(round(x, 6)))


def with_reference(text: str, period: str, level: str, source: str,
                   quantiles: dict[str, tuple[float, float]],
                   reporting_beta=None) -> str:
    """A model file's text with ``[reference]`` set to these quantiles.

    Any existing ``[reference]`` is replaced; everything else (comments
    included) is kept. The quantiles are in each indicator's own units.

    Examples
    --------
    >>> text = '[model]\\nname = "m"\\n'
    >>> out = with_reference(text, "2025", "block", "test", {"a": (0.0, 0.5)})
    >>> tomllib.loads(out)["reference"]["indicators"]["a"]
    {'q05': 0.0, 'q95': 0.5}
    >>> again = with_reference(out, "2026", "block", "t", {})
    >>> again.count("\\n[reference]\\n"), tomllib.loads(again)["reference"]["period"]
    (1, '2026')
    """
    body = _without_reference(text)
    lines = [
        "",
        "# ---------------------------------------------------------------------------",
        "# [reference]: the fixed yardstick of the scores. q05 maps to 0 and q95 to 1",
        "# (robust_minmax), in each indicator's own units, the same for every period,",
        "# so a uniform rise in needs raises pressure everywhere. Written by",
        f"#   veerkracht compute --set-reference {period}",
        "# ---------------------------------------------------------------------------",
        "[reference]",
        f'period = "{period}"',
        f'level = "{level}"',
        f"source = {_toml_string(source)}",
        "",
    ]
    if reporting_beta is not None:
        lines += ["# expected reporting rate: log E[signals] = log(dwelling-years)",
                  "# + b0 + b . (any need, 2+ needs, moved in < 1 year, >= 10 years,",
                  "# log entrance size), fitted on the reference period",
                  "[reference.reporting]",
                  "beta = [" + ", ".join(_fmt(b) for b in reporting_beta) + "]", ""]
    for name, (lo, hi) in quantiles.items():
        lines += [f"[reference.indicators.{name}]", f"q05 = {_fmt(lo)}",
                  f"q95 = {_fmt(hi)}", ""]
    return body + "\n".join(lines)


def _toml_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def model_hash(raw: bytes) -> str:
    """First 16 hex digits of the SHA-256 of the model file."""
    return hashlib.sha256(raw).hexdigest()[:16]


def load_model(path: str | os.PathLike[str] | None = None) -> ModelSpec:
    """Load and validate a model file; ``None`` loads the shipped default.

    Raises
    ------
    ModelError
        When the file is missing, is no valid TOML, or fails validation.
    """
    raw = model_bytes(path)
    name = DEFAULT_MODEL if path is None else Path(path).name
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ModelError(["het bestand is geen UTF-8-tekst"], name) from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelError([f"geen geldige TOML ({exc})"], name) from None
    return parse_model(data, model_hash(raw), source=name)
