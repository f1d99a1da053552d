"""KPI bookkeeping for one mode of the merchant-credit case: monthly series and totals.

Definitions (monthly unless noted; ratios are NaN when the denominator is 0):

* ``applications``, ``decisions``, ``approvals``; ``approval_rate`` = approvals / decisions.
* ``npl_ratio`` = balance (principal + interest) of live lines >= ``npl_dpd`` days past due /
  outstanding balance of live lines, at month end.
* ``default_rate`` = lines reaching ``npl_dpd`` in the month / performing lines at its start
  (total: lines ever defaulted / lines ever opened).
* ``loss_rate`` = (written off - recovered) / outstanding at the month's start
  (total: net loss / total drawn).
* ``interest_income_net_cny`` = interest collected - written off + recovered.
* ``average_limit_cny`` (live lines, month end); ``limit_utilisation`` = principal / limits.
* ``score_auc``/``score_ks``: month-end scores of the mode's model (innovated: the data model
  on consenting merchants; traditional: the collateral rule on everyone) against failure in
  the following ``label_window_days``; ``score_psi``: innovated scores vs held-out training
  scores.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from products.credit.book import RevolvingBook
from products.credit.metrics import auc, ks

FEN_PER_CNY = 100


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when the denominator is 0."""
    return numerator / denominator if denominator else math.nan


@dataclass
class MonthCounters:
    """Flows counted during one month."""

    applications: int = 0
    decisions: int = 0
    approvals: int = 0
    new_defaults: int = 0
    performing_at_start: int = 0
    alive_at_start: int = 0
    failures: int = 0
    drawn_fen: int = 0
    interest_fen: int = 0
    written_off_fen: int = 0
    recovered_fen: int = 0
    outstanding_at_start_fen: int = 0
    sales_cny: float = 0.0
    raises: int = 0
    cuts: int = 0
    freezes: int = 0


@dataclass
class ModeKpis:
    """Accumulates one mode's KPIs; ``series`` maps KPI name -> monthly values."""

    series: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    month: MonthCounters = field(default_factory=MonthCounters)
    opened: int = 0
    defaulted: int = 0
    scores: list[tuple[int, np.ndarray, np.ndarray]] = field(default_factory=list)

    def begin_month(self, book: RevolvingBook, alive: np.ndarray) -> None:
        """Reset the month's counters and note stocks at its start."""
        self.month = MonthCounters(
            performing_at_start=int((book.live & ~book.defaulted).sum()),
            alive_at_start=int(alive.sum()),
            outstanding_at_start_fen=book.outstanding_fen(),
        )
        self._totals_at_start = (
            book.totals.drawn,
            book.totals.interest_paid,
            book.totals.written_off,
            book.totals.recovered,
        )

    def close_month(self, book: RevolvingBook, day: int) -> None:
        """Append this month's values to every series."""
        m = self.month
        drawn, interest, off, rec = (
            now - then
            for now, then in zip(
                (
                    book.totals.drawn,
                    book.totals.interest_paid,
                    book.totals.written_off,
                    book.totals.recovered,
                ),
                self._totals_at_start,
                strict=True,
            )
        )
        live = book.live
        limits = book.limit_fen[live]
        outstanding = book.outstanding_fen()
        values = {
            "applications": m.applications,
            "decisions": m.decisions,
            "approvals": m.approvals,
            "approval_rate": ratio(m.approvals, m.decisions),
            "npl_ratio": ratio(book.npl_fen(day), outstanding),
            "default_rate": ratio(m.new_defaults, m.performing_at_start),
            "loss_rate": ratio(off - rec, m.outstanding_at_start_fen),
            "interest_income_net_cny": (interest - off + rec) / FEN_PER_CNY,
            "average_limit_cny": float(limits.mean()) / FEN_PER_CNY if limits.size else math.nan,
            "limit_utilisation": ratio(int(book.principal_fen[live].sum()), int(limits.sum())),
            "open_accounts": int(live.sum()),
            "outstanding_cny": outstanding / FEN_PER_CNY,
            "drawn_cny": drawn / FEN_PER_CNY,
            "merchant_exit_rate": ratio(m.failures, m.alive_at_start),
            "merchant_sales_cny": m.sales_cny,
            "limit_raises": m.raises,
            "limit_cuts": m.cuts,
            "line_freezes": m.freezes,
        }
        for name, value in values.items():
            self.series[name].append(float(value))

    def add_scores(self, day: int, idx: np.ndarray, pd: np.ndarray) -> None:
        """Keep month-end monitoring scores to grade against later failures."""
        self.scores.append((day, idx, pd))

    def score_quality(
        self, failed_day: np.ndarray, window_days: int
    ) -> tuple[list[float], list[float]]:
        """Monthly AUC and KS of monitoring scores vs failure within ``window_days``."""
        aucs, kss = [], []
        for day, idx, pd in self.scores:
            label = (failed_day[idx] > day) & (failed_day[idx] <= day + window_days)
            aucs.append(auc(label, pd))
            kss.append(ks(label, pd))
        return aucs, kss
