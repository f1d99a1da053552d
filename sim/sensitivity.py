"""Global sensitivity of KPIs to scenario parameters: Sobol' indices or Morris screening (SALib).

A study file names a scenario, parameter ranges (as in sweep designs), the KPIs to explain and
the Monte Carlo seeds. Seeds are a noise dimension handled explicitly: every design point runs
once per seed, the indices are computed on each point's mean over the seeds (with the same
seeds at every point: common random numbers), and the table reports how much of the variance
of those means is still seed noise (``noise_share``). Sobol' uses Saltelli's sampling
(first- and total-order indices, bootstrap CIs; ``samples × (D + 2)`` points); Morris uses
``samples`` trajectories of ``D + 1`` points (elementary effects, ``mu_star`` with a CI).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim import io as sio
from sim.config import Frozen, format_validation_error, read_yaml
from sim.kernel.errors import RunError, ScenarioError
from sim.sensitivity_figures import write_figures
from sim.sweep import SweepSpec, plan, run_plan
from sim.sweep_design import ParameterRange, points_from_unit
from sim.sweep_pool import WarmPool

log = logging.getLogger(__name__)

#: ``evaluate(points, seeds)`` → one row per (point, seed): ``point``, ``seed``, ``status``, KPIs.
Evaluator = Callable[[list[dict[str, Any]], tuple[int, ...]], pd.DataFrame]


class SensitivitySpec(Frozen):
    """A sensitivity study: scenario, parameter ranges, KPIs, method and budget."""

    scenario: str | None = Field(default=None, description="scenario file, relative to this one")
    seeds: tuple[int, ...] = Field(min_length=1, description="replicates per design point")
    overrides: tuple[str, ...] = Field(default=(), description="applied to every point")
    parameters: dict[str, ParameterRange] = Field(min_length=1, description="ranges studied")
    kpis: tuple[str, ...] = Field(min_length=1, description="KPIs to explain (summary keys)")
    method: Literal["sobol", "morris"] = Field(default="sobol", description="sobol | morris")
    samples: int = Field(
        default=16, ge=2, le=65_536, description="sobol: base samples N; morris: trajectories"
    )
    levels: int = Field(default=4, ge=2, le=16, description="morris grid levels (even)")
    conf_level: float = Field(default=0.95, gt=0, lt=1, description="confidence of the CIs")
    resamples: int = Field(default=1000, ge=10, le=100_000, description="bootstrap resamples")
    design_seed: int = Field(default=0, ge=0, description="seed of sampling and bootstrap")
    reports: bool = Field(default=False, description="each run's report.html and figures")

    @model_validator(mode="after")
    def _budget(self) -> Self:
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(
                f"samples: {self.samples} must be a power of 2 for method sobol "
                "(Saltelli's scheme on a Sobol' sequence)"
            )
        if self.method == "morris" and self.levels % 2:
            raise ValueError(f"levels: {self.levels} must be even for method morris")
        return self

    @property
    def points(self) -> int:
        """Design points: ``N (D + 2)`` for Sobol', ``r (D + 1)`` for Morris."""
        extra = 2 if self.method == "sobol" else 1
        return self.samples * (len(self.parameters) + extra)

    @property
    def runs(self) -> int:
        """Runs the study costs: points × seeds."""
        return self.points * len(self.seeds)

    def problem(self) -> dict[str, Any]:
        """SALib's problem: every parameter on the unit interval (mapped to its range later)."""
        names = list(self.parameters)
        return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


@dataclass
class Study:
    """A finished study: the unit-cube design, the runs and the index table."""

    spec: SensitivitySpec
    unit: np.ndarray
    runs: pd.DataFrame
    indices: pd.DataFrame


def load_study(path: Path) -> SensitivitySpec:
    """Parse and validate a sensitivity file."""
    try:
        return SensitivitySpec.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {format_validation_error(exc, SensitivitySpec)}") from None


def unit_design(spec: SensitivitySpec) -> np.ndarray:
    """The design in the unit cube (rows = points), seeded by ``design_seed``."""
    if spec.method == "sobol":
        return sobol_sample.sample(
            spec.problem(), spec.samples, calc_second_order=False, seed=spec.design_seed
        )
    return morris_sample.sample(
        spec.problem(), spec.samples, num_levels=spec.levels, seed=spec.design_seed
    )


def run_study(spec: SensitivitySpec, evaluate: Evaluator) -> Study:
    """Sample the design, evaluate every point at every seed and compute the indices."""
    unit = unit_design(spec)
    points = points_from_unit(spec.parameters, unit)
    log.info(
        "sensitivity: %s, %d parameters, %d points × %d seeds = %d runs",
        spec.method,
        len(spec.parameters),
        len(points),
        len(spec.seeds),
        len(points) * len(spec.seeds),
    )
    runs = evaluate(points, spec.seeds)
    return Study(spec, unit, runs, analyse(spec, unit, runs))


def seed_means(spec: SensitivitySpec, runs: pd.DataFrame, kpi: str, points: int) -> np.ndarray:
    """Each point's mean of ``kpi`` over its finished seeds.

    Raises:
        RunError: the KPI is missing, or a point has no finished run.
    """
    if kpi not in runs.columns:
        raise RunError(f"kpis: {kpi!r} is not a KPI of these runs")
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point")[kpi].mean().reindex(range(points))
    missing = means.index[means.isna()].tolist()
    if missing:
        raise RunError(f"{kpi}: points {missing[:5]} have no finished run (see the runs' errors)")
    return means.to_numpy(dtype=float)


def noise_share(runs: pd.DataFrame, kpi: str, means: np.ndarray) -> float:
    """Share of the variance of the seed means that is seed noise: the mean within-point
    variance over the seeds, divided by the seed count, over the variance of the means."""
    ok = runs[runs["status"] == "ok"]
    within = ok.groupby("point")[kpi].agg(["var", "count"])
    if within["count"].max() < 2 or np.var(means, ddof=1) == 0:
        return float("nan")
    return float((within["var"] / within["count"]).mean() / np.var(means, ddof=1))


def analyse(spec: SensitivitySpec, unit: np.ndarray, runs: pd.DataFrame) -> pd.DataFrame:
    """The index table: one row per (KPI, parameter)."""
    rows = []
    for kpi in spec.kpis:
        means = seed_means(spec, runs, kpi, len(unit))
        share = noise_share(runs, kpi, means)
        if np.ptp(means) == 0:
            log.warning("sensitivity: %s is the same at every point: no indices", kpi)
            continue
        for row in _indices(spec, unit, means):
            rows.append({"kpi": kpi, **row, "noise_share": share})
    frame = pd.DataFrame(rows, columns=["kpi", "parameter", *_keys(spec), "noise_share"])
    frame.insert(2, "method", spec.method)
    frame["points"], frame["replicates"] = len(unit), len(spec.seeds)
    return frame


def _keys(spec: SensitivitySpec) -> tuple[str, ...]:
    if spec.method == "sobol":
        return ("S1", "S1_conf", "ST", "ST_conf")
    return ("mu_star", "mu_star_conf", "mu", "sigma")


def _indices(spec: SensitivitySpec, unit: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    problem = spec.problem()
    if spec.method == "sobol":
        found = sobol_analyze.analyze(
            problem,
            y,
            calc_second_order=False,
            num_resamples=spec.resamples,
            conf_level=spec.conf_level,
            seed=spec.design_seed,
        )
    else:
        found = morris_analyze.analyze(
            problem,
            unit,
            y,
            num_resamples=spec.resamples,
            conf_level=spec.conf_level,
            num_levels=spec.levels,
            seed=spec.design_seed,
        )
    return [
        {"parameter": name, **{k: float(found[k][i]) for k in _keys(spec)}}
        for i, name in enumerate(problem["names"])
    ]


def scenario_evaluator(
    spec: SensitivitySpec,
    path: Path,
    out: Path,
    workers: int = 2,
    scheduler: str | None = None,
    pool: WarmPool | None = None,
) -> Evaluator:
    """Evaluate points on the twin through the sweep machinery (``out/sweep.parquet``, resumable,
    case 1 on the sweep ledger unless the overrides set one).

    Raises:
        ScenarioError: the study names no scenario.
    """
    if spec.scenario is None:
        raise ScenarioError(f"{path}: scenario: required key is missing")
    scenario = (path.parent / spec.scenario).resolve()
    sweep = SweepSpec(
        scenario=spec.scenario, seeds=spec.seeds, overrides=spec.overrides, reports=spec.reports
    )

    def evaluate(points: list[dict[str, Any]], seeds: tuple[int, ...]) -> pd.DataFrame:
        tasks = plan(sweep, scenario, points=points, design=spec.method)
        return run_plan(tasks, scenario, out, workers, scheduler, pool)

    return evaluate


def write_study(study: Study, out: Path) -> list[Path]:
    """Write ``sensitivity.csv``, ``sensitivity.parquet`` and one figure per KPI; their paths."""
    out.mkdir(parents=True, exist_ok=True)
    sio.write_text(out / "sensitivity.csv", study.indices.to_csv(index=False))
    sio.write_parquet(out / "sensitivity.parquet", study.indices)
    figures = write_figures(study.indices, study.spec.method, out)
    return [out / "sensitivity.csv", out / "sensitivity.parquet", *figures]
