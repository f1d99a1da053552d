"""Figures of a sensitivity study: Sobol' bars (first and total order with CIs), Morris tornado.

Object-oriented matplotlib only (``Figure()``; no pyplot state, no backend switching).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def _short(name: str) -> str:
    """The last two parts of a dotted key (``innovated.pd_cutoff``) for axis labels."""
    return ".".join(name.split(".")[-2:])


def sobol_bars(rows: pd.DataFrame, kpi: str) -> Figure:
    """Grouped bars of S1 and ST per parameter, with their confidence intervals."""
    fig = Figure(figsize=(7, 0.6 * len(rows) + 2.2), layout="constrained")
    ax = fig.add_subplot()
    rows = rows.sort_values("ST")
    y = np.arange(len(rows))
    ax.barh(y + 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label="first order S1", capsize=3)
    ax.barh(y - 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label="total order ST", capsize=3)
    ax.set_yticks(y, [_short(p) for p in rows["parameter"]])
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("Sobol' index (share of the variance of the seed means)")
    ax.set_title(f"{kpi}\nnoise share {rows['noise_share'].iloc[0]:.2f}", fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def morris_tornado(rows: pd.DataFrame, kpi: str) -> Figure:
    """Tornado of Morris ``mu_star`` (largest on top) with its CI, ``sigma`` as markers."""
    fig = Figure(figsize=(7, 0.5 * len(rows) + 2.2), layout="constrained")
    ax = fig.add_subplot()
    rows = rows.sort_values("mu_star")
    y = np.arange(len(rows))
    ax.barh(y, rows["mu_star"], xerr=rows["mu_star_conf"], capsize=3, label="mu* (mean |effect|)")
    ax.plot(rows["sigma"], y, "kD", markersize=4, label="sigma (interaction / non-linearity)")
    ax.set_yticks(y, [_short(p) for p in rows["parameter"]])
    ax.set_xlabel(f"elementary effect on {_short(kpi)} (KPI units per unit range)")
    ax.set_title(f"{kpi}\nnoise share {rows['noise_share'].iloc[0]:.2f}", fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def write_figures(indices: pd.DataFrame, method: str, out: Path) -> list[Path]:
    """One PNG per analysed KPI of a study's ``indices`` (``method`` sobol | morris) under
    ``out/figures``; their paths."""
    folder = out / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    draw = sobol_bars if method == "sobol" else morris_tornado
    paths = []
    for kpi, rows in indices.groupby("kpi", sort=False):
        path = folder / f"{method}_{re.sub(r'[^A-Za-z0-9_.-]', '_', str(kpi))}.png"
        draw(rows, str(kpi)).savefig(path, dpi=110)
        paths.append(path)
    return paths
