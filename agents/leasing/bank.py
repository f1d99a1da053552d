"""The leasing bank: receives device alerts (it is the telemetry port's sink) and acts.

Actions, each switched and sized by ``bank:`` policies in the scenario: **call** the lessee on
idle-type alerts (the maker's dealer network may then find the machine a job), **restructure**
arrears once (unless the bank has seen misuse), **remote lock** a machine in arrears or out of
its region (telemetry mode only), and **repossess** on default (> 90 days past due) or when a
lock does not bring payment. Recovery is faster and surer when the machine can be located.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.leasing.book import ACTIVE, LOST, REPOSSESSING, YARD, LeaseBook
from agents.leasing.operations import DayDraws
from products.telemetry.port import Alert
from sim.config.equipment_leasing import EquipmentLeasingConfig


@dataclass
class LeaseOutcome:
    """Per-lease record for alert lead time and precision/recall."""

    first_alert_hours: dict[str, float] = field(default_factory=dict)
    default_day: int | None = None


@dataclass
class BankEvent:
    """Something the bank did, for the recorder."""

    t_hours: float
    kind: str
    device: str
    amount: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class LeasingBank:
    """Alert sink + post-lease management of one mode.

    Args:
        cfg: the case config.
        book: the lease book it manages.
        telemetry: whether the bank has GPS/telemetry (remote lock, precise location).
    """

    def __init__(self, cfg: EquipmentLeasingConfig, book: LeaseBook, telemetry: bool) -> None:
        self.cfg, self.policy, self.book, self.telemetry = cfg, cfg.bank, book, telemetry
        self.inbox: list[Alert] = []
        self.outcomes: dict[tuple[int, int], LeaseOutcome] = {}
        self.counts: Counter[str] = Counter()
        self.money: defaultdict[str, float] = defaultdict(float)
        self.events: list[BankEvent] = []
        self.known_outside = np.zeros(book.n, dtype=bool)
        self.blocked = np.zeros(book.n, dtype=bool)
        self._pending_exposure: dict[int, float] = {}
        self.last_call_day = np.full(book.n, -(10**6), dtype=np.int64)
        self._slot = {device_id: i for i, device_id in enumerate(book.devices.device_ids)}

    def send_alert(self, alert: Alert) -> None:
        """AlertSink: queue the alert for today's actions."""
        self.inbox.append(alert)

    def outcome(self, i: int) -> LeaseOutcome:
        """The record of the current lease of slot ``i``."""
        return self.outcomes.setdefault((i, int(self.book.lease_no[i])), LeaseOutcome())

    def act(self, day: int, dpd: np.ndarray, draws: DayDraws) -> None:
        """Handle today's alerts, apply the arrears policies, progress recoveries."""
        self._handle_alerts(day, draws)
        self._arrears_policies(day, dpd)
        self._recoveries(day, draws)

    def _handle_alerts(self, day: int, draws: DayDraws) -> None:
        inbox, self.inbox = self.inbox, []
        for alert in inbox:
            self.counts[f"alerts_{alert.rule}"] += 1
            i = self._slot[alert.device_id]
            self._log(
                alert.t_hours, "alert", i, rule=alert.rule, value=alert.value, detail=alert.detail
            )
            if self.book.status[i] != ACTIVE:
                continue
            self.outcome(i).first_alert_hours.setdefault(alert.rule, alert.t_hours)
            self.blocked[i] |= alert.rule in self.policy.restructure_blocked_by
            self.known_outside[i] |= alert.rule == "geofence"
            cooled = day - self.last_call_day[i] >= self.policy.call_cooldown_days
            if alert.rule in self.policy.call_on and cooled:
                self._call(day, i, draws)

    def _call(self, day: int, i: int, draws: DayDraws) -> None:
        self.last_call_day[i] = day
        self.counts["calls"] += 1
        self.money["call_costs_cny"] += self.policy.call_cost_cny
        matched = draws.u["match"][i] < self.policy.work_match_probability
        if matched and not self.book.relocated[i]:
            self.book.matched_days_left[i] = self.policy.matched_job_days
        self._log(day * 24.0, "call", i, matched=bool(matched))

    def _arrears_policies(self, day: int, dpd: np.ndarray) -> None:
        p, book = self.policy, self.book
        active = book.status == ACTIVE
        for i in np.flatnonzero(active & (dpd > self.cfg.lease.default_after_days_past_due)):
            self._terminate(day, int(i), "default_90_days")
        active = book.status == ACTIVE
        overdue_lock = book.locked & (day - book.locked_since >= p.lock_to_repossess_days)
        for i in np.flatnonzero(active & overdue_lock):
            self._terminate(day, int(i), "lock_unpaid")
        book.locked &= ~(active & (dpd == 0))
        for i in np.flatnonzero(active & self.known_outside & (dpd > 0) & ~book.locked):
            if self.telemetry and p.lock_on_geofence_in_arrears:
                self._lock(day, int(i), "out_of_region")
            else:
                self._terminate(day, int(i), "out_of_region")
        active = book.status == ACTIVE
        can_restructure = (book.restructures < p.restructure_max) & ~self.blocked & ~book.locked
        for i in np.flatnonzero(active & can_restructure & (dpd >= p.restructure_after_days)):
            amount = book.restructure(int(i))
            self.counts["restructures"] += 1
            self._log(day * 24.0, "restructure", int(i), amount)
        dpd = book.days_past_due(day)
        if self.telemetry:
            for i in np.flatnonzero(active & ~book.locked & (dpd >= p.lock_after_days)):
                self._lock(day, int(i), "arrears")

    def _lock(self, day: int, i: int, reason: str) -> None:
        self.book.locked[i], self.book.locked_since[i] = True, day
        self.counts["remote_locks"] += 1
        self._log(day * 24.0, "remote_lock", i, reason=reason)

    def _terminate(self, day: int, i: int, reason: str) -> None:
        """Default: the lease ends and repossession starts."""
        book = self.book
        exposure = book.exposure_cny(i)
        self.money["exposure_cny"] += exposure
        self.counts["defaults"] += 1
        self.outcome(i).default_day = day
        book.status[i], book.locked[i] = REPOSSESSING, False
        p = self.policy
        book.status_days_left[i] = (
            p.repossess_days_with_gps if self.telemetry else p.repossess_days_without_gps
        )
        self._pending_exposure[i] = exposure
        self._log(day * 24.0, "default", i, exposure, reason=reason)

    def _recoveries(self, day: int, draws: DayDraws) -> None:
        book = self.book
        waiting = (book.status == REPOSSESSING) | (book.status == YARD)
        book.status_days_left = np.where(waiting, np.maximum(book.status_days_left - 1, 0), 0)
        for i in np.flatnonzero((book.status == REPOSSESSING) & (book.status_days_left == 0)):
            self._repossess(day, int(i), draws.u["locate"][i])
        for i in np.flatnonzero((book.status == YARD) & (book.status_days_left == 0)):
            book.start_lease(int(i), int(book.lease_no[i]) + 1, day)
            self.counts["new_leases"] += 1
            self.known_outside[i] = self.blocked[i] = False
            self._log(day * 24.0, "new_lease", int(i), lease_no=int(book.lease_no[i]))

    def _locate_probability(self, i: int) -> float:
        p = self.policy
        if self.telemetry:
            return p.locate_probability_with_gps
        return (
            p.locate_probability_relocated_without_gps
            if self.book.relocated[i]
            else p.locate_probability_without_gps
        )

    def _repossess(self, day: int, i: int, u_locate: float) -> None:
        book, p = self.book, self.policy
        located = u_locate < self._locate_probability(i)
        value = book.value_cny(i, day) * (1 - p.resale_haircut) if located else 0.0
        exposure = self._pending_exposure.pop(i, 0.0)
        recovered = min(max(0.0, value - p.repossession_cost_cny), exposure)
        self.money["recovered_cny"] += recovered
        self.money["repossession_costs_cny"] += p.repossession_cost_cny
        self.counts["repossessions" if located else "devices_lost"] += 1
        book.status[i] = YARD if located else LOST
        book.status_days_left[i] = p.release_delay_days
        book.relocated[i] = False
        book.site_lat[i], book.site_lon[i] = book.devices.home_lat[i], book.devices.home_lon[i]
        exposure = self._pending_exposure.pop(i, 0.0)
        self._log(
            day * 24.0, "repossession", i, recovered, located=bool(located), exposure_cny=exposure
        )

    def _log(
        self, t_hours: float, kind: str, i: int, amount: float | None = None, **detail: Any
    ) -> None:
        self.events.append(
            BankEvent(t_hours, kind, self.book.devices.device_ids[i], amount, detail)
        )
