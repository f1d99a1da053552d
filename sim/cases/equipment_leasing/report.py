"""Case 3's report: the article's claims next to the measured values, and the comparison figure."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from products.telemetry.rules import RULES
from sim.cases.equipment_leasing.kpis import CASE, GLOSSARY, LeasingKpis
from sim.recorder import Recorder
from sim.report_units import format_value

ACTIONS = ("calls", "restructures", "remote_locks", "defaults", "repossessions", "devices_lost")


def record_claims(rec: Recorder, results: Mapping[str, LeasingKpis]) -> None:
    """The article's case-3 claims next to the measured values, plus the comparison figure."""
    inn, trad = results.get("innovated"), results.get("traditional")
    for claim, key, target in (
        ("utilisation +25%", "utilisation", 0.25),
        ("rental income +18%", "rental_income_cny", 0.18),
    ):
        unit = GLOSSARY[key].unit
        if inn and trad and trad.totals[key]:
            change = inn.totals[key] / trad.totals[key] - 1
            note = (
                f"relative change of {key}: traditional "
                f"{format_value(trad.totals[key], unit)} -> innovated "
                f"{format_value(inn.totals[key], unit)}"
            )
            rec.claim(
                CASE,
                claim,
                f"≥ +{target:.0%} relative",
                change * 100,
                change >= target,
                note,
                unit="% relative",
            )
        else:
            rec.claim(CASE, claim, f"≥ +{target:.0%} relative", None, None, "needs both modes")
    if inn:
        rate = inn.totals["default_rate"]
        note = "innovated mode, defaults per lease-year"
        if trad:
            note += f"; traditional {trad.totals['default_rate'] * 100:.2f} % per lease-year"
        rec.claim(
            CASE,
            "default rate 0.8%",
            "≤ 0.8 % per lease-year (innovated)",
            rate * 100,
            rate <= 0.008,
            note,
            unit="% per lease-year",
        )
    if results:
        rec.figure(CASE, "alerts_actions", _figure(results))


def _figure(results: Mapping[str, LeasingKpis]) -> Figure:
    """Alerts by rule and bank actions per mode (the monthly series are in the KPI figure)."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    width = 0.8 / max(len(results), 1)
    for k, (mode, result) in enumerate(results.items()):
        alerts = [result.totals[f"alerts_{rule}"] for rule in RULES]
        actions = [result.totals[a] for a in ACTIONS]
        left.bar(np.arange(len(RULES)) + k * width, alerts, width, label=mode)
        right.bar(np.arange(len(ACTIONS)) + k * width, actions, width, label=mode)
    offset = width * (len(results) - 1) / 2
    for ax, names, title in (
        (left, RULES, "Alerts the lessor read, by monitor rule"),
        (right, ACTIONS, "Lessor's actions and outcomes"),
    ):
        ax.set_xticks(np.arange(len(names)) + offset, names, rotation=20, fontsize=8)
        ax.set_yscale("symlog")
        ax.set_ylabel("count over the run (log scale)", fontsize=8)
        ax.set_title(title, fontsize=9)
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=max(len(labels), 1))
    fig.suptitle("Equipment leasing: what the lessor saw and did, innovated vs traditional")
    return fig
