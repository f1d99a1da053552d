"""A hostile client next to the fleet: everything bad is counted and logged, nothing valid lost."""

from __future__ import annotations

import json
import logging
import time

import paho.mqtt.client as paho
import pytest
from mqtt_fixtures import (
    ARREARS_IDLE_HOURS,
    EXPECTED_ALERTS,
    FLEET,
    NORMAL,
    SCRIPTED,
    Sink,
    run_script,
)
from mqtt_fixtures import mosquitto as start_mosquitto

from products.telemetry.broker import TICK_TOPIC, credential
from products.telemetry.mqtt import MqttTelemetry, parse_broker_url
from products.telemetry.rules import MonitorRules
from products.telemetry.scripted import ScriptedDevice

pytestmark = pytest.mark.mqtt
SECRET = bytes(range(32, 64))
RULES = MonitorRules(arrears_idle_hours=ARREARS_IDLE_HOURS)


class Hostile:
    """A raw paho client that logs in as ``user`` and publishes whatever it is told."""

    def __init__(self, url: str, user: str, password: str) -> None:
        host, port = parse_broker_url(url)
        self.client = paho.Client(
            paho.CallbackAPIVersion.VERSION2, client_id=f"hostile-{user}", protocol=paho.MQTTv311
        )
        self.client.username_pw_set(user, password)
        self.connack: paho.ReasonCode | None = None
        self.client.on_connect = lambda c, u, f, reason, p: setattr(self, "connack", reason)
        self.client.connect(host, port)
        deadline = time.monotonic() + 10
        while self.connack is None and time.monotonic() < deadline:
            self.client.loop(0.02)

    def send(self, topic: str, payload: bytes, retain: bool = False) -> None:
        self.client.publish(topic, payload, retain=retain)
        while self.client.want_write():
            self.client.loop_write()

    def keep(self, topic: str, payload: bytes) -> None:
        """Publish a retained message and wait until the broker has acknowledged (stored) it."""
        sent = self.client.publish(topic, payload, qos=1, retain=True)
        deadline = time.monotonic() + 10
        while not sent.is_published():
            assert time.monotonic() < deadline, "no PUBACK"
            self.client.loop(0.02)

    def close(self) -> None:
        self.client.disconnect()


def forged_batch(device_id: str, tick: int = 0) -> bytes:
    return ScriptedDevice(device_id).batch(tick, "W" * 24).to_payload()


def attack(url: str, with_acl: bool) -> Hostile:
    """Publish every kind of bad message; returns the client so it stays connected."""
    thief = Hostile(url, SCRIPTED, credential(SECRET, SCRIPTED))
    own = f"device/{SCRIPTED}/data"
    thief.send(own, b"{not json", retain=with_acl)  # mosquitto drops a client that retains
    thief.send(own, b" " * 70_000)
    thief.send(own, forged_batch(NORMAL))
    thief.send(own, forged_batch(SCRIPTED, tick=5))
    thief.send(own, json.dumps([1, 2, 3]).encode())
    if with_acl:
        thief.send(f"device/{NORMAL}/data", forged_batch(NORMAL))
        wrong = Hostile(url, NORMAL, "0" * 32)
        assert wrong.connack is not None and wrong.connack.is_failure
    stranger = Hostile(url, "EQ-X", credential(SECRET, "EQ-X"))
    stranger.send("device/EQ-X/data", forged_batch("EQ-X"))
    return thief


MONITOR_REJECTS = {
    "malformed_json": 1,
    "oversized": 1,
    "foreign_topic": 1,
    "wrong_tick": 1,
    "bad_schema": 1,
    "unknown_device": 1,
}


def test_hostile_client_against_the_embedded_broker(caplog) -> None:
    caplog.set_level(logging.WARNING)
    with MqttTelemetry(FLEET, RULES, Sink(), secret=SECRET).open() as port:
        assert port.broker is not None
        thief = attack(port.broker.url, with_acl=True)
        port.drive(lambda: port.stats.rejected_total == 6, "hostile messages")
        assert run_script(port) == EXPECTED_ALERTS
        assert port.stats.batches_handled == 8
        thief.close()
    assert dict(port.stats.rejected) == {
        **MONITOR_REJECTS,
        "broker_auth_refused": 1,
        "broker_denied_publish": 1,
        "broker_retain_refused": 1,
    }
    assert "telemetry rejected (oversized)" in caplog.text


def test_hostile_client_against_mosquitto() -> None:
    with (
        start_mosquitto() as url,
        MqttTelemetry(FLEET, RULES, Sink(), broker_url=url).open() as port,
    ):
        thief = attack(url, with_acl=False)
        port.drive(lambda: port.stats.rejected_total == 6, "hostile messages")
        assert run_script(port) == EXPECTED_ALERTS
        thief.close()
    assert dict(port.stats.rejected) == MONITOR_REJECTS


def test_retained_messages_are_never_taken_as_batches() -> None:
    """A broker that keeps retained messages (not the project's mosquitto) replays them."""
    with start_mosquitto(retain_available=True) as url:
        planter = Hostile(url, SCRIPTED, "")
        planter.keep(f"device/{SCRIPTED}/data", forged_batch(SCRIPTED))
        planter.keep(TICK_TOPIC, json.dumps({"tick": 0, "count": 1}).encode())
        planter.close()
        with MqttTelemetry(FLEET, RULES, Sink(), broker_url=url).open() as port:
            assert run_script(port) == EXPECTED_ALERTS
            assert port.stats.batches_handled == 8
    assert dict(port.stats.rejected) == {"retained": 2}


def test_the_project_mosquitto_refuses_retained_publishes() -> None:
    with start_mosquitto() as url:
        planter = Hostile(url, SCRIPTED, "")
        planter.client.publish(f"device/{SCRIPTED}/data", b"stale", qos=1, retain=True)
        dropped: list[paho.ReasonCode] = []
        planter.client.on_disconnect = lambda c, u, f, reason, p: dropped.append(reason)
        deadline = time.monotonic() + 10
        while not dropped:
            assert time.monotonic() < deadline, "mosquitto kept a client that retained a message"
            planter.client.loop(0.02)
        late = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv311)
        received: list[tuple[bytes, bool]] = []
        late.on_message = lambda c, u, m: received.append((m.payload, m.retain))
        late.on_subscribe = lambda c, u, mid, reasons, p: received.append((b"suback", False))
        late.connect(*parse_broker_url(url))
        late.subscribe("device/+/data")
        while (b"suback", False) not in received:
            assert time.monotonic() < deadline, "no SUBACK"
            late.loop(0.02)
        Hostile(url, NORMAL, "").send(f"device/{NORMAL}/data", b"live")
        while (b"live", False) not in received:
            assert time.monotonic() < deadline, "the live message never arrived"
            late.loop(0.02)
        assert received == [(b"suback", False), (b"live", False)]
