"""A small computed Voorbeeldstad shared by the allocation tests (built once)."""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path


@functools.cache
def city_dir() -> Path:
    from veerkracht.jobs.demo import build_demo
    from veerkracht.store import open_workspace

    folder = Path(tempfile.mkdtemp(prefix="vk-alloc-")) / "ws"
    build_demo(open_workspace(folder), seed=5, n_dwellings=1500, years=1)
    return folder


def copy_city(dest: Path) -> Path:
    shutil.copytree(city_dir(), dest)
    return dest
