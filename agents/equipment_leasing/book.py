"""The lease book: one slot per device, vectorised lessee cash, billing, arrears and status.

Rent is billed on the first day of each calendar month for the month before (usage rent on
that month's engine hours). Lessees pay oldest dues first from positive cash; client payments
reach them after their own payment delay (receivables ring). A lessee that has moved its
machine away (``relocated``) stops paying; a locked lessee pays only to clear all arrears.

The book is vectorised (one numpy row per device slot) because billing, payment allocation and
arrears run over the whole fleet every day; the lessee agents
(:class:`~agents.equipment_leasing.lessees.Lessee`) are views onto their row.
"""

from __future__ import annotations

import numpy as np

from agents.equipment_leasing.population import DeviceTraits, LesseeTraits
from agents.equipment_leasing.schema import EquipmentLeasingConfig
from agents.equipment_leasing.tariffs import Tariff, lease_annuity_cny

#: Slot status; a SOLD slot has no machine for the rest of the run.
ACTIVE, REPOSSESSING, YARD, LOST, SOLD = 0, 1, 2, 3, 4
#: A lessee's repayment stance for the month (:mod:`agents.equipment_leasing.repayment`).
PAY, PARTLY, STOP = 0, 1, 2
#: Depreciation is quoted per year of 365 days.
DAYS_PER_YEAR = 365.0
#: A due date no lease reaches (days past due are 0 when nothing is owed).
NEVER_DUE_DAY = 10**9


class LeaseBook:
    """State of every lease (index i = device slot i); leases start with :meth:`start_lease`.

    Args:
        cfg: the case config.
        devices: the fleet.
        tariffs: the rent rules leases can run on (index 0: the mode's own; a lease's index is
            ``tariff_ix``).
        month_start_days: sim day on which each report month starts (index = month).
    """

    def __init__(
        self,
        cfg: EquipmentLeasingConfig,
        devices: DeviceTraits,
        tariffs: list[Tariff],
        month_start_days: list[int],
    ) -> None:
        self.cfg, self.devices, self.tariffs = cfg, devices, tariffs
        self.month_start_days = np.array(month_start_days)
        n, ring = devices.count, cfg.lessee.client_payment_delay_days[1] + 1
        self.annuity = lease_annuity_cny(devices.price_cny, cfg.lease)
        self.status = np.zeros(n, dtype=np.int64)
        self.lease_no = np.zeros(n, dtype=np.int64)
        self.lease_start_day = np.zeros(n, dtype=np.int64)
        self.months_elapsed = np.zeros(n, dtype=np.int64)
        self.idle_share, self.intensity = np.zeros(n), np.ones(n)
        self.delay_days = np.zeros(n, dtype=np.int64)
        self.cash = np.zeros(n)
        self.receivables = np.zeros((n, ring))
        self.unpaid = np.zeros((n, len(month_start_days) + 1))
        self.hours_month = np.zeros(n)
        self.deferred_cny, self.deferred_months_left = np.zeros(n), np.zeros(n, dtype=np.int64)
        self.restructures = np.zeros(n, dtype=np.int64)
        self.locked = np.zeros(n, dtype=bool)
        self.locked_since = np.zeros(n, dtype=np.int64)
        self.relocated = np.zeros(n, dtype=bool)
        self.project_active = np.zeros(n, dtype=bool)
        self.site_lat, self.site_lon = devices.home_lat.copy(), devices.home_lon.copy()
        self.matched_days_left = np.zeros(n, dtype=np.int64)
        self.matched_wait_days = np.zeros(n, dtype=np.int64)
        self.status_days_left = np.zeros(n, dtype=np.int64)
        self.yard_since = np.zeros(n, dtype=np.int64)
        self.paid_today = np.zeros(n)
        self.stance = np.full(n, PAY, dtype=np.int64)
        self.tariff_ix = np.zeros(n, dtype=np.int64)
        #: a lessee paying partly pays the bills at least this many days past due
        self.partly_days = cfg.lease.default_after_days_past_due
        self.age_years_at_day0 = devices.age_years_at_start.copy()

    @property
    def n(self) -> int:
        """Number of slots."""
        return self.devices.count

    def monthly_costs_cny(self, i: int | np.ndarray) -> np.ndarray | float:
        """Rent + operator + overhead of a month, at the reference rent."""
        lessee = self.cfg.lessee
        return self.annuity[i] + lessee.operator_cost_cny_per_month + lessee.overhead_cny_per_month

    def rent_cny(self, hours: np.ndarray) -> np.ndarray:
        """Each lease's rent for a month of ``hours`` under its own tariff."""
        rents = [t.rent_cny(self.annuity, hours) for t in self.tariffs]
        return np.choose(self.tariff_ix, rents) if len(rents) > 1 else rents[0]

    def job_rent_cny(self, month_hours: np.ndarray, job_hours: float) -> np.ndarray:
        """Each lease's extra rent for ``job_hours`` more on a month of ``month_hours``."""
        extra = [t.job_rent_cny(self.annuity, month_hours, job_hours) for t in self.tariffs]
        return np.choose(self.tariff_ix, extra) if len(extra) > 1 else extra[0]

    def start_lease(
        self, i: int, lease_no: int, day: int, traits: LesseeTraits, tariff_ix: int = 0
    ) -> None:
        """A new lessee of ``traits`` takes device ``i`` (lease 0: already running at day 0)."""
        self.status[i], self.lease_no[i], self.lease_start_day[i] = ACTIVE, lease_no, day
        self.tariff_ix[i] = tariff_ix
        self.months_elapsed[i] = traits.months_elapsed
        self.idle_share[i], self.intensity[i] = traits.idle_share, traits.intensity
        self.delay_days[i] = traits.payment_delay_days
        buffer = traits.cash_buffer_months
        months = self.cfg.lessee.cash_buffer_months if buffer is None else buffer
        self.cash[i] = months * self.monthly_costs_cny(i)
        self.receivables[i] = 0.0
        self.receivables[i, : traits.payment_delay_days] = self.expected_daily_revenue_cny(i)
        self.unpaid[i] = 0.0
        self.hours_month[i] = 0.0
        self.deferred_cny[i], self.deferred_months_left[i] = 0.0, 0
        self.restructures[i], self.locked[i], self.relocated[i] = 0, False, False
        self.stance[i] = PAY
        self.project_active[i], self.matched_days_left[i] = True, 0
        self.matched_wait_days[i] = 0
        self.site_lat[i], self.site_lon[i] = self.devices.home_lat[i], self.devices.home_lon[i]

    def to_yard(self, i: int, day: int, wait_days: int) -> None:
        """Machine ``i`` is in the lessor's yard from ``day``, offered again after ``wait_days``."""
        self.status[i], self.status_days_left[i], self.yard_since[i] = YARD, wait_days, day

    def can_return_early(self) -> np.ndarray:
        """Running leases whose account is current (nothing owed, nothing deferred, not locked,
        on site): the ones a lessor lets hand their machine back before the tenor ends."""
        return (
            (self.status == ACTIVE)
            & (self.arrears_cny() <= self.cfg.lease.settled_below_cny)
            & (self.deferred_months_left == 0)
            & ~self.locked
            & ~self.relocated
            & (self.months_elapsed < self.cfg.lease.tenor_months)
        )

    def replace_device(self, i: int, day: int) -> None:
        """A matured lease: the lessee keeps its machine; a new one (age 0) fills the slot."""
        self.age_years_at_day0[i] = -day / DAYS_PER_YEAR

    def expected_daily_revenue_cny(self, i: int) -> float:
        """Client revenue per day at average demand (pre-fills the receivables pipeline)."""
        d = self.cfg.demand
        busy = d.project_days_mean / (d.project_days_mean + d.gap_days_mean) * d.workday_probability
        hours = d.engine_hours_per_workday * self.intensity[i]
        paid = 1 - self.cfg.lessee.bad_debt_share
        return float(busy * hours * self.devices.client_rate_cny_per_hour[i] * paid)

    def days_past_due(self, day: int) -> np.ndarray:
        """Days since the due date of each lease's oldest unpaid rent (0 when current)."""
        owing = self.unpaid > self.cfg.lease.settled_below_cny
        first = np.argmax(owing, axis=1)
        due = np.append(self.month_start_days, NEVER_DUE_DAY)[first]
        return np.where(owing.any(axis=1), np.maximum(day - due, 0), 0)

    def arrears_cny(self) -> np.ndarray:
        """Total unpaid rent per lease."""
        return self.unpaid.sum(axis=1)

    def bill(self, month: int) -> np.ndarray:
        """Bill last month's rent on the first day of ``month`` to leases still in their tenor."""
        active = (self.status == ACTIVE) & (self.months_elapsed < self.cfg.lease.tenor_months)
        rent = self.rent_cny(self.hours_month)
        deferred = np.where(self.deferred_months_left > 0, self.deferred_cny, 0.0)
        due = np.where(active, rent + deferred, 0.0)
        self.unpaid[:, month] += due
        self.deferred_months_left = np.maximum(self.deferred_months_left - 1, 0)
        self.hours_month[:] = 0.0
        self.months_elapsed += active
        return due

    def receive_and_pay(self, day: int, costs_cny: np.ndarray) -> np.ndarray:
        """Client cash in, costs out, then rent paid oldest-first; returns rent paid today.

        How much a lessee pays follows its stance of the month: all its cash allows (pay), only
        the bills at least ``partly_days`` past due (partly), nothing (stop). A locked lessee
        pays all its arrears as soon as its cash covers them (to unlock), else nothing.
        """
        slot = day % self.receivables.shape[1]
        self.cash += self.receivables[:, slot] - costs_cny
        self.receivables[:, slot] = 0.0
        owed = self.arrears_cny()
        can_pay = np.clip(self.cash, 0.0, owed)
        due = np.append(self.month_start_days, NEVER_DUE_DAY)
        urgent = self.unpaid[:, due <= day - self.partly_days].sum(axis=1)
        can_pay = np.where(self.stance == PARTLY, np.minimum(can_pay, urgent), can_pay)
        can_pay[self.stance == STOP] = 0.0
        can_pay = np.where(self.locked, np.where(self.cash >= owed, owed, 0.0), can_pay)
        can_pay[self.relocated | (self.status != ACTIVE)] = 0.0
        self._allocate(can_pay)
        self.cash -= can_pay
        self.paid_today = can_pay
        return can_pay

    def _allocate(self, pay: np.ndarray) -> None:
        cum = np.cumsum(self.unpaid, axis=1)
        remaining = np.maximum(cum - pay[:, None], 0.0)
        self.unpaid = np.diff(np.column_stack([np.zeros(self.n), remaining]), axis=1)

    def accrue_revenue(self, day: int, revenue_cny: np.ndarray) -> None:
        """Book today's client revenue; it arrives after each lessee's payment delay."""
        paid = revenue_cny * (1 - self.cfg.lessee.bad_debt_share)
        slots = (day + self.delay_days) % self.receivables.shape[1]
        self.receivables[np.arange(self.n), slots] += paid

    def restructure(self, i: int) -> float:
        """Defer lease ``i``'s arrears over the next months; returns the amount deferred."""
        months = self.cfg.bank.restructure_spread_months
        amount = float(self.unpaid[i].sum())
        self.unpaid[i] = 0.0
        self.deferred_cny[i] = amount / months
        self.deferred_months_left[i] = months
        self.restructures[i] += 1
        return amount

    def exposure_cny(self, i: int) -> float:
        """Outstanding financed principal (straight line over the tenor) plus arrears."""
        lease = self.cfg.lease
        financed = self.devices.price_cny[i] * (1 - lease.down_payment_share)
        remaining = max(0.0, 1 - self.months_elapsed[i] / lease.tenor_months)
        deferred = self.deferred_cny[i] * self.deferred_months_left[i]
        return float(financed * remaining + self.unpaid[i].sum() + deferred)

    def value_cny(self, i: int, day: int) -> float:
        """Market value of device ``i`` today (straight-line depreciation)."""
        age = self.age_years_at_day0[i] + day / DAYS_PER_YEAR
        return float(
            self.devices.price_cny[i] * max(0.0, 1 - self.cfg.lease.depreciation_per_year * age)
        )
