"""The lessees' monthly repayment decision: pay, pay partly or stop, against the consequence.

Each month, after the bill, every lessee in difficulty — its cash short of its arrears plus a
reserve of operating costs — weighs what it keeps by not paying against what it expects to lose:

* **stop**: it keeps the rent (worth ``liquidity_weight`` per yuan to a cash-short firm) until
  the lessor's first consequence. With a remote lock (``bank.remote_lock`` and the channel) that
  comes at ``bank.lock_after_days``: it loses ``lock_loss_months`` of the machine's margin and then
  pays the arrears to unlock. Without a lock the consequence is repossession after
  ``lease.default_after_days_past_due`` plus the repossession delay: with the odds that the lessor
  finds the machine (certain unless the lessee moved it away; with GPS nearly certain even then)
  it loses the machine's value to its business, ``value_horizon_months`` of margin.
* **partly**: it pays only the bills that would cross that first trigger within ``safety_days``
  (stretching the lessor up to the trigger, no consequence): worth
  ``(liquidity_weight - 1)`` per yuan deferred.
* **pay**: it pays whatever its cash allows, oldest first (lessees not in difficulty always do).

So the remote lock changes behaviour: it brings the consequence forward and makes stopping a
mere deferral with a loss of use, and it narrows how far a lessee can stretch.
"""

from __future__ import annotations

import numpy as np

from agents.equipment_leasing.book import ACTIVE, PARTLY, PAY, STOP, LeaseBook
from agents.equipment_leasing.schema import EquipmentLeasingConfig
from sim.kernel.calendar import DAYS_PER_MONTH

CHOICES = ("pay", "partly", "stop")


def machine_margin_cny(
    cfg: EquipmentLeasingConfig,
    client_rate: np.ndarray | float,
    fuel_litres_per_hour: np.ndarray | float,
    idle_share: np.ndarray | float,
    hours_month: np.ndarray | float,
) -> np.ndarray:
    """What a machine earns its lessee in a month of ``hours_month`` engine hours, before rent:
    client revenue after bad debt, less fuel (working and idling), operator and overhead."""
    lessee = cfg.lessee
    revenue = np.multiply(hours_month, client_rate) * (1 - lessee.bad_debt_share)
    per_hour = np.multiply(np.subtract(1, idle_share), fuel_litres_per_hour) + np.multiply(
        idle_share, cfg.fleet.idle_fuel_litres_per_hour
    )
    fuel = np.multiply(hours_month, per_hour) * lessee.fuel_price_cny_per_litre
    fixed = lessee.operator_cost_cny_per_month + lessee.overhead_cny_per_month
    return np.asarray(revenue - fuel - fixed)


class RepaymentDecision:
    """The lessees' monthly choice under one product (vectorised over the book's slots).

    Args:
        cfg: the case config (the lessees' repayment parameters, the lessor's triggers).
        telemetry: whether the machines carry GPS telemetry.
        lock: whether the lessor can lock a machine remotely (the lessees know the product).
    """

    def __init__(self, cfg: EquipmentLeasingConfig, telemetry: bool, lock: bool) -> None:
        self.cfg, self.telemetry, self.lock = cfg, telemetry, lock
        bank, lease = cfg.bank, cfg.lease
        self.trigger_days = bank.lock_after_days if self.lock else lease.default_after_days_past_due
        self.partly_days = max(self.trigger_days - cfg.lessee.repayment.safety_days, 0)

    def margin_cny_per_month(self, book: LeaseBook, daily_hours: np.ndarray) -> np.ndarray:
        """What the machine earns the lessee in a month before rent, at ``daily_hours``."""
        d = book.devices
        return machine_margin_cny(
            self.cfg,
            d.client_rate_cny_per_hour,
            d.fuel_litres_per_hour,
            book.idle_share,
            daily_hours * DAYS_PER_MONTH,
        )

    def find_probability(self, book: LeaseBook) -> np.ndarray:
        """The lessee's odds that the lessor finds its machine (certain unless moved away)."""
        p = self.cfg.bank
        moved = (
            p.locate_probability_with_gps
            if self.telemetry
            else (p.locate_probability_relocated_without_gps)
        )
        return np.where(book.relocated, moved, 1.0)

    def values(self, book: LeaseBook, daily_hours: np.ndarray) -> dict[str, np.ndarray]:
        """Value of each choice against paying (``pay`` = 0), per slot."""
        r, p = self.cfg.lessee.repayment, self.cfg.bank
        rent = book.annuity
        margin = np.maximum(self.margin_cny_per_month(book, daily_hours), 0.0)
        if self.lock:
            delay = self.trigger_days / DAYS_PER_MONTH
            loss = margin * r.lock_loss_months + rent * delay
        else:
            days = self.trigger_days + p.repossess_days_without_gps
            delay = days / DAYS_PER_MONTH
            loss = self.find_probability(book) * margin * r.value_horizon_months
        discount = (1 + r.discount_rate_monthly) ** -delay
        stretch = self.partly_days / DAYS_PER_MONTH
        return {
            "pay": np.zeros(book.n),
            "partly": (r.liquidity_weight - 1) * rent * stretch,
            "stop": r.liquidity_weight * rent * delay - discount * loss,
        }

    def in_difficulty(self, book: LeaseBook, daily_hours: np.ndarray) -> np.ndarray:
        """Active lessees whose cash falls short of their arrears plus the reserve."""
        lessee = self.cfg.lessee
        fixed = lessee.operator_cost_cny_per_month + lessee.overhead_cny_per_month
        reserve = lessee.repayment.reserve_months * fixed
        short = book.cash < book.arrears_cny() + reserve
        return (book.status == ACTIVE) & short & ~book.locked

    def choose(self, book: LeaseBook, daily_hours: np.ndarray) -> np.ndarray:
        """This month's stance per slot (``PAY``, ``PARTLY``, ``STOP``); sets ``book.stance``."""
        values = self.values(book, daily_hours)
        best = np.argmax(np.vstack([values[c] for c in CHOICES]), axis=0)
        stance = np.where(self.in_difficulty(book, daily_hours), best, PAY)
        book.stance = np.asarray(stance, dtype=np.int64)
        book.partly_days = self.partly_days
        assert PAY == 0 and PARTLY == 1 and STOP == 2  # CHOICES order
        return book.stance
