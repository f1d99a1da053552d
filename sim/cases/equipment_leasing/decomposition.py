"""The innovation effect of case 3 split by channel, one channel at a time.

For every channel of ``equipment_leasing.channels`` two extra runs of the innovated mode: the
channel alone switched on from the traditional base, and the innovated mode with the channel
alone switched off. With ``base`` the traditional run and ``full`` the innovated run:

* ``on_<channel>`` = KPI(only the channel) - KPI(base): what the channel does on its own;
* ``off_<channel>`` = KPI(full) - KPI(all but the channel): what it adds to the others;
* ``total_effect`` = KPI(full) - KPI(base);
* ``interaction`` = ``total_effect`` - Σ ``on_<channel>``: what the channels do together
  beyond the sum of their separate effects (so the table adds up by construction).

The extra runs go through the in-memory telemetry fake by default
(``decomposition.adapter: fake``), which gives the broker's KPIs (tested), and record nothing but
their effects: totals under the groups above, and one figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import current_process, get_all_start_methods, get_context

import numpy as np
from matplotlib.figure import Figure

from agents.equipment_leasing.population import DeviceTraits
from agents.equipment_leasing.schema import CHANNELS, EquipmentLeasingConfig
from sim.cases.base import CaseContext
from sim.cases.equipment_leasing.kpis import CASE
from sim.cases.equipment_leasing.wiring import run_quiet
from sim.recorder import Recorder

EFFECT_KPIS = (
    "utilisation",
    "fleet_utilisation",
    "rental_income_cny",
    "net_income_cny",
    "default_rate",
    "lgd",
)
Totals = Mapping[str, float]


def with_channels(cfg: EquipmentLeasingConfig, on: set[str]) -> EquipmentLeasingConfig:
    """``cfg`` with exactly the channels ``on`` switched on (and the decomposition's adapter)."""
    update: dict[str, object] = {
        "channels": cfg.channels.model_copy(update={c: c in on for c in CHANNELS})
    }
    if cfg.decomposition.adapter == "fake":
        update["telemetry"] = cfg.telemetry.model_copy(update={"adapter": "fake"})
    return cfg.model_copy(update=update)


@dataclass(frozen=True)
class Decomposition:
    """The KPI totals of the base, the full innovation and the one-at-a-time runs."""

    base: Totals
    full: Totals
    only: Mapping[str, Totals]
    without: Mapping[str, Totals]

    def effects(self) -> dict[str, dict[str, float]]:
        """Effect groups (``on_<c>``, ``off_<c>``, ``interaction``, ``total_effect``) by KPI."""
        out: dict[str, dict[str, float]] = {}
        total = {k: self.full[k] - self.base[k] for k in EFFECT_KPIS}
        for c in self.only:
            out[f"on_{c}"] = {k: self.only[c][k] - self.base[k] for k in EFFECT_KPIS}
            out[f"off_{c}"] = {k: self.full[k] - self.without[c][k] for k in EFFECT_KPIS}
        out["interaction"] = {
            k: total[k] - math.fsum(out[f"on_{c}"][k] for c in self.only) for k in EFFECT_KPIS
        }
        out["total_effect"] = total
        return out


def decompose(ctx: CaseContext, devices: DeviceTraits, base: Totals, full: Totals) -> Decomposition:
    """Run the channel switches (two innovated runs per channel) around ``base`` and ``full``,
    on ``decomposition.workers`` processes (forked, so they share the run's state as it is)."""
    cfg: EquipmentLeasingConfig = ctx.case
    jobs = [(c, with_channels(cfg, {c})) for c in CHANNELS]
    jobs += [(c, with_channels(cfg, set(CHANNELS) - {c})) for c in CHANNELS]
    workers = min(cfg.decomposition.workers, len(jobs))
    # a daemonic process (a Dask or multiprocessing.Pool worker) may not start children
    forkable = "fork" in get_all_start_methods() and not current_process().daemon
    if workers > 1 and forkable:
        global _FORKED_CTX
        _FORKED_CTX = ctx, devices
        try:
            with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
                totals = list(pool.map(_innovated_totals, [job for _, job in jobs]))
        finally:
            _FORKED_CTX = None
    else:
        totals = [run_quiet(ctx, job, "innovated", devices).totals for _, job in jobs]
    n = len(CHANNELS)
    only = {c: t for (c, _), t in zip(jobs[:n], totals[:n], strict=True)}
    without = {c: t for (c, _), t in zip(jobs[n:], totals[n:], strict=True)}
    return Decomposition(base=base, full=full, only=only, without=without)


#: The run's context in a forked decomposition worker (set in the parent just before the fork).
_FORKED_CTX: tuple[CaseContext, DeviceTraits] | None = None


def _innovated_totals(cfg: EquipmentLeasingConfig) -> dict[str, float]:
    assert _FORKED_CTX is not None, "a decomposition worker runs in a forked pool only"
    ctx, devices = _FORKED_CTX
    return dict(run_quiet(ctx, cfg, "innovated", devices).totals)


def record_decomposition(rec: Recorder, dec: Decomposition) -> None:
    """Effects as totals (one column per effect group in the report's table) and a figure."""
    effects = dec.effects()
    for group, values in effects.items():
        for kpi, value in values.items():
            rec.total(CASE, group, kpi, value)
    rec.figure(CASE, "channel_decomposition", _figure(effects))


def _figure(effects: dict[str, dict[str, float]]) -> Figure:
    channels = [g[3:] for g in effects if g.startswith("on_")]
    kpis = ("utilisation", "rental_income_cny", "default_rate", "lgd")
    fig = Figure(figsize=(12, 3.8))
    axes = fig.subplots(1, len(kpis))
    x = np.arange(len(channels) + 2)
    labels = [*channels, "interaction", "total"]
    for ax, kpi in zip(axes, kpis, strict=True):
        on = [effects[f"on_{c}"][kpi] for c in channels] + [effects["interaction"][kpi], 0.0]
        off = [effects[f"off_{c}"][kpi] for c in channels] + [0.0, effects["total_effect"][kpi]]
        ax.bar(x - 0.2, np.nan_to_num(on), 0.4, label="on from traditional / interaction")
        ax.bar(x + 0.2, np.nan_to_num(off), 0.4, label="off from innovated / total")
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xticks(x, labels, rotation=35, fontsize=7, ha="right")
        ax.set_title(kpi, fontsize=9)
    axes[0].legend(fontsize=7)
    fig.suptitle("Case 3 — innovation effect by channel (one at a time)", fontsize=10)
    fig.tight_layout()
    return fig
