"""Recording case 3: monthly KPI series, run totals, alert quality, claims and figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure

from agents.leasing.market import LeasingMarket
from products.telemetry.monitor import RULES
from products.telemetry.port import TelemetryStats
from sim.recorder import Recorder

CASE = "equipment_leasing"
RISK_RULES = tuple(r for r in RULES if r != "idle")
MONTH_SERIES = ("utilisation", "rental_income_cny", "defaults", "alerts", "active_leases")


@dataclass
class ModeResult:
    """What one mode produced (monthly series + totals) for the claims and figures."""

    mode: str
    monthly: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in MONTH_SERIES})
    totals: dict[str, float] = field(default_factory=dict)
    sums: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    wall_seconds: float = 0.0


def record_month(
    rec: Recorder, mode: str, month: int, market: LeasingMarket, result: ModeResult
) -> None:
    """Record the month that just ended and reset the market's month counters."""
    m = market.month
    defaults_so_far = market.bank.counts["defaults"]
    values = {
        "utilisation": m["productive_hours"] / max(m["available_hours"], 1.0),
        "rental_income_cny": m["rental_income_cny"],
        "defaults": defaults_so_far - result.sums["defaults_recorded"],
        "alerts": m["alerts"],
        "active_leases": m["active_leases_days"] / max(m["days"], 1.0),
    }
    for name, value in values.items():
        rec.kpi(CASE, mode, month, name, float(value))
        result.monthly[name].append(float(value))
    for key, value in m.items():
        result.sums[key] += value
    result.sums["defaults_recorded"] = defaults_so_far
    market.month.clear()


def alert_quality(market: LeasingMarket, rules: tuple[str, ...], prefix: str) -> dict[str, float]:
    """Precision/recall of 'an alert of ``rules`` on a lease' against its default; lead time.

    Precision: share of alerted leases that defaulted; recall: share of defaulted leases alerted
    before the default; lead time: mean days from the first such alert to the default.
    """
    firsts = [
        (
            min((t for r, t in o.first_alert_hours.items() if r in rules), default=None),
            o.default_day,
        )
        for o in market.bank.outcomes.values()
    ]
    alerted = [(t, d) for t, d in firsts if t is not None]
    defaulted = [d for _, d in firsts if d is not None]
    warned = [(t, d) for t, d in alerted if d is not None]
    leads = [d + 1 - t / 24 for t, d in warned]  # the bank acts at the end of the day
    nan = float("nan")
    return {
        f"{prefix}precision": len(warned) / len(alerted) if alerted else nan,
        f"{prefix}recall": len(warned) / len(defaulted) if defaulted else nan,
        f"{prefix}lead_time_days": float(np.mean(leads)) if leads else nan,
    }


def record_totals(
    rec: Recorder, market: LeasingMarket, stats: TelemetryStats, result: ModeResult
) -> None:
    """Whole-run KPIs of one mode → ``summary.json`` as ``equipment_leasing.<mode>.<name>``."""
    s, bank = result.sums, market.bank
    telemetry = market.mode.monitoring == "telemetry"
    exposure = bank.money["exposure_cny"]
    recovery = bank.money["recovered_cny"] / exposure if exposure else float("nan")
    totals: dict[str, float] = {
        "utilisation": s["productive_hours"] / max(s["available_hours"], 1.0),
        "engine_hours_per_device_month": s["engine_hours"]
        / market.book.n
        / max(len(result.monthly["utilisation"]), 1),
        "rental_income_cny": s["rental_income_cny"],
        "rent_billed_cny": s["rent_billed_cny"],
        "leases": market.book.n + s["matured"] + bank.counts["new_leases"],
        "defaults": bank.counts["defaults"],
        "recovery_rate": recovery,
        "lgd": 1 - recovery if exposure else float("nan"),
        "messages_handled": stats.batches_handled if telemetry else 0,
        "readings_handled": stats.readings_handled,
        "messages_rejected": stats.rejected_total,
        "inspections": stats.observations,
        "bank_costs_cny": _bank_costs(market, stats),
        **alert_quality(market, RULES, "alert_"),
        **alert_quality(market, RISK_RULES, "risk_alert_"),
    }
    totals["default_rate"] = totals["defaults"] / totals["leases"]
    for key in (
        "calls",
        "restructures",
        "remote_locks",
        "repossessions",
        "devices_lost",
        "matured",
    ):
        totals[key] = bank.counts[key] if key != "matured" else s["matured"]
    for rule in RULES:
        totals[f"alerts_{rule}"] = bank.counts[f"alerts_{rule}"]
        totals[f"alert_precision_{rule}"] = alert_quality(market, (rule,), "")["precision"]
    for name, value in totals.items():
        rec.total(CASE, result.mode, name, value)
    result.totals = totals


def _bank_costs(market: LeasingMarket, stats: TelemetryStats) -> float:
    money = market.bank.money
    inspections = stats.observations * market.cfg.inspection.cost_cny_per_visit
    return float(money["call_costs_cny"] + money["repossession_costs_cny"] + inspections)


def record_claims(rec: Recorder, results: Mapping[str, ModeResult]) -> None:
    """The article's case-3 claims next to the measured values, plus the comparison figures."""
    inn, trad = results.get("innovated"), results.get("traditional")
    for claim, key, target in (
        ("utilisation +25%", "utilisation", 0.25),
        ("rental income +18%", "rental_income_cny", 0.18),
    ):
        if inn and trad and trad.totals[key]:
            change = inn.totals[key] / trad.totals[key] - 1
            note = f"innovated {inn.totals[key]:.4g} vs traditional {trad.totals[key]:.4g}"
            rec.claim(
                CASE, claim, f">= +{target:.0%} vs traditional", change, change >= target, note
            )
        else:
            rec.claim(CASE, claim, f">= +{target:.0%}", None, None, "needs both modes")
    if inn:
        rate = inn.totals["default_rate"]
        note = f"traditional {trad.totals['default_rate']:.2%}" if trad else ""
        rec.claim(CASE, "default rate 0.8%", "<= 0.8% (innovated)", rate, rate <= 0.008, note)
    if results:
        rec.figure(CASE, "alerts_actions", _figure(results))


ACTIONS = ("calls", "restructures", "remote_locks", "defaults", "repossessions", "devices_lost")


def _figure(results: Mapping[str, ModeResult]) -> Figure:
    """Alerts by rule and bank actions per mode (the monthly series are in the KPI figure)."""
    fig = Figure(figsize=(11, 3.6))
    left, right = fig.subplots(1, 2)
    width = 0.8 / max(len(results), 1)
    for k, (mode, result) in enumerate(results.items()):
        alerts = [result.totals[f"alerts_{rule}"] for rule in RULES]
        actions = [result.totals[a] for a in ACTIONS]
        left.bar(np.arange(len(RULES)) + k * width, alerts, width, label=mode)
        right.bar(np.arange(len(ACTIONS)) + k * width, actions, width, label=mode)
    for ax, names, title in (
        (left, RULES, "alerts by rule (log scale)"),
        (right, ACTIONS, "bank actions and outcomes (log scale)"),
    ):
        ax.set_xticks(np.arange(len(names)) + 0.4 - width / 2, names, rotation=20, fontsize=8)
        ax.set_yscale("symlog")
        ax.set_title(title, fontsize=9)
    left.legend(fontsize=8)
    fig.suptitle("Case 3 — what the bank saw and did, innovated vs traditional", fontsize=10)
    return fig
