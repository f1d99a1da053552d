"""Regression benchmarks: re-run golden scenarios, fail when a KPI leaves its tolerance band.

The bench file (``scenarios/benchmarks.yaml``) lists scenarios with seeds, overrides and the
expected value and tolerance of each watched KPI. ``yinqi bench --update`` rewrites the expected
values from a fresh run (review the diff before committing it).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import Field, ValidationError

from sim.config import Frozen, format_validation_error, read_yaml
from sim.kernel.errors import ScenarioError
from sim.runner import run_scenario

log = logging.getLogger(__name__)


class Band(Frozen):
    """Expected value of one KPI and the absolute tolerance around it."""

    expected: float
    tolerance: float = Field(ge=0)


class Benchmark(Frozen):
    """One golden scenario run."""

    name: str
    scenario: str = Field(description="scenario file, relative to the bench file")
    seed: int = Field(ge=0)
    overrides: tuple[str, ...] = ()
    kpis: dict[str, Band] = Field(min_length=1)


class BenchFile(Frozen):
    """The whole bench file."""

    benchmarks: tuple[Benchmark, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Check:
    """One KPI of one benchmark against its band."""

    benchmark: str
    kpi: str
    expected: float
    tolerance: float
    measured: float | None

    @property
    def ok(self) -> bool:
        """Within the band (a missing or NaN measurement is out)."""
        if self.measured is None or math.isnan(self.measured):
            return False
        return abs(self.measured - self.expected) <= self.tolerance


def load_bench(path: Path) -> BenchFile:
    """Parse and validate a bench file."""
    try:
        return BenchFile.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {format_validation_error(exc, BenchFile)}") from None


def run_bench(path: Path, out: Path, only: str | None = None) -> list[Check]:
    """Run every benchmark (or just ``only``) and compare its KPIs with their bands."""
    spec = load_bench(path)
    checks: list[Check] = []
    for bench in spec.benchmarks:
        if only and bench.name != only:
            continue
        log.info("benchmark %s: %s seed %d", bench.name, bench.scenario, bench.seed)
        result = run_scenario(
            path.parent / bench.scenario,
            seed=bench.seed,
            overrides=bench.overrides,
            out=out,
            progress=False,
        )
        for kpi, band in bench.kpis.items():
            measured = result.kpis.get(kpi)
            value = None if measured is None else float(measured)
            checks.append(Check(bench.name, kpi, band.expected, band.tolerance, value))
    if only and not checks:
        raise ScenarioError(f"{path}: no benchmark named {only!r}")
    return checks


def update_bench(path: Path, checks: list[Check]) -> None:
    """Rewrite the expected values in ``path`` with the measured ones (tolerances kept)."""
    data = read_yaml(path)
    measured = {(c.benchmark, c.kpi): c.measured for c in checks}
    for bench in data["benchmarks"]:
        for kpi, band in bench["kpis"].items():
            value = measured.get((bench["name"], kpi))
            if value is not None:
                band["expected"] = round(value, 6)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    header = "".join(line for line in path.read_text().splitlines(True) if line.startswith("#"))
    path.write_text(header + text, encoding="utf-8")
