"""Parameter sweeps: design points × Monte Carlo seeds, on warm worker processes or on Dask.

Every task is a plain ``run_scenario`` call in a worker (components start and stop inside it).
A task's run directory is named by a key derived from the resolved config, the seed and the code
version, so re-running a sweep skips what already finished and retries what failed. Tasks run
replicate-major (every point's first seed, then every point's second seed, ...), so the rows of a
sweep stopped half-way are still a sample of the whole design; a failed run is a row with its
error and the sweep goes on. Sweeps run case 1 on the in-process ledger
(:data:`SWEEP_LEDGER`) unless the sweep file sets ``supply_chain.ledger.adapter`` itself.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import pandas as pd
from pydantic import Field, ValidationError, model_validator

from sim import io as sio
from sim.config import Frozen, format_validation_error, load_scenario, read_yaml
from sim.kernel.errors import ScenarioError
from sim.runner import _git_sha, load_results
from sim.sweep_design import Design, ParameterRange, sampled_points
from sim.sweep_pool import Task, WarmPool, execute

log = logging.getLogger(__name__)
#: Ledger adapter of case 1 in sweeps and sensitivity studies unless the sweep file sets
#: ``supply_chain.ledger.adapter``: the in-process EVM (same bytecode as Anvil, no node to start,
#: flat block cost), as issue 14 asks; ``yinqi run`` keeps the scenario's own (Anvil by default).
SWEEP_LEDGER: str | None = "revm"
LEDGER_KEY = "supply_chain.ledger.adapter"


class SweepSpec(Frozen):
    """A sweep file: which scenario, which design of parameter points, which seeds."""

    scenario: str = Field(description="scenario file, relative to the sweep file")
    seeds: tuple[int, ...] = Field(min_length=1, description="Monte Carlo replicate seeds")
    overrides: tuple[str, ...] = Field(default=(), description="applied to every point")
    design: Design = Field(default="grid", description="grid | zip | lhs | sobol")
    grid: dict[str, tuple[Any, ...]] = Field(default_factory=dict, description="cartesian product")
    zip: dict[str, tuple[Any, ...]] = Field(default_factory=dict, description="parallel lists")
    parameters: dict[str, ParameterRange] = Field(
        default_factory=dict, description="ranges sampled by design lhs | sobol"
    )
    points: int | None = Field(default=None, ge=1, le=100_000, description="lhs | sobol points")
    design_seed: int = Field(default=0, ge=0, description="seed of the lhs | sobol sampler")
    reports: bool = Field(
        default=False,
        description="write each run's report.html and figures (off: the same results, and the "
        "seconds a run spends drawing are saved; the sweep table is a sweep's result)",
    )

    @model_validator(mode="after")
    def _design_keys(self) -> Self:
        if self.design in ("lhs", "sobol"):
            if self.grid or self.zip:
                raise ValueError(f"design: {self.design} takes parameters, not grid/zip lists")
            if not self.parameters or self.points is None:
                raise ValueError(f"design: {self.design} needs parameters (ranges) and points")
            return self
        if self.parameters or self.points is not None:
            raise ValueError(f"design: {self.design} takes lists; parameters/points need lhs|sobol")
        if self.design == "zip" and (self.grid or not self.zip):
            raise ValueError("design: zip takes zip lists only (use design: grid to combine)")
        lengths = {len(v) for v in self.zip.values()}
        if len(lengths) > 1:
            raise ValueError(f"zip: lists have lengths {sorted(lengths)}, must all be equal")
        if any(len(v) == 0 for v in self.grid.values()):
            raise ValueError("grid: every key needs at least one value")
        return self

    def point_list(self) -> list[dict[str, Any]]:
        """The design's parameter points, in a fixed order (same file ⇒ same points)."""
        if self.design in ("lhs", "sobol"):
            assert self.points is not None  # checked by the validator
            try:
                return sampled_points(self.design, self.parameters, self.points, self.design_seed)
            except ValueError as exc:
                raise ScenarioError(str(exc)) from None
        grid_keys = list(self.grid)
        zip_rows = list(zip(*self.zip.values(), strict=True)) if self.zip else [()]
        return [
            {**dict(zip(grid_keys, combo, strict=True)), **dict(zip(self.zip, row, strict=True))}
            for combo in itertools.product(*(self.grid[k] for k in grid_keys))
            for row in zip_rows
        ]


@dataclass(frozen=True)
class Plan:
    """Every task of a sweep in run order, with what identifies the inputs."""

    tasks: list[Task]
    scenario_hash: str
    code_version: str
    design: str


def _override(key: str, value: Any) -> str:
    return f"{key}={json.dumps(value)}"


def _sets(overrides: Sequence[str], key: str) -> bool:
    return any(item.partition("=")[0].strip() == key for item in overrides)


def default_overrides(
    scenario: Path, overrides: Sequence[str], ledger: str | None = SWEEP_LEDGER
) -> tuple[str, ...]:
    """The sweep's overrides with the sweep ledger added when the scenario has case 1 and the
    sweep sets no ``supply_chain.ledger.adapter`` (points are checked by :func:`plan`)."""
    if ledger is None or _sets(overrides, LEDGER_KEY) or "supply_chain" not in read_yaml(scenario):
        return tuple(overrides)
    return (f"{LEDGER_KEY}={ledger}", *overrides)


def scenario_hash(scenario: Path) -> str:
    """Hash of the scenario file's bytes (provenance of a sweep's input)."""
    return hashlib.sha256(scenario.read_bytes()).hexdigest()[:16]


def plan(
    spec: SweepSpec,
    scenario: Path,
    points: list[dict[str, Any]] | None = None,
    ledger: str | None = SWEEP_LEDGER,
    design: str | None = None,
) -> Plan:
    """Expand a spec into tasks, replicate-major; every task is validated before anything runs.

    Args:
        spec: the sweep file.
        scenario: the scenario file it names.
        points: parameter points to run instead of the spec's design (sensitivity designs).
        ledger: case 1's ledger adapter when the sweep does not set one (None: the scenario's).
        design: the name recorded for ``points`` (e.g. ``morris``); default the spec's design.
    """
    code = _git_sha() or "no-git"
    points = spec.point_list() if points is None else points
    tasks = []
    for replicate, seed in enumerate(spec.seeds):
        for point_id, params in enumerate(points):
            sets = (*spec.overrides, *(_override(k, v) for k, v in params.items()))
            overrides = default_overrides(scenario, sets, ledger)
            config = load_scenario(scenario, seed=seed, overrides=overrides)
            digest = hashlib.sha256(f"{config.config_hash()}|{code}".encode()).hexdigest()[:12]
            adapter = config.supply_chain.ledger.adapter if config.supply_chain else None
            tasks.append(
                Task(
                    point_id,
                    replicate,
                    seed,
                    params,
                    overrides,
                    f"{config.name}-{digest}",
                    config.config_hash(),
                    adapter,
                    spec.reports,
                )
            )
    return Plan(tasks, scenario_hash(scenario), code, design or spec.design)


def _finished(out: Path, task: Task) -> dict[str, Any] | None:
    if not (out / task.key / "summary.json").is_file():
        return None
    done = load_results(out / task.key)
    if done.status != "ok" or (task.report and not done.report_path.is_file()):
        return None  # failed, or a report is asked for now and the run has none: run it again
    wall = done.manifest.get("wall_time_s")
    return {"status": "ok", "kpis": done.kpis, "error": None, "wall_time_s": wall}


def load_spec(path: Path) -> SweepSpec:
    """Parse and validate a sweep file."""
    try:
        return SweepSpec.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {format_validation_error(exc, SweepSpec)}") from None


def run_sweep(
    path: Path,
    out: Path,
    workers: int = 2,
    scheduler: str | None = None,
    pool: WarmPool | None = None,
) -> pd.DataFrame:
    """Run a sweep file; returns (and writes ``out/sweep.parquet``) one row per task.

    Args:
        path: the sweep YAML.
        out: folder for the runs and the sweep table.
        workers: local worker processes (ignored with ``scheduler`` or ``pool``).
        scheduler: address of a Dask distributed scheduler, e.g. ``tcp://host:8786``.
        pool: warm worker processes to reuse (kept open); by default a pool lives for this sweep.
    """
    spec = load_spec(path)
    scenario = (path.parent / spec.scenario).resolve()
    return run_plan(plan(spec, scenario), scenario, out, workers, scheduler, pool)


def run_plan(
    sweep: Plan,
    scenario: Path,
    out: Path,
    workers: int = 2,
    scheduler: str | None = None,
    pool: WarmPool | None = None,
) -> pd.DataFrame:
    """Run the unfinished tasks of a plan and write ``out/sweep.parquet`` (also when stopped:
    then with the rows finished so far, in run order)."""
    runs = out / "runs"
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for task in sweep.tasks:
        done = _finished(runs, task)
        if done is not None:
            results[task.key] = done
        else:
            todo.append(task)
    log.info(
        "sweep: %d tasks, %d finished before, %d to run", len(sweep.tasks), len(results), len(todo)
    )
    try:
        if todo:
            execute(todo, str(scenario), str(runs), results, workers, scheduler, pool)
    finally:
        frame = table(sweep, results, runs)
        sio.write_parquet(out / "sweep.parquet", frame)
    return frame


def table(sweep: Plan, results: dict[str, dict[str, Any]], runs: Path) -> pd.DataFrame:
    """One row per finished task, in run order: ids, provenance, parameters, outcome, KPIs."""
    rows = []
    for order, task in enumerate(sweep.tasks):
        outcome = results.get(task.key)
        if outcome is None:
            continue
        rows.append(
            {
                "point": task.point_id,
                "seed": task.seed,
                **{f"param:{k}": v for k, v in task.params.items()},
                "status": outcome["status"],
                "error": outcome["error"],
                "run_dir": str(runs / task.key),
                "replicate": task.replicate,
                "order": order,
                "run_key": task.key,
                "design": sweep.design,
                "scenario_hash": sweep.scenario_hash,
                "config_hash": task.config_hash,
                "code_version": sweep.code_version,
                "ledger": task.ledger,
                "wall_time_s": outcome.get("wall_time_s"),
                **outcome["kpis"],
            }
        )
    return pd.DataFrame(rows)
