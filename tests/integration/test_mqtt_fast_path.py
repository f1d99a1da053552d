"""The broker's and the monitor's shortened paths deliver exactly what amqtt and paho would.

- DeviceBroker hands a QoS 0 message to connected subscribers from the sender's task: every
  byte, every message and each publisher's order must survive; a QoS 1 subscription still takes
  amqtt's queued path (delivered as QoS 1).
- DirectPublishHandler delivers a QoS 0 PUBLISH from the reader's task; after a topic amqtt
  refuses, the sender gets amqtt's treatment (no more deliveries). BatchingWriter sends a loop
  turn's packets in one write: many small packets must arrive whole and in order.
- BufferedClient serves paho's reads from one large recv: a burst larger than one read, with
  packets split across the reads, must parse into the same messages.
"""

from __future__ import annotations

import selectors
import time
from collections.abc import Callable
from typing import NamedTuple

import paho.mqtt.client as paho
import pytest

from products.telemetry.broker import HOST, MONITOR_USER, EmbeddedBroker, credential
from products.telemetry.clients import READ_BYTES, BufferedClient, make_client, read_all

pytestmark = pytest.mark.mqtt
SECRET = bytes(range(1, 33))
DEVICES = ("EQ001", "EQ002", "EQ003")


class Pump:
    """paho clients driven from this thread by one selector, as the adapter drives them."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.selector = selectors.DefaultSelector()
        self.clients: list[paho.Client] = []
        self.connected: set[str] = set()
        self.messages: list[paho.MQTTMessage | _Message] = []

    def connect(self, user: str, buffered: bool = False) -> paho.Client:
        client = make_client(user, user, credential(SECRET, user), buffered=buffered)
        client.on_connect = lambda c, u, f, reason, p: self.connected.add(user)
        client.on_message = lambda c, u, message: self.messages.append(message)
        client.connect(HOST, self.port)
        sock = client.socket()
        assert sock is not None
        self.selector.register(sock, selectors.EVENT_READ, client)
        self.clients.append(client)
        return client

    def until(self, done: Callable[[], bool], timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            assert time.monotonic() < deadline, "timed out"
            for client in self.clients:
                if client.want_write():
                    client.loop_write()
            for key, _ in self.selector.select(0.02):
                read_all(key.data)

    def close(self) -> None:
        for client in self.clients:
            client.disconnect()
        self.selector.close()


@pytest.fixture
def pump():
    with EmbeddedBroker(SECRET) as broker:
        running = Pump(broker.port)
        yield running
        running.close()


def _subscribed_monitor(pump: Pump, qos: int, buffered: bool = False) -> paho.Client:
    monitor = pump.connect(MONITOR_USER, buffered=buffered)
    acks: list[object] = []
    monitor.on_subscribe = lambda c, u, mid, reasons, p: acks.extend(reasons)
    pump.until(lambda: MONITOR_USER in pump.connected)
    monitor.subscribe("device/+/data", qos=qos)
    pump.until(lambda: len(acks) == 1)
    return monitor


class _Message(NamedTuple):
    """What the tests read of a paho message."""

    topic: str
    payload: bytes
    qos: int


def _payload(device: str, k: int, size: int) -> bytes:
    head = f"{device}:{k}:".encode()
    return head + bytes((k * 7 + i) % 256 for i in range(size - len(head)))


def test_direct_delivery_keeps_every_byte_and_each_publishers_order(pump: Pump) -> None:
    _subscribed_monitor(pump, qos=0)
    devices = {d: pump.connect(d) for d in DEVICES}
    pump.until(lambda: len(pump.connected) == len(DEVICES) + 1)
    sent = {d: [_payload(d, k, 1200) for k in range(40)] for d in DEVICES}
    for k in range(40):
        for device, client in devices.items():
            client.publish(f"device/{device}/data", sent[device][k], qos=0)
    pump.until(lambda: len(pump.messages) == 40 * len(DEVICES))
    for device in DEVICES:
        got = [m.payload for m in pump.messages if m.topic == f"device/{device}/data"]
        assert got == sent[device]
    assert {m.qos for m in pump.messages} == {0}


def test_qos1_subscription_still_takes_amqtts_queued_path(pump: Pump) -> None:
    _subscribed_monitor(pump, qos=1)
    device = pump.connect("EQ001")
    pump.until(lambda: len(pump.connected) == 2)
    sent = [_payload("EQ001", k, 300) for k in range(10)]
    for payload in sent:
        device.publish("device/EQ001/data", payload, qos=0)
    pump.until(lambda: len(pump.messages) == len(sent))
    assert [m.payload for m in pump.messages] == sent
    assert {m.qos for m in pump.messages} == {1}  # amqtt delivers at the subscription's QoS


@pytest.mark.parametrize("split", [False, True], ids=["paho", "split"])
def test_buffered_monitor_parses_a_burst_larger_than_one_read(pump: Pump, split: bool) -> None:
    monitor = _subscribed_monitor(pump, qos=0, buffered=True)
    assert isinstance(monitor, BufferedClient)
    if split:  # the adapter's bulk path: complete packets taken off the buffer in one pass
        monitor.on_qos0_publish = lambda topic, payload, retain: pump.messages.append(
            _Message(topic, payload, 0)
        )
    device = pump.connect("EQ002")
    pump.until(lambda: len(pump.connected) == 2)
    size = 2001  # packets do not divide READ_BYTES: some are split between two reads
    count = 3 * READ_BYTES // size
    sent = [_payload("EQ002", k, size) for k in range(count)]
    for payload in sent:
        device.publish("device/EQ002/data", payload, qos=0)
    deadline = time.monotonic() + 2.0  # the monitor does not read yet: its socket fills up
    while device.want_write() and time.monotonic() < deadline:
        device.loop_write()
    time.sleep(0.5)
    pump.until(lambda: len(pump.messages) == count)
    assert [m.payload for m in pump.messages] == sent
    assert monitor.buffered == 0


def test_after_a_topic_amqtt_refuses_the_sender_is_not_delivered_again(pump: Pump) -> None:
    """amqtt stops delivering for a client that publishes to a ``$`` topic: the fast path too."""
    _subscribed_monitor(pump, qos=0)
    rogue, device = pump.connect("EQ001"), pump.connect("EQ002")
    pump.until(lambda: len(pump.connected) == 3)
    rogue.publish("device/EQ001/data", b"before", qos=0)
    pump.until(lambda: len(pump.messages) == 1)
    rogue.publish("$SYS/EQ001", b"system", qos=0)
    rogue.publish("device/EQ001/data", b"after", qos=0)
    device.publish("device/EQ002/data", b"valid", qos=0)
    pump.until(lambda: len(pump.messages) == 2)
    time.sleep(0.3)  # an absence has no readiness probe: give a wrong "after" time to arrive
    for _ in range(5):
        for key, _ in pump.selector.select(0.05):
            read_all(key.data)
    got = [(m.topic, m.payload) for m in pump.messages]
    assert got == [("device/EQ001/data", b"before"), ("device/EQ002/data", b"valid")]


def test_many_small_packets_in_one_turn_arrive_whole_and_in_order(pump: Pump) -> None:
    """The broker writes a loop turn's packets to the monitor in one go (BatchingWriter)."""
    _subscribed_monitor(pump, qos=0, buffered=True)
    device = pump.connect("EQ003")
    pump.until(lambda: len(pump.connected) == 2)
    sent = [_payload("EQ003", k, 20 + k % 50) for k in range(500)]
    for payload in sent:
        device.publish("device/EQ003/data", payload, qos=0)
    pump.until(lambda: len(pump.messages) == len(sent))
    assert [m.payload for m in pump.messages] == sent


def test_after_another_packet_amqtts_reader_takes_over_and_still_delivers(pump: Pump) -> None:
    """The direct reader hands a SUBSCRIBE (and everything after it) to amqtt's reader loop."""
    _subscribed_monitor(pump, qos=0)
    device = pump.connect("EQ001")
    acks: list[object] = []
    device.on_subscribe = lambda c, u, mid, reasons, p: acks.extend(reasons)
    pump.until(lambda: len(pump.connected) == 2)
    device.publish("device/EQ001/data", b"direct", qos=0)
    device.subscribe("device/EQ001/data", qos=0)  # refused by the ACL, answered by amqtt
    device.publish("device/EQ001/data", b"amqtt", qos=0)
    pump.until(lambda: len(acks) == 1 and len(pump.messages) == 2)
    assert [m.payload for m in pump.messages] == [b"direct", b"amqtt"]
