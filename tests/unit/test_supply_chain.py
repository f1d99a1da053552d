"""Case 1 with in-memory ledgers: config rules, population streams, agent decisions, the model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest
from pydantic import ValidationError

from agents.supply_chain import Bank, CreditDesk, SupplyChainModel, draw_population
from agents.supply_chain.adversary import Adversary
from agents.supply_chain.population import operating_cycle_days
from agents.supply_chain.schema import SupplyChainConfig
from agents.supply_chain.supplier import Holding, Offer, Supplier
from products.ledger import (
    FakeLedger,
    Finance,
    PaperLedger,
    Policy,
    ReceivableState,
    Status,
    derive_address,
)
from sim.cases.supply_chain.kpis import SupplyChainKpis
from sim.config import ScenarioConfig
from sim.kernel.calendar import DAYS_PER_MONTH, Calendar
from sim.kernel.clock import TwinModel
from sim.kernel.events import Event, EventBus
from sim.kernel.rng import SeedTree

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
# Cash-starved on purpose (no operating cycle funded) so that short runs exercise financing.
SMALL = {
    "population": {
        "tier1_count": 8,
        "tier2_count": 8,
        "cash_buffer_months": 0.5,
        "fund_operating_cycle": False,
    }
}


def _scenario(**case: object) -> ScenarioConfig:
    return ScenarioConfig.model_validate({"name": "t", "supply_chain": case})


def test_bad_values_name_key_value_and_rule() -> None:
    with pytest.raises(ValidationError) as err:
        _scenario(population={"tier1_count": 0})
    text = str(err.value)
    assert "supply_chain.population.tier1_count" in text and "greater than or equal to 1" in text
    with pytest.raises(ValidationError, match=r"term_days_mean: 50\.0 must lie in"):
        _scenario(core={"term_days_mean": 50})
    with pytest.raises(
        ValidationError, match=r"adversaries\.count: 9 must be <= population\.tier1_count 8"
    ):
        _scenario(population={"tier1_count": 8}, adversaries={"count": 9})
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        _scenario(bank={"rate": 1})


def test_population_is_a_function_of_the_seed_and_streams_are_independent() -> None:
    cfg = SupplyChainConfig.model_validate(SMALL)
    a = draw_population(cfg, SeedTree(3).child("supply_chain"), 120)
    b = draw_population(cfg, SeedTree(3).child("supply_chain"), 120)
    assert a.deliveries == b.deliveries and a.attacks == b.attacks
    louder = cfg.model_copy(
        update={
            "adversaries": cfg.adversaries.model_copy(update={"forged_receivable_per_month": 9.0})
        }
    )
    c = draw_population(louder, SeedTree(3).child("supply_chain"), 120)
    assert c.deliveries == a.deliveries and len(c.attacks) > len(a.attacks)
    terms = np.array([d.term_days for d in a.deliveries])
    assert terms.min() >= 60 and terms.max() <= 180


def _supplier(cash_cny: float) -> Supplier:
    model = TwinModel(START, 24, SeedTree(0))
    s = Supplier(model, 1, 0, "0xs", daily_cost_cny=1_000, cash_cny=cash_cny, own_rate_bps=700)
    day = 86_400
    s.holdings = {
        1: Holding(1, 500_000, 10 * day, "accepted"),
        2: Holding(2, 1_500_000, 60 * day, "accepted"),
        3: Holding(3, 1_500_000, 90 * day, "accepted"),
    }
    return s


def test_supplier_finances_only_what_covers_its_projected_gap() -> None:
    assert _supplier(cash_cny=100_000).to_finance(0, 20, 0) == []
    chosen = _supplier(cash_cny=0).to_finance(0, 20, 0)
    assert [h.token_id for h in chosen] == [2]  # soonest-due beyond the window; one covers the gap
    assert len(_supplier(cash_cny=-40_000).to_finance(0, 20, 0)) == 2


# Chain-like offer: 4.5%, no fee, 100 CNY per application, cash at once; >= 10k CNY, <= 180 days.
CHAIN_OFFER = Offer(450, 0, 100.0, 0.0, 1_000_000, 180)


def _saver(cash_cny: float, hurdle_bps: int) -> Supplier:
    model = TwinModel(START, 24, SeedTree(0))
    s = Supplier(model, 1, 0, "0xs", 1_000, cash_cny, 700, hurdle_bps=hurdle_bps)
    day = 86_400
    s.holdings = {
        1: Holding(1, 50_000_000, 10 * day, "accepted"),  # due inside the window
        2: Holding(2, 50_000_000, 60 * day, "accepted"),
        3: Holding(3, 50_000_000, 200 * day, "accepted"),  # beyond the max tenor
        4: Holding(4, 500_000, 60 * day, "accepted"),  # below the minimum face
    }
    return s


def test_supplier_finances_when_cheaper_than_its_hurdle_and_otherwise_only_when_short() -> None:
    keen = _saver(cash_cny=1_000_000, hurdle_bps=700).to_finance(0, 20, 0, CHAIN_OFFER)
    assert [(h.token_id, h.motive) for h in keen] == [(1, "cost"), (2, "cost")]
    assert _saver(cash_cny=1_000_000, hurdle_bps=400).to_finance(0, 20, 0, CHAIN_OFFER) == []
    short = _saver(cash_cny=-600_000, hurdle_bps=400).to_finance(0, 20, 0, CHAIN_OFFER)
    assert [(h.token_id, h.motive) for h in short] == [(2, "gap")]
    assert _saver(cash_cny=1_000_000, hurdle_bps=700).to_finance(0, 20, 0) == []  # no cost motive


def test_all_in_cost_spreads_fee_hassle_and_review_wait_over_the_early_days() -> None:
    paper = Offer(700, 10, 1_500.0, 7.0, 1_000_000, 180)
    expected = 700 + (500_000 * 0.001 + 1_500) / 500_000 * 365 / 53 * 10_000
    assert paper.all_in_bps(50_000_000, 60) == pytest.approx(expected)
    assert paper.all_in_bps(50_000_000, 6) is None  # cash would come after the due date
    assert CHAIN_OFFER.all_in_bps(50_000_000, 60) < paper.all_in_bps(50_000_000, 60)


def test_offer_is_core_credit_on_chain_and_own_credit_with_documents_on_paper() -> None:
    cfg = SupplyChainConfig()
    supplier = _saver(cash_cny=0, hurdle_bps=700)
    model = TwinModel(START, 24, SeedTree(0))
    chain = Bank(model, "0xb", 1, cfg.bank, cfg.financing, own_credit_pricing=False).offer(supplier)
    paper = Bank(model, "0xb", 1, cfg.bank, cfg.financing, own_credit_pricing=True).offer(supplier)
    assert (chain.rate_bps, chain.hassle_cny, chain.wait_days) == (450, 100, 0)
    assert (paper.rate_bps, paper.hassle_cny, paper.wait_days) == (700, 1_500, 7.0)
    with pytest.raises(ValidationError, match=r"hurdle_rate_bps_min: 900 must be <="):
        _scenario(financing={"hurdle_rate_bps_min": 900})


def test_hurdles_are_drawn_per_supplier_from_their_own_stream() -> None:
    cfg = SupplyChainConfig.model_validate(SMALL)
    a = draw_population(cfg, SeedTree(3).child("supply_chain"), 60)
    assert a.tier1_hurdle_bps.min() >= 600 and a.tier2_hurdle_bps.max() <= 800
    assert len(set(a.tier1_hurdle_bps.tolist())) > 1
    wide = SupplyChainConfig.model_validate({**SMALL, "financing": {"hurdle_rate_bps_max": 900}})
    b = draw_population(wide, SeedTree(3).child("supply_chain"), 60)
    assert b.deliveries == a.deliveries and (b.tier1_own_rate_bps == a.tier1_own_rate_bps).all()


def test_the_bank_section_is_the_ledger_policy_and_the_adapter_defaults_to_anvil() -> None:
    cfg = SupplyChainConfig()
    assert cfg.bank.ledger_policy() == Policy(180 * 86_400, 7 * 86_400, 90 * 86_400, 1_000_000)
    assert cfg.ledger.adapter == "anvil"
    assert _scenario(ledger={"adapter": "fake"}).supply_chain.ledger.adapter == "fake"
    with pytest.raises(ValidationError, match=r"ledger\.adapter"):
        _scenario(ledger={"adapter": "sqlite"})


def test_supplier_fails_after_a_persistent_gap() -> None:
    s = _supplier(cash_cny=1_500)
    assert [s.pay_costs(3) for _ in range(4)] == [False, False, False, True]


def test_bank_cuts_line_on_overdue_exposure_and_restores_it() -> None:
    cfg = SupplyChainConfig()
    bank = Bank(TwinModel(START, 24, SeedTree(0)), "0xb", 1_000, cfg.bank, cfg.financing)
    bank.book.financed = {1: (100, 99, 0), 2: (100, 99, 0)}
    bank.book.overdue = {1}
    assert bank.review_line(200, 0.1, 0.5) == 500
    assert bank.review_line(200, 0.1, 0.5) is None
    bank.book.collected[1] = 100
    assert bank.review_line(200, 0.1, 0.5) == 1_000


def test_credit_officers_price_on_own_credit_and_reject_tier2_more() -> None:
    cfg = SupplyChainConfig().bank
    model = TwinModel(START, 24, SeedTree(0))
    t1 = Supplier(model, 1, 0, "0x1", 1, 0, 650)
    t2 = Supplier(model, 2, 0, "0x2", 1, 0, 790)
    officers = CreditDesk(cfg, np.random.default_rng(0))
    officers.staff(model, {"0x1": t1, "0x2": t2})
    token = ReceivableState(1, "c", "h", 0, Status.ACCEPTED, "0", 0, 1, 0, 0, 0, 1, "0x")
    by_t1, by_t2 = (Finance(sender=s, token_id=1, financier="b") for s in ("0x1", "0x2"))
    r1 = [officers.review(by_t1, token) for _ in range(400)]
    r2 = [officers.review(by_t2, token) for _ in range(400)]
    assert (
        0.45 < np.mean([r.approved for r in r1]) < 0.65 and np.mean([r.approved for r in r2]) < 0.2
    )
    assert 5 * 24 < np.mean([r.delay_hours for r in r1]) < 9 * 24
    assert r1[0].terms is not None and r1[0].terms.rate_bps == 650


def _model(
    paper: bool,
    case: dict[str, object] | None = None,
    days: int = 120,
    sink: Callable[[Event], None] | None = None,
) -> tuple[SupplyChainModel, SupplyChainKpis]:
    cfg = SupplyChainConfig.model_validate(case or SMALL)
    seeds = SeedTree(5).child("supply_chain")
    population = draw_population(cfg, seeds, days)
    policy = Policy(180 * 86_400, 7 * 86_400, 90 * 86_400, 1_000_000)
    admin = derive_address(5, "admin")
    desk = CreditDesk(cfg.bank, seeds.generator("paper", "review"))
    ledger = PaperLedger(admin, policy, desk) if paper else FakeLedger(admin, policy)
    accounts = lambda role, slot, gen: derive_address(5, role, str(slot), str(gen))  # noqa: E731
    bus = EventBus()
    if sink is not None:
        bus.subscribe(sink)
    calendar = Calendar.build(START.date(), max(1, round(days / DAYS_PER_MONTH)) + 1)
    kpis = SupplyChainKpis(calendar, cfg.population.tier2_count)
    kpis.subscribe(bus)
    model = SupplyChainModel(
        cfg, population, ledger, accounts, START, days * 24, seeds, "t", desk, not paper, bus
    )
    model.run(progress=False)
    return model, kpis


def test_model_on_the_fake_ledger_finances_within_the_block_interval() -> None:
    _, kpis = _model(paper=False)
    cycles = kpis.cycles()
    assert len(cycles) > 5
    assert np.median(cycles) <= 1.0
    assert all(f.payout_fen < f.face_fen for f in kpis.financings)
    assert kpis.tx_count > 100
    share = kpis.totals()["financed_share_of_receivables"]
    face = sum(f.face_fen for f in kpis.financings)
    assert 0 < share <= 1 and share == face / kpis.issued_face_fen


def test_model_on_the_paper_ledger_waits_for_manual_review() -> None:
    _, kpis = _model(paper=True)
    cycles = kpis.cycles()
    assert len(cycles) > 0 and np.median(cycles) > 24
    assert sum(kpis.applications.values()) > len(cycles)


def test_core_distress_window_raises_late_and_flat_default_shares() -> None:
    flat = {"enabled": False}  # the old per-invoice default draw
    calm = SupplyChainConfig.model_validate(
        {"population": {"tier1_count": 200}, "core": {"credit": flat}}
    )
    hot_window = {"start_day": 0, "end_day": 60, "magnitude": 1.0}
    stressed = SupplyChainConfig.model_validate(
        {"population": {"tier1_count": 200}, "core": {"distress": [hot_window], "credit": flat}}
    )
    seeds = SeedTree(1).child("supply_chain")

    def shares(cfg: SupplyChainConfig) -> tuple[float, float]:
        ds = [d for d in draw_population(cfg, seeds, 60).deliveries]
        late = np.mean([d.pay_delay_days is not None and d.pay_delay_days > 0 for d in ds])
        return float(late), float(np.mean([d.pay_delay_days is None for d in ds]))

    (late_calm, default_calm), (late_hot, default_hot) = shares(calm), shares(stressed)
    assert late_hot > late_calm * 1.5 and default_hot > default_calm


def test_operating_cycle_comes_from_the_core_terms_and_funds_opening_cash() -> None:
    cfg = SupplyChainConfig()
    core = cfg.core
    expected = core.term_days_mean + core.late_share * core.mean_delay_days + DAYS_PER_MONTH / 2
    assert operating_cycle_days(cfg) == pytest.approx(expected)
    slower = cfg.model_copy(update={"core": core.model_copy(update={"late_share": 0.7})})
    assert operating_cycle_days(slower) > operating_cycle_days(cfg)
    cold = {"population": {"tier1_count": 8, "tier2_count": 8, "fund_operating_cycle": False}}
    funded = {"population": {"tier1_count": 8, "tier2_count": 8}}
    (m_cold, _), (m_funded, _) = _model(True, cold, days=1), _model(True, funded, days=1)
    for a, b in zip(m_cold.tier1 + m_cold.tier2, m_funded.tier1 + m_funded.tier2, strict=True):
        # one day of costs was paid in both; the difference is exactly the funded cycle
        assert b.cash_cny - a.cash_cny == pytest.approx(a.daily_cost_cny * expected, rel=1e-9)


def test_a_failed_supplier_fails_once_and_the_rate_is_per_supplier_year() -> None:
    starved = {
        "population": {
            "tier1_count": 8,
            "tier2_count": 8,
            "cash_buffer_months": 0.1,
            "fund_operating_cycle": False,
            "failure_gap_days": 20,
            "replacement_days": 30,
        }
    }
    events: list[tuple[str, str | None]] = []
    model, kpis = _model(
        True, starved, 240, lambda event: events.append((event.kind, event.log_row()[0]))
    )
    failed = [agent for kind, agent in events if kind == "supplier_failed"]
    assert len(failed) == sum(kpis.failures.values()) > 16  # slots were refilled
    assert len(set(failed)) == len(failed)  # every failure is a different firm (address)
    assert kpis.supplier_days < 16 * 240  # empty slots carry no exposure
    live = set(model.agents_by_type[Supplier]) | set(model.agents_by_type[Adversary])
    assert set(model.suppliers) == live and len(live) <= 16  # exited firms left the model
    assert not {s.address for s in live} & set(failed)
    assert [(s.tier, s.slot) for s in model.suppliers] == sorted((s.tier, s.slot) for s in live)
    totals = kpis.totals()
    assert totals["supplier_years"] == pytest.approx(kpis.supplier_days / 365)
    rate = totals["supplier_failures"] / totals["supplier_years"]
    assert totals["supplier_failure_rate_annual"] == pytest.approx(rate)


def test_deliveries_follow_a_regular_settlement_schedule() -> None:
    cfg = SupplyChainConfig.model_validate({"population": {"tier1_count": 40, "tier2_count": 4}})
    deliveries = draw_population(cfg, SeedTree(2).child("supply_chain"), 365).deliveries
    by_slot: dict[int, list[int]] = {}
    for d in deliveries:
        by_slot.setdefault(d.slot, []).append(d.day)
    assert sorted(by_slot) == list(range(40))  # every supplier invoices
    for days in by_slot.values():
        assert len(days) in (12, 13)  # 365 / 30.4 statements, whatever the phase
        gaps = np.diff(sorted(days))
        assert gaps.min() >= 30 and gaps.max() <= 31
    phases = {min(days) for days in by_slot.values()}
    assert len(phases) > 10  # suppliers do not all invoice on the same day
