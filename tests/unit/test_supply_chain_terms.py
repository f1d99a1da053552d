"""Case 1, the core's payment terms and the supplier's answer (scripted core and suppliers)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from agents.supply_chain.core import CoreEnterprise
from agents.supply_chain.population import draw_population
from agents.supply_chain.schema import SupplyChainConfig
from agents.supply_chain.supplier import Offer, Supplier
from sim.kernel.clock import TwinModel
from sim.kernel.rng import SeedTree

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
CHEAP = Offer(490, 0, 100.0, 0.0, 1_000_000, 180)  # the chain programme: ≈ 5% all in
PAPER = Offer(700, 0, 1_500.0, 7.0, 1_000_000, 180)  # own credit, documents, a week's wait


class _Bank:
    def __init__(self, offer: Offer) -> None:
        self.quote = offer

    def offer(self, firm: object) -> Offer:
        return self.quote


class _World(TwinModel):
    """One tier-1 in slot 0 with the given bargaining power; the bank quotes ``offer``."""

    def __init__(self, bargaining: float, offer: Offer, **terms: object) -> None:
        super().__init__(START, 24, SeedTree(0))
        small = {"tier1_count": 2, "tier2_count": 2}
        self.cfg = SupplyChainConfig.model_validate(
            {"core": {"terms": terms}, "population": small, "adversaries": {"count": 0}}
        )
        pop = draw_population(self.cfg, SeedTree(1).child("supply_chain"), 30)
        pop.tier1_sales_cny[0] = 800_000.0
        pop.tier1_bargaining[0] = bargaining
        self.pop, self.bank = pop, _Bank(offer)


def _term(bargaining: float, offer: Offer, **terms: object) -> int:
    world = _World(bargaining, offer, **terms)
    core = CoreEnterprise(world, "0xcore")
    return core.choose_term(Supplier(world, 1, 0, "0xs", 1_000, 0, 700, False, 700), 0)


def test_strong_bargaining_power_stretches_terms_when_cheap_discounting_exists() -> None:
    strong_cheap, strong_paper = _term(0.2, CHEAP), _term(0.2, PAPER)
    assert strong_cheap > strong_paper > 70  # stretches more when discounting is cheap
    assert _term(0.0, CHEAP) == _term(0.0, PAPER) == 70  # no power: the market term
    assert _term(0.05, PAPER) < strong_paper  # more power, longer terms
    assert _term(0.2, CHEAP) <= 180  # the legal / contract limit


def test_the_supplier_refuses_a_term_that_costs_more_than_switching() -> None:
    world = _World(0.1, PAPER)
    supplier = Supplier(world, 1, 0, "0xs", 1_000, 0, 700, False, hurdle_bps=700)
    face = 80_000_000
    # paper costs it more than its 7% hurdle: accepts while (T - 70) x 7% / 365 <= 0.1 x 8%
    # margin, i.e. T <= 70 + 41.7 days
    assert supplier.accepts_terms(111, face, PAPER, 0.1)
    assert not supplier.accepts_terms(112, face, PAPER, 0.1)
    assert supplier.accepts_terms(125, face, CHEAP, 0.1)  # it would discount at ≈ 4.9% instead
    assert not supplier.accepts_terms(131, face, CHEAP, 0.1)


def test_a_refused_term_is_a_ceiling_and_the_supplier_walks() -> None:
    world = _World(0.2, PAPER, walkaway_loss_months=0.0)  # the core does not mind losing it
    core = CoreEnterprise(world, "0xcore")
    supplier = Supplier(world, 1, 0, "0xs", 1_000, 0, 700, False, 800)
    assert core.choose_term(supplier, 0) == 180
    assert not core.offer_terms(supplier, 0)
    assert core.ceiling[0] == 179 and 0 not in core.terms
    assert core.choose_term(supplier, 0) == 179


def test_bargaining_is_drawn_per_supplier_and_a_shock_scales_it() -> None:
    window = {"start_day": 10, "end_day": 20, "magnitude": 1.0}
    cfg = SupplyChainConfig.model_validate({"core": {"terms": {"bargaining_shocks": [window]}}})
    pop = draw_population(cfg, SeedTree(2).child("supply_chain"), 30)
    assert 0.05 < float(np.median(pop.tier1_bargaining)) < 0.2
    assert pop.bargaining(cfg, 0, 15) == min(2 * pop.bargaining(cfg, 0, 5), 1.0)
