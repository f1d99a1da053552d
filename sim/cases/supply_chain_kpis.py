"""KPIs, claims and figures of case 1 from the tallies of each mode."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from agents.supply_chain.economy import SupplyChainModel
from agents.supply_chain.population import ATTACK_KINDS
from sim.recorder import Recorder

CASE = "supply_chain"


def _pct(values: np.ndarray, q: float) -> float | None:
    return float(np.percentile(values, q)) if len(values) else None


def mode_totals(model: SupplyChainModel) -> dict[str, Any]:
    """Whole-run KPIs of one mode."""
    s = model.stats
    cycles = s.cycles()
    payouts = np.array([f.payout_fen for f in s.financings], dtype=float)
    costs = np.array([f.annual_cost for f in s.financings], dtype=float)
    tier2_slots = _tier2_reached(model)
    applications = sum(s.applications.values())
    out: dict[str, Any] = {
        "financing_cycle_hours_p50": _pct(cycles, 50),
        "financing_cycle_hours_p90": _pct(cycles, 90),
        "financing_cycle_hours_mean": float(cycles.mean()) if len(cycles) else None,
        "financing_cost_annual_pct": float(np.average(costs, weights=payouts) * 100)
        if len(costs)
        else None,
        "financed_volume_cny": float(payouts.sum() / 100),
        "financed_share_of_receivables": sum(f.face_fen for f in s.financings) / s.issued_face_fen
        if s.issued_face_fen
        else None,
        "financings": len(s.financings),
        "applications": applications,
        "approval_rate": len(s.financings) / applications if applications else None,
        "tier2_reach_share": len(tier2_slots) / model.pop.tier2_count
        if model.pop.tier2_count
        else None,
        "supplier_failures": sum(s.failures.values()),
        "supplier_years": s.supplier_days / 365,
        "supplier_failure_rate_annual": sum(s.failures.values()) / (s.supplier_days / 365)
        if s.supplier_days
        else None,
        "supplier_failures_tier1": s.failures[1],
        "supplier_failures_tier2": s.failures[2],
        "production_disruption_days": s.disruption_days,
        "lost_deliveries": s.lost_deliveries,
        "fraud_attempts": sum(s.attempts.values()),
        "fraud_blocked": sum(s.blocked.values()),
        "fraud_succeeded": sum(s.succeeded.values()),
        "fraud_loss_cny": sum(s.fraud_loss_fen.values()) / 100,
        "bank_written_off_cny": model.bank.book.written_off_fen / 100,
        "tx_count": s.tx_count,
        "tx_reverted": s.reverted,
        "gas_used": s.gas_used,
    }
    for kind in ATTACK_KINDS:
        out[f"fraud_{kind}_attempts"] = s.attempts[kind]
        out[f"fraud_{kind}_succeeded"] = s.succeeded[kind]
    for kind, gas in sorted(s.gas_by_kind.items()):
        out[f"gas_per_{kind}"] = float(np.mean(gas))
    return out


def _tier2_reached(model: SupplyChainModel) -> set[int]:
    return {f.slot for f in model.stats.financings if f.tier == 2}


def record_mode(rec: Recorder, mode: str, model: SupplyChainModel, totals: dict[str, Any]) -> None:
    """Totals and monthly series of one mode."""
    for name, value in totals.items():
        rec.total(CASE, mode, name, value)
    months = model.stats.months
    volume = np.zeros(months)
    cycles: list[list[float]] = [[] for _ in range(months)]
    for f in model.stats.financings:
        volume[f.month] += f.payout_fen / 100
        cycles[f.month].append(f.cycle_hours)
    last = max(model.month(), 0)
    for month in range(min(last + 1, months)):
        rec.kpi(CASE, mode, month, "financed_volume_cny", float(volume[month]))
        rec.kpi(
            CASE,
            mode,
            month,
            "financing_cycle_hours_p50",
            float(np.median(cycles[month])) if cycles[month] else None,
        )
        rec.kpi(CASE, mode, month, "supplier_failures", model.stats.failures_by_month[month])
        exposure = model.stats.exposure_fen.get(month)
        rec.kpi(CASE, mode, month, "exposure_cny", None if exposure is None else exposure / 100)


def record_claims(rec: Recorder, totals: dict[str, dict[str, Any]]) -> None:
    """The article's three case-1 claims next to what this run measured (needs both modes)."""
    inn, trad = totals.get("innovated"), totals.get("traditional")
    if inn is None or trad is None:
        return
    c_inn, c_trad = inn["financing_cycle_hours_p50"], trad["financing_cycle_hours_p50"]
    rec.claim(CASE, "financing cycle 7 days -> 2 hours", "innovated p50 <= 2 h (traditional ≈ 168 h)",
              c_inn, None if c_inn is None else c_inn <= 2,
              f"p50 traditional {_fmt(c_trad)} h -> innovated {_fmt(c_inn)} h; "
              f"p90 {_fmt(trad['financing_cycle_hours_p90'])} h -> {_fmt(inn['financing_cycle_hours_p90'])} h")  # fmt: skip
    k_inn, k_trad = inn["financing_cost_annual_pct"], trad["financing_cost_annual_pct"]
    change = None if not k_inn or not k_trad else (k_inn / k_trad - 1) * 100
    rec.claim(CASE, "supplier financing cost -30%", "change <= -30%", change,
              None if change is None else change <= -30,
              f"effective annual cost traditional {_fmt(k_trad)}% -> innovated {_fmt(k_inn)}% (change in %)")  # fmt: skip
    f_inn, f_trad = inn["supplier_failures"], trad["supplier_failures"]
    rec.claim(CASE, "supply-chain stability up", "fewer supplier failures and disruption days",
              f_inn - f_trad, f_inn < f_trad and inn["production_disruption_days"] <= trad["production_disruption_days"],
              f"failures traditional {f_trad} -> innovated {f_inn} (per supplier-year "
              f"{_fmt(_pct_or_none(trad['supplier_failure_rate_annual']))}% -> "
              f"{_fmt(_pct_or_none(inn['supplier_failure_rate_annual']))}%); disruption days "
              f"{trad['production_disruption_days']} -> {inn['production_disruption_days']}")  # fmt: skip


def _pct_or_none(value: float | None) -> float | None:
    return None if value is None else value * 100


def _fmt(value: float | None) -> str:
    return (
        "n/a"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:.2f}"
    )


def figures(rec: Recorder, models: dict[str, SupplyChainModel]) -> None:
    """Financed volume per month, cycle-time distribution, cumulative failures, by mode."""
    fig = Figure(figsize=(13, 3.8))
    ax_volume, ax_cycle, ax_fail = fig.subplots(1, 3)
    for mode, model in models.items():
        stats = model.stats
        months = np.arange(max(model.month(), 1))
        volume = np.zeros(stats.months)
        for f in stats.financings:
            volume[f.month] += f.payout_fen / 100 / 1e6
        ax_volume.plot(months, volume[: len(months)], marker="o", label=mode)
        cycles = stats.cycles()
        if len(cycles):
            bins = np.logspace(-2, 3, 40)
            ax_cycle.hist(np.clip(cycles, 0.01, 1000), bins=bins, alpha=0.6, label=mode)
        failures = np.cumsum([stats.failures_by_month[int(m)] for m in months])
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
