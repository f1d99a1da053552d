"""Parameter sweeps: grid/zip points × Monte Carlo seeds, on a process pool or a Dask cluster.

Every task is a plain ``run_scenario`` call in a worker (components start and stop inside it).
A task's run directory is named by a key derived from the resolved config, the seed and the code
version, so re-running a sweep skips what already finished and retries what failed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import Field, ValidationError, model_validator
from tqdm import tqdm

from sim import io as sio
from sim.config import Frozen, format_validation_error, load_scenario, read_yaml
from sim.kernel.errors import ScenarioError, SchedulerError
from sim.runner import _git_sha, load_results, run_scenario

log = logging.getLogger(__name__)
#: How long a sweep waits for the Dask scheduler it was pointed at before giving up.
SCHEDULER_TIMEOUT_S = 5.0


class SweepSpec(Frozen):
    """A sweep file: which scenario, which parameter points, which seeds."""

    scenario: str = Field(description="scenario file, relative to the sweep file")
    seeds: tuple[int, ...] = Field(min_length=1, description="Monte Carlo replicate seeds")
    overrides: tuple[str, ...] = Field(default=(), description="applied to every point")
    grid: dict[str, tuple[Any, ...]] = Field(default_factory=dict, description="cartesian product")
    zip: dict[str, tuple[Any, ...]] = Field(default_factory=dict, description="parallel lists")

    @model_validator(mode="after")
    def _zip_lengths(self) -> SweepSpec:
        lengths = {len(v) for v in self.zip.values()}
        if len(lengths) > 1:
            raise ValueError(f"zip: lists have lengths {sorted(lengths)}, must all be equal")
        if any(len(v) == 0 for v in self.grid.values()):
            raise ValueError("grid: every key needs at least one value")
        return self

    def points(self) -> Iterator[dict[str, Any]]:
        """Parameter points: the grid's product, each combined with every zip row."""
        grid_keys = list(self.grid)
        zip_rows = list(zip(*self.zip.values(), strict=True)) if self.zip else [()]
        for combo in itertools.product(*(self.grid[k] for k in grid_keys)):
            for row in zip_rows:
                yield {
                    **dict(zip(grid_keys, combo, strict=True)),
                    **dict(zip(self.zip, row, strict=True)),
                }


@dataclass(frozen=True)
class Task:
    """One run of a sweep: a point and a seed, with its stable key."""

    point_id: int
    seed: int
    params: dict[str, Any]
    overrides: tuple[str, ...]
    key: str


def _override(key: str, value: Any) -> str:
    return f"{key}={json.dumps(value)}"


def plan(spec: SweepSpec, scenario: Path) -> list[Task]:
    """Expand a spec into tasks; every point is validated before anything runs."""
    code = _git_sha() or "no-git"
    tasks = []
    for point_id, params in enumerate(spec.points()):
        overrides = (*spec.overrides, *(_override(k, v) for k, v in params.items()))
        for seed in spec.seeds:
            config = load_scenario(scenario, seed=seed, overrides=overrides)
            digest = hashlib.sha256(f"{config.config_hash()}|{code}".encode()).hexdigest()[:12]
            tasks.append(Task(point_id, seed, params, overrides, f"{config.name}-{digest}"))
    return tasks


def _run_task(scenario: str, task: Task, out: str) -> dict[str, Any]:
    """Worker entry point (module level: picklable for process pools and Dask)."""
    try:
        result = run_scenario(
            scenario,
            seed=task.seed,
            overrides=task.overrides,
            out=out,
            progress=False,
            run_name=task.key,
        )
        return {"status": result.status, "kpis": result.kpis, "error": None}
    except Exception as exc:  # a failed run is a row of the sweep, not the end of it
        return {"status": "failed", "kpis": {}, "error": f"{type(exc).__name__}: {exc}"}


def _finished(out: Path, task: Task) -> dict[str, Any] | None:
    if not (out / task.key / "summary.json").is_file():
        return None
    done = load_results(out / task.key)
    return {"status": "ok", "kpis": done.kpis, "error": None} if done.status == "ok" else None


def load_spec(path: Path) -> SweepSpec:
    """Parse and validate a sweep file."""
    try:
        return SweepSpec.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {format_validation_error(exc, SweepSpec)}") from None


def run_sweep(
    path: Path, out: Path, workers: int = 2, scheduler: str | None = None
) -> pd.DataFrame:
    """Run a sweep file; returns (and writes ``out/sweep.parquet``) one row per task.

    Args:
        path: the sweep YAML.
        out: folder for the runs and the sweep table.
        workers: local worker processes (ignored with ``scheduler``).
        scheduler: address of a Dask distributed scheduler, e.g. ``tcp://host:8786``.
    """
    spec = load_spec(path)
    scenario = (path.parent / spec.scenario).resolve()
    tasks = plan(spec, scenario)
    runs = out / "runs"
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for task in tasks:
        done = _finished(runs, task)
        if done is not None:
            results[task.key] = done
        else:
            todo.append(task)
    log.info("sweep: %d tasks, %d already finished, %d to run", len(tasks), len(results), len(todo))
    if todo:
        results.update(_execute(todo, str(scenario), str(runs), workers, scheduler))
    frame = _table(tasks, results, runs)
    sio.write_parquet(out / "sweep.parquet", frame)
    return frame


def _execute(
    todo: list[Task], scenario: str, runs: str, workers: int, scheduler: str | None
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    bar = tqdm(total=len(todo), desc="sweep", unit="run", disable=None)
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except OSError as exc:
            raise SchedulerError(
                f"--scheduler {scheduler}: no Dask scheduler answered within "
                f"{SCHEDULER_TIMEOUT_S:g} s ({exc})"
            ) from None
        with client:
            futures = {client.submit(_run_task, scenario, t, runs, pure=False): t for t in todo}
            for future in dask_completed(futures):
                results[futures[future].key] = future.result()
                bar.update(1)
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            pending = {pool.submit(_run_task, scenario, t, runs): t for t in todo}
            for future in as_completed(pending):
                results[pending[future].key] = future.result()
                bar.update(1)
    bar.close()
    return results


def _table(tasks: list[Task], results: dict[str, dict[str, Any]], runs: Path) -> pd.DataFrame:
    rows = []
    for task in tasks:
        outcome = results[task.key]
        rows.append(
            {
                "point": task.point_id,
                "seed": task.seed,
                **{f"param:{k}": v for k, v in task.params.items()},
                "status": outcome["status"],
                "error": outcome["error"],
                "run_dir": str(runs / task.key),
                **outcome["kpis"],
            }
        )
    return pd.DataFrame(rows)
