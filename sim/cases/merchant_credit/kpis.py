"""KPI collector of one merchant-credit mode: monthly series and totals, from events only.

Every KPI is defined once, in :data:`GLOSSARY` (the report's glossary and docs/glossary.md carry
the same text). Ratios are NaN when their denominator is 0. A merchant holds at most one line in
its life (a written-off slot never reopens), so a line is identified by its merchant index.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from agents.merchant_credit.events import (
    Application,
    Approval,
    BookState,
    Default,
    Discouraged,
    MonthEnd,
    Rejection,
    RunStart,
    TradingDay,
)
from products.credit.metrics import auc, ks
from sim.cases.kpi_glossary import Kpi
from sim.kernel.calendar import FEN, HOURS_PER_DAY
from sim.kernel.events import EventBus

#: ``failed_day`` of merchants still trading; ``default_day`` of lines never defaulted.
NOT_FAILED = np.iinfo(np.int32).max
#: Length of the default-rate window (months) and of the NPL averaging window.
WINDOW_MONTHS = 12

#: One definition per KPI (monthly series and run totals share a name when they mean the same
#: thing; "total" says what the run total is).
GLOSSARY: dict[str, Kpi] = {
    "applications": Kpi(
        "Applications received (monthly; total: the run's sum).", "count", "neutral", "applications"
    ),
    "decisions": Kpi(
        "Applications decided (approved or rejected; monthly; total: sum).",
        "count",
        "neutral",
        "decisions",
    ),
    "approvals": Kpi(
        "Applications approved (monthly; total: sum).", "count", "higher", "approvals"
    ),
    "approval_rate": Kpi(
        (
            "Per unique applicant: merchants approved at least once / merchants with at least one "
            "decision (monthly: among the month's decided merchants; total: over the run)."
        ),
        "share",
        "higher",
        "approval rate (per applicant)",
    ),
    "approval_rate_decisions": Kpi(
        (
            "Per decision: approvals / decisions, re-applications counted each time "
            "(monthly; total: over the run)."
        ),
        "share",
        "higher",
        "approval rate (per decision)",
    ),
    "npl_ratio": Kpi(
        (
            "Balance (principal + interest) of live lines at least ledger.npl_dpd days past due / "
            "balance of all live lines, at month end (monthly)."
        ),
        "share",
        "lower",
        "NPL ratio (90+ dpd / outstanding)",
    ),
    "npl_ratio_end": Kpi(
        "npl_ratio at the last month end of the run (one snapshot).",
        "share",
        "lower",
        "NPL ratio at the end",
    ),
    "npl_ratio_mean": Kpi(
        "Mean of the monthly npl_ratio over the last 12 months of the run (or all).",
        "share",
        "lower",
        "NPL ratio, mean of the last 12 months",
    ),
    "default_rate": Kpi(
        (
            "Annualised 12-month cohort default rate: for each month start, the cohort is the "
            "lines "
            "open and performing (not in default) at that moment; its defaults are the cohort "
            "lines "
            "reaching ledger.npl_dpd within the next 12 months (fewer at the end of the run). "
            "Total: "
            "defaults of all cohorts / their exposure in line-years (cohort size x months "
            "observed / "
            "12), pooled over every month start."
        ),
        "per year",
        "lower",
        "default rate (12-month cohort, annualised)",
    ),
    "collateral_bound_share": Kpi(
        (
            "Approvals whose line was set by the collateral term (traditional.ltv x appraised "
            "value "
            "- prior liens, below the merchant's request and the statement cap) / approvals."
        ),
        "share",
        "neutral",
        "approvals bound by collateral",
    ),
    "request_bound_share": Kpi(
        (
            "Approvals whose line was set by the merchant's request "
            "(behaviour.request_sales_months of sales, below every bank term) / approvals."
        ),
        "share",
        "neutral",
        "approvals bound by the request",
    ),
    "seekers": Kpi(
        (
            "Merchants who wanted credit at least once in the run: applied, or were short of cash "
            "and would have applied but expected a rejection (discouraged)."
        ),
        "count",
        "neutral",
        "credit seekers",
    ),
    "seekers_obtained_share": Kpi(
        "Seekers who obtained a line / seekers (cf. the survey's 46%).",
        "share",
        "higher",
        "seekers who obtained a line",
    ),
    "seekers_rejected_share": Kpi(
        (
            "Seekers who applied but hold no line at the end (rejected or still pending) / seekers "
            "(cf. the survey's 11.6%)."
        ),
        "share",
        "lower",
        "seekers rejected",
    ),
    "seekers_discouraged_share": Kpi(
        (
            "Seekers who never applied because they expected a rejection / seekers (cf. the "
            "survey's 42.4% who did not apply)."
        ),
        "share",
        "lower",
        "seekers discouraged",
    ),
    "bad_rate_approved": Kpi(
        (
            "Approved seekers failing within scoring.label_window_days of the day they first "
            "sought "
            "credit / approved seekers (the twin knows every merchant's outcome)."
        ),
        "share",
        "lower",
        "failure rate, approved seekers",
    ),
    "bad_rate_rejected": Kpi(
        "The same failure rate for seekers who applied and got no line.",
        "share",
        "neutral",
        "failure rate, rejected seekers",
    ),
    "bad_rate_discouraged": Kpi(
        "The same failure rate for seekers who never applied (discouraged).",
        "share",
        "neutral",
        "failure rate, discouraged seekers",
    ),
    "bad_rate_all_seekers": Kpi(
        "The same failure rate over every seeker (the all-merchant truth).",
        "share",
        "neutral",
        "failure rate, all seekers",
    ),
    "application_auc_approved_only": Kpi(
        (
            "application_auc on the approved applicants only: the part of the truth a bank that "
            "only "
            "sees its own borrowers can measure (reject inference: compare with application_auc)."
        ),
        "score",
        "higher",
        "application AUC, approved only",
    ),
    "default_share_cumulative": Kpi(
        "Lines ever defaulted / lines ever opened over the run.",
        "share",
        "lower",
        "lines ever defaulted",
    ),
    "monthly_default_rate": Kpi(
        ("Lines reaching ledger.npl_dpd in the month / performing lines at its start (monthly)."),
        "share",
        "lower",
        "monthly default rate",
    ),
    "loss_rate": Kpi(
        (
            "(Written off - recovered) / balance of live lines at the month's start (monthly; "
            "total: net loss / total drawn)."
        ),
        "share",
        "lower",
        "loss rate",
    ),
    "interest_income_net_cny": Kpi(
        ("Interest collected - written off + recovered, CNY (monthly; total)."),
        "CNY",
        "higher",
        "interest income net of losses",
    ),
    "average_limit_cny": Kpi(
        "Mean limit of live lines at month end, CNY (total: mean of months).",
        "CNY",
        "neutral",
        "average limit",
    ),
    "limit_utilisation": Kpi(
        ("Drawn principal / limits of live lines at month end (total: mean of months)."),
        "share",
        "neutral",
        "limit utilisation",
    ),
    "credit_outstanding_cny": Kpi(
        (
            "Balance (principal + interest) of live lines at month end, CNY (total: mean of the "
            "month ends)."
        ),
        "CNY",
        "higher",
        "credit outstanding",
    ),
    "credit_committed_cny": Kpi(
        ("Sum of the limits of live lines at month end, CNY (total: mean of the month ends)."),
        "CNY",
        "neutral",
        "credit committed (limits)",
    ),
    "open_accounts": Kpi(
        "Live (open or frozen) lines at month end (monthly).",
        "count",
        "higher",
        "open credit lines",
    ),
    "drawn_cny": Kpi(
        "Amount drawn on lines, CNY (monthly; total: cumulative).", "CNY", "higher", "amount drawn"
    ),
    "merchant_exit_rate": Kpi(
        "Merchants failing in the month / merchants trading at its start.",
        "share",
        "lower",
        "merchant exit rate (monthly)",
    ),
    "merchant_exit_rate_annual": Kpi(
        "Merchants failed over the run / (merchants x years).",
        "per year",
        "lower",
        "merchant exit rate",
    ),
    "merchant_sales_cny": Kpi(
        "Platform sales of all merchants, CNY (monthly; total: sum).",
        "CNY",
        "higher",
        "merchant sales",
    ),
    "limit_raises": Kpi(
        "Lines raised at the month's re-rating or review (monthly).",
        "count",
        "neutral",
        "limit raises",
    ),
    "limit_cuts": Kpi(
        "Lines cut at the month's re-rating or review (monthly).", "count", "neutral", "limit cuts"
    ),
    "line_freezes": Kpi(
        "Lines frozen at the month's re-rating or review (monthly).",
        "count",
        "lower",
        "line freezes",
    ),
    "score_auc": Kpi(
        (
            "AUC of the mode's month-end scores (innovated: the data model on consenting "
            "merchants; "
            "traditional: the collateral rule on everyone) against failure within "
            "scoring.label_window_days (monthly)."
        ),
        "score",
        "higher",
        "score AUC",
    ),
    "score_ks": Kpi(
        "KS statistic of the same scores and labels as score_auc (monthly).",
        "score",
        "higher",
        "score KS",
    ),
    "score_psi": Kpi(
        (
            "Population stability index of the innovated month-end scores against the held-out "
            "training scores (monthly, innovated only; total score_psi_mean: mean of the months)."
        ),
        "score",
        "lower",
        "score PSI (drift)",
    ),
    "application_auc": Kpi(
        (
            "AUC of each decided merchant's first decision score against failure within "
            "scoring.label_window_days of that decision."
        ),
        "score",
        "higher",
        "application AUC",
    ),
    "application_ks": Kpi(
        "KS statistic of the same scores and labels as application_auc.",
        "score",
        "higher",
        "application KS",
    ),
    "score_psi_mean": Kpi(
        "Mean of the monthly score_psi (innovated only).", "score", "lower", "score PSI, mean"
    ),
    "data_path_share": Kpi(
        "Share of merchants the mode scores on platform data (consenting).",
        "share",
        "neutral",
        "decisions on the data path",
    ),
    "holdout_auc": Kpi(
        "AUC of the trained scorer on the held-out part of the training cohort.",
        "score",
        "higher",
        "held-out AUC",
    ),
    "holdout_ks": Kpi(
        "KS statistic of the trained scorer on the held-out cohort.",
        "score",
        "higher",
        "held-out KS",
    ),
    "holdout_brier": Kpi(
        "Brier score (mean squared PD error) on the held-out cohort.",
        "score",
        "lower",
        "held-out Brier score",
    ),
    "holdout_base_rate": Kpi(
        "Share of the held-out cohort that failed within the label window.",
        "share",
        "neutral",
        "held-out base rate",
    ),
    "holdout_n": Kpi("Merchants in the held-out cohort.", "count", "neutral", "held-out merchants"),
}


def _nanmean(values: list[float]) -> float:
    """Mean of the finite values, NaN (without a warning) when there are none."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return float(finite.mean()) if finite.size else math.nan


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
    decided: set[int] = field(default_factory=set)
    approved: set[int] = field(default_factory=set)
    new_defaults: int = 0
    failures: int = 0
    sales_cny: float = 0.0


def cohort_default_rate(
    open_day: np.ndarray, default_day: np.ndarray, month_ends: list[int], window: int
) -> tuple[list[float], float]:
    """Annualised cohort default rates per month start and pooled over all of them.

    Month ``m`` starts after the day ``month_ends[m - 1]`` (month 0 before day 0): its cohort is
    the lines opened by then and not yet defaulted; its window ends at ``month_ends[m + w - 1]``
    with ``w = min(window, months left)``.

    Returns:
        (annualised rate per month start, pooled rate = defaults / line-years of exposure).
    """
    rates, defaults, exposure = [], 0, 0.0
    opened = open_day >= 0
    for m in range(len(month_ends)):
        start = month_ends[m - 1] if m else -1
        w = min(window, len(month_ends) - m)
        cohort = opened & (open_day <= start) & (default_day > start)
        hit = int((cohort & (default_day <= month_ends[m + w - 1])).sum())
        years = int(cohort.sum()) * w / 12
        rates.append(ratio(hit, years))
        defaults, exposure = defaults + hit, exposure + years
    return rates, ratio(defaults, exposure)


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
        self.open_day = np.zeros(0, dtype=np.int64)
        self.default_day = np.zeros(0, dtype=np.int64)
        self.decided = np.zeros(0, dtype=bool)
        self.approved = np.zeros(0, dtype=bool)
        self.applied = np.zeros(0, dtype=bool)
        self.discouraged = np.zeros(0, dtype=bool)
        self.first_seek_day = np.zeros(0, dtype=np.int64)
        self.month_ends: list[int] = []
        self.binding: dict[str, int] = defaultdict(int)
        self.first_score = np.zeros(0)
        self.first_score_day = np.zeros(0, dtype=np.int64)
        self.start: BookState | None = None
        self.end: BookState | None = None

    def subscribe(self, bus: EventBus) -> None:
        """Listen to the events this collector counts."""
        bus.subscribe(self._on_start, RunStart)
        bus.subscribe(self._on_day, TradingDay)
        bus.subscribe(self._on_application, Application)
        bus.subscribe(self._on_discouraged, Discouraged)
        bus.subscribe(self._on_decision, Approval)
        bus.subscribe(self._on_decision, Rejection)
        bus.subscribe(self._on_default, Default)
        bus.subscribe(self._on_month_end, MonthEnd)

    # ---- handlers ----------------------------------------------------------------------------
    def _on_start(self, event: RunStart) -> None:
        n = self.merchants = event.merchants
        self.data_path_share = event.data_path_share
        self.failed_day = np.full(n, NOT_FAILED, dtype=np.int64)
        self.open_day = np.full(n, -1, dtype=np.int64)
        self.default_day = np.full(n, NOT_FAILED, dtype=np.int64)
        self.decided = np.zeros(n, dtype=bool)
        self.approved = np.zeros(n, dtype=bool)
        self.applied = np.zeros(n, dtype=bool)
        self.discouraged = np.zeros(n, dtype=bool)
        self.first_seek_day = np.full(n, -1, dtype=np.int64)
        self.first_score = np.full(n, np.nan)
        self.first_score_day = np.full(n, -1, dtype=np.int64)
        self.begin_month(event.state)

    def _on_day(self, event: TradingDay) -> None:
        self.month.sales_cny += event.amount
        self.month.failures += event.failures
        self.failed_day[event.failed] = _day(event.t_hours)

    def _on_application(self, event: Application) -> None:
        self.month.applications += 1
        self.applied[event.agent] = True
        self._seek(event.agent, event.t_hours)

    def _on_discouraged(self, event: Discouraged) -> None:
        self.discouraged[event.agent] = True
        self._seek(event.agent, event.t_hours)

    def _seek(self, agent: int, t_hours: float) -> None:
        if self.first_seek_day[agent] < 0:
            self.first_seek_day[agent] = _day(t_hours)

    def _on_decision(self, event: Approval | Rejection) -> None:
        i, m = event.agent, self.month
        m.decisions += 1
        m.decided.add(i)
        self.decided[i] = True
        if isinstance(event, Approval):
            m.approvals += 1
            m.approved.add(i)
            self.approved[i] = True
            self.open_day[i] = _day(event.t_hours)
            self.binding[event.binding] += 1
            self.opened += 1
        if math.isnan(self.first_score[i]):
            self.first_score[i] = event.pd
            self.first_score_day[i] = _day(event.t_hours)

    def _on_default(self, event: Default) -> None:
        self.month.new_defaults += 1
        self.defaulted += 1
        self.default_day[event.agent] = _day(event.t_hours)

    def _on_month_end(self, event: MonthEnd) -> None:
        day = _day(event.t_hours)
        self.month_ends.append(day)
        self.add_scores(day, event.scored, event.scores)
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
            "approval_rate": ratio(len(m.approved), len(m.decided)),
            "approval_rate_decisions": ratio(m.approvals, m.decisions),
            "npl_ratio": ratio(state.npl_fen, state.outstanding_fen),
            "monthly_default_rate": ratio(m.new_defaults, s0.performing_lines),
            "loss_rate": ratio(off - rec, s0.outstanding_fen),
            "interest_income_net_cny": (interest - off + rec) / FEN,
            "average_limit_cny": state.limit_mean_fen / FEN,
            "limit_utilisation": ratio(state.principal_fen, state.limit_total_fen),
            "open_accounts": state.live_lines,
            "credit_outstanding_cny": state.outstanding_fen / FEN,
            "credit_committed_cny": state.limit_total_fen / FEN,
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
        """Keep month-end monitoring scores to grade against later failures (indices as int32:
        the series of a large population is held for the whole run)."""
        self.scores.append((day, idx.astype(np.int32), pd))

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
        """Per unique applicant: merchants ever approved / merchants ever decided."""
        return ratio(int(self.approved.sum()), int(self.decided.sum()))

    def default_rates(self) -> tuple[list[float], float]:
        """Annualised cohort default rate per month start and pooled (see :data:`GLOSSARY`)."""
        return cohort_default_rate(self.open_day, self.default_day, self.month_ends, WINDOW_MONTHS)

    def npl_ratio_mean(self) -> float:
        """Mean monthly NPL ratio over the last ``WINDOW_MONTHS`` months."""
        return _nanmean(self.series["npl_ratio"][-WINDOW_MONTHS:])

    def seekers(self) -> dict[str, float]:
        """Who wanted credit and what became of them; failure rates by group (reject inference)."""
        seekers = self.applied | self.discouraged
        groups = {
            "approved": self.approved,
            "rejected": self.applied & ~self.approved,
            "discouraged": self.discouraged & ~self.applied,
            "all_seekers": seekers,
        }
        failed = self.failed_day <= self.first_seek_day + self.label_window_days
        n = int(seekers.sum())
        out = {"seekers": float(n)}
        for name, key in (("approved", "obtained"), ("rejected", "rejected")):
            out[f"seekers_{key}_share"] = ratio(int(groups[name].sum()), n)
        out["seekers_discouraged_share"] = ratio(int(groups["discouraged"].sum()), n)
        for name, members in groups.items():
            out[f"bad_rate_{name}"] = ratio(int((members & failed).sum()), int(members.sum()))
        return out

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
            "approval_rate_decisions": ratio(sum(s["approvals"]), sum(s["decisions"])),
            "npl_ratio_end": s["npl_ratio"][-1],
            "npl_ratio_mean": self.npl_ratio_mean(),
            "default_rate": self.default_rates()[1],
            "default_share_cumulative": ratio(self.defaulted, self.opened),
            "collateral_bound_share": ratio(self.binding["collateral"], self.opened),
            "request_bound_share": ratio(self.binding["request"], self.opened),
            "loss_rate": ratio(net_loss, end.drawn_fen),
            "interest_income_net_cny": (end.interest_paid_fen - net_loss) / FEN,
            "drawn_cny": end.drawn_fen / FEN,
            "average_limit_cny": _nanmean(s["average_limit_cny"]),
            "limit_utilisation": _nanmean(s["limit_utilisation"]),
            "credit_outstanding_cny": float(np.mean(s["credit_outstanding_cny"])),
            "credit_committed_cny": float(np.mean(s["credit_committed_cny"])),
            "application_auc": auc(label, first),
            "application_ks": ks(label, first),
            "application_auc_approved_only": auc(
                label[self.approved[scored]], first[self.approved[scored]]
            ),
            **self.seekers(),
            "merchant_exit_rate_annual": ratio(exits, self.merchants * years),
            "merchant_sales_cny": float(sum(s["merchant_sales_cny"])),
            "data_path_share": self.data_path_share,
        }
