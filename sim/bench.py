"""Distributional regression benchmarks: each watched KPI's distribution over a seed set.

The bench file (``scenarios/benchmarks.yaml``) lists golden scenarios, each with a fixed seed set,
overrides and, per watched KPI, its golden values on those seeds (with their mean and sd). A check
re-runs the seed set and tests whether the KPI's mean moved (:func:`kpi_test`):

- same seed set as the golden: a paired t-test on the per-seed differences (same random streams,
  so a behaviour change shows on every seed and seed noise cancels);
- another seed set: Welch's two-sample t-test against the golden mean, sd and n.

A benchmark fails when a KPI's p-value is below ``alpha / K`` (Bonferroni over its K KPIs) and the
mean moved by more than the KPI's ``tolerance`` (floating-point noise across library versions), so
a seed-set change alone fails with probability at most ``alpha`` per benchmark. Wall time per run
is recorded; a slowdown beyond ``wall_time_tolerance`` is a warning, never a failure.
``yinqi bench --update`` rewrites the goldens from a fresh run and returns the diff.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import Field, ValidationError, model_validator
from scipy import stats

from sim.config import Frozen, format_validation_error, read_yaml
from sim.kernel.errors import ScenarioError
from sim.runner import run_scenario

log = logging.getLogger(__name__)


class Golden(Frozen):
    """One KPI's golden sample: its value on each seed of the benchmark's seed set."""

    values: tuple[float, ...] = Field(default=(), description="empty: new, run --update")
    mean: float | None = None
    sd: float | None = Field(default=None, ge=0)
    tolerance: float = Field(default=0.0, ge=0, description="differences below it never fail")


class Benchmark(Frozen):
    """One golden scenario over a seed set."""

    name: str
    group: str = Field(default="full", description="quick (make test) | full (slow test)")
    scenario: str = Field(description="scenario file, relative to the bench file")
    seeds: tuple[int, ...] = Field(min_length=2)
    overrides: tuple[str, ...] = ()
    wall_time_s: float | None = Field(default=None, ge=0, description="golden mean s per run")
    kpis: dict[str, Golden] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_value_per_seed(self) -> Benchmark:
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds: {list(self.seeds)} has repeats, must be distinct")
        for kpi, golden in self.kpis.items():
            if golden.values and len(golden.values) != len(self.seeds):
                raise ValueError(
                    f"kpis.{kpi}.values: {len(golden.values)} values for "
                    f"{len(self.seeds)} seeds, must be one per seed"
                )
        return self


class BenchFile(Frozen):
    """The whole bench file."""

    alpha: float = Field(default=0.01, gt=0, lt=0.5, description="false-alarm rate per benchmark")
    wall_time_tolerance: float = Field(
        default=1.0, ge=0, description="warn above (1 + it) × golden"
    )
    benchmarks: tuple[Benchmark, ...] = Field(min_length=1)


@dataclass(frozen=True)
class KpiTest:
    """The test of one KPI's mean against its golden (``difference`` = measured − golden)."""

    method: str  # "paired" (same seeds) | "welch" (other seeds) | "missing" | "no golden"
    golden_mean: float
    golden_sd: float
    mean: float
    sd: float
    n: int
    difference: float
    p_value: float
    alpha: float
    tolerance: float
    detectable: float  # smallest shift a seed-set change detects with 80% power (Welch, golden sd)

    @property
    def ok(self) -> bool:
        """No significant change beyond the tolerance (a missing measurement is not ok)."""
        if self.method in ("missing", "no golden"):
            return False
        return abs(self.difference) <= self.tolerance or self.p_value >= self.alpha


POWER = 0.8


def kpi_test(golden: Golden, values: list[float], paired: bool, alpha: float) -> KpiTest:
    """Paired t-test (``paired``: same seeds as the golden) or Welch's t-test of the mean.

    Args:
        golden: the KPI's golden sample.
        values: the KPI on each seed of the new run (in the golden's seed order when paired).
        paired: the seeds are the golden's, so per-seed differences are tested.
        alpha: the per-KPI significance level (already divided by the number of KPIs).
    """
    x, g = np.asarray(values, dtype=float), np.asarray(golden.values, dtype=float)
    n, nan = len(x), math.nan
    g_mean = nan if golden.mean is None else golden.mean
    g_sd = nan if golden.sd is None else golden.sd
    detectable = nan
    if len(g) >= 2:
        detectable = _critical_sum(alpha, 2 * len(g) - 2) * g_sd * math.sqrt(2 / len(g))
    if len(g) < 2:
        method, mean, sd, difference, p_value = "no golden", nan, nan, nan, 0.0
    elif n < 2 or np.isnan(x).any():
        method, mean, sd, difference, p_value = "missing", nan, nan, nan, 0.0
    else:
        method = "paired" if paired else "welch"
        mean, sd = float(x.mean()), float(x.std(ddof=1))
        difference, p_value = _t_test(x, g, g_sd, paired)
    return KpiTest(
        method,
        g_mean,
        g_sd,
        mean,
        sd,
        n,
        difference,
        p_value,
        alpha,
        golden.tolerance,
        detectable,
    )


@functools.lru_cache(maxsize=256)
def _critical_sum(alpha: float, df: int) -> float:
    """t quantiles of a two-sided level-alpha test plus 80% power (the detectable shift in SEs)."""
    return float(stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(POWER, df))


def _t_test(x: np.ndarray, g: np.ndarray, golden_sd: float, paired: bool) -> tuple[float, float]:
    """(difference of means, two-sided p-value); a zero standard error gives p 1 or 0."""
    n = len(x)
    if paired:
        d = x - g
        difference, se, df = float(d.mean()), float(d.std(ddof=1) / math.sqrt(n)), n - 1.0
    else:
        difference = float(x.mean() - g.mean())
        v_new, v_old = x.var(ddof=1) / n, golden_sd**2 / len(g)
        se = math.sqrt(v_new + v_old)
        df = (v_new + v_old) ** 2 / (v_new**2 / (n - 1) + v_old**2 / (len(g) - 1)) if se else 1.0
    if se == 0:
        return difference, 1.0 if difference == 0 else 0.0
    return difference, float(2 * stats.t.sf(abs(difference) / se, df))


@dataclass(frozen=True)
class Check:
    """One KPI of one benchmark against its golden distribution."""

    benchmark: str
    kpi: str
    test: KpiTest

    @property
    def ok(self) -> bool:
        """Not a significant change of the mean (a missing or NaN measurement is not ok)."""
        return self.test.ok


@dataclass(frozen=True)
class Timing:
    """Mean wall time per run of one benchmark against its golden."""

    benchmark: str
    golden_s: float | None
    measured_s: float
    tolerance: float

    @property
    def slow(self) -> bool:
        """Slower than the golden by more than the tolerance (a warning, not a failure)."""
        return self.golden_s is not None and self.measured_s > self.golden_s * (1 + self.tolerance)


@dataclass(frozen=True)
class Sample:
    """What one benchmark measured: per-KPI values per seed, and the mean wall time per run."""

    benchmark: str
    seeds: tuple[int, ...]
    values: dict[str, list[float]]
    wall_time_s: float


@dataclass(frozen=True)
class BenchResult:
    """Every check and timing of a bench run, and the raw samples (for ``--update``)."""

    checks: list[Check]
    timings: list[Timing]
    samples: list[Sample]

    @property
    def failed(self) -> list[Check]:
        """Checks that found a change."""
        return [c for c in self.checks if not c.ok]


def load_bench(path: Path) -> BenchFile:
    """Parse and validate a bench file."""
    try:
        return BenchFile.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {format_validation_error(exc, BenchFile)}") from None


def select(
    spec: BenchFile, path: Path, only: str | None = None, group: str | None = None
) -> list[Benchmark]:
    """The benchmarks named ``only`` and/or in ``group``.

    Raises:
        ScenarioError: nothing matches.
    """
    chosen = [
        b
        for b in spec.benchmarks
        if (only is None or b.name == only) and (group is None or b.group == group)
    ]
    if not chosen:
        what = " and ".join(
            s for s in (only and f"named {only!r}", group and f"in group {group!r}") if s
        )
        raise ScenarioError(f"{path}: no benchmark {what}")
    return chosen


def measure(
    bench: Benchmark,
    path: Path,
    out: Path,
    seeds: tuple[int, ...] | None = None,
    extra: tuple[str, ...] = (),
) -> Sample:
    """Run ``bench`` on its seed set (or ``seeds``), with ``extra`` overrides after its own."""
    seeds = seeds or bench.seeds
    values: dict[str, list[float]] = {kpi: [] for kpi in bench.kpis}
    walls = []
    for seed in seeds:
        log.info("benchmark %s: %s seed %d", bench.name, bench.scenario, seed)
        result = run_scenario(
            path.parent / bench.scenario,
            seed=seed,
            overrides=(*bench.overrides, *extra),
            out=out,
            progress=False,
            report=False,  # the bands read KPIs; drawing is seconds a run
        )
        walls.append(sum(result.manifest.get("case_wall_time_s", {}).values()))
        for kpi in bench.kpis:
            value = result.kpis.get(kpi)
            values[kpi].append(float("nan") if value is None else float(value))
    return Sample(bench.name, tuple(seeds), values, float(np.mean(walls)))


def run_bench(
    path: Path,
    out: Path,
    only: str | None = None,
    group: str | None = None,
    seeds: tuple[int, ...] | None = None,
    extra: tuple[str, ...] = (),
) -> BenchResult:
    """Run the selected benchmarks and test each watched KPI against its golden distribution.

    Args:
        path: the bench file.
        out: parent folder of the run directories.
        only: just the benchmark with this name.
        group: just the benchmarks of this group (``quick``, ``full``).
        seeds: replaces every selected benchmark's seed set (a seed-set change alone must pass).
        extra: overrides applied after each benchmark's own (e.g. a deliberate behaviour shift).
    """
    spec = load_bench(path)
    checks, timings, samples = [], [], []
    for bench in select(spec, path, only, group):
        sample = measure(bench, path, out, seeds, extra)
        samples.append(sample)
        level = spec.alpha / len(bench.kpis)
        paired = sample.seeds == bench.seeds
        for kpi, golden in bench.kpis.items():
            test = kpi_test(golden, sample.values[kpi], paired=paired, alpha=level)
            checks.append(Check(bench.name, kpi, test))
        timing = Timing(bench.name, bench.wall_time_s, sample.wall_time_s, spec.wall_time_tolerance)
        if timing.slow:
            log.warning(
                "benchmark %s: %.3g s per run vs golden %.3g s (tolerance +%.0f%%)",
                bench.name,
                timing.measured_s,
                timing.golden_s,
                timing.tolerance * 100,
            )
        timings.append(timing)
    return BenchResult(checks, timings, samples)


def update_bench(path: Path, result: BenchResult) -> list[str]:
    """Rewrite the goldens measured in ``result`` (seeds, values, mean, sd, wall time).

    Tolerances, groups and comments at the top are kept. Returns the diff, one line per KPI.
    """
    data = read_yaml(path)
    by_name = {s.benchmark: s for s in result.samples}
    diff = []
    for bench in data["benchmarks"]:
        sample = by_name.get(bench["name"])
        if sample is None:
            continue
        if tuple(bench.get("seeds", ())) != sample.seeds:
            diff.append(f"{bench['name']}: seeds {bench.get('seeds')} -> {list(sample.seeds)}")
        bench["seeds"] = list(sample.seeds)
        old_wall = bench.get("wall_time_s")
        bench["wall_time_s"] = round(sample.wall_time_s, 2)
        diff.append(f"{bench['name']}: wall time per run {old_wall} -> {bench['wall_time_s']} s")
        for kpi, golden in bench["kpis"].items():
            diff.append(_rewrite(bench["name"], kpi, golden, sample.values[kpi]))
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=96)
    header = "".join(line for line in path.read_text().splitlines(True) if line.startswith("#"))
    path.write_text(header + text, encoding="utf-8")
    return diff


def _rewrite(name: str, kpi: str, golden: dict[str, Any], values: list[float]) -> str:
    new = [round(v, 6) for v in values]
    mean, sd = round(float(np.mean(new)), 6), round(float(np.std(new, ddof=1)), 6)
    old = f"{_g(golden.get('mean'))} (sd {_g(golden.get('sd'))})"
    tolerance = golden.get("tolerance", 0.0)
    golden.clear()
    golden.update(mean=mean, sd=sd, tolerance=tolerance, values=new)
    return f"{name}: {kpi} mean {old} -> {_g(mean)} (sd {_g(sd)})"


class _Dumper(yaml.SafeDumper):
    """Lists of numbers on one line (the per-seed golden values)."""


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.Node:
    flow = bool(items) and all(isinstance(v, int | float) for v in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def _g(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, int | float) else "none"


def seed_split_false_alarms(
    values: dict[str, list[float]], size: int, alpha: float, limit: int = 10_000
) -> tuple[int, int]:
    """How often the bench's Welch test fails between two disjoint seed sets of one behaviour.

    Args:
        values: per watched KPI, its value on each of the same N seeds (N >= 2 × ``size``).
        size: seeds per set (golden and new).
        alpha: the family-wise level (Bonferroni over the KPIs, as in a benchmark).
        limit: at most this many (golden, new) pairs of disjoint sets, drawn in a fixed order.

    Returns:
        ``(alarms, comparisons)``: benchmark-level failures among the comparisons.
    """
    n = len(next(iter(values.values())))
    level = alpha / len(values)
    alarms = comparisons = 0
    for golden_set in itertools.combinations(range(n), size):
        rest = [i for i in range(n) if i not in golden_set]
        for new_set in itertools.combinations(rest, size):
            failed = False
            for series in values.values():
                gold = np.asarray([series[i] for i in golden_set])
                sample = Golden(values=tuple(gold), mean=gold.mean(), sd=gold.std(ddof=1))
                test = kpi_test(sample, [series[i] for i in new_set], paired=False, alpha=level)
                failed |= not test.ok
            alarms += failed
            comparisons += 1
            if comparisons >= limit:
                return alarms, comparisons
    return alarms, comparisons
