"""Rent: a tariff shape from the scenario (fixed, linear usage, declining block) → monthly rent.

Usage tariffs are revenue-neutral by construction: at the reference hours per month they charge
exactly the fixed annuity, so any income difference between tariffs comes from behaviour (hours,
take-up, defaults, recoveries), not from a priced-in markup. What a lessee responds to is
:meth:`Tariff.job_rent_cny`: the extra rent a job of some hours adds to the month's bill.
"""

from __future__ import annotations

import numpy as np

from agents.equipment_leasing.schema import LeaseConfig, TariffShape


def annuity_cny(principal_cny: np.ndarray, rate_annual: float, months: int) -> np.ndarray:
    """Monthly payment that repays ``principal_cny`` over ``months`` at ``rate_annual``."""
    r = rate_annual / 12
    if r == 0:
        return principal_cny / months
    return principal_cny * r / (1 - (1 + r) ** -months)


class Tariff:
    """Monthly rent as a function of the month's engine hours (vectorised over devices).

    Args:
        shape: the tariff's data (kind, base share, tiers, floor).
        name: the tariff's name in the scenario.
    """

    def __init__(self, shape: TariffShape, name: str = "") -> None:
        self.shape, self.name, self.kind = shape, name, shape.kind
        self.base_share = 1.0 if shape.kind == "fixed" else shape.base_share
        tiers = shape.tiers if shape.kind == "block" else ((0.0, 1.0),)
        self.starts = np.array([start for start, _ in tiers], dtype=float)
        self.multipliers = np.array([m for _, m in tiers], dtype=float)
        self.reference_units = float(self._units(np.array([shape.reference_hours_per_month]))[0])

    @property
    def is_usage(self) -> bool:
        """Whether the rent depends on metered hours."""
        return self.kind != "fixed"

    def _units(self, hours: np.ndarray) -> np.ndarray:
        """Priced hours: all-units blocks price every hour at the reached tier's multiplier,
        incremental blocks Σ multiplier × hours falling in each tier."""
        hours = np.asarray(hours, dtype=float)
        if self.shape.all_units:
            tier = np.searchsorted(self.starts, hours, side="right") - 1
            return hours * self.multipliers[tier]
        ends = np.append(self.starts[1:], np.inf)
        in_tier = np.clip(hours[:, None] - self.starts[None, :], 0, (ends - self.starts)[None, :])
        return in_tier @ self.multipliers

    def rent_cny(self, annuity: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Rent of a month with ``hours`` engine hours for leases of monthly ``annuity``."""
        if not self.is_usage:
            return np.asarray(annuity, dtype=float).copy()
        per_unit = (1 - self.base_share) * annuity / self.reference_units
        rent = self.base_share * annuity + per_unit * self._units(hours)
        return np.maximum(rent, self.shape.floor_share * annuity)

    def job_rent_cny(
        self, annuity: np.ndarray, month_hours: np.ndarray, job_hours: np.ndarray | float
    ) -> np.ndarray:
        """Extra rent of ``job_hours`` more when the month will otherwise end at ``month_hours``.

        0 under fixed rent; negative when the job lifts the month over an all-units threshold.
        """
        if not self.is_usage:
            return np.zeros_like(np.asarray(annuity, dtype=float))
        more = np.asarray(month_hours, dtype=float) + job_hours
        return self.rent_cny(annuity, more) - self.rent_cny(annuity, month_hours)

    def marginal_cny_per_hour(self, annuity: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Rent of one more engine hour after ``hours`` this month (0 for fixed rent)."""
        return self.job_rent_cny(annuity, hours, 1.0)


def lease_annuity_cny(price_cny: np.ndarray, lease: LeaseConfig) -> np.ndarray:
    """The fixed monthly rent of new leases on devices of ``price_cny``."""
    financed = price_cny * (1 - lease.down_payment_share)
    return annuity_cny(financed, lease.finance_rate_annual, lease.tenor_months)
