"""The run store as the dashboard reads it: runs and sweeps with status, one run's totals, series
and claims, and two runs side by side. Read-only; every frame is plain pandas.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import CASE_KEYS
from sim.rundir import RunStatus, list_runs
from sim.runner import load_results

log = logging.getLogger(__name__)
MODES = ("innovated", "traditional")


@dataclass(frozen=True)
class Entry:
    """A run or a sweep of the store."""

    name: str
    kind: str
    status: str
    scenario: str | None
    seed: int | None
    started_utc: str | None
    wall_time_s: float | None
    path: Path


def _run_entry(root: Path, status: RunStatus) -> Entry:
    name = str(status.run_dir.relative_to(root))
    return Entry(
        name,
        "run",
        status.status,
        status.scenario,
        status.seed,
        status.started_utc,
        status.wall_time_s,
        status.run_dir,
    )


def _sweep_entry(root: Path, sweep_dir: Path) -> Entry:
    members = list_runs([sweep_dir])
    counts = Counter(m.status for m in members)
    status = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no runs"
    started = min((m.started_utc for m in members if m.started_utc), default=None)
    scenarios = {m.scenario for m in members}
    scenario = scenarios.pop() if len(scenarios) == 1 else None
    name = str(sweep_dir.relative_to(root))
    return Entry(name, "sweep", status, scenario, None, started, None, sweep_dir)


def entries(root: Path) -> list[Entry]:
    """Runs and sweeps directly in ``root``, oldest first (an absent folder has none)."""
    if not root.is_dir():
        return []
    found = [_run_entry(root, s) for s in list_runs([root])]
    for child in sorted(root.iterdir()):
        if (child / "sweep.parquet").is_file():
            found.append(_sweep_entry(root, child))
    return sorted(found, key=lambda e: (e.started_utc or "", e.name))


def run_dirs(root: Path) -> list[str]:
    """Every run directory of the store (sweeps' runs too), relative to ``root``."""
    names = []
    for entry in entries(root):
        if entry.kind == "run":
            names.append(entry.name)
        else:
            names += [str(s.run_dir.relative_to(root)) for s in list_runs([entry.path])]
    return names


def entries_frame(root: Path) -> pd.DataFrame:
    """:func:`entries` as a table."""
    rows = [
        {
            "name": e.name,
            "kind": e.kind,
            "status": e.status,
            "scenario": e.scenario,
            "seed": e.seed,
            "started (UTC)": e.started_utc,
            "wall time (s)": e.wall_time_s,
        }
        for e in entries(root)
    ]
    return pd.DataFrame(
        rows,
        columns=["name", "kind", "status", "scenario", "seed", "started (UTC)", "wall time (s)"],
    )


def glossary(case: str) -> dict[str, Any]:
    """The case's KPI glossary (name -> entry with ``unit`` and ``good`` where given)."""
    try:
        module = importlib.import_module(f"sim.cases.{case}.kpis")
    except ImportError:
        return {}
    return dict(getattr(module, "GLOSSARY", {}))


def _split(key: str) -> tuple[str, str, str]:
    case, group, kpi = key.split(".", 2) if key.count(".") >= 2 else (key, "", "")
    return case, group, kpi


def totals(run_dir: Path) -> pd.DataFrame:
    """Run totals, one row per (case, KPI), one column per mode, with the KPI's unit."""
    kpis = load_results(run_dir).kpis
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for key, value in kpis.items():
        case, group, kpi = _split(key)
        if group not in MODES:
            case, kpi = case, f"{group}.{kpi}"
            group = "value"
        rows.setdefault((case, kpi), {"case": case, "kpi": kpi})[group] = value
    frame = pd.DataFrame(list(rows.values()))
    if frame.empty:
        return frame
    frame["unit"] = [_unit(c, k) for c, k in zip(frame["case"], frame["kpi"], strict=True)]
    columns = ["case", "kpi", *[m for m in (*MODES, "value") if m in frame], "unit"]
    return frame[columns]


def _unit(case: str, kpi: str) -> str:
    return str(getattr(glossary(case).get(kpi), "unit", ""))


def series(run_dir: Path) -> pd.DataFrame:
    """Monthly KPI series (case, mode, period, kpi, value); empty before a case has finished."""
    path = run_dir / "kpis.parquet"
    if not path.is_file():
        return pd.DataFrame(columns=["case", "mode", "period", "kpi", "value"])
    return pd.read_parquet(path)


def claims(run_dir: Path) -> pd.DataFrame:
    """The article's claims next to what the run measured."""
    frame = pd.DataFrame(load_results(run_dir).claims)
    columns = ["case", "claim", "target", "measured", "holds", "note"]
    return frame.reindex(columns=columns)


def scenario_files(scenarios: Path, root: Path) -> list[Path]:
    """Scenario YAML files in ``scenarios``, in the store ``root`` and in ``root/scenarios``."""
    found = []
    for folder in (scenarios, root, root / "scenarios"):
        found += sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    return [p for p in found if _is_scenario(p)]


def _is_scenario(path: Path) -> bool:
    """Whether a YAML file is a scenario (it names a case), not a sweep or benchmark list."""
    try:
        head = path.read_text(encoding="utf-8")
    except OSError:
        return False
    return any(f"\n{case}:" in f"\n{head}" for case in CASE_KEYS)


def manifest(run_dir: Path) -> dict[str, Any]:
    """The run's manifest (provenance, config, status)."""
    data: dict[str, Any] = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    return data


def comparable(root: Path) -> list[str]:
    """Finished runs (sweeps' runs too) and sweeps of the store, relative to ``root``."""
    runs = [n for n in run_dirs(root) if (root / n / "summary.json").is_file()]
    return runs + [e.name for e in entries(root) if e.kind == "sweep"]


def compare(side_a: Path, side_b: Path) -> tuple[pd.DataFrame, str]:
    """Per-KPI ``B - A`` of two runs or two sweeps through :mod:`sim.compare` (two sweeps: paired
    by point and seed with a 95% bootstrap interval over seeds; two runs: plain deltas), with
    the KPI's unit and whether B moved the good way; and the comparison's note.

    Raises:
        ScenarioError: the sides cannot be compared (other cases, no common seeds, not finished).
    """
    from sim.compare import compare as paired
    from sim.compare import load_side

    result = paired(load_side(side_a, "A"), load_side(side_b, "B"))
    rows = []
    for row in result.table.itertuples(index=False):
        case, group, kpi = _split(str(row.kpi))
        entry = glossary(case).get(kpi)
        interval = f"{row.ci_low:.4g} … {row.ci_high:.4g}" if pd.notna(row.ci_low) else ""
        rows.append(
            {
                "case": case,
                "mode": group,
                "kpi": kpi,
                "A": row.mean_a,
                "B": row.mean_b,
                "B - A": row.delta,
                "95% CI": interval,
                "change %": 100 * row.relative if pd.notna(row.relative) else None,
                "unit": getattr(entry, "unit", ""),
                "better": _better(row.delta, getattr(entry, "good", "")),
            }
        )
    return pd.DataFrame(rows), result.note


def _better(delta: float, good: str) -> str:
    if delta == 0 or good not in ("higher", "lower"):
        return ""
    return "yes" if (delta > 0) == (good == "higher") else "no"
