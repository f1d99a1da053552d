"""Intake of one tick's batches: validation, duplicate and stale checks, rejection counters.

Shared by every adapter so that hostile input is treated the same whatever the transport:
malformed, oversized, unknown-device, foreign-topic, stale or duplicate messages are counted by
reason and logged, and never reach the monitor; valid batches are kept until the tick closes.
"""

from __future__ import annotations

import logging

from products.telemetry.frame import Item, TickFrame, frames_from_items
from products.telemetry.monitor import DeviceMonitor
from products.telemetry.port import TelemetryStats
from products.telemetry.schema import PayloadError, ReadingBatch, WireBatch, decode_wire

log = logging.getLogger(__name__)

_LOUD_PER_REASON = 10
TOPIC_PREFIX, TOPIC_SUFFIX = "device/", "/data"


def device_topic(device_id: str) -> str:
    """The MQTT topic a device publishes to."""
    return f"{TOPIC_PREFIX}{device_id}{TOPIC_SUFFIX}"


def topic_device(topic: str) -> str | None:
    """The device id in ``device/<id>/data``, or None for any other topic."""
    if not (topic.startswith(TOPIC_PREFIX) and topic.endswith(TOPIC_SUFFIX)):
        return None
    device_id = topic[len(TOPIC_PREFIX) : -len(TOPIC_SUFFIX)]
    return device_id if device_id and "/" not in device_id else None


class TickCollector:
    """Collects the valid batches of the open tick.

    Args:
        monitor: knows the fleet (unknown devices are rejected).
        stats: the adapter's counters (``rejected`` is updated here).
        max_payload_bytes: larger payloads are rejected as ``oversized``.
    """

    def __init__(
        self, monitor: DeviceMonitor, stats: TelemetryStats, max_payload_bytes: int
    ) -> None:
        self.monitor = monitor
        self.stats = stats
        self.max_payload_bytes = max_payload_bytes
        self.open_tick = 0
        self._batches: dict[str, Item] = {}

    @property
    def pending(self) -> int:
        """Valid batches collected for the open tick."""
        return len(self._batches)

    def accept_payload(self, topic: str, payload: bytes) -> bool:
        """Check and accept a raw MQTT message; False (counted, logged) if rejected.

        The columns stay wire bytes until the tick closes (see :meth:`close_tick_frames`).
        """
        try:
            batch = decode_wire(payload, self.max_payload_bytes)
        except PayloadError as exc:
            return self.reject(exc.reason, f"{topic}: {exc}")
        owner = topic_device(topic)
        if owner != batch.device_id:
            return self.reject("foreign_topic", f"{topic}: carries device {batch.device_id!r}")
        return self.accept(batch)

    def accept(self, batch: Item) -> bool:
        """Accept a decoded batch for the open tick; False (counted, logged) if rejected."""
        if not self.monitor.knows(batch.device_id):
            return self.reject("unknown_device", f"device {batch.device_id!r} is not in the fleet")
        if batch.tick != self.open_tick:
            why = f"{batch.device_id}: tick {batch.tick} while tick {self.open_tick} is open"
            return self.reject("wrong_tick", why)
        if batch.device_id in self._batches:
            return self.reject("duplicate", f"{batch.device_id}: second batch in tick {batch.tick}")
        self._batches[batch.device_id] = batch
        return True

    def reject(self, reason: str, message: str) -> bool:
        """Count and log one rejected message."""
        self.stats.rejected[reason] += 1
        level = (
            logging.WARNING if self.stats.rejected[reason] <= _LOUD_PER_REASON else logging.DEBUG
        )
        log.log(level, "telemetry rejected (%s): %s", reason, message)
        return False

    def close_tick(self) -> list[ReadingBatch]:
        """The open tick's batches sorted by device id; opens the next tick."""
        return [b.to_batch() if isinstance(b, WireBatch) else b for b in self._take()]

    def close_tick_frames(self) -> list[TickFrame]:
        """The open tick's batches as frames (one per reading count); opens the next tick."""
        return frames_from_items(self._take())

    def _take(self) -> list[Item]:
        batches = [self._batches[k] for k in sorted(self._batches)]
        self._batches = {}
        self.open_tick += 1
        self.stats.ticks += 1
        self.stats.batches_handled += len(batches)
        return batches
