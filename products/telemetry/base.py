"""Shared skeleton of the adapters that hand every submitted batch to the monitor."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Self

from products.telemetry.frame import TickFrame, frames_from_items
from products.telemetry.intake import TickCollector
from products.telemetry.monitor import DeviceMonitor
from products.telemetry.port import Alert, AlertSink, DeviceSpec, TelemetryStats
from products.telemetry.rules import MonitorRules
from products.telemetry.schema import ReadingBatch

DEFAULT_MAX_PAYLOAD_BYTES = 65_536


class MonitoredTelemetry:
    """Monitor + intake + sink wiring; subclasses decide how batches travel.

    Args:
        devices: the fleet.
        rules: monitor thresholds.
        sink: receives every alert (the bank).
        max_payload_bytes: larger payloads are rejected.
    """

    def __init__(
        self,
        devices: Sequence[DeviceSpec],
        rules: MonitorRules,
        sink: AlertSink,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
    ) -> None:
        self.monitor = DeviceMonitor(devices, rules)
        self.sink = sink
        self._stats = TelemetryStats()
        self.collector = TickCollector(self.monitor, self._stats, max_payload_bytes)

    @property
    def stats(self) -> TelemetryStats:
        """Counters so far."""
        return self._stats

    def set_payment_status(self, device_id: str, days_past_due: int) -> None:
        """Tell the monitor the lessee's arrears."""
        self.monitor.set_payment_status(device_id, days_past_due)

    def _check_tick(self, tick: int) -> None:
        if tick != self.collector.open_tick:
            raise ValueError(f"tick: {tick} must be the open tick {self.collector.open_tick}")

    def _deliver(self, batches: list[ReadingBatch]) -> list[Alert]:
        return self._deliver_frames(frames_from_items(batches))

    def _deliver_frames(self, frames: list[TickFrame]) -> list[Alert]:
        alerts = self.monitor.ingest_frames(frames)
        self._stats.readings_handled += sum(len(f) * f.readings for f in frames)
        for alert in alerts:
            self.sink.send_alert(alert)
        self._stats.alerts += len(alerts)
        return alerts

    def close(self) -> None:
        """Nothing to release by default."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
