"""Case 3's report: the article's claims next to the measured values, and the comparison figure."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from products.telemetry.rules import RULES
from sim.cases.equipment_leasing.kpis import CASE, LeasingKpis
from sim.recorder import Recorder

ACTIONS = ("calls", "restructures", "remote_locks", "defaults", "repossessions", "devices_lost")


def record_claims(rec: Recorder, results: Mapping[str, LeasingKpis]) -> None:
    """The article's case-3 claims next to the measured values, plus the comparison figure."""
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


def _figure(results: Mapping[str, LeasingKpis]) -> Figure:
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
