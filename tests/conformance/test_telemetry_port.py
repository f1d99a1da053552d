"""One behaviour suite for every telemetry port implementation (web3.py provider-test style).

The in-memory fake, the real MQTT adapter (embedded amqtt broker) and the no-IoT inspection
adapter must all honour the same contract; only how late they can see a fact differs, which each
implementation declares here as ``lag_days`` (telemetry: the same tick; inspection: two visit
intervals, since a parked machine shows as idle only when the hour meter has not moved between
two visits).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from products.telemetry.fake import InMemoryTelemetry
from products.telemetry.inspection import InspectionTelemetry
from products.telemetry.mqtt import MqttTelemetry
from products.telemetry.port import Alert, DeviceSpec, TelemetryPort
from products.telemetry.rules import MonitorRules
from products.telemetry.scripted import ScriptedDevice

FLEET = [DeviceSpec(f"EQ{i}", 20.0) for i in range(4)]
WORKDAY = "O" * 8 + "W" * 9 + "O" * 7
RULES = MonitorRules()


class Sink:
    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def send_alert(self, alert: Alert) -> None:
        self.alerts.append(alert)


@dataclass
class Impl:
    name: str
    make: Callable[[Sink], TelemetryPort]
    lag_days: int


def _mqtt(sink: Sink) -> TelemetryPort:
    return MqttTelemetry(FLEET, RULES, sink).open()


IMPLS = [
    pytest.param(Impl("fake", lambda s: InMemoryTelemetry(FLEET, RULES, s), 0), id="fake"),
    pytest.param(Impl("mqtt", _mqtt, 0), id="mqtt", marks=pytest.mark.mqtt),
    pytest.param(
        Impl("inspection", lambda s: InspectionTelemetry(FLEET, RULES, s, interval_days=3), 6),
        id="inspection",
    ),
]


@pytest.fixture(params=IMPLS)
def impl(request: pytest.FixtureRequest) -> Impl:
    return request.param


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def port(impl: Impl, sink: Sink) -> Iterator[TelemetryPort]:
    with impl.make(sink) as opened:
        yield opened


def run_days(port: TelemetryPort, days: int, script: Callable[[int, str], str]) -> list[Alert]:
    """Every device follows ``script(day, device_id)`` for ``days`` days (one tick per day)."""
    devices = {spec.device_id: ScriptedDevice(spec.device_id) for spec in FLEET}
    alerts = []
    for day in range(days):
        for device_id, device in devices.items():
            port.submit(device.batch(day, script(day, device_id)))
        alerts += port.end_tick(day, 24.0 * (day + 1))
    return alerts


def normal(day: int, device_id: str) -> str:
    return WORKDAY


def test_normal_fleet_raises_no_alert(port: TelemetryPort) -> None:
    assert run_days(port, 7, normal) == []
    assert port.stats.ticks == 7
    assert port.stats.batches_handled == 7 * len(FLEET)


def test_idle_device_is_alerted_within_the_declared_lag(port: TelemetryPort, impl: Impl) -> None:
    alerts = run_days(port, 8, lambda day, d: "O" * 24 if d == "EQ2" and day >= 1 else WORKDAY)
    idle = [a for a in alerts if a.rule == "idle"]
    assert [a.device_id for a in idle] == ["EQ2"]
    assert 41 <= idle[0].t_hours < 41 + 24 * (impl.lag_days + 1)


def test_alerts_are_sorted_and_also_reach_the_sink(port: TelemetryPort, sink: Sink) -> None:
    alerts = run_days(port, 8, lambda day, d: "O" * 24 if day >= 2 else WORKDAY)
    assert alerts == sorted(alerts)
    assert sink.alerts == alerts
    assert port.stats.alerts == len(alerts)
    assert {a.device_id for a in alerts} == {spec.device_id for spec in FLEET}


def test_geofence_exit_is_alerted_once(port: TelemetryPort, impl: Impl) -> None:
    devices = {spec.device_id: ScriptedDevice(spec.device_id) for spec in FLEET}
    alerts = []
    for day in range(7):
        for device_id, device in devices.items():
            where = {24 * day: (45.0, 125.0)} if device_id == "EQ1" and day == 1 else None
            port.submit(device.batch(day, WORKDAY, where=where))
        alerts += port.end_tick(day, 24.0 * (day + 1))
    fence = [a for a in alerts if a.rule == "geofence"]
    assert [(a.device_id, a.value) for a in fence] == [("EQ1", 45.0)]
    assert 24 <= fence[0].t_hours < 48 + 24 * impl.lag_days


def test_arrears_and_idling_together_raise_arrears_idle(port: TelemetryPort, impl: Impl) -> None:
    port.set_payment_status("EQ3", 60)
    alerts = run_days(port, 9, lambda day, d: "O" * 24 if d == "EQ3" and day >= 1 else WORKDAY)
    rules = {a.rule for a in alerts if a.device_id == "EQ3"}
    assert "arrears_idle" in rules
    assert {a.device_id for a in alerts} == {"EQ3"}


def test_unknown_and_duplicate_batches_are_counted_not_fatal(port: TelemetryPort) -> None:
    stranger, known = ScriptedDevice("EQ-X"), ScriptedDevice("EQ0")
    port.submit(stranger.batch(0, WORKDAY))
    port.submit(known.batch(0, WORKDAY))
    port.submit(ScriptedDevice("EQ0").batch(0, WORKDAY))
    assert port.end_tick(0, 24.0) == []
    assert port.stats.rejected["unknown_device"] == 1
    assert port.stats.rejected["duplicate"] == 1
    assert port.stats.batches_handled == 1


def test_ticks_must_be_closed_in_order(port: TelemetryPort) -> None:
    with pytest.raises(ValueError, match="open tick 0"):
        port.end_tick(3, 96.0)


def test_same_input_same_alerts(impl: Impl) -> None:
    def once() -> list[Alert]:
        with impl.make(Sink()) as port:
            return run_days(port, 12, lambda day, d: "O" * 24 if day >= 2 + int(d[2]) else WORKDAY)

    first = once()
    assert first and first == once()


def test_close_is_idempotent(port: TelemetryPort) -> None:
    port.close()
    port.close()
