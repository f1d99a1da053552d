"""Month-end work of one merchant-credit mode: re-rating lines and monitoring scores."""

from __future__ import annotations

import numpy as np

from agents.merchant_features import branch_features
from sim.cases.merchant_credit_kpis import FEN_PER_CNY
from sim.cases.merchant_credit_sim import LendingSim


def month_end(sim: LendingSim, day: int) -> None:
    """Re-rate data-driven lines monthly, review rule lines when due, score the population."""
    if sim.data_path.any() and sim.scored_day != day:
        sim.refresh_scores(day)
    _rerate_data_lines(sim, day)
    _review_rule_lines(sim, day)
    _monitor(sim, day)


def _rerate_data_lines(sim: LendingSim, day: int) -> None:
    book = sim.book
    idx = np.flatnonzero(book.live & ~book.defaulted & sim.data_path & sim.pop.alive)
    if idx.size == 0:
        return
    pd = sim.data_pd[idx]
    old = book.limit_fen[idx] / FEN_PER_CNY
    new, frozen = sim.desk.policy.rerate(
        pd, sim.pop.monthly_sales_cny(idx), old, book.principal_fen[idx] / FEN_PER_CNY
    )
    book.set_limit(idx, np.rint(new * FEN_PER_CNY).astype(np.int64))
    book.set_frozen(idx[frozen], True)
    book.set_frozen(idx[~frozen], False)
    month = sim.kpis.month
    month.raises += int((new > old).sum())
    month.cuts += int((new < old).sum())
    month.freezes += int(frozen.sum())
    book.daily_rate[idx] = sim.desk.policy.daily_rate(pd)


def _review_rule_lines(sim: LendingSim, day: int) -> None:
    book = sim.book
    due = book.live & ~book.defaulted & ~sim.data_path & (sim.next_review <= day)
    idx = np.flatnonzero(due)
    if idx.size == 0:
        return
    frame = branch_features(sim.pop, idx, day, sim.drivers)
    limit = np.minimum(sim.desk.rule.limit_cny(frame), sim.cfg.traditional.max_limit_cny)
    old = book.limit_fen[idx] / FEN_PER_CNY
    declined = limit < sim.cfg.traditional.min_limit_cny
    new = np.where(declined, old, np.floor(limit / 100) * 100)
    book.set_limit(idx, np.rint(new * FEN_PER_CNY).astype(np.int64))
    book.set_frozen(idx[declined], True)
    book.set_frozen(idx[~declined], False)
    month = sim.kpis.month
    month.raises += int((new > old).sum())
    month.cuts += int((new < old).sum())
    month.freezes += int(declined.sum())
    sim.next_review[idx] = day + sim.cfg.traditional.review_months * 30


def _monitor(sim: LendingSim, day: int) -> None:
    """Score every live merchant the mode's model can see (for AUC/KS/PSI series)."""
    alive = sim.pop.alive
    if sim.mode == "innovated":
        idx = np.flatnonzero(alive & sim.data_path)
        pd = sim.data_pd[idx]
    else:
        idx = np.flatnonzero(alive)
        pd = sim.desk.rule.score(branch_features(sim.pop, idx, day, sim.drivers))
    sim.kpis.add_scores(day, idx, pd)
