"""Data-driven limit, price and re-rating rules; the collateral rule's grades and lines."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from products.credit.lending import DataDrivenPolicy
from products.credit.rules import CollateralRule

POLICY = DataDrivenPolicy(
    pd_cutoff=0.1,
    limit_sales_months=2.0,
    limit_pd_haircut=0.5,
    min_limit_cny=10_000,
    max_limit_cny=500_000,
    base_rate_daily_bps=1.5,
    risk_spread_daily_bps_per_pd=30,
    freeze_pd=0.2,
    max_raise_factor=1.5,
)


def test_limit_hand_worked() -> None:
    # 2 months x 50k sales x (1 - 0.5 x 0.05/0.1) = 75,000
    assert POLICY.limit_cny(np.array([0.05]), np.array([50_000])).tolist() == [75_000]
    assert POLICY.limit_cny(np.array([0.11]), np.array([50_000])).tolist() == [0]
    assert POLICY.limit_cny(np.array([0.0]), np.array([4_000])).tolist() == [0]  # below minimum
    assert POLICY.limit_cny(np.array([0.0]), np.array([1e9])).tolist() == [500_000]


def test_price_rises_with_pd() -> None:
    assert POLICY.daily_rate(np.array([0.0, 0.1])).tolist() == [1.5e-4, 4.5e-4]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=20),
    st.lists(st.floats(0, 1e7), min_size=1, max_size=20),
)
def test_limits_stay_within_caps_and_fall_with_pd(pds: list[float], sales: list[float]) -> None:
    n = min(len(pds), len(sales))
    pd_, sales_ = np.array(pds[:n]), np.array(sales[:n])
    limit = POLICY.limit_cny(pd_, sales_)
    assert np.all(
        (limit == 0) | ((limit >= POLICY.min_limit_cny) & (limit <= POLICY.max_limit_cny))
    )
    assert np.all(limit[pd_ > POLICY.pd_cutoff] == 0)
    riskier = POLICY.limit_cny(np.minimum(pd_ + 0.01, 1), sales_)
    assert np.all(riskier <= limit)


def test_rerate_raise_is_capped_cut_keeps_balance_and_freeze() -> None:
    pd_ = np.array([0.0, 0.15, 0.3])
    sales = np.full(3, 1e6)
    new, frozen = POLICY.rerate(pd_, sales, np.full(3, 20_000.0), np.array([0, 12_345, 5_000]))
    assert new.tolist() == [30_000, 12_400, 5_000]
    assert frozen.tolist() == [False, False, True]


def _branch(
    collateral: list[float],
    statements: list[bool],
    margin: list[float],
    lien: list[float] | None = None,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "collateral_value_cny": collateral,
            "prior_lien_cny": lien if lien is not None else [0.0] * len(collateral),
            "has_statements": statements,
            "statement_revenue_cny": [1_000_000.0] * len(collateral),
            "statement_margin": margin,
        }
    )


def test_rule_grades_and_lines() -> None:
    rule = CollateralRule(
        ltv=0.6,
        revenue_share=0.3,
        min_margin=0.03,
        unsecured_min_margin=0.08,
        unsecured_revenue_share=0.1,
    )
    frame = _branch([500_000, 500_000, 0, 0], [True, False, True, True], [0.05, 0.0, 0.1, 0.05])
    assert rule.grade(frame).tolist() == [0, 1, 2, 3]
    assert rule.limit_cny(frame).tolist() == [300_000, 300_000, 100_000, 0]
    assert rule.score(frame).tolist() == list(rule.pd_grade)


def test_prior_lien_cuts_the_secured_line_and_can_leave_nothing_to_pledge() -> None:
    rule = CollateralRule(ltv=0.6, revenue_share=2.0, pd_grade=(0.01, 0.02, 0.04, 0.2))
    frame = _branch([1e6, 1e6, 1e6], [False] * 3, [0.0] * 3, lien=[0.0, 400_000.0, 700_000.0])
    assert rule.secured_line_cny(frame).tolist() == [600_000, 200_000, 0]
    assert rule.limit_cny(frame).tolist() == [600_000, 200_000, 0]
    assert rule.grade(frame).tolist() == [1, 1, 3]  # the third owner cannot pledge: declined
    # a 15% fall of the appraisal: the mortgaged owner's line falls by 45%, not 15%
    fallen = _branch([850_000.0] * 2, [False] * 2, [0.0] * 2, lien=[0.0, 400_000.0])
    assert rule.limit_cny(fallen).tolist() == pytest.approx([510_000, 110_000])
