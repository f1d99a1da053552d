"""Case 3's KPI collector: monthly series and run totals, from the model's events only.

:class:`LeasingKpis` subscribes to one mode's bus. It counts the bank's actions and the alerts
as they are emitted, closes a month on each :class:`~agents.equipment_leasing.events.MonthEnd`
snapshot, and records the run totals when the wiring hands it the telemetry port's counters at
the end (they are the port's, not the model's).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields

import numpy as np

from agents.equipment_leasing.events import (
    AlertSeen,
    Call,
    Default,
    MonthEnd,
    NewLease,
    RemoteLock,
    Repossession,
    Restructure,
)
from agents.equipment_leasing.schema import EquipmentLeasingConfig
from products.telemetry.port import TelemetryStats
from products.telemetry.rules import RULES
from sim.kernel.calendar import HOURS_PER_DAY
from sim.kernel.events import EventBus
from sim.recorder import Recorder

CASE = "equipment_leasing"
RISK_RULES = tuple(r for r in RULES if r != "idle")
MONTH_SERIES = ("utilisation", "rental_income_cny", "defaults", "alerts", "active_leases")
MONTH_SUMS = tuple(f.name for f in fields(MonthEnd) if f.name not in ("t_hours", "month"))
ACTION_COUNTS = ("calls", "restructures", "remote_locks", "repossessions", "devices_lost")


@dataclass
class LeaseOutcome:
    """Per-lease record for alert lead time and precision/recall."""

    first_alert_hours: dict[str, float] = field(default_factory=dict)
    default_day: int | None = None


class LeasingKpis:
    """Collects one mode's KPIs from its bus; ``monthly`` and ``totals`` feed claims and figures.

    Args:
        rec: where KPI points and totals go.
        mode: the mode's name.
        cfg: the case config (inspection cost per visit, fleet size).
        telemetry: whether the mode monitors by telemetry (messages count only then).
    """

    def __init__(
        self, rec: Recorder, mode: str, cfg: EquipmentLeasingConfig, telemetry: bool
    ) -> None:
        self.rec, self.mode, self.cfg, self.telemetry = rec, mode, cfg, telemetry
        self.monthly: dict[str, list[float]] = {k: [] for k in MONTH_SERIES}
        self.totals: dict[str, float] = {}
        self.sums: defaultdict[str, float] = defaultdict(float)
        self.counts: Counter[str] = Counter()
        self.money: defaultdict[str, float] = defaultdict(float)
        self.outcomes: dict[tuple[int, int], LeaseOutcome] = {}
        self._month: Counter[str] = Counter()

    def subscribe(self, bus: EventBus) -> None:
        """Listen to the events of one mode's model."""
        bus.subscribe(self._alert, AlertSeen)
        bus.subscribe(self._call, Call)
        bus.subscribe(lambda e: self.counts.update(("restructures",)), Restructure)
        bus.subscribe(lambda e: self.counts.update(("remote_locks",)), RemoteLock)
        bus.subscribe(self._default, Default)
        bus.subscribe(self._repossession, Repossession)
        bus.subscribe(lambda e: self.counts.update(("new_leases",)), NewLease)
        bus.subscribe(self._month_end, MonthEnd)

    def _alert(self, e: AlertSeen) -> None:
        self.counts[f"alerts_{e.rule}"] += 1
        self._month["alerts"] += 1
        if e.on_active_lease:
            outcome = self.outcomes.setdefault((e.slot, e.lease_no), LeaseOutcome())
            outcome.first_alert_hours.setdefault(e.rule, e.t_hours)

    def _call(self, e: Call) -> None:
        self.counts["calls"] += 1
        self.money["call_costs_cny"] += e.cost_cny

    def _default(self, e: Default) -> None:
        self.money["exposure_cny"] += e.amount
        self.counts["defaults"] += 1
        self._month["defaults"] += 1
        outcome = self.outcomes.setdefault((e.slot, e.lease_no), LeaseOutcome())
        outcome.default_day = int(e.t_hours // HOURS_PER_DAY)

    def _repossession(self, e: Repossession) -> None:
        self.money["recovered_cny"] += e.amount
        self.money["repossession_costs_cny"] += e.cost_cny
        self.counts["repossessions" if e.located else "devices_lost"] += 1

    def _month_end(self, m: MonthEnd) -> None:
        """Record the month that just ended."""
        values = {
            "utilisation": m.productive_hours / max(m.available_hours, 1.0),
            "rental_income_cny": m.rental_income_cny,
            "defaults": self._month["defaults"],
            "alerts": self._month["alerts"],
            "active_leases": m.active_leases_days / max(m.days, 1.0),
        }
        for name, value in values.items():
            self.rec.kpi(CASE, self.mode, m.month, name, float(value))
            self.monthly[name].append(float(value))
        for key in MONTH_SUMS:
            self.sums[key] += getattr(m, key)
        self.sums["alerts"] += self._month["alerts"]
        self._month.clear()

    def finish(self, stats: TelemetryStats) -> None:
        """Whole-run KPIs → ``summary.json`` as ``equipment_leasing.<mode>.<name>``."""
        s, n = self.sums, self.cfg.fleet.devices
        exposure = self.money["exposure_cny"]
        recovery = self.money["recovered_cny"] / exposure if exposure else float("nan")
        months = max(len(self.monthly["utilisation"]), 1)
        totals: dict[str, float] = {
            "utilisation": s["productive_hours"] / max(s["available_hours"], 1.0),
            "engine_hours_per_device_month": s["engine_hours"] / n / months,
            "rental_income_cny": s["rental_income_cny"],
            "rent_billed_cny": s["rent_billed_cny"],
            "leases": n + s["matured"] + self.counts["new_leases"],
            "defaults": self.counts["defaults"],
            "recovery_rate": recovery,
            "lgd": 1 - recovery if exposure else float("nan"),
            "messages_handled": stats.batches_handled if self.telemetry else 0,
            "readings_handled": stats.readings_handled,
            "messages_rejected": stats.rejected_total,
            "inspections": stats.observations,
            "bank_costs_cny": self._bank_costs(stats),
            **self.alert_quality(RULES, "alert_"),
            **self.alert_quality(RISK_RULES, "risk_alert_"),
        }
        totals["default_rate"] = totals["defaults"] / totals["leases"]
        for key in ACTION_COUNTS:
            totals[key] = self.counts[key]
        totals["matured"] = s["matured"]
        for rule in RULES:
            totals[f"alerts_{rule}"] = self.counts[f"alerts_{rule}"]
            totals[f"alert_precision_{rule}"] = self.alert_quality((rule,), "")["precision"]
        for name, value in totals.items():
            self.rec.total(CASE, self.mode, name, value)
        self.totals = totals

    def alert_quality(self, rules: tuple[str, ...], prefix: str) -> dict[str, float]:
        """Precision/recall of 'an alert of ``rules`` on a lease' against its default; lead time.

        Precision: share of alerted leases that defaulted; recall: share of defaulted leases
        alerted before the default; lead time: mean days from the first such alert to the
        default.
        """
        firsts = [
            (
                min((t for r, t in o.first_alert_hours.items() if r in rules), default=None),
                o.default_day,
            )
            for o in self.outcomes.values()
        ]
        alerted = [(t, d) for t, d in firsts if t is not None]
        defaulted = [d for _, d in firsts if d is not None]
        warned = [(t, d) for t, d in alerted if d is not None]
        leads = [d + 1 - t / HOURS_PER_DAY for t, d in warned]  # the bank acts at the day's end
        nan = float("nan")
        return {
            f"{prefix}precision": len(warned) / len(alerted) if alerted else nan,
            f"{prefix}recall": len(warned) / len(defaulted) if defaulted else nan,
            f"{prefix}lead_time_days": float(np.mean(leads)) if leads else nan,
        }

    def _bank_costs(self, stats: TelemetryStats) -> float:
        inspections = stats.observations * self.cfg.inspection.cost_cny_per_visit
        money = self.money
        return float(money["call_costs_cny"] + money["repossession_costs_cny"] + inspections)
