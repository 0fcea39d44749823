"""Read a model file (TOML) into a validated :class:`ModelSpec`.

The default model ships with the package
(``veerkracht/models/veerkracht-model-1.0.toml``). The model hash recorded
with every result is the SHA-256 of the file's bytes (first 16 hex digits),
so two results with the same version but a different hash came from edited
files.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from importlib import resources
from pathlib import Path

from veerkracht.analytics.model.spec import ModelError, ModelSpec, parse_model

DEFAULT_MODEL = "veerkracht-model-1.0.toml"


def default_model_bytes() -> bytes:
    """The bytes of the shipped default model."""
    return (resources.files("veerkracht") / "models" / DEFAULT_MODEL).read_bytes()


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
    if path is None:
        raw, name = default_model_bytes(), DEFAULT_MODEL
    else:
        p = Path(path)
        name = p.name
        if not p.is_file():
            raise ModelError([f"modelbestand niet gevonden: {p}"], name)
        raw = p.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ModelError(["het bestand is geen UTF-8-tekst"], name) from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelError([f"geen geldige TOML ({exc})"], name) from None
    return parse_model(data, model_hash(raw), source=name)
