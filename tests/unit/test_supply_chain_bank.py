"""Case 1, the bank and the core's credit state on scripted agents: price, capital, P&L."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from agents.supply_chain import Bank
from agents.supply_chain.bank import irb_capital
from agents.supply_chain.events import PositionClosed
from agents.supply_chain.population import core_credit_path
from agents.supply_chain.schema import SupplyChainConfig
from agents.supply_chain.supplier import Supplier
from agents.supply_chain.world import Holding
from sim.kernel.calendar import DAY_S, FEN
from sim.kernel.clock import TwinModel
from sim.kernel.rng import SeedTree

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


class _Core:
    """A core whose grade the test sets."""

    address = "0xcore"

    def __init__(self, cfg: SupplyChainConfig, grade: int) -> None:
        self.cfg, self.g = cfg, grade

    def grade(self, day: int) -> int:
        return self.g

    def pd_annual(self, day: int) -> float:
        return self.cfg.core.credit.grade_pd_annual[self.g]

    def defaulted(self, day: int) -> bool:
        return False


class _World(TwinModel):
    def __init__(self, cfg: SupplyChainConfig, grade: int = 1) -> None:
        super().__init__(START, 24 * 400, SeedTree(0))
        self.cfg, self.core, self.owner = cfg, _Core(cfg, grade), {}
        self.closed: list[PositionClosed] = []
        self.bus.subscribe(self.closed.append, PositionClosed)


def _cfg(**pricing: object) -> SupplyChainConfig:
    return SupplyChainConfig.model_validate({"bank": {"pricing": pricing, "fee_bps": 50}})


def _bank(cfg: SupplyChainConfig, grade: int = 1) -> tuple[_World, Bank]:
    world = _World(cfg, grade)
    return world, Bank(world, "0xbank", 10**12, cfg.bank, cfg.financing)


def _seller(world: _World, cash_cny: float) -> Supplier:
    return Supplier(world, 1, 0, "0xs", 1_000.0, cash_cny, 700)


def test_capital_and_price_rise_with_the_core_pd_and_flat_pricing_is_the_old_rate() -> None:
    assert 0 < irb_capital(0.001, 0.45) < irb_capital(0.01, 0.45) < irb_capital(0.1, 0.45) < 0.45
    assert irb_capital(0.0001, 0.45) == irb_capital(0.0005, 0.45)  # PD floor
    rates = [_bank(_cfg(), grade)[1].programme_rate_bps(0) for grade in range(5)]
    assert rates == sorted(rates) and rates[0] < rates[-1]
    no_delay = _bank(_cfg(price_late_payment=False, operating_cost_bps=0), 0)[1]
    assert 300 < no_delay.programme_rate_bps(0) < 320  # funding + a small spread at PD 0.03%
    assert _bank(_cfg(risk_based=False))[1].programme_rate_bps(0) == 450
    recourse = _bank(_cfg(recourse=True), 4)[1].programme_rate_bps(0)
    assert recourse < _bank(_cfg(), 4)[1].programme_rate_bps(0)


def _finance(world: _World, bank: Bank, seller: Supplier, face_cny: float, days: int) -> Holding:
    face = round(face_cny * FEN)
    holding = Holding(1, face, world.timestamp() + days * DAY_S, state="financed")
    bank.take_financed(holding, face - face // 100 - face * 50 // 10_000, seller)
    return holding


def test_a_repaid_position_earns_its_discount_and_fee_and_pays_its_funding() -> None:
    world, bank = _bank(_cfg())
    _finance(world, bank, _seller(world, 0), 100_000, 60)
    world.env.run(until=60 * 24)
    bank.collect(1, 100_000 * FEN)
    (closed,) = world.closed
    assert closed.status == "repaid" and closed.loss_fen == 0
    assert closed.interest_fen == 1_000 * FEN and closed.fee_fen == 500 * FEN
    payout_cny = 100_000 - 1_000 - 500
    assert closed.funding_fen == pytest.approx(payout_cny * FEN * 0.03 * 60 / 365, abs=1)
    assert closed.capital_fen_days > 0


def test_non_recourse_loses_at_the_core_default_recourse_claims_the_seller() -> None:
    world, bank = _bank(_cfg())
    seller = _seller(world, cash_cny=50_000)
    _finance(world, bank, seller, 100_000, 60)
    bank.core_defaulted()
    (lost,) = world.closed
    assert lost.status == "defaulted" and lost.recovered_fen == 0
    assert lost.loss_fen == round(100_000 * FEN * 0.99 * 0.45) and seller.cash_cny == 50_000
    world, bank = _bank(_cfg(recourse=True))
    seller = _seller(world, cash_cny=50_000)
    _finance(world, bank, seller, 100_000, 60)
    bank.core_defaulted()
    (part,) = world.closed
    assert part.recovered_fen == 50_000 * FEN and seller.cash_cny == 0
    assert part.loss_fen == round(50_000 * FEN * 0.99 * 0.45)


def test_a_late_payment_after_a_write_off_is_a_recovery() -> None:
    world, bank = _bank(_cfg())
    _finance(world, bank, _seller(world, 0), 100_000, 60)
    bank.core_defaulted()
    bank.collect(1, 100_000 * FEN)
    lost, back = world.closed
    assert back.status == "recovery" and back.loss_fen == -lost.loss_fen
    assert lost.interest_fen + back.interest_fen == 1_000 * FEN


def test_the_core_credit_path_migrates_distress_raises_downgrades_and_defaults() -> None:
    calm = SupplyChainConfig.model_validate({"core": {"credit": {"start_grade": 3}}})
    window = {"start_day": 0, "end_day": 365, "magnitude": 4.0}
    hot = SupplyChainConfig.model_validate(
        {"core": {"credit": {"start_grade": 3}, "distress": [window]}}
    )

    def tally(cfg: SupplyChainConfig) -> tuple[float, int]:
        ends, defaults = [], 0
        for seed in range(300):
            grade, default_day = core_credit_path(cfg, 365, SeedTree(seed).generator("c"))
            ends.append(grade[-1])
            defaults += default_day is not None
        return float(np.mean(ends)), defaults

    (calm_grade, calm_defaults), (hot_grade, hot_defaults) = tally(calm), tally(hot)
    assert hot_grade > calm_grade + 0.3 and hot_defaults > calm_defaults
    flat = SupplyChainConfig.model_validate({"core": {"credit": {"enabled": False}}})
    assert all(
        core_credit_path(flat, 365, SeedTree(s).generator("c"))[1] is None for s in range(50)
    )
