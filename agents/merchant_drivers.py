"""Exogenous daily drivers of the merchant economy, as explicit shockable series.

Seasonality (national monthly profile with the 11.11 peak, scaled per category), platform
traffic, sector demand, loan-rate add-ons and the regional property-price index that moves
collateral values. Shocks are defined on sim days (day 0 = scenario start); days before the
start (warm-up, training history) see no shocks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sim.config.merchant_credit import MerchantCreditConfig, SeasonalityConfig

NOVEMBER, SINGLES_DAY = 11, 11


def national_season(dates: list[dt.date], cfg: SeasonalityConfig) -> np.ndarray:
    """Daily national sales factor; November averages ``month_factors[10]`` incl. the peak."""
    factors = np.array([cfg.month_factors[d.month - 1] for d in dates], dtype=float)
    nov_other = (30 * cfg.month_factors[NOVEMBER - 1] - cfg.singles_day_peak_factor) / 29
    for i, d in enumerate(dates):
        if d.month == NOVEMBER:
            factors[i] = cfg.singles_day_peak_factor if d.day == SINGLES_DAY else nov_other
    return np.maximum(factors, 0.05)


def _shock_series(days: np.ndarray, shocks: tuple) -> np.ndarray:
    total = np.zeros(days.size)
    for shock in shocks:
        total += np.where((days >= shock.start_day) & (days < shock.end_day), shock.magnitude, 0.0)
    return total


@dataclass(frozen=True)
class MerchantDrivers:
    """Driver arrays indexed by ``day - first_day`` (day 0 = scenario start).

    Attributes:
        first_day: sim day of row 0 (negative for warm-up/training history).
        season: (days, categories) sales factor.
        forward_ratio: (days, categories) mean season over the next restock interval
            divided by the mean over the past 30 days (merchants stock ahead of peaks).
        traffic: (days,) platform traffic factor.
        sector: (days, categories) sector demand factor.
        health_shift: (days, categories) shift of the health target caused by demand shocks.
        rate_add_daily_bps: (days,) loan-rate add-on from rate-rise shocks.
        property_index: (days, regions) collateral value index, 1.0 at scenario start.
    """

    first_day: int
    season: np.ndarray
    forward_ratio: np.ndarray
    traffic: np.ndarray
    sector: np.ndarray
    health_shift: np.ndarray
    rate_add_daily_bps: np.ndarray
    property_index: np.ndarray

    def row(self, day: int) -> int:
        """Row of sim ``day`` in the arrays."""
        return day - self.first_day


def build_drivers(
    cfg: MerchantCreditConfig, start: dt.date, first_day: int, days: int, shocks_on: bool = True
) -> MerchantDrivers:
    """Driver series for sim days ``[first_day, first_day + days)``.

    Args:
        cfg: the case config.
        start: calendar date of sim day 0.
        first_day: first sim day covered (may be negative).
        days: number of days covered.
        shocks_on: False for histories that must not see the scenario's shocks.
    """
    cats = list(cfg.population.categories.values())
    strength = np.array([c.seasonality_strength for c in cats])
    intervals = restock_interval_days(cfg)
    pad = int(intervals.max()) + 31
    sim_days = np.arange(first_day - 30, first_day + days + pad)
    dates = [start + dt.timedelta(days=int(d)) for d in sim_days]
    season_all = 1 + strength[None, :] * (national_season(dates, cfg.seasonality)[:, None] - 1)
    cum = np.vstack([np.zeros(len(cats)), np.cumsum(season_all, axis=0)])
    rows = np.arange(30, 30 + days)
    past = (cum[rows] - cum[rows - 30]) / 30
    ahead = np.stack([(cum[rows + k, j] - cum[rows, j]) / k for j, k in enumerate(intervals)], 1)
    in_window = sim_days[30 : 30 + days]
    shocks = cfg.shocks
    off = np.zeros(days)
    traffic_move = _shock_series(in_window, shocks.platform_traffic) if shocks_on else off
    rate_move_bps = _shock_series(in_window, shocks.rate_rise) if shocks_on else off
    sector_move = np.zeros((days, len(cats)))
    names = list(cfg.population.categories)
    for shock in shocks.sector_downturn if shocks_on else ():
        cols = [names.index(c) for c in shock.categories]
        sector_move[:, cols] += _shock_series(in_window, (shock,))[:, None]
    demand_move = traffic_move[:, None] + sector_move
    return MerchantDrivers(
        first_day=first_day,
        season=season_all[rows],
        forward_ratio=ahead / past,
        traffic=np.maximum(1 + traffic_move, 0.0),
        sector=np.maximum(1 + sector_move, 0.0),
        health_shift=cfg.health.shock_health_sensitivity * np.minimum(demand_move, 0.0),
        rate_add_daily_bps=rate_move_bps / 365,
        property_index=_property_index(cfg, in_window, shocks_on),
    )


def _property_index(cfg: MerchantCreditConfig, days: np.ndarray, shocks_on: bool) -> np.ndarray:
    drift = np.array([r.property_annual_change for r in cfg.population.regions.values()])
    trend = (1 + drift[None, :]) ** (days[:, None] / 365)
    move = _shock_series(days, cfg.shocks.property_price) if shocks_on else np.zeros(days.size)
    return np.maximum(trend * (1 + move[:, None]), 0.0)


def restock_interval_days(cfg: MerchantCreditConfig) -> np.ndarray:
    """Days between inventory purchases per category (365 / turnover, 3..120)."""
    turnover = np.array([c.inventory_turnover_per_year for c in cfg.population.categories.values()])
    return np.clip(np.rint(365 / turnover), 3, 120).astype(int)
