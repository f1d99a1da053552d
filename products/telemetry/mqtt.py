"""The real telemetry adapter: one MQTT connection per device, a monitor subscriber, a tick clock.

All connections are paho clients (MQTT 3.1.1, callback API v2) driven from the calling thread
with ``loop_write()``/``loop_read()`` — no thread per device; the monitor's reads are buffered
and its QoS 0 messages split off in bulk (:class:`~products.telemetry.clients.BufferedClient`),
a device's publish is written straight to its socket
(:class:`~products.telemetry.clients.DeviceClient`). At the end of each tick every device
publishes its batch to ``device/<id>/data`` (the tick's payloads are encoded together), the clock
publishes ``{"tick", "count"}`` to ``sim/tick``, and the adapter pumps the sockets until the
monitor holds exactly ``count`` valid batches of that tick (the tick barrier); only then does
the monitor run, in device order, so alerts depend on sim data only. A broker that dies or
stalls fails the run with :class:`~sim.kernel.errors.BrokerError`. A retained delivery (a broker
replaying a stored message on subscribe) is never a reading of this tick: it is counted as
``retained`` and dropped.
"""

from __future__ import annotations

import json
import logging
import secrets
import selectors
import time
from collections.abc import Callable, Sequence
from typing import Any, Self, cast

import paho.mqtt.client as paho

from products.telemetry.base import DEFAULT_MAX_PAYLOAD_BYTES, MonitoredTelemetry
from products.telemetry.broker import (
    CLOCK_USER,
    DEVICE_FILTER,
    MONITOR_USER,
    TICK_TOPIC,
    EmbeddedBroker,
    credential,
)
from products.telemetry.clients import (
    BufferedClient,
    DeviceClient,
    make_client,
    parse_broker_url,
    read_all,
)
from products.telemetry.clients import client_socket as _sock
from products.telemetry.intake import device_topic
from products.telemetry.port import Alert, AlertSink, DeviceSpec
from products.telemetry.rules import MonitorRules
from products.telemetry.schema import ReadingBatch, encode_payloads
from sim.kernel.errors import BrokerError

log = logging.getLogger(__name__)

__all__ = ["MqttTelemetry", "make_client", "parse_broker_url"]

KEEPALIVE_S = 600
CONNECT_CHUNK = 50


class MqttTelemetry(MonitoredTelemetry):
    """Telemetry over a real MQTT broker (embedded amqtt unless ``broker_url`` is given).

    Args:
        devices: the fleet; one MQTT connection each.
        rules: monitor thresholds.
        sink: receives every alert (the bank).
        broker_url: ``mqtt://host:port`` of an external broker; None starts the embedded one.
        secret: run secret for device tokens (random if None).
        max_payload_bytes: larger payloads are rejected by the monitor.
        barrier_timeout_s: how long a tick may wait for its batches before the run fails.
    """

    def __init__(
        self,
        devices: Sequence[DeviceSpec],
        rules: MonitorRules,
        sink: AlertSink,
        *,
        broker_url: str | None = None,
        secret: bytes | None = None,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        barrier_timeout_s: float = 30.0,
    ) -> None:
        super().__init__(devices, rules, sink, max_payload_bytes)
        self.secret = secret or secrets.token_bytes(32)
        self.broker_url = broker_url
        self.barrier_timeout_s = barrier_timeout_s
        self.broker: EmbeddedBroker | None = None
        self.broker_stats: dict[str, int] = {}
        self._device_ids = [spec.device_id for spec in devices]
        self._devices: dict[str, DeviceClient] = {}
        self._topics: dict[str, bytes] = {}
        self._connected: set[str] = set()
        self._subscribed = 0
        self._tick_counts: dict[int, int] = {}
        self._lost: list[str] = []
        self._monitor: paho.Client | None = None
        self._clock: paho.Client | None = None
        self._writers: set[paho.Client] = set()
        self._submitted: dict[str, ReadingBatch] = {}
        self._selector = selectors.DefaultSelector()

    def open(self) -> Self:
        """Start the broker (if embedded) and connect monitor, clock and every device."""
        try:
            host, port = self._endpoint()
            self._monitor = self._connect(MONITOR_USER, MONITOR_USER, host, port, buffered=True)
            self._monitor.on_message = self._on_message
            cast(BufferedClient, self._monitor).on_qos0_publish = self._on_publish
            self._monitor.on_subscribe = self._on_subscribe
            self._clock = self._connect(CLOCK_USER, CLOCK_USER, host, port)
            self.drive(lambda: len(self._connected) == 2, "monitor and clock login")
            self._monitor.subscribe([(DEVICE_FILTER, 0), (TICK_TOPIC, 0)])
            self.drive(lambda: self._subscribed == 1, "monitor subscription")
            self._connect_devices(host, port)
        except BaseException:
            self.close()
            raise
        return self

    def _endpoint(self) -> tuple[str, int]:
        if self.broker_url is not None:
            return parse_broker_url(self.broker_url)
        self.broker = EmbeddedBroker(self.secret).start()
        return "127.0.0.1", self.broker.port

    def _connect(
        self,
        client_id: str,
        username: str,
        host: str,
        port: int,
        buffered: bool = False,
        device: bool = False,
    ) -> paho.Client:
        password = credential(self.secret, username)
        client = make_client(client_id, username, password, buffered=buffered, device=device)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.user_data_set(client_id)
        try:
            client.connect(host, port, keepalive=KEEPALIVE_S)
        except OSError as exc:
            raise BrokerError(f"cannot reach MQTT broker at {host}:{port}: {exc}") from None
        self._selector.register(_sock(client), selectors.EVENT_READ, client)
        if client.want_write():
            self._writers.add(client)
        return client

    def _connect_devices(self, host: str, port: int) -> None:
        for start in range(0, len(self._device_ids), CONNECT_CHUNK):
            chunk = self._device_ids[start : start + CONNECT_CHUNK]
            for device_id in chunk:
                client = self._connect(device_id, device_id, host, port, device=True)
                self._devices[device_id] = cast(DeviceClient, client)
                self._topics[device_id] = device_topic(device_id).encode()
            self.drive(self._count_connected(2 + start + len(chunk)), "device logins")
        log.info("%d devices connected to MQTT broker", len(self._devices))

    def _count_connected(self, expected: int) -> Callable[[], bool]:
        return lambda: len(self._connected) == expected

    def _on_connect(
        self, client: paho.Client, who: str, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            raise BrokerError(f"MQTT broker refused {who!r}: {reason}")
        self._connected.add(who)

    def _on_subscribe(
        self, client: paho.Client, who: str, mid: int, reasons: Any, properties: Any
    ) -> None:
        if any(r.is_failure for r in reasons):
            raise BrokerError(f"MQTT broker refused the monitor's subscription: {reasons}")
        self._subscribed += 1

    def _on_disconnect(
        self, client: paho.Client, who: str, flags: Any, reason: Any, properties: Any
    ) -> None:
        self._connected.discard(who)
        self._lost.append(f"{who} ({reason})")

    def _on_message(self, client: paho.Client, who: str, message: paho.MQTTMessage) -> None:
        self._on_publish(message.topic, bytes(message.payload), message.retain)

    def _on_publish(self, topic: str, payload: bytes, retain: bool) -> None:
        if retain:  # replayed from a broker's store on subscribe, not sent in this tick
            self.collector.reject("retained", f"{topic}: retained message ignored")
        elif topic == TICK_TOPIC:
            self._on_tick(payload)
        else:
            self.collector.accept_payload(topic, payload)

    def _on_tick(self, payload: bytes) -> None:
        try:
            body = json.loads(payload)
            self._tick_counts[int(body["tick"])] = int(body["count"])
        except (ValueError, KeyError, TypeError):
            self.collector.reject("bad_tick", f"{TICK_TOPIC}: {payload[:80]!r}")

    def submit(self, batch: ReadingBatch) -> None:
        """Queue one device's batch; :meth:`end_tick` publishes it over the device's connection.

        A device without a connection, or a second batch of a device in one tick, is rejected
        here exactly as the monitor would reject it, so the tick count stays exact.
        """
        client = self._devices.get(batch.device_id)
        if client is None:
            self.collector.reject("unknown_device", f"no connection for {batch.device_id!r}")
            return
        if batch.device_id in self._submitted:
            self.collector.reject("duplicate", f"{batch.device_id}: second batch in the tick")
            return
        self._submitted[batch.device_id] = batch

    def end_tick(self, tick: int, t_end_hours: float) -> list[Alert]:
        """Publish the tick's batches and the tick message, await every batch, run the monitor.

        Raises:
            ValueError: a batch does not fit the wire's int32 (nothing of the tick is sent).
            BrokerError: the broker died, dropped a connection or stalled.
        """
        self._check_tick(tick)
        assert self._clock is not None
        batches, self._submitted = list(self._submitted.values()), {}
        self._publish(batches)
        count = len(batches)
        self._clock.publish(TICK_TOPIC, json.dumps({"tick": tick, "count": count}), qos=0)
        if self._clock.want_write():
            self._writers.add(self._clock)
        self.drive(lambda: self._tick_complete(tick, count), f"tick {tick} barrier")
        del self._tick_counts[tick]
        self._monitor_keepalive()
        return self._deliver_frames(self.collector.close_tick_frames())

    def _publish(self, batches: list[ReadingBatch]) -> None:
        """Each batch over its device's connection; the tick's payloads are encoded together."""
        for batch, payload in zip(batches, encode_payloads(batches), strict=True):
            client = self._devices[batch.device_id]
            client.publish_qos0(self._topics[batch.device_id], payload)
            if client.want_write():
                self._writers.add(client)

    def _monitor_keepalive(self) -> None:
        """Let paho send PINGREQ when due: the monitor only reads and would otherwise be dropped."""
        for client in (self._monitor, self._clock):
            if client is not None:
                client.loop_misc()

    def _tick_complete(self, tick: int, count: int) -> bool:
        return self._tick_counts.get(tick) == count and self.collector.pending == count

    def drive(self, done: Callable[[], bool], what: str) -> None:
        """Drive every socket from this thread until ``done()``; fail on death or stall.

        A stall is ``barrier_timeout_s`` without any socket event; a slow tick that keeps
        moving (a large fleet on a busy machine) is not one.
        """
        deadline = time.monotonic() + self.barrier_timeout_s
        while not done():
            self._check_health(what)
            if self._service(timeout_s=0.05):
                deadline = time.monotonic() + self.barrier_timeout_s
            elif time.monotonic() > deadline:
                raise BrokerError(f"MQTT {what}: no progress for {self.barrier_timeout_s} s")

    def _service(self, timeout_s: float) -> bool:
        read_write = selectors.EVENT_READ | selectors.EVENT_WRITE
        for client in self._writers:
            self._selector.modify(_sock(client), read_write, client)
        events = self._selector.select(timeout_s)
        for key, mask in events:
            if mask & selectors.EVENT_WRITE:
                key.data.loop_write()
            if mask & selectors.EVENT_READ:
                read_all(key.data)
        for client in [c for c in self._writers if not c.want_write()]:
            self._writers.discard(client)
            if client.socket() is not None:
                self._selector.modify(_sock(client), selectors.EVENT_READ, client)
        return bool(events)

    def _check_health(self, what: str) -> None:
        if self.broker is not None and not self.broker.alive():
            raise BrokerError(f"MQTT broker died during {what}: {self.broker.failure_text()}")
        if self._lost:
            raise BrokerError(f"MQTT connection lost during {what}: {', '.join(self._lost[:5])}")

    def close(self) -> None:
        """Disconnect every client and stop the embedded broker (idempotent)."""
        clients = [c for c in (self._monitor, self._clock) if c is not None]
        for client in [*clients, *self._devices.values()]:
            client.on_disconnect = None
            if client.socket() is not None:
                self._selector.unregister(_sock(client))
                client.disconnect()
        self._writers.clear()
        self._selector.close()
        self._monitor, self._clock, self._devices = None, None, {}
        if self.broker is not None:
            self.broker_stats = self.broker.stop()
            self.broker = None
        for key, value in self.broker_stats.items():
            self.stats.rejected[f"broker_{key}"] = value
