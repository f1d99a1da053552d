"""Case 3 agents on the in-memory telemetry fake: tariffs, the lease book, bank policies."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from agents.equipment_leasing.book import ACTIVE, LOST, REPOSSESSING, YARD
from agents.equipment_leasing.events import Default, Repossession
from agents.equipment_leasing.lessees import Lessee
from agents.equipment_leasing.model import EquipmentLeasingModel
from agents.equipment_leasing.operations import draw_day
from agents.equipment_leasing.population import build_devices
from agents.equipment_leasing.schema import DEFAULT_TARIFFS, EquipmentLeasingConfig, TariffShape
from agents.equipment_leasing.tariffs import Tariff, annuity_cny, lease_annuity_cny
from products.telemetry.fake import InMemoryTelemetry
from products.telemetry.inspection import InspectionTelemetry
from products.telemetry.rules import MonitorRules
from sim.config import ScenarioConfig, format_validation_error
from sim.kernel.calendar import Calendar
from sim.kernel.events import Event
from sim.kernel.rng import SeedTree

USAGE, FIXED = "innovated", "traditional"  # the default modes: usage + telemetry, fixed + visits


class Market(EquipmentLeasingModel):
    """The model with a log of its events (what the bank did), for the assertions."""

    events: list[Event]

    def count(self, kind: str) -> int:
        return sum(e.kind == kind for e in self.events)


def small(devices: int = 12, **bank: object) -> EquipmentLeasingConfig:
    return EquipmentLeasingConfig.model_validate({"fleet": {"devices": devices}, "bank": bank})


def market(cfg: EquipmentLeasingConfig, mode: str, months: int = 4) -> Market:
    seeds = SeedTree(11).child("equipment_leasing")
    devices = build_devices(cfg, seeds.child("population"))
    m = Market(cfg, mode, devices, Calendar.build(dt.date(2025, 1, 1), months), seeds)
    m.events = []
    m.bus.subscribe(m.events.append)
    port = (
        InMemoryTelemetry(m.device_specs(), MonitorRules(), m.bank)
        if m.mode.monitoring == "telemetry"
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
    usage = TariffShape(kind="block", tiers=((0, 1.0), (150, 0.85), (250, 0.7)), all_units=False)
    tariff = Tariff(usage)
    annuity = np.full(5, 20_000.0)
    hours = np.array([0.0, 60.0, usage.reference_hours_per_month, 200.0, 400.0])
    rent = tariff.rent_cny(annuity, hours)
    assert rent[2] == pytest.approx(20_000.0)
    assert rent[0] == pytest.approx(usage.base_share * 20_000.0)
    assert np.all(np.diff(rent) > 0)
    per_hour = tariff.marginal_cny_per_hour(annuity, hours)
    assert per_hour[0] == pytest.approx(per_hour[2])
    assert per_hour[2] > per_hour[3] > per_hour[4]
    for name in ("linear", "block"):
        neutral = Tariff(DEFAULT_TARIFFS[name]).rent_cny(annuity[:1], np.array([125.0]))
        assert neutral[0] == pytest.approx(20_000.0)
    fixed = Tariff(DEFAULT_TARIFFS["fixed"])
    assert np.all(fixed.rent_cny(annuity, hours) == 20_000.0)
    assert np.all(fixed.marginal_cny_per_hour(annuity, hours) == 0.0)


def test_calendar_months() -> None:
    # the kernel calendar: a start on the 1st gives calendar months (as the case's own did) ...
    cal = Calendar.build(dt.date(2025, 1, 1), 3)
    assert cal.month_start_days == [0, 31, 59]
    assert cal.is_month_start(31) and not cal.is_month_start(0)
    assert cal.is_month_end(30) and cal.is_month_end(89)
    # ... and a mid-month start report months ending on the start's day (capped at 28)
    cal = Calendar.build(dt.date(2025, 1, 30), 2)
    assert cal.month_start_days == [0, 29]
    assert cal.is_month_start(29) and not cal.is_month_start(0)
    assert cal.is_month_end(28) and cal.is_month_end(56)


def test_rent_is_paid_oldest_first_and_days_past_due_follow() -> None:
    m = market(small(2), FIXED, months=3)
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
        a.run_day(day)
        b.run_day(day)
    assert a.daily_rng.bit_generator.state == b.daily_rng.bit_generator.state
    np.testing.assert_array_equal(a.book.devices.price_cny, b.book.devices.price_cny)


def test_daily_draws_do_not_depend_on_state() -> None:
    first, second = draw_day(np.random.default_rng(3), 5), draw_day(np.random.default_rng(3), 5)
    assert all(np.array_equal(first.u[k], second.u[k]) for k in first.u)


def _in_arrears(m: Market, slot: int, days: int) -> None:
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
    assert m.book.locked[1] and m.count("remote_lock") == 1
    m.bank.act(10, m.book.days_past_due(10), draws)
    assert m.book.status[1] == REPOSSESSING and m.count("default") == 1
    assert m.lessees.at(1) is None and len(m.lessees) == 3
    for day in range(11, 14):
        m.bank.act(day, m.book.days_past_due(day), draws)
    assert m.book.status[1] in (YARD, LOST)
    (default,) = (e for e in m.events if isinstance(e, Default))
    assert default.amount > 0
    (repossession,) = (e for e in m.events if isinstance(e, Repossession))
    assert repossession.exposure_cny == default.amount  # logged, not popped twice (was 0)


def test_inspection_bank_cannot_lock_and_defaults_after_90_days() -> None:
    m = market(small(4), FIXED)
    draws = draw_day(np.random.default_rng(0), 4)
    _in_arrears(m, 2, 60)
    m.bank.act(0, m.book.days_past_due(0), draws)
    assert not m.book.locked.any() and m.book.status[2] == ACTIVE
    _in_arrears(m, 2, 91)
    m.bank.act(1, m.book.days_past_due(1), draws)
    assert m.book.status[2] == REPOSSESSING
    assert m.events[-1].kind == "default"
    assert m.events[-1].reason == "default_90_days"  # type: ignore[attr-defined]


def test_restructure_defers_arrears_once() -> None:
    m = market(
        small(3, restructure_after_days=30, restructure_max=1, restructure_spread_months=4), FIXED
    )
    draws = draw_day(np.random.default_rng(0), 3)
    m.book.unpaid[0, 0] = 4000.0
    m.book.month_start_days[0] = -35
    m.bank.act(0, m.book.days_past_due(0), draws)
    assert m.count("restructure") == 1
    assert m.book.days_past_due(0)[0] == 0
    assert m.book.deferred_cny[0] == pytest.approx(1000.0)
    m.book.unpaid[0, 0] = 4000.0
    m.bank.act(1, m.book.days_past_due(1), draws)
    assert m.count("restructure") == 1


def test_idle_alert_leads_to_a_call_and_maybe_a_matched_job() -> None:
    from products.telemetry.port import Alert

    m = market(small(3, work_match_probability=1.0, matched_job_days=7), USAGE)
    m.bank.send_alert(Alert(30.0, m.book.devices.device_ids[0], "idle", 25.0))
    m.bank.act(1, np.zeros(3, dtype=int), draw_day(np.random.default_rng(0), 3))
    assert m.count("call") == 1 and m.book.matched_days_left[0] == 7


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
        TariffShape(kind="block", tiers=((10, 1.0),))
    with pytest.raises(ValidationError, match="is not a tariff"):
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


def test_default_reason_follows_the_configured_threshold() -> None:
    cfg = EquipmentLeasingConfig.model_validate(
        {"fleet": {"devices": 4}, "lease": {"default_after_days_past_due": 60}}
    )
    m = market(cfg, FIXED)
    _in_arrears(m, 2, 61)
    m.bank.act(0, m.book.days_past_due(0), draw_day(np.random.default_rng(0), 4))
    assert m.events[-1].kind == "default"
    assert m.events[-1].reason == "default_60_days"  # type: ignore[attr-defined]


def test_lessees_are_agents_of_the_running_leases_only() -> None:
    m = market(small(), FIXED)
    for day in range(m.calendar.days):
        m.run_day(day)
        running = set(np.flatnonzero(m.book.status == ACTIVE).tolist())
        assert {a.slot for a in m.lessees.agents} == running
        assert len(m.agents_by_type[Lessee]) == len(running)
    assert all(a.lease_no == m.book.lease_no[a.slot] for a in m.lessees.agents)


def test_month_end_events_carry_the_book_tallies() -> None:
    m = market(small(), FIXED)
    m.run(progress=False)
    months = [e for e in m.events if e.kind == "month_end"]
    assert [e.month for e in months] == [0, 1, 2, 3]  # type: ignore[attr-defined]
    assert sum(e.days for e in months) == m.calendar.days  # type: ignore[attr-defined]
    assert months[0].log_row() == (None, None, {"month": 0})
