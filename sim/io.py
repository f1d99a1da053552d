"""Atomic file writes: write to a temporary sibling, then rename over the target."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def jsonable(value: Any) -> Any:
    """Plain-JSON form of numpy scalars, NaN/inf (→ None), tuples, paths and nested containers."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as pretty, key-sorted, strict JSON, atomically."""
    text = json.dumps(jsonable(data), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    _atomic(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8), atomically."""
    _atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data``, atomically."""
    _atomic(path, lambda tmp: tmp.write_bytes(data))


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as Parquet (no index), atomically."""
    _atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))
