"""Compile ``contracts/src`` once per source hash with the pinned solc-js and load the artifacts.

The cache key covers every ``.sol`` file, the build script and the pinned npm lock, so a changed
source, compiler or OpenZeppelin version rebuilds; an unchanged tree loads the cached JSON.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sim.kernel.errors import ChainError

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
SOURCE_DIR = PACKAGE_DIR / "src"
BUILD_SCRIPT = PACKAGE_DIR / "build.js"


@dataclass(frozen=True)
class Artifact:
    """A compiled contract: its ABI and creation bytecode (0x-prefixed hex)."""

    name: str
    abi: tuple[dict[str, Any], ...]
    bytecode: str

    @property
    def bytecode_hash(self) -> str:
        """sha256 of the creation bytecode (run provenance)."""
        return hashlib.sha256(bytes.fromhex(self.bytecode[2:])).hexdigest()


def build_dir() -> Path:
    """Artifact cache directory: ``$YINQI_BUILD_DIR/contracts`` or ``<project>/build/contracts``."""
    base = os.environ.get("YINQI_BUILD_DIR")
    return (Path(base) if base else PROJECT_ROOT / "build") / "contracts"


def artifacts_hash() -> str:
    """Hash of everything that decides the compiled output."""
    digest = hashlib.sha256()
    inputs = [*sorted(SOURCE_DIR.glob("*.sol")), BUILD_SCRIPT, PROJECT_ROOT / "package-lock.json"]
    for path in inputs:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:20]


def _compile(out: Path) -> None:
    node = shutil.which("node")
    if node is None:
        raise ChainError(
            "node not found on PATH: needed to compile contracts (run `make bootstrap`)"
        )
    if not (PROJECT_ROOT / "node_modules" / "solc").is_dir():
        raise ChainError("node_modules/solc missing: run `make bootstrap` (npm ci)")
    log.info("compiling contracts -> %s", out)
    done = subprocess.run(
        [node, str(BUILD_SCRIPT), str(out)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise ChainError(f"solc build failed (exit {done.returncode}): {done.stderr.strip()}")


@cache
def load_artifacts() -> dict[str, Artifact]:
    """All compiled contracts by name, compiling first if the cache misses."""
    path = build_dir() / f"{artifacts_hash()}.json"
    if not path.exists():
        _compile(path)
    data = json.loads(path.read_text())
    return {
        name: Artifact(name, tuple(entry["abi"]), entry["bytecode"])
        for name, entry in data["contracts"].items()
    }


def load_artifact(name: str) -> Artifact:
    """One compiled contract by name, e.g. ``load_artifact("ReceivableLedger")``."""
    artifacts = load_artifacts()
    if name not in artifacts:
        raise ChainError(f"contract {name!r} not in build (have: {', '.join(sorted(artifacts))})")
    return artifacts[name]
