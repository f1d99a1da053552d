"""The article's case-1 claims next to the measured values, and the case's figure."""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.cases.supply_chain.kpis import CASE, SupplyChainKpis
from sim.kernel.calendar import FEN, HOURS_PER_DAY
from sim.recorder import Recorder
from sim.report_figures import Marker, draw_marker

CREDIT_LINE_EXCEEDED = "ReceivableLedgerCreditLineExceeded"
#: Exposure at a month's review, as a share of the run's peak, read as "the line is used up".
NEAR_PEAK = 0.75


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
        "innovated median ≤ 2 hours (traditional ≈ 168 hours)",
        c_inn,
        None if c_inn is None else c_inn <= 2,
        f"median application-to-cash time, innovated; traditional {_fmt(c_trad)} h -> innovated "
        f"{_fmt(c_inn)} h; 90th percentile {_fmt(p90_trad)} h -> {_fmt(p90_inn)} h",
        unit="hours",
    )


def _cost_claim(rec: Recorder, inn: dict[str, Any], trad: dict[str, Any]) -> None:
    k_inn, k_trad = inn["financing_cost_annual_pct"], trad["financing_cost_annual_pct"]
    change = None if not k_inn or not k_trad else (k_inn / k_trad - 1) * 100
    rec.claim(
        CASE,
        "supplier financing cost -30%",
        "≤ -30 % relative",
        change,
        None if change is None else change <= -30,
        f"relative change of the annual cost incl. fees: traditional {_fmt(k_trad)} % -> "
        f"innovated {_fmt(k_inn)} % a year; with the supplier's hassle "
        f"{_fmt(trad.get('financing_cost_all_in_pct'))} % -> "
        f"{_fmt(inn.get('financing_cost_all_in_pct'))} %",
        unit="% relative",
    )


def _stability_claim(rec: Recorder, inn: dict[str, Any], trad: dict[str, Any]) -> None:
    f_inn, f_trad = inn["supplier_failures"], trad["supplier_failures"]
    d_inn, d_trad = inn["production_disruption_days"], trad["production_disruption_days"]
    rate_inn = _fmt(_pct_or_none(inn["supplier_failure_rate_annual"]))
    rate_trad = _fmt(_pct_or_none(trad["supplier_failure_rate_annual"]))
    rec.claim(
        CASE,
        "supply-chain stability up",
        "fewer supplier failures and no more disruption days",
        f_inn - f_trad,
        f_inn < f_trad and d_inn <= d_trad,
        f"supplier failures, innovated - traditional: {f_trad} -> {f_inn} (per supplier-year "
        f"{rate_trad} % -> {rate_inn} %); production disruption {d_trad} -> {d_inn} days",
        unit="failures vs traditional",
    )


def _pct_or_none(value: float | None) -> float | None:
    return None if value is None else value * 100


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.2f}"


def figures(rec: Recorder, kpis: dict[str, SupplyChainKpis]) -> None:
    """Financed volume per month, cycle-time distribution, cumulative failures, by mode; months
    without any financing are marked with the ledger's reason."""
    fig = Figure(figsize=(13, 4.2), layout="constrained")
    ax_volume, ax_cycle, ax_fail = fig.subplots(1, 3)
    for mode, mode_kpis in kpis.items():
        months = np.arange(mode_kpis.calendar.months)
        style = "--" if mode == "traditional" else "-"
        ax_volume.plot(months, mode_kpis.monthly_volume_cny() / 1e6, style, marker="o", label=mode)
        cycles = mode_kpis.cycles()
        if len(cycles):
            bins = np.logspace(-2, 3, 40)
            ax_cycle.hist(np.clip(cycles, 0.01, 1000), bins=bins, alpha=0.6, label=mode)
        failures = np.cumsum([mode_kpis.failures_by_month[int(m)] for m in months])
        ax_fail.step(months, failures, style, where="post", label=mode)
        _mark_months_without_financing(rec, mode, mode_kpis)
    for case, kpi, mode, month, text in rec.markers:
        if case == CASE and kpi == "financed_volume_cny":
            draw_marker(ax_volume, Marker(kpi, mode, month, text))
    ax_volume.set(title="Financed volume per month", xlabel="month", ylabel="¥ million")
    ax_volume.set_ylim(bottom=0)
    ax_cycle.set(
        title="Financing cycle (application to cash)",
        xlabel="hours (log scale)",
        ylabel="financings",
        xscale="log",
    )
    ax_fail.set(title="Supplier failures, cumulative", xlabel="month", ylabel="failures")
    ax_fail.set_ylim(bottom=0)
    for ax in (ax_volume, ax_fail):
        ax.ticklabel_format(axis="y", useOffset=False, style="plain")
        ax.xaxis.get_major_locator().set_params(integer=True)
    handles, labels = ax_volume.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(labels))
    rec.figure(CASE, "modes", fig, shows=("financed_volume_cny", "supplier_failures"))


def _mark_months_without_financing(rec: Recorder, mode: str, kpis: SupplyChainKpis) -> None:
    """A month without any financing, after the first financing, gets a marker with its reason:
    the ledger's refusals if suppliers applied (e.g. ReceivableLedgerCreditLineExceeded), else
    the core's credit line used up when the financed exposure on the core is near its peak
    (suppliers only apply within the remaining line, which the ledger makes public)."""
    financed = {f.month for f in kpis.financings}
    if not financed:
        return
    empty = [m for m in range(min(financed), kpis.calendar.months) if m not in financed]
    if not empty:
        return
    events = rec.events_frame()
    events = events[(events["case"] == CASE) & (events["mode"] == mode)]
    month_of = [kpis.calendar.month(int(t // HOURS_PER_DAY)) for t in events["t_hours"]]
    events = events.assign(month=month_of)
    applied = Counter(events.loc[events["kind"] == "financing_applied", "month"])
    peak = max(kpis.exposure_fen.values(), default=0)
    for month in empty:
        reasons: Counter[str] = Counter()
        refused = events[(events["kind"] == "tx_reverted") & (events["month"] == month)]
        for detail in refused["detail"]:
            fields = json.loads(detail) if detail else {}
            if fields.get("op") == "finance" and fields.get("error") != "ReceivableLedgerNotHolder":
                reasons[str(fields.get("error"))] += 1
        exposure = kpis.exposure_fen.get(month, 0)
        if reasons.get(CREDIT_LINE_EXCEEDED) or (peak and exposure >= NEAR_PEAK * peak):
            text = (
                f"no financing: core credit line used up (exposure ¥ {exposure / FEN / 1e6:.3g} M)"
            )
        elif reasons:
            text = "no financing: " + ", ".join(f"{n} x {e}" for e, n in reasons.most_common(2))
        else:
            text = f"no financing ({applied[month]} applications)"
        rec.mark(CASE, "financed_volume_cny", mode, month, text)
