"""The merchants' behaviour: trading, cash, failure, and how they use credit (随借随还).

Merchants are one vectorised population (numpy arrays, one slot per merchant), not
``mesa.Agent`` objects: every merchant makes the same handful of draws every day, so thousands of
per-agent Python calls per step would cost far more than the array operations, and the numbers
would be the same. Each merchant has a latent financial health ``h`` that the bank never sees.
``h`` follows an AR(1) around the merchant's long-run mean shifted by a growth/stable/decline
regime and by demand shocks; it drives sales, ratings, refunds, inventory turnover and the
failure hazard. Cash follows sales, refunds, fixed costs and lumpy inventory purchases (stocked
ahead of peaks such as 11.11); running out of cash beyond the payables tolerance is also failure.

Credit behaviour: a merchant short of cash considers a line
(:meth:`MerchantPopulation.wants_credit`) and applies unless it knows the bank would reject it
(:meth:`MerchantPopulation.apply`: the discouraged borrowers of the survey row; a rejected
merchant learns the answer). With a line it
draws on it to reach its cash target and repays from spare cash, at least the billed minimum it
can afford (:meth:`MerchantPopulation.draw_and_repay`). A merchant that cannot pay its bill falls
past due; the book marks it in default at ``ledger.npl_dpd`` days.

All draws come from the population's own generator, drawn unconditionally every day, so two
copies of a population (one per mode) see the same random numbers whatever the bank does.
"""

from __future__ import annotations

import copy

import numpy as np

from agents.merchant_credit.population import WINDOW_DAYS, MerchantDrivers, MerchantTraits
from agents.merchant_credit.schema import MerchantCreditConfig
from products.credit.book import RevolvingBook
from sim.kernel.calendar import DAYS_PER_MONTH, FEN

HISTORY_DAYS_MAX = 365
#: Structural constants (shape, not behaviour): typical rating, initial regime shares and
#: health spread, daily turnover noise.
RATING_CENTRE = 5 - 0.5
INITIAL_REGIME_SHARES = (0.2, 0.6, 0.2)
INITIAL_HEALTH_SD = 0.3
TURNOVER_NOISE_DAILY = 0.2
NEVER = -(10**9)


class MerchantPopulation:
    """Dynamic state of all merchants plus their generator; step one day at a time.

    Args:
        cfg: the case config.
        traits: the merchants' static attributes.
        rng: generator for daily dynamics (copied with the population).
        history_days: the observable window (days) of sales, refunds, ratings and turnover.

    The ring buffers hold ``scoring.rescore_days - 1`` days more than the window, so that the
    features of a batch-scoring day can still be computed on any later day of the batch
    (:func:`~agents.merchant_credit.features.platform_features` with ``days_run``).
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
        #: Slots of each ring buffer: the window plus the days a batch score may be computed late.
        self.capacity = self.history_days + cfg.scoring.rescore_days - 1
        self.health = traits.long_run_health + rng.normal(0, INITIAL_HEALTH_SD, n)
        self.regime = rng.choice(3, size=n, p=INITIAL_REGIME_SHARES)
        self.alive = np.ones(n, dtype=bool)
        self.failed_day = np.full(n, np.iinfo(np.int32).max, dtype=np.int64)
        spread = cfg.population.cash_buffer_sigma
        buffer = np.exp(rng.normal(-(spread**2) / 2, spread, n))
        self.cash_cny = cfg.population.cash_buffer_months * traits.monthly_cost_cny * buffer
        self._sum_30d = np.zeros(n)
        self.last_applied = np.full(n, NEVER, dtype=np.int64)
        #: Merchants who know how the bank would decide them (set by the model from the
        #: ``behaviour.knows_outcome_probability`` draw; rejected merchants learn).
        self.knows_outcome = np.zeros(n, dtype=bool)
        self.days_run = 0
        shape = (self.capacity, n)
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
        """Sales of the last ``WINDOW_DAYS`` (scaled up while fewer days have been simulated)."""
        return self._sum_30d * WINDOW_DAYS / min(max(self.days_run, 1), WINDOW_DAYS)

    def monthly_sales_cny(self, idx: np.ndarray) -> np.ndarray:
        """Average monthly sales over the observable history window (what limits are sized on)."""
        filled = min(self.days_run, self.history_days)
        if filled == 0:
            return np.zeros(idx.size)
        # The window's days in the order of a ring of exactly ``history_days`` slots, summed
        # column-contiguous: the same float sums whatever the spare capacity.
        days = np.arange(self.days_run - filled, self.days_run)
        slots = days[np.argsort(days % self.history_days, kind="stable")] % self.capacity
        window = self.sales[np.ix_(slots, idx)].astype(float, order="F")
        return window.mean(axis=0) * DAYS_PER_MONTH

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
        self._fail(day, u[2], self.owner_support_cny(drivers.property_index[row]))
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
        slot = self.days_run % self.capacity
        if self.days_run >= WINDOW_DAYS:
            self._sum_30d -= self.sales[(self.days_run - WINDOW_DAYS) % self.capacity]
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
        daily_cogs = (1 - t.gross_margin) * self.sales_30d_cny / WINDOW_DAYS
        purchase = daily_cogs * t.restock_interval_days * ahead
        outflow = t.fixed_cost_daily_cny + np.where(restock, purchase, 0.0)
        self.cash_cny = np.where(
            self.alive, self.cash_cny + sales - refunds - outflow, self.cash_cny
        )

    def owner_support_cny(self, property_index: np.ndarray) -> np.ndarray:
        """What owners can put in from their home equity (``population.owner_equity_support_share``
        of value at the regional ``property_index`` less the mortgage); 0 for non-owners."""
        t = self.traits
        equity = np.maximum(t.collateral_value_cny * property_index[t.region] - t.mortgage_cny, 0)
        return self.cfg.population.owner_equity_support_share * equity

    def _fail(self, day: int, u: np.ndarray, support_cny: np.ndarray) -> None:
        h = self.cfg.health
        hazard = h.failure_rate_annual / 365 * np.exp(-h.failure_health_sensitivity * self.health)
        tolerance = self.cfg.population.payables_tolerance_months * DAYS_PER_MONTH
        insolvent = self.cash_cny < -tolerance * self.traits.fixed_cost_daily_cny - support_cny
        failed = self.alive & ((u < -np.expm1(-hazard)) | insolvent)
        self.alive &= ~failed
        self.failed_day[failed] = day

    # ---- credit behaviour ------------------------------------------------------------
    def wants_credit(self, day: int, u: np.ndarray, may_apply: np.ndarray) -> np.ndarray:
        """Merchants short of cash who may apply (no line, nothing pending) and consider it today.

        Args:
            day: sim day.
            u: one uniform draw per merchant (the model's behaviour stream).
            may_apply: merchants without a line and without a pending application.

        Returns:
            Indices of today's would-be applicants.
        """
        b = self.cfg.behaviour
        short = self.cash_cny < b.apply_below_cash_months * self.traits.monthly_cost_cny
        ready = self.alive & may_apply & short & (day - self.last_applied >= b.reapply_after_days)
        return np.flatnonzero(ready & (u < b.apply_probability_per_day))

    def apply(self, day: int, idx: np.ndarray, would_pass: np.ndarray) -> np.ndarray:
        """Would-be applicants ``idx`` decide: one who knows the bank would reject it stays away.

        Args:
            day: sim day.
            idx: today's would-be applicants (:meth:`wants_credit`).
            would_pass: per ``idx``, whether the bank would approve it today.

        Returns:
            Mask over ``idx``: applies (True) or is discouraged (False).
        """
        applies = ~self.knows_outcome[idx] | would_pass
        self.last_applied[idx[applies]] = day
        return applies

    def learn_rejection(self, idx: np.ndarray) -> None:
        """Rejected merchants know the bank's answer from now on (``behaviour.rejected_learn``)."""
        if self.cfg.behaviour.rejected_learn:
            self.knows_outcome[idx] = True

    def draw_and_repay(self, book: RevolvingBook) -> None:
        """Draw up to the cash target, then repay from cash above the repay threshold, and at
        least the billed minimum as far as cash allows (an unpaid bill goes past due)."""
        b, cost = self.cfg.behaviour, self.traits.monthly_cost_cny
        alive, cash = self.alive, self.cash_cny
        need = np.where(alive, b.cash_target_months * cost - cash, 0.0)
        drawn = book.draw(np.rint(np.maximum(need, 0) * FEN).astype(np.int64))
        cash = cash + drawn / FEN
        spare = np.maximum(cash - b.repay_above_months * cost, 0.0)
        minimum = np.minimum(book.due_fen / FEN, np.maximum(cash, 0.0))
        offer = np.where(alive & (book.owed_fen > 0), np.maximum(spare, minimum), 0.0)
        paid = book.repay(np.floor(offer * FEN).astype(np.int64))
        self.cash_cny = cash - paid / FEN
