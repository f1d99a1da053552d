"""The embedded amqtt broker: child process, per-device HMAC logins and the topic ACL."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import paho.mqtt.client as paho
import pytest

from products.telemetry.broker import HOST, MONITOR_USER, EmbeddedBroker, credential

pytestmark = pytest.mark.mqtt
SECRET = bytes(range(32))


class Client:
    """A plain paho client (MQTT 3.1.1, callback API v2) that records what happens to it."""

    def __init__(self, username: str, password: str, port: int) -> None:
        self.paho = paho.Client(
            paho.CallbackAPIVersion.VERSION2, client_id=username, protocol=paho.MQTTv311
        )
        self.paho.username_pw_set(username, password)
        self.connack: paho.ReasonCode | None = None
        self.suback: list[paho.ReasonCode] = []
        self.messages: list[tuple[str, bytes]] = []
        self.paho.on_connect = lambda c, u, f, reason, p: setattr(self, "connack", reason)
        self.paho.on_subscribe = lambda c, u, mid, reasons, p: self.suback.extend(reasons)
        self.paho.on_message = lambda c, u, m: self.messages.append((m.topic, m.payload))
        self.paho.connect(HOST, port)

    def until(self, done: Callable[[], bool], timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            assert time.monotonic() < deadline, "timed out"
            self.paho.loop(0.02)


@pytest.fixture
def broker():
    with EmbeddedBroker(SECRET) as running:
        yield running


def login(user: str, port: int, password: str | None = None) -> Client:
    client = Client(user, password or credential(SECRET, user), port)
    client.until(lambda: client.connack is not None)
    return client


def test_broker_runs_in_a_child_process_on_loopback(broker) -> None:
    assert broker.pid is not None and broker.pid != os.getpid()
    assert broker.url.startswith("mqtt://127.0.0.1:")


def test_device_publishes_own_topic_and_is_refused_on_another(broker) -> None:
    monitor = login(MONITOR_USER, broker.port)
    monitor.paho.subscribe("device/+/data")
    monitor.until(lambda: len(monitor.suback) == 1)
    device = login("EQ001", broker.port)
    assert not device.connack.is_failure
    device.paho.publish("device/EQ001/data", b"first")
    device.paho.publish("device/EQ002/data", b"forged")
    device.paho.publish("device/EQ001/data", b"last")
    monitor.until(lambda: len(monitor.messages) == 2)
    device.paho.loop(0.1)
    monitor.paho.loop(0.2)
    assert monitor.messages == [("device/EQ001/data", b"first"), ("device/EQ001/data", b"last")]
    assert broker.stop()["denied_publish"] == 1


def test_wrong_password_is_refused(broker) -> None:
    intruder = login("EQ001", broker.port, password="0" * 32)
    assert intruder.connack.is_failure
    stranger = login("EQ001", broker.port, password=credential(b"another secret", "EQ001"))
    assert stranger.connack.is_failure
    assert broker.stop()["auth_refused"] == 2


def test_devices_may_not_subscribe_to_other_devices(broker) -> None:
    device = login("EQ001", broker.port)
    device.paho.subscribe("device/+/data")
    device.until(lambda: len(device.suback) == 1)
    assert device.suback[0].is_failure


def test_stop_is_idempotent_and_ends_the_child(broker) -> None:
    broker.stop()
    assert not broker.alive()
    assert broker.stop() == broker.stats
