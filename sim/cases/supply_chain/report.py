"""The article's case-1 claims next to the measured values, and the case's figure."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.cases.supply_chain.kpis import CASE, SupplyChainKpis
from sim.recorder import Recorder


def record_claims(rec: Recorder, totals: dict[str, dict[str, Any]]) -> None:
    """The article's three case-1 claims next to what this run measured (needs both modes)."""
    inn, trad = totals.get("innovated"), totals.get("traditional")
    if inn is None or trad is None:
        return
    _cycle_claim(rec, inn, trad)
    _cost_claim(rec, inn, trad)
    _stability_claim(rec, inn, trad)


def _cycle_claim(rec: Recorder, inn: dict[str, Any], trad: dict[str, Any]) -> None:
    c_inn, c_trad = inn["financing_cycle_hours_p50"], trad["financing_cycle_hours_p50"]
    p90_inn, p90_trad = inn["financing_cycle_hours_p90"], trad["financing_cycle_hours_p90"]
    rec.claim(
        CASE,
        "financing cycle 7 days -> 2 hours",
        "innovated p50 <= 2 h (traditional ≈ 168 h)",
        c_inn,
        None if c_inn is None else c_inn <= 2,
        f"p50 traditional {_fmt(c_trad)} h -> innovated {_fmt(c_inn)} h; "
        f"p90 {_fmt(p90_trad)} h -> {_fmt(p90_inn)} h",
    )


def _cost_claim(rec: Recorder, inn: dict[str, Any], trad: dict[str, Any]) -> None:
    k_inn, k_trad = inn["financing_cost_annual_pct"], trad["financing_cost_annual_pct"]
    change = None if not k_inn or not k_trad else (k_inn / k_trad - 1) * 100
    rec.claim(
        CASE,
        "supplier financing cost -30%",
        "change <= -30%",
        change,
        None if change is None else change <= -30,
        f"effective annual cost incl. fees traditional {_fmt(k_trad)}% -> innovated "
        f"{_fmt(k_inn)}% (change in %); with the supplier's hassle "
        f"{_fmt(trad.get('financing_cost_all_in_pct'))}% -> "
        f"{_fmt(inn.get('financing_cost_all_in_pct'))}%",
    )


def _stability_claim(rec: Recorder, inn: dict[str, Any], trad: dict[str, Any]) -> None:
    f_inn, f_trad = inn["supplier_failures"], trad["supplier_failures"]
    d_inn, d_trad = inn["production_disruption_days"], trad["production_disruption_days"]
    rate_inn = _fmt(_pct_or_none(inn["supplier_failure_rate_annual"]))
    rate_trad = _fmt(_pct_or_none(trad["supplier_failure_rate_annual"]))
    rec.claim(
        CASE,
        "supply-chain stability up",
        "fewer supplier failures and disruption days",
        f_inn - f_trad,
        f_inn < f_trad and d_inn <= d_trad,
        f"failures traditional {f_trad} -> innovated {f_inn} (per supplier-year "
        f"{rate_trad}% -> {rate_inn}%); disruption days {d_trad} -> {d_inn}",
    )


def _pct_or_none(value: float | None) -> float | None:
    return None if value is None else value * 100


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.2f}"


def figures(rec: Recorder, kpis: dict[str, SupplyChainKpis]) -> None:
    """Financed volume per month, cycle-time distribution, cumulative failures, by mode."""
    fig = Figure(figsize=(13, 3.8))
    ax_volume, ax_cycle, ax_fail = fig.subplots(1, 3)
    for mode, mode_kpis in kpis.items():
        months = np.arange(mode_kpis.calendar.months)
        ax_volume.plot(months, mode_kpis.monthly_volume_cny() / 1e6, marker="o", label=mode)
        cycles = mode_kpis.cycles()
        if len(cycles):
            bins = np.logspace(-2, 3, 40)
            ax_cycle.hist(np.clip(cycles, 0.01, 1000), bins=bins, alpha=0.6, label=mode)
        failures = np.cumsum([mode_kpis.failures_by_month[int(m)] for m in months])
        ax_fail.step(months, failures, where="post", label=mode)
    ax_volume.set(title="financed volume", xlabel="month", ylabel="million CNY")
    ax_cycle.set(
        title="financing cycle (application → cash)",
        xlabel="hours (log)",
        ylabel="financings",
        xscale="log",
    )
    ax_fail.set(title="supplier failures (cumulative)", xlabel="month", ylabel="failures")
    for ax in (ax_volume, ax_cycle, ax_fail):
        ax.legend()
    rec.figure(CASE, "modes", fig)
