"""KPI collector of one merchant-credit mode: monthly series and totals, from events only.

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
  scores (in the report, which knows the training scores).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from agents.merchant_credit.events import (
    Application,
    Approval,
    BookState,
    Default,
    MonthEnd,
    Rejection,
    RunStart,
    TradingDay,
)
from products.credit.metrics import auc, ks
from sim.kernel.calendar import FEN, HOURS_PER_DAY
from sim.kernel.events import EventBus

#: ``failed_day`` of merchants still trading.
NOT_FAILED = np.iinfo(np.int32).max


def _day(t_hours: float) -> int:
    return int(t_hours // HOURS_PER_DAY)


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
    failures: int = 0
    sales_cny: float = 0.0


class MerchantCreditKpis:
    """Accumulates one mode's KPIs from its events; ``series`` maps KPI name -> monthly values.

    Args:
        label_window_days: failures within this many days after a score count as its label.
    """

    def __init__(self, label_window_days: int) -> None:
        self.label_window_days = label_window_days
        self.series: dict[str, list[float]] = defaultdict(list)
        self.month = MonthCounters()
        self.opened = 0
        self.defaulted = 0
        self.scores: list[tuple[int, np.ndarray, np.ndarray]] = []
        self.merchants = 0
        self.data_path_share = math.nan
        self.failed_day = np.zeros(0, dtype=np.int64)
        self.first_score = np.zeros(0)
        self.first_score_day = np.zeros(0, dtype=np.int64)
        self.start: BookState | None = None
        self.end: BookState | None = None

    def subscribe(self, bus: EventBus) -> None:
        """Listen to the events this collector counts."""
        bus.subscribe(self._on_start, RunStart)
        bus.subscribe(self._on_day, TradingDay)
        bus.subscribe(self._on_application, Application)
        bus.subscribe(self._on_decision, Approval)
        bus.subscribe(self._on_decision, Rejection)
        bus.subscribe(self._on_default, Default)
        bus.subscribe(self._on_month_end, MonthEnd)

    # ---- handlers ----------------------------------------------------------------------------
    def _on_start(self, event: RunStart) -> None:
        n = self.merchants = event.merchants
        self.data_path_share = event.data_path_share
        self.failed_day = np.full(n, NOT_FAILED, dtype=np.int64)
        self.first_score = np.full(n, np.nan)
        self.first_score_day = np.full(n, -1, dtype=np.int64)
        self.begin_month(event.state)

    def _on_day(self, event: TradingDay) -> None:
        self.month.sales_cny += event.amount
        self.month.failures += event.failures
        self.failed_day[event.failed] = _day(event.t_hours)

    def _on_application(self, event: Application) -> None:
        self.month.applications += 1

    def _on_decision(self, event: Approval | Rejection) -> None:
        self.month.decisions += 1
        if isinstance(event, Approval):
            self.month.approvals += 1
            self.opened += 1
        i = event.agent
        if math.isnan(self.first_score[i]):
            self.first_score[i] = event.pd
            self.first_score_day[i] = _day(event.t_hours)

    def _on_default(self, event: Default) -> None:
        self.month.new_defaults += 1
        self.defaulted += 1

    def _on_month_end(self, event: MonthEnd) -> None:
        self.add_scores(_day(event.t_hours), event.scored, event.scores)
        self.close_month(event.state, event.raises, event.cuts, event.freezes)
        self.begin_month(event.state)

    # ---- months ------------------------------------------------------------------------------
    def begin_month(self, state: BookState) -> None:
        """Reset the month's counters; ``state`` is the book at its start."""
        self.month = MonthCounters()
        self.start = state

    def close_month(self, state: BookState, raises: int, cuts: int, freezes: int) -> None:
        """Append this month's values to every series; ``state`` is the book at its end."""
        m, s0 = self.month, self.start
        assert s0 is not None, "close_month before begin_month"
        self.end = state
        off = state.written_off_fen - s0.written_off_fen
        rec = state.recovered_fen - s0.recovered_fen
        interest = state.interest_paid_fen - s0.interest_paid_fen
        values = {
            "applications": m.applications,
            "decisions": m.decisions,
            "approvals": m.approvals,
            "approval_rate": ratio(m.approvals, m.decisions),
            "npl_ratio": ratio(state.npl_fen, state.outstanding_fen),
            "default_rate": ratio(m.new_defaults, s0.performing_lines),
            "loss_rate": ratio(off - rec, s0.outstanding_fen),
            "interest_income_net_cny": (interest - off + rec) / FEN,
            "average_limit_cny": state.limit_mean_fen / FEN,
            "limit_utilisation": ratio(state.principal_fen, state.limit_total_fen),
            "open_accounts": state.live_lines,
            "outstanding_cny": state.outstanding_fen / FEN,
            "drawn_cny": (state.drawn_fen - s0.drawn_fen) / FEN,
            "merchant_exit_rate": ratio(m.failures, s0.alive_merchants),
            "merchant_sales_cny": m.sales_cny,
            "limit_raises": raises,
            "limit_cuts": cuts,
            "line_freezes": freezes,
        }
        for name, value in values.items():
            self.series[name].append(float(value))

    # ---- scores and totals -------------------------------------------------------------------
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

    def approval_rate(self) -> float:
        """Approvals / decisions over the run."""
        return ratio(sum(self.series["approvals"]), sum(self.series["decisions"]))

    def totals(self) -> dict[str, float | None]:
        """Run totals of the mode (after the run)."""
        s, end, window = self.series, self.end, self.label_window_days
        assert end is not None, "totals before the first month end"
        scored = np.flatnonzero(~np.isnan(self.first_score))
        label = self.failed_day[scored] <= self.first_score_day[scored] + window
        first = self.first_score[scored]
        years = len(s["applications"]) / 12
        net_loss = end.written_off_fen - end.recovered_fen
        exits = float(self.merchants - end.alive_merchants)
        return {
            "applications": float(sum(s["applications"])),
            "approvals": float(sum(s["approvals"])),
            "decisions": float(sum(s["decisions"])),
            "approval_rate": self.approval_rate(),
            "npl_ratio_end": s["npl_ratio"][-1],
            "npl_ratio_mean": float(np.nanmean(s["npl_ratio"])),
            "default_rate": ratio(self.defaulted, self.opened),
            "loss_rate": ratio(net_loss, end.drawn_fen),
            "interest_income_net_cny": (end.interest_paid_fen - net_loss) / FEN,
            "drawn_cny": end.drawn_fen / FEN,
            "average_limit_cny": float(np.nanmean(s["average_limit_cny"])),
            "limit_utilisation": float(np.nanmean(s["limit_utilisation"])),
            "application_auc": auc(label, first),
            "application_ks": ks(label, first),
            "merchant_exit_rate_annual": ratio(exits, self.merchants * years),
            "merchant_sales_cny": float(sum(s["merchant_sales_cny"])),
            "data_path_share": self.data_path_share,
        }
