"""Case 1, the supplier's financing decision invoice by invoice (scripted suppliers)."""

from __future__ import annotations

import datetime as dt

from agents.supply_chain.supplier import Holding, Offer, Supplier
from sim.kernel.clock import TwinModel
from sim.kernel.rng import SeedTree

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
DAY = 86_400
# 4.5% a year, 50 bps fee, 100 CNY per application, cash at once; >= 10k CNY, <= 180 days.
OFFER = Offer(450, 50, 100.0, 0.0, 1_000_000, 180)


def _supplier(cash_cny: float, hurdle_bps: int) -> Supplier:
    s = Supplier(
        TwinModel(START, 24, SeedTree(0)), 1, 0, "0xs", 1_000, cash_cny, 700, False, hurdle_bps
    )
    s.holdings = {
        1: Holding(1, 50_000_000, 60 * DAY, "accepted"),
        2: Holding(2, 50_000_000, 90 * DAY, "accepted"),
    }
    return s


def test_a_supplier_with_a_low_cost_of_capital_does_not_finance() -> None:
    all_in = OFFER.all_in_bps(50_000_000, 60)
    assert all_in is not None and 450 + 300 < all_in < 450 + 320  # the fee counts, annualised
    assert _supplier(cash_cny=1_000_000, hurdle_bps=500).to_finance(0, 20, 0, OFFER) == []
    keen = _supplier(cash_cny=1_000_000, hurdle_bps=900).to_finance(0, 20, 0, OFFER)
    assert [(h.token_id, h.motive) for h in keen] == [(1, "cost"), (2, "cost")]


def test_a_short_supplier_discounts_only_when_cheaper_than_running_short() -> None:
    short = _supplier(cash_cny=-10_000, hurdle_bps=500)
    picked = short.to_finance(0, 20, 0, None, OFFER, shortfall_bps=2_400)
    assert [(h.token_id, h.motive) for h in picked] == [(1, "gap")]
    dear = Offer(450, 500, 100.0, 0.0, 1_000_000, 180)  # 5% flat fee: ≈ 35% a year over 60 days
    assert _supplier(-10_000, 500).to_finance(0, 20, 0, None, dear, shortfall_bps=2_400) == []
    # without pricing the gap (the old rule), it discounts whatever the price
    assert len(_supplier(-10_000, 500).to_finance(0, 20, 0)) == 1
