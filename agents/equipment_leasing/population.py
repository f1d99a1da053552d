"""Who leases what: device traits (fixed per slot) and lessee traits (drawn per lease).

Device slot ``i`` keeps its equipment for the whole run; each new lease on it (after a default
and repossession, or at maturity) brings a new lessee whose traits come from the stream
``("lease", i, lease_no)`` — the same numbers in every mode, whatever happened before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.equipment_leasing.schema import EquipmentLeasingConfig
from sim.kernel.rng import SeedTree


@dataclass(frozen=True)
class DeviceTraits:
    """Static attributes of the device slots (index i = device i)."""

    device_ids: tuple[str, ...]
    class_names: tuple[str, ...]
    class_index: np.ndarray
    price_cny: np.ndarray
    fuel_litres_per_hour: np.ndarray
    fuel_max_litres_per_hour: np.ndarray
    client_rate_cny_per_hour: np.ndarray
    home_lat: np.ndarray
    home_lon: np.ndarray
    age_years_at_start: np.ndarray

    @property
    def count(self) -> int:
        """Number of device slots."""
        return len(self.device_ids)


@dataclass(frozen=True)
class LesseeTraits:
    """Traits of the lessee of one lease."""

    idle_share: float
    payment_delay_days: int
    intensity: float
    months_elapsed: int
    cash_buffer_months: float | None = None
    statement_error: float = 1.0
    repeat_draw: float = 1.0


def build_devices(cfg: EquipmentLeasingConfig, seeds: SeedTree) -> DeviceTraits:
    """Draw the fleet from the ``devices`` stream."""
    rng = seeds.generator("devices")
    n, classes = cfg.fleet.devices, cfg.fleet.classes
    names = tuple(classes)
    shares = np.array([classes[k].share for k in names])
    idx = rng.choice(len(names), size=n, p=shares / shares.sum())
    attr = {
        key: np.array([getattr(classes[k], key) for k in names])[idx]
        for key in (
            "price_cny",
            "fuel_litres_per_hour",
            "fuel_max_litres_per_hour",
            "client_rate_cny_per_hour",
        )
    }
    region = cfg.fleet.home_region
    return DeviceTraits(
        device_ids=tuple(f"EQ{i:05d}" for i in range(n)),
        class_names=names,
        class_index=idx,
        home_lat=rng.uniform(region.lat_min, region.lat_max, n),
        home_lon=rng.uniform(region.lon_min, region.lon_max, n),
        age_years_at_start=rng.uniform(0, cfg.fleet.initial_age_years_max, n),
        **attr,
    )


def draw_lessee(
    cfg: EquipmentLeasingConfig, seeds: SeedTree, slot: int, lease_no: int
) -> LesseeTraits:
    """Traits of lease ``lease_no`` on device ``slot`` (lease 0 is already running at start)."""
    rng = seeds.generator("lease", str(slot), str(lease_no))
    lo, hi = cfg.fleet.idle_share_range
    delay_lo, delay_hi = cfg.lessee.client_payment_delay_days
    elapsed = int(rng.integers(0, cfg.lease.tenor_months)) if lease_no == 0 else 0
    sd = cfg.lessee.intensity_sd
    return LesseeTraits(
        idle_share=float(rng.uniform(lo, hi)),
        payment_delay_days=int(rng.integers(delay_lo, delay_hi + 1)),
        intensity=float(rng.lognormal(-(sd**2) / 2, sd)),
        months_elapsed=elapsed,
    )


def draw_applicant(
    cfg: EquipmentLeasingConfig, seeds: SeedTree, slot: int, lease_no: int, k: int
) -> LesseeTraits:
    """Applicant ``k`` for lease ``lease_no`` of ``slot``: a lessee's traits, its cash, the
    lessor's error reading its statements and the draw that makes it the previous lessee."""
    rng = seeds.generator("applicant", str(slot), str(lease_no), str(k))
    lo, hi = cfg.fleet.idle_share_range
    delay_lo, delay_hi = cfg.lessee.client_payment_delay_days
    cash_lo, cash_hi = cfg.prospects.cash_buffer_months
    sd = cfg.lessee.intensity_sd
    idle = float(rng.uniform(lo, hi))
    delay = int(rng.integers(delay_lo, delay_hi + 1))
    intensity = float(rng.lognormal(-(sd**2) / 2, sd))
    cash = float(rng.uniform(cash_lo, cash_hi))
    err_sd = cfg.prospects.statement_error_sd
    return LesseeTraits(
        idle_share=idle,
        payment_delay_days=delay,
        intensity=intensity,
        months_elapsed=0,
        cash_buffer_months=cash,
        statement_error=float(rng.lognormal(-(err_sd**2) / 2, err_sd)),
        repeat_draw=float(rng.random()),
    )
