"""Benchmark: sensor → broker → monitor pipeline vs a raw paho publish/subscribe round trip.

``python -m products.telemetry.bench [--devices 300] [--ticks 30] [--rounds 2]``

Both paths use the same client library (paho, MQTT 3.1.1), the same broker process, the same
number of device connections driven from one thread and the same payloads (a day of hourly
readings per device per tick). The raw path publishes pre-encoded bytes and only counts what
the subscriber receives; the pipeline adds encoding (a tick's payloads are encoded together when
the tick ends, inside the timed loop), the tick barrier, decoding, validation and the monitor's
rules. Runs against the embedded amqtt broker and, when installed, mosquitto.
Prints messages per second of each path and the pipeline/raw ratio (DESIGN.md target: ≥ 0.8).
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import selectors
import time
from collections.abc import Callable, Iterator

import paho.mqtt.client as paho

from products.telemetry.broker import MONITOR_USER, EmbeddedBroker, credential
from products.telemetry.clients import make_client, parse_broker_url
from products.telemetry.intake import device_topic
from products.telemetry.mosquitto import mosquitto_binary, run_mosquitto
from products.telemetry.mqtt import CONNECT_CHUNK, MqttTelemetry
from products.telemetry.port import Alert, DeviceSpec
from products.telemetry.rules import MonitorRules
from products.telemetry.schema import ReadingBatch
from products.telemetry.scripted import ScriptedDevice

WORKDAY = "O" * 7 + "W" * 4 + "I" + "W" * 4 + "O" * 8


class _Discard:
    def send_alert(self, alert: Alert) -> None:
        """Alerts are not the point here."""


def make_batches(devices: int, ticks: int) -> list[list[ReadingBatch]]:
    """``ticks`` days of hourly readings for ``devices`` scripted devices."""
    fleet = [ScriptedDevice(f"EQ{i:05d}") for i in range(devices)]
    return [[d.batch(t, WORKDAY) for d in fleet] for t in range(ticks)]


def pipeline_rate(url: str, secret: bytes, batches: list[list[ReadingBatch]]) -> float:
    """Batches per second through MqttTelemetry (encode → broker → decode → rules)."""
    specs = [DeviceSpec(b.device_id, 30.0) for b in batches[0]]
    with MqttTelemetry(
        specs, MonitorRules(), _Discard(), broker_url=url, secret=secret
    ).open() as port:
        started = time.perf_counter()
        for tick, day in enumerate(batches):
            for batch in day:
                port.submit(batch)
            port.end_tick(tick, 24.0 * (tick + 1))
        elapsed = time.perf_counter() - started
        assert port.stats.batches_handled == sum(len(day) for day in batches)
    return port.stats.batches_handled / elapsed


class RawRoundTrip:
    """Device connections + one subscriber, plain paho, no codec and no monitor."""

    def __init__(self, url: str, secret: bytes, device_ids: list[str]) -> None:
        host, port = parse_broker_url(url)
        self.selector = selectors.DefaultSelector()
        self.received = 0
        self.ready: set[str] = set()
        self.writers: set[paho.Client] = set()
        self.sub = self._connect(MONITOR_USER, secret, host, port)
        self.sub.on_message = self._count
        self.devices: dict[str, paho.Client] = {}
        for start in range(0, len(device_ids), CONNECT_CHUNK):  # as the adapter logs in
            for device_id in device_ids[start : start + CONNECT_CHUNK]:
                self.devices[device_id] = self._connect(device_id, secret, host, port)
            self._drive(self._ready_at_least(len(self.devices) + 1))
        self.subscribed = False
        self.sub.on_subscribe = lambda c, u, mid, reasons, p: setattr(self, "subscribed", True)
        self.sub.subscribe("device/+/data")
        self.writers.add(self.sub)
        self._drive(lambda: self.subscribed)

    def _count(self, client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        self.received += 1

    def _connect(self, user: str, secret: bytes, host: str, port: int) -> paho.Client:
        client = make_client(user, user, credential(secret, user))
        client.on_connect = lambda c, u, f, reason, p: self.ready.add(user)
        client.connect(host, port, keepalive=600)
        sock = client.socket()
        assert sock is not None, "paho gives a socket once connect() has returned"
        self.selector.register(sock, selectors.EVENT_READ, client)
        self.writers.add(client)
        return client

    def _drive(self, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 60
        while not done() and time.monotonic() < deadline:
            for key, _ in self.selector.select(0.05):
                key.data.loop_read()
            for client in [c for c in self.writers if c.want_write()]:
                client.loop_write()
            self.writers = {c for c in self.writers if c.want_write()}

    def rate(self, payloads: list[list[tuple[str, bytes]]]) -> float:
        """Messages per second, publishing each tick then waiting until all are received."""
        started, expected = time.perf_counter(), 0
        for day in payloads:
            for device_id, payload in day:
                client = self.devices[device_id]
                client.publish(device_topic(device_id), payload, qos=0)
                if client.want_write():
                    self.writers.add(client)
            expected += len(day)
            self._drive(self._received_at_least(expected))
        elapsed = time.perf_counter() - started
        if self.received < expected:
            raise RuntimeError(f"raw round trip lost messages: {self.received} of {expected}")
        return expected / elapsed

    def _ready_at_least(self, count: int) -> Callable[[], bool]:
        return lambda: len(self.ready) >= count

    def _received_at_least(self, count: int) -> Callable[[], bool]:
        return lambda: self.received >= count

    def close(self) -> None:
        """Disconnect everything."""
        for client in [self.sub, *self.devices.values()]:
            client.disconnect()


def raw_rate(url: str, secret: bytes, batches: list[list[ReadingBatch]]) -> float:
    """Messages per second of the raw round trip with the same payload bytes."""
    payloads = [[(b.device_id, b.to_payload()) for b in day] for day in batches]
    raw = RawRoundTrip(url, secret, [b.device_id for b in batches[0]])
    try:
        return raw.rate(payloads)
    finally:
        raw.close()


@contextlib.contextmanager
def mosquitto_url() -> Iterator[str | None]:
    """A throw-away mosquitto on a loopback port, or None if not installed."""
    binary = mosquitto_binary()
    if binary is None:
        yield None
        return
    with run_mosquitto(binary) as url:
        yield url


def compare(
    name: str, url: str, secret: bytes, batches: list[list[ReadingBatch]], rounds: int
) -> None:
    """Alternate raw and pipeline runs on one broker; print each and the best-of ratio."""
    raws, pipes = [], []
    for _ in range(rounds):
        raws.append(raw_rate(url, secret, batches))
        pipes.append(pipeline_rate(url, secret, batches))
    for raw, pipe in zip(raws, pipes, strict=True):
        print(
            f"{name:9s} raw {raw:8.0f} msg/s   pipeline {pipe:8.0f} msg/s   ratio {pipe / raw:.2f}"
        )
    best = max(pipes) / max(raws)
    print(
        f"{name:9s} best-of-{rounds}: raw {max(raws):.0f} msg/s, "
        f"pipeline {max(pipes):.0f} msg/s, ratio {best:.2f}"
    )


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=300)
    parser.add_argument("--ticks", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    batches = make_batches(args.devices, args.ticks)
    size = len(batches[0][0].to_payload())
    print(f"{args.devices} devices x {args.ticks} ticks, {size} B per message (24 hourly readings)")
    secret = secrets.token_bytes(32)
    with EmbeddedBroker(secret) as broker:
        compare("embedded", broker.url, secret, batches, args.rounds)
    with mosquitto_url() as url:
        if url is None:
            print("mosquitto  not installed (make mosquitto): skipped")
        else:
            compare("mosquitto", url, secret, batches, args.rounds)


if __name__ == "__main__":
    main()
