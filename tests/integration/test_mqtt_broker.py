"""The embedded amqtt broker: child process, per-device HMAC logins and the topic ACL."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable

import paho.mqtt.client as paho
import pytest

from products.telemetry.broker import HOST, MONITOR_USER, EmbeddedBroker, credential

pytestmark = pytest.mark.mqtt
SECRET = bytes(range(32))
TOPIC = "device/EQ001/data"
MOSQUITTO_PUB = shutil.which("mosquitto_pub")


class Client:
    """A plain paho client (MQTT 3.1.1, callback API v2) that records what happens to it."""

    def __init__(
        self,
        username: str,
        password: str,
        port: int,
        client_id: str | None = None,
        protocol: int = paho.MQTTv311,
    ) -> None:
        self.paho = paho.Client(
            paho.CallbackAPIVersion.VERSION2, client_id=client_id or username, protocol=protocol
        )
        self.paho.username_pw_set(username, password)
        self.connack: paho.ReasonCode | None = None
        self.disconnected = False
        self.suback: list[paho.ReasonCode] = []
        self.messages: list[tuple[str, bytes]] = []
        self.retained: list[bool] = []
        self.paho.on_connect = lambda c, u, f, reason, p: setattr(self, "connack", reason)
        self.paho.on_disconnect = lambda c, u, f, reason, p: setattr(self, "disconnected", True)
        self.paho.on_subscribe = lambda c, u, mid, reasons, p: self.suback.extend(reasons)
        self.paho.on_message = self._record
        self.paho.connect(HOST, port)

    def _record(self, client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        self.messages.append((message.topic, message.payload))
        self.retained.append(bool(message.retain))

    def until(self, done: Callable[[], bool], timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            assert time.monotonic() < deadline, "timed out"
            self.paho.loop(0.02)


@pytest.fixture
def broker():
    with EmbeddedBroker(SECRET) as running:
        yield running


def login(
    user: str, port: int, password: str | None = None, client_id: str | None = None
) -> Client:
    client = Client(user, password or credential(SECRET, user), port, client_id)
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


def subscribed_monitor(port: int, client_id: str) -> Client:
    monitor = login(MONITOR_USER, port, client_id=client_id)
    monitor.paho.subscribe("device/+/data")
    monitor.until(lambda: len(monitor.suback) == 1)
    return monitor


def test_retained_publish_is_forwarded_but_never_replayed(broker) -> None:
    live = subscribed_monitor(broker.port, "monitor-live")
    device = login("EQ001", broker.port)
    device.paho.publish("device/EQ001/data", b"stale", qos=1, retain=True)
    live.until(lambda: len(live.messages) == 1)
    assert live.retained == [False]
    late = subscribed_monitor(broker.port, "monitor-late")
    device.paho.publish("device/EQ001/data", b"probe")
    late.until(lambda: (TOPIC, b"probe") in late.messages)
    assert late.messages == [(TOPIC, b"probe")] and late.retained == [False]
    assert broker.stop()["retain_refused"] == 1


@pytest.mark.parametrize("protocol", [paho.MQTTv5, paho.MQTTv31])
def test_other_protocol_versions_are_refused_promptly(broker, protocol: int) -> None:
    client = Client("EQ001", credential(SECRET, "EQ001"), broker.port, protocol=protocol)
    client.until(lambda: client.connack is not None and client.disconnected, timeout_s=5)
    assert client.connack is not None and client.connack.is_failure
    assert client.connack.getName() == "Unsupported protocol version"
    assert not login("EQ001", broker.port).connack.is_failure
    assert broker.stop()["protocol_refused"] == 1


def mosquitto_pub(port: int, *args: str) -> subprocess.CompletedProcess[str]:
    """Debian's ``mosquitto_pub`` as device EQ001: a client that shares no code with paho."""
    assert MOSQUITTO_PUB is not None
    login_args = ["-i", "EQ001", "-u", "EQ001", "-P", credential(SECRET, "EQ001")]
    command = [MOSQUITTO_PUB, "-h", HOST, "-p", str(port), *login_args, "-t", TOPIC, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=5, check=False)


@pytest.mark.skipif(
    MOSQUITTO_PUB is None, reason="mosquitto_pub not found; `make mosquitto` installs it as root"
)
def test_mosquitto_pub_mqtt5_is_refused_and_its_retained_message_not_replayed(broker) -> None:
    refused = mosquitto_pub(broker.port, "-V", "mqttv5", "-m", "hello")
    assert refused.returncode != 0 and "Unsupported Protocol Version" in refused.stderr
    assert (
        mosquitto_pub(broker.port, "-V", "mqttv311", "-r", "-q", "1", "-m", "stale").returncode == 0
    )
    late = subscribed_monitor(broker.port, "monitor-late")
    assert mosquitto_pub(broker.port, "-q", "1", "-m", "probe").returncode == 0
    late.until(lambda: (TOPIC, b"probe") in late.messages)
    assert late.messages == [(TOPIC, b"probe")]
    stats = broker.stop()
    assert (stats["protocol_refused"], stats["retain_refused"]) == (1, 1)
