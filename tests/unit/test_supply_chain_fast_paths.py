"""Case 1's fast paths give what the direct formulas give, bit for bit (issue 14: same seed and
config => same KPIs and events)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.supply_chain.core import HURDLE_GRID, _walk_odds
from agents.supply_chain.population import draw_population
from agents.supply_chain.schema import SupplyChainConfig
from sim.kernel.calendar import DAYS_PER_MONTH
from sim.kernel.rng import SeedTree


def _walk_one_term(hurdles: np.ndarray, all_in: float | None, extra: float, limit: float) -> float:
    """One term at a time, as the core computed it before the array form."""
    carry = hurdles if all_in is None else np.minimum(hurdles, all_in)
    return float(np.mean(extra * carry / 10_000 / 365 > limit))


costs = st.one_of(st.none(), st.floats(0, 5_000, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(
    low=st.integers(0, 2_000),
    width=st.integers(0, 2_000),
    all_in=st.lists(costs, min_size=0, max_size=40),
    ref=st.one_of(st.integers(1, 100), st.floats(1, 100, allow_nan=False)),
    limit=st.floats(0, 0.1, allow_nan=False),
)
def test_walk_odds_of_all_terms_at_once_equal_one_term_at_a_time(
    low: int, width: int, all_in: list[float | None], ref: float, limit: float
) -> None:
    hurdles = np.linspace(low, low + width, HURDLE_GRID)
    extra = [term - ref for term in range(60, 60 + len(all_in))]
    expected = [_walk_one_term(hurdles, c, e, limit) for c, e in zip(all_in, extra, strict=True)]
    assert _walk_odds(hurdles, all_in, extra, limit) == expected


def test_tier2_demand_table_equals_the_mean_over_its_customers() -> None:
    for tier1, tier2 in ((7, 3), (5, 5), (4, 6)):
        cfg = SupplyChainConfig.model_validate(
            {
                "population": {"tier1_count": tier1, "tier2_count": tier2},
                "adversaries": {"count": 0},
            }
        )
        pop = draw_population(cfg, SeedTree(3).child("supply_chain"), 400)
        months = pop.tier1_demand.shape[1]
        for slot in range(tier2):
            customers = pop.tier2_of_tier1 == slot
            for day in range(0, 400, 13):
                month = min(int(day / DAYS_PER_MONTH), months - 1)
                direct = (
                    float(pop.tier1_demand[customers, month].mean()) if customers.any() else 1.0
                )
                assert pop.demand(2, slot, day) == direct


def test_demand_by_slot_is_demand_slot_by_slot() -> None:
    cfg = SupplyChainConfig.model_validate(
        {"population": {"tier1_count": 9, "tier2_count": 4}, "adversaries": {"count": 0}}
    )
    pop = draw_population(cfg, SeedTree(5).child("supply_chain"), 500)
    for day in (0, 29, 30, 31, 200, 499, 800):
        tier1, tier2 = pop.demand_by_slot(day)
        assert tier1 == [pop.demand(1, slot, day) for slot in range(9)]
        assert tier2 == [pop.demand(2, slot, day) for slot in range(4)]
