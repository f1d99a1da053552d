"""The report's monthly-KPI figure: panels titled in words, axes in units, one shared legend.

Object-oriented matplotlib only (``Figure``; no pyplot state, no backend switch), so notebooks
that import :mod:`sim` still show figures inline. Panels leave out what a reader cannot use: KPIs
constant over the run (listed in the report instead), KPIs a case figure already shows, and
periods past the horizon. Shock windows are shaded; markers annotate dated events.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.cases.kpi_glossary import label_of
from sim.kernel.calendar import Calendar
from sim.report_units import AXIS

MODE_STYLE = {"innovated": ("tab:blue", "-"), "traditional": ("tab:orange", "--")}
#: Light fills of successive shock windows (a window's colour is the same in every panel).
SHOCK_COLOURS = ("#f2c14e", "#9ecae1", "#c7e9c0", "#fdae6b", "#dadaeb", "#fcbba1")
COLUMNS = 3


@dataclass(frozen=True)
class Window:
    """A shaded span of report months (``start``/``end`` in fractional months from 0)."""

    start: float
    end: float
    label: str


@dataclass(frozen=True)
class Marker:
    """A dated event drawn on one KPI's panel and listed under the figure."""

    kpi: str
    mode: str
    period: int
    text: str


def shock_windows(case_config: Any, start: dt.date, months: int) -> list[Window]:
    """Every shock window of a case's config, in fractional report months.

    Shocks are lists of ``{start_day, end_day, magnitude}`` anywhere in the case's section (each
    case keeps them under a ``shocks`` key); a window past the horizon is dropped.
    """
    calendar = Calendar.build(start, months)
    windows = []
    for path, shock in _shocks(case_config, ()):
        if shock["start_day"] >= calendar.days:
            continue
        name = next((part for part in reversed(path) if part != "shocks"), "shock")
        label = f"{name} {shock['magnitude']:+g}"
        windows.append(
            Window(
                _month_position(calendar, shock["start_day"]),
                _month_position(calendar, min(shock["end_day"], calendar.days)),
                label,
            )
        )
    return windows


def _shocks(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    if isinstance(node, dict):
        if {"start_day", "end_day", "magnitude"} <= set(node):
            yield path, node
            return
        for key, value in node.items():
            yield from _shocks(value, (*path, str(key)))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _shocks(item, path)


def _month_position(calendar: Calendar, day: int) -> float:
    """Sim ``day`` on the figure's month axis (month m spans m - 0.5 .. m + 0.5)."""
    starts = [*calendar.month_start_days, calendar.days]
    month = calendar.month(day) if day < calendar.days else calendar.months - 1
    length = starts[month + 1] - starts[month]
    fraction = (day - starts[month]) / length if day < calendar.days else 1.0
    return month - 0.5 + fraction


def split_series(
    series: pd.DataFrame, case: str, months: int, skip: Sequence[str] = ()
) -> tuple[pd.DataFrame, dict[str, float | None]]:
    """The case's monthly points worth drawing, and the KPIs constant over the run.

    Returns:
        The rows of ``case`` with ``period < months`` whose KPI varies and is not in ``skip``;
        KPI -> its one value (None: never defined) for those that do not vary.
    """
    frame = series[(series["case"] == case) & (series["period"] < months)]
    frame = frame[~frame["kpi"].isin(list(skip))]
    constant: dict[str, float | None] = {}
    keep = []
    for name, points in frame.groupby("kpi", sort=False):
        values = points["value"].dropna().unique()
        if len(values) <= 1:
            constant[str(name)] = float(values[0]) if len(values) else None
        else:
            keep.append(name)
    return frame[frame["kpi"].isin(keep)], constant


def kpi_series_figure(
    frame: pd.DataFrame,
    case: str,
    glossary: Mapping[str, str],
    windows: Sequence[Window] = (),
    markers: Sequence[Marker] = (),
) -> Figure | None:
    """Small multiples of the monthly KPIs in ``frame``, one line per mode."""
    names = list(dict.fromkeys(frame["kpi"]))
    if not names:
        return None
    rows = math.ceil(len(names) / COLUMNS)
    fig = Figure(figsize=(12, 2.5 * rows + 0.9), layout="constrained")
    axes = fig.subplots(rows, COLUMNS, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        _panel(ax, frame[frame["kpi"] == name], name, glossary.get(name), windows)
        for marker in (m for m in markers if m.kpi == name):
            draw_marker(ax, marker)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    handles = [
        axes[0].plot([], [], style, color=colour, label=mode)[0]
        for mode, (colour, style) in MODE_STYLE.items()
        if mode in set(frame["mode"])
    ]
    handles += window_handles(windows)
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), fontsize=9)
    return fig


def shade_windows(ax: Any, windows: Sequence[Window]) -> None:
    """Shade each window on ``ax`` in its own colour (see :func:`window_handles`)."""
    for k, window in enumerate(windows):
        colour = SHOCK_COLOURS[k % len(SHOCK_COLOURS)]
        ax.axvspan(window.start, window.end, color=colour, alpha=0.35, lw=0)


def window_handles(windows: Sequence[Window]) -> list[Patch]:
    """Legend entries naming each shaded window."""
    return [
        Patch(color=SHOCK_COLOURS[k % len(SHOCK_COLOURS)], alpha=0.35, label=f"shock: {w.label}")
        for k, w in enumerate(windows)
    ]


def _panel(ax: Any, points: pd.DataFrame, name: str, entry: str | None, windows: Any) -> None:
    unit = getattr(entry, "unit", None)
    factor, axis_label = AXIS.get(unit or "", (1.0, ""))
    for mode, mode_points in points.groupby("mode", sort=True):
        colour, style = MODE_STYLE.get(str(mode), ("tab:gray", ":"))
        ordered = mode_points.sort_values("period")
        ax.plot(ordered["period"], ordered["value"] * factor, style, color=colour, marker=".")
    shade_windows(ax, windows)
    ax.set_title(label_of(name, entry), fontsize=9)
    ax.set_ylabel(axis_label, fontsize=8)
    ax.set_xlabel("month", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    ax.xaxis.get_major_locator().set_params(integer=True)
    values = points["value"].dropna()
    if len(values) and values.min() >= 0:  # magnitudes from zero: noise does not look like a trend
        ax.set_ylim(bottom=0, top=max(float(values.max() * factor) * 1.08, 1e-9))
    ax.grid(alpha=0.3)


def draw_marker(ax: Any, marker: Marker) -> None:
    """A dotted line at the marker's month and its text at the top of ``ax``."""
    colour = MODE_STYLE.get(marker.mode, ("tab:gray", ":"))[0]
    ax.axvline(marker.period, color=colour, lw=0.8, ls=":")
    ax.annotate(
        marker.text,
        xy=(marker.period, 0.97),
        xycoords=("data", "axes fraction"),
        fontsize=7,
        rotation=90,
        ha="center",
        va="top",
        color=colour,
        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour, "lw": 0.5},
    )
