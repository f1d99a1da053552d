"""One mode of the merchant-credit case: merchants, the bank's desk and the revolving book.

Innovated mode: merchants who consent are scored on platform data by the scoring port and
get a data-driven line at once; the others (and everyone in traditional mode) go through the
collateral/statement rule after the branch's decision delay. Both modes share the merchants,
the daily random streams and the behaviour rules; only the bank's decisions differ.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from agents.merchant_drivers import MerchantDrivers
from agents.merchant_features import branch_features, platform_features
from agents.merchants import MerchantPopulation
from products.credit.book import NONE, OPEN, RevolvingBook
from products.credit.lending import DataDrivenPolicy
from products.credit.port import ScoringPort
from products.credit.rules import CollateralRule
from sim.cases.merchant_credit_kpis import FEN_PER_CNY, ModeKpis
from sim.config.merchant_credit import MerchantCreditConfig

log = logging.getLogger(__name__)

NEVER = -(10**9)


class EventSink(Protocol):
    """Where the loop reports applications, decisions, defaults and write-offs."""

    def __call__(
        self, day: int, kind: str, agent: int, amount: float, **detail: object
    ) -> None: ...


@dataclass(frozen=True)
class Desk:
    """The bank's decision makers for one mode."""

    scorer: ScoringPort
    rule: CollateralRule
    policy: DataDrivenPolicy


class LendingSim:
    """Daily loop of one mode.

    Args:
        mode: ``innovated`` or ``traditional``.
        cfg: the case config.
        pop: this mode's copy of the merchant population.
        drivers: exogenous series of the run.
        desk: scorer, rule and policy.
        rng: behaviour stream (same seed in both modes).
        names: (category names, region names).
        events: callback ``(day, kind, agent, amount, **detail)`` into the recorder.
    """

    def __init__(
        self,
        mode: str,
        cfg: MerchantCreditConfig,
        pop: MerchantPopulation,
        drivers: MerchantDrivers,
        desk: Desk,
        rng: np.random.Generator,
        names: tuple[list[str], list[str]],
        events: EventSink,
    ) -> None:
        n = pop.size
        self.mode, self.cfg, self.pop, self.drivers, self.desk, self.rng = (
            mode,
            cfg,
            pop,
            drivers,
            desk,
            rng,
        )
        self.names, self.events = names, events
        ledger = cfg.ledger
        self.book = RevolvingBook(
            n,
            ledger.npl_dpd,
            ledger.write_off_dpd,
            ledger.min_principal_share,
            ledger.recovery_lag_days,
        )
        self.data_path = (
            pop.traits.consent.copy() if mode == "innovated" else np.zeros(n, dtype=bool)
        )
        self.decision_days = np.where(
            self.data_path, cfg.innovated.decision_days, cfg.traditional.decision_days
        )
        self.pending_until = np.full(n, -1, dtype=np.int64)
        self.last_applied = np.full(n, NEVER, dtype=np.int64)
        self.first_score = np.full(n, np.nan)
        self.first_score_day = np.full(n, -1, dtype=np.int64)
        self.decision_pd = np.full(n, np.nan)
        self.data_pd = np.full(n, np.nan)
        self.scored_day = NEVER
        self.secured = np.zeros(n, dtype=bool)
        self.next_review = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        self.kpis = ModeKpis()

    # ---- daily ---------------------------------------------------------------------------
    def step(self, day: int) -> None:
        """Simulate sim ``day``: business, applications, decisions, draws/repayments, ledger."""
        access = (self.book.status == OPEN) & ~self.book.defaulted
        alive_before = self.pop.alive.copy()
        sales = self.pop.step(day, self.drivers, access)
        self.kpis.month.sales_cny += float(sales.sum())
        self.kpis.month.failures += int((alive_before & ~self.pop.alive).sum())
        if self.data_path.any() and day - self.scored_day >= self.cfg.scoring.rescore_days:
            self.refresh_scores(day)
        self._apply(day, self.rng.random(self.pop.size))
        self._decide(day)
        self._draw_and_repay()
        self.book.accrue(float(self.drivers.rate_add_daily_bps[self.drivers.row(day)]) / 1e4)
        if (day + 1) % self.cfg.ledger.billing_cycle_days == 0:
            self.book.bill(day)
        self._age(day)

    def refresh_scores(self, day: int) -> np.ndarray:
        """Batch-score every live consenting merchant (pre-credit); returns their indices.

        Applications between batches are decided on the latest batch score, as platform
        lenders do with pre-computed offers; ``scoring.rescore_days: 1`` scores daily.
        """
        idx = np.flatnonzero(self.pop.alive & self.data_path)
        self.data_pd[idx] = self.desk.scorer.score(
            platform_features(self.pop, idx, day, *self.names)
        )
        self.scored_day = day
        return idx

    def _apply(self, day: int, u: np.ndarray) -> None:
        b = self.cfg.behaviour
        short = self.pop.cash_cny < b.apply_below_cash_months * self.pop.traits.monthly_cost_cny
        eligible = self.pop.alive & (self.book.status == NONE) & (self.pending_until < 0) & short
        ready = eligible & (day - self.last_applied >= b.reapply_after_days)
        idx = np.flatnonzero(ready & (u < b.apply_probability_per_day))
        self.pending_until[idx] = day + self.decision_days[idx]
        self.last_applied[idx] = day
        self.kpis.month.applications += idx.size
        for i in idx:
            self.events(
                day,
                "application",
                int(i),
                float(self.pop.sales_30d_cny[i]),
                data_path=bool(self.data_path[i]),
            )

    def _decide(self, day: int) -> None:
        due = (self.pending_until >= 0) & (self.pending_until <= day)
        idx = np.flatnonzero(due & self.pop.alive)
        self.pending_until[due] = -1
        if idx.size == 0:
            return
        data, rule = idx[self.data_path[idx]], idx[~self.data_path[idx]]
        limits = np.concatenate([self._data_limits(day, data), self._rule_limits(day, rule)])
        order = np.concatenate([data, rule])
        approved = limits > 0
        self.kpis.month.decisions += order.size
        self.kpis.month.approvals += int(approved.sum())
        self._open(day, order[approved], limits[approved])
        for i, limit in zip(order, limits, strict=True):
            self.events(day, "approval" if limit > 0 else "rejection", int(i), float(limit))

    def _data_limits(self, day: int, idx: np.ndarray) -> np.ndarray:
        if idx.size == 0:
            return np.zeros(0)
        pd = self.data_pd[idx]
        self._remember_score(day, idx, pd)
        return self.desk.policy.limit_cny(pd, self.pop.monthly_sales_cny(idx))

    def _rule_limits(self, day: int, idx: np.ndarray) -> np.ndarray:
        if idx.size == 0:
            return np.zeros(0)
        frame = branch_features(self.pop, idx, day, self.drivers)
        self._remember_score(day, idx, self.desk.rule.score(frame))
        t = self.cfg.traditional
        limit = np.minimum(self.desk.rule.limit_cny(frame), t.max_limit_cny)
        self.secured[idx] = frame["collateral_value_cny"].to_numpy() > 0
        return np.where(limit >= t.min_limit_cny, np.floor(limit / 100) * 100, 0.0)

    def _remember_score(self, day: int, idx: np.ndarray, pd: np.ndarray) -> None:
        first = np.isnan(self.first_score[idx])
        self.first_score[idx[first]] = pd[first]
        self.first_score_day[idx[first]] = day
        self.decision_pd[idx] = pd

    def _open(self, day: int, idx: np.ndarray, limit_cny: np.ndarray) -> None:
        if idx.size == 0:
            return
        data_rate = self.desk.policy.daily_rate(self.decision_pd[idx])
        rate = np.where(self.data_path[idx], data_rate, self.cfg.traditional.rate_daily_bps / 1e4)
        self.book.open(idx, np.rint(limit_cny * FEN_PER_CNY).astype(np.int64), rate, day)
        rule_idx = idx[~self.data_path[idx]]
        self.next_review[rule_idx] = day + self.cfg.traditional.review_months * 30
        self.kpis.opened += idx.size

    def _draw_and_repay(self) -> None:
        b, cost = self.cfg.behaviour, self.pop.traits.monthly_cost_cny
        alive, cash = self.pop.alive, self.pop.cash_cny
        need = np.where(alive, b.cash_target_months * cost - cash, 0.0)
        drawn = self.book.draw(np.rint(np.maximum(need, 0) * FEN_PER_CNY).astype(np.int64))
        cash = cash + drawn / FEN_PER_CNY
        spare = np.maximum(cash - b.repay_above_months * cost, 0.0)
        minimum = np.minimum(self.book.due_fen / FEN_PER_CNY, np.maximum(cash, 0.0))
        offer = np.where(alive & (self.book.owed_fen > 0), np.maximum(spare, minimum), 0.0)
        paid = self.book.repay(np.floor(offer * FEN_PER_CNY).astype(np.int64))
        self.pop.cash_cny = cash - paid / FEN_PER_CNY

    def _age(self, day: int) -> None:
        new_default, off, amounts = self.book.age(day)
        self.kpis.month.new_defaults += new_default.size
        self.kpis.defaulted += new_default.size
        for i in new_default:
            self.events(
                day,
                "default",
                int(i),
                float(self.book.owed_fen[i]) / FEN_PER_CNY,
                dpd=self.cfg.ledger.npl_dpd,
            )
        if off.size:
            self.book.schedule_recovery(day, off, self._recovery_fen(day, off, amounts))
            for i, amount in zip(off, amounts, strict=True):
                self.events(day, "write_off", int(i), float(amount) / FEN_PER_CNY)
        self.book.collect_recoveries(day)

    def _recovery_fen(self, day: int, idx: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        unsecured = amounts * self.cfg.innovated.recovery_rate
        index = self.drivers.property_index[self.drivers.row(day)][self.pop.traits.region[idx]]
        collateral = self.pop.traits.collateral_value_cny[idx] * index * FEN_PER_CNY
        secured = np.minimum(amounts, collateral * (1 - self.cfg.traditional.collateral_haircut))
        return np.rint(np.where(self.secured[idx], secured, unsecured)).astype(np.int64)
