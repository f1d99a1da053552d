"""The engine: SimPy clock in hours driving scheduled activities deterministically."""

import datetime as dt

import pytest

from sim.kernel.clock import TwinModel
from sim.kernel.events import Event
from sim.kernel.rng import SeedTree

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def make(hours=72):
    return TwinModel(START, hours, SeedTree(1), label="test")


def test_every_runs_at_interval_until_horizon():
    model = make(72)
    seen = []
    model.every(24, lambda: seen.append(model.now_hours))
    model.run(progress=False)
    assert seen == [0.0, 24.0, 48.0]


def test_same_time_tasks_run_by_priority_then_registration():
    model = make(24)
    order = []
    model.every(24, lambda: order.append("b"), priority=1)
    model.every(24, lambda: order.append("a2"), priority=0)
    model.every(24, lambda: order.append("a1"), priority=0)
    model.every(6, lambda: order.append(f"h{model.now_hours:g}"), priority=5)
    model.run(progress=False)
    assert order == ["a2", "a1", "b", "h0", "h6", "h12", "h18"]


def test_clock_conversions():
    model = make(48)
    stamps = []
    model.every(
        24, lambda: stamps.append((model.day, model.now, model.timestamp())), offset_hours=12
    )
    model.run(progress=False)
    assert stamps[0][0] == 0
    assert stamps[1][1] == START + dt.timedelta(hours=36)
    assert stamps[1][2] == int(START.timestamp()) + 36 * 3600


def test_model_rng_is_seeded_from_the_tree():
    a = TwinModel(START, 24, SeedTree(5)).rng.random(3)
    b = TwinModel(START, 24, SeedTree(5)).rng.random(3)
    c = TwinModel(START, 24, SeedTree(6)).rng.random(3)
    assert list(a) == list(b)
    assert list(a) != list(c)


@pytest.mark.parametrize("bad", [0, -5])
def test_bad_horizon_and_interval_rejected(bad):
    with pytest.raises(ValueError, match="must be > 0"):
        TwinModel(START, bad, SeedTree(1))
    with pytest.raises(ValueError, match="interval_hours"):
        make().every(bad, lambda: None)


def test_steps_follow_mesa_semantics_one_per_due_hour():
    model = make(48)
    model.every(24, lambda: None)
    model.every(12, lambda: None)
    model.step()
    assert (model.steps, model.now_hours, model.running) == (1, 0.0, True)
    model.step()
    assert model.now_hours == 12.0
    model.run(progress=False)
    assert model.now_hours == 48.0
    assert model.running is False
    assert model.steps == 5  # due hours 0, 12, 24, 36, and the step that found the horizon


def test_emit_reaches_the_bus_subscribers():
    model = make(24)
    seen = []
    model.bus.subscribe(seen.append)
    model.every(24, lambda: model.emit(Event(t_hours=model.now_hours)))
    model.run(progress=False)
    assert seen == [Event(t_hours=0.0)]
