"""Figures and number formatting of the dashboard (matplotlib's object API, no global backend)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.dashboard.store import glossary

COLOURS = {"innovated": "#1f77b4", "traditional": "#d62728"}
_SCALE = {"CNY": (1e-6, "¥ million"), "share": (100.0, "%")}


def kpi_title(case: str, kpi: str) -> tuple[str, str]:
    """A KPI's title in words and its axis unit, from the case's glossary."""
    entry = glossary(case).get(kpi)
    label = getattr(entry, "label", "") or kpi.replace("_", " ")
    unit = str(getattr(entry, "unit", ""))
    return label, _SCALE.get(unit, (1.0, unit))[1]


def kpi_figure(series: pd.DataFrame, case: str, kpi: str) -> Figure:
    """Monthly values of one KPI, one line per mode (innovated vs traditional)."""
    label, axis_unit = kpi_title(case, kpi)
    entry = glossary(case).get(kpi)
    scale = _SCALE.get(str(getattr(entry, "unit", "")), (1.0, ""))[0]
    fig = Figure(figsize=(5.2, 2.8), layout="constrained")
    ax = fig.add_subplot()
    rows = series[(series["case"] == case) & (series["kpi"] == kpi)]
    for mode, part in rows.groupby("mode", sort=True):
        part = part.sort_values("period")
        ax.plot(
            part["period"] + 1,
            part["value"] * scale,
            marker="o",
            markersize=3,
            label=str(mode),
            color=COLOURS.get(str(mode)),
        )
    ax.set_title(label, fontsize=10)
    ax.set_xlabel("month")
    ax.set_ylabel(axis_unit or "value")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt(v)))
    ax.grid(alpha=0.3)
    if not rows.empty:
        ax.legend(fontsize=8, frameon=False)
    return fig


def fmt(value: Any) -> str:
    """A number to 4 significant digits (no scientific notation below a billion)."""
    if not _number(value):
        return "" if _missing(value) else str(value)
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1e9:
        return f"{value:.4g}"
    digits = max(0, 3 - math.floor(math.log10(abs(value)))) if value else 0
    return f"{value:,.{digits}f}"


def formatted(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every numeric cell as text to 4 significant digits (for tables)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) or out[column].dtype == object:
            out[column] = [
                fmt(v) if _number(v) else ("" if _missing(v) else v) for v in out[column]
            ]
    return out


def _number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not _missing(value)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, numbers.Real) and math.isnan(float(value)))
