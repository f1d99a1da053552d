"""Rent: fixed monthly annuity, or base + per-hour tiers (more use → lower unit rent).

The usage tariff is revenue-neutral by construction: at the reference hours per month it
charges exactly the fixed annuity, so any income difference between modes comes from
behaviour (usage, defaults, recoveries), not from a priced-in markup.
"""

from __future__ import annotations

import numpy as np

from agents.equipment_leasing.schema import LeaseConfig, UsagePricing


def annuity_cny(principal_cny: np.ndarray, rate_annual: float, months: int) -> np.ndarray:
    """Monthly payment that repays ``principal_cny`` over ``months`` at ``rate_annual``."""
    r = rate_annual / 12
    if r == 0:
        return principal_cny / months
    return principal_cny * r / (1 - (1 + r) ** -months)


class Tariff:
    """Monthly rent as a function of the month's engine hours (vectorised over devices).

    Args:
        pricing: ``"usage"`` or ``"fixed"``.
        usage: the usage tariff's shape.
    """

    def __init__(self, pricing: str, usage: UsagePricing) -> None:
        self.pricing = pricing
        self.base_share = usage.base_share if pricing == "usage" else 1.0
        self.starts = np.array([start for start, _ in usage.tiers], dtype=float)
        self.multipliers = np.array([m for _, m in usage.tiers], dtype=float)
        self.reference_units = float(self._units(np.array([usage.reference_hours_per_month]))[0])

    def _units(self, hours: np.ndarray) -> np.ndarray:
        """Tier-weighted hours: Σ multiplier × hours falling in each tier."""
        ends = np.append(self.starts[1:], np.inf)
        in_tier = np.clip(hours[:, None] - self.starts[None, :], 0, (ends - self.starts)[None, :])
        return in_tier @ self.multipliers

    def rent_cny(self, annuity: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Rent of a month with ``hours`` engine hours for leases of monthly ``annuity``."""
        if self.pricing == "fixed":
            return annuity.copy()
        per_unit = (1 - self.base_share) * annuity / self.reference_units
        return self.base_share * annuity + per_unit * self._units(hours)

    def marginal_cny_per_hour(self, annuity: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Rent of one more engine hour after ``hours`` this month (0 for fixed rent)."""
        if self.pricing == "fixed":
            return np.zeros_like(annuity)
        tier = np.searchsorted(self.starts, hours, side="right") - 1
        per_unit = (1 - self.base_share) * annuity / self.reference_units
        return per_unit * self.multipliers[tier]


def lease_annuity_cny(price_cny: np.ndarray, lease: LeaseConfig) -> np.ndarray:
    """The fixed monthly rent of new leases on devices of ``price_cny``."""
    financed = price_cny * (1 - lease.down_payment_share)
    return annuity_cny(financed, lease.finance_rate_annual, lease.tenor_months)
