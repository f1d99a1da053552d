"""Run directories: created atomically, stamped with the process that owns them, and read back
with a status that tells a finished run from a dead one.

A run writes ``manifest.json`` with ``status: running`` first and finalises it last. A process
killed with SIGKILL, or one whose disk filled, cannot finalise: :func:`run_status` then reports
``abandoned`` once the process named in the manifest is gone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.kernel.errors import ScenarioError


def new_run_dir(parent: Path, base_name: str) -> Path:
    """Create ``parent/base_name`` (or ``base_name.2``, ``.3``, … when taken) atomically.

    Raises:
        ScenarioError: ``parent`` is not a folder or cannot be written.
    """
    _check_parent(parent)
    for n in range(1, 10_000):
        candidate = parent / (base_name if n == 1 else f"{base_name}.{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise ScenarioError(f"--out {parent}: cannot create a run directory: {exc}") from None
        return candidate
    raise ScenarioError(f"--out {parent}: 10,000 run directories named {base_name}* exist")


def _check_parent(parent: Path) -> None:
    if parent.exists() and not parent.is_dir():
        raise ScenarioError(f"--out {parent}: is a file, not a folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"--out {parent}: cannot create the folder: {exc}") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ScenarioError(f"--out {parent}: not writable")


def _start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def owner() -> dict[str, Any]:
    """Who runs this process: host, pid and its start time, for the manifest."""
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "pid_start": _start_ticks(os.getpid()),
    }


def _owner_alive(manifest: dict[str, Any]) -> bool | None:
    """Whether the process in the manifest still runs; None when this host cannot tell."""
    who = manifest.get("owner") or {}
    if who.get("host") != socket.gethostname() or not isinstance(who.get("pid"), int):
        return None
    try:
        os.kill(who["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    started = _start_ticks(who["pid"])
    return who.get("pid_start") is None or started == who.get("pid_start")


@dataclass(frozen=True)
class RunStatus:
    """What a run directory says about its run."""

    run_dir: Path
    status: str
    scenario: str | None = None
    seed: int | None = None
    started_utc: str | None = None
    wall_time_s: float | None = None
    error: str | None = None


def run_status(run_dir: Path) -> RunStatus:
    """The status of one run directory: ``ok``, ``failed``, ``running``, ``abandoned`` (its
    process is gone without finalising), ``running?`` (owned by another host) or
    ``unreadable``."""
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return RunStatus(run_dir, "unreadable", error=f"manifest.json: {exc}")
    status = str(manifest.get("status"))
    error = manifest.get("error")
    if status == "running":
        alive = _owner_alive(manifest)
        if alive is False:
            status, error = "abandoned", "the run's process ended without finalising the manifest"
        elif alive is None:
            status = "running?"
    return RunStatus(
        run_dir,
        status,
        manifest.get("scenario"),
        manifest.get("seed"),
        manifest.get("started_utc"),
        manifest.get("wall_time_s"),
        error,
    )


def list_runs(paths: list[Path]) -> list[RunStatus]:
    """Statuses of the run directories given, or of those found directly inside given folders,
    oldest first."""
    found: list[RunStatus] = []
    for path in paths:
        if (path / "manifest.json").is_file():
            found.append(run_status(path))
        elif path.is_dir():
            found += [
                run_status(p) for p in sorted(path.iterdir()) if (p / "manifest.json").exists()
            ]
        else:
            raise ScenarioError(f"{path}: neither a run directory nor a folder of runs")
    return sorted(found, key=lambda s: (s.started_utc or "", str(s.run_dir)))


def utc_stamp() -> str:
    """Now in UTC as in run ids (``20251201T120000Z``)."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
