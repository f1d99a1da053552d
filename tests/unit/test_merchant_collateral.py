"""Collateral that binds (case 2): scripted merchants, the branch's combined-LTV line, a fall."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from merchant_scripted import WARM_UP, scripted_model

from agents.merchant_credit.events import Approval
from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.population import generate_traits
from agents.merchant_credit.schema import MerchantCreditConfig
from sim.kernel.calendar import DAYS_PER_MONTH, FEN
from sim.kernel.events import Event
from sim.kernel.rng import SeedTree

N = 40
#: Property value in months of each merchant's sales: the first half is collateral-bound
#: (0.6 x 0.6 months < the 2 months asked for), the second half pledges far more than it asks.
VALUE_MONTHS = np.where(np.arange(N) < N // 2, 0.6, 100.0)


def _config(fall: float) -> MerchantCreditConfig:
    shocks = {"property_price": [{"start_day": 10, "end_day": 400, "magnitude": fall}]}
    return MerchantCreditConfig.model_validate(
        {
            "merchants": 50,
            "traditional": {"decision_days": 0, "review_months": 1, "min_limit_cny": 1_000},
            "population": {"mortgage_share_max": 0.0},
            "behaviour": {"request_sales_months": 2.0},
            "shocks": shocks if fall else {},
        }
    )


def _drawn_after_review(fall: float) -> tuple[np.ndarray, list[Event], np.ndarray]:
    """Open rule lines on day 0, review them on day 40, then every merchant draws from no cash."""
    everyone = np.arange(N)
    model, pop, events = scripted_model(
        _config(fall),
        SeedTree(7),
        N,
        days=60,
        months=2,
        collateral=lambda pop: VALUE_MONTHS * pop.monthly_sales_cny(everyone),
    )
    model.desk.receive(0, everyone)
    model.desk.decide(0)
    model.desk.month_end(40)
    pop.cash_cny[:] = 0.0
    before = model.book.principal_fen.copy()
    pop.draw_and_repay(model.book)
    return (model.book.principal_fen - before) / FEN, events, pop.alive


def test_the_collateral_binds_for_the_merchants_who_pledge_little() -> None:
    _, events, _ = _drawn_after_review(0.0)
    approvals = [e for e in events if isinstance(e, Approval)]
    assert len(approvals) >= N - 5  # every merchant still trading after the warm-up
    for approval in approvals:
        assert approval.binding == ("collateral" if approval.agent < N // 2 else "request")


def test_a_collateral_bound_merchant_borrows_less_after_a_property_fall() -> None:
    steady, _, alive = _drawn_after_review(0.0)
    fallen, _, _ = _drawn_after_review(-0.3)
    half = np.arange(N) < N // 2
    bound, free = half & alive, ~half & alive
    assert np.all(fallen[bound] < steady[bound])
    assert fallen[bound].sum() < 0.8 * steady[bound].sum()
    # merchants who pledge far more than they ask borrow exactly as before
    np.testing.assert_allclose(fallen[free], steady[free])


def test_home_equity_keeps_an_owner_trading_until_a_property_fall_erodes_it() -> None:
    cfg = _config(0.0)
    cfg = cfg.model_copy(
        update={"population": cfg.population.model_copy(update={"owner_equity_support_share": 0.1})}
    )
    seeds = SeedTree(3)
    traits = generate_traits(cfg, 4, seeds.generator("traits"), seeds.generator("property"))
    traits = dataclasses.replace(
        traits,
        region=np.zeros(4, dtype=int),
        fixed_cost_daily_cny=np.full(4, 100.0),
        collateral_value_cny=np.array([0.0, 1e6, 1e6, 1e6]),
        mortgage_cny=np.array([0.0, 0.0, 500_000.0, 0.0]),
    )
    pop = MerchantPopulation(cfg, traits, seeds.generator("dynamics"), WARM_UP)
    steady, fallen = np.ones(len(cfg.population.regions)), np.full(4, 0.7)
    support = pop.owner_support_cny(steady)
    share = cfg.population.owner_equity_support_share
    assert support.tolist() == pytest.approx([0, share * 1e6, share * 500_000, share * 1e6])
    # the mortgaged owner's buffer falls by 60% when the price falls by 30%
    assert pop.owner_support_cny(fallen)[2] == pytest.approx(share * 200_000)
    tolerance = cfg.population.payables_tolerance_months * DAYS_PER_MONTH * 100.0
    pop.cash_cny = np.full(4, -tolerance - share * 400_000)  # unpaid bills beyond the tolerance
    never = np.ones(4)  # no hazard draw fails anyone
    pop._fail(0, never, support)
    assert pop.alive.tolist() == [False, True, True, True]
    pop._fail(1, never, pop.owner_support_cny(fallen))
    assert pop.alive.tolist() == [False, True, False, True]
