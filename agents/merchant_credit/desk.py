"""The bank's lending desk of one mode: scoring, decisions, line terms, re-rating, defaults.

Innovated mode: merchants who consent are scored on platform data by the scoring port and get a
data-driven line at once; the others (and everyone in traditional mode) go through the
collateral/statement rule after the branch's decision delay. Both modes share the merchants, the
daily random streams and the behaviour rules; only the desk's decisions differ. A line is in
default once its arrears reach ``ledger.npl_dpd`` days (:meth:`LendingDesk.close_day`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from agents.merchant_credit.events import (
    Application,
    Approval,
    Default,
    Discouraged,
    Rejection,
    WriteOff,
)
from agents.merchant_credit.features import branch_features, platform_features
from agents.merchant_credit.merchants import NEVER, MerchantPopulation
from agents.merchant_credit.population import MerchantDrivers
from agents.merchant_credit.schema import MerchantCreditConfig
from products.credit.book import NONE, RevolvingBook
from products.credit.port import ScoringPort
from sim.kernel.calendar import DAYS_PER_MONTH, FEN, HOURS_PER_DAY
from sim.kernel.events import Event

#: Merchants scored per model call (bounds the feature frame and the model's temporaries).
SCORE_BLOCK = 65_536
#: A score computed on first use brings along the batch's merchants who may apply and hold less
#: than this multiple of the cash level at which merchants consider credit: a model call costs
#: ≈ 25 ms whatever its size and ≈ 6 µs a row (RandomForest, 100 trees, on simulated
#: features). Measured at 300,000 merchants x 2 months, innovated mode: 1.5 scored 797,259 rows
#: in 61 calls (14.2 s CPU), 1.2 671,433 in 61, 1.0 606,712 in 62 (12.3 s), 0.5 116 calls: the
#: merchants short of cash now are nearly all the batch's applicants. Speed only: a merchant's
#: score is the same whichever merchants are scored with it.
PREFETCH_CASH_FACTOR = 1.0


@dataclass
class ScoringTally:
    """Calls of the scoring port on the data path: how many, rows scored, wall seconds (the
    throughput log only; nothing decides on it)."""

    calls: int = 0
    rows: int = 0
    seconds: float = 0.0


@dataclass
class LineChanges:
    """Outcome of one month end's re-rating and reviews."""

    raises: int = 0
    cuts: int = 0
    freezes: int = 0

    def count(self, old: np.ndarray, new: np.ndarray, frozen: np.ndarray) -> None:
        """Add one batch of re-rated lines."""
        self.raises += int((new > old).sum())
        self.cuts += int((new < old).sum())
        self.freezes += int(frozen.sum())


class LendingDesk:
    """Decisions of one mode on one population's applications and lines.

    Args:
        cfg: the case schema.
        mode: ``innovated`` or ``traditional``.
        scorer: the scoring port (innovated mode's data path).
        pop: this mode's merchants.
        drivers: exogenous series of the run (property index, rate add-ons).
        book: this mode's revolving book.
        names: (category names, region names) for the platform features.
        emit: where the desk's events go (the model's ``emit``).
    """

    def __init__(
        self,
        cfg: MerchantCreditConfig,
        mode: str,
        scorer: ScoringPort,
        pop: MerchantPopulation,
        drivers: MerchantDrivers,
        book: RevolvingBook,
        names: tuple[list[str], list[str]],
        emit: Callable[[Event], None],
    ) -> None:
        n = pop.size
        self.cfg, self.mode, self.scorer, self.pop = cfg, mode, scorer, pop
        self.drivers, self.book, self.names, self.emit = drivers, book, names, emit
        self.rule, self.policy = cfg.traditional, cfg.innovated
        consent = pop.traits.consent.copy()
        self.data_path = consent if mode == "innovated" else np.zeros(n, dtype=bool)
        self.decision_days = np.where(
            self.data_path, cfg.innovated.decision_days, cfg.traditional.decision_days
        )
        self.pending_until = np.full(n, -1, dtype=np.int64)
        self.decision_pd = np.full(n, np.nan)
        self.data_pd = np.full(n, np.nan)
        self.scored_day = NEVER
        #: Members of the latest scoring batch whose score is not computed yet, and the batch's
        #: ``pop.days_run`` (the features are those of the batch day).
        self._batch = np.zeros(0, dtype=np.int64)
        self._unscored = np.zeros(n, dtype=bool)
        self._batch_days_run = 0
        self.tally = ScoringTally()
        self.secured = np.zeros(n, dtype=bool)
        self.next_review = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        #: ``traditional.review_months`` in whole days of average calendar months.
        self._review_interval_days = round(cfg.traditional.review_months * DAYS_PER_MONTH)

    # ---- applications and decisions -----------------------------------------------------
    def may_apply(self) -> np.ndarray:
        """Merchants without a line and without a pending application."""
        return (self.book.status == NONE) & (self.pending_until < 0)

    def rescore_if_due(self, day: int) -> None:
        """Batch pre-scoring every ``scoring.rescore_days``."""
        if self.data_path.any() and day - self.scored_day >= self.cfg.scoring.rescore_days:
            self.refresh_scores(day)

    def refresh_scores(self, day: int) -> np.ndarray:
        """Start a scoring batch of every live consenting merchant (pre-credit); returns them.

        Applications between batches are decided on the latest batch score, as platform
        lenders do with pre-computed offers; ``scoring.rescore_days: 1`` scores daily. A score
        is computed on first use (:meth:`data_scores`) from the batch day's features, so a
        weekly batch costs the model only the merchants the desk looks at before the next one;
        the month end looks at everyone.
        """
        idx = np.flatnonzero(self.pop.alive & self.data_path)
        self._batch = idx
        self._unscored[:] = False
        self._unscored[idx] = True
        self._batch_days_run = self.pop.days_run
        self.scored_day = day
        return idx

    def data_scores(self, idx: np.ndarray) -> np.ndarray:
        """The latest batch's PD of merchants ``idx`` (members of the batch)."""
        todo = idx[self._unscored[idx]]
        if todo.size:
            todo = np.union1d(todo, self._likely_applicants())
        if todo.size == 1:  # a one-merchant block sums in another float order: add a neighbour
            todo = np.union1d(todo, self._batch[:2])
        for block in np.array_split(todo, max(1, -(-todo.size // SCORE_BLOCK))):
            if block.size:
                features = platform_features(
                    self.pop, block, self.scored_day, *self.names, days_run=self._batch_days_run
                )
                began = time.perf_counter()
                self.data_pd[block] = self.scorer.score(features)
                self.tally.seconds += time.perf_counter() - began
                self.tally.calls += 1
                self.tally.rows += block.size
        self._unscored[todo] = False
        return self.data_pd[idx]

    def _likely_applicants(self) -> np.ndarray:
        """Unscored batch members who may apply and are short of cash or close to it."""
        pop, behaviour = self.pop, self.cfg.behaviour
        level = PREFETCH_CASH_FACTOR * behaviour.apply_below_cash_months
        near = pop.cash_cny < level * pop.traits.monthly_cost_cny
        return np.flatnonzero(self._unscored & self.may_apply() & near)

    def would_approve(self, day: int, idx: np.ndarray) -> np.ndarray:
        """Whether the desk would approve merchants ``idx`` today (what a merchant who knows the
        bank's criteria, or sees the platform's pre-approved offer, expects)."""
        passes = np.zeros(idx.size, dtype=bool)
        on_data = self.data_path[idx]
        data, rule = idx[on_data], idx[~on_data]
        if data.size:
            line = self.policy.limit_cny(self.data_scores(data), self.pop.monthly_sales_cny(data))
            policy = np.full(data.size, "policy", dtype=object)
            line, _ = self._capped(line, data, self.policy.limit_step_cny, policy)
            passes[on_data] = line >= self.policy.min_limit_cny
        if rule.size:
            line, _ = self._rule_line(branch_features(self.pop, rule, day, self.drivers), rule)
            passes[~on_data] = line >= self.rule.min_limit_cny
        return passes

    def discouraged(self, day: int, idx: np.ndarray) -> None:
        """Record the merchants ``idx`` who wanted credit today but expected a rejection."""
        t_hours = day * HOURS_PER_DAY
        for i in idx:
            self.emit(Discouraged(t_hours=t_hours, agent=int(i), data_path=bool(self.data_path[i])))

    def receive(self, day: int, idx: np.ndarray) -> None:
        """Queue today's applications ``idx`` for a decision after each path's delay."""
        self.pending_until[idx] = day + self.decision_days[idx]
        sales_30d = self.pop.sales_30d_cny
        t_hours = day * HOURS_PER_DAY
        for i in idx:
            self.emit(
                Application(
                    t_hours=t_hours,
                    agent=int(i),
                    amount=float(sales_30d[i]),
                    data_path=bool(self.data_path[i]),
                )
            )

    def decide(self, day: int) -> None:
        """Decide the applications due today; open the approved lines."""
        due = (self.pending_until >= 0) & (self.pending_until <= day)
        idx = np.flatnonzero(due & self.pop.alive)
        self.pending_until[due] = -1
        if idx.size == 0:
            return
        data, rule = idx[self.data_path[idx]], idx[~self.data_path[idx]]
        data_lines, data_binding = self._data_limits(data)
        rule_lines, rule_binding = self._rule_limits(day, rule)
        limits = np.concatenate([data_lines, rule_lines])
        binding = np.concatenate([data_binding, rule_binding])
        order = np.concatenate([data, rule])
        approved = limits > 0
        self._open(day, order[approved], limits[approved])
        t_hours = day * HOURS_PER_DAY
        for i, limit, why in zip(order, limits, binding, strict=True):
            pd = float(self.decision_pd[i])
            if limit > 0:
                self.emit(
                    Approval(t_hours=t_hours, agent=int(i), amount=float(limit), pd=pd, binding=why)
                )
            else:
                self.emit(Rejection(t_hours=t_hours, agent=int(i), amount=0.0, pd=pd))
        self.pop.learn_rejection(order[~approved])

    def requested_cny(self, idx: np.ndarray) -> np.ndarray:
        """The line merchants ``idx`` ask for (``behaviour.request_sales_months`` of sales)."""
        months = self.cfg.behaviour.request_sales_months
        if months is None:
            return np.full(idx.size, np.inf)
        return months * self.pop.monthly_sales_cny(idx)

    def _capped(
        self, line: np.ndarray, idx: np.ndarray, step: float, why: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Grant at most the request (rounded down to ``step``); name the binding term."""
        request = np.floor(self.requested_cny(idx) / step) * step
        asked = request < line
        return np.where(asked, request, line), np.where(asked, "request", why)

    def _data_limits(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if idx.size == 0:
            return np.zeros(0), np.zeros(0, dtype=object)
        pd = self.data_scores(idx)
        self.decision_pd[idx] = pd
        line = self.policy.limit_cny(pd, self.pop.monthly_sales_cny(idx))
        why = np.where(line >= self.policy.max_limit_cny, "maximum", "policy").astype(object)
        line, why = self._capped(line, idx, self.policy.limit_step_cny, why)
        return np.where(line >= self.policy.min_limit_cny, line, 0.0), why

    def _rule_limits(self, day: int, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if idx.size == 0:
            return np.zeros(0), np.zeros(0, dtype=object)
        frame = branch_features(self.pop, idx, day, self.drivers)
        self.decision_pd[idx] = self.rule.score(frame)
        self.secured[idx] = self.rule.secured_line_cny(frame) > 0
        line, why = self._rule_line(frame, idx)
        return np.where(line >= self.rule.min_limit_cny, line, 0.0), why

    def _rule_line(self, frame: pd.DataFrame, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rule's line capped at the maximum and the request, rounded down to
        ``limit_step_cny``, and the term that binds it."""
        t = self.rule
        raw = t.limit_cny(frame)
        collateral = t.secured_line_cny(frame)
        why = np.where((collateral > 0) & (raw >= collateral), "collateral", "statements")
        why = np.where(raw >= t.max_limit_cny, "maximum", why).astype(object)
        line = np.floor(np.minimum(raw, t.max_limit_cny) / t.limit_step_cny) * t.limit_step_cny
        return self._capped(line, idx, t.limit_step_cny, why)

    def _open(self, day: int, idx: np.ndarray, limit_cny: np.ndarray) -> None:
        if idx.size == 0:
            return
        data_rate = self.policy.daily_rate(self.decision_pd[idx])
        rate = np.where(self.data_path[idx], data_rate, self.cfg.traditional.rate_daily_bps / 1e4)
        self.book.open(idx, np.rint(limit_cny * FEN).astype(np.int64), rate, day)
        rule_idx = idx[~self.data_path[idx]]
        self.next_review[rule_idx] = day + self._review_interval_days

    # ---- end of the business day ---------------------------------------------------------
    def close_day(self, day: int) -> None:
        """Accrue interest, bill at cycle ends, age arrears: defaults, write-offs, recoveries."""
        self.book.accrue(float(self.drivers.rate_add_daily_bps[self.drivers.row(day)]) / 1e4)
        if (day + 1) % self.cfg.ledger.billing_cycle_days == 0:
            self.book.bill(day)
        new_default, off, amounts = self.book.age(day)
        t_hours, dpd = day * HOURS_PER_DAY, self.cfg.ledger.npl_dpd
        for i in new_default:
            owed = float(self.book.owed_fen[i]) / FEN
            self.emit(Default(t_hours=t_hours, agent=int(i), amount=owed, dpd=dpd))
        if off.size:
            self.book.schedule_recovery(day, off, self._recovery_fen(day, off, amounts))
            for i, amount in zip(off, amounts, strict=True):
                self.emit(WriteOff(t_hours=t_hours, agent=int(i), amount=float(amount) / FEN))
        self.book.collect_recoveries(day)

    def _recovery_fen(self, day: int, idx: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        unsecured = amounts * self.cfg.innovated.recovery_rate
        t = self.pop.traits
        index = self.drivers.property_index[self.drivers.row(day)][t.region[idx]]
        sale = t.collateral_value_cny[idx] * index * (1 - self.cfg.traditional.collateral_haircut)
        proceeds = np.maximum(sale - t.mortgage_cny[idx], 0.0) * FEN  # the first lien is paid first
        secured = np.minimum(amounts, proceeds)
        return np.rint(np.where(self.secured[idx], secured, unsecured)).astype(np.int64)

    # ---- month end -------------------------------------------------------------------------
    def month_end(self, day: int) -> tuple[LineChanges, np.ndarray, np.ndarray]:
        """Re-rate data-driven lines, review rule lines when due, score the population.

        Returns:
            (line changes, monitored merchant indices, their scores).
        """
        if self.data_path.any() and self.scored_day != day:
            self.refresh_scores(day)
        changes = LineChanges()
        self._rerate_data_lines(changes)
        self._review_rule_lines(day, changes)
        return (changes, *self._monitor(day))

    def _rerate_data_lines(self, changes: LineChanges) -> None:
        book = self.book
        idx = np.flatnonzero(book.live & ~book.defaulted & self.data_path & self.pop.alive)
        if idx.size == 0:
            return
        pd = self.data_scores(idx)
        old = book.limit_fen[idx] / FEN
        new, frozen = self.policy.rerate(
            pd, self.pop.monthly_sales_cny(idx), old, book.principal_fen[idx] / FEN
        )
        self._set_lines(idx, new, frozen)
        changes.count(old, new, frozen)
        book.daily_rate[idx] = self.policy.daily_rate(pd)

    def _review_rule_lines(self, day: int, changes: LineChanges) -> None:
        book = self.book
        due = book.live & ~book.defaulted & ~self.data_path & (self.next_review <= day)
        idx = np.flatnonzero(due)
        if idx.size == 0:
            return
        line, _ = self._rule_line(branch_features(self.pop, idx, day, self.drivers), idx)
        old = book.limit_fen[idx] / FEN
        declined = line < self.rule.min_limit_cny
        new = np.where(declined, old, line)
        self._set_lines(idx, new, declined)
        changes.count(old, new, declined)
        self.next_review[idx] = day + self._review_interval_days

    def _set_lines(self, idx: np.ndarray, limit_cny: np.ndarray, frozen: np.ndarray) -> None:
        self.book.set_limit(idx, np.rint(limit_cny * FEN).astype(np.int64))
        self.book.set_frozen(idx[frozen], True)
        self.book.set_frozen(idx[~frozen], False)

    def _monitor(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Score every live merchant the mode's model can see (for AUC/KS/PSI series)."""
        alive = self.pop.alive
        if self.mode == "innovated":
            idx = np.flatnonzero(alive & self.data_path)
            return idx, self.data_scores(idx)
        idx = np.flatnonzero(alive)
        return idx, self.rule.score(branch_features(self.pop, idx, day, self.drivers))
