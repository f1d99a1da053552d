"""Who is in the merchant economy: heterogeneous traits and the exogenous daily drivers.

Each merchant has a category, region, size, tenure, margins, optional collateral and statements
and a long-run financial health (:func:`generate_traits`). The drivers are explicit shockable
series (:func:`build_drivers`): seasonality (national monthly profile with the 11.11 peak, scaled
per category), platform traffic, sector demand, loan-rate add-ons and the regional property-price
index that moves collateral values. Shocks are defined on sim days (day 0 = scenario start); days
before the start (warm-up, training history) see no shocks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np

from agents.merchant_credit.schema import MerchantCreditConfig, SeasonalityConfig
from sim.kernel.calendar import DAYS_PER_MONTH

#: Sales and season averages look back over this rolling window (days), e.g. ``sales_30d``.
WINDOW_DAYS = 30
#: Structural constants (shape, not behaviour): reported margin per unit of long-run health,
#: spreads of order value / property value / statement revenue.
MARGIN_PER_HEALTH = 0.05
TICKET_SIGMA, COLLATERAL_SIGMA, STATEMENT_REVENUE_SIGMA = 0.5, 0.5, 0.1
#: Days of November (the 11.11 peak is spread against the other 29).
NOVEMBER_DAYS = 30


@dataclass(frozen=True)
class MerchantTraits:
    """Static attributes (index i = merchant i)."""

    category: np.ndarray
    region: np.ndarray
    base_daily_sales_cny: np.ndarray
    long_run_health: np.ndarray
    gross_margin: np.ndarray
    fixed_cost_daily_cny: np.ndarray
    sales_noise: np.ndarray
    refund_logit: np.ndarray
    rating_bias: np.ndarray
    turnover_base: np.ndarray
    restock_interval_days: np.ndarray
    restock_phase: np.ndarray
    tenure_days_at_start: np.ndarray
    avg_ticket_cny: np.ndarray
    consent: np.ndarray
    collateral_value_cny: np.ndarray
    mortgage_cny: np.ndarray
    has_statements: np.ndarray
    statement_revenue_cny: np.ndarray
    statement_margin: np.ndarray

    @property
    def size(self) -> int:
        return int(self.category.size)

    @property
    def monthly_cost_cny(self) -> np.ndarray:
        """Typical monthly outflow (fixed costs + cost of goods), the unit of cash rules."""
        cogs = (1 - self.gross_margin) * self.base_daily_sales_cny
        return DAYS_PER_MONTH * (self.fixed_cost_daily_cny + cogs)


def generate_traits(
    cfg: MerchantCreditConfig,
    n: int,
    rng: np.random.Generator,
    property_rng: np.random.Generator | None = None,
) -> MerchantTraits:
    """Draw ``n`` heterogeneous merchants.

    Args:
        cfg: the case config.
        n: number of merchants.
        rng: the traits stream.
        property_rng: the stream of the existing mortgages (a named stream of the seed tree, so
            that ``population.mortgage_share_max`` never shifts the other draws); a child of
            ``rng`` when not given.
    """
    pop, health = cfg.population, cfg.health
    cats = list(pop.categories.values())
    category = rng.choice(len(cats), size=n, p=[c.share for c in cats])
    region = rng.choice(len(pop.regions), size=n, p=[r.share for r in pop.regions.values()])
    size = np.exp(rng.normal(0, pop.monthly_sales_sigma, n))
    base = pop.monthly_sales_median_cny / DAYS_PER_MONTH * size
    mu = rng.normal(0, health.dispersion, n)
    margin = np.array([c.gross_margin for c in cats])[category]
    refund = np.array([c.refund_rate for c in cats])[category]
    expected_sales = base * np.exp(health.sales_health_sensitivity * mu)
    fixed = np.maximum(margin * (1 - refund) - pop.net_margin, 0) * expected_sales
    interval = restock_interval_days(cfg)[category]
    true_margin = pop.net_margin + MARGIN_PER_HEALTH * mu
    property_rng = property_rng if property_rng is not None else rng.spawn(1)[0]
    mortgage_share = pop.mortgage_share_max * property_rng.random(n)
    traits = MerchantTraits(
        category=category,
        region=region,
        base_daily_sales_cny=base,
        long_run_health=mu,
        gross_margin=margin,
        fixed_cost_daily_cny=fixed,
        sales_noise=np.array([c.sales_noise for c in cats])[category],
        refund_logit=np.log(refund / (1 - refund)) + rng.normal(0, pop.signal_offset_sd, n),
        rating_bias=rng.normal(0, pop.signal_offset_sd, n),
        turnover_base=np.array([c.inventory_turnover_per_year for c in cats])[category]
        * np.exp(rng.normal(0, pop.signal_offset_sd, n)),
        restock_interval_days=interval,
        restock_phase=rng.integers(0, interval),
        tenure_days_at_start=rng.integers(
            round(DAYS_PER_MONTH), round(pop.tenure_months_max * DAYS_PER_MONTH) + 1, n
        ),
        avg_ticket_cny=pop.avg_ticket_cny * np.exp(rng.normal(0, TICKET_SIGMA, n)),
        consent=rng.random(n) < cfg.behaviour.consent_probability,
        collateral_value_cny=np.where(
            rng.random(n) < pop.collateral_probability,
            pop.collateral_value_sales_months
            * DAYS_PER_MONTH
            * base
            * np.exp(rng.normal(0, COLLATERAL_SIGMA, n)),
            0.0,
        ),
        mortgage_cny=np.zeros(n),
        has_statements=rng.random(n) < pop.statements_probability,
        statement_revenue_cny=365
        * expected_sales
        * np.exp(rng.normal(0, STATEMENT_REVENUE_SIGMA, n)),
        statement_margin=true_margin + rng.normal(0, pop.statement_noise, n),
    )
    return dataclasses.replace(traits, mortgage_cny=mortgage_share * traits.collateral_value_cny)


NOVEMBER, SINGLES_DAY = 11, 11


def national_season(dates: list[dt.date], cfg: SeasonalityConfig) -> np.ndarray:
    """Daily national sales factor; November averages ``month_factors[10]`` incl. the peak."""
    factors = np.array([cfg.month_factors[d.month - 1] for d in dates], dtype=float)
    peak = cfg.singles_day_peak_factor
    nov_other = (NOVEMBER_DAYS * cfg.month_factors[NOVEMBER - 1] - peak) / (NOVEMBER_DAYS - 1)
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
            divided by the mean over the past ``WINDOW_DAYS`` (merchants stock ahead of peaks).
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
    pad = int(intervals.max()) + WINDOW_DAYS + 1
    sim_days = np.arange(first_day - WINDOW_DAYS, first_day + days + pad)
    dates = [start + dt.timedelta(days=int(d)) for d in sim_days]
    season_all = 1 + strength[None, :] * (national_season(dates, cfg.seasonality)[:, None] - 1)
    cum = np.vstack([np.zeros(len(cats)), np.cumsum(season_all, axis=0)])
    rows = np.arange(WINDOW_DAYS, WINDOW_DAYS + days)
    past = (cum[rows] - cum[rows - WINDOW_DAYS]) / WINDOW_DAYS
    ahead = np.stack([(cum[rows + k, j] - cum[rows, j]) / k for j, k in enumerate(intervals)], 1)
    in_window = sim_days[WINDOW_DAYS : WINDOW_DAYS + days]
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
