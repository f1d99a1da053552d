"""KPI maths of the merchant-credit case on a hand-built book."""

import math

import numpy as np
import pytest

from agents.merchant_credit.events import MonthEnd, RunStart
from agents.merchant_credit.model import book_state
from products.credit.book import BookTerms, RevolvingBook
from sim.cases.merchant_credit.kpis import MerchantCreditKpis, ratio
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
    assert s["approval_rate"] == pytest.approx(3 / 8)
    outstanding = 40_000 + 51_000 + 100_000
    assert s["npl_ratio"] == pytest.approx((51_000 + 100_000) / outstanding)
    assert s["outstanding_cny"] == pytest.approx(outstanding / 100)
    assert s["average_limit_cny"] == pytest.approx(400_000 / 3 / 100)
    assert s["limit_utilisation"] == pytest.approx((40_000 + 50_000 + 100_000) / 400_000)
    assert s["interest_income_net_cny"] == pytest.approx(10.0)
    assert s["merchant_exit_rate"] == pytest.approx(1 / 4)
    assert s["drawn_cny"] == pytest.approx(2_000)
    assert s["default_rate"] == 0.0  # 3 performing at the start, none reached 90 dpd in the month


def test_score_quality_labels_failures_inside_the_window() -> None:
    kpis = MerchantCreditKpis(label_window_days=365)
    failed_day = np.array([10, 500, 2**31, 20])
    kpis.add_scores(0, np.arange(4), np.array([0.9, 0.8, 0.1, 0.2]))
    aucs, kss = kpis.score_quality(failed_day, window_days=365)
    # failed in window: merchants 0 and 3 (scores 0.9, 0.2) vs 1 (after it) and 2 (never):
    # 3 of 4 pairs ranked right -> AUC 0.75; CDF gap 0.5 at score 0.1 -> KS 0.5
    assert aucs == [0.75] and kss == [0.5]
