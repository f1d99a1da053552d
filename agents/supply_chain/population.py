"""The supplier tree and every exogenous draw of case 1, generated once per run.

Both modes get the same :class:`Population` (built from the same seed child), so the same
deliveries, terms, core payment behaviour, decision times and attack schedule face the chain and
the paper ledger (common random numbers). Draws are vectorised per population.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from agents.supply_chain.schema import SupplyChainConfig
from sim.kernel.calendar import DAYS_PER_MONTH
from sim.kernel.rng import SeedTree

ATTACK_KINDS = (
    "double_financing",
    "forged_receivable",
    "unauthorised_disbursement",
    "paused_action",
    "transfer_of_financed",
)


@dataclass(frozen=True)
class Delivery:
    """A tier-1 delivery to the core; the core issues one receivable for it.

    ``pay_delay_days`` is None when the core will never pay this invoice (default).
    """

    index: int
    day: int
    hour: float
    slot: int
    value_cny: float
    term_days: int
    pay_delay_days: float | None


@dataclass(frozen=True)
class Attack:
    """One adversarial attempt scheduled on ``day`` at ``hour`` by adversary ``slot``."""

    day: int
    hour: float
    kind: str
    slot: int


@dataclass(frozen=True)
class Population:
    """Suppliers (tier-1 slots 0..n1-1, tier-2 slots 0..n2-1) and the exogenous streams."""

    tier1_sales_cny: np.ndarray
    tier1_own_rate_bps: np.ndarray
    tier2_own_rate_bps: np.ndarray
    tier1_buffer_factor: np.ndarray
    tier2_buffer_factor: np.ndarray
    tier2_of_tier1: np.ndarray
    adversaries: tuple[int, ...]
    deliveries: tuple[Delivery, ...]
    attacks: tuple[Attack, ...]
    tier1_hurdle_bps: np.ndarray
    tier2_hurdle_bps: np.ndarray
    core_grade: np.ndarray
    core_default_day: int | None
    tier1_bargaining: np.ndarray
    #: demand index per tier-1 slot (rows) and month (columns); all ones without demand
    tier1_demand: np.ndarray

    def demand(self, tier: int, slot: int, day: int) -> float:
        """The demand index of a supplier on ``day`` (tier-2: mean of its customers')."""
        month = self.month_of(day)
        if tier == 1:
            return float(self.tier1_demand[slot, month])
        return float(self.tier2_demand[slot, month])

    def month_of(self, day: int) -> int:
        """The demand month (column) of ``day``; the last one past the drawn horizon."""
        return min(int(day / DAYS_PER_MONTH), self.tier1_demand.shape[1] - 1)

    def demand_by_slot(self, day: int) -> tuple[list[float], list[float]]:
        """Every tier-1 and every tier-2 slot's demand index on ``day``, as :meth:`demand`
        gives them one at a time."""
        month = self.month_of(day)
        tier1: list[float] = self.tier1_demand[:, month].tolist()
        tier2: list[float] = self.tier2_demand[:, month].tolist()
        return tier1, tier2

    @cached_property
    def tier2_demand(self) -> np.ndarray:
        """Demand index per tier-2 slot (rows) and month: the mean of its customers' (1 for a
        slot without customers). Built once: a scan of all tier-1 slots per tier-2 slot and day
        made the daily cost round quadratic in the population."""
        months = self.tier1_demand.shape[1]
        table = np.ones((self.tier2_count, months))
        order = np.argsort(self.tier2_of_tier1, kind="stable")
        slots, starts = np.unique(self.tier2_of_tier1[order], return_index=True)
        for slot, customers in zip(slots, np.split(order, starts[1:]), strict=True):
            if slot < 0:  # no tier-2 tier: tier-1s map to -1
                continue
            for month in range(months):
                table[slot, month] = self.tier1_demand[customers, month].mean()
        return table

    def bargaining(self, cfg: SupplyChainConfig, slot: int, day: int) -> float:
        """The core's bargaining power over tier-1 ``slot`` on ``day`` (shocks applied)."""
        value = float(self.tier1_bargaining[slot])
        for shock in cfg.core.terms.bargaining_shocks:
            if shock.start_day <= day < shock.end_day:
                value *= 1 + shock.magnitude
        return min(max(value, 0.0), 1.0)

    @property
    def tier1_count(self) -> int:
        """Number of tier-1 slots."""
        return len(self.tier1_sales_cny)

    @property
    def tier2_count(self) -> int:
        """Number of tier-2 slots."""
        return len(self.tier2_own_rate_bps)


def operating_cycle_days(cfg: SupplyChainConfig) -> float:
    """Expected days from incurring a cost to collecting its cash, from the core's terms.

    Mean contract term + late share x mean delay past due + half the interval between
    deliveries (costs accrue between invoices). Defaulted invoices are not part of the cycle.
    """
    core, pop = cfg.core, cfg.population
    interval_days = DAYS_PER_MONTH / pop.deliveries_per_month
    return core.term_days_mean + core.late_share * core.mean_delay_days + interval_days / 2


def _business_hours(rng: np.random.Generator, size: int, cfg: SupplyChainConfig) -> np.ndarray:
    start, end = cfg.business_hours
    return start + rng.random(size) * (end - start)


def _shock_scale(cfg: SupplyChainConfig, days: np.ndarray) -> np.ndarray:
    scale = np.ones(len(days))
    for shock in cfg.core.distress:
        scale *= np.where(
            (days >= shock.start_day) & (days < shock.end_day), 1 + shock.magnitude, 1
        )
    return scale


def opening_cash_days(cfg: SupplyChainConfig, buffer_factor: float) -> float:
    """A supplier's opening cash in days of its operating cost (incumbents and entrants).

    The funded operating cycle (if configured) plus the buffer scaled by the supplier's draw.
    """
    pop = cfg.population
    cycle_days = operating_cycle_days(cfg) if pop.fund_operating_cycle else 0.0
    return cycle_days + DAYS_PER_MONTH * pop.cash_buffer_months * buffer_factor


def _settlement_days(
    suppliers: int, per_month: float, days: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Regular settlement (e.g. 月结): every ``30.4 / per_month`` days from a random phase.

    Production, and so cost, runs continuously; invoices are periodic statements, not random
    events. Returns ``(slot, day)`` of every delivery within ``days``, slot-major.
    """
    interval = DAYS_PER_MONTH / per_month
    phase = rng.random(suppliers) * interval
    steps = np.arange(int(np.ceil(days / interval)) + 1)
    when = phase[:, None] + steps[None, :] * interval
    slot, step = np.nonzero(when < days)
    return slot, np.floor(when[slot, step]).astype(int)


def demand_paths(cfg: SupplyChainConfig, days: int, rng: np.random.Generator) -> np.ndarray:
    """Monthly demand index per tier-1 (AR(1) in logs from 1, sector shocks on top)."""
    demand, n = cfg.population.demand, cfg.population.tier1_count
    months = int(np.ceil(days / DAYS_PER_MONTH)) + 1
    eps = rng.normal(0, 1, (n, months))
    if not demand.enabled:
        return np.ones((n, months))
    log_d = np.zeros((n, months))
    for m in range(1, months):
        log_d[:, m] = demand.persistence * log_d[:, m - 1] + demand.sigma * eps[:, m]
    starts = np.floor(np.arange(months) * DAYS_PER_MONTH).astype(int)
    sector = np.ones(months)
    for shock in demand.shocks:
        sector *= np.where(
            (starts >= shock.start_day) & (starts < shock.end_day), 1 + shock.magnitude, 1
        )
    return np.exp(log_d) * np.maximum(sector, 0.0)[None, :]


def _deliveries(
    cfg: SupplyChainConfig,
    sales: np.ndarray,
    days: int,
    rng: np.random.Generator,
    demand: np.ndarray | None = None,
) -> tuple[Delivery, ...]:
    pop, core = cfg.population, cfg.core
    slot, day = _settlement_days(len(sales), pop.deliveries_per_month, days, rng)
    n = len(slot)
    noise = np.exp(rng.normal(0, pop.invoice_value_sigma, n))
    value = sales[slot] / pop.deliveries_per_month * noise
    if demand is not None:
        month = np.minimum((day / DAYS_PER_MONTH).astype(int), demand.shape[1] - 1)
        value = value * demand[slot, month]
    extra = rng.exponential(max(core.term_days_mean - core.term_days_min, 1e-9), n)
    term = np.minimum(core.term_days_min + np.round(extra), core.term_days_max).astype(int)
    hour = _business_hours(rng, n, cfg)
    scale = _shock_scale(cfg, day)
    u_default, u_late = rng.random(n), rng.random(n)
    delay = rng.exponential(max(core.mean_delay_days, 1e-9), n)
    # the flat per-invoice default only without a core credit state (the draw is made either way)
    flat_share = 0.0 if core.credit.enabled else core.default_share
    defaulted = u_default < np.minimum(flat_share * scale, 1)
    late = u_late < np.minimum(core.late_share * scale, 1)
    order = np.lexsort((hour, day))
    return tuple(
        Delivery(
            index=k,
            day=int(day[i]),
            hour=float(hour[i]),
            slot=int(slot[i]),
            value_cny=float(value[i]),
            term_days=int(term[i]),
            pay_delay_days=None if defaulted[i] else float(delay[i] if late[i] else 0.0),
        )
        for k, i in enumerate(order)
    )


def core_credit_path(
    cfg: SupplyChainConfig, days: int, rng: np.random.Generator
) -> tuple[np.ndarray, int | None]:
    """The core's grade on every sim day and its default day (None: no default in the run).

    Monthly steps (every 30.4 days): default with the grade's monthly PD, else a one-notch
    downgrade or upgrade with the monthly migration probabilities; ``core.distress`` windows
    scale PD and downgrade intensity by (1 + magnitude). One uniform per month, drawn for
    the whole horizon, so the path does not depend on whether the state is used.
    """
    credit = cfg.core.credit
    pds = np.array(credit.grade_pd_annual)
    steps = int(np.ceil(days / DAYS_PER_MONTH)) + 1
    u = rng.random(steps)
    starts = np.floor(np.arange(steps) * DAYS_PER_MONTH).astype(int)
    scale = _shock_scale(cfg, starts)
    grade = np.full(days + 1, credit.start_grade, dtype=int)
    g, default_day = credit.start_grade, None
    for m in range(steps):
        start = int(starts[m])
        if start > days:
            break
        p_def = 1 - (1 - min(pds[g] * scale[m], 1.0)) ** (1 / 12)
        p_down = 1 - np.exp(-credit.downgrade_per_year * scale[m] / 12)
        p_up = 1 - np.exp(-credit.upgrade_per_year / 12)
        if credit.enabled and u[m] < p_def:
            default_day = start
            break
        if u[m] < p_def + p_down:
            g = min(g + 1, len(pds) - 1)
        elif u[m] < p_def + p_down + p_up:
            g = max(g - 1, 0)
        grade[start:] = g
    return grade, default_day


def _attacks(
    cfg: SupplyChainConfig, adversaries: tuple[int, ...], days: int, rng: np.random.Generator
) -> tuple[Attack, ...]:
    if not adversaries:
        return ()
    adv = cfg.adversaries
    rates = [getattr(adv, f"{kind}_per_month") / DAYS_PER_MONTH for kind in ATTACK_KINDS]
    counts = rng.poisson(rates, size=(days, len(ATTACK_KINDS)))
    day, kind = np.nonzero(counts)
    hours = _business_hours(rng, len(day), cfg)
    who = rng.choice(np.array(adversaries), size=len(day))
    return tuple(
        Attack(int(d), float(h), ATTACK_KINDS[k], int(w))
        for d, k, h, w in zip(day, kind, hours, who, strict=True)
    )


def draw_population(cfg: SupplyChainConfig, seeds: SeedTree, horizon_days: int) -> Population:
    """Draw the supplier tree and all exogenous streams for ``horizon_days``.

    Args:
        cfg: case configuration.
        seeds: seed tree scoped to the case; only its ``population`` children are used.
        horizon_days: simulated days.
    """
    pop, bank = cfg.population, cfg.bank
    rng = seeds.generator("population", "suppliers")
    sales = pop.monthly_sales_median_cny * np.exp(rng.normal(0, pop.sales_sigma, pop.tier1_count))
    own1 = rng.integers(bank.own_rate_bps_min, bank.own_rate_bps_max + 1, pop.tier1_count)
    own2 = rng.integers(bank.own_rate_bps_min, bank.own_rate_bps_max + 1, pop.tier2_count)
    cash_rng = seeds.generator("population", "cash")
    buffer1 = np.exp(cash_rng.normal(0, pop.cash_buffer_sigma, pop.tier1_count))
    buffer2 = np.exp(cash_rng.normal(0, pop.cash_buffer_sigma, pop.tier2_count))
    tier2_of = (
        np.arange(pop.tier1_count) % pop.tier2_count
        if pop.tier2_count
        else np.full(pop.tier1_count, -1)
    )
    adversaries = tuple(
        sorted(int(i) for i in rng.choice(pop.tier1_count, cfg.adversaries.count, replace=False))
    )
    demand = demand_paths(cfg, horizon_days, seeds.generator("population", "demand"))
    deliveries = _deliveries(
        cfg, sales, horizon_days, seeds.generator("population", "deliveries"), demand
    )
    attacks = _attacks(cfg, adversaries, horizon_days, seeds.generator("population", "attacks"))
    fin, hurdle_rng = cfg.financing, seeds.generator("population", "hurdle")
    low, high = fin.hurdle_rate_bps_min, fin.hurdle_rate_bps_max + 1
    hurdle1 = hurdle_rng.integers(low, high, pop.tier1_count)
    hurdle2 = hurdle_rng.integers(low, high, pop.tier2_count)
    grade, default_day = core_credit_path(
        cfg, horizon_days, seeds.generator("population", "core_credit")
    )
    terms = cfg.core.terms
    bargaining_rng = seeds.generator("population", "bargaining")
    bargaining = np.minimum(
        terms.bargaining_median
        * np.exp(bargaining_rng.normal(0, terms.bargaining_sigma, pop.tier1_count)),
        1.0,
    )
    return Population(
        sales,
        own1,
        own2,
        buffer1,
        buffer2,
        tier2_of,
        adversaries,
        deliveries,
        attacks,
        hurdle1,
        hurdle2,
        grade,
        default_day,
        bargaining,
        demand,
    )
