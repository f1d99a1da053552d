"""Sensor outage and telemetry loss (equipment_leasing.shocks.sensor_outage), on the fake port.

The outage window darkens a share of the fleet's telematics units: their readings are not sent,
the monitor sees nothing of them, their alerts and the bank's actions on alerts stop; inspections
(the traditional mode) do not change; same seed, same KPIs.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agents.equipment_leasing.outage import SensorOutages, dark_devices
from agents.equipment_leasing.schema import SensorOutage
from products.telemetry.schema import ReadingBatch
from sim import load_scenario
from sim.cases import CaseContext, runner_for
from sim.kernel.errors import ScenarioError
from sim.kernel.rng import SeedTree
from sim.recorder import Recorder

DEVICES = 30
OUTAGE = {"start_day": 30, "end_day": 120, "magnitude": 0.5}


def scenario(outages: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    return {
        "name": "outage",
        "months": 5,
        "seed": 11,
        "modes": ["innovated", "traditional"],
        "equipment_leasing": {
            "fleet": {"devices": DEVICES},
            "demand": {"sector_shocks": [{"start_day": 20, "end_day": 150, "magnitude": -0.4}]},
            "telemetry": {"adapter": "fake"},
            "shocks": {"sensor_outage": list(outages)},
        },
    }


@cache
def totals(outages: tuple[tuple[tuple[str, Any], ...], ...] = ()) -> dict[str, Any]:
    """KPI totals of the case (both modes) through its real wiring, without the report."""
    config = load_scenario(scenario(tuple(dict(o) for o in outages)))
    run_dir = Path(tempfile.mkdtemp(prefix="outage-"))
    recorder = Recorder(run_dir, config.start_datetime)
    seeds = SeedTree(config.seed).child("equipment_leasing")
    case = config.equipment_leasing
    runner_for("equipment_leasing")(CaseContext(config, case, seeds, recorder, run_dir, False))
    return dict(recorder.totals)


def shocked() -> dict[str, Any]:
    return totals((tuple(OUTAGE.items()),))


def batch(device_id: str) -> ReadingBatch:
    one = np.zeros(1)
    return ReadingBatch(
        device_id=device_id,
        tick=0,
        t_hours=one,
        lat=one + 35,
        lon=one + 115,
        operating_hours=one,
        idle_hours=one,
        fuel_used_litres=one,
        engine_on=one,
        faults=(),
    )


def test_a_window_darkens_its_share_of_the_fleet_the_same_devices_every_time() -> None:
    window = SensorOutage(start_day=0, end_day=5, magnitude=0.25)
    first = dark_devices(window, 40, SeedTree(3).child("equipment_leasing"), 0)
    again = dark_devices(window, 40, SeedTree(3).child("equipment_leasing"), 0)
    other = dark_devices(window, 40, SeedTree(4).child("equipment_leasing"), 0)
    assert first.sum() == 10 and np.array_equal(first, again)
    assert not np.array_equal(first, other)
    tiny = SensorOutage(start_day=0, end_day=5, magnitude=0.001)
    assert dark_devices(tiny, 40, SeedTree(3), 0).sum() == 1


def test_only_dark_devices_inside_the_window_lose_their_batches() -> None:
    ids = [f"d{i}" for i in range(8)]
    window = SensorOutage(start_day=10, end_day=20, magnitude=0.5)
    outages = SensorOutages((window,), ids, SeedTree(1), telemetry=True)
    dark = {ids[i] for i in np.flatnonzero(outages.dark(10))}
    assert len(dark) == 4 and outages.dark_ids(15) == dark
    sent = [b.device_id for b in outages.reaching(15, [batch(i) for i in ids])]
    assert sent == [i for i in ids if i not in dark] and outages.dropped_batches == 4
    assert [b.device_id for b in outages.reaching(9, [batch(i) for i in ids])] == ids
    assert [b.device_id for b in outages.reaching(20, [batch(i) for i in ids])] == ids


def test_without_telemetry_nothing_is_ever_dark() -> None:
    ids = [f"d{i}" for i in range(8)]
    window = SensorOutage(start_day=0, end_day=20, magnitude=1.0)
    outages = SensorOutages((window,), ids, SeedTree(1), telemetry=False)
    assert not outages.dark(5).any() and outages.dark_ids(5) == frozenset()


@pytest.mark.parametrize("magnitude", [0.0, -0.2, 1.5])
def test_a_share_outside_0_1_is_refused_with_the_value_and_the_rule(magnitude: float) -> None:
    bad = {**OUTAGE, "magnitude": magnitude}
    with pytest.raises(ScenarioError, match=rf"magnitude: {magnitude} must be a device share"):
        load_scenario(scenario((bad,)))


def test_the_monitor_sees_less_and_raises_fewer_alerts_during_an_outage() -> None:
    base, out = totals(), shocked()
    inn = "equipment_leasing.innovated."
    dark_days = (OUTAGE["end_day"] - OUTAGE["start_day"]) * DEVICES // 2
    assert base[inn + "messages_handled"] - out[inn + "messages_handled"] == dark_days
    assert out[inn + "alerts_idle"] < base[inn + "alerts_idle"]
    assert out[inn + "calls"] < base[inn + "calls"]


def test_the_inspections_of_the_traditional_mode_are_not_affected() -> None:
    base, out = totals(), shocked()
    trad = {k: v for k, v in base.items() if ".traditional." in k}
    assert trad and trad == {k: v for k, v in out.items() if ".traditional." in k}


def test_same_seed_same_kpis_under_an_outage() -> None:
    first = shocked()
    totals.cache_clear()
    assert shocked() == first
