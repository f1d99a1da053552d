"""Case 1, the supplier's financing decision invoice by invoice (scripted suppliers)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from agents.supply_chain.population import draw_population
from agents.supply_chain.schema import SupplyChainConfig
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


def test_costs_follow_demand_in_part_so_a_slump_drains_cash() -> None:
    cfg = SupplyChainConfig.model_validate({"population": {"demand": {"variable_cost_share": 0.5}}})
    world = TwinModel(START, 24, SeedTree(0))
    world.cfg = cfg  # type: ignore[attr-defined]
    s = Supplier(world, 1, 0, "0xs", 1_000.0, 10_000.0, 700)
    s.pay_costs(90, demand=1.0)
    s.pay_costs(90, demand=0.2)  # half the cost is fixed: 500 + 0.2 x 500
    assert s.cash_cny == 10_000 - 1_000 - 600


def test_demand_paths_scale_deliveries_and_a_sector_slump_cuts_them() -> None:
    window = {"start_day": 31, "end_day": 400, "magnitude": -0.5}
    small = {"tier1_count": 30, "tier2_count": 10}
    calm = SupplyChainConfig.model_validate({"population": small})
    hit = SupplyChainConfig.model_validate(
        {"population": {**small, "demand": {"shocks": [window]}}}
    )
    flat = SupplyChainConfig.model_validate({"population": {**small, "demand": {"enabled": False}}})
    seeds = SeedTree(4).child("supply_chain")
    a, b, c = (draw_population(cfg, seeds, 120) for cfg in (calm, hit, flat))
    assert (c.tier1_demand == 1).all() and a.tier1_demand.std() > 0
    assert np.allclose(b.tier1_demand[:, 2:], a.tier1_demand[:, 2:] * 0.5)
    late = [
        (x.value_cny, y.value_cny)
        for x, y in zip(a.deliveries, b.deliveries, strict=True)
        if x.day >= 61
    ]
    assert late and all(y == pytest.approx(x * 0.5) for x, y in late)
    assert b.demand(2, 0, 70) == pytest.approx(
        float(b.tier1_demand[b.tier2_of_tier1 == 0, 2].mean())
    )
