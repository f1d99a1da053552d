"""The MQTT telemetry adapter end to end: scripted device → broker → monitor → alerts."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from mqtt_fixtures import (
    ARREARS_IDLE_HOURS,
    EXPECTED_ALERTS,
    FLEET,
    Sink,
    mosquitto,
    run_script,
)

from products.telemetry.broker import credential
from products.telemetry.clients import make_client
from products.telemetry.mqtt import MqttTelemetry, parse_broker_url
from products.telemetry.port import DeviceSpec
from products.telemetry.rules import MonitorRules
from products.telemetry.scripted import ScriptedDevice
from sim.kernel.errors import BrokerError

pytestmark = pytest.mark.mqtt
RULES = MonitorRules(arrears_idle_hours=ARREARS_IDLE_HOURS)


def test_scripted_device_alerts_match_the_rules_exactly() -> None:
    sink = Sink()
    with MqttTelemetry(FLEET, RULES, sink).open() as port:
        alerts = run_script(port)
        assert port.stats.batches_handled == 8
        assert port.stats.readings_handled == 8 * 24
    assert alerts == EXPECTED_ALERTS
    assert sink.alerts == EXPECTED_ALERTS


def test_scripted_device_through_mosquitto() -> None:
    with mosquitto() as url, MqttTelemetry(FLEET, RULES, Sink(), broker_url=url).open() as port:
        assert port.broker is None
        assert run_script(port) == EXPECTED_ALERTS


def test_many_devices_one_thread() -> None:
    fleet = [DeviceSpec(f"EQ{i:04d}", 20.0) for i in range(300)]
    devices = [ScriptedDevice(spec.device_id) for spec in fleet]
    with MqttTelemetry(fleet, RULES, Sink()).open() as port:
        for tick in range(3):
            for device in devices:
                port.submit(device.batch(tick, "O" * 8 + "W" * 9 + "O" * 7))
            assert port.end_tick(tick, 24.0 * (tick + 1)) == []
        assert port.stats.batches_handled == 900
        assert port.stats.rejected_total == 0


def test_broker_death_fails_the_tick_with_broker_error() -> None:
    device = ScriptedDevice("EQ-S")
    with MqttTelemetry(FLEET[:1], RULES, Sink(), barrier_timeout_s=60).open() as port:
        port.submit(device.batch(0, "W" * 24))
        port.end_tick(0, 24.0)
        assert port.broker is not None and port.broker.pid is not None
        os.kill(port.broker.pid, signal.SIGKILL)
        started = time.monotonic()
        with pytest.raises(BrokerError, match=r"died|lost"):
            port.submit(device.batch(1, "W" * 24))
            port.end_tick(1, 48.0)
        assert time.monotonic() - started < 30  # found by the health check, not the 60 s timeout


def test_unreachable_external_broker_is_a_broker_error() -> None:
    from products.telemetry.broker import free_port

    with pytest.raises(BrokerError, match="cannot reach"):
        MqttTelemetry(FLEET, RULES, Sink(), broker_url=f"mqtt://127.0.0.1:{free_port()}").open()


def test_broker_url_must_be_mqtt() -> None:
    assert parse_broker_url("mqtt://10.0.0.5:1884") == ("10.0.0.5", 1884)
    with pytest.raises(ValueError, match="mqtt://host:port"):
        parse_broker_url("http://127.0.0.1:1883")


def _trickle(port: MqttTelemetry, stop: threading.Event) -> None:
    """A device sending a (malformed) message every 0.1 s until ``stop``: events, no batch."""
    assert port.broker is not None
    client = make_client("EQ-S", "EQ-S", credential(port.secret, "EQ-S"))
    client.connect("127.0.0.1", port.broker.port)
    client.loop_start()
    while not stop.wait(0.1):
        client.publish("device/EQ-S/data", b"not json", qos=0)
    client.loop_stop()
    client.disconnect()


def test_a_barrier_that_keeps_moving_outlasts_the_stall_timeout() -> None:
    with MqttTelemetry(FLEET[:1], RULES, Sink(), barrier_timeout_s=2.0).open() as port:
        stop = threading.Event()
        sender = threading.Thread(target=_trickle, args=(port, stop))
        sender.start()
        try:
            until = time.monotonic() + 5.0  # 2.5x the timeout, never 2 s without an event
            port.drive(lambda: time.monotonic() > until, "slow barrier")
        finally:
            stop.set()
            sender.join()
        assert port.stats.rejected["malformed_json"] >= 20


def test_a_stopped_broker_is_a_stall() -> None:
    device = ScriptedDevice("EQ-S")
    with MqttTelemetry(FLEET[:1], RULES, Sink(), barrier_timeout_s=1.0).open() as port:
        assert port.broker is not None and port.broker.pid is not None
        os.kill(port.broker.pid, signal.SIGSTOP)
        try:
            port.submit(device.batch(0, "W" * 24))
            with pytest.raises(BrokerError, match=r"tick 0 barrier: no progress for 1.0 s"):
                port.end_tick(0, 24.0)
        finally:
            os.kill(port.broker.pid, signal.SIGCONT)
