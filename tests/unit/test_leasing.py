"""Case 3 agents on the in-memory telemetry fake: tariffs, the lease book, bank policies."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from agents.leasing.book import ACTIVE, LOST, REPOSSESSING, YARD
from agents.leasing.market import Calendar, LeasingMarket
from agents.leasing.operations import draw_day
from agents.leasing.population import build_devices
from agents.leasing.tariffs import Tariff, annuity_cny, lease_annuity_cny
from products.telemetry.fake import InMemoryTelemetry
from products.telemetry.inspection import InspectionTelemetry
from products.telemetry.monitor import MonitorRules
from sim.config import ScenarioConfig, format_validation_error
from sim.config.equipment_leasing import EquipmentLeasingConfig, ModeConfig, UsagePricing
from sim.kernel.rng import SeedTree

USAGE = ModeConfig(pricing="usage", monitoring="telemetry")
FIXED = ModeConfig(pricing="fixed", monitoring="inspection")


def small(devices: int = 12, **bank: object) -> EquipmentLeasingConfig:
    return EquipmentLeasingConfig.model_validate({"fleet": {"devices": devices}, "bank": bank})


def market(cfg: EquipmentLeasingConfig, mode: ModeConfig, days: int = 120) -> LeasingMarket:
    seeds = SeedTree(11).child("equipment_leasing")
    devices = build_devices(cfg, seeds.child("population"))
    m = LeasingMarket(
        cfg, mode, devices, seeds.child("market"), Calendar.build(dt.date(2025, 1, 1), days)
    )
    port = (
        InMemoryTelemetry(m.device_specs(), MonitorRules(), m.bank)
        if mode.monitoring == "telemetry"
        else InspectionTelemetry(m.device_specs(), MonitorRules(), m.bank, interval_days=30)
    )
    m.attach(port)
    return m


def test_annuity_repays_the_principal() -> None:
    payment = annuity_cny(np.array([720_000.0]), 0.06, 36)[0]
    r = 0.06 / 12
    present_value = sum(payment / (1 + r) ** k for k in range(1, 37))
    assert present_value == pytest.approx(720_000.0)


def test_usage_rent_is_revenue_neutral_at_reference_hours_and_cheaper_per_hour_above() -> None:
    usage = UsagePricing()
    tariff = Tariff("usage", usage)
    annuity = np.full(5, 20_000.0)
    hours = np.array([0.0, 60.0, usage.reference_hours_per_month, 200.0, 400.0])
    rent = tariff.rent_cny(annuity, hours)
    assert rent[2] == pytest.approx(20_000.0)
    assert rent[0] == pytest.approx(usage.base_share * 20_000.0)
    assert np.all(np.diff(rent) > 0)
    per_hour = tariff.marginal_cny_per_hour(annuity, hours)
    assert per_hour[0] == per_hour[2] > per_hour[3] > per_hour[4]
    fixed = Tariff("fixed", usage)
    assert np.all(fixed.rent_cny(annuity, hours) == 20_000.0)
    assert np.all(fixed.marginal_cny_per_hour(annuity, hours) == 0.0)


def test_calendar_months() -> None:
    cal = Calendar.build(dt.date(2025, 1, 30), 40)
    assert cal.month_start_days == [0, 2, 30]
    assert cal.is_month_start(2) and not cal.is_month_start(0)
    assert cal.is_month_end(1) and cal.is_month_end(39)


def test_rent_is_paid_oldest_first_and_days_past_due_follow() -> None:
    m = market(small(2), FIXED, days=90)
    book = m.book
    book.unpaid[:] = 0.0
    book.unpaid[0, 1], book.unpaid[0, 2] = 100.0, 100.0
    assert book.days_past_due(40).tolist() == [40 - book.month_start_days[1], 0]
    book.cash[:] = 150.0
    book.receivables[:] = 0.0
    book.receive_and_pay(40, np.zeros(2))
    assert book.unpaid[0, 1] == 0.0 and book.unpaid[0, 2] == pytest.approx(50.0)
    assert book.days_past_due(70)[0] == 70 - book.month_start_days[2]


def test_both_modes_consume_identical_random_streams() -> None:
    cfg = small()
    a, b = market(cfg, USAGE), market(cfg, FIXED)
    for day in range(60):
        a.step(day)
        b.step(day)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    np.testing.assert_array_equal(a.book.devices.price_cny, b.book.devices.price_cny)


def test_daily_draws_do_not_depend_on_state() -> None:
    first, second = draw_day(np.random.default_rng(3), 5), draw_day(np.random.default_rng(3), 5)
    assert all(np.array_equal(first.u[k], second.u[k]) for k in first.u)


def _in_arrears(m: LeasingMarket, slot: int, days: int) -> None:
    m.book.unpaid[slot, 0] = 1e9
    m.book.cash[slot] = -1e9
    m.book.month_start_days[0] = -days


def test_telemetry_bank_locks_then_repossesses_a_lessee_that_does_not_pay() -> None:
    m = market(
        small(
            4,
            lock_after_days=45,
            lock_to_repossess_days=10,
            repossess_days_with_gps=3,
            restructure_max=0,
        ),
        USAGE,
    )
    draws = draw_day(np.random.default_rng(0), 4)
    _in_arrears(m, 1, 50)
    m.bank.act(0, m.book.days_past_due(0), draws)
    assert m.book.locked[1] and m.bank.counts["remote_locks"] == 1
    m.bank.act(10, m.book.days_past_due(10), draws)
    assert m.book.status[1] == REPOSSESSING and m.bank.counts["defaults"] == 1
    for day in range(11, 14):
        m.bank.act(day, m.book.days_past_due(day), draws)
    assert m.book.status[1] in (YARD, LOST)
    assert m.bank.money["exposure_cny"] > 0


def test_inspection_bank_cannot_lock_and_defaults_after_90_days() -> None:
    m = market(small(4), FIXED)
    draws = draw_day(np.random.default_rng(0), 4)
    _in_arrears(m, 2, 60)
    m.bank.act(0, m.book.days_past_due(0), draws)
    assert not m.book.locked.any() and m.book.status[2] == ACTIVE
    _in_arrears(m, 2, 91)
    m.bank.act(1, m.book.days_past_due(1), draws)
    assert m.book.status[2] == REPOSSESSING
    assert m.bank.events[-1].kind == "default"


def test_restructure_defers_arrears_once() -> None:
    m = market(
        small(3, restructure_after_days=30, restructure_max=1, restructure_spread_months=4), FIXED
    )
    draws = draw_day(np.random.default_rng(0), 3)
    m.book.unpaid[0, 0] = 4000.0
    m.book.month_start_days[0] = -35
    m.bank.act(0, m.book.days_past_due(0), draws)
    assert m.bank.counts["restructures"] == 1
    assert m.book.days_past_due(0)[0] == 0
    assert m.book.deferred_cny[0] == pytest.approx(1000.0)
    m.book.unpaid[0, 0] = 4000.0
    m.bank.act(1, m.book.days_past_due(1), draws)
    assert m.bank.counts["restructures"] == 1


def test_idle_alert_leads_to_a_call_and_maybe_a_matched_job() -> None:
    from products.telemetry.port import Alert

    m = market(small(3, work_match_probability=1.0, matched_job_days=7), USAGE)
    m.bank.send_alert(Alert(30.0, m.book.devices.device_ids[0], "idle", 25.0))
    m.bank.act(1, np.zeros(3, dtype=int), draw_day(np.random.default_rng(0), 3))
    assert m.bank.counts["calls"] == 1 and m.book.matched_days_left[0] == 7


def test_config_errors_name_the_key_the_value_and_the_rule() -> None:
    from pydantic import ValidationError

    bad = {"name": "x", "equipment_leasing": {"fleet": {"devices": -3}}}
    with pytest.raises(ValidationError) as err:
        ScenarioConfig.model_validate(bad)
    assert "equipment_leasing.fleet.devices: -3" in format_validation_error(
        err.value, ScenarioConfig
    )
    with pytest.raises(ValidationError, match="shares sum"):
        EquipmentLeasingConfig.model_validate(
            {
                "fleet": {
                    "classes": {
                        "a": {
                            "share": 0.5,
                            "price_cny": 1,
                            "fuel_litres_per_hour": 1,
                            "fuel_max_litres_per_hour": 2,
                            "client_rate_cny_per_hour": 1,
                        }
                    }
                }
            }
        )
    with pytest.raises(ValidationError, match="tiers"):
        UsagePricing(tiers=((10, 1.0),))
    with pytest.raises(ValidationError, match="usage rent is billed on the hours"):
        EquipmentLeasingConfig.model_validate(
            {"traditional": {"pricing": "usage", "monitoring": "inspection"}}
        )
    with pytest.raises(ValidationError, match="broker_url"):
        EquipmentLeasingConfig.model_validate({"telemetry": {"broker_url": "http://x"}})


def test_lease_annuity_uses_down_payment() -> None:
    cfg = small()
    price = np.array([1_000_000.0])
    expected = annuity_cny(price * (1 - cfg.lease.down_payment_share), 0.06, 36)
    np.testing.assert_allclose(lease_annuity_cny(price, cfg.lease), expected)
