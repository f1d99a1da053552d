"""Case 3 behaviour channels on scripted lessees: price response, repayment, recovery, KPIs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from agents.equipment_leasing.book import ACTIVE, PARTLY, PAY, REPOSSESSING, SOLD, STOP, YARD
from agents.equipment_leasing.events import Default, MonthEnd, Repossession
from agents.equipment_leasing.operations import draw_day
from agents.equipment_leasing.population import LesseeTraits
from agents.equipment_leasing.repayment import RepaymentDecision
from agents.equipment_leasing.schema import DEFAULT_TARIFFS, EquipmentLeasingConfig
from agents.equipment_leasing.tariffs import Tariff
from products.telemetry.port import TelemetryStats
from sim.cases.equipment_leasing.kpis import GLOSSARY, LeasingKpis
from sim.recorder import Recorder
from tests.unit.test_leasing import FIXED, USAGE, Market, market, small


def cfg_with(**sections: object) -> EquipmentLeasingConfig:
    return EquipmentLeasingConfig.model_validate({"fleet": {"devices": 4}, **sections})


# --- (1) price response -----------------------------------------------------------------------


def test_block_tariff_drops_the_bill_at_a_threshold_and_linear_does_not() -> None:
    annuity = np.array([20_000.0])
    block, linear = Tariff(DEFAULT_TARIFFS["block"]), Tariff(DEFAULT_TARIFFS["linear"])
    assert block.job_rent_cny(annuity, np.array([146.0]), 6.0)[0] < 0  # 152 h: tier 0.85
    assert block.job_rent_cny(annuity, np.array([100.0]), 6.0)[0] > 0
    assert linear.job_rent_cny(annuity, np.array([146.0]), 6.0)[0] > 0
    assert Tariff(DEFAULT_TARIFFS["fixed"]).job_rent_cny(annuity, np.array([146.0]), 6.0)[0] == 0


def test_a_lessee_at_a_tier_threshold_takes_the_extra_job() -> None:
    """Same thin spot job (margin at the bottom of its range): taken near the threshold under the
    block tariff, refused under the linear tariff and far from the threshold; always under fixed."""
    decisions = {}
    for pricing, month_end in (("block", 146.0), ("block", 100.0), ("linear", 146.0)):
        cfg = cfg_with(innovated={"pricing": pricing, "monitoring": "telemetry"})
        m = market(cfg, USAGE)
        draws = draw_day(np.random.default_rng(0), 4)
        draws.u["spot"][:] = 0.0  # offered
        draws.u["spot_margin"][:] = 0.0  # margin at the low end: 20 CNY/h
        hours = np.full(4, month_end)
        decisions[(pricing, month_end)] = m.ops.spot_accepted(draws, 1.0, 6.0, hours)
    assert decisions[("block", 146.0)].all()
    assert not decisions[("block", 100.0)].any()
    assert not decisions[("linear", 146.0)].any()
    m = market(small(4), FIXED)
    draws = draw_day(np.random.default_rng(0), 4)
    draws.u["spot"][:], draws.u["spot_margin"][:] = 0.0, 0.0
    assert m.ops.spot_accepted(draws, 1.0, 6.0, np.full(4, 100.0)).all()


# --- (4) repayment incentive ------------------------------------------------------------------


def _in_difficulty(m: Market, hours: np.ndarray | float) -> np.ndarray:
    m.book.cash[:] = 0.0
    m.book.unpaid[:, 0] = m.book.annuity
    return np.broadcast_to(np.asarray(hours, dtype=float), (m.book.n,)).copy()


def _hours_for_margin(m: Market, share_of_rent: float) -> np.ndarray:
    """Daily hours at which each slot's machine earns ``share_of_rent`` x its rent a month."""
    zero = m.repayment.margin_cny_per_month(m.book, np.zeros(m.book.n))
    per_hour = m.repayment.margin_cny_per_month(m.book, np.ones(m.book.n)) - zero
    return np.asarray((share_of_rent * m.book.annuity - zero) / per_hour)


def test_a_lessee_who_fears_a_lock_pays_and_one_who_does_not_stops() -> None:
    with_lock = market(cfg_with(bank={"remote_lock": True}), USAGE)
    without = market(cfg_with(bank={"remote_lock": False}), USAGE)
    traditional = market(cfg_with(), FIXED)
    # a slack machine: it earns 30% of its rent, so repossession alone does not deter
    hours = _hours_for_margin(with_lock, 0.3)
    stance = {}
    for name, m in (("lock", with_lock), ("no_lock", without), ("inspection", traditional)):
        daily = _in_difficulty(m, hours)
        assert m.repayment.in_difficulty(m.book, daily).all()
        stance[name] = m.repayment.choose(m.book, daily)
    assert (stance["lock"] == PARTLY).all()
    assert (stance["no_lock"] == STOP).all() and (stance["inspection"] == STOP).all()


def test_a_busy_lessee_keeps_paying_without_a_lock_too() -> None:
    m = market(cfg_with(bank={"remote_lock": False}), USAGE)
    daily = _in_difficulty(m, 0.0) + _hours_for_margin(m, 2.0)
    assert (m.repayment.choose(m.book, daily) == PARTLY).all()
    m.book.cash[:] = 1e7  # not in difficulty
    assert (m.repayment.choose(m.book, daily) == PAY).all()


def test_partly_pays_the_bills_near_the_trigger_stop_pays_nothing() -> None:
    m = market(small(4), USAGE)
    lock = RepaymentDecision(m.cfg, telemetry=True, lock=True)
    assert lock.partly_days == m.cfg.bank.lock_after_days - m.cfg.lessee.repayment.safety_days
    book = m.book
    day = 100
    book.month_start_days[0], book.month_start_days[1] = day - 40, day - 5
    book.unpaid[:, 0], book.unpaid[:, 1] = 1000.0, 2000.0
    book.cash[:] = 1e6
    book.receivables[:] = 0.0
    book.partly_days = lock.partly_days
    book.stance[:] = [PAY, PARTLY, STOP, PARTLY]
    paid = book.receive_and_pay(day, np.zeros(4))
    np.testing.assert_allclose(paid, [3000.0, 1000.0, 0.0, 1000.0])


def test_stopping_lessees_only_may_move_the_machine_away() -> None:
    m = market(small(4), FIXED)
    m.book.stance[:] = [PAY, PARTLY, STOP, PAY]
    dpd = np.array([20, 20, 20, 200])
    assert m.ops.defaulting(dpd).tolist() == [False, False, True, True]


# --- (5) recovery ------------------------------------------------------------------------------


def test_a_machine_on_site_is_always_found_and_valued_at_its_used_price() -> None:
    cfg = cfg_with(bank={"repossess_days_without_gps": 2, "restructure_max": 0})
    m = market(cfg, FIXED)
    draws = draw_day(np.random.default_rng(0), 4)
    draws.u["locate"][:] = 0.999  # unlucky draws: still found, the machine never moved
    m.book.unpaid[1, 0], m.book.cash[1] = 1e5, -1e9
    m.book.month_start_days[0] = -91
    m.bank.act(0, m.book.days_past_due(0), draws)
    assert m.book.status[1] == REPOSSESSING
    (default,) = (e for e in m.events if isinstance(e, Default))
    for day in (1, 2):
        m.bank.act(day, m.book.days_past_due(day), draws)
    assert m.book.status[1] == YARD
    (rep,) = (e for e in m.events if isinstance(e, Repossession))
    p = cfg.bank
    # repossessed on day 1
    sale = m.book.value_cny(1, 1 + p.resale_days) * (1 - p.resale_haircut)
    discount = (1 + cfg.lease.finance_rate_annual) ** (-p.resale_days / 365)
    expected = min(sale * discount - p.repossession_cost_cny, default.amount)
    assert rep.located and rep.amount == pytest.approx(expected)
    assert default.expected_recovery_cny == pytest.approx(expected)


def test_a_machine_moved_away_is_found_by_gps_and_by_luck_without() -> None:
    m_gps, m_paper = market(small(4), USAGE), market(small(4), FIXED)
    for m in (m_gps, m_paper):
        m.book.relocated[2] = True
    p = m_gps.cfg.bank
    assert m_gps.bank._locate_probability(2) == p.locate_probability_with_gps
    assert m_paper.bank._locate_probability(2) == p.locate_probability_relocated_without_gps
    assert m_paper.bank._locate_probability(0) == 1.0


def _collector() -> LeasingKpis:
    rec = Recorder(__import__("pathlib").Path("/tmp"), dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    return LeasingKpis(rec, "traditional", cfg_with(), telemetry=False)


def test_lgd_counts_open_defaults_at_expected_recovery_and_resolved_ones_apart() -> None:
    k = _collector()
    for agent, slot, expected in (("A", 0, 80.0), ("B", 1, 60.0)):
        k._default(
            Default(
                t_hours=0,
                agent=agent,
                amount=100.0,
                slot=slot,
                expected_recovery_cny=expected,
                reason="default_90_days",
                lease_no=0,
            )
        )
    k._repossession(
        Repossession(t_hours=1, agent="A", amount=70.0, located=True, exposure_cny=100, cost_cny=0)
    )
    k._month_end(
        MonthEnd(
            t_hours=24,
            month=0,
            productive_hours=30,
            engine_hours=50,
            available_hours=100,
            leased_available_hours=60,
            rental_income_cny=1000,
            rent_billed_cny=1000,
            active_leases_days=365,
            days=1,
            matured=0,
            yard_days=0,
            working_machine_days=4,
        )
    )
    k.finish(TelemetryStats())
    t = k.totals
    # 60 leased hours at 10 a day = 6 leased machine-days, 4 of them with engine hours
    assert t["operating_rate"] == pytest.approx(4 / 6)
    assert t["lgd_resolved"] == pytest.approx(0.3)
    assert t["lgd"] == pytest.approx(1 - (70 + 60) / 200)
    assert t["recovery_rate"] == pytest.approx(1 - t["lgd"])
    assert t["utilisation"] == pytest.approx(0.5) and t["fleet_utilisation"] == pytest.approx(0.3)
    assert t["default_rate"] == pytest.approx(2.0)  # 2 defaults over one lease-year
    assert t["net_income_cny"] == pytest.approx(1000 - t["bank_costs_cny"] - 70)
    assert set(t) <= set(GLOSSARY)


def test_the_glossary_doc_carries_every_case_3_definition() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "glossary.md").read_text(encoding="utf-8")
    section = doc.split("## equipment_leasing (case 3)", 1)[1].split("\n## ", 1)[0]
    flat = " ".join(section.split())
    for name, meaning in GLOSSARY.items():
        assert f"**`{name}`**: {' '.join(meaning.split())}." in flat


# --- (3) redeployment --------------------------------------------------------------------------


def test_a_redeployed_machine_raises_fleet_hours_after_the_dealer_delay() -> None:
    from products.telemetry.port import Alert

    hours = {}
    for redeploy in (True, False):
        cfg = cfg_with(
            bank={"work_match_probability": 1.0, "redeploy_delay_days": 2},
            channels={"redeployment": redeploy},
        )
        m = market(cfg, USAGE)
        m.book.project_active[:] = False  # every machine between projects
        m.bank.send_alert(Alert(30.0, m.book.devices.device_ids[0], "idle", 25.0))
        draws = draw_day(np.random.default_rng(0), 4)
        draws.u["match"][:] = 0.0
        m.bank.act(1, np.zeros(4, dtype=int), draws)
        worked = []
        for _ in range(4):
            d = draw_day(np.random.default_rng(1), 4)
            d.u["workday"][:], d.u["spot"][:], d.u["project"][:] = 0.0, 1.0, 1.0
            worked.append(m.ops._hours(d, 1.0, 1.0, 0)[0])
        hours[redeploy] = worked
    assert hours[True][:2] == [0.0, 0.0] and hours[True][2] > 0 and hours[True][3] > 0
    assert hours[False] == [0.0] * 4


# --- (2) take-up and selection -----------------------------------------------------------------


def _applicant(intensity: float, cash: float = 2.0) -> LesseeTraits:
    return LesseeTraits(0.45, 60, intensity, 0, cash_buffer_months=cash)


def test_a_low_use_applicant_picks_usage_rent_and_a_busy_one_the_fixed_rent() -> None:
    m = market(cfg_with(), USAGE)
    names = m.prospects.names
    assert set(names) == {"block", "linear", "fixed"}
    low, _, _ = m.prospects.choose(0, _applicant(0.7))
    busy, _, _ = m.prospects.choose(0, _applicant(1.15))  # ~136 h: fixed beats the usage rent
    assert m.cfg.tariffs[names[low]].kind != "fixed"
    assert names[busy] == "fixed"
    trad = market(cfg_with(), FIXED)
    assert trad.prospects.names == ("fixed",)


def test_an_applicant_applies_only_if_the_margin_covers_the_rent_and_passes_the_screen() -> None:
    m = market(cfg_with(), FIXED)
    slot = 0
    m.book.status[slot] = YARD
    m.lessees.exit(slot)
    _, rent, margin = m.prospects.choose(slot, _applicant(1.0))
    assert margin > m.cfg.prospects.min_cover * rent
    assert m.prospects.screen(slot, _applicant(1.0, cash=0.2), rent) == "cash"
    assert m.prospects.screen(slot, _applicant(1.0), rent) == ""
    assert m.prospects.screen(slot, _applicant(1.0), 10 * rent) == "cover"
    _, rent_idle, margin_idle = m.prospects.choose(slot, _applicant(0.2))
    assert margin_idle < rent_idle  # a firm with little work would not take the lease


def test_statements_can_hide_a_weak_applicant_and_telemetry_history_reveals_it() -> None:
    from dataclasses import replace

    m = market(cfg_with(), USAGE)
    slot = 0
    honest = _applicant(0.9)
    _, rent, margin = m.prospects.choose(slot, honest)
    cover = margin / rent
    # a firm whose statements overstate its hours by 60% passes a screen set just above its cover
    m = market(cfg_with(prospects={"min_cover": cover * 1.05}), USAGE)
    flattering = replace(honest, statement_error=1.6)
    assert m.prospects.screen(slot, flattering, rent) == ""
    assert m.prospects.screen(slot, flattering, rent, known=True) == "cover"


# --- (3) redeployment: early return and re-lease, resale ---------------------------------------


def _idle_alert_day(m: Market, daily_hours: float, day: int = 1) -> None:
    """An idle alert on slot 0 that the dealer network finds no job for, read on ``day``."""
    from products.telemetry.port import Alert

    m.bank.send_alert(Alert(day * 24.0 - 1, m.book.devices.device_ids[0], "idle", 25.0))
    draws = draw_day(np.random.default_rng(0), m.book.n)
    draws.u["match"][:] = 1.0  # no job
    m.bank.act(day, np.zeros(m.book.n, dtype=int), draws, np.full(m.book.n, daily_hours))


def test_a_lessee_whose_machine_earns_less_than_its_rent_hands_it_back_early() -> None:
    from agents.equipment_leasing.events import EarlyReturn
    from agents.equipment_leasing.returns import keep_value_cny, return_fee_cny

    m = market(cfg_with(), USAGE)
    m.book.cash[0] = 1e6
    assert keep_value_cny(m.cfg, m.book, 0, 0.5) < -return_fee_cny(m.cfg, m.book, 0)
    exposure, cash = m.book.exposure_cny(0), m.book.cash[0]
    _idle_alert_day(m, daily_hours=0.5)
    (ret,) = (e for e in m.events if isinstance(e, EarlyReturn))
    assert m.book.status[0] == YARD and m.lessees.at(0) is None
    assert ret.amount == pytest.approx(return_fee_cny(m.cfg, m.book, 0))
    assert m.book.cash[0] == pytest.approx(cash - ret.amount)
    assert ret.exposure_cny == pytest.approx(exposure)
    assert 0 < ret.machine_value_cny < m.book.value_cny(0, 1)


@pytest.mark.parametrize(
    ("case", "daily_hours", "cash", "sections"),
    [
        ("a busy lessee keeps its machine", 5.0, 1e6, {}),
        ("no cash for the fee", 0.5, 0.0, {}),
        ("the lessor offers no early return", 0.5, 1e6, {"bank": {"early_return_offer": False}}),
        ("no redeployment channel", 0.5, 1e6, {"channels": {"redeployment": False}}),
    ],
)
def test_an_early_return_needs_an_offer_the_cash_and_a_machine_not_worth_its_rent(
    case: str, daily_hours: float, cash: float, sections: dict
) -> None:
    m = market(cfg_with(**sections), USAGE)
    m.book.cash[0] = cash
    _idle_alert_day(m, daily_hours)
    assert m.book.status[0] == ACTIVE, case


def test_a_lessee_in_arrears_is_not_offered_an_early_return() -> None:
    m = market(cfg_with(), USAGE)
    m.book.cash[0], m.book.unpaid[0, 0] = 1e6, 5_000.0
    _idle_alert_day(m, daily_hours=0.5)
    assert m.book.status[0] == ACTIVE


def test_an_early_returned_machine_is_leased_to_the_next_approved_applicant() -> None:
    from agents.equipment_leasing.events import NewLease

    cfg = cfg_with(bank={"release_delay_days": 2}, prospects={"min_cover": 0, "min_cash_months": 0})
    m = market(cfg, USAGE)
    m.book.cash[0] = 1e6
    m.prospects.choose = lambda slot, traits: (0, 0.0, 1.0)  # every applicant takes it
    _idle_alert_day(m, daily_hours=0.5)
    assert m.book.status[0] == YARD
    draws = draw_day(np.random.default_rng(2), m.book.n)
    for day in (2, 3):
        m.bank.act(day, np.zeros(m.book.n, dtype=int), draws)
    (new,) = (e for e in m.events if isinstance(e, NewLease))
    assert new.lease_no == 1 and m.book.status[0] == ACTIVE and m.lessees.at(0) is not None


def test_a_machine_without_a_lessee_is_sold_after_the_yard_limit_and_leaves_the_fleet() -> None:
    from agents.equipment_leasing.events import MachineSold

    cfg = cfg_with(bank={"yard_max_days": 10}, prospects={"arrival_days": 3})
    m = market(cfg, FIXED)
    m.prospects.try_lease = lambda slot, day: False  # nobody wants it
    m.bank.lease_out = m.prospects.try_lease
    m.lessees.exit(0)
    m.book.to_yard(0, 0, 0)
    draws = draw_day(np.random.default_rng(3), m.book.n)
    for day in range(16):  # offered on days 0, 3, 6, 9, 12: sold on day 12
        m.bank.act(day, np.zeros(m.book.n, dtype=int), draws)
    (sold,) = (e for e in m.events if isinstance(e, MachineSold))
    assert m.book.status[0] == SOLD and sold.yard_days == 12
    assert sold.amount == pytest.approx(m.bank.net_resale_cny(0, int(sold.t_hours // 24)))
    m.tally.available_hours = 0.0
    m._account(np.zeros(4), np.zeros(4), np.zeros(4))
    assert m.tally.available_hours == 3 * cfg.fleet.available_hours_per_day
