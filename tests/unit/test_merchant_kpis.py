"""KPI maths of the merchant-credit case on a hand-built book."""

import math

import numpy as np
import pytest

from agents.merchant_credit.events import Approval, MonthEnd, Rejection, RunStart
from agents.merchant_credit.model import book_state
from products.credit.book import BookTerms, RevolvingBook
from sim.cases.merchant_credit.kpis import (
    GLOSSARY,
    MerchantCreditKpis,
    cohort_default_rate,
    ratio,
)
from sim.kernel.calendar import month_end_days
from sim.kernel.events import EventBus


def test_ratio_is_nan_on_zero_denominator() -> None:
    assert ratio(1, 4) == 0.25
    assert math.isnan(ratio(1, 0))


def test_month_end_days_follow_the_calendar() -> None:
    import datetime as dt

    assert month_end_days(dt.date(2025, 1, 1), 3) == [30, 58, 89]


def test_monthly_kpis_hand_worked() -> None:
    terms = BookTerms(npl_dpd=90, write_off_dpd=180, min_principal_share=0.1, recovery_lag_days=0)
    book = RevolvingBook(4, terms)
    book.open(np.arange(3), np.array([100_000, 200_000, 100_000]), np.zeros(3), day=0)
    kpis, bus, alive = MerchantCreditKpis(label_window_days=365), EventBus(), np.ones(4, dtype=bool)
    kpis.subscribe(bus)
    bus.emit(
        RunStart(t_hours=0, merchants=4, data_path_share=0.0, state=book_state(book, alive, 0))
    )
    book.draw(np.array([50_000, 50_000, 100_000, 0]))
    book.bill(0)
    book.bill(1)  # everyone past due since day 1
    book.repay(np.array([10_000, 0, 0, 0]))  # slot 0 pays both bills and cures
    book.interest_fen[1] = 1_000
    book.totals.interest_paid += 1_000
    m = kpis.month
    m.applications, m.decisions, m.approvals, m.failures = 10, 8, 3, 1
    m.decided, m.approved = {0, 1, 2, 3}, {0, 1}  # 4 merchants decided, 2 of them approved
    no_scores = np.zeros(0, dtype=np.int64)
    bus.emit(
        MonthEnd(
            t_hours=95 * 24,
            month=0,
            raises=0,
            cuts=0,
            freezes=0,
            state=book_state(book, alive, 95),
            scored=no_scores,
            scores=np.zeros(0),
        )
    )
    s = {k: v[-1] for k, v in kpis.series.items()}
    assert s["approval_rate_decisions"] == pytest.approx(3 / 8)
    assert s["approval_rate"] == pytest.approx(2 / 4)
    outstanding = 40_000 + 51_000 + 100_000
    assert s["npl_ratio"] == pytest.approx((51_000 + 100_000) / outstanding)
    assert s["credit_outstanding_cny"] == pytest.approx(outstanding / 100)
    assert s["average_limit_cny"] == pytest.approx(400_000 / 3 / 100)
    assert s["limit_utilisation"] == pytest.approx((40_000 + 50_000 + 100_000) / 400_000)
    assert s["interest_income_net_cny"] == pytest.approx(10.0)
    assert s["merchant_exit_rate"] == pytest.approx(1 / 4)
    assert s["drawn_cny"] == pytest.approx(2_000)
    assert s["credit_committed_cny"] == pytest.approx(400_000 / 100)
    assert (
        s["monthly_default_rate"] == 0.0
    )  # 3 performing at the start, none reached 90 dpd in the month


def test_score_quality_labels_failures_inside_the_window() -> None:
    kpis = MerchantCreditKpis(label_window_days=365)
    failed_day = np.array([10, 500, 2**31, 20])
    kpis.add_scores(0, np.arange(4), np.array([0.9, 0.8, 0.1, 0.2]))
    aucs, kss = kpis.score_quality(failed_day, window_days=365)
    # failed in window: merchants 0 and 3 (scores 0.9, 0.2) vs 1 (after it) and 2 (never):
    # 3 of 4 pairs ranked right -> AUC 0.75; CDF gap 0.5 at score 0.1 -> KS 0.5
    assert aucs == [0.75] and kss == [0.5]


def test_cohort_default_rate_counts_only_lines_open_at_the_window_start() -> None:
    # month ends on days 29, 59, 89, 119 (4 months); window 2 months
    ends = [29, 59, 89, 119]
    open_day = np.array([0, 10, 40, 70, -1])
    default_day = np.array([50, 2**31, 100, 80, 2**31])
    rates, pooled = cohort_default_rate(open_day, default_day, ends, window=2)
    # month 0: no line open before day 0 -> NaN
    assert math.isnan(rates[0])
    # month 1 (after day 29): lines 0, 1; line 0 defaults on day 50 <= 89 -> 1 / (2 x 2/12)
    assert rates[1] == pytest.approx(1 / (2 * 2 / 12))
    # month 2 (after day 59): lines 1, 2 (line 0 already defaulted); line 2 on day 100 <= 119
    assert rates[2] == pytest.approx(1 / (2 * 2 / 12))
    # month 3 (after day 89, one month left): lines 1, 2 (3 defaulted on day 80);
    # line 2 defaults on day 100 <= 119 -> 1 / (2 x 1/12)
    assert rates[3] == pytest.approx(1 / (2 * 1 / 12))
    # pooled: 3 defaults over 4/12 + 4/12 + 2/12 line-years
    assert pooled == pytest.approx(3 / (10 / 12))


def test_approval_rate_counts_applicants_not_decisions() -> None:
    kpis, bus = MerchantCreditKpis(label_window_days=365), EventBus()
    kpis.subscribe(bus)
    book, alive = RevolvingBook(3), np.ones(3, dtype=bool)
    bus.emit(
        RunStart(t_hours=0, merchants=3, data_path_share=0.0, state=book_state(book, alive, 0))
    )
    for day, agent, kind in [(1, 0, Rejection), (2, 1, Rejection), (95, 0, Rejection)]:
        bus.emit(kind(t_hours=day * 24, agent=agent, amount=0.0, pd=0.1))
    bus.emit(Approval(t_hours=190 * 24, agent=0, amount=10_000.0, pd=0.05))
    assert kpis.approval_rate() == pytest.approx(1 / 2)  # merchant 0 of {0, 1}
    assert kpis.month.approvals == 1 and kpis.month.decisions == 4


def test_every_reported_kpi_is_defined() -> None:
    kpis = MerchantCreditKpis(label_window_days=365)
    bus, book, alive = EventBus(), RevolvingBook(2), np.ones(2, dtype=bool)
    kpis.subscribe(bus)
    state = book_state(book, alive, 0)
    bus.emit(RunStart(t_hours=0, merchants=2, data_path_share=0.0, state=state))
    none = np.zeros(0, dtype=np.int64)
    bus.emit(
        MonthEnd(
            t_hours=29 * 24,
            month=0,
            raises=0,
            cuts=0,
            freezes=0,
            state=state,
            scored=none,
            scores=np.zeros(0),
        )
    )
    assert set(kpis.series) <= set(GLOSSARY)
    assert set(kpis.totals()) <= set(GLOSSARY)
