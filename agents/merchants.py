"""Platform merchants as one vectorised population (numpy arrays, one slot per merchant).

Each merchant has a category, region, size, tenure, margins, cash, optional collateral and
statements, and a latent financial health ``h`` that the bank never sees. ``h`` follows an
AR(1) around the merchant's long-run mean shifted by a growth/stable/decline regime and by
demand shocks; it drives sales, ratings, refunds, inventory turnover and the failure hazard.
Cash follows sales, refunds, fixed costs and lumpy inventory purchases (stocked ahead of
peaks such as 11.11); running out of cash beyond the payables tolerance is also failure.

All draws come from the population's own generator, drawn unconditionally every day, so two
copies of a population (one per mode) see the same random numbers whatever the bank does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from agents.merchant_drivers import MerchantDrivers, restock_interval_days
from sim.config.merchant_credit import MerchantCreditConfig

DAYS_PER_MONTH = 30
HISTORY_DAYS_MAX = 365
DECLINE, STABLE, GROWTH = 0, 1, 2
#: Structural constants (shape, not behaviour): reported margin per unit of long-run health,
#: typical rating, spreads of order value / property value / statement revenue, initial regimes.
MARGIN_PER_HEALTH = 0.05
RATING_CENTRE = 5 - 0.5
TICKET_SIGMA, COLLATERAL_SIGMA, STATEMENT_REVENUE_SIGMA = 0.5, 0.5, 0.1
INITIAL_REGIME_SHARES = (0.2, 0.6, 0.2)
INITIAL_HEALTH_SD = 0.3
TURNOVER_NOISE_DAILY = 0.2


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


def generate_traits(cfg: MerchantCreditConfig, n: int, rng: np.random.Generator) -> MerchantTraits:
    """Draw ``n`` heterogeneous merchants."""
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
    return MerchantTraits(
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
        tenure_days_at_start=rng.integers(30, pop.tenure_months_max * DAYS_PER_MONTH + 1, n),
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
        has_statements=rng.random(n) < pop.statements_probability,
        statement_revenue_cny=365
        * expected_sales
        * np.exp(rng.normal(0, STATEMENT_REVENUE_SIGMA, n)),
        statement_margin=true_margin + rng.normal(0, pop.statement_noise, n),
    )


class MerchantPopulation:
    """Dynamic state of all merchants plus their generator; step one day at a time.

    Args:
        cfg: the case config.
        traits: the merchants' static attributes.
        rng: generator for daily dynamics (copied with the population).
        history_days: length of the observable ring buffers.
    """

    def __init__(
        self,
        cfg: MerchantCreditConfig,
        traits: MerchantTraits,
        rng: np.random.Generator,
        history_days: int,
    ) -> None:
        n = traits.size
        self.cfg, self.traits, self.rng = cfg, traits, rng
        self._daily_noise = cfg.population.signal_noise_daily
        self.history_days = min(history_days, HISTORY_DAYS_MAX)
        self.health = traits.long_run_health + rng.normal(0, INITIAL_HEALTH_SD, n)
        self.regime = rng.choice(3, size=n, p=INITIAL_REGIME_SHARES)
        self.alive = np.ones(n, dtype=bool)
        self.failed_day = np.full(n, np.iinfo(np.int32).max, dtype=np.int64)
        spread = cfg.population.cash_buffer_sigma
        buffer = np.exp(rng.normal(-(spread**2) / 2, spread, n))
        self.cash_cny = cfg.population.cash_buffer_months * traits.monthly_cost_cny * buffer
        self._sum_30d = np.zeros(n)
        self.days_run = 0
        shape = (self.history_days, n)
        self.sales = np.zeros(shape, dtype=np.float32)
        self.refunds = np.zeros(shape, dtype=np.float32)
        self.rating = np.zeros(shape, dtype=np.float32)
        self.turnover = np.zeros(shape, dtype=np.float32)

    @property
    def size(self) -> int:
        return self.traits.size

    def copy(self) -> MerchantPopulation:
        """Independent copy (state and generator) for running another mode."""
        return copy.deepcopy(self)

    @property
    def sales_30d_cny(self) -> np.ndarray:
        """Sales of the last 30 days (scaled up while fewer days have been simulated)."""
        return self._sum_30d * 30 / min(max(self.days_run, 1), 30)

    def monthly_sales_cny(self, idx: np.ndarray) -> np.ndarray:
        """Average monthly sales over the observable history window (what limits are sized on)."""
        filled = min(self.days_run, self.history_days)
        if filled == 0:
            return np.zeros(idx.size)
        return self.sales[:filled, idx].astype(float).mean(axis=0) * DAYS_PER_MONTH

    def tenure_months(self, day: int) -> np.ndarray:
        """Months on the platform on sim ``day``."""
        return (self.traits.tenure_days_at_start + day) / DAYS_PER_MONTH

    def step(self, day: int, drivers: MerchantDrivers, credit_access: np.ndarray) -> np.ndarray:
        """Advance one day; returns today's sales (CNY) per merchant.

        Args:
            day: sim day being simulated.
            drivers: exogenous series covering ``day``.
            credit_access: merchants holding a usable credit line (sales uplift).
        """
        z = self.rng.standard_normal((5, self.size))
        u = self.rng.random((3, self.size))
        row = drivers.row(day)
        self._move_health(drivers.health_shift[row][self.traits.category], z[0], u[0], u[1])
        sales = self._sales(drivers, row, credit_access, z[1])
        refunds = sales / (
            1
            + np.exp(
                -(
                    self.traits.refund_logit
                    - self._k("refund") * self.health
                    + self._daily_noise * z[2]
                )
            )
        )
        self._record(sales, refunds, z[3], z[4])
        self._pay(day, drivers, row, sales, refunds)
        self._fail(day, u[2])
        return sales

    def _k(self, what: str) -> float:
        return float(getattr(self.cfg.health, f"{what}_health_sensitivity"))

    def _move_health(
        self, shift: np.ndarray, z: np.ndarray, u_switch: np.ndarray, u_new: np.ndarray
    ) -> None:
        h = self.cfg.health
        p_switch = 1 - (1 - h.regime_switch_per_month) ** (1 / DAYS_PER_MONTH)
        switch = u_switch < p_switch
        self.regime = np.where(switch, np.minimum((u_new * 3).astype(int), 2), self.regime)
        target = self.traits.long_run_health + np.asarray(h.regime_drift)[self.regime] + shift
        self.health += h.mean_reversion_per_day * (target - self.health) + h.volatility_per_day * z

    def _sales(
        self, drivers: MerchantDrivers, row: int, credit: np.ndarray, z: np.ndarray
    ) -> np.ndarray:
        t, cat = self.traits, self.traits.category
        demand = drivers.season[row][cat] * drivers.traffic[row] * drivers.sector[row][cat]
        sigma = t.sales_noise
        noise = np.exp(sigma * z - sigma**2 / 2)
        uplift = 1 + self.cfg.behaviour.credit_sales_uplift * credit
        sales = (
            t.base_daily_sales_cny
            * demand
            * np.exp(self._k("sales") * self.health)
            * noise
            * uplift
        )
        return np.where(self.alive, sales, 0.0)

    def _record(
        self, sales: np.ndarray, refunds: np.ndarray, z_rating: np.ndarray, z_turn: np.ndarray
    ) -> None:
        slot = self.days_run % self.history_days
        if self.days_run >= 30:
            self._sum_30d -= self.sales[(self.days_run - 30) % self.history_days]
        self._sum_30d += sales
        self.sales[slot] = sales
        self.refunds[slot] = refunds
        rating = RATING_CENTRE + self.traits.rating_bias + self._k("rating") * self.health
        rating = rating + self._daily_noise * z_rating
        self.rating[slot] = np.where(self.alive, np.clip(rating, 1, 5), np.nan)
        turnover = self.traits.turnover_base * np.exp(
            self._k("turnover") * self.health + TURNOVER_NOISE_DAILY * z_turn
        )
        self.turnover[slot] = np.where(self.alive, turnover, 0.0)
        self.days_run += 1

    def _pay(
        self, day: int, drivers: MerchantDrivers, row: int, sales: np.ndarray, refunds: np.ndarray
    ) -> None:
        t = self.traits
        restock = (day + t.restock_phase) % t.restock_interval_days == 0
        ahead = drivers.forward_ratio[row][t.category]
        purchase = (1 - t.gross_margin) * self.sales_30d_cny / 30 * t.restock_interval_days * ahead
        outflow = t.fixed_cost_daily_cny + np.where(restock, purchase, 0.0)
        self.cash_cny = np.where(
            self.alive, self.cash_cny + sales - refunds - outflow, self.cash_cny
        )

    def _fail(self, day: int, u: np.ndarray) -> None:
        h = self.cfg.health
        hazard = h.failure_rate_annual / 365 * np.exp(-h.failure_health_sensitivity * self.health)
        insolvent = (
            self.cash_cny
            < -self.cfg.population.payables_tolerance_months
            * DAYS_PER_MONTH
            * self.traits.fixed_cost_daily_cny
        )
        failed = self.alive & ((u < -np.expm1(-hazard)) | insolvent)
        self.alive &= ~failed
        self.failed_day[failed] = day
