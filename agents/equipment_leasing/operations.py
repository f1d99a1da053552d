"""One working day of every lessee: projects, hours worked, spot work, misbehaviour under stress.

All random numbers of a day are drawn up front with fixed shapes (:func:`draw_day`), whatever
the state, so both modes consume identical streams (common random numbers); behaviour differs
only through state and prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.equipment_leasing.book import ACTIVE, LeaseBook
from agents.equipment_leasing.schema import EquipmentLeasingConfig
from sim.kernel.calendar import HOURS_PER_DAY

DRAW_ROWS = (
    "project",
    "site_lat",
    "site_lon",
    "workday",
    "spot",
    "spot_margin",
    "relocate",
    "fuel",
    "fault",
    "fault_code",
    "match",
    "locate",
)


@dataclass(frozen=True)
class DayDraws:
    """The day's uniforms (one row per name in ``DRAW_ROWS``) and normals."""

    u: dict[str, np.ndarray]
    z: np.ndarray


def draw_day(rng: np.random.Generator, n: int) -> DayDraws:
    """Draw every random number of one day for ``n`` devices."""
    rows = rng.random((len(DRAW_ROWS), n))
    return DayDraws(dict(zip(DRAW_ROWS, rows, strict=True)), rng.standard_normal(n))


@dataclass(frozen=True)
class DayUsage:
    """What the devices did today (index i = device i)."""

    engine_hours: np.ndarray
    productive_hours: np.ndarray
    extra_fuel_litres_per_hour: np.ndarray
    faults: tuple[tuple[int, str], ...]
    newly_relocated: np.ndarray


class Operations:
    """Daily behaviour of the lessees of one mode.

    Args:
        cfg: the case config.
        book: the lease book (state is updated in place).
    """

    def __init__(self, cfg: EquipmentLeasingConfig, book: LeaseBook) -> None:
        self.cfg, self.book = cfg, book
        self.max_hours = float(HOURS_PER_DAY - cfg.fleet.shift_start_hour)

    def distressed(self, dpd: np.ndarray) -> np.ndarray:
        """Lessees behind on rent or out of cash."""
        return (dpd > 0) | (self.book.cash < 0)

    def run_day(self, draws: DayDraws, season: float, demand: float, dpd: np.ndarray) -> DayUsage:
        """Advance projects, decide hours, apply stress behaviour; returns the day's usage."""
        self._projects(draws, demand)
        hours = self._hours(draws, season, demand)
        stressed = self.distressed(dpd) & (self.book.status == ACTIVE)
        moved = self._relocations(draws, stressed)
        misuse = (
            stressed
            & (hours > 0)
            & (draws.u["fuel"] < self.cfg.lessee.fuel_misuse_probability_per_day)
        )
        extra = np.where(misuse, self.cfg.lessee.fuel_misuse_litres_per_hour, 0.0)
        return DayUsage(
            engine_hours=hours,
            productive_hours=hours * (1 - self.book.idle_share),
            extra_fuel_litres_per_hour=extra,
            faults=self._faults(draws, stressed),
            newly_relocated=moved,
        )

    def _projects(self, draws: DayDraws, demand: float) -> None:
        d, book = self.cfg.demand, self.book
        u = draws.u["project"]
        ends = book.project_active & (u < 1 / d.project_days_mean)
        starts = ~book.project_active & (u < demand / d.gap_days_mean)
        book.project_active = (book.project_active & ~ends) | starts
        moving = starts & ~book.relocated
        spread = self.cfg.fleet.site_spread_degrees
        book.site_lat = np.where(
            moving, book.devices.home_lat + (2 * draws.u["site_lat"] - 1) * spread, book.site_lat
        )
        book.site_lon = np.where(
            moving, book.devices.home_lon + (2 * draws.u["site_lon"] - 1) * spread, book.site_lon
        )

    def _hours(self, draws: DayDraws, season: float, demand: float) -> np.ndarray:
        d, book = self.cfg.demand, self.book
        can_work = (book.status == ACTIVE) & ~book.locked
        workday = draws.u["workday"] < d.workday_probability
        typical = d.engine_hours_per_workday * season * min(demand, d.demand_multiplier_cap)
        project = np.clip(
            typical * book.intensity + d.engine_hours_sd * draws.z,
            d.project_min_engine_hours,
            self.max_hours,
        )
        on_project = can_work & workday & (book.project_active | book.relocated)
        hours = np.where(on_project, project, 0.0)
        free = can_work & ~on_project
        hours += np.where(
            free & self._spot_accepted(draws, season), min(typical, self.max_hours), 0.0
        )
        matched = free & (hours == 0) & workday & (book.matched_days_left > 0)
        hours += np.where(matched, min(typical, self.max_hours), 0.0)
        book.matched_days_left = np.maximum(book.matched_days_left - 1, 0)
        book.hours_month += hours
        return hours

    def _spot_accepted(self, draws: DayDraws, season: float) -> np.ndarray:
        """Spot jobs come with a margin per hour; taken if it beats the marginal rent."""
        d, book = self.cfg.demand, self.book
        lo, hi = d.spot_margin_cny_per_hour
        margin = lo + (hi - lo) * draws.u["spot_margin"]
        marginal = book.tariff.marginal_cny_per_hour(book.annuity, book.hours_month)
        offered = draws.u["spot"] < d.spot_job_probability * min(season, d.spot_season_cap)
        return offered & (margin > marginal)

    def _relocations(self, draws: DayDraws, stressed: np.ndarray) -> np.ndarray:
        book, p = self.book, self.cfg.lessee.relocate_probability_per_day
        moved = stressed & ~book.relocated & ~book.locked & (draws.u["relocate"] < p)
        book.relocated |= moved
        book.site_lon = np.where(
            moved, book.site_lon + self.cfg.fleet.relocation_offset_degrees, book.site_lon
        )
        return moved

    def _faults(self, draws: DayDraws, stressed: np.ndarray) -> tuple[tuple[int, str], ...]:
        lessee = self.cfg.lessee
        p = lessee.fault_probability_per_day * np.where(
            stressed, lessee.distressed_fault_multiplier, 1.0
        )
        hit = (self.book.status == ACTIVE) & (draws.u["fault"] < p)
        codes = lessee.fault_codes
        picks = (draws.u["fault_code"] * len(codes)).astype(int)
        return tuple((int(i), codes[picks[i]]) for i in np.flatnonzero(hit))
