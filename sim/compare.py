"""Compare two runs or two sweeps KPI by KPI, with paired-by-seed bootstrap confidence intervals.

A *side* is a run directory (``manifest.json`` + ``summary.json``) or a sweep folder
(``sweep.parquet``). Two sweeps are paired row by row on (point, seed), so every delta is taken
between runs that share their random streams; the 95% interval comes from a bootstrap that
resamples whole seeds (all points of a drawn seed together). Two single runs give plain deltas and
no interval. :func:`compare_modes` compares the innovated with the traditional mode inside one
side, paired within each run.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import io as sio
from sim.kernel.errors import RunError, ScenarioError

#: ``<case>.<group>.<kpi>``: the flat KPI keys of ``summary.json`` and of sweep table columns.
KPI_KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[A-Za-z0-9_]+$")
MODES = ("traditional", "innovated")
#: Bootstrap resamples and the fixed seed of their generator (same inputs ⇒ same intervals).
RESAMPLES = 2000
BOOTSTRAP_SEED = 12
LEVEL = 0.95
COLUMNS = (
    "kpi",
    "mean_a",
    "mean_b",
    "delta",
    "ci_low",
    "ci_high",
    "relative",
    "n_pairs",
    "n_seeds",
    "significant",
)


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a table of runs (rows) × KPIs (columns), with seeds and points."""

    path: Path
    kind: str  # "run" | "sweep"
    kpis: pd.DataFrame  # indexed by (point, seed), numeric KPI columns

    @property
    def cases(self) -> set[str]:
        """The product cases whose KPIs this side holds."""
        return {str(column).split(".")[0] for column in self.kpis.columns}


@dataclass(frozen=True)
class Comparison:
    """Per-KPI deltas ``b - a`` with their interval; ``note`` says how rows were paired."""

    label_a: str
    label_b: str
    table: pd.DataFrame
    note: str


def load_side(path: Path, label: str = "A") -> Side:
    """Read a run directory or a sweep folder.

    Raises:
        ScenarioError: the path is missing, or is neither a run nor a sweep, or holds no KPIs.
    """
    if not path.exists():
        raise ScenarioError(f"{label}: {path}: no such file or directory")
    if (path / "sweep.parquet").is_file():
        side = Side(path, "sweep", _sweep_kpis(path / "sweep.parquet"))
    elif (path / "summary.json").is_file() and (path / "manifest.json").is_file():
        side = Side(path, "run", _run_kpis(path, label))
    else:
        raise ScenarioError(
            f"{label}: {path}: not a run directory (manifest.json + summary.json) "
            "or a sweep folder (sweep.parquet)"
        )
    if side.kpis.empty or not len(side.kpis.columns):
        raise ScenarioError(f"{label}: {path}: no finished run with numeric KPIs")
    return side


def _run_kpis(path: Path, label: str) -> pd.DataFrame:
    from sim.runner import load_results

    try:
        result = load_results(path)
    except RunError as exc:
        raise ScenarioError(f"{label}: {exc}") from None
    if result.status != "ok":
        raise ScenarioError(f"{label}: {path}: run status is {result.status!r}, must be 'ok'")
    seed = int(result.manifest.get("seed", -1))
    values = {k: _number(v) for k, v in result.kpis.items() if KPI_KEY.match(k)}
    frame = pd.DataFrame([values], index=pd.MultiIndex.from_tuples([(0, seed)]))
    frame.index.names = ["point", "seed"]
    return frame.dropna(axis=1, how="all")


def _sweep_kpis(path: Path) -> pd.DataFrame:
    """Finished rows of a sweep table; KPI columns are found by their key shape, so provenance
    columns a newer sweep adds are ignored."""
    table = pd.read_parquet(path)
    if "seed" not in table.columns:
        raise ScenarioError(f"{path}: no 'seed' column: not a sweep table")
    if "status" in table.columns:
        table = table[table["status"] == "ok"]
    point = table["point"] if "point" in table.columns else pd.Series(0, index=table.index)
    columns = [
        c
        for c in table.columns
        if isinstance(c, str) and KPI_KEY.match(c) and pd.api.types.is_numeric_dtype(table[c])
    ]
    frame = table[columns].astype(float)
    frame.index = pd.MultiIndex.from_arrays(
        [point.astype(int).to_numpy(), table["seed"].astype(int).to_numpy()],
        names=["point", "seed"],
    )
    return frame.dropna(axis=1, how="all")


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value)


def seed_bootstrap(
    values: np.ndarray, seeds: np.ndarray, resamples: int = RESAMPLES
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of each column and its percentile interval, resampling whole seeds.

    Args:
        values: rows × columns (NaN = missing, left out of that column's mean).
        seeds: the seed of each row; rows of one seed are drawn together.
        resamples: bootstrap resamples.

    Returns:
        ``(mean, low, high)`` per column; the interval is NaN with fewer than two seeds.
    """
    values = np.asarray(values, dtype=float)
    unique, group = np.unique(seeds, return_inverse=True)
    present = ~np.isnan(values)
    sums = np.zeros((len(unique), values.shape[1]))
    counts = np.zeros_like(sums)
    np.add.at(sums, group, np.where(present, values, 0.0))
    np.add.at(counts, group, present.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums.sum(axis=0) / counts.sum(axis=0)
        if len(unique) < 2:
            nan = np.full(values.shape[1], math.nan)
            return mean, nan, nan.copy()
        rng = np.random.default_rng(BOOTSTRAP_SEED)
        weights = rng.multinomial(len(unique), np.full(len(unique), 1 / len(unique)), resamples)
        means = (weights @ sums) / (weights @ counts)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.nanpercentile(means, [tail, 100 - tail], axis=0)
    return mean, low, high


def _paired(a: pd.DataFrame, b: pd.DataFrame, seeds: np.ndarray, kpis: list[str]) -> pd.DataFrame:
    a_values, b_values = a[kpis].to_numpy(float), b[kpis].to_numpy(float)
    both = ~np.isnan(a_values) & ~np.isnan(b_values)
    a_values, b_values = np.where(both, a_values, np.nan), np.where(both, b_values, np.nan)
    delta, low, high = seed_bootstrap(b_values - a_values, seeds)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_a, mean_b = np.nanmean(a_values, axis=0), np.nanmean(b_values, axis=0)
        relative = np.where(mean_a != 0, delta / np.abs(mean_a), np.nan)
    n_seeds = [len(np.unique(seeds[both[:, k]])) for k in range(len(kpis))]
    table = pd.DataFrame(
        {
            "kpi": kpis,
            "mean_a": mean_a,
            "mean_b": mean_b,
            "delta": delta,
            "ci_low": low,
            "ci_high": high,
            "relative": relative,
            "n_pairs": both.sum(axis=0),
            "n_seeds": n_seeds,
        }
    )
    table["significant"] = (table["ci_low"] > 0) | (table["ci_high"] < 0)
    return table[table["n_pairs"] > 0].reset_index(drop=True)


def compare(a: Side, b: Side) -> Comparison:
    """Per-KPI ``B - A`` deltas over the KPIs both sides have.

    Raises:
        ScenarioError: the sides hold different cases, or no rows pair up by point and seed.
    """
    if a.cases != b.cases:
        raise ScenarioError(
            f"B: {b.path}: cases {sorted(b.cases)} differ from A's {sorted(a.cases)}: "
            "compare runs of the same cases"
        )
    kpis = sorted(set(a.kpis.columns) & set(b.kpis.columns))
    if a.kind == "run" and b.kind == "run":
        seeds = (a.kpis.index[0][1], b.kpis.index[0][1])
        note = "two single runs: plain deltas, no confidence interval"
        if seeds[0] != seeds[1]:
            note += f" (seeds differ: {seeds[0]} vs {seeds[1]})"
        rows_a, rows_b = a.kpis.reset_index(drop=True), b.kpis.reset_index(drop=True)
        return Comparison(
            a.path.name, b.path.name, _paired(rows_a, rows_b, np.zeros(1), kpis), note
        )
    common = a.kpis.index.intersection(b.kpis.index)
    if common.empty:
        raise ScenarioError(
            f"B: {b.path}: no (point, seed) row in common with A {a.path}: "
            "pair sweeps of the same seeds"
        )
    seeds = common.get_level_values("seed").to_numpy()
    table = _paired(a.kpis.loc[common], b.kpis.loc[common], seeds, kpis)
    note = (
        f"paired by (point, seed): {len(common)} pairs over {len(np.unique(seeds))} seeds; "
        f"{LEVEL:.0%} bootstrap interval resampling seeds ({RESAMPLES} resamples)"
    )
    return Comparison(a.path.name, b.path.name, table, note)


def compare_modes(side: Side) -> Comparison:
    """Innovated minus traditional per KPI inside one side, paired within each run."""
    names: dict[str, tuple[str, str]] = {}
    for column in side.kpis.columns:
        case, group, kpi = str(column).split(".")
        other = f"{case}.{MODES[0]}.{kpi}"
        if group == MODES[1] and other in side.kpis.columns:
            names[f"{case}.{kpi}"] = (other, str(column))
    if not names:
        raise ScenarioError(f"{side.path}: no KPI measured in both modes (innovated, traditional)")
    keys = sorted(names)
    trad = side.kpis[[names[k][0] for k in keys]].set_axis(keys, axis=1)
    inn = side.kpis[[names[k][1] for k in keys]].set_axis(keys, axis=1)
    seeds = side.kpis.index.get_level_values("seed").to_numpy()
    table = _paired(trad, inn, seeds, keys)
    if len(np.unique(seeds)) < 2:
        note = "one seed: plain deltas, no confidence interval"
    else:
        note = (
            f"paired within each run over {len(np.unique(seeds))} seeds; {LEVEL:.0%} bootstrap "
            f"interval resampling seeds ({RESAMPLES} resamples)"
        )
    return Comparison(MODES[0], MODES[1], table, note)


def format_table(comparison: Comparison, digits: int = 4) -> str:
    """The comparison as a plain-text table (``digits`` significant digits)."""
    short = max(len(comparison.label_a), len(comparison.label_b)) <= 12
    names = (comparison.label_a, comparison.label_b) if short else ("A", "B")
    head = ("kpi", *names, "delta", "95% CI", "rel", "n")
    rows = [head]
    for r in comparison.table.itertuples():
        ci = "—" if math.isnan(r.ci_low) else f"[{_g(r.ci_low, digits)}, {_g(r.ci_high, digits)}]"
        rel = "—" if math.isnan(r.relative) else f"{r.relative * 100:+.{digits - 1}g}%"
        mark = " *" if r.significant else ""
        rows.append(
            (
                str(r.kpi),
                _g(r.mean_a, digits),
                _g(r.mean_b, digits),
                _g(r.delta, digits) + mark,
                ci,
                rel,
                str(r.n_pairs),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _g(value: float, digits: int) -> str:
    return "nan" if math.isnan(value) else f"{value:.{digits}g}"


def figure(comparison: Comparison, title: str = "") -> Figure:
    """Forest plot: each KPI's delta relative to ``|mean A|`` with its interval."""
    rows = comparison.table[np.isfinite(comparison.table["relative"])]
    fig = Figure(figsize=(8, 1.2 + 0.22 * max(len(rows), 1)))
    ax = fig.subplots()
    scale = rows["mean_a"].abs().to_numpy()
    y = np.arange(len(rows))[::-1]
    rel = rows["relative"].to_numpy() * 100
    low = (rows["ci_low"].to_numpy() / scale) * 100
    high = (rows["ci_high"].to_numpy() / scale) * 100
    has_ci = np.isfinite(low)
    colours = np.where(rows["significant"].to_numpy(), "tab:red", "tab:blue")
    ax.errorbar(
        rel[has_ci],
        y[has_ci],
        xerr=[rel[has_ci] - low[has_ci], high[has_ci] - rel[has_ci]],
        fmt="none",
        ecolor="grey",
        label=f"{LEVEL:.0%} CI",
    )
    ax.scatter(rel, y, c=colours, s=14, zorder=3, label="delta (red: CI excludes 0)")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, rows["kpi"], fontsize=7)
    ax.set_xlabel(f"{comparison.label_b} − {comparison.label_a}, % of |{comparison.label_a}|")
    ax.set_title(title or f"{comparison.label_b} vs {comparison.label_a}", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    return fig


def write_outputs(comparison: Comparison, out: Path, stem: str = "compare") -> tuple[Path, Path]:
    """Write ``<stem>.csv`` and ``<stem>.png`` under ``out``; returns their paths."""
    csv_path, png_path = out / f"{stem}.csv", out / f"{stem}.png"
    table = comparison.table.assign(a=comparison.label_a, b=comparison.label_b)
    sio.write_text(csv_path, table.to_csv(index=False))
    buffer = io.BytesIO()
    figure(comparison).savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    sio.write_bytes(png_path, buffer.getvalue())
    return csv_path, png_path
