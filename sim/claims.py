"""The source article's claims with uncertainty: every case in both modes over many seeds.

``scenarios/claims.yaml`` names, per case, a scenario with its overrides and the one or two
parameters its claims are most sensitive to. :func:`run_claims` runs, through the sweep machinery
(:func:`sim.sweep.run_sweep`), the baseline over the seed set and a one-at-a-time sweep of each
sensitivity parameter. Each run records the case's claims itself (``sim/cases/<case>/report.py``,
which compare the two modes of that run, so every claim value is paired by seed between modes);
this module reads them back from the runs and summarises each claim over seeds: the mean with a
95% bootstrap interval resampling seeds, and the share of seeds on which the claim holds with its
Wilson 95% interval. Verdict: *holds* when that interval lies above one half (the claim holds on
most seeds, with confidence), *does not hold* when it lies below, *undecided* otherwise.
"""

from __future__ import annotations

import html
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator
from scipy import stats

from sim import io as sio
from sim.cases import CASES
from sim.compare import seed_bootstrap
from sim.config import Frozen, format_validation_error, read_yaml
from sim.kernel.errors import ScenarioError
from sim.runner import load_results

log = logging.getLogger(__name__)
LEVEL = 0.95
SUMMARY = (
    "case",
    "claim",
    "target",
    "unit",
    "parameter",
    "value",
    "n_seeds",
    "mean",
    "ci_low",
    "ci_high",
    "holds_seeds",
    "holds_share_low",
    "holds_share_high",
    "verdict",
)


class CaseClaims(Frozen):
    """One case: its scenario, overrides and the parameters its claims are most sensitive to."""

    scenario: str = Field(description="scenario file, relative to the claims file")
    overrides: tuple[str, ...] = ()
    sensitivity: dict[str, tuple[Any, ...]] = Field(
        default_factory=dict, description="parameter -> values other than the scenario's"
    )

    @field_validator("sensitivity")
    @classmethod
    def _small(cls, sweep: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
        if len(sweep) > 2 or any(not 1 <= len(v) <= 3 for v in sweep.values()):
            raise ValueError("1-2 parameters with 1-3 values each")
        return sweep


class ClaimsSpec(Frozen):
    """The claims file."""

    seeds: tuple[int, ...] = Field(min_length=2, description="baseline seed set")
    sensitivity_seeds: tuple[int, ...] = Field(
        default=(), description="seeds of the sensitivity points (default: the baseline's)"
    )
    cases: dict[str, CaseClaims] = Field(min_length=1)

    @field_validator("cases")
    @classmethod
    def _known(cls, cases: dict[str, CaseClaims]) -> dict[str, CaseClaims]:
        for name in cases:
            if name not in CASES:
                raise ValueError(f"{name!r} is not a case (one of {', '.join(CASES)})")
        return cases


@dataclass(frozen=True)
class ClaimsResult:
    """Every claim value per run, and the summary per (claim, parameter point)."""

    values: pd.DataFrame
    summary: pd.DataFrame
    html_path: Path
    csv_path: Path


def load_claims_spec(path: Path) -> ClaimsSpec:
    """Parse and validate a claims file."""
    try:
        return ClaimsSpec.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {format_validation_error(exc, ClaimsSpec)}") from None


def _sweep_file(
    folder: Path,
    scenario: Path,
    seeds: tuple[int, ...],
    case: CaseClaims,
    grid: dict[str, tuple[Any, ...]],
) -> Path:
    spec: dict[str, Any] = {
        "scenario": str(scenario),
        "seeds": list(seeds),
        "overrides": list(case.overrides),
    }
    if grid:
        spec["grid"] = {k: list(v) for k, v in grid.items()}
    path = folder / "sweep.yaml"
    sio.write_text(path, json.dumps(spec, indent=2) + "\n")  # JSON is YAML
    return path


def run_claims(path: Path, out: Path, workers: int = 2) -> ClaimsResult:
    """Run every case's baseline and sensitivity sweeps; write ``claims.csv`` and ``claims.html``.

    Args:
        path: the claims file.
        out: output folder (one sweep folder per case and parameter, the report at the top).
        workers: local worker processes, shared by all sweeps.
    """
    from sim.sweep import run_sweep
    from sim.sweep_pool import WarmPool

    spec = load_claims_spec(path)
    frames = []
    with WarmPool(workers) as pool:
        for name, case in spec.cases.items():
            scenario = (path.parent / case.scenario).resolve()
            sweeps: list[tuple[str, tuple[int, ...], dict[str, tuple[Any, ...]]]] = [
                ("baseline", spec.seeds, {})
            ]
            sens_seeds = spec.sensitivity_seeds or spec.seeds
            sweeps += [(f"sens-{p}", sens_seeds, {p: v}) for p, v in case.sensitivity.items()]
            for label, seeds, grid in sweeps:
                folder = out / name / label
                table = run_sweep(
                    _sweep_file(folder, scenario, seeds, case, grid), folder, pool=pool
                )
                frames.append(claim_values(table, name, next(iter(grid), "")))
    values = pd.concat(frames, ignore_index=True)
    summary = summarise(values)
    csv_path, html_path = out / "claims.csv", out / "claims.html"
    sio.write_text(csv_path, summary.to_csv(index=False))
    sio.write_text(html_path, render_html(summary, spec))
    sio.write_parquet(out / "claim_values.parquet", values)
    return ClaimsResult(values, summary, html_path, csv_path)


def claim_values(table: pd.DataFrame, case: str, parameter: str) -> pd.DataFrame:
    """One row per (run, claim of ``case``) of a sweep table, read from each run's summary."""
    rows = []
    for error in table.loc[table["status"] != "ok", "error"]:
        log.warning("claims: a %s run failed: %s", case, error)
    for index, row in table[table["status"] == "ok"].iterrows():
        value = table.loc[index, f"param:{parameter}"] if parameter else None
        for claim in load_results(row["run_dir"]).claims:
            if claim.get("case") != case:
                continue
            measured = claim.get("measured")
            rows.append(
                {
                    "case": case,
                    "claim": claim["claim"],
                    "target": claim.get("target", ""),
                    "unit": claim.get("unit", ""),
                    "parameter": parameter or "(scenario)",
                    "value": "" if value is None else json.dumps(_plain(value)),
                    "seed": int(row["seed"]),
                    "measured": math.nan if measured is None else float(measured),
                    "holds": claim.get("holds"),
                }
            )
    return pd.DataFrame(rows)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def wilson(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of a share ``k / n`` (NaN for ``n = 0``)."""
    if n == 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def verdict(k: int, n: int) -> str:
    """*holds* / *does not hold* when the Wilson interval of ``k / n`` excludes one half."""
    low, high = wilson(k, n)
    if n == 0:
        return "not evaluated"
    return "holds" if low > 0.5 else "does not hold" if high < 0.5 else "undecided"


def summarise(values: pd.DataFrame) -> pd.DataFrame:
    """Per (case, claim, parameter, value): mean and 95% interval over seeds, share holding."""
    rows = []
    keys = ["case", "claim", "parameter", "value"]
    for key, group in values.groupby(keys, sort=False):
        measured = group["measured"].to_numpy(float)[:, None]
        mean, low, high = seed_bootstrap(measured, group["seed"].to_numpy())
        judged = group["holds"].dropna().astype(bool)
        k, n = int(judged.sum()), len(judged)
        share_low, share_high = wilson(k, n)
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "target": group["target"].iloc[0],
                "unit": group["unit"].iloc[0],
                "n_seeds": group["seed"].nunique(),
                "mean": mean[0],
                "ci_low": low[0],
                "ci_high": high[0],
                "holds_seeds": f"{k}/{n}",
                "holds_share_low": share_low,
                "holds_share_high": share_high,
                "verdict": verdict(k, n),
            }
        )
    return pd.DataFrame(rows, columns=list(SUMMARY))


def _g(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.4g}"


def render_html(summary: pd.DataFrame, spec: ClaimsSpec) -> str:
    """A self-contained page: the baseline claims table, then the sensitivity table."""
    head = (
        "case",
        "claim",
        "target",
        "unit",
        "parameter",
        "value",
        "seeds",
        "mean",
        "95% CI",
        "holds on seeds",
        "verdict",
    )

    def table(rows: pd.DataFrame) -> str:
        cells = ["<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
        for r in rows.itertuples():
            values = (
                r.case,
                r.claim,
                r.target,
                r.unit,
                r.parameter,
                r.value,
                r.n_seeds,
                _g(r.mean),
                f"[{_g(r.ci_low)}, {_g(r.ci_high)}]",
                r.holds_seeds,
                r.verdict,
            )
            cells.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in values))
        return "<table>" + "\n".join(cells) + "</table>"

    base = summary[summary["parameter"] == "(scenario)"]
    sens = summary[summary["parameter"] != "(scenario)"]
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>claims</title><style>"
        "body{font-family:sans-serif;margin:2em}td,th{border:1px solid #ccc;padding:3px 6px}"
        "table{border-collapse:collapse;font-size:13px}</style></head><body>"
        "<h1>The article's claims over seeds</h1>"
        f"<p>{len(spec.seeds)} seeds ({', '.join(map(str, spec.seeds))}), both modes per run. "
        "Each claim is computed by its case from the two modes of one run (paired by seed); "
        "mean with a 95% bootstrap interval resampling seeds; verdict from the Wilson 95% "
        "interval of the share of seeds on which the claim holds (holds: above one half; "
        "does not hold: below; else undecided).</p>"
        f"<h2>Baseline</h2>{table(base)}"
        "<h2>Sensitivity (one parameter at a time)</h2>"
        f"<p>Seeds: {', '.join(map(str, spec.sensitivity_seeds or spec.seeds))}.</p>"
        f"{table(sens)}</body></html>\n"
    )
