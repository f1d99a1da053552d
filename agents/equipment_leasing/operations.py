"""One working day of every lessee: projects, hours worked, spot work, misbehaviour under stress.

All random numbers of a day are drawn up front with fixed shapes (:func:`draw_day`), whatever
the state, so both modes consume identical streams (common random numbers); behaviour differs
only through state and prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.equipment_leasing.book import ACTIVE, STOP, LeaseBook
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

    def defaulting(self, dpd: np.ndarray) -> np.ndarray:
        """Lessees that stopped paying, or are behind beyond what they meant to stretch: only
        they may move the machine away (a lessee stretching its lessor keeps it on site)."""
        return (self.book.stance == STOP) | (dpd >= max(self.book.partly_days, 1))

    def run_day(
        self,
        draws: DayDraws,
        season: float,
        demand: float,
        dpd: np.ndarray,
        days_left: int = 0,
    ) -> DayUsage:
        """Advance projects, decide hours, apply stress behaviour; returns the day's usage.

        ``days_left``: days of the billing month after today (a lessee prices a job against the
        hours it expects the month to end with).
        """
        self._projects(draws, demand)
        hours = self._hours(draws, season, demand, days_left)
        stressed = self.distressed(dpd) & (self.book.status == ACTIVE)
        moved = self._relocations(draws, stressed & self.defaulting(dpd))
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

    def expected_daily_hours(self, season: float, demand: float) -> np.ndarray:
        """What each lessee expects to work on an average coming day (projects and gaps)."""
        d = self.cfg.demand
        busy = d.project_days_mean / (d.project_days_mean + d.gap_days_mean)
        typical = d.engine_hours_per_workday * season * min(demand, d.demand_multiplier_cap)
        return busy * d.workday_probability * typical * self.book.intensity

    def _hours(self, draws: DayDraws, season: float, demand: float, days_left: int) -> np.ndarray:
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
        spot_hours = min(typical, self.max_hours)
        month_end = book.hours_month + days_left * self.expected_daily_hours(season, demand)
        accepted = self.spot_accepted(draws, season, spot_hours, month_end)
        hours += np.where(free & accepted, spot_hours, 0.0)
        started = book.matched_wait_days == 0
        matched = free & (hours == 0) & workday & started & (book.matched_days_left > 0)
        hours += np.where(matched, min(typical, self.max_hours), 0.0)
        book.matched_days_left = np.where(
            started, np.maximum(book.matched_days_left - 1, 0), book.matched_days_left
        )
        book.matched_wait_days = np.maximum(book.matched_wait_days - 1, 0)
        book.hours_month += hours
        return hours

    def spot_accepted(
        self, draws: DayDraws, season: float, job_hours: float, month_end_hours: np.ndarray
    ) -> np.ndarray:
        """Price response, job by job: a spot job is taken when its margin beats the rent it adds.

        The rent it adds is that of ``job_hours`` more on top of the hours the lessee expects the
        month to end with: 0 under fixed rent, the per-hour rent under a linear tariff, and under
        an all-units block tariff possibly negative — a lessee just below a tier threshold takes
        even a thin job to bring the whole month into the cheaper tier.
        """
        d, book = self.cfg.demand, self.book
        lo, hi = d.spot_margin_cny_per_hour
        margin = lo + (hi - lo) * draws.u["spot_margin"]
        extra_rent = book.job_rent_cny(month_end_hours, job_hours)
        offered = draws.u["spot"] < d.spot_job_probability * min(season, d.spot_season_cap)
        return offered & (margin * job_hours > extra_rent)

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
