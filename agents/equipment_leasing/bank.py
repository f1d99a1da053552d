"""The leasing bank: receives device alerts (it is the telemetry port's sink) and acts.

This is where an MQTT alert becomes a bank action. Actions, each switched and sized by ``bank:``
policies in the scenario: **call** the lessee on idle-type alerts (the maker's dealer network may
then find the machine a job; with no job, the lessee may take an **early return**, and the machine
goes to the yard for another customer), **restructure** arrears once (unless the bank has seen
misuse),
**remote lock** a machine in arrears or out of its region (telemetry mode only), and **repossess**
on default (more than ``lease.default_after_days_past_due`` days past due) or when a lock does not
bring payment. Recovery is faster and surer when the machine can be located. A machine back in
the yard is re-leased to the next approved applicant, or **sold** after ``bank.yard_max_days``
without one. Every action is
emitted as a typed event (:mod:`agents.equipment_leasing.events`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from agents.equipment_leasing.book import (
    ACTIVE,
    DAYS_PER_YEAR,
    LOST,
    REPOSSESSING,
    SOLD,
    YARD,
    LeaseBook,
)
from agents.equipment_leasing.events import (
    AlertSeen,
    Call,
    Default,
    EarlyReturn,
    MachineSold,
    RemoteLock,
    Repossession,
    Restructure,
)
from agents.equipment_leasing.lessees import Lessees
from agents.equipment_leasing.operations import DayDraws
from agents.equipment_leasing.returns import hands_back, return_fee_cny
from agents.equipment_leasing.schema import EquipmentLeasingConfig, ModeFeatures
from products.telemetry.port import Alert
from sim.kernel.calendar import HOURS_PER_DAY
from sim.kernel.events import Event

#: "Never called" (a call cools down from this day).
NEVER_CALLED_DAY = -(10**6)


class LeasingBank:
    """Alert sink + post-lease management of one mode.

    Args:
        cfg: the case config.
        book: the lease book it manages.
        lessees: who holds which lease (defaults end a lessee, re-leasing starts one).
        features: what the mode has: GPS/telemetry (precise location, fast repossession), the
            remote lock, the dealer-network redeployment of idle machines.
        emit: where the bank's events go (the model's ``emit``).
        lease_out: offers the free machine of a slot to the next applicant on a day; whether it
            was leased (:meth:`~agents.equipment_leasing.prospects.Prospects.try_lease`).
    """

    def __init__(
        self,
        cfg: EquipmentLeasingConfig,
        book: LeaseBook,
        lessees: Lessees,
        features: ModeFeatures,
        emit: Callable[[Event], None],
        lease_out: Callable[[int, int], bool],
    ) -> None:
        self.cfg, self.policy, self.book = cfg, cfg.bank, book
        self.telemetry = features.telemetry
        self.lessees, self.emit, self.lease_out = lessees, emit, lease_out
        self.can_lock, self.redeploy = features.remote_lock, features.redeployment
        self.inbox: list[Alert] = []
        self.known_outside = np.zeros(book.n, dtype=bool)
        self.blocked = np.zeros(book.n, dtype=bool)
        self._pending_exposure: dict[int, float] = {}
        self.last_call_day = np.full(book.n, NEVER_CALLED_DAY, dtype=np.int64)
        self._slot = {device_id: i for i, device_id in enumerate(book.devices.device_ids)}
        self.default_reason = f"default_{cfg.lease.default_after_days_past_due}_days"

    def send_alert(self, alert: Alert) -> None:
        """AlertSink: queue the alert for today's actions."""
        self.inbox.append(alert)

    def forget(self, i: int) -> None:
        """A new lease on slot ``i``: what the bank knew of the previous lessee no longer holds."""
        self.known_outside[i] = self.blocked[i] = False

    def act(
        self, day: int, dpd: np.ndarray, draws: DayDraws, daily_hours: np.ndarray | None = None
    ) -> None:
        """Handle today's alerts, apply the arrears policies, progress recoveries.

        ``daily_hours``: the engine hours a day each lessee expects to work (what it weighs an
        early-return offer on); without it no early return is offered.
        """
        self._handle_alerts(day, draws, daily_hours)
        self._arrears_policies(day, dpd)
        self._recoveries(day, draws)

    def _device(self, i: int) -> str:
        return self.book.devices.device_ids[i]

    def _handle_alerts(self, day: int, draws: DayDraws, daily_hours: np.ndarray | None) -> None:
        inbox, self.inbox = self.inbox, []
        for alert in inbox:
            i = self._slot[alert.device_id]
            active = bool(self.book.status[i] == ACTIVE)
            self.emit(
                AlertSeen(
                    t_hours=alert.t_hours,
                    agent=alert.device_id,
                    rule=alert.rule,
                    value=alert.value,
                    detail=alert.detail,
                    slot=i,
                    lease_no=int(self.book.lease_no[i]),
                    on_active_lease=active,
                )
            )
            if not active:
                continue
            self.blocked[i] |= alert.rule in self.policy.restructure_blocked_by
            self.known_outside[i] |= alert.rule == "geofence"
            cooled = day - self.last_call_day[i] >= self.policy.call_cooldown_days
            if self.redeploy and alert.rule in self.policy.call_on and cooled:
                matched = self._redeploy(day, i, draws)
                if not matched and daily_hours is not None:
                    self._offer_return(day, i, float(daily_hours[i]))

    def _redeploy(self, day: int, i: int, draws: DayDraws) -> bool:
        """Redeployment: the lessor calls the lessee of an idle machine it found (an alert, or an
        inspection that found it parked) and offers the machine through the maker's dealer
        network; a job found (sub-lease) starts after ``redeploy_delay_days`` for
        ``matched_job_days`` and costs the dealer's fee."""
        p = self.policy
        self.last_call_day[i] = day
        matched = bool(draws.u["match"][i] < p.work_match_probability)
        matched &= not self.book.relocated[i]
        if matched:
            self.book.matched_wait_days[i] = p.redeploy_delay_days
            self.book.matched_days_left[i] = p.matched_job_days
        self.emit(
            Call(
                t_hours=day * float(HOURS_PER_DAY),
                agent=self._device(i),
                matched=matched,
                cost_cny=p.call_cost_cny + (p.redeploy_cost_cny if matched else 0.0),
            )
        )
        return matched

    def _offer_return(self, day: int, i: int, daily_hours: float) -> None:
        """No job found: the lessor offers a current account an early return; if the lessee
        takes it (:func:`~agents.equipment_leasing.returns.hands_back`) it pays the fee, leaves,
        and the machine goes to the yard at its net used-equipment value."""
        book, p = self.book, self.policy
        if not (p.early_return_offer and book.can_return_early()[i]):
            return
        if not hands_back(self.cfg, book, i, daily_hours):
            return
        fee, exposure = return_fee_cny(self.cfg, book, i), book.exposure_cny(i)
        book.cash[i] -= fee
        book.unpaid[i] = 0.0
        self.lessees.exit(i)
        book.to_yard(i, day, p.release_delay_days)
        self.emit(
            EarlyReturn(
                t_hours=day * float(HOURS_PER_DAY),
                agent=self._device(i),
                amount=fee,
                exposure_cny=exposure,
                machine_value_cny=self.net_resale_cny(i, day),
            )
        )

    def _arrears_policies(self, day: int, dpd: np.ndarray) -> None:
        p, book = self.policy, self.book
        active = book.status == ACTIVE
        for i in np.flatnonzero(active & (dpd > self.cfg.lease.default_after_days_past_due)):
            self._terminate(day, int(i), self.default_reason)
        active = book.status == ACTIVE
        overdue_lock = book.locked & (day - book.locked_since >= p.lock_to_repossess_days)
        for i in np.flatnonzero(active & overdue_lock):
            self._terminate(day, int(i), "lock_unpaid")
        book.locked &= ~(active & (dpd == 0))
        for i in np.flatnonzero(active & self.known_outside & (dpd > 0) & ~book.locked):
            if self.can_lock and p.lock_on_geofence_in_arrears:
                self._lock(day, int(i), "out_of_region")
            else:
                self._terminate(day, int(i), "out_of_region")
        active = book.status == ACTIVE
        can_restructure = (book.restructures < p.restructure_max) & ~self.blocked & ~book.locked
        for i in np.flatnonzero(active & can_restructure & (dpd >= p.restructure_after_days)):
            amount = book.restructure(int(i))
            t = day * float(HOURS_PER_DAY)
            self.emit(Restructure(t_hours=t, agent=self._device(int(i)), amount=amount))
        dpd = book.days_past_due(day)
        if self.can_lock:
            for i in np.flatnonzero(active & ~book.locked & (dpd >= p.lock_after_days)):
                self._lock(day, int(i), "arrears")

    def _lock(self, day: int, i: int, reason: str) -> None:
        self.book.locked[i], self.book.locked_since[i] = True, day
        t = day * float(HOURS_PER_DAY)
        self.emit(RemoteLock(t_hours=t, agent=self._device(i), reason=reason))

    def _terminate(self, day: int, i: int, reason: str) -> None:
        """Default: the lease ends, the lessee exits and repossession starts."""
        book, p = self.book, self.policy
        exposure = book.exposure_cny(i)
        book.status[i], book.locked[i] = REPOSSESSING, False
        delay = p.repossess_days_with_gps if self.telemetry else p.repossess_days_without_gps
        book.status_days_left[i] = delay
        # the countdown starts today: the repossession ends on day + delay - 1
        ends = day + max(delay - 1, 0)
        expected = self._locate_probability(i) * self.recovery_cny(i, ends, exposure)
        self._pending_exposure[i] = exposure
        self.lessees.exit(i)
        self.emit(
            Default(
                t_hours=day * float(HOURS_PER_DAY),
                agent=self._device(i),
                amount=exposure,
                reason=reason,
                slot=i,
                lease_no=int(book.lease_no[i]),
                expected_recovery_cny=expected,
            )
        )

    def net_resale_cny(self, i: int, day: int) -> float:
        """What machine ``i`` back in the yard on ``day`` is worth to the lessor: it would sell
        ``bank.resale_days`` later at its depreciated value less the forced-sale haircut,
        discounted over the wait at the lease's finance rate."""
        p = self.policy
        sale = self.book.value_cny(i, day + p.resale_days) * (1 - p.resale_haircut)
        return sale * (1 + self.cfg.lease.finance_rate_annual) ** (-p.resale_days / DAYS_PER_YEAR)

    def recovery_cny(self, i: int, day: int, exposure: float) -> float:
        """Net used-equipment value of machine ``i`` repossessed on ``day`` less the repossession
        cost, capped at exposure."""
        net = self.net_resale_cny(i, day) - self.policy.repossession_cost_cny
        return min(max(0.0, net), exposure)

    def _recoveries(self, day: int, draws: DayDraws) -> None:
        book = self.book
        waiting = (book.status == REPOSSESSING) | (book.status == YARD)
        book.status_days_left = np.where(waiting, np.maximum(book.status_days_left - 1, 0), 0)
        for i in np.flatnonzero((book.status == REPOSSESSING) & (book.status_days_left == 0)):
            self._repossess(day, int(i), draws.u["locate"][i])
        for i in np.flatnonzero((book.status == YARD) & (book.status_days_left == 0)):
            if self.lease_out(int(i), day):
                self.forget(int(i))
            elif day - book.yard_since[i] >= self.policy.yard_max_days:
                self._sell(day, int(i))
            else:
                book.status_days_left[i] = self.cfg.prospects.arrival_days

    def _sell(self, day: int, i: int) -> None:
        """No lessee for the machine of slot ``i`` within ``bank.yard_max_days``: sold; the slot
        stays empty for the rest of the run."""
        book = self.book
        book.status[i] = SOLD
        self.emit(
            MachineSold(
                t_hours=day * float(HOURS_PER_DAY),
                agent=self._device(i),
                amount=self.net_resale_cny(i, day),
                yard_days=int(day - book.yard_since[i]),
            )
        )

    def _locate_probability(self, i: int) -> float:
        """A machine on its site is always found; one moved away by GPS, or by luck without."""
        p = self.policy
        if not self.book.relocated[i]:
            return 1.0
        if self.telemetry:
            return p.locate_probability_with_gps
        return p.locate_probability_relocated_without_gps

    def _repossess(self, day: int, i: int, u_locate: float) -> None:
        book, p = self.book, self.policy
        located = u_locate < self._locate_probability(i)
        exposure = self._pending_exposure.pop(i, 0.0)
        recovered = self.recovery_cny(i, day, exposure) if located else 0.0
        book.status[i] = LOST
        book.status_days_left[i] = p.release_delay_days
        if located:
            book.to_yard(i, day, p.release_delay_days)
        book.relocated[i] = False
        book.site_lat[i], book.site_lon[i] = book.devices.home_lat[i], book.devices.home_lon[i]
        self.emit(
            Repossession(
                t_hours=day * float(HOURS_PER_DAY),
                agent=self._device(i),
                amount=recovered,
                located=bool(located),
                exposure_cny=exposure,
                cost_cny=p.repossession_cost_cny,
            )
        )
