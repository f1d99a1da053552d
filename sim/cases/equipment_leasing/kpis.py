"""Case 3's KPI collector: monthly series and run totals, from the model's events only.

Every KPI is defined once, in :data:`GLOSSARY` (the report's glossary and the case-3 section of
docs/glossary.md carry the same text); the names mean the same in both modes.
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
    Application,
    Call,
    Default,
    EarlyReturn,
    MachineSold,
    MonthEnd,
    NewLease,
    RemoteLock,
    RepaymentChoice,
    Repossession,
    Restructure,
)
from agents.equipment_leasing.schema import EquipmentLeasingConfig
from products.telemetry.port import TelemetryStats
from products.telemetry.rules import RULES
from sim.cases.kpi_glossary import Kpi
from sim.kernel.calendar import HOURS_PER_DAY
from sim.kernel.events import EventBus
from sim.recorder import Recorder

CASE = "equipment_leasing"
RISK_RULES = tuple(r for r in RULES if r != "idle")
MONTH_SERIES = (
    "utilisation",
    "fleet_utilisation",
    "rental_income_cny",
    "defaults",
    "alerts",
    "active_leases",
)
DAYS_PER_YEAR = 365.0

GLOSSARY: dict[str, Kpi] = {
    "utilisation": Kpi(
        "productive engine hours (engine hours less idling) / available shift hours "
        "of the machines on a running lease (fleet.available_hours_per_day per lease-day)",
        "share",
        "higher",
        "utilisation of leased machines",
    ),
    "fleet_utilisation": Kpi(
        "productive engine hours / available shift hours of the whole fleet, "
        "machines in recovery and in the yard included",
        "share",
        "higher",
        "fleet utilisation",
    ),
    "operating_rate": Kpi(
        "share of the machine-days on a running lease with any engine hours (开工率, the "
        "measure of docs/calibration.md's 'Equipment operating rate' row: excavators 55-70%); "
        "utilisation is the share of shift hours worked productively, a smaller number",
        "share",
        "higher",
        "operating rate (开工率)",
    ),
    "engine_hours_per_device_month": Kpi(
        "engine hours (idling included) per fleet slot and month",
        "hours",
        "higher",
        "engine hours per machine-month",
    ),
    "rental_income_cny": Kpi(
        "rent received from lessees over the run (CNY)", "CNY", "higher", "rental income"
    ),
    "rent_billed_cny": Kpi("rent billed over the run (CNY)", "CNY", "higher", "rent billed"),
    "leases": Kpi(
        "leases that ran in the run: those running at the start and the new leases of "
        "free machines (matured or repossessed)",
        "count",
        "higher",
        "leases",
    ),
    "applications": Kpi(
        "prospective lessees of free machines who applied (their expected margin "
        "covered the rent of their cheapest offered tariff)",
        "count",
        "neutral",
        "lease applications",
    ),
    "approvals": Kpi(
        "applications the lessor approved on its screen (cash, margin cover)",
        "count",
        "higher",
        "lease approvals",
    ),
    "no_take_up": Kpi(
        "prospective lessees who did not apply (expected margin below the rent)",
        "count",
        "lower",
        "prospects who did not apply",
    ),
    "usage_tariff_share": Kpi(
        "share of new leases on a usage tariff (linear or block)",
        "share",
        "neutral",
        "new leases on a usage tariff",
    ),
    "yard_machine_days": Kpi(
        "machine-days spent in the yard waiting for a lessee",
        "days",
        "lower",
        "machine-days in the yard",
    ),
    "lease_years": Kpi(
        "running leases summed over the run's days / 365", "years", "higher", "lease-years"
    ),
    "defaults": Kpi(
        "leases ended by the lessor for non-payment (days past due over the threshold, "
        "a lock left unpaid, a machine out of region in arrears)",
        "count",
        "lower",
        "defaults",
    ),
    "default_rate": Kpi(
        "defaults per lease-year (annualised: defaults / lease_years)",
        "per year",
        "lower",
        "default rate (per lease-year)",
    ),
    "default_share": Kpi("defaults / leases", "share", "lower", "defaults per lease"),
    "exposure_cny": Kpi(
        "outstanding financed principal plus arrears of the defaulted leases at default (CNY)",
        "CNY",
        "lower",
        "exposure at default",
    ),
    "recovered_cny": Kpi(
        "net used-equipment value recovered from resolved defaults (0 for a machine "
        "lost) plus the expected recovery of defaults still in recovery at the end (CNY)",
        "CNY",
        "higher",
        "recovered",
    ),
    "lgd": Kpi(
        "loss given default over all defaults: 1 - recovered_cny / exposure_cny (defaults "
        "still in recovery at their expected recovery)",
        "share",
        "lower",
        "loss given default",
    ),
    "lgd_resolved": Kpi(
        "loss given default over the defaults whose repossession ended in the run: "
        "1 - recovered / exposure of those",
        "share",
        "lower",
        "loss given default, resolved",
    ),
    "recovery_rate": Kpi("1 - lgd (all defaults)", "share", "higher", "recovery rate"),
    "credit_losses_cny": Kpi("exposure_cny - recovered_cny", "CNY", "lower", "credit losses"),
    "bank_costs_cny": Kpi(
        "calls, repossession costs and site inspections (CNY)", "CNY", "lower", "lessor's costs"
    ),
    "net_income_cny": Kpi(
        "rental_income_cny + early_return_fees_cny - bank_costs_cny - credit_losses_cny "
        "- early_return_losses_cny",
        "CNY",
        "higher",
        "net income",
    ),
    "early_returns": Kpi(
        "leases ended early by a lessee that took the lessor's early-return offer for its idle "
        "machine (no dealer job found; its margin at the hours it expects no longer covered "
        "the rent); the machine goes to the yard for another customer",
        "count",
        "neutral",
        "early returns",
    ),
    "early_return_fees_cny": Kpi(
        "early-return fees paid by the lessees that handed their machine back (CNY)",
        "CNY",
        "higher",
        "early-return fees",
    ),
    "early_return_losses_cny": Kpi(
        "over the early returns: outstanding financed principal not covered by the machine's net "
        "used-equipment value and the fee (CNY)",
        "CNY",
        "lower",
        "early-return losses",
    ),
    "machines_sold": Kpi(
        "machines sold after bank.yard_max_days in the yard without a lessee (the slot stays "
        "empty; fleet_utilisation no longer counts it)",
        "count",
        "lower",
        "machines sold",
    ),
    "sale_proceeds_cny": Kpi(
        "net used-equipment value of the machines sold (the value the lessor marked them at "
        "when they came back, so no gain or loss on the sale) (CNY)",
        "CNY",
        "neutral",
        "sale proceeds",
    ),
    "repayment_stops": Kpi(
        "monthly choices of lessees in difficulty to stop paying",
        "count",
        "lower",
        "repayment stops",
    ),
    "repayment_partly": Kpi(
        "monthly choices of lessees in difficulty to pay only the bills about to "
        "cross the lessor's next trigger",
        "count",
        "lower",
        "partial repayments",
    ),
    "calls": Kpi(
        "calls of the lessor to lessees on idle-type alerts", "count", "neutral", "calls to lessees"
    ),
    "restructures": Kpi(
        "arrears deferred over the next months", "count", "neutral", "restructures"
    ),
    "remote_locks": Kpi(
        "machines locked remotely (telemetry mode with bank.remote_lock only)",
        "count",
        "neutral",
        "remote locks",
    ),
    "repossessions": Kpi("repossessions that found the machine", "count", "lower", "repossessions"),
    "devices_lost": Kpi(
        "repossessions that did not find the machine (moved away undetected)",
        "count",
        "lower",
        "machines lost",
    ),
    "matured": Kpi(
        "leases that reached the end of their tenor", "count", "neutral", "leases matured"
    ),
    "messages_handled": Kpi(
        "telemetry batches the monitor handled (telemetry mode only)",
        "count",
        "neutral",
        "telemetry batches handled",
    ),
    "readings_handled": Kpi(
        "hourly readings the monitor (or the inspectors) handled",
        "count",
        "neutral",
        "readings handled",
    ),
    "messages_rejected": Kpi(
        "telemetry batches the monitor rejected", "count", "lower", "telemetry batches rejected"
    ),
    "inspections": Kpi(
        "site-inspection visits (inspection mode)", "count", "neutral", "site inspections"
    ),
    "alert_precision": Kpi(
        "share of leases with an alert of any rule that then defaulted",
        "share",
        "higher",
        "alert precision",
    ),
    "alert_recall": Kpi(
        "share of defaulted leases alerted before the default", "share", "higher", "alert recall"
    ),
    "alert_lead_time_days": Kpi(
        "mean days from a lease's first alert to its default", "days", "higher", "alert lead time"
    ),
    "risk_alert_precision": Kpi(
        "alert_precision counting the risk rules only (all but idle)",
        "share",
        "higher",
        "risk-alert precision",
    ),
    "risk_alert_recall": Kpi(
        "alert_recall counting the risk rules only", "share", "higher", "risk-alert recall"
    ),
    "risk_alert_lead_time_days": Kpi(
        "alert_lead_time_days counting the risk rules only",
        "days",
        "higher",
        "risk-alert lead time",
    ),
    "active_leases": Kpi(
        "running leases, mean over the month's days (monthly series)",
        "count",
        "higher",
        "active leases",
    ),
    "alerts": Kpi(
        "alerts the lessor read (monthly series; alerts_<rule> per rule in totals)",
        "count",
        "neutral",
        "alerts read",
    ),
}
for _rule in RULES:
    GLOSSARY[f"alerts_{_rule}"] = Kpi(
        f"alerts of the monitor rule {_rule} the lessor read", "count", "neutral", f"{_rule} alerts"
    )
    GLOSSARY[f"alert_precision_{_rule}"] = Kpi(
        f"share of leases with an alert of rule {_rule} that then defaulted",
        "share",
        "higher",
        f"{_rule} alert precision",
    )
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
        rec: where KPI points and totals go (None: kept here only, e.g. for the decomposition).
        mode: the mode's name.
        cfg: the case config (inspection cost per visit, fleet size).
        telemetry: whether the mode monitors by telemetry (messages count only then).
    """

    def __init__(
        self, rec: Recorder | None, mode: str, cfg: EquipmentLeasingConfig, telemetry: bool
    ) -> None:
        self.rec, self.mode, self.cfg, self.telemetry = rec, mode, cfg, telemetry
        self.monthly: dict[str, list[float]] = {k: [] for k in MONTH_SERIES}
        self.totals: dict[str, float] = {}
        self.sums: defaultdict[str, float] = defaultdict(float)
        self.counts: Counter[str] = Counter()
        self.money: defaultdict[str, float] = defaultdict(float)
        self.outcomes: dict[tuple[int, int], LeaseOutcome] = {}
        self._month: Counter[str] = Counter()
        #: defaults still in recovery, by device: (exposure, expected recovery)
        self._open: dict[str, tuple[float, float]] = {}

    def subscribe(self, bus: EventBus) -> None:
        """Listen to the events of one mode's model."""
        bus.subscribe(self._alert, AlertSeen)
        bus.subscribe(self._call, Call)
        bus.subscribe(lambda e: self.counts.update(("restructures",)), Restructure)
        bus.subscribe(lambda e: self.counts.update(("remote_locks",)), RemoteLock)
        bus.subscribe(self._default, Default)
        bus.subscribe(self._choice, RepaymentChoice)
        bus.subscribe(self._application, Application)
        bus.subscribe(self._repossession, Repossession)
        bus.subscribe(lambda e: self.counts.update(("new_leases",)), NewLease)
        bus.subscribe(self._early_return, EarlyReturn)
        bus.subscribe(self._sold, MachineSold)
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

    def _application(self, e: Application) -> None:
        if e.reason == "no_take_up":
            self.counts["no_take_up"] += 1
            return
        self.counts["applications"] += 1
        if e.approved:
            self.counts["approvals"] += 1
            self.counts["usage_tariff_leases"] += self.cfg.tariffs[e.tariff].kind != "fixed"

    def _choice(self, e: RepaymentChoice) -> None:
        if e.choice in ("stop", "partly"):
            self.counts[f"repayment_{e.choice}" + ("s" if e.choice == "stop" else "")] += 1

    def _default(self, e: Default) -> None:
        self.money["exposure_cny"] += e.amount
        self._open[e.agent] = (e.amount, e.expected_recovery_cny)
        self.counts["defaults"] += 1
        self._month["defaults"] += 1
        outcome = self.outcomes.setdefault((e.slot, e.lease_no), LeaseOutcome())
        outcome.default_day = int(e.t_hours // HOURS_PER_DAY)

    def _repossession(self, e: Repossession) -> None:
        self._open.pop(e.agent, None)
        self.money["resolved_exposure_cny"] += e.exposure_cny
        self.money["recovered_cny"] += e.amount
        self.money["repossession_costs_cny"] += e.cost_cny
        self.counts["repossessions" if e.located else "devices_lost"] += 1

    def _early_return(self, e: EarlyReturn) -> None:
        self.counts["early_returns"] += 1
        self.money["early_return_fees_cny"] += e.amount
        shortfall = e.exposure_cny - e.machine_value_cny - e.amount
        self.money["early_return_losses_cny"] += max(shortfall, 0.0)

    def _sold(self, e: MachineSold) -> None:
        self.counts["machines_sold"] += 1
        self.money["sale_proceeds_cny"] += e.amount

    def _month_end(self, m: MonthEnd) -> None:
        """Record the month that just ended."""
        values = {
            "utilisation": m.productive_hours / max(m.leased_available_hours, 1.0),
            "fleet_utilisation": m.productive_hours / max(m.available_hours, 1.0),
            "rental_income_cny": m.rental_income_cny,
            "defaults": self._month["defaults"],
            "alerts": self._month["alerts"],
            "active_leases": m.active_leases_days / max(m.days, 1.0),
        }
        for name, value in values.items():
            if self.rec is not None:
                self.rec.kpi(CASE, self.mode, m.month, name, float(value))
            self.monthly[name].append(float(value))
        for key in MONTH_SUMS:
            self.sums[key] += getattr(m, key)
        self.sums["alerts"] += self._month["alerts"]
        self._month.clear()

    def finish(self, stats: TelemetryStats) -> None:
        """Whole-run KPIs → ``summary.json`` as ``equipment_leasing.<mode>.<name>``."""
        s, n, money = self.sums, self.cfg.fleet.devices, self.money
        exposure = money["exposure_cny"]
        expected_open = sum(expected for _, expected in self._open.values())
        recovered = money["recovered_cny"] + expected_open
        resolved = money["resolved_exposure_cny"]
        nan = float("nan")
        months = max(len(self.monthly["utilisation"]), 1)
        lease_years = s["active_leases_days"] / DAYS_PER_YEAR
        leases = n + self.counts["new_leases"]
        bank_costs = self._bank_costs(stats)
        credit_losses = exposure - recovered
        leased_days = s["leased_available_hours"] / self.cfg.fleet.available_hours_per_day
        fees, return_losses = money["early_return_fees_cny"], money["early_return_losses_cny"]
        totals: dict[str, float] = {
            "utilisation": s["productive_hours"] / max(s["leased_available_hours"], 1.0),
            "fleet_utilisation": s["productive_hours"] / max(s["available_hours"], 1.0),
            "operating_rate": s["working_machine_days"] / max(leased_days, 1.0),
            "engine_hours_per_device_month": s["engine_hours"] / n / months,
            "rental_income_cny": s["rental_income_cny"],
            "rent_billed_cny": s["rent_billed_cny"],
            "leases": leases,
            "lease_years": lease_years,
            "defaults": self.counts["defaults"],
            "default_rate": self.counts["defaults"] / lease_years if lease_years else nan,
            "default_share": self.counts["defaults"] / leases,
            "exposure_cny": exposure,
            "recovered_cny": recovered,
            "lgd": 1 - recovered / exposure if exposure else nan,
            "lgd_resolved": 1 - money["recovered_cny"] / resolved if resolved else nan,
            "recovery_rate": recovered / exposure if exposure else nan,
            "credit_losses_cny": credit_losses,
            "bank_costs_cny": bank_costs,
            "net_income_cny": (
                s["rental_income_cny"] + fees - bank_costs - credit_losses - return_losses
            ),
            "early_returns": self.counts["early_returns"],
            "early_return_fees_cny": fees,
            "early_return_losses_cny": return_losses,
            "machines_sold": self.counts["machines_sold"],
            "sale_proceeds_cny": money["sale_proceeds_cny"],
            "applications": self.counts["applications"],
            "approvals": self.counts["approvals"],
            "no_take_up": self.counts["no_take_up"],
            "usage_tariff_share": (
                self.counts["usage_tariff_leases"] / self.counts["approvals"]
                if self.counts["approvals"]
                else nan
            ),
            "yard_machine_days": s["yard_days"],
            "repayment_stops": self.counts["repayment_stops"],
            "repayment_partly": self.counts["repayment_partly"],
            "messages_handled": stats.batches_handled if self.telemetry else 0,
            "readings_handled": stats.readings_handled,
            "messages_rejected": stats.rejected_total,
            "inspections": stats.observations,
            **self.alert_quality(RULES, "alert_"),
            **self.alert_quality(RISK_RULES, "risk_alert_"),
        }
        for key in ACTION_COUNTS:
            totals[key] = self.counts[key]
        totals["matured"] = s["matured"]
        for rule in RULES:
            totals[f"alerts_{rule}"] = self.counts[f"alerts_{rule}"]
            totals[f"alert_precision_{rule}"] = self.alert_quality((rule,), "")["precision"]
        for name, value in totals.items():
            if self.rec is not None:
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
